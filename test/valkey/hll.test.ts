// HyperLogLog: the hash against an independent 64-bit reference, PFADD/PFCOUNT/PFMERGE/
// PFDEBUG over raw RESP with Redis's replies and errors, the estimate's error bounds,
// the string bytes (cached cardinality, corruption detection), keyspace events, the
// ioredis and node-redis clients, and the format proof: HLL bytes written by Cove are
// read by a real redis-server 7.0 (and the other way round), byte for byte the same.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startNode, RawClient, resp } from '../support/valkey.js';
import { cmd as call, replies, int, bulk, err, WRONGTYPE, haveRedis, startRedis } from '../support/resp-wire.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';
import { HllWork, PROMOTE, createHll, denseSet, hllPattern } from '../../src/engine/types/hll.js';

let node: ValkeyNode;
before(async () => {
  node = await startNode();
});
after(async () => {
  await node.close();
});

// ---- raw RESP helpers ------------------------------------------------------------------

/** Pipelines many commands and waits for all their replies; returns the replies' text. */
async function pipeline(c: RawClient, commands: (string | Buffer)[][]): Promise<string> {
  c.write(Buffer.concat(commands.map((args) => resp(...args))));
  return replies(c, commands.length, 30000);
}

async function raw(port = node.port): Promise<RawClient> {
  return RawClient.connect(port);
}

const NOT_HLL = err('WRONGTYPE Key is not a valid HyperLogLog string value.');
const CORRUPT = err('INVALIDOBJ Corrupted HLL object detected');

/** The bytes of a bulk reply. */
function bulkBytes(r: string): Buffer {
  const e = r.indexOf('\r\n');
  const n = Number(r.slice(1, e));
  return Buffer.from(r.slice(e + 2, e + 2 + n), 'latin1');
}

/** PFADD commands adding `n` distinct elements (prefix + index) in batches of 500. */
function addCommands(key: string, prefix: string, n: number, from = 0): string[][] {
  const out: string[][] = [];
  for (let i = from; i < from + n; i += 500) {
    const batch = ['PFADD', key];
    for (let j = i; j < Math.min(from + n, i + 500); j++) batch.push(prefix + j);
    out.push(batch);
  }
  return out;
}

// ---- the hash ------------------------------------------------------------------------------

/** MurmurHash64A written with BigInt, straight from the algorithm's definition. */
function murmur64Reference(data: Buffer, seed: bigint): bigint {
  const mask = (1n << 64n) - 1n;
  const m = 0xc6a4a7935bd1e995n;
  const r = 47n;
  let h = (seed ^ ((BigInt(data.length) * m) & mask)) & mask;
  const blocks = data.length - (data.length % 8);
  for (let i = 0; i < blocks; i += 8) {
    let k = data.readBigUInt64LE(i);
    k = (k * m) & mask;
    k ^= k >> r;
    k = (k * m) & mask;
    h ^= k;
    h = (h * m) & mask;
  }
  const rest = data.length % 8;
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) h ^= BigInt(data[blocks + j]) << BigInt(8 * j);
    h = (h * m) & mask;
  }
  h ^= h >> r;
  h = (h * m) & mask;
  h ^= h >> r;
  return h;
}

describe('hash', () => {
  test('register index and run length match a BigInt MurmurHash64A for inputs of every length', () => {
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    for (let t = 0; t < 2000; t++) {
      const len = t % 41;
      const data = Buffer.alloc(len);
      for (let i = 0; i < len; i++) data[i] = Math.floor(rnd() * 256);
      const h = murmur64Reference(data, 0xadc83b19n);
      const index = Number(h & 16383n);
      let rest = (h >> 14n) | (1n << 50n);
      let count = 1;
      while ((rest & 1n) === 0n) {
        count++;
        rest >>= 1n;
      }
      const pat = hllPattern(data, 0, len);
      assert.equal(pat >>> 6, index, `index of ${data.toString('hex')}`);
      assert.equal(pat & 63, count, `count of ${data.toString('hex')}`);
    }
  });
});

