// The list type: the ring-buffer value class against a plain-array model, and every
// non-blocking list command over raw RESP (verbatim replies, RESP2 and RESP3 null
// shapes), ioredis and node-redis. Blocking pops are in blocking.test.ts.
//
// COVE_TWIN_PORT=6379 runs the wire tests against another server (e.g. redis-server
// 7.0) instead of an in-process node, to check that the expectations are Redis's own;
// the tests that look inside the node are skipped then.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RawClient } from '../support/valkey.js';
import { target, inNode, cmd, bulks, WRONGTYPE, NOT_INT } from '../support/resp-wire.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';
import { ListValue, lpEntryBytes } from '../../src/engine/types/list.js';
import { MemoryAccount } from '../../src/engine/memory.js';
import type { EncodingLimits } from '../../src/engine/memory.js';

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

// ---- the value class -------------------------------------------------------------------

describe('ListValue', () => {
  test('random pushes, pops, inserts, removals and trims match a plain array', () => {
    const account = new MemoryAccount();
    const list = new ListValue(account);
    const model: string[] = [];
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let step = 0; step < 20000; step++) {
      const op = rnd(10);
      const v = 'v' + rnd(20);
      if (op <= 1) {
        list.pushHead(v);
        model.unshift(v);
      } else if (op <= 3) {
        list.pushTail(v);
        model.push(v);
      } else if (op === 4) {
        assert.equal(list.popHead(), model.shift());
      } else if (op === 5) {
        assert.equal(list.popTail(), model.pop());
      } else if (op === 6) {
        const i = rnd(model.length + 1);
        list.insert(i, v);
        model.splice(i, 0, v);
      } else if (op === 7 && model.length > 0) {
        const count = rnd(3);
        const fromTail = rnd(2) === 1;
        let removed = 0;
        if (fromTail) {
          for (let i = model.length - 1; i >= 0 && (count === 0 || removed < count); i--) {
            if (model[i] === v) {
              model.splice(i, 1);
              removed++;
            }
          }
        } else {
          for (let i = 0; i < model.length && (count === 0 || removed < count); ) {
            if (model[i] === v) {
              model.splice(i, 1);
              removed++;
            } else i++;
          }
        }
        assert.equal(list.removeMatching(v, count, fromTail), removed);
      } else if (op === 8 && model.length > 0 && rnd(20) === 0) {
        const left = rnd(model.length + 1);
        const right = rnd(model.length + 1);
        list.trim(left, right);
        model.splice(0, Math.min(left, model.length));
        model.splice(Math.max(0, model.length - right), right);
      } else if (op === 9 && model.length > 0) {
        const i = rnd(model.length);
        list.set(i, v);
        model[i] = v;
      }
      assert.equal(list.size, model.length);
      if (step % 500 === 0) assert.deepEqual(list.toArray(), model);
    }
    assert.deepEqual(list.toArray(), model);
    assert.equal(account.bytes, list.memory);
  });

  test('memory charged grows with elements and goes back down as they leave', () => {
    const account = new MemoryAccount();
    const list = new ListValue(account);
    const empty = account.bytes;
    for (let i = 0; i < 1000; i++) list.pushTail('x'.repeat(100));
    assert.ok(account.bytes > empty + 100 * 1000);
    while (list.size > 0) list.popHead();
    assert.equal(account.bytes, empty);
  });

  test('clone is a deep copy charged to the other account', () => {
    const a = new MemoryAccount();
    const b = new MemoryAccount();
    const list = new ListValue(a);
    for (const s of ['a', 'b', 'c']) list.pushTail(s);
    const copy = list.clone(b);
    copy.pushHead('z');
    assert.deepEqual(list.toArray(), ['a', 'b', 'c']);
    assert.deepEqual(copy.toArray(), ['z', 'a', 'b', 'c']);
    assert.equal(b.bytes, copy.memory);
    assert.equal(a.bytes, list.memory);
  });

  test('listpack entry sizes follow the listpack encodings', () => {
    assert.equal(lpEntryBytes('1'), 2); // 7-bit uint + backlen
    assert.equal(lpEntryBytes('-1'), 3); // 13-bit int
    assert.equal(lpEntryBytes('100000'), 5); // 24-bit int
    assert.equal(lpEntryBytes('9223372036854775807'), 10); // 64-bit int
    assert.equal(lpEntryBytes('9223372036854775808'), 1 + 19 + 1); // too big: a string
    assert.equal(lpEntryBytes('01'), 4); // leading zero: a string
    assert.equal(lpEntryBytes('hello'), 7);
    assert.equal(lpEntryBytes('x'.repeat(100)), 2 + 100 + 1);
    assert.equal(lpEntryBytes('x'.repeat(200)), 2 + 200 + 2);
  });

  test('encoding: listpack until the size limit, back to listpack under half of it', () => {
    const limits = {} as EncodingLimits;
    const list = new ListValue(new MemoryAccount());
    const big = 'x'.repeat(1000); // 1004 listpack bytes each
    for (let i = 0; i < 8; i++) {
      list.growCheck(-2, big.length, 1);
      list.pushTail(big);
    }
    assert.equal(list.encoding(limits), 'listpack');
    list.growCheck(-2, big.length, 1);
    list.pushTail(big);
    assert.equal(list.encoding(limits), 'quicklist');
    while (list.size > 5) {
      list.popTail();
      list.shrinkCheck(-2);
    }
    assert.equal(list.encoding(limits), 'quicklist', '5 entries are more than half of 8 KB');
    list.popTail();
    list.shrinkCheck(-2);
    assert.equal(list.encoding(limits), 'listpack');
  });
});

