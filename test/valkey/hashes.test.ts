// The hash type: the MemberTable and HashValue classes against plain models, and every
// hash command over raw RESP (verbatim replies in RESP2 and RESP3, errors in Redis's
// order), keyspace events, WATCH, ioredis and node-redis.
//
// COVE_TWIN_PORT=6379 runs the wire tests against another server (e.g. redis-server
// 7.0) instead of an in-process node, to check that the expectations are Redis's own;
// the tests that look inside the node are skipped then.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RawClient } from '../support/valkey.js';
import { target, inNode, cmd, bulk, bulks, WRONGTYPE, NOT_INT, parseBulks, parseScan } from '../support/resp-wire.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';
import { MemoryAccount } from '../../src/engine/memory.js';
import { MemberTable } from '../../src/engine/types/member-table.js';
import { HashValue } from '../../src/engine/types/hash.js';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble } from '../../src/commands/long-double.js';

let node: ValkeyNode | null = null;
let port = 0;

before(async () => {
  ({ port, node } = await target());
});
after(async () => {
  await node?.close();
});

async function raw(): Promise<RawClient> {
  return RawClient.connect(port);
}

// ---- the value classes -----------------------------------------------------------------

describe('MemberTable', () => {
  test('random inserts and removals keep members, values and insertion order like a Map', () => {
    const t = new MemberTable(true);
    const model = new Map<string, string>();
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 20000; i++) {
      const k = 'k' + rnd(500);
      if (rnd(3) === 0) {
        assert.equal(t.remove(k), model.delete(k));
      } else if (!t.has(k)) {
        t.insert(k, 'v' + i);
        model.set(k, 'v' + i);
      }
    }
    assert.equal(t.size, model.size);
    const seen: [string, string][] = [];
    t.forEach((k, v) => seen.push([k, v]));
    assert.deepEqual(seen, [...model.entries()]);
  });

  test('a scan returns every member present from start to end although members come and go between steps', () => {
    const t = new MemberTable(false);
    for (let i = 0; i < 3000; i++) t.insert('stable' + i);
    const churn: string[] = [];
    const seen = new Set<string>();
    let cursor = 0;
    let steps = 0;
    do {
      cursor = t.scan(cursor, 10, (p) => seen.add(t.keyAt(p)!));
      // Between steps: add some members, delete many others (forcing compactions).
      for (let j = 0; j < 20; j++) {
        const m = `churn${steps}:${j}`;
        t.insert(m);
        churn.push(m);
      }
      for (let j = 0; j < 30 && churn.length > 0; j++) t.remove(churn.splice((steps * 7 + j) % churn.length, 1)[0]);
      steps++;
    } while (cursor !== 0);
    for (let i = 0; i < 3000; i++) assert.ok(seen.has('stable' + i), `stable${i} missing`);
  });

  test('random picks cover every member and never return a removed one', () => {
    const t = new MemberTable(false);
    for (let i = 0; i < 100; i++) t.insert('m' + i);
    for (let i = 0; i < 100; i += 2) t.remove('m' + i);
    const hits = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const k = t.keyAt(t.randomPos())!;
      hits.set(k, (hits.get(k) ?? 0) + 1);
    }
    assert.equal(hits.size, 50);
    for (const [k, n] of hits) {
      assert.equal(Number(k.slice(1)) % 2, 1);
      assert.ok(n > 200 && n < 650, `${k} drawn ${n} times of 20000 (expected about 400)`);
    }
  });
});

describe('HashValue', () => {
  test('memory charged grows with fields and returns to zero when they go', () => {
    const account = new MemoryAccount();
    const h = new HashValue(account);
    const base = account.bytes;
    assert.ok(base > 0);
    h.set('field', 'value');
    const one = account.bytes;
    assert.ok(one > base + 10);
    h.set('field', 'a much longer value than before');
    assert.equal(account.bytes, one + 'a much longer value than before'.length - 'value'.length);
    h.delete('field');
    assert.equal(account.bytes, base);
    assert.equal(h.memory, base);
  });

  test('the listpack encoding ends for good when a write exceeds the limits', () => {
    const h = new HashValue(new MemoryAccount());
    h.set('a', '1');
    h.fit(2, 5, 1);
    assert.equal(h.encoding(), 'listpack');
    h.set('b', '123456');
    h.fit(2, 5, 6);
    assert.equal(h.encoding(), 'hashtable');
    h.delete('b');
    h.fit(2, 5, 0);
    assert.equal(h.encoding(), 'hashtable', 'Redis never converts back');
    const copy = h.clone(new MemoryAccount());
    assert.equal(copy.encoding(), 'hashtable');
    assert.equal(copy.get('a'), '1');
  });
});

