// DUMP and RESTORE: round trips of every type through Cove, payloads exchanged with a
// real redis-server 7.0 in both directions, payloads in the older encodings redis-server
// still accepts, RESTORE's options (REPLACE ABSTTL IDLETIME FREQ) and its errors
// verbatim, and hostile payloads (a corrupt payload with a valid checksum is refused
// and leaves nothing behind).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNode, RawClient, resp } from '../support/valkey.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';
import { Crc64 } from '../../src/persistence/crc64.js';
import { datasetCommands, noRedisServer, runAll, snapshotOf, startRedis, RedisServer } from './rdb-support.js';

let node: ValkeyNode;
let cove: Redis;

before(async () => {
  node = await startNode({ enableDebugCommand: true });
  cove = new Redis({ port: node.port, lazyConnect: true });
  await cove.connect();
});
after(async () => {
  cove.disconnect();
  await node.close();
});

/** Wraps a value body as a DUMP payload: type byte, body, RDB version 10, CRC-64. */
function payload(type: number, body: Buffer, version = 10): Buffer {
  const head = Buffer.concat([Buffer.from([type]), body, Buffer.from([version & 0xff, version >> 8])]);
  return Buffer.concat([head, new Crc64().update(head).bytes()]);
}

/** Re-seals a payload whose body was changed, so that only its contents are wrong. */
function reseal(p: Buffer): Buffer {
  const head = p.subarray(0, p.length - 8);
  return Buffer.concat([head, new Crc64().update(head).bytes()]);
}