// ---- pushes and pops ---------------------------------------------------------------------

describe('push and pop', () => {
  test('LPUSH and RPUSH reply with the new length and put elements at their end', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'pp:l');
    assert.equal(await cmd(c, 'RPUSH', 'pp:l', 'a', 'b'), ':2\r\n');
    assert.equal(await cmd(c, 'LPUSH', 'pp:l', 'x', 'y'), ':4\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'pp:l', '0', '-1'), bulks('y', 'x', 'a', 'b'));
    assert.equal(await cmd(c, 'TYPE', 'pp:l'), '+list\r\n');
    c.close();
  });

  test('LPUSHX and RPUSHX only push to an existing list', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'px:l', 'px:none');
    assert.equal(await cmd(c, 'LPUSHX', 'px:none', 'a'), ':0\r\n');
    assert.equal(await cmd(c, 'RPUSHX', 'px:none', 'a'), ':0\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'px:none'), ':0\r\n');
    await cmd(c, 'RPUSH', 'px:l', 'm');
    assert.equal(await cmd(c, 'LPUSHX', 'px:l', 'a', 'b'), ':3\r\n');
    assert.equal(await cmd(c, 'RPUSHX', 'px:l', 'z'), ':4\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'px:l', '0', '-1'), bulks('b', 'a', 'm', 'z'));
    assert.equal(await cmd(c, 'LPUSHX', 'px:l'), "-ERR wrong number of arguments for 'lpushx' command\r\n");
    c.close();
  });

  test('LPOP and RPOP without count reply with a bulk, or a null bulk for a missing key', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'po:l');
    await cmd(c, 'RPUSH', 'po:l', 'a', 'b', 'c');
    assert.equal(await cmd(c, 'LPOP', 'po:l'), '$1\r\na\r\n');
    assert.equal(await cmd(c, 'RPOP', 'po:l'), '$1\r\nc\r\n');
    assert.equal(await cmd(c, 'RPOP', 'po:l'), '$1\r\nb\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'po:l'), ':0\r\n', 'an emptied list is deleted');
    assert.equal(await cmd(c, 'LPOP', 'po:l'), '$-1\r\n');
    c.close();
  });

  test('LPOP and RPOP with a count reply with an array, a null array for a missing key', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'pc:l', 'pc:none');
    await cmd(c, 'RPUSH', 'pc:l', 'a', 'b', 'c', 'd', 'e');
    assert.equal(await cmd(c, 'LPOP', 'pc:l', '0'), '*0\r\n');
    assert.equal(await cmd(c, 'LPOP', 'pc:l', '2'), bulks('a', 'b'));
    assert.equal(await cmd(c, 'RPOP', 'pc:l', '2'), bulks('e', 'd'));
    assert.equal(await cmd(c, 'RPOP', 'pc:l', '10'), bulks('c'));
    assert.equal(await cmd(c, 'EXISTS', 'pc:l'), ':0\r\n');
    assert.equal(await cmd(c, 'LPOP', 'pc:none', '0'), '*-1\r\n');
    assert.equal(await cmd(c, 'LPOP', 'pc:none', '3'), '*-1\r\n');
    c.close();
  });

  test('LPOP count errors: negative or non-integer counts, and too many arguments', async () => {
    const c = await raw();
    assert.equal(await cmd(c, 'LPOP', 'pe:l', '-1'), '-ERR value is out of range, must be positive\r\n');
    assert.equal(await cmd(c, 'RPOP', 'pe:l', 'abc'), '-ERR value is out of range, must be positive\r\n');
    assert.equal(await cmd(c, 'LPOP', 'pe:l', '1', '2'), "-ERR wrong number of arguments for 'lpop' command\r\n");
    c.close();
  });

  test('RESP3: missing keys give the RESP3 null for every pop shape', async () => {
    const c = await raw();
    await cmd(c, 'HELLO', '3');
    await cmd(c, 'DEL', 'p3:none', 'p3:l');
    assert.equal(await cmd(c, 'LPOP', 'p3:none'), '_\r\n');
    assert.equal(await cmd(c, 'LPOP', 'p3:none', '2'), '_\r\n');
    assert.equal(await cmd(c, 'LMPOP', '1', 'p3:none', 'LEFT'), '_\r\n');
    assert.equal(await cmd(c, 'LINDEX', 'p3:none', '0'), '_\r\n');
    assert.equal(await cmd(c, 'LPOS', 'p3:none', 'a'), '_\r\n');
    assert.equal(await cmd(c, 'LPOS', 'p3:none', 'a', 'COUNT', '2'), '*0\r\n');
    await cmd(c, 'RPUSH', 'p3:l', 'a');
    assert.equal(await cmd(c, 'LPOP', 'p3:l', '0'), '*0\r\n');
    c.close();
  });

  test('elements are binary-safe: every byte value, CRLF and the empty string survive', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'bin:l');
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    await cmd(c, 'RPUSH', 'bin:l', all, 'a\r\nb', '');
    assert.equal(await cmd(c, 'LINDEX', 'bin:l', '0'), `$256\r\n${all.toString('latin1')}\r\n`);
    assert.equal(await cmd(c, 'LINDEX', 'bin:l', '1'), '$4\r\na\r\nb\r\n');
    assert.equal(await cmd(c, 'RPOP', 'bin:l'), '$0\r\n\r\n');
    c.close();
  });

  test('every list command refuses a key of another type with WRONGTYPE', async () => {
    const c = await raw();
    await cmd(c, 'SET', 'wt:s', 'x');
    const calls: string[][] = [
      ['LPUSH', 'wt:s', 'a'],
      ['RPUSH', 'wt:s', 'a'],
      ['LPUSHX', 'wt:s', 'a'],
      ['RPUSHX', 'wt:s', 'a'],
      ['LPOP', 'wt:s'],
      ['RPOP', 'wt:s', '2'],
      ['LLEN', 'wt:s'],
      ['LRANGE', 'wt:s', '0', '-1'],
      ['LINDEX', 'wt:s', '0'],
      ['LSET', 'wt:s', '0', 'a'],
      ['LINSERT', 'wt:s', 'BEFORE', 'a', 'b'],
      ['LREM', 'wt:s', '0', 'a'],
      ['LTRIM', 'wt:s', '0', '1'],
      ['LPOS', 'wt:s', 'a'],
      ['LMOVE', 'wt:s', 'wt:d', 'LEFT', 'LEFT'],
      ['RPOPLPUSH', 'wt:s', 'wt:d'],
      ['LMPOP', '1', 'wt:s', 'LEFT'],
      ['BLPOP', 'wt:s', '0'],
      ['BRPOP', 'wt:none', 'wt:s', '0'],
      ['BLMOVE', 'wt:s', 'wt:d', 'LEFT', 'LEFT', '0'],
      ['BLMPOP', '0', '1', 'wt:s', 'LEFT'],
    ];
    for (const args of calls) assert.equal(await cmd(c, ...args), WRONGTYPE, args.join(' '));
    c.close();
  });
});

