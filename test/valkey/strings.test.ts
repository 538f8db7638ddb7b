// String commands against a running node: SET's options, SETNX SETEX PSETEX GETSET
// GETDEL GETEX MGET MSET MSETNX APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT
// GETRANGE SUBSTR SETRANGE LCS, with redis-server 7.0's exact replies and errors
// (raw RESP), their keyspace events, and the same commands through ioredis and
// node-redis. COVE_TWIN_PORT runs the wire tests against a reference server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { ValkeyNode } from '../../src/server/valkey-node.js';
import { ValueType } from '../../src/engine/keyspace.js';
import {
  Conn, OK, NIL, int, bulk, bulks, err, arr, arity, target, inNodeOnly, replyEnd,
  WRONGTYPE, NOT_INTEGER, SYNTAX,
} from './strings-support.js';

let node: ValkeyNode | null = null;
let port = 0;
before(async () => {
  ({ node, port } = await target());
});
after(async () => {
  await node?.close();
});

const INVALID_EXPIRE = (cmd: string) => err(`ERR invalid expire time in '${cmd}' command`);

test('SET k v GET EX 10 replies the old value and sets a 10 s TTL', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:get', 's:get2', 's:list');
  assert.equal(await c.call('SET', 's:get', 'old'), OK);
  assert.equal(await c.call('SET', 's:get', 'new', 'GET', 'EX', '10'), bulk('old'));
  assert.equal(await c.call('GET', 's:get'), bulk('new'));
  assert.equal(await c.call('TTL', 's:get'), int(10));
  // GET on a missing key replies nil and still sets.
  assert.equal(await c.call('SET', 's:get2', 'v', 'GET'), NIL);
  assert.equal(await c.call('GET', 's:get2'), bulk('v'));
  // A key of another type: WRONGTYPE and no write.
  await c.call('RPUSH', 's:list', 'a');
  assert.equal(await c.call('SET', 's:list', 'v', 'GET'), WRONGTYPE);
  assert.equal(await c.call('TYPE', 's:list'), '+list\r\n');
  c.close();
});

test('SET KEEPTTL keeps the TTL, a plain SET clears it, NX/XX decide with GET', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:ttl', 's:nx');
  await c.call('SET', 's:ttl', 'a', 'EX', '100');
  assert.equal(await c.call('SET', 's:ttl', 'b', 'KEEPTTL'), OK);
  assert.equal(await c.call('TTL', 's:ttl'), int(100));
  assert.equal(await c.call('SET', 's:ttl', 'c'), OK);
  assert.equal(await c.call('TTL', 's:ttl'), int(-1));
  assert.equal(await c.call('SET', 's:nx', '1', 'NX', 'GET'), NIL);
  assert.equal(await c.call('SET', 's:nx', '2', 'NX', 'GET'), bulk('1'));
  assert.equal(await c.call('GET', 's:nx'), bulk('1'));
  assert.equal(await c.call('SET', 's:nx', '3', 'XX'), OK);
  assert.equal(await c.call('SET', 's:absent', '3', 'XX'), NIL);
  // The same expire option twice: the last one wins.
  assert.equal(await c.call('SET', 's:ttl', 'd', 'EX', '10', 'EX', '20'), OK);
  assert.equal(await c.call('TTL', 's:ttl'), int(20));
  c.close();
});

test('SET rejects conflicting options as syntax errors, before looking at the expire value', async () => {
  const c = await Conn.open(port);
  for (const opts of [['NX', 'XX'], ['EX', '10', 'KEEPTTL'], ['KEEPTTL', 'PX', '10'], ['EX', '10', 'PX', '10'], ['EX'], ['EX', '-1', 'FOO'], ['PERSIST']]) {
    assert.equal(await c.call('SET', 's:opt', 'v', ...opts), SYNTAX, opts.join(' '));
  }
  assert.equal(await c.call('SET', 's:opt', 'v', 'EX', '0'), INVALID_EXPIRE('set'));
  assert.equal(await c.call('SET', 's:opt', 'v', 'PX', '-5'), INVALID_EXPIRE('set'));
  assert.equal(await c.call('SET', 's:opt', 'v', 'EX', '9223372036854775807'), INVALID_EXPIRE('set'));
  assert.equal(await c.call('SET', 's:opt', 'v', 'EX', 'ten'), NOT_INTEGER);
  assert.equal(await c.call('EXISTS', 's:opt'), int(0));
  c.close();
});