describe('sparse updates', () => {
  test('updates on decoded runs give the same bytes as the byte-level steps, through promotion', () => {
    let seed = 777;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    for (let t = 0; t < 120; t++) {
      const maxBytes = [30, 200, 1000, 3000, 8000][t % 5];
      const pats: number[] = [];
      for (let i = Math.floor(rnd() * 2500); i > 0; i--) {
        const b = Buffer.from('e' + rnd());
        pats.push(hllPattern(b, 0, b.length));
      }
      // Reference: one byte-level update at a time, promoting by hand.
      const e1 = createHll();
      const a = new HllWork(e1, 0, e1.length);
      for (const p of pats) {
        if (a.encoding === 0) {
          denseSet(a.buf, 16, p >>> 6, p & 63);
        } else if (a.sparseSet(p >>> 6, p & 63, maxBytes) === PROMOTE) {
          a.toDense();
          denseSet(a.buf, 16, p >>> 6, p & 63);
        }
      }
      // set() switches to decoded runs after a few updates.
      const e2 = createHll();
      const b = new HllWork(e2, 0, e2.length);
      for (const p of pats) b.set(p >>> 6, p & 63, maxBytes);
      a.finish();
      b.finish();
      assert.deepEqual(b.buf.subarray(0, b.len), a.buf.subarray(0, a.len), `case ${t}: ${pats.length} elements, max ${maxBytes}`);
    }
  });
});

// ---- commands ----------------------------------------------------------------------------