// ---- reading -----------------------------------------------------------------------------

describe('reading', () => {
  test('LLEN counts elements; a missing key has length 0', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'rl:l');
    assert.equal(await cmd(c, 'LLEN', 'rl:l'), ':0\r\n');
    await cmd(c, 'RPUSH', 'rl:l', 'a', 'b', 'c');
    assert.equal(await cmd(c, 'LLEN', 'rl:l'), ':3\r\n');
    c.close();
  });

  test('LRANGE clamps and counts negative indexes from the end', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'rr:l');
    await cmd(c, 'RPUSH', 'rr:l', 'a', 'b', 'c', 'd', 'e');
    assert.equal(await cmd(c, 'LRANGE', 'rr:l', '1', '2'), bulks('b', 'c'));
    assert.equal(await cmd(c, 'LRANGE', 'rr:l', '-2', '-1'), bulks('d', 'e'));
    assert.equal(await cmd(c, 'LRANGE', 'rr:l', '-100', '100'), bulks('a', 'b', 'c', 'd', 'e'));
    assert.equal(await cmd(c, 'LRANGE', 'rr:l', '3', '1'), '*0\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'rr:l', '5', '10'), '*0\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'rr:none', '0', '-1'), '*0\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'rr:l', 'a', '1'), NOT_INT);
    c.close();
  });

  test('LINDEX returns the element at an index or a null bulk', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'ri:l');
    await cmd(c, 'RPUSH', 'ri:l', 'a', 'b', 'c');
    assert.equal(await cmd(c, 'LINDEX', 'ri:l', '0'), '$1\r\na\r\n');
    assert.equal(await cmd(c, 'LINDEX', 'ri:l', '-1'), '$1\r\nc\r\n');
    assert.equal(await cmd(c, 'LINDEX', 'ri:l', '3'), '$-1\r\n');
    assert.equal(await cmd(c, 'LINDEX', 'ri:l', '-4'), '$-1\r\n');
    assert.equal(await cmd(c, 'LINDEX', 'ri:l', 'x'), NOT_INT);
    // The key is looked up before the index is parsed.
    assert.equal(await cmd(c, 'LINDEX', 'ri:none', 'x'), '$-1\r\n');
    c.close();
  });

  test('LPOS finds matches by RANK, COUNT and MAXLEN', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'lp:l');
    await cmd(c, 'RPUSH', 'lp:l', 'a', 'b', 'c', 'a', 'b', 'c', 'a');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'a'), ':0\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'a', 'RANK', '2'), ':3\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'a', 'RANK', '-1'), ':6\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'a', 'RANK', '-2', 'COUNT', '0'), '*2\r\n:3\r\n:0\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'a', 'COUNT', '2', 'RANK', '2'), '*2\r\n:3\r\n:6\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'a', 'MAXLEN', '3', 'COUNT', '0'), '*1\r\n:0\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'a', 'MAXLEN', '0', 'COUNT', '0'), '*3\r\n:0\r\n:3\r\n:6\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'a', 'RANK', '1', 'RANK', '3'), ':6\r\n', 'the last RANK wins');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'zz'), '$-1\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'zz', 'COUNT', '0'), '*0\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'a', 'RANK', '9223372036854775807'), '$-1\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lp:l', 'a', 'RANK', '-9223372036854775808'), ':6\r\n');
    c.close();
  });

  test('LPOS errors verbatim, checked before the key', async () => {
    const c = await raw();
    await cmd(c, 'SET', 'lpe:s', 'x');
    assert.equal(
      await cmd(c, 'LPOS', 'lpe:s', 'a', 'RANK', '0'),
      "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n",
    );
    assert.equal(await cmd(c, 'LPOS', 'lpe:s', 'a', 'RANK', 'x'), NOT_INT);
    assert.equal(await cmd(c, 'LPOS', 'lpe:s', 'a', 'COUNT', '-1'), "-ERR COUNT can't be negative\r\n");
    assert.equal(await cmd(c, 'LPOS', 'lpe:s', 'a', 'COUNT', 'x'), "-ERR COUNT can't be negative\r\n");
    assert.equal(await cmd(c, 'LPOS', 'lpe:s', 'a', 'MAXLEN', '-1'), "-ERR MAXLEN can't be negative\r\n");
    assert.equal(await cmd(c, 'LPOS', 'lpe:s', 'a', 'FOO', '1'), '-ERR syntax error\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lpe:s', 'a', 'RANK'), '-ERR syntax error\r\n');
    assert.equal(await cmd(c, 'LPOS', 'lpe:s', 'a'), WRONGTYPE);
    c.close();
  });
});