test('SETNX, SETEX and PSETEX set under their conditions and check the time', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:snx', 's:sex', 's:psex');
  assert.equal(await c.call('SETNX', 's:snx', 'a'), int(1));
  assert.equal(await c.call('SETNX', 's:snx', 'b'), int(0));
  assert.equal(await c.call('GET', 's:snx'), bulk('a'));
  assert.equal(await c.call('SETEX', 's:sex', '100', 'v'), OK);
  assert.equal(await c.call('TTL', 's:sex'), int(100));
  assert.equal(await c.call('SETEX', 's:sex', '0', 'v'), INVALID_EXPIRE('setex'));
  assert.equal(await c.call('SETEX', 's:sex', 'x', 'v'), NOT_INTEGER);
  assert.equal(await c.call('PSETEX', 's:psex', '100000', 'v'), OK);
  const pttl = Number((await c.call('PTTL', 's:psex')).slice(1));
  assert.ok(pttl > 90000 && pttl <= 100000);
  assert.equal(await c.call('PSETEX', 's:psex', '-1', 'v'), INVALID_EXPIRE('psetex'));
  assert.equal(await c.call('SETEX', 's:sex'), arity('setex'));
  c.close();
});

test('GETSET replies the old value and drops the TTL; GETDEL replies and deletes', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:gs', 's:gl');
  assert.equal(await c.call('GETSET', 's:gs', 'a'), NIL);
  await c.call('EXPIRE', 's:gs', '100');
  assert.equal(await c.call('GETSET', 's:gs', 'b'), bulk('a'));
  assert.equal(await c.call('TTL', 's:gs'), int(-1));
  await c.call('RPUSH', 's:gl', 'x');
  assert.equal(await c.call('GETSET', 's:gl', 'y'), WRONGTYPE);
  assert.equal(await c.call('GETDEL', 's:gs'), bulk('b'));
  assert.equal(await c.call('EXISTS', 's:gs'), int(0));
  assert.equal(await c.call('GETDEL', 's:gs'), NIL);
  assert.equal(await c.call('GETDEL', 's:gl'), WRONGTYPE);
  c.close();
});

test('GETEX sets, changes or removes the TTL; a past EXAT deletes the key', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:gx', 's:gxl');
  await c.call('SET', 's:gx', 'v');
  assert.equal(await c.call('GETEX', 's:gx'), bulk('v'));
  assert.equal(await c.call('TTL', 's:gx'), int(-1));
  assert.equal(await c.call('GETEX', 's:gx', 'EX', '100'), bulk('v'));
  assert.equal(await c.call('TTL', 's:gx'), int(100));
  assert.equal(await c.call('GETEX', 's:gx', 'PX', '50000'), bulk('v'));
  assert.equal(await c.call('TTL', 's:gx'), int(50));
  const at = Math.floor(Date.now() / 1000) + 200;
  assert.equal(await c.call('GETEX', 's:gx', 'EXAT', String(at)), bulk('v'));
  assert.equal(await c.call('EXPIRETIME', 's:gx'), int(at));
  assert.equal(await c.call('GETEX', 's:gx', 'PERSIST'), bulk('v'));
  assert.equal(await c.call('TTL', 's:gx'), int(-1));
  for (const opts of [['EX', '10', 'PX', '10'], ['PERSIST', 'EX', '10'], ['KEEPTTL'], ['NX'], ['GET'], ['EX']]) {
    assert.equal(await c.call('GETEX', 's:gx', ...opts), SYNTAX, opts.join(' '));
  }
  assert.equal(await c.call('GETEX', 's:gx', 'EX', '0'), INVALID_EXPIRE('getex'));
  // The expire value is only checked once the key is found.
  assert.equal(await c.call('GETEX', 's:missing', 'EX', '-1'), NIL);
  assert.equal(await c.call('GETEX', 's:gx', 'PXAT', '1'), bulk('v'));
  assert.equal(await c.call('EXISTS', 's:gx'), int(0));
  await c.call('RPUSH', 's:gxl', 'a');
  assert.equal(await c.call('GETEX', 's:gxl', 'EX', '10'), WRONGTYPE);
  c.close();
});

