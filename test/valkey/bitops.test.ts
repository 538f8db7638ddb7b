// Bitmap commands against a running node: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
// BITFIELD_RO, with redis-server 7.0's exact replies and errors (raw RESP), BITCOUNT
// and BITPOS checked against a bit-by-bit model on random strings and ranges, the
// BITFIELD overflow modes, keyspace events, and ioredis / node-redis.
// COVE_TWIN_PORT runs the wire tests against a reference server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { ValkeyNode } from '../../src/server/valkey-node.js';
import { Conn, OK, NIL, int, bulk, err, arr, arity, target, WRONGTYPE, NOT_INTEGER, SYNTAX } from './strings-support.js';

let node: ValkeyNode | null = null;
let port = 0;
before(async () => {
  ({ node, port } = await target());
});
after(async () => {
  await node?.close();
});

const BIT_OFFSET = err('ERR bit offset is not an integer or out of range');
const BITFIELD_TYPE = err('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');

test('SETBIT grows the string with zero bytes and replies the old bit; GETBIT reads past the end as 0', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'b:s', 'b:l');
  assert.equal(await c.call('SETBIT', 'b:s', '7', '1'), int(0));
  assert.equal(await c.call('GET', 'b:s'), bulk('\x01'));
  assert.equal(await c.call('SETBIT', 'b:s', '7', '1'), int(1));
  assert.equal(await c.call('SETBIT', 'b:s', '0', '1'), int(0));
  assert.equal(await c.call('GET', 'b:s'), bulk('\x81'));
  assert.equal(await c.call('SETBIT', 'b:s', '23', '1'), int(0));
  assert.equal(await c.call('GET', 'b:s'), bulk('\x81\x00\x01'));
  assert.equal(await c.call('GETBIT', 'b:s', '0'), int(1));
  assert.equal(await c.call('GETBIT', 'b:s', '1'), int(0));
  assert.equal(await c.call('GETBIT', 'b:s', '23'), int(1));
  assert.equal(await c.call('GETBIT', 'b:s', '100000'), int(0));
  assert.equal(await c.call('GETBIT', 'b:none', '3'), int(0));
  c.close();
});

test('SETBIT and GETBIT errors, verbatim', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'b:e', 'b:l');
  await c.call('RPUSH', 'b:l', 'x');
  assert.equal(await c.call('SETBIT', 'b:e', '-1', '1'), BIT_OFFSET);
  assert.equal(await c.call('SETBIT', 'b:e', 'x', '1'), BIT_OFFSET);
  assert.equal(await c.call('SETBIT', 'b:e', '4294967296', '1'), BIT_OFFSET);
  assert.equal(await c.call('SETBIT', 'b:e', '1', '2'), err('ERR bit is not an integer or out of range'));
  assert.equal(await c.call('SETBIT', 'b:e', '1', 'on'), err('ERR bit is not an integer or out of range'));
  assert.equal(await c.call('SETBIT', 'b:l', '1', '1'), WRONGTYPE);
  assert.equal(await c.call('GETBIT', 'b:l', '1'), WRONGTYPE);
  assert.equal(await c.call('GETBIT', 'b:e', '-1'), BIT_OFFSET);
  assert.equal(await c.call('EXISTS', 'b:e'), int(0));
  c.close();
});

/** Deterministic pseudo-random numbers for the model tests. */
function rng(seed: number): (n: number) => number {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
}

function bitAt(s: Buffer, i: number): number {
  return (s[i >> 3] >> (7 - (i & 7))) & 1;
}

/** Clamps a [start, end] range over `total` units as Redis does (negative from the end). */
function clamp(start: number, end: number, total: number): [number, number] {
  if (start < 0) start += total;
  if (end < 0) end += total;
  start = Math.max(0, start);
  end = Math.max(0, end);
  end = Math.min(end, total - 1);
  return [start, end];
}

/** BITCOUNT by counting bit after bit. */
function modelBitcount(s: Buffer, range: [number, number, 'BYTE' | 'BIT'] | null): number {
  if (range && range[0] < 0 && range[1] < 0 && range[0] > range[1]) return 0;
  const unit = range?.[2] === 'BIT' ? 1 : 8;
  const [a, b] = range ? clamp(range[0], range[1], (s.length * 8) / unit) : [0, s.length - 1];
  let n = 0;
  for (let u = a; u <= b; u++) for (let k = 0; k < unit; k++) n += bitAt(s, u * unit + k);
  return n;
}