// ---- in-place changes ------------------------------------------------------------------------

describe('in-place changes', () => {
  test('LSET replaces by index; errors for a missing key and a bad index', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'ls:l', 'ls:none');
    await cmd(c, 'RPUSH', 'ls:l', 'a', 'b', 'c');
    assert.equal(await cmd(c, 'LSET', 'ls:l', '0', 'A'), '+OK\r\n');
    assert.equal(await cmd(c, 'LSET', 'ls:l', '-1', 'C'), '+OK\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'ls:l', '0', '-1'), bulks('A', 'b', 'C'));
    assert.equal(await cmd(c, 'LSET', 'ls:l', '3', 'x'), '-ERR index out of range\r\n');
    assert.equal(await cmd(c, 'LSET', 'ls:l', '-4', 'x'), '-ERR index out of range\r\n');
    assert.equal(await cmd(c, 'LSET', 'ls:l', 'x', 'x'), NOT_INT);
    assert.equal(await cmd(c, 'LSET', 'ls:none', 'x', 'x'), '-ERR no such key\r\n');
    c.close();
  });

  test('LINSERT inserts before or after the first pivot; -1 without pivot, 0 without key', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'li:l', 'li:none');
    await cmd(c, 'RPUSH', 'li:l', 'a', 'b', 'a');
    assert.equal(await cmd(c, 'LINSERT', 'li:l', 'BEFORE', 'a', 'x'), ':4\r\n');
    assert.equal(await cmd(c, 'LINSERT', 'li:l', 'after', 'b', 'y'), ':5\r\n');
    assert.equal(await cmd(c, 'LINSERT', 'li:l', 'AFTER', 'a', 'z'), ':6\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'li:l', '0', '-1'), bulks('x', 'a', 'z', 'b', 'y', 'a'));
    assert.equal(await cmd(c, 'LINSERT', 'li:l', 'AFTER', 'nope', 'q'), ':-1\r\n');
    assert.equal(await cmd(c, 'LINSERT', 'li:none', 'BEFORE', 'a', 'q'), ':0\r\n');
    assert.equal(await cmd(c, 'LINSERT', 'li:none', 'MIDDLE', 'a', 'q'), '-ERR syntax error\r\n');
    c.close();
  });

  test('LREM removes from the head, from the tail, or all, and deletes an emptied list', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'lr:l');
    await cmd(c, 'RPUSH', 'lr:l', 'a', 'b', 'a', 'c', 'a', 'd', 'a');
    assert.equal(await cmd(c, 'LREM', 'lr:l', '2', 'a'), ':2\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'lr:l', '0', '-1'), bulks('b', 'c', 'a', 'd', 'a'));
    assert.equal(await cmd(c, 'LREM', 'lr:l', '-1', 'a'), ':1\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'lr:l', '0', '-1'), bulks('b', 'c', 'a', 'd'));
    assert.equal(await cmd(c, 'LREM', 'lr:l', '0', 'zz'), ':0\r\n');
    assert.equal(await cmd(c, 'LREM', 'lr:l', 'x', 'a'), NOT_INT);
    assert.equal(await cmd(c, 'LREM', 'lr:none', '0', 'a'), ':0\r\n');
    await cmd(c, 'DEL', 'lr:one');
    await cmd(c, 'RPUSH', 'lr:one', 'q', 'q');
    assert.equal(await cmd(c, 'LREM', 'lr:one', '0', 'q'), ':2\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'lr:one'), ':0\r\n');
    c.close();
  });

  test('LTRIM keeps a range and deletes the key when nothing is left', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'lt:l');
    await cmd(c, 'RPUSH', 'lt:l', 'a', 'b', 'c', 'd', 'e');
    assert.equal(await cmd(c, 'LTRIM', 'lt:l', '1', '-2'), '+OK\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'lt:l', '0', '-1'), bulks('b', 'c', 'd'));
    assert.equal(await cmd(c, 'LTRIM', 'lt:l', '-100', '100'), '+OK\r\n');
    assert.equal(await cmd(c, 'LLEN', 'lt:l'), ':3\r\n');
    assert.equal(await cmd(c, 'LTRIM', 'lt:l', '2', '1'), '+OK\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'lt:l'), ':0\r\n');
    assert.equal(await cmd(c, 'LTRIM', 'lt:none', '0', '1'), '+OK\r\n');
    assert.equal(await cmd(c, 'LTRIM', 'lt:none', 'x', '1'), NOT_INT);
    c.close();
  });
});