test('MGET answers nil for missing and non-string keys; MSET and MSETNX check their pairs', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:m1', 's:m2', 's:m3', 's:m4', 's:ml');
  await c.call('RPUSH', 's:ml', 'x');
  assert.equal(await c.call('MSET', 's:m1', '1', 's:m2', '2'), OK);
  assert.equal(await c.call('MGET', 's:m1', 's:m2', 's:m3', 's:ml'), bulks('1', '2', null, null));
  assert.equal(await c.call('MSET', 's:m1', '1', 's:m2'), arity('mset'));
  assert.equal(await c.call('MSETNX', 's:m1', 'x', 's:m3', '3'), int(0));
  assert.equal(await c.call('EXISTS', 's:m3'), int(0));
  assert.equal(await c.call('MSETNX', 's:m3', '3', 's:m4', '4'), int(1));
  assert.equal(await c.call('MGET', 's:m3', 's:m4'), bulks('3', '4'));
  assert.equal(await c.call('MSETNX', 's:m3'), arity('msetnx'));
  // MSET replaces any type and any TTL.
  await c.call('EXPIRE', 's:m1', '100');
  assert.equal(await c.call('MSET', 's:m1', 'a', 's:ml', 'b'), OK);
  assert.equal(await c.call('TTL', 's:m1'), int(-1));
  assert.equal(await c.call('GET', 's:ml'), bulk('b'));
  c.close();
});

test('APPEND creates and extends a string, STRLEN measures it', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:ap', 's:apl');
  assert.equal(await c.call('APPEND', 's:ap', 'hello'), int(5));
  assert.equal(await c.call('APPEND', 's:ap', ' world'), int(11));
  assert.equal(await c.call('GET', 's:ap'), bulk('hello world'));
  assert.equal(await c.call('STRLEN', 's:ap'), int(11));
  assert.equal(await c.call('STRLEN', 's:nothing'), int(0));
  await c.call('RPUSH', 's:apl', 'x');
  assert.equal(await c.call('APPEND', 's:apl', 'x'), WRONGTYPE);
  assert.equal(await c.call('STRLEN', 's:apl'), WRONGTYPE);
  // Appending to an integer keeps the bytes; a TTL survives.
  await c.call('SET', 's:ap', '12', 'EX', '100');
  assert.equal(await c.call('APPEND', 's:ap', '34'), int(4));
  assert.equal(await c.call('GET', 's:ap'), bulk('1234'));
  assert.equal(await c.call('TTL', 's:ap'), int(100));
  c.close();
});

test('APPEND many times in a row builds the whole string, binary bytes included', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:many');
  const piece = Buffer.from([0, 1, 2, 0xff, 13, 10, 65]);
  const frames: Buffer[] = [];
  for (let i = 0; i < 5000; i++) frames.push(Buffer.from(`*3\r\n$6\r\nAPPEND\r\n$6\r\ns:many\r\n$7\r\n`), piece, Buffer.from('\r\n'));
  c.raw.write(Buffer.concat(frames));
  const replies = await c.raw.readUntil((t) => t.endsWith(`:${5000 * 7}\r\n`), 10000);
  assert.equal(replies.split('\r\n').length - 1, 5000);
  const got = await c.call('GET', 's:many');
  assert.equal(got, bulk(Buffer.concat(Array(5000).fill(piece)).toString('latin1')));
  c.close();
});

test('APPEND and SETRANGE refuse to grow a string past proto-max-bulk-len', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:big');
  assert.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '1mb'), OK);
  try {
    const tooLong = err('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
    assert.equal(await c.call('SETRANGE', 's:big', String(1024 * 1024), 'x'), tooLong);
    assert.equal(await c.call('EXISTS', 's:big'), int(0));
    assert.equal(await c.call('SETRANGE', 's:big', String(1024 * 1024 - 1), 'x'), int(1024 * 1024));
    assert.equal(await c.call('APPEND', 's:big', 'y'), tooLong);
    assert.equal(await c.call('STRLEN', 's:big'), int(1024 * 1024));
  } finally {
    await c.call('CONFIG', 'SET', 'proto-max-bulk-len', String(512 * 1024 * 1024));
    await c.call('DEL', 's:big');
  }
  c.close();
});