// ---- commands over raw RESP -----------------------------------------------------------

describe('writes and reads', () => {
  test('HSET counts new fields, HMSET replies OK, and an odd pair count is an arity error', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hs:h');
    assert.equal(await cmd(c, 'HSET', 'hs:h', 'a', '1', 'b', '2'), ':2\r\n');
    assert.equal(await cmd(c, 'HSET', 'hs:h', 'a', '3', 'c', '4'), ':1\r\n');
    assert.equal(await cmd(c, 'HMSET', 'hs:h', 'd', '5'), '+OK\r\n');
    assert.equal(await cmd(c, 'HSET', 'hs:h', 'a'), "-ERR wrong number of arguments for 'hset' command\r\n");
    assert.equal(await cmd(c, 'HSET', 'hs:h', 'a', '1', 'b'), "-ERR wrong number of arguments for 'hset' command\r\n");
    assert.equal(await cmd(c, 'HMSET', 'hs:h', 'a', '1', 'b'), "-ERR wrong number of arguments for 'hmset' command\r\n");
    assert.equal(await cmd(c, 'HGETALL', 'hs:h'), bulks('a', '3', 'b', '2', 'c', '4', 'd', '5'));
    c.close();
  });

  test('HGET, HMGET, HEXISTS, HLEN and HSTRLEN treat a missing key as an empty hash', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hg:h', 'hg:none');
    await cmd(c, 'HSET', 'hg:h', 'a', 'hello', 'b', '');
    assert.equal(await cmd(c, 'HGET', 'hg:h', 'a'), bulk('hello'));
    assert.equal(await cmd(c, 'HGET', 'hg:h', 'b'), bulk(''));
    assert.equal(await cmd(c, 'HGET', 'hg:h', 'zz'), '$-1\r\n');
    assert.equal(await cmd(c, 'HGET', 'hg:none', 'a'), '$-1\r\n');
    assert.equal(await cmd(c, 'HMGET', 'hg:h', 'a', 'zz', 'b'), '*3\r\n$5\r\nhello\r\n$-1\r\n$0\r\n\r\n');
    assert.equal(await cmd(c, 'HMGET', 'hg:none', 'a', 'b'), '*2\r\n$-1\r\n$-1\r\n');
    assert.equal(await cmd(c, 'HEXISTS', 'hg:h', 'a'), ':1\r\n');
    assert.equal(await cmd(c, 'HEXISTS', 'hg:h', 'zz'), ':0\r\n');
    assert.equal(await cmd(c, 'HEXISTS', 'hg:none', 'a'), ':0\r\n');
    assert.equal(await cmd(c, 'HLEN', 'hg:h'), ':2\r\n');
    assert.equal(await cmd(c, 'HLEN', 'hg:none'), ':0\r\n');
    assert.equal(await cmd(c, 'HSTRLEN', 'hg:h', 'a'), ':5\r\n');
    assert.equal(await cmd(c, 'HSTRLEN', 'hg:h', 'zz'), ':0\r\n');
    assert.equal(await cmd(c, 'HSTRLEN', 'hg:none', 'a'), ':0\r\n');
    c.close();
  });

  test('fields and values are binary-safe', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hb:h');
    const field = Buffer.from([0, 255, 13, 10, 128]);
    const value = Buffer.from([1, 2, 0, 200]);
    assert.equal(await cmd(c, 'HSET', 'hb:h', field, value), ':1\r\n');
    assert.equal(await cmd(c, 'HGET', 'hb:h', field), '$4\r\n' + value.toString('latin1') + '\r\n');
    assert.equal(await cmd(c, 'HSTRLEN', 'hb:h', field), ':4\r\n');
    c.close();
  });

  test('HSETNX sets only a missing field, creating the key when needed', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hn:h');
    assert.equal(await cmd(c, 'HSETNX', 'hn:h', 'a', '1'), ':1\r\n');
    assert.equal(await cmd(c, 'HSETNX', 'hn:h', 'a', '2'), ':0\r\n');
    assert.equal(await cmd(c, 'HGET', 'hn:h', 'a'), bulk('1'));
    c.close();
  });

  test('HDEL counts removed fields and deletes the key with the last one', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hd:h');
    await cmd(c, 'HSET', 'hd:h', 'a', '1', 'b', '2', 'c', '3');
    assert.equal(await cmd(c, 'HDEL', 'hd:h', 'zz'), ':0\r\n');
    assert.equal(await cmd(c, 'HDEL', 'hd:h', 'a', 'a', 'zz'), ':1\r\n');
    assert.equal(await cmd(c, 'HDEL', 'hd:h', 'b', 'c', 'zz'), ':2\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'hd:h'), ':0\r\n');
    assert.equal(await cmd(c, 'HDEL', 'hd:h', 'a'), ':0\r\n');
    c.close();
  });

  test('HKEYS, HVALS and HGETALL keep insertion order for a small hash, with deletions closing up', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'ho:h');
    await cmd(c, 'HSET', 'ho:h', 'z', '1', 'y', '2', 'x', '3', 'w', '4');
    await cmd(c, 'HDEL', 'ho:h', 'y');
    await cmd(c, 'HSET', 'ho:h', 'y', '5', 'z', '6');
    assert.equal(await cmd(c, 'HKEYS', 'ho:h'), bulks('z', 'x', 'w', 'y'));
    assert.equal(await cmd(c, 'HVALS', 'ho:h'), bulks('6', '3', '4', '5'));
    assert.equal(await cmd(c, 'HGETALL', 'ho:h'), bulks('z', '6', 'x', '3', 'w', '4', 'y', '5'));
    assert.equal(await cmd(c, 'HKEYS', 'ho:none'), '*0\r\n');
    assert.equal(await cmd(c, 'HVALS', 'ho:none'), '*0\r\n');
    assert.equal(await cmd(c, 'HGETALL', 'ho:none'), '*0\r\n');
    c.close();
  });

  test('in RESP3 HGETALL is a map, HKEYS stays an array and a missing field is a null', async () => {
    const c = await raw();
    await cmd(c, 'HELLO', '3');
    await cmd(c, 'DEL', 'h3:h');
    await cmd(c, 'HSET', 'h3:h', 'a', '1', 'b', '2');
    assert.equal(await cmd(c, 'HGETALL', 'h3:h'), '%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n');
    assert.equal(await cmd(c, 'HGETALL', 'h3:none'), '%0\r\n');
    assert.equal(await cmd(c, 'HKEYS', 'h3:h'), bulks('a', 'b'));
    assert.equal(await cmd(c, 'HKEYS', 'h3:none'), '*0\r\n');
    assert.equal(await cmd(c, 'HGET', 'h3:h', 'zz'), '_\r\n');
    assert.equal(await cmd(c, 'HMGET', 'h3:h', 'a', 'zz'), '*2\r\n$1\r\n1\r\n_\r\n');
    c.close();
  });

  test('every hash command answers WRONGTYPE on a string key', async () => {
    const c = await raw();
    await cmd(c, 'SET', 'hw:s', 'x');
    const calls: string[][] = [
      ['HSET', 'hw:s', 'a', '1'], ['HMSET', 'hw:s', 'a', '1'], ['HSETNX', 'hw:s', 'a', '1'], ['HGET', 'hw:s', 'a'],
      ['HMGET', 'hw:s', 'a'], ['HDEL', 'hw:s', 'a'], ['HLEN', 'hw:s'], ['HSTRLEN', 'hw:s', 'a'], ['HEXISTS', 'hw:s', 'a'],
      ['HKEYS', 'hw:s'], ['HVALS', 'hw:s'], ['HGETALL', 'hw:s'], ['HINCRBY', 'hw:s', 'a', '1'],
      ['HINCRBYFLOAT', 'hw:s', 'a', '1'], ['HSCAN', 'hw:s', '0'], ['HRANDFIELD', 'hw:s'], ['HRANDFIELD', 'hw:s', '2'],
    ];
    for (const call of calls) assert.equal(await cmd(c, ...call), WRONGTYPE, call.join(' '));
    assert.equal(await cmd(c, 'GET', 'hw:s'), bulk('x'));
    c.close();
  });
});