// ---- moving between lists -------------------------------------------------------------------

describe('moving', () => {
  test('LMOVE moves between every pair of ends', async () => {
    const c = await raw();
    const cases: [string, string, string[], string[]][] = [
      ['LEFT', 'LEFT', ['b', 'c'], ['a', 'x']],
      ['LEFT', 'RIGHT', ['b', 'c'], ['x', 'a']],
      ['RIGHT', 'LEFT', ['a', 'b'], ['c', 'x']],
      ['RIGHT', 'RIGHT', ['a', 'b'], ['x', 'c']],
    ];
    for (const [from, to, src, dst] of cases) {
      await cmd(c, 'DEL', 'mv:s', 'mv:d');
      await cmd(c, 'RPUSH', 'mv:s', 'a', 'b', 'c');
      await cmd(c, 'RPUSH', 'mv:d', 'x');
      const moved = from === 'LEFT' ? 'a' : 'c';
      assert.equal(await cmd(c, 'LMOVE', 'mv:s', 'mv:d', from, to), `$1\r\n${moved}\r\n`);
      assert.equal(await cmd(c, 'LRANGE', 'mv:s', '0', '-1'), bulks(...src), `${from} ${to}`);
      assert.equal(await cmd(c, 'LRANGE', 'mv:d', '0', '-1'), bulks(...dst), `${from} ${to}`);
    }
    assert.equal(await cmd(c, 'LMOVE', 'mv:s', 'mv:d', 'MIDDLE', 'LEFT'), '-ERR syntax error\r\n');
    c.close();
  });

  test('LMOVE creates the destination, deletes an emptied source, and rotates a list onto itself', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'mc:s', 'mc:d', 'mc:r', 'mc:none');
    await cmd(c, 'RPUSH', 'mc:s', 'only');
    assert.equal(await cmd(c, 'LMOVE', 'mc:s', 'mc:d', 'LEFT', 'LEFT'), '$4\r\nonly\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'mc:s'), ':0\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'mc:d', '0', '-1'), bulks('only'));
    await cmd(c, 'RPUSH', 'mc:r', 'a', 'b', 'c');
    assert.equal(await cmd(c, 'LMOVE', 'mc:r', 'mc:r', 'LEFT', 'RIGHT'), '$1\r\na\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'mc:r', '0', '-1'), bulks('b', 'c', 'a'));
    await cmd(c, 'DEL', 'mc:one');
    await cmd(c, 'RPUSH', 'mc:one', 'z');
    assert.equal(await cmd(c, 'RPOPLPUSH', 'mc:one', 'mc:one'), '$1\r\nz\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'mc:one', '0', '-1'), bulks('z'), 'a one-element list rotated onto itself survives');
    assert.equal(await cmd(c, 'LMOVE', 'mc:none', 'mc:d', 'LEFT', 'LEFT'), '$-1\r\n');
    c.close();
  });

  test('LMOVE to a key of another type fails without moving anything', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'mw:s');
    await cmd(c, 'SET', 'mw:str', 'x');
    await cmd(c, 'RPUSH', 'mw:s', 'a');
    assert.equal(await cmd(c, 'LMOVE', 'mw:s', 'mw:str', 'LEFT', 'LEFT'), WRONGTYPE);
    assert.equal(await cmd(c, 'RPOPLPUSH', 'mw:s', 'mw:str'), WRONGTYPE);
    assert.equal(await cmd(c, 'LRANGE', 'mw:s', '0', '-1'), bulks('a'));
    // A missing source is not an error even when the destination has the wrong type.
    assert.equal(await cmd(c, 'LMOVE', 'mw:none', 'mw:str', 'LEFT', 'LEFT'), '$-1\r\n');
    c.close();
  });

  test('RPOPLPUSH moves the tail of one list to the head of another', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'rp:s', 'rp:d');
    await cmd(c, 'RPUSH', 'rp:s', 'a', 'b');
    await cmd(c, 'RPUSH', 'rp:d', 'x');
    assert.equal(await cmd(c, 'RPOPLPUSH', 'rp:s', 'rp:d'), '$1\r\nb\r\n');
    assert.equal(await cmd(c, 'LRANGE', 'rp:d', '0', '-1'), bulks('b', 'x'));
    assert.equal(await cmd(c, 'RPOPLPUSH', 'rp:none', 'rp:d'), '$-1\r\n');
    c.close();
  });

  test('LMPOP pops from the first non-empty list and replies [key, elements]', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'mp:a', 'mp:b', 'mp:none');
    await cmd(c, 'RPUSH', 'mp:b', '1', '2', '3');
    assert.equal(await cmd(c, 'LMPOP', '2', 'mp:a', 'mp:b', 'LEFT'), '*2\r\n$4\r\nmp:b\r\n' + bulks('1'));
    assert.equal(await cmd(c, 'LMPOP', '2', 'mp:a', 'mp:b', 'right', 'COUNT', '10'), '*2\r\n$4\r\nmp:b\r\n' + bulks('3', '2'));
    assert.equal(await cmd(c, 'EXISTS', 'mp:b'), ':0\r\n');
    assert.equal(await cmd(c, 'LMPOP', '1', 'mp:none', 'LEFT'), '*-1\r\n');
    c.close();
  });

  test('LMPOP argument errors verbatim', async () => {
    const c = await raw();
    const cases: [string[], string][] = [
      [['LMPOP', '0', 'k', 'LEFT'], '-ERR numkeys should be greater than 0\r\n'],
      [['LMPOP', 'x', 'k', 'LEFT'], '-ERR numkeys should be greater than 0\r\n'],
      [['LMPOP', '2', 'k', 'LEFT'], '-ERR syntax error\r\n'],
      [['LMPOP', '1', 'k', 'MIDDLE'], '-ERR syntax error\r\n'],
      [['LMPOP', '1', 'k', 'LEFT', 'COUNT', '0'], '-ERR count should be greater than 0\r\n'],
      [['LMPOP', '1', 'k', 'LEFT', 'COUNT', 'x'], '-ERR count should be greater than 0\r\n'],
      [['LMPOP', '1', 'k', 'LEFT', 'COUNT', '2', 'COUNT', '2'], '-ERR syntax error\r\n'],
      [['LMPOP', '1', 'k', 'LEFT', 'COUNT'], '-ERR syntax error\r\n'],
      [['LMPOP', '1', 'k'], "-ERR wrong number of arguments for 'lmpop' command\r\n"],
    ];
    for (const [args, want] of cases) assert.equal(await cmd(c, ...args), want, args.join(' '));
    c.close();
  });

  test('COMMAND GETKEYS finds the keys of LMPOP and BLMPOP from numkeys', async () => {
    const c = await raw();
    assert.equal(await cmd(c, 'COMMAND', 'GETKEYS', 'LMPOP', '2', 'a', 'b', 'LEFT'), bulks('a', 'b'));
    assert.equal(await cmd(c, 'COMMAND', 'GETKEYS', 'BLMPOP', '0', '1', 'a', 'LEFT'), bulks('a'));
    assert.equal(await cmd(c, 'COMMAND', 'GETKEYS', 'BLPOP', 'a', 'b', '0'), bulks('a', 'b'));
    assert.equal(await cmd(c, 'COMMAND', 'GETKEYS', 'LMOVE', 'a', 'b', 'LEFT', 'LEFT'), bulks('a', 'b'));
    c.close();
  });
});