describe('PFADD, PFCOUNT, PFMERGE', () => {
  test('PFADD creates the key, says whether a register changed, and PFCOUNT estimates', async () => {
    const c = await raw();
    assert.equal(await call(c, 'PFADD', 'h1'), int(1));
    assert.equal(await call(c, 'PFCOUNT', 'h1'), int(0));
    assert.equal(await call(c, 'PFADD', 'h1', 'a', 'b', 'c'), int(1));
    assert.equal(await call(c, 'PFADD', 'h1', 'a', 'b', 'c'), int(0));
    assert.equal(await call(c, 'PFADD', 'h1'), int(0));
    assert.equal(await call(c, 'PFCOUNT', 'h1'), int(3));
    assert.equal(await call(c, 'PFADD', 'h1', ''), int(1));
    assert.equal(await call(c, 'PFCOUNT', 'h1'), int(4));
    assert.equal(await call(c, 'TYPE', 'h1'), '+string\r\n');
    assert.equal(await call(c, 'PFCOUNT', 'nokey'), int(0));
    c.close();
  });

  test('the cached cardinality byte is valid after PFCOUNT and stale after a change', async () => {
    const c = await raw();
    await call(c, 'PFADD', 'hc', 'a', 'b', 'c');
    assert.equal(await call(c, 'GETRANGE', 'hc', '15', '15'), bulk('\x80'));
    await call(c, 'PFCOUNT', 'hc');
    assert.equal(await call(c, 'GETRANGE', 'hc', '15', '15'), bulk('\x00'));
    await call(c, 'PFADD', 'hc', 'a', 'b', 'c');
    assert.equal(await call(c, 'GETRANGE', 'hc', '15', '15'), bulk('\x00'));
    await call(c, 'PFADD', 'hc', '1', '2', '3');
    assert.equal(await call(c, 'GETRANGE', 'hc', '15', '15'), bulk('\x80'));
    // A valid cache is trusted as it is: the count comes from the header.
    await call(c, 'PFCOUNT', 'hc');
    await call(c, 'SETRANGE', 'hc', '8', '\x2a');
    assert.equal(await call(c, 'PFCOUNT', 'hc'), int(42));
    c.close();
  });

  test('PFCOUNT of several keys and PFMERGE give the cardinality of the union', async () => {
    const c = await raw();
    await call(c, 'PFADD', 'hu1', 'a', 'b', 'c');
    await call(c, 'PFADD', 'hu2', 'b', 'c', 'd');
    await call(c, 'PFADD', 'hu3', 'c', 'd', 'e');
    assert.equal(await call(c, 'PFCOUNT', 'hu1', 'hu2', 'hu3', 'nokey'), int(5));
    assert.equal(await call(c, 'PFMERGE', 'hu', 'hu1', 'hu2', 'hu3'), '+OK\r\n');
    assert.equal(await call(c, 'PFCOUNT', 'hu'), int(5));
    assert.equal(await call(c, 'PFMERGE', 'hu-empty'), '+OK\r\n');
    assert.equal(await call(c, 'PFCOUNT', 'hu-empty'), int(0));
    c.close();
  });

  test('estimates stay within 2% from a hundred to a hundred thousand elements, sparse then dense', async () => {
    const c = await raw();
    let added = 0;
    for (const n of [100, 1000, 10000, 100000]) {
      await pipeline(c, addCommands('hbig', 'element:', n - added, added));
      added = n;
      const count = Number((await call(c, 'PFCOUNT', 'hbig')).slice(1));
      assert.ok(Math.abs(count - n) <= n * 0.02, `estimated ${count} for ${n}`);
      const enc = await call(c, 'PFDEBUG', 'ENCODING', 'hbig');
      assert.equal(enc, n <= 1000 ? '+sparse\r\n' : '+dense\r\n', `encoding at ${n}`);
    }
    c.close();
  });

  test('hll-sparse-max-bytes decides when a sparse HLL turns dense', async () => {
    const c = await raw();
    await call(c, 'CONFIG', 'SET', 'hll-sparse-max-bytes', '30');
    try {
      await call(c, 'PFADD', 'hsmall', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j');
      assert.equal(await call(c, 'PFDEBUG', 'ENCODING', 'hsmall'), '+dense\r\n');
      assert.equal(await call(c, 'STRLEN', 'hsmall'), int(12304));
      assert.equal(await call(c, 'PFCOUNT', 'hsmall'), int(10));
    } finally {
      await call(c, 'CONFIG', 'SET', 'hll-sparse-max-bytes', '3000');
    }
    c.close();
  });

  test('PFDEBUG decodes, converts and lists registers', async () => {
    const c = await raw();
    await call(c, 'PFADD', 'hd', 'a');
    const decoded = await call(c, 'PFDEBUG', 'DECODE', 'hd');
    assert.match(decoded, /^\$\d+\r\n(Z|z):\d+ v:\d+,1 (Z|z):\d+\r\n$/);
    assert.equal(await call(c, 'PFDEBUG', 'TODENSE', 'hd'), int(1));
    assert.equal(await call(c, 'PFDEBUG', 'TODENSE', 'hd'), int(0));
    assert.equal(await call(c, 'PFDEBUG', 'DECODE', 'hd'), err('ERR HLL encoding is not sparse'));
    const regs = await call(c, 'PFDEBUG', 'GETREG', 'hd');
    assert.ok(regs.startsWith('*16384\r\n'));
    assert.equal(regs.split('\r\n').filter((l) => l.startsWith(':') && l !== ':0').length, 1);
    assert.equal(await call(c, 'PFCOUNT', 'hd'), int(1));
    assert.equal(await call(c, 'PFDEBUG', 'GETREG', 'nokey'), err('ERR The specified key does not exist'));
    assert.equal(await call(c, 'PFDEBUG', 'FOO', 'hd'), err("ERR Unknown PFDEBUG subcommand 'FOO'"));
    c.close();
  });
});

describe('type checks and corruption', () => {
  test('a non-string key is WRONGTYPE; a string without an HLL header is not a valid HyperLogLog', async () => {
    const c = await raw();
    await call(c, 'RPUSH', 'hlist', 'x');
    await call(c, 'SET', 'hstr', 'bar');
    assert.equal(await call(c, 'PFADD', 'hlist', 'a'), WRONGTYPE);
    assert.equal(await call(c, 'PFADD', 'hstr', 'a'), NOT_HLL);
    assert.equal(await call(c, 'PFCOUNT', 'hstr'), NOT_HLL);
    assert.equal(await call(c, 'PFCOUNT', 'h-ok', 'hstr'), NOT_HLL);
    assert.equal(await call(c, 'PFMERGE', 'hdst', 'hstr'), NOT_HLL);
    assert.equal(await call(c, 'PFMERGE', 'hstr', 'hdst'), NOT_HLL);
    c.close();
  });

  test('broken magic, an unknown encoding and a dense value of the wrong length are refused', async () => {
    const c = await raw();
    for (const [offset, bytes] of [
      ['0', '0123'],
      ['4', 'x'],
      ['4', '\x00'],
    ]) {
      await call(c, 'DEL', 'hbad');
      await call(c, 'PFADD', 'hbad', 'a', 'b', 'c');
      await call(c, 'SETRANGE', 'hbad', offset, bytes);
      assert.equal(await call(c, 'PFCOUNT', 'hbad'), NOT_HLL, `SETRANGE ${offset}`);
    }
    c.close();
  });

  test('sparse data whose runs do not add up is corrupted, for every PF command', async () => {
    const c = await raw();
    await call(c, 'PFADD', 'htail', 'a', 'b', 'c');
    await call(c, 'APPEND', 'htail', 'hello');
    assert.equal(await call(c, 'PFCOUNT', 'htail'), CORRUPT);
    assert.equal(await call(c, 'PFCOUNT', 'htail', 'nokey'), CORRUPT);
    assert.equal(await call(c, 'PFMERGE', 'hx', 'htail'), CORRUPT);
    c.close();
  });

  test('random corruption never takes the node down: every PFCOUNT answers', async () => {
    const c = await raw();
    let seed = 99;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    for (let round = 0; round < 60; round++) {
      const n = Math.floor(rnd() * 2500);
      await pipeline(c, [['DEL', 'hfuzz'], ...addCommands('hfuzz', `r${round}:`, n)]);
      const len = Number((await call(c, 'STRLEN', 'hfuzz')).slice(1));
      const corruptions: (string | Buffer)[][] = [];
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
        corruptions.push(['SETRANGE', 'hfuzz', String(Math.floor(rnd() * len)), Buffer.from([Math.floor(rnd() * 256)])]);
      }
      await pipeline(c, corruptions);
      const r = await call(c, 'PFCOUNT', 'hfuzz');
      assert.match(r, /^(:\d+|-INVALIDOBJ Corrupted HLL object detected|-WRONGTYPE Key is not a valid HyperLogLog string value\.)\r\n$/);
      const r2 = await call(c, 'PFADD', 'hfuzz', 'more', 'elements');
      assert.match(r2, /^(:[01]|-INVALIDOBJ .*|-WRONGTYPE .*)\r\n$/);
    }
    assert.equal(await call(c, 'PING'), '+PONG\r\n');
    c.close();
  });
});