describe('counters', () => {
  test('HINCRBY adds in 64 bits, beyond 2^53, and refuses to overflow', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hi:h');
    assert.equal(await cmd(c, 'HINCRBY', 'hi:h', 'n', '5'), ':5\r\n');
    assert.equal(await cmd(c, 'HINCRBY', 'hi:h', 'n', '-7'), ':-2\r\n');
    await cmd(c, 'HSET', 'hi:h', 'big', '9223372036854775800');
    assert.equal(await cmd(c, 'HINCRBY', 'hi:h', 'big', '7'), ':9223372036854775807\r\n');
    assert.equal(await cmd(c, 'HINCRBY', 'hi:h', 'big', '1'), '-ERR increment or decrement would overflow\r\n');
    await cmd(c, 'HSET', 'hi:h', 'neg', '-9223372036854775484');
    assert.equal(await cmd(c, 'HINCRBY', 'hi:h', 'neg', '-1'), ':-9223372036854775485\r\n');
    assert.equal(await cmd(c, 'HINCRBY', 'hi:h', 'neg', '-10000'), '-ERR increment or decrement would overflow\r\n');
    await cmd(c, 'HSET', 'hi:h', 'x', '17179869184');
    assert.equal(await cmd(c, 'HINCRBY', 'hi:h', 'x', '17179869184'), ':34359738368\r\n');
    assert.equal(await cmd(c, 'HGET', 'hi:h', 'x'), bulk('34359738368'));
    c.close();
  });

  test('HINCRBY errors: a bad increment first, then WRONGTYPE, then a non-integer value', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hie:h');
    await cmd(c, 'SET', 'hie:s', 'x');
    assert.equal(await cmd(c, 'HINCRBY', 'hie:s', 'a', 'x'), NOT_INT);
    assert.equal(await cmd(c, 'HINCRBY', 'hie:s', 'a', '1'), WRONGTYPE);
    await cmd(c, 'HSET', 'hie:h', 'sp', ' 11', 'f', '1.5', 'r', '11 ');
    for (const f of ['sp', 'f', 'r']) {
      assert.equal(await cmd(c, 'HINCRBY', 'hie:h', f, '1'), '-ERR hash value is not an integer\r\n');
    }
    assert.equal(await cmd(c, 'HINCRBY', 'hie:h', 'n', '1.5'), NOT_INT);
    c.close();
  });

  test('HINCRBYFLOAT prints results as Redis does and stores the same text', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hf:h');
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hf:h', 'f', '1.23'), bulk('1.23'));
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hf:h', 'f', '0.77'), bulk('2'));
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hf:h', 'f', '-0.1'), bulk('1.9'));
    assert.equal(await cmd(c, 'HGET', 'hf:h', 'f'), bulk('1.9'));
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hf:h', 'g', '0.0000005'), bulk('0.0000005'));
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hf:h', 'h', '3.0e3'), bulk('3000'));
    await cmd(c, 'HSET', 'hf:h', 'i', '17179869184');
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hf:h', 'i', '1'), bulk('17179869185'));
    c.close();
  });

  test('HINCRBYFLOAT adds in long double precision and range, printing every digit', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hld:h');
    await cmd(c, 'HSET', 'hld:h', 'a', '0.1', 'b', '1.5e308', 'c', '0x1.8p1');
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hld:h', 'a', '200'), bulk('200.10000000000000001'));
    assert.equal(
      await cmd(c, 'HINCRBYFLOAT', 'hld:h', 'b', '1.5e308'),
      bulk('2999999999999999999998029529789369360620336819301218899342673708423602121333820920735133294564320440638058567410440499286817091650132904189757216131557923503504552873551222257555206065134777930336882498428568703920344302826630234735785414885766546427060810084868428681800996932303778089052665937290236998451' + '20'),
    );
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hld:h', 'c', '-3'), bulk('0'), 'hexadecimal floats parse as strtold reads them');
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hld:h', 'd', '1e-20'), bulk('0'), 'printed with 17 decimals');
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hld:h', 'd', '-1e-17'), bulk('-0.00000000000000001'));
    c.close();
  });

  test('HINCRBYFLOAT errors verbatim, and a refused infinity creates no key', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hfe:h', 'hfe:none');
    await cmd(c, 'SET', 'hfe:s', 'x');
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hfe:s', 'a', 'x'), '-ERR value is not a valid float\r\n');
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hfe:s', 'a', '1'), WRONGTYPE);
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hfe:none', 'a', '+inf'), '-ERR value is NaN or Infinity\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'hfe:none'), ':0\r\n');
    await cmd(c, 'HSET', 'hfe:h', 'sp', ' 11', 'nul', '1\x002', 'big', 'inf');
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hfe:h', 'sp', '1'), '-ERR hash value is not a float\r\n');
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hfe:h', 'nul', '1'), '-ERR hash value is not a float\r\n');
    assert.equal(await cmd(c, 'HINCRBYFLOAT', 'hfe:h', 'big', '1'), '-ERR increment would produce NaN or Infinity\r\n');
    c.close();
  });
});