/** BITPOS by scanning bit after bit; a 0 past the end counts only without an explicit end. */
function modelBitpos(s: Buffer, bit: number, start: number | null, end: number | null, unit: 'BYTE' | 'BIT'): number {
  const per = unit === 'BIT' ? 1 : 8;
  const total = (s.length * 8) / per;
  const [a, b] = clamp(start ?? 0, end ?? total - 1, total);
  if (a > b) return -1;
  for (let i = a * per; i < (b + 1) * per; i++) if (bitAt(s, i) === bit) return i;
  return bit === 1 || end !== null ? -1 : (b + 1) * per;
}

test('BITCOUNT over bytes and bits agrees with counting bit by bit', async () => {
  const c = await Conn.open(port);
  const r = rng(42);
  for (let round = 0; round < 40; round++) {
    const s = Buffer.from(Array.from({ length: 1 + r(12) }, () => [0, 0xff, r(256)][r(3)]));
    await c.call('SET', 'b:cnt', s);
    assert.equal(await c.call('BITCOUNT', 'b:cnt'), int(modelBitcount(s, null)));
    for (let k = 0; k < 8; k++) {
      const unit = r(2) ? 'BIT' : 'BYTE';
      const span = unit === 'BIT' ? s.length * 8 : s.length;
      const a = r(2 * span + 4) - span - 2;
      const b = r(2 * span + 4) - span - 2;
      const args = r(3) === 0 ? [String(a), String(b)] : [String(a), String(b), unit];
      const want = modelBitcount(s, [a, b, args.length === 3 ? (unit as 'BIT' | 'BYTE') : 'BYTE']);
      assert.equal(await c.call('BITCOUNT', 'b:cnt', ...args), int(want), `${s.toString('hex')} ${args.join(' ')}`);
    }
  }
  c.close();
});

test('BITPOS over bytes and bits agrees with scanning bit by bit', async () => {
  const c = await Conn.open(port);
  const r = rng(4242);
  for (let round = 0; round < 40; round++) {
    const s = Buffer.from(Array.from({ length: 1 + r(10) }, () => [0, 0xff, r(256)][r(3)]));
    await c.call('SET', 'b:pos', s);
    for (const bit of [0, 1]) {
      assert.equal(await c.call('BITPOS', 'b:pos', String(bit)), int(modelBitpos(s, bit, null, null, 'BYTE')));
      for (let k = 0; k < 6; k++) {
        const unit = r(2) ? 'BIT' : 'BYTE';
        const span = unit === 'BIT' ? s.length * 8 : s.length;
        const a = r(2 * span + 4) - span - 2;
        const b = r(2 * span + 4) - span - 2;
        const form = r(3);
        let args: string[];
        let want: number;
        if (form === 0) {
          args = [String(a)];
          want = modelBitpos(s, bit, a, null, 'BYTE');
        } else if (form === 1) {
          args = [String(a), String(b)];
          want = modelBitpos(s, bit, a, b, 'BYTE');
        } else {
          args = [String(a), String(b), unit];
          want = modelBitpos(s, bit, a, b, unit);
        }
        assert.equal(await c.call('BITPOS', 'b:pos', String(bit), ...args), int(want), `${s.toString('hex')} ${bit} ${args.join(' ')}`);
      }
    }
  }
  c.close();
});