test('INCR, DECR, INCRBY and DECRBY count in 64 bits and keep the TTL', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:n', 's:new', 's:new2');
  assert.equal(await c.call('INCR', 's:new'), int(1));
  assert.equal(await c.call('DECR', 's:new2'), int(-1));
  await c.call('SET', 's:n', '10', 'EX', '100');
  assert.equal(await c.call('INCR', 's:n'), int(11));
  assert.equal(await c.call('DECR', 's:n'), int(10));
  assert.equal(await c.call('INCRBY', 's:n', '100'), int(110));
  assert.equal(await c.call('DECRBY', 's:n', '-5'), int(115));
  assert.equal(await c.call('GET', 's:n'), bulk('115'));
  assert.equal(await c.call('TTL', 's:n'), int(100));
  // Past 2^53 the arithmetic stays exact.
  await c.call('SET', 's:n', '9007199254740991');
  assert.equal(await c.call('INCR', 's:n'), int('9007199254740992'));
  assert.equal(await c.call('INCRBY', 's:n', '1000000000000000001'), int('1009007199254740993'));
  assert.equal(await c.call('GET', 's:n'), bulk('1009007199254740993'));
  assert.equal(await c.call('DECRBY', 's:n', '1009007199254740993'), int(0));
  c.close();
});

test('INCR family errors: overflow, non-integers and wrong types, verbatim', async () => {
  const c = await Conn.open(port);
  const overflow = err('ERR increment or decrement would overflow');
  await c.call('SET', 's:o', '9223372036854775806');
  assert.equal(await c.call('INCR', 's:o'), int('9223372036854775807'));
  assert.equal(await c.call('INCR', 's:o'), overflow);
  assert.equal(await c.call('GET', 's:o'), bulk('9223372036854775807'));
  await c.call('SET', 's:o', '-9223372036854775807');
  assert.equal(await c.call('DECR', 's:o'), int('-9223372036854775808'));
  assert.equal(await c.call('DECR', 's:o'), overflow);
  assert.equal(await c.call('INCRBY', 's:o', '-1'), overflow);
  assert.equal(await c.call('DECRBY', 's:o', '-9223372036854775808'), err('ERR decrement would overflow'));
  assert.equal(await c.call('INCRBY', 's:o', '9223372036854775808'), NOT_INTEGER);
  assert.equal(await c.call('INCRBY', 's:o', '1.5'), NOT_INTEGER);
  for (const v of [' 1', '01', '1.5', '', 'abc', '+1', '-0', '12345678901234567890123']) {
    await c.call('SET', 's:o', v);
    assert.equal(await c.call('INCR', 's:o'), NOT_INTEGER, JSON.stringify(v));
  }
  await c.call('DEL', 's:ol');
  await c.call('RPUSH', 's:ol', '1');
  assert.equal(await c.call('INCR', 's:ol'), WRONGTYPE);
  c.close();
});

test('INCRBYFLOAT adds in long double, prints as Redis does and refuses NaN, infinity and non-floats', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:f', 's:f2', 's:fl');
  assert.equal(await c.call('INCRBYFLOAT', 's:f', '10.5'), bulk('10.5'));
  assert.equal(await c.call('INCRBYFLOAT', 's:f', '0.1'), bulk('10.6'));
  assert.equal(await c.call('INCRBYFLOAT', 's:f', '-10.6'), bulk('0'));
  assert.equal(await c.call('INCRBYFLOAT', 's:f', '5.0e3'), bulk('5000'));
  // Long-double arithmetic and "%.17Lf" printing, digit for digit.
  assert.equal(await c.call('INCRBYFLOAT', 's:f', '10.6'), bulk('5010.60000000000000009'));
  assert.equal(await c.call('INCRBYFLOAT', 's:f', '0x10'), bulk('5026.60000000000000009'));
  await c.call('SET', 's:f', '1e15');
  assert.equal(await c.call('INCRBYFLOAT', 's:f', '0.5'), bulk('1000000000000000.5'));
  // Twice 1.5e308 overflows a double but not a long double.
  await c.call('SET', 's:f', '0');
  assert.ok((await c.call('INCRBYFLOAT', 's:f', '1.5e308')).startsWith('$309\r\n149999999999999999999901476489'));
  assert.ok((await c.call('INCRBYFLOAT', 's:f', '1.5e308')).startsWith('$309\r\n299999999999999999999802952978'));
  assert.equal(await c.call('INCRBYFLOAT', 's:f2', '1.5e-7'), bulk('0.00000015'));
  await c.call('SET', 's:f2', '17179869184');
  assert.equal(await c.call('INCRBYFLOAT', 's:f2', '1.5'), bulk('17179869185.5'));
  await c.call('SET', 's:f2', '1e3');
  assert.equal(await c.call('INCRBYFLOAT', 's:f2', '0'), bulk('1000'));
  assert.equal(await c.call('INCRBYFLOAT', 's:f2', 'inf'), err('ERR increment would produce NaN or Infinity'));
  assert.equal(await c.call('INCRBYFLOAT', 's:f2', 'abc'), err('ERR value is not a valid float'));
  await c.call('SET', 's:f2', ' 1');
  assert.equal(await c.call('INCRBYFLOAT', 's:f2', '1'), err('ERR value is not a valid float'));
  await c.call('RPUSH', 's:fl', '1');
  assert.equal(await c.call('INCRBYFLOAT', 's:fl', '1'), WRONGTYPE);
  c.close();
});