describe('HSCAN', () => {
  test('a small hash comes back whole with cursor 0, filtered by MATCH on the field', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hsc:h');
    await cmd(c, 'HSET', 'hsc:h', 'foo', '1', 'fab', '2', 'foobar', '10', '1', 'a');
    assert.equal(await cmd(c, 'HSCAN', 'hsc:h', '0'), '*2\r\n$1\r\n0\r\n' + bulks('foo', '1', 'fab', '2', 'foobar', '10', '1', 'a'));
    assert.equal(await cmd(c, 'HSCAN', 'hsc:h', '0', 'MATCH', 'foo*', 'COUNT', '1'), '*2\r\n$1\r\n0\r\n' + bulks('foo', '1', 'foobar', '10'));
    assert.equal(await cmd(c, 'HSCAN', 'hsc:none', '0'), '*2\r\n$1\r\n0\r\n*0\r\n');
    c.close();
  });

  test('cursor and option errors are checked in Redis order', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hse:h');
    await cmd(c, 'HSET', 'hse:h', 'a', '1');
    assert.equal(await cmd(c, 'HSCAN', 'hse:h', 'x'), '-ERR invalid cursor\r\n');
    assert.equal(await cmd(c, 'HSCAN', 'hse:h', ' 1'), '-ERR invalid cursor\r\n');
    assert.equal(await cmd(c, 'HSCAN', 'hse:h', '18446744073709551616'), '-ERR invalid cursor\r\n');
    assert.equal(await cmd(c, 'HSCAN', 'hse:none', 'x'), '-ERR invalid cursor\r\n', 'the cursor is parsed before the key is looked up');
    assert.equal(await cmd(c, 'HSCAN', 'hse:none', '0', 'COUNT', '0'), '*2\r\n$1\r\n0\r\n*0\r\n', 'options are not parsed for a missing key');
    assert.equal(await cmd(c, 'HSCAN', 'hse:h', '0', 'COUNT', '0'), '-ERR syntax error\r\n');
    assert.equal(await cmd(c, 'HSCAN', 'hse:h', '0', 'COUNT', 'x'), NOT_INT);
    assert.equal(await cmd(c, 'HSCAN', 'hse:h', '0', 'TYPE', 'hash'), '-ERR syntax error\r\n');
    assert.equal(await cmd(c, 'HSCAN', 'hse:h', '0', 'MATCH'), '-ERR syntax error\r\n');
    c.close();
  });

  test('a large hash is scanned in steps, and every field present throughout is returned despite writes', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hsl:h');
    const args: string[] = [];
    for (let i = 0; i < 1000; i++) args.push('key:' + i, String(i));
    await cmd(c, 'HSET', 'hsl:h', ...args);
    const seen = new Map<string, string>();
    let cursor = '0';
    let steps = 0;
    do {
      const [next, items] = parseScan(await cmd(c, 'HSCAN', 'hsl:h', cursor, 'COUNT', '20'));
      for (let k = 0; k < items.length; k += 2) seen.set(items[k], items[k + 1]);
      cursor = next;
      steps++;
      // Writes between steps: new fields, and deletions of earlier new ones.
      await cmd(c, 'HSET', 'hsl:h', `added:${steps}:a`, 'x', `added:${steps}:b`, 'y');
      if (steps > 2) await cmd(c, 'HDEL', 'hsl:h', `added:${steps - 2}:a`, `added:${steps - 2}:b`);
    } while (cursor !== '0');
    assert.ok(steps > 5, `took ${steps} steps`);
    for (let i = 0; i < 1000; i++) assert.equal(seen.get('key:' + i), String(i));
    c.close();
  });
});