test('BITCOUNT and BITPOS edge cases and errors', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'b:missing', 'b:l');
  await c.call('RPUSH', 'b:l', 'x');
  await c.call('SET', 'b:ff', '\xff\xff\xff');
  // A missing key answers before its arguments are read.
  assert.equal(await c.call('BITCOUNT', 'b:missing', 'a', 'b'), int(0));
  assert.equal(await c.call('BITPOS', 'b:missing', '1', 'a'), int(-1));
  assert.equal(await c.call('BITPOS', 'b:missing', '0'), int(0));
  assert.equal(await c.call('BITPOS', 'b:ff', '0'), int(24));
  assert.equal(await c.call('BITPOS', 'b:ff', '0', '0', '-1'), int(-1));
  assert.equal(await c.call('BITCOUNT', 'b:ff', '0'), SYNTAX);
  assert.equal(await c.call('BITCOUNT', 'b:ff', '0', '1', 'BITS'), SYNTAX);
  assert.equal(await c.call('BITCOUNT', 'b:ff', 'a', 'b'), NOT_INTEGER);
  assert.equal(await c.call('BITPOS', 'b:ff', '2'), err('ERR The bit argument must be 1 or 0.'));
  assert.equal(await c.call('BITPOS', 'b:ff', 'x'), NOT_INTEGER);
  assert.equal(await c.call('BITPOS', 'b:ff', '1', '0', '1', 'bit', 'x'), SYNTAX);
  assert.equal(await c.call('BITPOS', 'b:ff', '1', '0', '1', 'nibble'), SYNTAX);
  assert.equal(await c.call('BITCOUNT', 'b:l'), WRONGTYPE);
  assert.equal(await c.call('BITPOS', 'b:l', '1'), WRONGTYPE);
  c.close();
});

test('BITOP AND, OR, XOR and NOT, with shorter and missing sources read as zeros', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'b:dest', 'b:none', 'b:l');
  await c.call('MSET', 'b:k1', 'foobar', 'b:k2', 'abcdef', 'b:short', 'ab');
  const x = (a: string, b: string, f: (p: number, q: number) => number) =>
    Buffer.from(Array.from({ length: Math.max(a.length, b.length) }, (_, i) => f(a.charCodeAt(i) || 0, b.charCodeAt(i) || 0) & 0xff)).toString('latin1');
  assert.equal(await c.call('BITOP', 'AND', 'b:dest', 'b:k1', 'b:k2'), int(6));
  assert.equal(await c.call('GET', 'b:dest'), bulk(x('foobar', 'abcdef', (p, q) => p & q)));
  assert.equal(await c.call('BITOP', 'or', 'b:dest', 'b:k1', 'b:short'), int(6));
  assert.equal(await c.call('GET', 'b:dest'), bulk(x('foobar', 'ab', (p, q) => p | q)));
  assert.equal(await c.call('BITOP', 'XOR', 'b:dest', 'b:k1', 'b:k2', 'b:none'), int(6));
  assert.equal(await c.call('GET', 'b:dest'), bulk(x('foobar', 'abcdef', (p, q) => p ^ q)));
  assert.equal(await c.call('BITOP', 'AND', 'b:dest', 'b:k1', 'b:short'), int(6));
  assert.equal(await c.call('GET', 'b:dest'), bulk(x('foobar', 'ab', (p, q) => p & q)));
  assert.equal(await c.call('BITOP', 'NOT', 'b:dest', 'b:short'), int(2));
  assert.equal(await c.call('GET', 'b:dest'), bulk('\x9e\x9d'));
  // The destination may be a source; it is replaced whole, TTL included.
  await c.call('EXPIRE', 'b:dest', '100');
  assert.equal(await c.call('BITOP', 'OR', 'b:dest', 'b:dest', 'b:k1'), int(6));
  assert.equal(await c.call('TTL', 'b:dest'), int(-1));
  // Only empty sources: the destination is deleted.
  assert.equal(await c.call('BITOP', 'OR', 'b:dest', 'b:none'), int(0));
  assert.equal(await c.call('EXISTS', 'b:dest'), int(0));
  assert.equal(await c.call('BITOP', 'NOT', 'b:dest', 'b:k1', 'b:k2'), err('ERR BITOP NOT must be called with a single source key.'));
  assert.equal(await c.call('BITOP', 'NAND', 'b:dest', 'b:k1'), SYNTAX);
  await c.call('RPUSH', 'b:l', 'x');
  assert.equal(await c.call('BITOP', 'AND', 'b:dest', 'b:k1', 'b:l'), WRONGTYPE);
  assert.equal(await c.call('BITOP', 'AND', 'b:dest'), arity('bitop'));
  c.close();
});