describe('events and clients', () => {
  test('PFADD and PFMERGE raise "pfadd"; a PFADD that changes nothing raises none', async () => {
    const c = await raw();
    const sub = await raw();
    await call(c, 'CONFIG', 'SET', 'notify-keyspace-events', 'E$');
    try {
      await call(sub, 'SUBSCRIBE', '__keyevent@0__:pfadd');
      await call(c, 'PFADD', 'hev', 'a');
      await call(c, 'PFADD', 'hev', 'a');
      await call(c, 'PFMERGE', 'hev2', 'hev');
      // Events go out before each command's reply, so once hev2's is in, all are.
      const got = await sub.readUntil((t) => t.includes('$4\r\nhev2\r\n'), 3000);
      assert.deepEqual([...got.matchAll(/\$\d\r\n(hev2?)\r\n/g)].map((m) => m[1]), ['hev', 'hev2']);
    } finally {
      await call(c, 'CONFIG', 'SET', 'notify-keyspace-events', '');
    }
    sub.close();
    c.close();
  });

  test('ioredis and node-redis: pfadd, pfcount, pfmerge', async () => {
    const io = new Redis({ port: node.port, lazyConnect: true });
    await io.connect();
    const nr = createClient({ socket: { port: node.port } });
    await nr.connect();
    try {
      assert.equal(await io.pfadd('cl:h1', 'a', 'b', 'c'), 1);
      assert.equal(await io.pfcount('cl:h1'), 3);
      assert.equal(await nr.pfAdd('cl:h2', ['c', 'd']), 1);
      assert.equal(await nr.pfCount(['cl:h1', 'cl:h2']), 4);
      assert.equal(await io.pfmerge('cl:h', 'cl:h1', 'cl:h2'), 'OK');
      assert.equal(await nr.pfCount('cl:h'), 4);
    } finally {
      io.disconnect();
      await nr.quit();
    }
  });
});