test('GETRANGE and SUBSTR take inclusive, negative-from-the-end ranges', async () => {
  const c = await Conn.open(port);
  await c.call('SET', 's:r', 'Hello World');
  const cases: [string, string, string][] = [
    ['0', '4', 'Hello'], ['-5', '-1', 'World'], ['-1', '-5', ''], ['5', '2', ''], ['0', '100', 'Hello World'],
    ['-100', '2', 'Hel'], ['100', '200', ''], ['0', '-100', 'H'], ['3', '3', 'l'],
  ];
  for (const [s, e, want] of cases) {
    assert.equal(await c.call('GETRANGE', 's:r', s, e), bulk(want), `${s} ${e}`);
    assert.equal(await c.call('SUBSTR', 's:r', s, e), bulk(want), `${s} ${e}`);
  }
  assert.equal(await c.call('GETRANGE', 's:none', '0', '-1'), bulk(''));
  assert.equal(await c.call('GETRANGE', 's:r', 'x', '1'), NOT_INTEGER);
  await c.call('DEL', 's:rl');
  await c.call('RPUSH', 's:rl', 'a');
  assert.equal(await c.call('GETRANGE', 's:rl', '0', '1'), WRONGTYPE);
  c.close();
});

test('SETRANGE overwrites in place and pads a shorter or missing string with zero bytes', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 's:sr', 's:sr2', 's:srl');
  assert.equal(await c.call('SETRANGE', 's:sr', '5', 'abc'), int(8));
  assert.equal(await c.call('GET', 's:sr'), bulk('\0\0\0\0\0abc'));
  assert.equal(await c.call('SETRANGE', 's:sr', '0', 'XY'), int(8));
  assert.equal(await c.call('GET', 's:sr'), bulk('XY\0\0\0abc'));
  assert.equal(await c.call('SETRANGE', 's:sr', '10', 'Z'), int(11));
  assert.equal(await c.call('GET', 's:sr'), bulk('XY\0\0\0abc\0\0Z'));
  assert.equal(await c.call('SETRANGE', 's:sr', '1', ''), int(11));
  assert.equal(await c.call('SETRANGE', 's:sr2', '3', ''), int(0));
  assert.equal(await c.call('EXISTS', 's:sr2'), int(0));
  assert.equal(await c.call('SETRANGE', 's:sr', '-1', 'x'), err('ERR offset is out of range'));
  assert.equal(await c.call('SETRANGE', 's:sr', 'x', 'x'), NOT_INTEGER);
  await c.call('RPUSH', 's:srl', 'a');
  assert.equal(await c.call('SETRANGE', 's:srl', '0', 'x'), WRONGTYPE);
  c.close();
});