describe('DUMP / RESTORE in Cove', () => {
  test('every type survives DUMP then RESTORE under a new name, encoding included', async () => {
    await cove.flushall();
    await runAll(cove, datasetCommands());
    const before = await snapshotOf(cove, 1);
    const keys = Object.keys(before).map((k) => k.slice(2));
    const encodings = new Map<string, string>();
    for (const k of keys) encodings.set(k, String(await cove.object('ENCODING', k)));
    const dumps = new Map<string, Buffer>();
    for (const k of keys) dumps.set(k, (await cove.dumpBuffer(k))!);
    await cove.flushall();
    for (const k of keys) assert.equal(await cove.call('RESTORE', k, '0', dumps.get(k)!), 'OK', k);
    const after = await snapshotOf(cove, 1);
    // RESTORE with ttl 0 creates keys without a TTL.
    for (const v of Object.values(before) as string[][]) v[1] = 'persistent';
    assert.deepEqual(after, before);
    for (const k of keys) assert.equal(await cove.object('ENCODING', k), encodings.get(k), k);
  });

  test('DUMP of a missing key is nil, and DUMP is byte-stable for the same value', async () => {
    assert.equal(await cove.dumpBuffer('no-such-key'), null);
    await cove.set('a', 'hello');
    await cove.set('b', 'hello');
    assert.deepEqual(await cove.dumpBuffer('a'), await cove.dumpBuffer('b'));
  });

  test('a string DUMP is the bytes redis-server 7.0 gives: type, length, value, version 10, CRC-64', async () => {
    await cove.set('foo', 'bar');
    assert.equal((await cove.dumpBuffer('foo'))!.toString('hex'), '0003626172' + '0a00' + 'e6be4960ee66fd17');
    await cove.set('n', '12345');
    assert.equal((await cove.dumpBuffer('n'))!.toString('hex').slice(0, 8), '00c13930');
  });

  test('RESTORE errors come verbatim and in redis-server order', async () => {
    await cove.set('exists', 'x');
    const good = (await cove.dumpBuffer('exists'))!;
    const err = async (...args: (string | Buffer)[]): Promise<string> => {
      try {
        await cove.call('RESTORE', ...args);
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.equal(await err('exists', '0', '...'), 'BUSYKEY Target key name already exists.');
    assert.equal(await err('fresh', '-1', good), 'ERR Invalid TTL value, must be >= 0');
    assert.equal(await err('fresh', 'abc', good), 'ERR value is not an integer or out of range');
    assert.equal(await err('fresh', '0', '...'), 'ERR DUMP payload version or checksum are wrong');
    const flipped = Buffer.from(good);
    flipped[2] ^= 1;
    assert.equal(await err('fresh', '0', flipped), 'ERR DUMP payload version or checksum are wrong');
    assert.equal(await err('fresh', '0', payload(0, Buffer.from([3, 0x61, 0x62, 0x63]), 11)), 'ERR DUMP payload version or checksum are wrong');
    assert.equal(await err('fresh', '0', payload(42, Buffer.from([1, 2, 3]))), 'ERR Bad data format');
    assert.equal(await err('fresh', '0', payload(0, Buffer.from([10, 0x61]))), 'ERR Bad data format');
    // Counts and sizes that the payload cannot hold are refused before anything is allocated.
    assert.equal(await err('fresh', '0', payload(2, Buffer.from([0x80, 0x7f, 0xff, 0xff, 0xff, 1, 0x61]))), 'ERR Bad data format');
    assert.equal(await err('fresh', '0', payload(0, Buffer.from([0xc3, 2, 0x80, 0x10, 0, 0, 0, 0, 0x61]))), 'ERR Bad data format');
    assert.equal(await err('fresh', '0', good, 'IDLETIME', '-1'), 'ERR Invalid IDLETIME value, must be >= 0');
    assert.equal(await err('fresh', '0', good, 'FREQ', '256'), 'ERR Invalid FREQ value, must be >= 0 and <= 255');
    assert.equal(await err('fresh', '0', good, 'FREQ', 'x'), 'ERR value is not an integer or out of range');
    assert.equal(await err('fresh', '0', good, 'IDLETIME', '5', 'FREQ', '5'), 'ERR syntax error');
    assert.equal(await err('fresh', '0', good, 'IDLETIME'), 'ERR syntax error');
    assert.equal(await err('fresh', '0', good, 'bogus'), 'ERR syntax error');
    assert.equal(await err('fresh', '0'), "ERR wrong number of arguments for 'restore' command");
    assert.equal(await cove.exists('fresh'), 0);
  });

  test('REPLACE overwrites; a TTL is relative, ABSTTL absolute, and a time in the past creates nothing', async () => {
    await cove.set('k', 'one');
    const one = (await cove.dumpBuffer('k'))!;
    await cove.set('k', 'two');
    assert.equal(await cove.call('RESTORE', 'k', '0', one, 'REPLACE'), 'OK');
    assert.equal(await cove.get('k'), 'one');
    assert.equal(await cove.pttl('k'), -1);
    await cove.call('RESTORE', 'k', '5000', one, 'REPLACE');
    const ttl = await cove.pttl('k');
    assert.ok(ttl > 3000 && ttl <= 5000, String(ttl));
    await cove.call('RESTORE', 'k', '2569591501', one, 'REPLACE');
    assert.ok((await cove.pttl('k')) > 2569591501 - 3000);
    const at = Date.now() + 100_000;
    await cove.call('RESTORE', 'k', String(at), one, 'REPLACE', 'ABSTTL');
    assert.equal(await cove.call('PEXPIRETIME', 'k'), at);
    assert.equal(await cove.call('RESTORE', 'k', String(Date.now() - 3000), one, 'REPLACE', 'ABSTTL'), 'OK');
    assert.equal(await cove.exists('k'), 0);
    await assert.rejects(cove.call('DEBUG', 'OBJECT', 'k'), /ERR no such key/);
  });

  test('IDLETIME sets the idle time under an LRU policy, FREQ the counter under LFU', async () => {
    await cove.set('foo', 'bar');
    const d = (await cove.dumpBuffer('foo'))!;
    await cove.del('foo');
    try {
      await cove.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await cove.call('RESTORE', 'foo', '0', d, 'IDLETIME', '1000');
      const idle = Number(await cove.object('IDLETIME', 'foo'));
      assert.ok(idle >= 1000 && idle <= 1010, String(idle));
      await cove.del('foo');
      await cove.config('SET', 'maxmemory-policy', 'allkeys-lfu');
      await cove.call('RESTORE', 'foo', '0', d, 'FREQ', '100');
      assert.equal(await cove.object('FREQ', 'foo'), 100);
      assert.equal(await cove.get('foo'), 'bar');
    } finally {
      await cove.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  test('RESTORE of a list wakes a client blocked on the key', async () => {
    await cove.rpush('src', 'x', 'y');
    const d = (await cove.dumpBuffer('src'))!;
    const blocked = await RawClient.connect(node.port);
    try {
      blocked.write(resp('BLPOP', 'wake', '0'));
      while (!/blocked_clients:1/.test(String(await cove.info('clients')))) await new Promise((r) => setTimeout(r, 5));
      await cove.call('RESTORE', 'wake', '0', d);
      const reply = await blocked.readUntil((t) => t.includes('x\r\n'));
      assert.equal(reply, '*2\r\n$4\r\nwake\r\n$1\r\nx\r\n');
      assert.deepEqual(await cove.lrange('wake', 0, -1), ['y']);
    } finally {
      blocked.close();
    }
  });

  test('a payload with a broken checksum is refused unless DEBUG SET-SKIP-CHECKSUM-VALIDATION is on', async () => {
    await cove.set('s', 'value');
    const d = Buffer.from((await cove.dumpBuffer('s'))!);
    d[d.length - 1] ^= 0xff;
    await assert.rejects(cove.call('RESTORE', 'copy', '0', d), /checksum are wrong/);
    await cove.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1');
    try {
      assert.equal(await cove.call('RESTORE', 'copy', '0', d), 'OK');
      assert.equal(await cove.get('copy'), 'value');
    } finally {
      await cove.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0');
    }
  });

  test('corrupted payloads with a valid checksum restore cleanly or fail with Bad data format, never harm the node', async () => {
    await cove.flushall();
    await runAll(cove, datasetCommands());
    const keys = ['list:small', 'set:intset', 'set:table', 'zset:small', 'zset:big', 'hash:small', 'hash:big', 'stream', 'stream:big', 'str:long'];
    const dumps = await Promise.all(keys.map(async (k) => (await cove.dumpBuffer(k))!));
    await cove.flushall();
    const memoryBefore = node.store.account.bytes;
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let restored = 0;
    let refused = 0;
    for (let round = 0; round < 200; round++) {
      const p = Buffer.from(dumps[round % dumps.length]);
      const flips = 1 + rand(3);
      for (let f = 0; f < flips; f++) p[rand(p.length - 10)] = rand(256);
      try {
        await cove.call('RESTORE', `fuzz:${round}`, '0', reseal(p));
        restored++;
      } catch (e) {
        assert.equal((e as Error).message, 'ERR Bad data format');
        refused++;
      }
    }
    assert.ok(refused > 0);
    assert.equal(await cove.dbsize(), restored);
    await cove.flushall();
    // Whatever a refused payload had allocated was given back.
    assert.equal(node.store.account.bytes, memoryBefore);
    assert.equal(await cove.ping(), 'PONG');
  });
});

describe('DUMP / RESTORE against redis-server 7.0', { skip: noRedisServer }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  test('payloads of every type go both ways: redis-server → Cove and Cove → redis-server', async () => {
    await cove.flushall();
    await redis.client.flushall();
    await runAll(cove, datasetCommands());
    await runAll(redis.client, datasetCommands());
    const keys = Object.keys(await snapshotOf(redis.client, 1)).map((k) => k.slice(2));
    assert.ok(keys.length >= 20);
    for (const k of keys) {
      const fromCove = (await cove.dumpBuffer(k))!;
      const fromRedis = (await redis.client.dumpBuffer(k))!;
      assert.equal(await redis.client.call('RESTORE', `cove:${k}`, '0', fromCove), 'OK', k);
      assert.equal(await cove.call('RESTORE', `redis:${k}`, '0', fromRedis), 'OK', k);
    }
    // Each side now holds the other's keys under a prefix: they must read the same.
    const mine = await snapshotOf(cove, 1);
    const theirs = await snapshotOf(redis.client, 1);
    for (const k of keys) {
      const restoredHere = mine[`0:redis:${k}`] as unknown[];
      const restoredThere = theirs[`0:cove:${k}`] as unknown[];
      const original = theirs[`0:${k}`] as unknown[];
      assert.deepEqual(restoredHere.slice(0, 1).concat(restoredHere.slice(2)), original.slice(0, 1).concat(original.slice(2)), k);
      assert.deepEqual(restoredThere.slice(0, 1).concat(restoredThere.slice(2)), original.slice(0, 1).concat(original.slice(2)), k);
    }
  });

  test('with rdbcompression off, payloads of small values are byte-identical to redis-server\'s', async () => {
    await cove.config('SET', 'rdbcompression', 'no');
    await redis.client.config('SET', 'rdbcompression', 'no');
    try {
      const cmds: (string | Buffer)[][] = [
        ['SET', 'b:s', 'x'.repeat(100)],
        ['SET', 'b:i', '-1234567'],
        ['RPUSH', 'b:l', 'a', '1', '127', '128', '-4096', '4095', '70000', '-8388608', '2147483647', '9223372036854775807', 'y'.repeat(63), 'z'.repeat(64), 'w'.repeat(5000)],
        ['SADD', 'b:si', '1', '-5', '40000', '3000000000'],
        ['ZADD', 'b:z', '1.5', 'a', '-2', 'b', '1e300', 'c', '3', 'd'],
        ['HSET', 'b:h', 'a', '1', 'b', 'two', 'c', '-3'],
      ];
      const bigList: string[] = [];
      for (let i = 0; i < 5000; i++) bigList.push(`item-${i}`);
      cmds.push(['RPUSH', 'b:bigl', ...bigList]);
      const bigZ: string[] = [];
      for (let i = 0; i < 200; i++) bigZ.push(String(i * 1.25), `m${i}`);
      cmds.push(['ZADD', 'b:bigz', ...bigZ]);
      await runAll(cove, cmds);
      await runAll(redis.client, cmds);
      for (const k of ['b:s', 'b:i', 'b:l', 'b:si', 'b:z', 'b:h', 'b:bigl', 'b:bigz']) {
        assert.equal((await cove.dumpBuffer(k))!.toString('hex'), (await redis.client.dumpBuffer(k))!.toString('hex'), k);
      }
    } finally {
      await cove.config('SET', 'rdbcompression', 'yes');
      await redis.client.config('SET', 'rdbcompression', 'yes');
    }
  });

  test('older encodings that redis-server accepts (linked list, ziplists, zipmap, quicklist v1, text scores) restore the same in Cove', async () => {
    const cases: [string, Buffer][] = [
      ['old:list', payload(1, Buffer.concat([len(3), str('a'), str('bb'), str('123')]))],
      ['old:set', payload(2, Buffer.concat([len(2), str('x'), str('y')]))],
      ['old:zset', payload(3, Buffer.concat([len(3), str('a'), textDouble('1.5'), str('b'), Buffer.from([254]), str('c'), Buffer.from([255])]))],
      ['old:hash', payload(4, Buffer.concat([len(2), str('f'), str('v'), str('g'), str('w')]))],
      ['old:zipmap', payload(9, blob(zipmap([['name', 'cove'], ['kind', 'cache']])))],
      ['old:ziplist-list', payload(10, blob(ziplist(['a', 'bb', 5, -100, 3000, 'x'.repeat(70)])))],
      ['old:ziplist-zset', payload(12, blob(ziplist(['low', '0.5', 'high', 12])))],
      ['old:ziplist-hash', payload(13, blob(ziplist(['f1', 'v1', 'f2', 7])))],
      ['old:quicklist', payload(14, Buffer.concat([len(2), blob(ziplist(['n1a', 'n1b'])), blob(ziplist([1, 2, 3]))]))],
    ];
    for (const [key, p] of cases) {
      assert.equal(await redis.client.call('RESTORE', key, '0', p), 'OK', `redis-server accepts ${key}`);
      assert.equal(await cove.call('RESTORE', key, '0', p), 'OK', `Cove accepts ${key}`);
    }
    const theirs = await snapshotOf(redis.client, 1);
    const mine = await snapshotOf(cove, 1);
    for (const [key] of cases) assert.deepEqual(mine[`0:${key}`], theirs[`0:${key}`], key);
  });
});

// ---- encoders for the legacy payloads (their correctness is checked by redis-server) ----

function len(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

function str(s: string): Buffer {
  return Buffer.concat([len(s.length), Buffer.from(s, 'latin1')]);
}

function blob(b: Buffer): Buffer {
  return Buffer.concat([len(b.length), b]);
}

function textDouble(s: string): Buffer {
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
}

function ziplist(items: (string | number)[]): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let offset = 10;
  for (const item of items) {
    let enc: Buffer;
    if (typeof item === 'number') {
      if (item >= 0 && item <= 12) enc = Buffer.from([0xf1 + item]);
      else if (item >= -128 && item <= 127) enc = Buffer.from([0xfe, item & 0xff]);
      else {
        enc = Buffer.alloc(3);
        enc[0] = 0xc0;
        enc.writeInt16LE(item, 1);
      }
    } else if (item.length < 64) {
      enc = Buffer.concat([Buffer.from([item.length]), Buffer.from(item, 'latin1')]);
    } else {
      enc = Buffer.concat([Buffer.from([0x40 | (item.length >> 8), item.length & 0xff]), Buffer.from(item, 'latin1')]);
    }
    const prevLen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32le(prev)]);
    const entry = Buffer.concat([prevLen, enc]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    entries.push(entry);
  }
  const body = Buffer.concat(entries);
  const total = 10 + body.length + 1;
  const head = Buffer.alloc(10);
  head.writeUInt32LE(total, 0);
  head.writeUInt32LE(tail, 4);
  head.writeUInt16LE(items.length, 8);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}

function zipmap(pairs: [string, string][]): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length])];
  for (const [k, v] of pairs) {
    parts.push(Buffer.from([k.length]), Buffer.from(k, 'latin1'), Buffer.from([v.length, 0]), Buffer.from(v, 'latin1'));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}