test('BITFIELD GET, SET and INCRBY with WRAP, SAT and FAIL overflow', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'b:bf');
  assert.equal(
    await c.call('BITFIELD', 'b:bf', 'SET', 'i8', '0', '100', 'GET', 'i8', '0', 'INCRBY', 'i8', '0', '100', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '100',
      'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '100', 'GET', 'u4', '0'),
    arr(int(0), int(100), int(-56), int(44), NIL, int(2)),
  );
  // Unsigned SET of a negative value: WRAP takes the low bits, SAT the maximum, FAIL refuses.
  assert.equal(await c.call('BITFIELD', 'b:bf', 'SET', 'u8', '0', '-1'), arr(int(44)));
  assert.equal(await c.call('BITFIELD', 'b:bf', 'GET', 'u8', '0'), arr(int(255)));
  assert.equal(
    await c.call('BITFIELD', 'b:bf', 'OVERFLOW', 'SAT', 'SET', 'u8', '8', '-1', 'OVERFLOW', 'FAIL', 'SET', 'u8', '16', '256', 'GET', 'u8', '8', 'GET', 'u8', '16'),
    arr(int(0), NIL, int(255), int(0)),
  );
  // 64-bit signed wraps around; u63 saturates at 2^63-1.
  assert.equal(
    await c.call('BITFIELD', 'b:bf', 'SET', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'i64', '0', '-5'),
    arr(int('-281474976710656'), int('-9223372036854775808'), int('-9223372036854775808'), int('-9223372036854775808')),
  );
  assert.equal(
    await c.call('BITFIELD', 'b:bf', 'OVERFLOW', 'SAT', 'SET', 'u63', '0', '0', 'INCRBY', 'u63', '0', '9223372036854775807', 'INCRBY', 'u63', '0', '1', 'INCRBY', 'u3', '70', '-9'),
    arr(int('4611686018427387904'), int('9223372036854775807'), int('9223372036854775807'), int(0)),
  );
  // "#N" offsets count in units of the type's width.
  assert.equal(await c.call('BITFIELD', 'b:bf', 'SET', 'u8', '#3', '200', 'GET', 'u8', '24', 'GET', 'i8', '#3'), arr(int(255), int(200), int(-56)));
  // Reading past the end sees zeros and does not grow the string.
  assert.equal(await c.call('STRLEN', 'b:bf'), int(10));
  assert.equal(await c.call('BITFIELD', 'b:bf', 'GET', 'u16', '1000'), arr(int(0)));
  assert.equal(await c.call('STRLEN', 'b:bf'), int(10));
  c.close();
});

test('BITFIELD errors are found before anything runs; BITFIELD_RO only reads', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'b:bfe', 'b:l');
  await c.call('RPUSH', 'b:l', 'x');
  assert.equal(await c.call('BITFIELD', 'b:bfe', 'GET', 'u64', '0'), BITFIELD_TYPE);
  assert.equal(await c.call('BITFIELD', 'b:bfe', 'GET', 'i65', '0'), BITFIELD_TYPE);
  assert.equal(await c.call('BITFIELD', 'b:bfe', 'GET', 'i0', '0'), BITFIELD_TYPE);
  assert.equal(await c.call('BITFIELD', 'b:bfe', 'GET', 'x8', '0'), BITFIELD_TYPE);
  assert.equal(await c.call('BITFIELD', 'b:bfe', 'GET', 'i8', '-1'), BIT_OFFSET);
  assert.equal(await c.call('BITFIELD', 'b:bfe', 'GET', 'i8', '4294967296'), BIT_OFFSET);
  assert.equal(await c.call('BITFIELD', 'b:bfe', 'OVERFLOW', 'MAYBE'), err('ERR Invalid OVERFLOW type specified'));
  assert.equal(await c.call('BITFIELD', 'b:bfe', 'FOO'), SYNTAX);
  assert.equal(await c.call('BITFIELD', 'b:bfe', 'GET', 'i8'), SYNTAX);
  assert.equal(await c.call('BITFIELD', 'b:bfe', 'SET', 'i8', '0', '1', 'INCRBY', 'i8', '0', 'x'), NOT_INTEGER);
  assert.equal(await c.call('EXISTS', 'b:bfe'), int(0));
  assert.equal(await c.call('BITFIELD', 'b:l', 'GET', 'i8', '0'), WRONGTYPE);
  assert.equal(await c.call('BITFIELD', 'b:bfe'), '*0\r\n');
  assert.equal(await c.call('BITFIELD_RO', 'b:bfe', 'GET', 'i8', '0'), arr(int(0)));
  assert.equal(await c.call('BITFIELD_RO', 'b:bfe', 'SET', 'i8', '0', '1'), err('ERR BITFIELD_RO only supports the GET subcommand'));
  assert.equal(await c.call('BITFIELD_RO', 'b:l', 'GET', 'i8', '0'), WRONGTYPE);
  assert.equal(await c.call('BITFIELD', 'b:bfe', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '5'), arr(NIL));
  // A FAIL still creates the string the write would have reached.
  assert.equal(await c.call('GET', 'b:bfe'), bulk('\0'));
  c.close();
});