test('LCS gives the common string, its length, or the matching ranges', async () => {
  const c = await Conn.open(port);
  await c.call('MSET', 's:l1', 'ohmytext', 's:l2', 'mynewtext');
  assert.equal(await c.call('LCS', 's:l1', 's:l2'), bulk('mytext'));
  assert.equal(await c.call('LCS', 's:l1', 's:l2', 'LEN'), int(6));
  const range = (a: number, b: number) => arr(int(a), int(b));
  assert.equal(
    await c.call('LCS', 's:l1', 's:l2', 'IDX'),
    arr(bulk('matches'), arr(arr(range(4, 7), range(5, 8)), arr(range(2, 3), range(0, 1))), bulk('len'), int(6)),
  );
  assert.equal(
    await c.call('LCS', 's:l1', 's:l2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'),
    arr(bulk('matches'), arr(arr(range(4, 7), range(5, 8), int(4))), bulk('len'), int(6)),
  );
  assert.equal(await c.call('LCS', 's:l1', 's:nokey'), bulk(''));
  assert.equal(await c.call('LCS', 's:l1', 's:l2', 'IDX', 'LEN'), err('ERR If you want both the length and indexes, please just use IDX.'));
  assert.equal(await c.call('LCS', 's:l1', 's:l2', 'FOO'), SYNTAX);
  assert.equal(await c.call('LCS', 's:l1', 's:l2', 'MINMATCHLEN'), SYNTAX);
  assert.equal(await c.call('LCS', 's:l1', 's:l2', 'MINMATCHLEN', 'x'), NOT_INTEGER);
  await c.call('DEL', 's:ll');
  await c.call('RPUSH', 's:ll', 'a');
  // The type is checked before the options.
  assert.equal(await c.call('LCS', 's:ll', 's:l1', 'FOO'), err('ERR The specified keys must contain string values'));
  // RESP3: IDX is a map.
  assert.equal((await c.call('HELLO', '3')).startsWith('%'), true);
  assert.equal(
    await c.call('LCS', 's:l1', 's:l2', 'IDX', 'MINMATCHLEN', '4'),
    `%2\r\n${bulk('matches')}${arr(arr(range(4, 7), range(5, 8)))}${bulk('len')}${int(6)}`,
  );
  c.close();
});

test('LCS matches a brute-force longest common subsequence on random strings', async () => {
  const c = await Conn.open(port);
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const lcsLen = (a: string, b: string): number => {
    const t: number[][] = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
    return t[a.length][b.length];
  };
  const isSubsequence = (s: string, of: string): boolean => {
    let k = 0;
    for (const ch of of) if (k < s.length && s[k] === ch) k++;
    return k === s.length;
  };
  for (let round = 0; round < 30; round++) {
    const mk = () => Array.from({ length: rnd(40) }, () => 'abc'[rnd(3)]).join('');
    const a = mk();
    const b = mk();
    await c.call('MSET', 's:ra', a, 's:rb', b);
    const got = await c.call('LCS', 's:ra', 's:rb');
    const s = got.slice(got.indexOf('\r\n') + 2, -2);
    assert.equal(s.length, lcsLen(a, b), `${a} / ${b}`);
    assert.ok(isSubsequence(s, a) && isSubsequence(s, b), `${s} in ${a} / ${b}`);
  }
  c.close();
});

/** Reads `n` pmessage notifications as "channel message" strings. */
async function events(sub: Conn, n: number): Promise<string[]> {
  const count = (t: string) => {
    let k = 0;
    for (let i = 0; i < t.length; ) {
      const e = replyEnd(t, i);
      if (e < 0) break;
      k++;
      i = e;
    }
    return k;
  };
  const text = await sub.raw.readUntil((t) => count(t) >= n, 3000);
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const e = replyEnd(text, i);
    const parts = text.slice(i, e).split('\r\n');
    out.push(`${parts[6]} ${parts[8]}`);
    i = e;
  }
  return out;
}

test('string writes raise Redis keyspace events', async () => {
  const c = await Conn.open(port);
  const sub = await Conn.open(port);
  await c.call('DEL', 'e:s', 'e:t', 'e:u');
  assert.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA'), OK);
  try {
    await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
    await c.call('SET', 'e:s', '1', 'EX', '100');
    await c.call('INCRBY', 'e:s', '2');
    await c.call('INCRBYFLOAT', 'e:s', '1.5');
    await c.call('APPEND', 'e:s', 'x');
    await c.call('SETRANGE', 'e:s', '0', 'y');
    await c.call('GETEX', 'e:s', 'PERSIST');
    await c.call('GETDEL', 'e:s');
    await c.call('MSET', 'e:t', '1', 'e:u', '2');
    await c.call('GETEX', 'e:t', 'EX', '5');
    const got = await events(sub, 11);
    assert.deepEqual(got, [
      '__keyevent@0__:set e:s', '__keyevent@0__:expire e:s', '__keyevent@0__:incrby e:s', '__keyevent@0__:incrbyfloat e:s',
      '__keyevent@0__:append e:s', '__keyevent@0__:setrange e:s', '__keyevent@0__:persist e:s', '__keyevent@0__:del e:s',
      '__keyevent@0__:set e:t', '__keyevent@0__:set e:u', '__keyevent@0__:expire e:t',
    ]);
  } finally {
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  }
  sub.close();
  c.close();
});