describe('HRANDFIELD', () => {
  test('without a count: one field, or a null for a missing key', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hr:h');
    await cmd(c, 'HSET', 'hr:h', 'a', '1', 'b', '2', 'c', '3');
    const r = await cmd(c, 'HRANDFIELD', 'hr:h');
    assert.ok([bulk('a'), bulk('b'), bulk('c')].includes(r), r);
    assert.equal(await cmd(c, 'HRANDFIELD', 'hr:none'), '$-1\r\n');
    c.close();
  });

  test('a positive count gives distinct fields, at most the whole hash', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hrp:h');
    const args: string[] = [];
    for (let i = 0; i < 10; i++) args.push('f' + i, 'v' + i);
    await cmd(c, 'HSET', 'hrp:h', ...args);
    for (const n of [1, 2, 5, 8, 9]) {
      const fields = parseBulks(await cmd(c, 'HRANDFIELD', 'hrp:h', String(n)));
      assert.equal(fields.length, n);
      assert.equal(new Set(fields).size, n);
      for (const f of fields) assert.match(f, /^f\d$/);
      const pairs = parseBulks(await cmd(c, 'HRANDFIELD', 'hrp:h', String(n), 'WITHVALUES'));
      assert.equal(pairs.length, 2 * n);
      for (let k = 0; k < pairs.length; k += 2) assert.equal(pairs[k + 1], 'v' + pairs[k].slice(1));
    }
    assert.equal(parseBulks(await cmd(c, 'HRANDFIELD', 'hrp:h', '20')).sort().join(), args.filter((_, i) => i % 2 === 0).join());
    assert.equal(await cmd(c, 'HRANDFIELD', 'hrp:h', '0'), '*0\r\n');
    assert.equal(await cmd(c, 'HRANDFIELD', 'hrp:none', '5'), '*0\r\n');
    assert.equal(await cmd(c, 'HRANDFIELD', 'hrp:none', '5', 'WITHVALUES'), '*0\r\n');
    c.close();
  });

  test('a negative count repeats fields and eventually shows them all', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hrn:h');
    await cmd(c, 'HSET', 'hrn:h', 'a', '1', 'b', '2', 'c', '3');
    const fields = parseBulks(await cmd(c, 'HRANDFIELD', 'hrn:h', '-300'));
    assert.equal(fields.length, 300);
    assert.deepEqual([...new Set(fields)].sort(), ['a', 'b', 'c']);
    const pairs = parseBulks(await cmd(c, 'HRANDFIELD', 'hrn:h', '-20', 'WITHVALUES'));
    assert.equal(pairs.length, 40);
    c.close();
  });

  test('RESP3 nests each field/value pair in its own array', async () => {
    const c = await raw();
    await cmd(c, 'HELLO', '3');
    await cmd(c, 'DEL', 'hr3:h');
    await cmd(c, 'HSET', 'hr3:h', 'a', '1', 'b', '2');
    assert.equal(await cmd(c, 'HRANDFIELD', 'hr3:h', '5', 'WITHVALUES'), '*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n');
    assert.equal(await cmd(c, 'HRANDFIELD', 'hr3:h', '5'), bulks('a', 'b'));
    const r = await cmd(c, 'HRANDFIELD', 'hr3:h', '-1', 'WITHVALUES');
    assert.ok(r === '*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n' || r === '*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n', r);
    assert.equal(await cmd(c, 'HRANDFIELD', 'hr3:none'), '_\r\n');
    c.close();
  });

  test('count errors verbatim, checked before the key', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'hre:h');
    await cmd(c, 'HSET', 'hre:h', 'a', '1');
    await cmd(c, 'SET', 'hre:s', 'x');
    assert.equal(
      await cmd(c, 'HRANDFIELD', 'hre:h', '-9223372036854775808'),
      '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n',
    );
    assert.equal(await cmd(c, 'HRANDFIELD', 'hre:h', '-9223372036854770000', 'WITHVALUES'), '-ERR value is out of range\r\n');
    assert.equal(await cmd(c, 'HRANDFIELD', 'hre:h', '4611686018427387904', 'WITHVALUES'), '-ERR value is out of range\r\n');
    assert.equal(await cmd(c, 'HRANDFIELD', 'hre:h', '4611686018427387903', 'WITHVALUES'), bulks('a', '1'));
    assert.equal(await cmd(c, 'HRANDFIELD', 'hre:h', 'x'), NOT_INT);
    assert.equal(await cmd(c, 'HRANDFIELD', 'hre:s', 'x'), NOT_INT);
    assert.equal(await cmd(c, 'HRANDFIELD', 'hre:h', '1', 'WITHVALUE'), '-ERR syntax error\r\n');
    assert.equal(await cmd(c, 'HRANDFIELD', 'hre:h', '1', 'WITHVALUES', 'x'), '-ERR syntax error\r\n');
    c.close();
  });
});