test('bit writes raise setbit events (only when something changed), BITOP a set or del event', async () => {
  const c = await Conn.open(port);
  const sub = await Conn.open(port);
  await c.call('DEL', 'e:b', 'e:d');
  assert.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA'), OK);
  try {
    await sub.call('SUBSCRIBE', '__keyevent@0__:setbit', '__keyevent@0__:set', '__keyevent@0__:del');
    await c.call('SETBIT', 'e:b', '3', '1');
    await c.call('SETBIT', 'e:b', '3', '1'); // no change: no event
    await c.call('BITFIELD', 'e:b', 'GET', 'u8', '0'); // read only: no event
    await c.call('BITFIELD', 'e:b', 'SET', 'u8', '0', '1');
    await c.call('BITOP', 'NOT', 'e:d', 'e:b');
    await c.call('BITOP', 'AND', 'e:d', 'e:none');
    const text = await sub.raw.readUntil((t) => t.split('message').length - 1 >= 5, 3000);
    const got = text.split('*3\r\n').slice(1).map((m) => m.split('\r\n')[3] + ' ' + m.split('\r\n')[5]);
    assert.deepEqual(got, ['__keyevent@0__:setbit e:b', '__keyevent@0__:setbit e:b', '__keyevent@0__:set e:d', '__keyevent@0__:del e:d']);
  } finally {
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  }
  sub.close();
  c.close();
});

test('ioredis: SETBIT, GETBIT, BITCOUNT with BIT, BITPOS, BITOP, BITFIELD', async () => {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  await r.connect();
  try {
    await r.del('io:bm', 'io:bm2', 'io:bf');
    assert.equal(await r.setbit('io:bm', 10, 1), 0);
    assert.equal(await r.getbit('io:bm', 10), 1);
    assert.equal(await r.bitcount('io:bm'), 1);
    assert.equal(await r.bitcount('io:bm', 0, 9, 'BIT'), 0);
    assert.equal(await r.bitpos('io:bm', 1), 10);
    assert.equal(await r.bitop('NOT', 'io:bm2', 'io:bm'), 2);
    assert.equal(await r.bitcount('io:bm2'), 15);
    assert.deepEqual(await r.call('BITFIELD', 'io:bf', 'INCRBY', 'u4', 0, 20, 'GET', 'u4', 0), [4, 4]);
    assert.deepEqual(await r.call('BITFIELD_RO', 'io:bf', 'GET', 'u8', 0), [64]);
  } finally {
    r.disconnect();
  }
});

test('node-redis: bitCount with a BIT range, bitPos, bitField with overflow, bitField_RO', async () => {
  const c = createClient({ socket: { port, host: '127.0.0.1' } });
  await c.connect();
  try {
    await c.del(['nr:bm', 'nr:bf']);
    await c.set('nr:bm', 'foobar');
    assert.equal(await c.bitCount('nr:bm'), 26);
    assert.equal(await c.bitCount('nr:bm', { start: 5, end: 30, mode: 'BIT' }), 17);
    assert.equal(await c.bitPos('nr:bm', 1, 2), 17);
    assert.deepEqual(
      await c.bitField('nr:bf', [
        { operation: 'OVERFLOW', behavior: 'FAIL' },
        { operation: 'INCRBY', encoding: 'u2', offset: 0, increment: 4 },
        { operation: 'SET', encoding: 'i8', offset: 8, value: -2 },
      ]),
      [null, 0],
    );
    assert.deepEqual(await c.bitFieldRo('nr:bf', [{ encoding: 'i8', offset: 8 }]), [-2]);
  } finally {
    await c.quit();
  }
});