test('WATCH sees string writes: EXEC fails after another client APPENDs', async () => {
  const a = await Conn.open(port);
  const b = await Conn.open(port);
  await a.call('SET', 'w:s', 'x');
  await a.call('WATCH', 'w:s');
  await b.call('APPEND', 'w:s', 'y');
  await a.call('MULTI');
  await a.call('INCR', 'w:n');
  assert.equal(await a.call('EXEC'), '*-1\r\n');
  a.close();
  b.close();
});

test('values live in the arena: a string grown by APPEND keeps its key and type', inNodeOnly, async () => {
  const c = await Conn.open(port);
  await c.call('SET', 'a:grow', 'x');
  for (let i = 0; i < 20; i++) await c.call('APPEND', 'a:grow', 'y'.repeat(1000));
  const db = node!.store.dbs[0];
  const id = db.findString('a:grow');
  assert.equal(db.type(id), ValueType.String);
  assert.equal(db.keyString(id), 'a:grow');
  assert.equal(db.valueLength(id), 20001);
  c.close();
});

test('ioredis: SET with options, GETEX, INCRBYFLOAT, MSETNX, SETRANGE, LCS', async () => {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  await r.connect();
  try {
    await r.del('io:a', 'io:b', 'io:n', 'io:n2');
    assert.equal(await r.set('io:a', 'v1', 'EX', 100), 'OK');
    assert.equal(await r.set('io:a', 'v2', 'KEEPTTL', 'GET'), 'v1');
    assert.equal(await r.ttl('io:a'), 100);
    assert.equal(await r.getex('io:a', 'PERSIST'), 'v2');
    assert.equal(await r.ttl('io:a'), -1);
    assert.equal(await r.incrbyfloat('io:n', '2.5'), '2.5');
    assert.equal(await r.incrby('io:n2', 5), 5);
    assert.equal(await r.msetnx('io:a', 'x', 'io:b', 'y'), 0);
    assert.equal(await r.setrange('io:b', 2, 'hi'), 4);
    assert.equal(await r.getrange('io:b', 2, -1), 'hi');
    await r.mset('io:l1', 'ohmytext', 'io:l2', 'mynewtext');
    assert.equal(await r.call('LCS', 'io:l1', 'io:l2'), 'mytext');
    assert.deepEqual(await r.mget('io:a', 'io:none'), ['v2', null]);
    await assert.rejects(r.incr('io:a'), /ERR value is not an integer or out of range/);
  } finally {
    r.disconnect();
  }
});

test('node-redis: GETEX, GETDEL, INCRBYFLOAT, APPEND, LCS_IDX, SET with GET', async () => {
  const c = createClient({ socket: { port, host: '127.0.0.1' } });
  await c.connect();
  try {
    await c.del(['nr:a', 'nr:f', 'nr:ap']);
    await c.set('nr:a', 'v');
    assert.equal(await c.getEx('nr:a', { type: 'EX', value: 50 }), 'v');
    assert.equal(await c.ttl('nr:a'), 50);
    assert.equal(await c.set('nr:a', 'w', { GET: true }), 'v');
    assert.equal(await c.getDel('nr:a'), 'w');
    assert.equal(await c.exists('nr:a'), 0);
    assert.equal(await c.incrByFloat('nr:f', 1.25), '1.25');
    assert.equal(await c.append('nr:ap', 'ab'), 2);
    assert.equal(await c.strLen('nr:ap'), 2);
    await c.mSet({ 'nr:l1': 'ohmytext', 'nr:l2': 'mynewtext' });
    assert.equal(await c.lcs('nr:l1', 'nr:l2'), 'mytext');
    assert.equal(await c.lcsLen('nr:l1', 'nr:l2'), 6);
    const idx = await c.lcsIdx('nr:l1', 'nr:l2', { MINMATCHLEN: 4 });
    assert.equal(idx.len, 6);
    assert.deepEqual(idx.matches, [[[4, 7], [5, 8]]]);
  } finally {
    await c.quit();
  }
});
