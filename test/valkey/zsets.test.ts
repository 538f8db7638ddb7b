// The sorted-set type: the skip list and ZSetValue against a plain sorted-array model,
// every sorted-set command over raw RESP with redis-server 7.0's exact replies (RESP2
// and RESP3 shapes differ for WITHSCORES), the same scripts replayed against a real
// redis-server 7.0 when one is installed (replies compared byte for byte, plus a
// seeded random workload), blocking pops, encodings, ZSCAN cursors, keyspace events,
// WATCH, and the ioredis and node-redis clients.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startNode, RawClient, resp } from '../support/valkey.js';
import { cmd as call, replies, NIL, int, bulk, bulks, arr, err, WRONGTYPE, SYNTAX, haveRedis, startRedis } from '../support/resp-wire.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';
import { MemoryAccount } from '../../src/engine/memory.js';
import { ZSetValue } from '../../src/engine/types/zset.js';
import { SkipList } from '../../src/engine/types/skiplist.js';

let node: ValkeyNode;
before(async () => {
  node = await startNode();
});
after(async () => {
  await node.close();
});

// ---- raw RESP helpers ------------------------------------------------------------------

async function raw(port = node.port): Promise<RawClient> {
  return RawClient.connect(port);
}

const dbl = (s: string) => `,${s}\r\n`;
const NIL_ARRAY = '*-1\r\n';
const NULL3 = '_\r\n';

// ---- the skip list and the value, against a model -------------------------------------------

/** The model: [score, member] pairs sorted as Redis sorts them. */
function sortedModel(m: Map<string, number>): [number, string][] {
  return [...m.entries()].map(([k, v]) => [v, k] as [number, string]).sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
}