// ---- events, WATCH, encodings, memory -----------------------------------------------------------

describe('side effects', () => {
  test('keyspace events name each change, with LMOVE pushing before it pops and a del last', async () => {
    const sub = await raw();
    const c = await raw();
    await cmd(c, 'DEL', 'ev:s', 'ev:d');
    await cmd(sub, 'PSUBSCRIBE', '__keyevent@*__:*');
    await cmd(c, 'CONFIG', 'SET', 'notify-keyspace-events', 'Elg');
    await cmd(c, 'RPUSH', 'ev:s', 'a', 'b');
    await cmd(c, 'LSET', 'ev:s', '0', 'x');
    await cmd(c, 'LINSERT', 'ev:s', 'BEFORE', 'x', 'w');
    await cmd(c, 'LREM', 'ev:s', '1', 'w');
    await cmd(c, 'LTRIM', 'ev:s', '0', '-1');
    await cmd(c, 'LPUSH', 'ev:s', 'z');
    await cmd(c, 'LPOP', 'ev:s');
    await cmd(c, 'LMOVE', 'ev:s', 'ev:d', 'RIGHT', 'LEFT');
    await cmd(c, 'RPOP', 'ev:s');
    const text = await sub.readUntil((t) => (t.match(/__keyevent@\d/g) ?? []).length >= 11);
    const events = [...text.matchAll(/__keyevent@\d+__:(\w+)\r\n\$\d+\r\n([^\r]*)/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(events, [
      'rpush ev:s',
      'lset ev:s',
      'linsert ev:s',
      'lrem ev:s',
      'ltrim ev:s',
      'lpush ev:s',
      'lpop ev:s',
      'lpush ev:d',
      'rpop ev:s',
      'rpop ev:s',
      'del ev:s',
    ]);
    await cmd(c, 'CONFIG', 'SET', 'notify-keyspace-events', '');
    sub.close();
    c.close();
  });

  test('rdb_changes_since_last_save counts each element pushed, popped or removed, and a move once', async () => {
    const c = await raw();
    const dirty = async () => Number(/rdb_changes_since_last_save:(\d+)/.exec(await cmd(c, 'INFO', 'persistence'))![1]);
    await cmd(c, 'DEL', 'dy:l', 'dy:d');
    const start = await dirty();
    await cmd(c, 'RPUSH', 'dy:l', 'a', 'b', 'c', 'd', 'e', 'f');
    assert.equal(await dirty(), start + 6);
    await cmd(c, 'LPOP', 'dy:l', '2');
    assert.equal(await dirty(), start + 8);
    await cmd(c, 'LMOVE', 'dy:l', 'dy:d', 'LEFT', 'LEFT');
    assert.equal(await dirty(), start + 9);
    await cmd(c, 'LTRIM', 'dy:l', '0', '-1');
    assert.equal(await dirty(), start + 9, 'a trim that removes nothing changes nothing');
    await cmd(c, 'LREM', 'dy:l', '0', 'e');
    await cmd(c, 'LTRIM', 'dy:l', '1', '1');
    assert.equal(await dirty(), start + 11);
    c.close();
  });

  test('a push and the destination of a move invalidate WATCH', async () => {
    const c = await raw();
    const other = await raw();
    await cmd(c, 'DEL', 'wa:l', 'wa:s', 'wa:d');
    await cmd(c, 'WATCH', 'wa:l');
    await cmd(other, 'LPUSH', 'wa:l', 'x');
    await cmd(c, 'MULTI');
    await cmd(c, 'PING');
    assert.equal(await cmd(c, 'EXEC'), '*-1\r\n');
    await cmd(other, 'RPUSH', 'wa:s', 'a');
    await cmd(c, 'WATCH', 'wa:d');
    await cmd(other, 'LMOVE', 'wa:s', 'wa:d', 'LEFT', 'LEFT');
    await cmd(c, 'MULTI');
    await cmd(c, 'PING');
    assert.equal(await cmd(c, 'EXEC'), '*-1\r\n');
    c.close();
    other.close();
  });

  test('encoding is listpack while small and quicklist past list-max-listpack-size', inNode, async () => {
    const c = await raw();
    const enc = (key: string) => {
      const ks = node!.store.dbs[0];
      return ks.object<ListValue>(ks.findString(key)).encoding({} as EncodingLimits);
    };
    await cmd(c, 'DEL', 'en:l', 'en:c');
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 8; i++) await cmd(c, 'RPUSH', 'en:l', big);
    assert.equal(enc('en:l'), 'listpack');
    await cmd(c, 'RPUSH', 'en:l', big);
    assert.equal(enc('en:l'), 'quicklist');
    await cmd(c, 'RPOP', 'en:l', '4');
    assert.equal(enc('en:l'), 'quicklist');
    await cmd(c, 'RPOP', 'en:l');
    assert.equal(enc('en:l'), 'listpack');
    // A positive size is an entry count; converting back waits for half of it.
    await cmd(c, 'CONFIG', 'SET', 'list-max-listpack-size', '4');
    try {
      await cmd(c, 'RPUSH', 'en:c', '1', '2', '3', '4');
      assert.equal(enc('en:c'), 'listpack');
      await cmd(c, 'RPUSH', 'en:c', '5');
      assert.equal(enc('en:c'), 'quicklist');
      await cmd(c, 'LTRIM', 'en:c', '0', '2');
      assert.equal(enc('en:c'), 'quicklist');
      await cmd(c, 'LREM', 'en:c', '1', '3');
      assert.equal(enc('en:c'), 'listpack');
    } finally {
      await cmd(c, 'CONFIG', 'SET', 'list-max-listpack-size', '-2');
    }
    c.close();
  });

  test('OBJECT ENCODING reports the list encoding', inNode, async (t) => {
    const c = await raw();
    await cmd(c, 'DEL', 'oe:l');
    await cmd(c, 'RPUSH', 'oe:l', 'a');
    const r = await cmd(c, 'OBJECT', 'ENCODING', 'oe:l');
    if (r.startsWith('-ERR unknown command')) {
      t.skip('OBJECT is not in the command table yet');
    } else {
      assert.equal(r, '$8\r\nlistpack\r\n');
    }
    c.close();
  });

  test('memory charged for a list is given back when it is popped empty or deleted', inNode, async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'mem:a', 'mem:b');
    const before = node!.store.account.bytes;
    const many: string[] = [];
    for (let i = 0; i < 500; i++) many.push('y'.repeat(200));
    await cmd(c, 'RPUSH', 'mem:a', ...many);
    await cmd(c, 'RPUSH', 'mem:b', ...many);
    assert.ok(node!.store.account.bytes >= before + 2 * 500 * 200);
    await cmd(c, 'LPOP', 'mem:a', '500');
    await cmd(c, 'DEL', 'mem:b');
    assert.equal(node!.store.account.bytes, before);
    c.close();
  });
});