describe('encodings, events and transactions', () => {
  test('a hash stays a listpack until it has too many fields or a long field or value', inNode, async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'he:a', 'he:b', 'he:c');
    const enc = (key: string) => {
      const ks = node!.store.dbs[0];
      return ks.object<HashValue>(ks.findString(key)).encoding();
    };
    const args: string[] = [];
    for (let i = 0; i < 128; i++) args.push('f' + i, 'v');
    await cmd(c, 'HSET', 'he:a', ...args);
    assert.equal(enc('he:a'), 'listpack');
    await cmd(c, 'HSET', 'he:a', 'one-more', 'v');
    assert.equal(enc('he:a'), 'hashtable');
    await cmd(c, 'HSET', 'he:b', 'f', 'x'.repeat(64));
    assert.equal(enc('he:b'), 'listpack');
    await cmd(c, 'HSET', 'he:b', 'g', 'x'.repeat(65));
    assert.equal(enc('he:b'), 'hashtable');
    await cmd(c, 'HDEL', 'he:b', 'g');
    assert.equal(enc('he:b'), 'hashtable', 'a converted hash stays a hashtable');
    // HINCRBYFLOAT's result counts as a value written.
    await cmd(c, 'CONFIG', 'SET', 'hash-max-listpack-value', '8');
    await cmd(c, 'HINCRBYFLOAT', 'he:c', 'f', '0.000005');
    assert.equal(enc('he:c'), 'listpack');
    await cmd(c, 'HINCRBYFLOAT', 'he:c', 'f', '0.0000001');
    assert.equal(enc('he:c'), 'hashtable');
    await cmd(c, 'CONFIG', 'SET', 'hash-max-listpack-value', '64');
    c.close();
  });

  test('keyspace events: hset, hincrby, hincrbyfloat, hdel, then del for the last field', async () => {
    const sub = await raw();
    const c = await raw();
    await cmd(c, 'CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    await cmd(sub, 'SUBSCRIBE', '__keyspace@0__:hev:h');
    await cmd(c, 'HSET', 'hev:h', 'a', '1');
    await cmd(c, 'HSETNX', 'hev:h', 'a', '1'); // no change, no event
    await cmd(c, 'HINCRBY', 'hev:h', 'n', '1');
    await cmd(c, 'HINCRBYFLOAT', 'hev:h', 'n', '1.5');
    await cmd(c, 'HDEL', 'hev:h', 'zz'); // nothing deleted, no event
    await cmd(c, 'HDEL', 'hev:h', 'a');
    await cmd(c, 'HDEL', 'hev:h', 'n');
    const events = ['hset', 'hincrby', 'hincrbyfloat', 'hdel', 'hdel', 'del'];
    const got = await sub.readUntil((t) => t.split('message').length > events.length);
    const names = [...got.matchAll(/hev:h\r\n\$\d+\r\n(\w+)\r\n/g)].map((m) => m[1]);
    assert.deepEqual(names, events);
    await cmd(c, 'CONFIG', 'SET', 'notify-keyspace-events', '');
    sub.close();
    c.close();
  });

  test('a hash write makes a WATCHing transaction fail', async () => {
    const a = await raw();
    const b = await raw();
    await cmd(a, 'DEL', 'hwt:h');
    await cmd(a, 'HSET', 'hwt:h', 'a', '1');
    await cmd(a, 'WATCH', 'hwt:h');
    await cmd(b, 'HINCRBY', 'hwt:h', 'a', '1');
    await cmd(a, 'MULTI');
    await cmd(a, 'HGET', 'hwt:h', 'a');
    assert.equal(await cmd(a, 'EXEC'), '*-1\r\n');
    a.close();
    b.close();
  });
});