/** A small deterministic PRNG so the random workloads replay identically. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('skip list and ZSetValue', () => {
  test('ranks, rank lookups, score updates and range deletions agree with a sorted array', () => {
    const rnd = prng(42);
    const z = new ZSetValue(new MemoryAccount());
    const model = new Map<string, number>();
    for (let step = 0; step < 4000; step++) {
      const member = 'm' + Math.floor(rnd() * 300);
      const score = Math.floor(rnd() * 50) - 25;
      const op = rnd();
      if (op < 0.5) {
        const cur = z.score(member);
        if (cur === undefined) z.insert(member, score, Infinity, Infinity);
        else z.update(member, cur, score);
        model.set(member, score);
      } else if (op < 0.7) {
        assert.equal(z.remove(member), model.delete(member));
      } else if (op < 0.75) {
        const lo = Math.floor(rnd() * 10) - 5;
        const range = { min: lo, max: lo + 3, minex: rnd() < 0.5, maxex: rnd() < 0.5 };
        const expected = [...model.entries()].filter(([, s]) => (range.minex ? s > range.min : s >= range.min) && (range.maxex ? s < range.max : s <= range.max));
        assert.equal(z.countInRange(range), expected.length);
        assert.equal(z.removeRangeByScore(range), expected.length);
        for (const [m] of expected) model.delete(m);
      } else if (op < 0.78 && model.size > 0) {
        const a = Math.floor(rnd() * model.size);
        const b = Math.min(model.size - 1, a + Math.floor(rnd() * 5));
        const sorted = sortedModel(model);
        assert.equal(z.removeRangeByRank(a, b), b - a + 1);
        for (let k = a; k <= b; k++) model.delete(sorted[k][1]);
      }
      if (step % 200 === 0 || step === 3999) {
        const sorted = sortedModel(model);
        assert.equal(z.size, sorted.length);
        sorted.forEach(([s, m], i) => {
          assert.equal(z.rank(m, false), i);
          assert.equal(z.rank(m, true), sorted.length - 1 - i);
          const n = z.at(i)!;
          assert.equal(n.member, m);
          assert.equal(n.score, s);
        });
        // Walking backwards gives the same order reversed.
        const back: string[] = [];
        for (let n = z.zsl.last; n !== null; n = n.backward) back.push(n.member);
        assert.deepEqual(back.reverse(), sorted.map(([, m]) => m));
      }
    }
  });

  test('members order by bytes when scores tie, and a prefix sorts first', () => {
    const zsl = new SkipList();
    for (const m of ['b', 'a\x00', 'a', '\xff', 'ab', '']) zsl.insert(1, m);
    const out: string[] = [];
    for (let n = zsl.first; n !== null; n = n.next[0]) out.push(n.member);
    assert.deepEqual(out, ['', 'a', 'a\x00', 'ab', 'b', '\xff']);
  });

  test('a value charges its members to the account and gives them back', () => {
    const account = new MemoryAccount();
    const z = new ZSetValue(account);
    for (let i = 0; i < 100; i++) z.insert('member' + i, i, 128, 64);
    const charged = account.bytes;
    assert.ok(charged > 100 * 'member00'.length);
    z.removeRangeByRank(0, 49);
    assert.ok(account.bytes < charged && account.bytes > 0);
    for (let i = 50; i < 100; i++) z.remove('member' + i);
    assert.equal(account.bytes, 0);
  });

  test('a clone is equal, independent and charged to its own account', () => {
    const z = new ZSetValue(new MemoryAccount());
    z.insert('a', 1, 128, 64);
    z.insert('b', 2, 128, 64);
    const other = new MemoryAccount();
    const copy = z.clone(other);
    copy.remove('a');
    assert.equal(z.size, 2);
    assert.equal(copy.size, 1);
    assert.equal(other.bytes, copy.memory);
  });
});

// ---- commands over raw RESP, with redis-server 7.0's exact replies -------------------------------

describe('ZADD and ZINCRBY', () => {
  test('ZADD counts new members, CH also counts changed scores', async () => {
    const c = await raw();
    assert.equal(await call(c, 'ZADD', 'za', '1', 'a', '2', 'b'), int(2));
    assert.equal(await call(c, 'ZADD', 'za', '1', 'a', '3', 'b', '4', 'c'), int(1));
    assert.equal(await call(c, 'ZADD', 'za', 'CH', '5', 'a', '3', 'b', '6', 'd'), int(2));
    assert.equal(await call(c, 'ZRANGE', 'za', '0', '-1', 'WITHSCORES'), bulks('b', '3', 'c', '4', 'a', '5', 'd', '6'));
    c.close();
  });

  test('NX, XX, GT and LT decide which members change', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zo', '5', 'a');
    assert.equal(await call(c, 'ZADD', 'zo', 'NX', '1', 'a', '1', 'b'), int(1));
    assert.equal(await call(c, 'ZADD', 'zo', 'XX', 'CH', '2', 'b', '2', 'c'), int(1));
    assert.equal(await call(c, 'ZADD', 'zo', 'GT', 'CH', '4', 'a', '9', 'b'), int(1));
    assert.equal(await call(c, 'ZADD', 'zo', 'LT', 'CH', '7', 'a', '1', 'b', '0', 'new'), int(2));
    assert.equal(await call(c, 'ZRANGE', 'zo', '0', '-1', 'WITHSCORES'), bulks('new', '0', 'b', '1', 'a', '5'));
    assert.equal(await call(c, 'ZADD', 'missing', 'XX', '1', 'a'), int(0));
    assert.equal(await call(c, 'EXISTS', 'missing'), int(0));
    c.close();
  });

  test('option conflicts, odd pairs and bad scores are refused before anything changes', async () => {
    const c = await raw();
    assert.equal(await call(c, 'ZADD', 'zx', 'NX', 'XX', '1', 'a'), err('ERR XX and NX options at the same time are not compatible'));
    assert.equal(await call(c, 'ZADD', 'zx', 'GT', 'LT', '1', 'a'), err('ERR GT, LT, and/or NX options at the same time are not compatible'));
    assert.equal(await call(c, 'ZADD', 'zx', 'NX', 'GT', '1', 'a'), err('ERR GT, LT, and/or NX options at the same time are not compatible'));
    assert.equal(await call(c, 'ZADD', 'zx', 'INCR', '1', 'a', '2', 'b'), err('ERR INCR option supports a single increment-element pair'));
    assert.equal(await call(c, 'ZADD', 'zx', '1', 'a', '2'), SYNTAX);
    assert.equal(await call(c, 'ZADD', 'zx', '1', 'a', 'x', 'b'), err('ERR value is not a valid float'));
    for (const bad of ['nan', ' 1', '1e400', '1e-400', '']) {
      assert.equal(await call(c, 'ZADD', 'zx', bad, 'a'), err('ERR value is not a valid float'), bad);
    }
    assert.equal(await call(c, 'EXISTS', 'zx'), int(0));
    assert.equal(await call(c, 'ZADD', 'zx', '0x10', 'h', '+inf', 'i', '-Infinity', 'j'), int(3));
    assert.equal(await call(c, 'ZRANGE', 'zx', '0', '-1', 'WITHSCORES'), bulks('j', '-inf', 'h', '16', 'i', 'inf'));
    c.close();
  });

  test('INCR and ZINCRBY reply with the new score; a NaN result is an error and changes nothing', async () => {
    const c = await raw();
    assert.equal(await call(c, 'ZINCRBY', 'zi', '1.5', 'a'), bulk('1.5'));
    assert.equal(await call(c, 'ZADD', 'zi', 'INCR', '0.1', 'a'), bulk('1.6000000000000001'));
    assert.equal(await call(c, 'ZADD', 'zi', 'NX', 'INCR', '1', 'a'), NIL);
    assert.equal(await call(c, 'ZADD', 'zi', 'XX', 'INCR', '1', 'nope'), NIL);
    await call(c, 'ZADD', 'zi', 'inf', 'x');
    assert.equal(await call(c, 'ZINCRBY', 'zi', '-inf', 'x'), err('ERR resulting score is not a number (NaN)'));
    assert.equal(await call(c, 'ZSCORE', 'zi', 'x'), bulk('inf'));
    await call(c, 'HELLO', '3');
    assert.equal(await call(c, 'ZINCRBY', 'zi', '1', 'a'), dbl('2.6000000000000001'));
    assert.equal(await call(c, 'ZADD', 'zi', 'XX', 'INCR', '1', 'nope'), NULL3);
    c.close();
  });

  test('a key of another type gives WRONGTYPE', async () => {
    const c = await raw();
    await call(c, 'SET', 'zs-str', 'x');
    for (const args of [
      ['ZADD', 'zs-str', '1', 'a'],
      ['ZRANGE', 'zs-str', '0', '-1'],
      ['ZCARD', 'zs-str'],
      ['ZSCORE', 'zs-str', 'a'],
      ['ZPOPMIN', 'zs-str'],
      ['ZREM', 'zs-str', 'a'],
      ['ZRANK', 'zs-str', 'a'],
      ['ZCOUNT', 'zs-str', '0', '1'],
      ['ZSCAN', 'zs-str', '0'],
      ['ZUNION', '1', 'zs-str'],
    ]) {
      assert.equal(await call(c, ...args), WRONGTYPE, args.join(' '));
    }
    c.close();
  });
});

describe('reads', () => {
  test('ZCARD, ZSCORE, ZMSCORE, ZRANK and ZREVRANK, on present and missing keys', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zr', '1', 'a', '2', 'b', '3', 'c');
    assert.equal(await call(c, 'ZCARD', 'zr'), int(3));
    assert.equal(await call(c, 'ZCARD', 'nokey'), int(0));
    assert.equal(await call(c, 'ZSCORE', 'zr', 'b'), bulk('2'));
    assert.equal(await call(c, 'ZSCORE', 'zr', 'zz'), NIL);
    assert.equal(await call(c, 'ZMSCORE', 'zr', 'a', 'zz', 'c'), arr(bulk('1'), NIL, bulk('3')));
    assert.equal(await call(c, 'ZMSCORE', 'nokey', 'a'), arr(NIL));
    assert.equal(await call(c, 'ZRANK', 'zr', 'c'), int(2));
    assert.equal(await call(c, 'ZREVRANK', 'zr', 'c'), int(0));
    assert.equal(await call(c, 'ZRANK', 'zr', 'zz'), NIL);
    assert.equal(await call(c, 'ZRANK', 'zr', 'b', 'WITHSCORE'), arr(int(1), bulk('2')));
    assert.equal(await call(c, 'ZRANK', 'zr', 'zz', 'WITHSCORE'), NIL_ARRAY);
    assert.equal(await call(c, 'ZRANK', 'zr', 'b', 'WITHSCORES'), SYNTAX);
    assert.equal(await call(c, 'ZRANK', 'zr', 'b', 'WITHSCORE', 'x'), err("ERR wrong number of arguments for 'zrank' command"));
    await call(c, 'HELLO', '3');
    assert.equal(await call(c, 'ZSCORE', 'zr', 'b'), dbl('2'));
    assert.equal(await call(c, 'ZMSCORE', 'zr', 'a', 'zz'), arr(dbl('1'), NULL3));
    assert.equal(await call(c, 'ZREVRANK', 'zr', 'a', 'WITHSCORE'), arr(int(2), dbl('1')));
    assert.equal(await call(c, 'ZRANK', 'nokey', 'a', 'WITHSCORE'), NULL3);
    c.close();
  });

  test('ZCOUNT and ZLEXCOUNT with inclusive, exclusive and infinite ends', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zc', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    assert.equal(await call(c, 'ZCOUNT', 'zc', '(1', '3'), int(2));
    assert.equal(await call(c, 'ZCOUNT', 'zc', '-inf', '+inf'), int(4));
    assert.equal(await call(c, 'ZCOUNT', 'zc', '3', '1'), int(0));
    assert.equal(await call(c, 'ZCOUNT', 'zc', 'x', '1'), err('ERR min or max is not a float'));
    await call(c, 'ZADD', 'zl', '0', 'a', '0', 'b', '0', 'c', '0', 'd');
    assert.equal(await call(c, 'ZLEXCOUNT', 'zl', '[b', '(d'), int(2));
    assert.equal(await call(c, 'ZLEXCOUNT', 'zl', '-', '+'), int(4));
    assert.equal(await call(c, 'ZLEXCOUNT', 'zl', 'b', 'd'), err('ERR min or max not valid string range item'));
    assert.equal(await call(c, 'ZLEXCOUNT', 'zl', '+x', '+'), err('ERR min or max not valid string range item'));
    c.close();
  });
});

describe('ranges', () => {
  test('ZRANGE by rank, score and lex, reversed, limited, with scores (RESP2 is flat)', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zg', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    assert.equal(await call(c, 'ZRANGE', 'zg', '1', '-2'), bulks('b', 'c'));
    assert.equal(await call(c, 'ZRANGE', 'zg', '0', '0', 'REV', 'WITHSCORES'), bulks('d', '4'));
    assert.equal(await call(c, 'ZRANGE', 'zg', '(1', '+inf', 'BYSCORE', 'LIMIT', '1', '2'), bulks('c', 'd'));
    assert.equal(await call(c, 'ZRANGE', 'zg', '+inf', '(1', 'BYSCORE', 'REV', 'WITHSCORES', 'LIMIT', '0', '1'), bulks('d', '4'));
    assert.equal(await call(c, 'ZRANGE', 'zg', '[b', '+', 'BYLEX'), bulks('b', 'c', 'd'));
    assert.equal(await call(c, 'ZRANGE', 'zg', '0', '-1', 'LIMIT', '0', '1'), err('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX'));
    assert.equal(await call(c, 'ZRANGE', 'zg', '-', '+', 'BYLEX', 'WITHSCORES'), err('ERR syntax error, WITHSCORES not supported in combination with BYLEX'));
    assert.equal(await call(c, 'ZRANGE', 'zg', '0', '-1', 'BYSCORE', 'BYLEX'), SYNTAX);
    assert.equal(await call(c, 'ZRANGE', 'nokey', '0', '-1'), arr());
    await call(c, 'HELLO', '3');
    assert.equal(await call(c, 'ZRANGE', 'zg', '0', '1', 'WITHSCORES'), arr(arr(bulk('a'), dbl('1')), arr(bulk('b'), dbl('2'))));
    c.close();
  });

  test('the older range commands: ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zold', '1', 'a', '2', 'b', '3', 'c');
    assert.equal(await call(c, 'ZREVRANGE', 'zold', '0', '1', 'WITHSCORES'), bulks('c', '3', 'b', '2'));
    assert.equal(await call(c, 'ZRANGEBYSCORE', 'zold', '(1', '3', 'WITHSCORES'), bulks('b', '2', 'c', '3'));
    assert.equal(await call(c, 'ZRANGEBYSCORE', 'zold', '-inf', '+inf', 'LIMIT', '1', '-1'), bulks('b', 'c'));
    assert.equal(await call(c, 'ZRANGEBYSCORE', 'zold', '-inf', '+inf', 'LIMIT', '-1', '1'), arr());
    assert.equal(await call(c, 'ZREVRANGEBYSCORE', 'zold', '3', '(1'), bulks('c', 'b'));
    assert.equal(await call(c, 'ZRANGEBYSCORE', 'zold', '(', '2'), bulks('a', 'b')); // "(" alone is an exclusive 0
    assert.equal(await call(c, 'ZREVRANGE', 'zold', '0', '1', 'REV'), SYNTAX);
    await call(c, 'ZADD', 'zlex', '0', 'a', '0', 'b', '0', 'c');
    assert.equal(await call(c, 'ZRANGEBYLEX', 'zlex', '(a', '[c'), bulks('b', 'c'));
    assert.equal(await call(c, 'ZREVRANGEBYLEX', 'zlex', '+', '-', 'LIMIT', '0', '2'), bulks('c', 'b'));
    c.close();
  });

  test('ZRANGESTORE stores the range, replaces the destination and deletes it when empty', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zsrc', '1', 'a', '2', 'b', '3', 'c');
    await call(c, 'SET', 'zdst', 'string');
    await call(c, 'EXPIRE', 'zdst', '100');
    assert.equal(await call(c, 'ZRANGESTORE', 'zdst', 'zsrc', '1', '+inf', 'BYSCORE', 'LIMIT', '1', '5'), int(2));
    assert.equal(await call(c, 'ZRANGE', 'zdst', '0', '-1', 'WITHSCORES'), bulks('b', '2', 'c', '3'));
    assert.equal(await call(c, 'TTL', 'zdst'), int(-1));
    assert.equal(await call(c, 'ZRANGESTORE', 'zdst', 'zsrc', '5', '6'), int(0));
    assert.equal(await call(c, 'EXISTS', 'zdst'), int(0));
    assert.equal(await call(c, 'ZRANGESTORE', 'zdst', 'zsrc', '0', '-1', 'WITHSCORES'), SYNTAX);
    c.close();
  });

  test('ZREMRANGEBYRANK, ZREMRANGEBYSCORE and ZREMRANGEBYLEX remove the range and the emptied key', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zrm', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    assert.equal(await call(c, 'ZREMRANGEBYRANK', 'zrm', '-2', '-1'), int(2));
    assert.equal(await call(c, 'ZREMRANGEBYSCORE', 'zrm', '(1', '2'), int(1));
    assert.equal(await call(c, 'ZRANGE', 'zrm', '0', '-1'), bulks('a', 'c'));
    assert.equal(await call(c, 'ZREMRANGEBYRANK', 'zrm', '5', '9'), int(0));
    assert.equal(await call(c, 'ZREMRANGEBYRANK', 'zrm', 'x', '1'), err('ERR value is not an integer or out of range'));
    await call(c, 'ZADD', 'zrl', '0', 'a', '0', 'b', '0', 'c');
    assert.equal(await call(c, 'ZREMRANGEBYLEX', 'zrl', '[a', '(c'), int(2));
    assert.equal(await call(c, 'ZREMRANGEBYLEX', 'zrl', '-', '+'), int(1));
    assert.equal(await call(c, 'EXISTS', 'zrl'), int(0));
    assert.equal(await call(c, 'ZREMRANGEBYSCORE', 'nokey', '-inf', '+inf'), int(0));
    c.close();
  });

  test('ZREM removes members and the key with the last one', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zrem', '1', 'a', '2', 'b');
    assert.equal(await call(c, 'ZREM', 'zrem', 'a', 'x'), int(1));
    assert.equal(await call(c, 'ZREM', 'zrem', 'b'), int(1));
    assert.equal(await call(c, 'EXISTS', 'zrem'), int(0));
    assert.equal(await call(c, 'ZREM', 'zrem', 'b'), int(0));
    c.close();
  });
});

describe('pops', () => {
  test('ZPOPMIN and ZPOPMAX: flat pairs, nested pairs in RESP3 with a count', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zp', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    assert.equal(await call(c, 'ZPOPMIN', 'zp'), bulks('a', '1'));
    assert.equal(await call(c, 'ZPOPMAX', 'zp', '2'), bulks('d', '4', 'c', '3'));
    assert.equal(await call(c, 'ZPOPMIN', 'zp', '0'), arr());
    assert.equal(await call(c, 'ZPOPMIN', 'zp', '-1'), err('ERR value is out of range, must be positive'));
    assert.equal(await call(c, 'ZPOPMIN', 'zp', '1', '2'), SYNTAX);
    assert.equal(await call(c, 'ZPOPMIN', 'nokey'), arr());
    await call(c, 'ZADD', 'zp', '5', 'e');
    await call(c, 'HELLO', '3');
    assert.equal(await call(c, 'ZPOPMIN', 'zp'), arr(bulk('b'), dbl('2')));
    assert.equal(await call(c, 'ZPOPMIN', 'zp', '5'), arr(arr(bulk('e'), dbl('5'))));
    assert.equal(await call(c, 'EXISTS', 'zp'), int(0));
    c.close();
  });

  test('ZMPOP pops from the first non-empty key and names it; nothing gives a null', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zm2', '1', 'a', '2', 'b', '3', 'c');
    assert.equal(await call(c, 'ZMPOP', '2', 'zm1', 'zm2', 'MAX', 'COUNT', '2'), arr(bulk('zm2'), arr(bulks('c', '3'), bulks('b', '2'))));
    assert.equal(await call(c, 'ZMPOP', '1', 'zm2', 'MIN'), arr(bulk('zm2'), arr(bulks('a', '1'))));
    assert.equal(await call(c, 'ZMPOP', '1', 'zm2', 'MIN'), NIL_ARRAY);
    assert.equal(await call(c, 'ZMPOP', '0', 'zm2', 'MIN'), err('ERR numkeys should be greater than 0'));
    assert.equal(await call(c, 'ZMPOP', '1', 'zm2', 'MIN', 'COUNT', '0'), err('ERR count should be greater than 0'));
    assert.equal(await call(c, 'ZMPOP', '2', 'zm2', 'MIN'), SYNTAX);
    c.close();
  });

  test('BZPOPMIN returns at once when there is data, otherwise times out with a null array', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zb', '1', 'a');
    assert.equal(await call(c, 'BZPOPMIN', 'zbx', 'zb', '0'), arr(bulk('zb'), bulk('a'), bulk('1')));
    assert.equal(await call(c, 'BZPOPMAX', 'zb', '0.01'), NIL_ARRAY);
    assert.equal(await call(c, 'BZPOPMIN', 'zb', '-1'), err('ERR timeout is negative'));
    assert.equal(await call(c, 'BZPOPMIN', 'zb', 'x'), err('ERR timeout is not a float or out of range'));
    await call(c, 'HELLO', '3');
    assert.equal(await call(c, 'BZMPOP', '0.01', '1', 'zb', 'MIN'), NULL3);
    c.close();
  });

  test('blocked BZPOPMIN clients are served in arrival order by a later ZADD', async () => {
    const first = await raw();
    const second = await raw();
    const writer = await raw();
    first.write(resp('BZPOPMIN', 'zwait', '5'));
    await new Promise((r) => setTimeout(r, 50));
    second.write(resp('BZPOPMAX', 'zwait', '5'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await call(writer, 'ZADD', 'zwait', '1', 'a', '2', 'b', '3', 'c'), int(3));
    assert.equal(await replies(first), arr(bulk('zwait'), bulk('a'), bulk('1')));
    assert.equal(await replies(second), arr(bulk('zwait'), bulk('c'), bulk('3')));
    assert.equal(await call(writer, 'ZRANGE', 'zwait', '0', '-1'), bulks('b'));
    first.close();
    second.close();
    writer.close();
  });

  test('BZMPOP is woken by a ZADD inside MULTI only after EXEC', async () => {
    const waiter = await raw();
    const writer = await raw();
    waiter.write(resp('BZMPOP', '5', '2', 'zm-a', 'zm-b', 'MIN', 'COUNT', '10'));
    await new Promise((r) => setTimeout(r, 50));
    await call(writer, 'MULTI');
    await call(writer, 'ZADD', 'zm-b', '2', 'y', '1', 'x');
    await call(writer, 'ZADD', 'zm-b', '3', 'z');
    assert.equal(await call(writer, 'EXEC'), arr(int(2), int(1)));
    assert.equal(await replies(waiter), arr(bulk('zm-b'), arr(bulks('x', '1'), bulks('y', '2'), bulks('z', '3'))));
    waiter.close();
    writer.close();
  });

  test('inside MULTI a blocking pop with nothing to pop answers null at once', async () => {
    const c = await raw();
    await call(c, 'MULTI');
    await call(c, 'BZPOPMIN', 'zempty', '0');
    await call(c, 'BZMPOP', '0', '1', 'zempty', 'MAX');
    assert.equal(await call(c, 'EXEC'), arr(NIL_ARRAY, NIL_ARRAY));
    c.close();
  });
});

describe('ZRANDMEMBER', () => {
  test('picks members of the set: distinct for a positive count, repeated for a negative one', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zrand', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    const one = await call(c, 'ZRANDMEMBER', 'zrand');
    assert.match(one, /^\$1\r\n[a-e]\r\n$/);
    const distinct = (await call(c, 'ZRANDMEMBER', 'zrand', '3')).split('\r\n').filter((l) => /^[a-e]$/.test(l));
    assert.equal(distinct.length, 3);
    assert.equal(new Set(distinct).size, 3);
    const repeated = (await call(c, 'ZRANDMEMBER', 'zrand', '-20')).split('\r\n').filter((l) => /^[a-e]$/.test(l));
    assert.equal(repeated.length, 20);
    // Asking for more than there is returns the whole set, highest first.
    assert.equal(await call(c, 'ZRANDMEMBER', 'zrand', '10', 'WITHSCORES'), bulks('e', '5', 'd', '4', 'c', '3', 'b', '2', 'a', '1'));
    assert.equal(await call(c, 'ZRANDMEMBER', 'zrand', '0'), arr());
    assert.equal(await call(c, 'ZRANDMEMBER', 'nokey'), NIL);
    assert.equal(await call(c, 'ZRANDMEMBER', 'nokey', '2'), arr());
    assert.equal(await call(c, 'ZRANDMEMBER', 'zrand', '2', 'SCORES'), SYNTAX);
    assert.equal(await call(c, 'ZRANDMEMBER', 'zrand', '-9223372036854775808'), err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'));
    assert.equal(await call(c, 'ZRANDMEMBER', 'zrand', '-9223372036854770000', 'WITHSCORES'), err('ERR value is out of range'));
    await call(c, 'HELLO', '3');
    assert.equal(await call(c, 'ZRANDMEMBER', 'zrand', '1', 'WITHSCORES').then((r) => /^\*1\r\n\*2\r\n\$1\r\n[a-e]\r\n,[1-5]\r\n$/.test(r)), true);
    c.close();
  });
});

describe('set algebra', () => {
  test('ZUNION, ZINTER and ZDIFF with weights and aggregates; plain sets count with score 1', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zu1', '1', 'a', '2', 'b', '3', 'c');
    await call(c, 'ZADD', 'zu2', '10', 'b', '20', 'c', '30', 'd');
    await call(c, 'SADD', 'su', 'c', 'd', 'e');
    assert.equal(await call(c, 'ZUNION', '2', 'zu1', 'zu2', 'WITHSCORES'), bulks('a', '1', 'b', '12', 'c', '23', 'd', '30'));
    assert.equal(await call(c, 'ZINTER', '2', 'zu1', 'zu2', 'WEIGHTS', '2', '0.5', 'WITHSCORES'), bulks('b', '9', 'c', '16'));
    assert.equal(await call(c, 'ZINTER', '2', 'zu1', 'zu2', 'AGGREGATE', 'MAX', 'WITHSCORES'), bulks('b', '10', 'c', '20'));
    assert.equal(await call(c, 'ZUNION', '2', 'zu1', 'su', 'AGGREGATE', 'MIN', 'WITHSCORES'), bulks('a', '1', 'c', '1', 'd', '1', 'e', '1', 'b', '2'));
    assert.equal(await call(c, 'ZDIFF', '3', 'zu1', 'zu2', 'su', 'WITHSCORES'), bulks('a', '1'));
    assert.equal(await call(c, 'ZDIFF', '2', 'zu1', 'zu2', 'WEIGHTS', '1', '1'), SYNTAX);
    assert.equal(await call(c, 'ZUNION', '2', 'zu1', 'zu2', 'WEIGHTS', '1', 'x'), err('ERR weight value is not a float'));
    assert.equal(await call(c, 'ZUNION', '0', 'zu1'), err("ERR at least 1 input key is needed for 'zunion' command"));
    assert.equal(await call(c, 'ZUNION', '3', 'zu1', 'zu2'), SYNTAX);
    await call(c, 'HELLO', '3');
    assert.equal(await call(c, 'ZINTER', '2', 'zu1', 'zu2', 'WITHSCORES'), arr(arr(bulk('b'), dbl('12')), arr(bulk('c'), dbl('23'))));
    c.close();
  });

  test('inf plus -inf aggregates to 0, as Redis defines it', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zinf1', 'inf', 'a');
    await call(c, 'ZADD', 'zinf2', '-inf', 'a');
    assert.equal(await call(c, 'ZUNION', '2', 'zinf1', 'zinf2', 'WITHSCORES'), bulks('a', '0'));
    c.close();
  });

  test('the STORE forms replace the destination and reply with its size; ZINTERCARD counts', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zs1', '1', 'a', '2', 'b');
    await call(c, 'ZADD', 'zs2', '5', 'b', '6', 'c');
    assert.equal(await call(c, 'ZUNIONSTORE', 'zsd', '2', 'zs1', 'zs2', 'WEIGHTS', '1', '2'), int(3));
    assert.equal(await call(c, 'ZRANGE', 'zsd', '0', '-1', 'WITHSCORES'), bulks('a', '1', 'b', '12', 'c', '12'));
    assert.equal(await call(c, 'ZINTERSTORE', 'zsd', '2', 'zs1', 'zs2'), int(1));
    assert.equal(await call(c, 'ZRANGE', 'zsd', '0', '-1', 'WITHSCORES'), bulks('b', '7'));
    assert.equal(await call(c, 'ZDIFFSTORE', 'zsd', '2', 'zs1', 'zs1'), int(0));
    assert.equal(await call(c, 'EXISTS', 'zsd'), int(0));
    assert.equal(await call(c, 'ZUNIONSTORE', 'zsd', '1', 'zs1', 'WITHSCORES'), SYNTAX);
    assert.equal(await call(c, 'ZINTERCARD', '2', 'zs1', 'zs2'), int(1));
    assert.equal(await call(c, 'ZINTERCARD', '1', 'zs1', 'LIMIT', '1'), int(1));
    assert.equal(await call(c, 'ZINTERCARD', '1', 'zs1', 'LIMIT', '-1'), err("ERR LIMIT can't be negative"));
    c.close();
  });
});

describe('encodings and ZSCAN', () => {
  test('listpack until the entries or value limit is crossed, then skiplist for good', async () => {
    const c = await raw();
    await call(c, 'CONFIG', 'SET', 'zset-max-listpack-entries', '3');
    await call(c, 'CONFIG', 'SET', 'zset-max-listpack-value', '8');
    try {
      await call(c, 'ZADD', 'zenc', '1', 'a', '2', 'b', '3', 'c');
      assert.equal(await call(c, 'OBJECT', 'ENCODING', 'zenc'), bulk('listpack'));
      await call(c, 'ZADD', 'zenc', '4', 'd');
      assert.equal(await call(c, 'OBJECT', 'ENCODING', 'zenc'), bulk('skiplist'));
      await call(c, 'ZREM', 'zenc', 'a', 'b', 'c');
      assert.equal(await call(c, 'OBJECT', 'ENCODING', 'zenc'), bulk('skiplist'));
      await call(c, 'ZADD', 'zlong', '1', 'longer-than-8');
      assert.equal(await call(c, 'OBJECT', 'ENCODING', 'zlong'), bulk('skiplist'));
      // A stored result that fits goes back to listpack.
      await call(c, 'ZUNIONSTORE', 'zfits', '1', 'zenc');
      assert.equal(await call(c, 'OBJECT', 'ENCODING', 'zfits'), bulk('listpack'));
    } finally {
      await call(c, 'CONFIG', 'SET', 'zset-max-listpack-entries', '128');
      await call(c, 'CONFIG', 'SET', 'zset-max-listpack-value', '64');
    }
    c.close();
  });

  test('a listpack keeps no -0: the score reads back as 0, a skiplist keeps it', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zneg0', '-0', 'a');
    assert.equal(await call(c, 'ZSCORE', 'zneg0', 'a'), bulk('0'));
    await call(c, 'ZADD', 'zneg0big', '-0', 'x'.repeat(100));
    assert.equal(await call(c, 'ZSCORE', 'zneg0big', 'x'.repeat(100)), bulk('-0'));
    c.close();
  });

  test('ZSCAN returns a listpack whole with cursor 0 and filters with MATCH', async () => {
    const c = await raw();
    await call(c, 'ZADD', 'zsc', '1', 'a1', '2', 'b1', '3', 'a2');
    assert.equal(await call(c, 'ZSCAN', 'zsc', '0'), arr(bulk('0'), bulks('a1', '1', 'b1', '2', 'a2', '3')));
    assert.equal(await call(c, 'ZSCAN', 'zsc', '0', 'MATCH', 'a*'), arr(bulk('0'), bulks('a1', '1', 'a2', '3')));
    assert.equal(await call(c, 'ZSCAN', 'nokey', '0'), arr(bulk('0'), arr()));
    assert.equal(await call(c, 'ZSCAN', 'zsc', 'x'), err('ERR invalid cursor'));
    assert.equal(await call(c, 'ZSCAN', 'zsc', '0', 'COUNT', '0'), SYNTAX);
    c.close();
  });

  test('ZSCAN over a skiplist returns every member present for the whole scan, despite writes', async () => {
    const c = await raw();
    const args: string[] = [];
    for (let i = 0; i < 1000; i++) args.push(String(i), 'm' + i);
    await call(c, 'ZADD', 'zbig', ...args);
    const seen = new Set<string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const r = await call(c, 'ZSCAN', 'zbig', cursor, 'COUNT', '50');
      const lines = r.split('\r\n');
      cursor = lines[2];
      // After the cursor and the array header: $len, member, $len, score, ...
      for (let i = 5; i < lines.length; i += 4) seen.add(lines[i]);
      // Writes between calls: remove some members, add others.
      await call(c, 'ZREM', 'zbig', 'm' + (rounds * 7 + 1));
      await call(c, 'ZADD', 'zbig', '5000', 'new' + rounds);
      rounds++;
    } while (cursor !== '0' && rounds < 1000);
    assert.ok(rounds > 10, 'a big set is scanned in several steps');
    for (let i = 0; i < 1000; i++) {
      const removed = i % 7 === 1 && (i - 1) / 7 < rounds;
      if (!removed) assert.ok(seen.has('m' + i), 'm' + i);
    }
    c.close();
  });
});

describe('events, WATCH and memory', () => {
  test('writes raise their keyspace events, and an emptied key a del', async () => {
    const c = await raw();
    const sub = await raw();
    await call(c, 'CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    try {
      await call(sub, 'PSUBSCRIBE', '__keyevent@0__:*');
      await call(c, 'ZADD', 'zev', '1', 'a', '2', 'b');
      await call(c, 'ZINCRBY', 'zev', '1', 'a');
      await call(c, 'ZREMRANGEBYSCORE', 'zev', '0', '0');
      await call(c, 'ZPOPMIN', 'zev');
      await call(c, 'ZUNIONSTORE', 'zev2', '1', 'zev');
      await call(c, 'ZREM', 'zev', 'b');
      const got = await sub.readUntil((t) => (t.match(/__keyevent@0__:[a-z]+/g) ?? []).length >= 6 && t.endsWith('\r\n'), 3000);
      const events = [...got.matchAll(/__keyevent@0__:([a-z]+)/g)].map((m) => m[1]);
      assert.deepEqual(events, ['zadd', 'zincr', 'zpopmin', 'zunionstore', 'zrem', 'del']);
    } finally {
      await call(c, 'CONFIG', 'SET', 'notify-keyspace-events', '');
    }
    sub.close();
    c.close();
  });

  test('a ZADD from another client makes a watching EXEC fail', async () => {
    const c = await raw();
    const other = await raw();
    await call(c, 'ZADD', 'zwatch', '1', 'a');
    await call(c, 'WATCH', 'zwatch');
    await call(other, 'ZADD', 'zwatch', '2', 'a');
    await call(c, 'MULTI');
    await call(c, 'ZCARD', 'zwatch');
    assert.equal(await call(c, 'EXEC'), NIL_ARRAY);
    c.close();
    other.close();
  });

  test('used memory grows with a set and comes back when it is deleted', async () => {
    const c = await raw();
    const before = node.store.account.bytes;
    const args: string[] = [];
    for (let i = 0; i < 500; i++) args.push(String(i), 'member-' + i);
    await call(c, 'ZADD', 'zmem', ...args);
    assert.ok(node.store.account.bytes - before > 500 * 'member-000'.length);
    await call(c, 'DEL', 'zmem');
    assert.equal(node.store.account.bytes, before);
    c.close();
  });
});

describe('client libraries', () => {
  test('ioredis: zadd, ranges with scores, pops, blocking pop and a zscanStream', async () => {
    const r = new Redis({ port: node.port, lazyConnect: true });
    await r.connect();
    try {
      assert.equal(await r.zadd('io:z', '1', 'a', '2', 'b', '3', 'c'), 3);
      assert.deepEqual(await r.zrange('io:z', '0', '-1', 'WITHSCORES'), ['a', '1', 'b', '2', 'c', '3']);
      assert.deepEqual(await r.zrangebyscore('io:z', '(1', '+inf'), ['b', 'c']);
      assert.equal(await r.zscore('io:z', 'b'), '2');
      assert.equal(await r.zincrby('io:z', 2.5, 'a'), '3.5');
      assert.deepEqual(await r.zpopmin('io:z'), ['b', '2']);
      assert.deepEqual(await r.bzpopmax('io:z', 1), ['io:z', 'a', '3.5']);
      assert.equal(await r.zunionstore('io:u', 1, 'io:z'), 1);
      const seen: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const s = r.zscanStream('io:u');
        s.on('data', (chunk: string[]) => seen.push(...chunk));
        s.on('end', resolve);
        s.on('error', reject);
      });
      assert.deepEqual(seen, ['c', '3']);
    } finally {
      r.disconnect();
    }
  });

  test('node-redis over RESP2 and RESP3: zAdd options, zRangeWithScores, zPopMin, zMPop, zScanIterator', async () => {
    for (const RESP of [2, 3] as const) {
      const client = createClient({ socket: { port: node.port }, RESP });
      await client.connect();
      try {
        const key = `nr:z${RESP}`;
        assert.equal(await client.zAdd(key, [{ score: 1, value: 'a' }, { score: 2, value: 'b' }, { score: 3, value: 'c' }]), 3);
        assert.equal(await client.zAdd(key, { score: 5, value: 'a' }, { condition: 'XX', CH: true } as never), 1);
        assert.deepEqual(await client.zRangeWithScores(key, 0, -1), [
          { value: 'b', score: 2 },
          { value: 'c', score: 3 },
          { value: 'a', score: 5 },
        ]);
        assert.deepEqual(await client.zPopMin(key), { value: 'b', score: 2 });
        const popped = (await client.zmPop(key, 'MAX')) as unknown as { key: string; members: { value: string; score: number }[] };
        assert.equal(popped.key, key);
        assert.deepEqual(popped.members, [{ value: 'a', score: 5 }]);
        const members: string[] = [];
        for await (const batch of client.zScanIterator(key)) {
          for (const m of batch as unknown as { value: string }[]) members.push(m.value);
        }
        assert.deepEqual(members, ['c']);
      } finally {
        await client.quit();
      }
    }
  });
});

// ---- the same scripts against redis-server 7.0 ---------------------------------------------------

/** Runs commands on both servers in order, returning the first reply that differs. */
async function compareScripts(a: RawClient, b: RawClient, script: string[][]): Promise<string | null> {
  for (const args of script) {
    const ra = await call(a, ...args);
    const rb = await call(b, ...args);
    if (args[0].toUpperCase() === 'HELLO') continue; // server names and ids differ
    if (ra !== rb) return `${args.join(' ')}\n  redis-server: ${JSON.stringify(ra)}\n  cove:         ${JSON.stringify(rb)}`;
  }
  return null;
}