// ---- the format proof against redis-server 7.0 ------------------------------------------------

describe('format proof with redis-server 7.0', { skip: haveRedis() ? false : 'redis-server is not installed' }, () => {
  let ref: { port: number; proc: ChildProcess } | null = null;
  let r: RawClient;
  let c: RawClient;
  before(async () => {
    ref = await startRedis();
    if (ref) r = await raw(ref.port);
    c = await raw();
  });
  after(() => {
    r?.close();
    c?.close();
    ref?.proc.kill();
  });

  test('HLL bytes written by Cove are accepted by redis-server, which counts the same', async () => {
    assert.ok(ref, 'redis-server started');
    for (const [key, n] of [
      ['proof:sparse', 50],
      ['proof:sparse2', 600],
      ['proof:dense', 20000],
    ] as const) {
      await pipeline(c, addCommands(key, 'x', n));
      const count = await call(c, 'PFCOUNT', key);
      const bytes = bulkBytes(await call(c, 'GET', key));
      assert.equal(await call(r, 'SET', key, bytes), '+OK\r\n');
      assert.equal(await call(r, 'PFCOUNT', key), count, key);
      // redis-server keeps working on it: more adds are counted there as here.
      await call(r, 'PFADD', key, 'one', 'more');
      await call(c, 'PFADD', key, 'one', 'more');
      assert.equal(await call(r, 'PFCOUNT', key), await call(c, 'PFCOUNT', key), key);
    }
  });

  test('the same adds give byte-identical values, sparse and dense, and so does PFMERGE', async () => {
    assert.ok(ref, 'redis-server started');
    const script: string[][] = [
      ['DEL', 'same:a', 'same:b', 'same:m'],
      ...addCommands('same:a', 'p', 300),
      ...addCommands('same:b', 'q', 5000),
      ['PFMERGE', 'same:m', 'same:a', 'same:b'],
      ['PFCOUNT', 'same:a'],
    ];
    await pipeline(r, script);
    await pipeline(c, script);
    for (const key of ['same:a', 'same:b', 'same:m']) {
      assert.deepEqual(bulkBytes(await call(c, 'GET', key)), bulkBytes(await call(r, 'GET', key)), key);
    }
  });

  test('HLL bytes written by redis-server are read by Cove', async () => {
    assert.ok(ref, 'redis-server started');
    await pipeline(r, [['DEL', 'back:h'], ...addCommands('back:h', 'z', 3000)]);
    const bytes = bulkBytes(await call(r, 'GET', 'back:h'));
    await call(c, 'SET', 'back:h', bytes);
    assert.equal(await call(c, 'PFCOUNT', 'back:h'), await call(r, 'PFCOUNT', 'back:h'));
  });
});