// ---- client libraries -------------------------------------------------------------------

describe('client libraries', () => {
  test('ioredis: objects in and out, counters, hscanStream and hrandfield', async () => {
    const r = new Redis({ port, lazyConnect: true });
    await r.connect();
    try {
      await r.del('io:h');
      assert.equal(await r.hset('io:h', { a: '1', b: '2' }), 2);
      assert.deepEqual(await r.hgetall('io:h'), { a: '1', b: '2' });
      assert.deepEqual(await r.hmget('io:h', 'a', 'zz'), ['1', null]);
      assert.equal(await r.hincrby('io:h', 'a', 41), 42);
      assert.equal(await r.hincrbyfloat('io:h', 'f', '2.5'), '2.5');
      assert.equal(await r.hexists('io:h', 'f'), 1);
      const many: Record<string, string> = {};
      for (let i = 0; i < 500; i++) many['m' + i] = String(i);
      await r.hset('io:h', many);
      const seen = new Set<string>();
      await new Promise<void>((resolve, reject) => {
        const stream = r.hscanStream('io:h', { count: 50 });
        stream.on('data', (chunk: string[]) => {
          for (let k = 0; k < chunk.length; k += 2) seen.add(chunk[k]);
        });
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      assert.equal(seen.size, 503);
      const picks = await r.hrandfield('io:h', 3, 'WITHVALUES');
      assert.equal(picks?.length, 6);
      assert.equal(await r.hlen('io:h'), 503);
      // The rest of the commands, once each.
      await r.del('io:h2');
      assert.equal(await r.hsetnx('io:h2', 'a', 'x'), 1);
      assert.equal(await r.hsetnx('io:h2', 'a', 'y'), 0);
      assert.equal(await r.hmset('io:h2', 'b', 'yy', 'c', 'zzz'), 'OK');
      assert.equal(await r.hget('io:h2', 'b'), 'yy');
      assert.equal(await r.hstrlen('io:h2', 'c'), 3);
      assert.deepEqual(await r.hkeys('io:h2'), ['a', 'b', 'c']);
      assert.deepEqual(await r.hvals('io:h2'), ['x', 'yy', 'zzz']);
      assert.ok(['a', 'b', 'c'].includes((await r.hrandfield('io:h2')) as string));
      const [cursor, flat] = await r.hscan('io:h2', '0', 'MATCH', 'b*');
      assert.deepEqual([cursor, flat], ['0', ['b', 'yy']]);
      assert.equal(await r.hdel('io:h2', 'a', 'b', 'c'), 3);
      assert.equal(await r.exists('io:h2'), 0);
    } finally {
      r.disconnect();
    }
  });

  test('node-redis over RESP3: hGetAll, hScanIterator and hRandFieldCountWithValues', async () => {
    const client = createClient({ socket: { port, host: '127.0.0.1' }, RESP: 3 });
    await client.connect();
    try {
      await client.del('nr:h');
      assert.equal(await client.hSet('nr:h', { a: '1', b: '2', c: '3' }), 3);
      assert.deepEqual({ ...(await client.hGetAll('nr:h')) }, { a: '1', b: '2', c: '3' });
      assert.equal(await client.hGet('nr:h', 'zz'), null);
      assert.equal(await client.hStrLen('nr:h', 'a'), 1);
      assert.deepEqual((await client.hKeys('nr:h')).sort(), ['a', 'b', 'c']);
      const seen: string[] = [];
      for await (const entries of client.hScanIterator('nr:h')) for (const e of entries) seen.push(`${e.field}=${e.value}`);
      assert.deepEqual(seen.sort(), ['a=1', 'b=2', 'c=3']);
      const withValues = await client.hRandFieldCountWithValues('nr:h', 2);
      assert.equal(withValues.length, 2);
      for (const e of withValues) assert.equal(e.value, { a: '1', b: '2', c: '3' }[e.field as 'a' | 'b' | 'c']);
      assert.equal(await client.hSetNX('nr:h', 'a', 'x'), 0);
      assert.deepEqual(await client.hmGet('nr:h', ['a', 'zz']), ['1', null]);
      assert.equal(await client.hExists('nr:h', 'b'), 1);
      assert.equal(await client.hLen('nr:h'), 3);
      assert.deepEqual(await client.hVals('nr:h'), ['1', '2', '3']);
      assert.equal(await client.hIncrBy('nr:h', 'a', 9), 10);
      assert.equal(await client.hIncrByFloat('nr:h', 'a', 0.5), '10.5');
      assert.ok(['a', 'b', 'c'].includes(String(await client.hRandField('nr:h'))));
      assert.equal((await client.hRandFieldCount('nr:h', -5)).length, 5);
      assert.equal(await client.hDel('nr:h', ['a', 'b', 'c']), 3);
      assert.equal(await client.exists('nr:h'), 0);
    } finally {
      await client.close();
    }
  });
});

// ---- the long double emulation ----------------------------------------------------------

describe('long double', () => {
  test('parsing refuses what string2ld refuses and keeps 64 bits of mantissa', () => {
    for (const bad of ['', ' 1', '1 ', 'nan', '1e', '.', 'e5', '0x', '1e5000', '-1e5000', '1e-5000', 'abc', '1.2.3']) {
      assert.equal(parseLongDouble(bad), null, JSON.stringify(bad));
    }
    assert.deepEqual(parseLongDouble('-inf'), { kind: 'inf', neg: true });
    assert.deepEqual(parseLongDouble('Infinity'), { kind: 'inf', neg: false });
    const third = parseLongDouble('0.3333333333333333333333');
    assert.ok(third && third.kind === 'finite' && third.mant === 0xaaaaaaaaaaaaaaabn && third.exp === -65);
    assert.equal(formatLongDoubleHuman(parseLongDouble('3.6e-4951')!), '0', 'a subnormal is accepted');
  });

  test('sums round to nearest even and print as "%.17Lf" without trailing zeros', () => {
    const sum = (a: string, b: string) => {
      const r = addLongDouble(parseLongDouble(a)!, parseLongDouble(b)!);
      return r === null ? null : formatLongDoubleHuman(r);
    };
    assert.equal(sum('1.23', '0.77'), '2');
    assert.equal(sum('2', '-0.1'), '1.9');
    assert.equal(sum('0.1', '0.2'), '0.3');
    assert.equal(sum('-0.5', '0.5'), '0');
    assert.equal(sum('-0', '-0'), '0');
    assert.equal(sum('1e4932', '1e4932'), null, 'beyond the long double range');
    assert.equal(sum('9223372036854775807', '1'), '9223372036854775808');
    assert.equal(sum('18446744073709551615', '0'), '18446744073709551615', '2^64-1 fits in 64 bits');
    assert.equal(sum('18446744073709551617', '0'), '18446744073709551616', '2^64+1 ties to the even neighbour below');
    assert.equal(sum('18446744073709551619', '0'), '18446744073709551620', '2^64+3 ties to the even neighbour above');
  });
});