/** Commands whose reply shapes are worth checking against the reference, in both protocols. */
function shapeScript(): string[][] {
  const s = (line: string) => line.split(' ');
  const lines = [
    'ZADD k 1 a 2 b 3 c 1.5 d',
    'ZADD k INCR 0.1 a',
    'ZADD k XX INCR 1 nope',
    'ZINCRBY k 1e-3 b',
    'ZSCORE k a',
    'ZSCORE k nope',
    'ZMSCORE k a nope b',
    'ZRANGE k 0 -1 WITHSCORES',
    'ZRANGE k (1 +inf BYSCORE REV WITHSCORES LIMIT 0 2',
    'ZRANGEBYSCORE k -inf +inf WITHSCORES',
    'ZREVRANGEBYSCORE k +inf -inf WITHSCORES LIMIT 1 2',
    'ZREVRANGE k 0 1 WITHSCORES',
    'ZRANGEBYLEX k - +',
    'ZPOPMIN k',
    'ZPOPMIN k 1',
    'ZPOPMAX k 2',
    'ZADD k 1 a 2 b 3 c',
    'ZMPOP 1 k MIN',
    'ZMPOP 1 nokey MIN',
    'ZMPOP 2 nokey k MAX COUNT 5',
    'ZADD k 1 a 2 b 3 c',
    'BZPOPMIN nokey k 0',
    'BZMPOP 0 1 k MAX COUNT 3',
    'BZPOPMIN nokey 0.01',
    'BZMPOP 0.01 1 nokey MIN',
    'ZADD k 1 a 2 b 3 c',
    'ZADD j 2 b 3 c 4 d',
    'SADD s c d e',
    'ZUNION 3 k j s WITHSCORES',
    'ZINTER 2 k j WEIGHTS 2 0.5 WITHSCORES',
    'ZDIFF 2 k j WITHSCORES',
    'ZINTERCARD 2 k j',
    'ZRANDMEMBER k 5 WITHSCORES',
    'ZRANDMEMBER nokey',
    'ZRANDMEMBER nokey 3 WITHSCORES',
    'ZSCAN k 0',
    'ZRANK k nope',
    'ZCARD k',
  ];
  const once = lines.map(s);
  return [['FLUSHALL'], ['HELLO', '2'], ...once, ['FLUSHALL'], ['HELLO', '3'], ...once];
}