// ---- client libraries -----------------------------------------------------------------------------

describe('client libraries', () => {
  test('ioredis: pushes, pops with count, ranges and a pipeline', async () => {
    const r = new Redis({ port, lazyConnect: true });
    await r.connect();
    try {
      await r.del('io:l', 'io:d');
      assert.equal(await r.rpush('io:l', 'a', 'b', 'c', 'd'), 4);
      assert.equal(await r.lpush('io:l', 'z'), 5);
      assert.deepEqual(await r.lrange('io:l', 0, -1), ['z', 'a', 'b', 'c', 'd']);
      assert.deepEqual(await r.lpop('io:l', 2), ['z', 'a']);
      assert.equal(await r.rpop('io:l'), 'd');
      assert.equal(await r.lindex('io:l', -1), 'c');
      assert.equal(await r.lpos('io:l', 'c'), 1);
      assert.equal(await r.lmove('io:l', 'io:d', 'LEFT', 'RIGHT'), 'b');
      const res = await r.pipeline().rpush('io:d', 'x').llen('io:d').lrange('io:d', 0, -1).lrem('io:d', 0, 'x').exec();
      assert.deepEqual(
        res!.map(([err, v]) => [err, v]),
        [
          [null, 2],
          [null, 2],
          [null, ['b', 'x']],
          [null, 1],
        ],
      );
      assert.equal(await r.lpop('io:none'), null);
      await r.set('io:s', 'x');
      await assert.rejects(r.lpush('io:s', 'a'), /^ReplyError: WRONGTYPE/);
    } finally {
      r.disconnect();
    }
  });

  test('node-redis: LMPOP, LPOS with options, LINSERT and LSET', async () => {
    const c = createClient({ socket: { port, host: '127.0.0.1' } });
    await c.connect();
    try {
      await c.del(['nr:l', 'nr:e']);
      await c.rPush('nr:l', ['a', 'b', 'a', 'c', 'a']);
      assert.deepEqual(await c.lPos('nr:l', 'a', { RANK: -1 }), 4);
      assert.deepEqual(await c.lPosCount('nr:l', 'a', 0), [0, 2, 4]);
      assert.equal(await c.lInsert('nr:l', 'BEFORE', 'c', 'X'), 6);
      assert.equal(await c.lSet('nr:l', 0, 'A'), 'OK');
      assert.deepEqual(await c.lmPop(['nr:e', 'nr:l'], 'RIGHT', { COUNT: 2 }), ['nr:l', ['a', 'c']]);
      assert.equal(await c.lmPop(['nr:e'], 'LEFT'), null);
      assert.deepEqual(await c.lRange('nr:l', 0, -1), ['A', 'b', 'a', 'X']);
    } finally {
      await c.quit();
    }
  });
});