/** A seeded random workload: mixed scores, ranges of every kind, pops, stores, encodings. */
function randomScript(seed: number, n: number, lexRanges: boolean): string[][] {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const keys = ['r1', 'r2', 'r3'];
  const members = ['a', 'b', 'c', 'd', 'aa', 'ab', '', 'b\x00', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'];
  const score = () => pick(['0', '-0', '1', '2', '-3', '2.5', '0.1', 'inf', '-inf', '1e17', String(Math.floor(rnd() * 20) - 10)]);
  const bound = () => (rnd() < 0.3 ? '(' : '') + pick(['-inf', '+inf', '0', '1', '2.5', '-3', '5']);
  const lex = () => pick(['-', '+', '[a', '(a', '[b', '(m3', '[m5', '[']);
  const rank = () => String(Math.floor(rnd() * 12) - 6);
  const out: string[][] = [['FLUSHALL']];
  for (let i = 0; i < n; i++) {
    const k = pick(keys);
    const r = rnd();
    if (r < 0.3) {
      const args = ['ZADD', k];
      if (rnd() < 0.15) args.push(pick(['NX', 'XX', 'GT', 'LT', 'CH']));
      for (let j = 0; j < 1 + Math.floor(rnd() * 4); j++) args.push(score(), pick(members));
      out.push(args);
    } else {
      const c = pick(['range', 'score', 'lex', 'rem', 'count', 'pop', 'store', 'incr', 'rank', 'remrange']);
      if (c === 'range') out.push(['ZRANGE', k, rank(), rank(), ...(rnd() < 0.5 ? ['WITHSCORES'] : []), ...(rnd() < 0.3 ? ['REV'] : [])]);
      else if (c === 'score') out.push(['ZRANGEBYSCORE', k, bound(), bound(), 'WITHSCORES', ...(rnd() < 0.4 ? ['LIMIT', String(Math.floor(rnd() * 3)), String(Math.floor(rnd() * 4) - 1)] : [])]);
      // Lex ranges over mixed scores depend on the skip list's random shape once a set
      // is a skiplist (Redis documents them as unspecified): only while listpacks.
      else if (c === 'lex') out.push(lexRanges ? ['ZLEXCOUNT', k, lex(), lex()] : ['ZCARD', k]);
      else if (c === 'rem') out.push(['ZREM', k, pick(members), pick(members)]);
      else if (c === 'count') out.push(['ZCOUNT', k, bound(), bound()]);
      else if (c === 'pop') out.push([pick(['ZPOPMIN', 'ZPOPMAX']), k, pick(['1', '2'])]);
      else if (c === 'store') out.push([pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), pick(keys), '2', pick(keys), pick(keys)]);
      else if (c === 'incr') out.push(['ZINCRBY', k, score(), pick(members)]);
      else if (c === 'rank') out.push([pick(['ZRANK', 'ZREVRANK']), k, pick(members)]);
      else out.push(['ZREMRANGEBYSCORE', k, bound(), bound()]);
    }
  }
  for (const k of keys) out.push(['ZRANGE', k, '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', k]);
  return out;
}

describe('against redis-server 7.0', { skip: haveRedis() ? false : 'redis-server is not installed' }, () => {
  let ref: { port: number; proc: ChildProcess } | null = null;
  before(async () => {
    ref = await startRedis();
  });
  after(() => {
    ref?.proc.kill();
  });

  test('reply shapes match byte for byte in RESP2 and RESP3', async () => {
    assert.ok(ref, 'redis-server started');
    const a = await raw(ref.port);
    const b = await raw();
    try {
      assert.equal(await compareScripts(a, b, shapeScript()), null);
    } finally {
      a.close();
      b.close();
    }
  });

  test('a seeded random workload gives the same replies, including with tiny listpack limits', async () => {
    assert.ok(ref, 'redis-server started');
    const a = await raw(ref.port);
    const b = await raw();
    try {
      assert.equal(await compareScripts(a, b, randomScript(7, 600, true)), null);
      const tiny = [['CONFIG', 'SET', 'zset-max-listpack-entries', '3']];
      const restore = [['CONFIG', 'SET', 'zset-max-listpack-entries', '128']];
      assert.equal(await compareScripts(a, b, [...tiny, ...randomScript(8, 600, false), ...restore]), null);
    } finally {
      a.close();
      b.close();
    }
  });
});
