// The set type: the SetValue class against a plain Set, and every set command over raw
// RESP (verbatim replies in RESP2 and RESP3, errors in Redis's order, the intset and
// hashtable encodings), keyspace events, WATCH, ioredis and node-redis.
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
import { SetValue, compareIntegers, isCanonicalInteger } from '../../src/engine/types/set.js';

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

const setOf = (...xs: string[]) => `~${xs.length}\r\n` + xs.map(bulk).join('');
const sorted = (r: string) => parseBulks(r).sort();

// ---- the value class -------------------------------------------------------------------

describe('SetValue', () => {
  test('canonical integers are exactly what Redis string2ll accepts', () => {
    for (const s of ['0', '1', '-1', '9223372036854775807', '-9223372036854775808', '123']) assert.ok(isCanonicalInteger(s), s);
    for (const s of ['', '-', '-0', '01', '+1', ' 1', '1 ', '1.0', '9223372036854775808', '-9223372036854775809', 'x']) {
      assert.ok(!isCanonicalInteger(s), JSON.stringify(s));
    }
    const nums = ['-9223372036854775808', '-100', '-99', '-1', '0', '7', '10', '9223372036854775807'];
    for (let i = 0; i < nums.length; i++) {
      for (let j = 0; j < nums.length; j++) assert.equal(Math.sign(compareIntegers(nums[i], nums[j])), Math.sign(i - j));
    }
  });

  test('random adds and removals match a plain Set, through the intset → hashtable conversion', () => {
    const account = new MemoryAccount();
    const s = new SetValue(account);
    const model = new Set<string>();
    let seed = 11;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const m = i > 3000 && rnd(10) === 0 ? 'str' + rnd(50) : String(rnd(700) - 350);
      if (rnd(3) === 0) assert.equal(s.remove(m), model.delete(m));
      else assert.equal(s.add(m, 512), !model.has(m) && !!model.add(m));
      if (i === 2000) assert.ok(s.isIntset, 'only integers so far, at most 700 of them');
    }
    assert.ok(!s.isIntset);
    assert.equal(s.size, model.size);
    assert.deepEqual(s.members().sort(), [...model].sort());
    for (const m of model) s.remove(m);
    assert.equal(s.size, 0);
    assert.equal(account.bytes, s.memory, 'only the empty object is still charged');
  });

  test('an intset iterates in numeric order and converts for good', () => {
    const s = new SetValue(new MemoryAccount());
    for (const m of ['10', '-5', '3', '9223372036854775807', '0']) s.add(m, 5);
    assert.deepEqual(s.members(), ['-5', '0', '3', '10', '9223372036854775807']);
    assert.equal(s.encoding(), 'intset');
    s.add('11', 5);
    assert.equal(s.encoding(), 'hashtable', 'six members exceed a limit of five');
    s.remove('11');
    assert.equal(s.encoding(), 'hashtable');
    assert.equal(SetValue.forMember(new MemoryAccount(), 'a').encoding(), 'hashtable');
    assert.equal(SetValue.forMember(new MemoryAccount(), '12').encoding(), 'intset');
  });
});

// ---- commands over raw RESP -----------------------------------------------------------

describe('membership', () => {
  test('SADD, SCARD, SISMEMBER, SMISMEMBER and SMEMBERS on an intset (ascending order)', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'sb:i');
    assert.equal(await cmd(c, 'SADD', 'sb:i', '17', '3', '-2'), ':3\r\n');
    assert.equal(await cmd(c, 'SADD', 'sb:i', '3', '16'), ':1\r\n');
    assert.equal(await cmd(c, 'SCARD', 'sb:i'), ':4\r\n');
    assert.equal(await cmd(c, 'SISMEMBER', 'sb:i', '16'), ':1\r\n');
    assert.equal(await cmd(c, 'SISMEMBER', 'sb:i', '016'), ':0\r\n');
    assert.equal(await cmd(c, 'SMISMEMBER', 'sb:i', '16', '18', '-2'), '*3\r\n:1\r\n:0\r\n:1\r\n');
    assert.equal(await cmd(c, 'SMEMBERS', 'sb:i'), bulks('-2', '3', '16', '17'));
    c.close();
  });

  test('a regular set, members beyond 64 bits, and missing keys as empty sets', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'sr:s', 'sr:none');
    assert.equal(await cmd(c, 'SADD', 'sr:s', 'a', 'b', 'c', 'B', 'A', 'a'), ':5\r\n');
    assert.deepEqual(sorted(await cmd(c, 'SMEMBERS', 'sr:s')), ['A', 'B', 'a', 'b', 'c']);
    assert.equal(await cmd(c, 'SADD', 'sr:s', '213244124402402314402033402'), ':1\r\n');
    assert.equal(await cmd(c, 'SISMEMBER', 'sr:s', '213244124402402314402033402'), ':1\r\n');
    assert.equal(await cmd(c, 'SCARD', 'sr:none'), ':0\r\n');
    assert.equal(await cmd(c, 'SISMEMBER', 'sr:none', 'a'), ':0\r\n');
    assert.equal(await cmd(c, 'SMISMEMBER', 'sr:none', 'a', 'b'), '*2\r\n:0\r\n:0\r\n');
    assert.equal(await cmd(c, 'SMEMBERS', 'sr:none'), '*0\r\n');
    assert.equal(await cmd(c, 'SMISMEMBER', 'sr:s'), "-ERR wrong number of arguments for 'smismember' command\r\n");
    c.close();
  });

  test('SREM counts removed members and deletes the key with the last one', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'srm:s');
    await cmd(c, 'SADD', 'srm:s', 'a', 'b', 'c', 'd');
    assert.equal(await cmd(c, 'SREM', 'srm:s', 'k', 'k'), ':0\r\n');
    assert.equal(await cmd(c, 'SREM', 'srm:s', 'b', 'd', 'x'), ':2\r\n');
    assert.equal(await cmd(c, 'SREM', 'srm:s', 'a', 'c', 'a', 'x'), ':2\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'srm:s'), ':0\r\n');
    assert.equal(await cmd(c, 'SREM', 'srm:none', 'a'), ':0\r\n');
    c.close();
  });

  test('members are binary-safe', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'sbin:s');
    const m = Buffer.from([0, 13, 10, 255]);
    assert.equal(await cmd(c, 'SADD', 'sbin:s', m), ':1\r\n');
    assert.equal(await cmd(c, 'SISMEMBER', 'sbin:s', m), ':1\r\n');
    assert.equal(await cmd(c, 'SMEMBERS', 'sbin:s'), '*1\r\n$4\r\n' + m.toString('latin1') + '\r\n');
    c.close();
  });

  test('every set command answers WRONGTYPE on a string key', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'swt:set');
    await cmd(c, 'SET', 'swt:s', 'x');
    await cmd(c, 'SADD', 'swt:set', 'a');
    const calls: string[][] = [
      ['SADD', 'swt:s', 'a'], ['SREM', 'swt:s', 'a'], ['SCARD', 'swt:s'], ['SISMEMBER', 'swt:s', 'a'],
      ['SMISMEMBER', 'swt:s', 'a'], ['SMEMBERS', 'swt:s'], ['SPOP', 'swt:s'], ['SPOP', 'swt:s', '1'],
      ['SRANDMEMBER', 'swt:s'], ['SRANDMEMBER', 'swt:s', '1'], ['SMOVE', 'swt:s', 'swt:set', 'a'],
      ['SMOVE', 'swt:set', 'swt:s', 'a'], ['SINTER', 'swt:set', 'swt:s'], ['SINTER', 'swt:none', 'swt:s'],
      ['SINTERCARD', '2', 'swt:s', 'swt:none'], ['SINTERSTORE', 'swt:d', 'swt:none', 'swt:s'],
      ['SUNION', 'swt:s', 'swt:set'], ['SUNIONSTORE', 'swt:d', 'swt:set', 'swt:s'], ['SDIFF', 'swt:none', 'swt:s'],
      ['SDIFFSTORE', 'swt:d', 'swt:set', 'swt:s'], ['SSCAN', 'swt:s', '0'],
    ];
    for (const call of calls) assert.equal(await cmd(c, ...call), WRONGTYPE, call.join(' '));
    assert.equal(await cmd(c, 'EXISTS', 'swt:d'), ':0\r\n');
    c.close();
  });
});

describe('SMOVE', () => {
  test('moves a member, creating the destination and deleting an emptied source', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'sm:a', 'sm:b', 'sm:c');
    await cmd(c, 'SADD', 'sm:a', '1', 'x');
    await cmd(c, 'SADD', 'sm:b', '2', '3');
    assert.equal(await cmd(c, 'SMOVE', 'sm:a', 'sm:b', '1'), ':1\r\n');
    assert.equal(await cmd(c, 'SMEMBERS', 'sm:b'), bulks('1', '2', '3'));
    assert.equal(await cmd(c, 'SMOVE', 'sm:a', 'sm:b', '1'), ':0\r\n');
    assert.equal(await cmd(c, 'SMOVE', 'sm:a', 'sm:c', 'x'), ':1\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'sm:a'), ':0\r\n');
    assert.equal(await cmd(c, 'SMEMBERS', 'sm:c'), bulks('x'));
    c.close();
  });

  test('a missing source answers 0 even against a wrong-type destination; same key is a membership test', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'smx:a', 'smx:none');
    await cmd(c, 'SET', 'smx:s', 'x');
    await cmd(c, 'SADD', 'smx:a', 'a', 'b');
    assert.equal(await cmd(c, 'SMOVE', 'smx:none', 'smx:s', 'a'), ':0\r\n');
    assert.equal(await cmd(c, 'SMOVE', 'smx:a', 'smx:s', 'zz'), WRONGTYPE);
    assert.equal(await cmd(c, 'SMOVE', 'smx:a', 'smx:a', 'a'), ':1\r\n');
    assert.equal(await cmd(c, 'SMOVE', 'smx:a', 'smx:a', 'zz'), ':0\r\n');
    assert.deepEqual(sorted(await cmd(c, 'SMEMBERS', 'smx:a')), ['a', 'b']);
    c.close();
  });

  test('a move that adds nothing to the destination leaves a WATCH on it intact', async () => {
    const a = await raw();
    const b = await raw();
    await cmd(a, 'DEL', 'smw:src', 'smw:dst');
    await cmd(a, 'SADD', 'smw:src', 'a', 'b');
    await cmd(a, 'SADD', 'smw:dst', 'a');
    await cmd(a, 'WATCH', 'smw:dst');
    await cmd(a, 'MULTI');
    await cmd(a, 'SADD', 'smw:dst', 'c');
    assert.equal(await cmd(b, 'SMOVE', 'smw:src', 'smw:dst', 'a'), ':1\r\n');
    assert.equal(await cmd(a, 'EXEC'), '*1\r\n:1\r\n');
    assert.equal(await cmd(a, 'SCARD', 'smw:dst'), ':2\r\n');
    a.close();
    b.close();
  });
});

describe('SPOP and SRANDMEMBER', () => {
  test('SPOP without a count pops one member, deleting the key with the last', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'sp:s');
    await cmd(c, 'SADD', 'sp:s', 'a', 'b', 'c');
    const got = [await cmd(c, 'SPOP', 'sp:s'), await cmd(c, 'SPOP', 'sp:s'), await cmd(c, 'SPOP', 'sp:s')];
    assert.deepEqual(got.sort(), [bulk('a'), bulk('b'), bulk('c')]);
    assert.equal(await cmd(c, 'EXISTS', 'sp:s'), ':0\r\n');
    assert.equal(await cmd(c, 'SPOP', 'sp:s'), '$-1\r\n');
    c.close();
  });

  test('SPOP with a count pops distinct members, all of them when asked for more', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'spc:s');
    const members = Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i));
    await cmd(c, 'SADD', 'spc:s', ...members);
    const popped: string[] = [];
    for (const n of ['11', '9', '0', '4', '1', '0']) popped.push(...parseBulks(await cmd(c, 'SPOP', 'spc:s', n)));
    assert.equal(await cmd(c, 'SCARD', 'spc:s'), ':1\r\n');
    popped.push(...parseBulks(await cmd(c, 'SPOP', 'spc:s', '30')));
    assert.deepEqual(popped.sort(), members);
    assert.equal(await cmd(c, 'EXISTS', 'spc:s'), ':0\r\n');
    assert.equal(await cmd(c, 'SPOP', 'spc:s', '3'), '*0\r\n');
    // Popping most of an intset (Redis rebuilds the set from the few that stay).
    await cmd(c, 'DEL', 'spc:i');
    await cmd(c, 'SADD', 'spc:i', ...Array.from({ length: 20 }, (_, i) => String(i)));
    const most = parseBulks(await cmd(c, 'SPOP', 'spc:i', '18'));
    assert.equal(new Set(most).size, 18);
    assert.equal(await cmd(c, 'SCARD', 'spc:i'), ':2\r\n');
    await cmd(c, 'DEL', 'spc:i');
    c.close();
  });

  test('SPOP count errors verbatim, checked before the key', async () => {
    const c = await raw();
    await cmd(c, 'SET', 'spe:s', 'x');
    assert.equal(await cmd(c, 'SPOP', 'spe:s', '-1'), '-ERR value is out of range, must be positive\r\n');
    assert.equal(await cmd(c, 'SPOP', 'spe:s', 'x'), '-ERR value is out of range, must be positive\r\n');
    assert.equal(await cmd(c, 'SPOP', 'spe:s', '1', '2'), '-ERR syntax error\r\n');
    c.close();
  });

  test('SRANDMEMBER: distinct members for a positive count, repeats for a negative one', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'srd:s');
    const members = Array.from({ length: 50 }, (_, i) => String(i));
    await cmd(c, 'SADD', 'srd:s', ...members);
    for (const n of [1, 5, 45]) {
      const got = parseBulks(await cmd(c, 'SRANDMEMBER', 'srd:s', String(n)));
      assert.equal(got.length, n);
      assert.equal(new Set(got).size, n);
      for (const m of got) assert.ok(members.includes(m));
    }
    assert.deepEqual(sorted(await cmd(c, 'SRANDMEMBER', 'srd:s', '100')), [...members].sort());
    const repeated = parseBulks(await cmd(c, 'SRANDMEMBER', 'srd:s', '-1000'));
    assert.equal(repeated.length, 1000);
    assert.equal(new Set(repeated).size, 50, 'a thousand picks out of fifty show every member');
    assert.equal(await cmd(c, 'SRANDMEMBER', 'srd:s', '0'), '*0\r\n');
    assert.equal(await cmd(c, 'SRANDMEMBER', 'srd:none', '3'), '*0\r\n');
    assert.equal(await cmd(c, 'SRANDMEMBER', 'srd:none'), '$-1\r\n');
    assert.equal(await cmd(c, 'SCARD', 'srd:s'), ':50\r\n');
    c.close();
  });

  test('SRANDMEMBER count errors verbatim', async () => {
    const c = await raw();
    await cmd(c, 'SADD', 'sre:s', 'a');
    assert.equal(
      await cmd(c, 'SRANDMEMBER', 'sre:s', '-9223372036854775808'),
      '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n',
    );
    assert.equal(await cmd(c, 'SRANDMEMBER', 'sre:none', 'x'), NOT_INT);
    assert.equal(await cmd(c, 'SRANDMEMBER', 'sre:s', '1', '2'), '-ERR syntax error\r\n');
    c.close();
  });

  test('RESP3: SPOP with a count and SMEMBERS are sets, SRANDMEMBER with a count an array', async () => {
    const c = await raw();
    await cmd(c, 'HELLO', '3');
    await cmd(c, 'DEL', 's3:s');
    await cmd(c, 'SADD', 's3:s', '3', '1', '2');
    assert.equal(await cmd(c, 'SMEMBERS', 's3:s'), setOf('1', '2', '3'));
    assert.equal(await cmd(c, 'SMEMBERS', 's3:none'), '~0\r\n');
    assert.equal(await cmd(c, 'SRANDMEMBER', 's3:s', '5'), bulks('1', '2', '3'));
    assert.equal(await cmd(c, 'SRANDMEMBER', 's3:none', '5'), '*0\r\n');
    assert.equal(await cmd(c, 'SPOP', 's3:s', '0'), '~0\r\n');
    assert.equal(await cmd(c, 'SPOP', 's3:none', '2'), '~0\r\n');
    assert.equal(await cmd(c, 'SPOP', 's3:none'), '_\r\n');
    assert.equal(await cmd(c, 'SPOP', 's3:s', '5'), setOf('1', '2', '3'));
    c.close();
  });
});

describe('set algebra', () => {
  async function setup(c: RawClient): Promise<void> {
    await cmd(c, 'DEL', 'sa:1', 'sa:2', 'sa:3', 'sa:x');
    await cmd(c, 'SADD', 'sa:1', '1', '2', '3', '4', '5');
    await cmd(c, 'SADD', 'sa:2', '4', '5', '6');
    await cmd(c, 'SADD', 'sa:3', 'x', 'y', '5');
  }

  test('SINTER, SUNION and SDIFF; integer results come back in ascending order', async () => {
    const c = await raw();
    await setup(c);
    assert.equal(await cmd(c, 'SINTER', 'sa:1', 'sa:2'), bulks('4', '5'));
    assert.equal(await cmd(c, 'SINTER', 'sa:1', 'sa:2', 'sa:3'), bulks('5'));
    assert.equal(await cmd(c, 'SUNION', 'sa:2', 'sa:1'), bulks('1', '2', '3', '4', '5', '6'));
    assert.deepEqual(sorted(await cmd(c, 'SUNION', 'sa:1', 'sa:3')), ['1', '2', '3', '4', '5', 'x', 'y']);
    assert.equal(await cmd(c, 'SDIFF', 'sa:1', 'sa:2', 'sa:3'), bulks('1', '2', '3'));
    assert.equal(await cmd(c, 'SDIFF', 'sa:1', 'sa:1'), '*0\r\n');
    assert.equal(await cmd(c, 'SINTER', 'sa:1', 'sa:1', 'sa:1'), bulks('1', '2', '3', '4', '5'));
    c.close();
  });

  test('missing keys are empty sets', async () => {
    const c = await raw();
    await setup(c);
    assert.equal(await cmd(c, 'SINTER', 'sa:1', 'sa:none'), '*0\r\n');
    assert.equal(await cmd(c, 'SUNION', 'sa:none', 'sa:2', 'sa:none2'), bulks('4', '5', '6'));
    assert.equal(await cmd(c, 'SDIFF', 'sa:none', 'sa:1'), '*0\r\n');
    assert.equal(await cmd(c, 'SDIFF', 'sa:2', 'sa:none'), bulks('4', '5', '6'));
    assert.equal(await cmd(c, 'SINTERCARD', '2', 'sa:1', 'sa:none'), ':0\r\n');
    c.close();
  });

  test('SINTERCARD counts up to LIMIT and checks its arguments in Redis order', async () => {
    const c = await raw();
    await setup(c);
    assert.equal(await cmd(c, 'SINTERCARD', '2', 'sa:1', 'sa:2'), ':2\r\n');
    assert.equal(await cmd(c, 'SINTERCARD', '2', 'sa:1', 'sa:2', 'LIMIT', '1'), ':1\r\n');
    assert.equal(await cmd(c, 'SINTERCARD', '2', 'sa:1', 'sa:2', 'limit', '0'), ':2\r\n');
    assert.equal(await cmd(c, 'SINTERCARD', '1', 'sa:1', 'LIMIT', '10'), ':5\r\n');
    assert.equal(await cmd(c, 'SINTERCARD', '0', 'sa:1'), '-ERR numkeys should be greater than 0\r\n');
    assert.equal(await cmd(c, 'SINTERCARD', 'a', 'sa:1'), '-ERR numkeys should be greater than 0\r\n');
    assert.equal(await cmd(c, 'SINTERCARD', '3', 'sa:1', 'sa:2'), "-ERR Number of keys can't be greater than number of args\r\n");
    assert.equal(await cmd(c, 'SINTERCARD', '1', 'sa:1', 'sa:2'), '-ERR syntax error\r\n');
    assert.equal(await cmd(c, 'SINTERCARD', '1', 'sa:1', 'LIMIT'), '-ERR syntax error\r\n');
    assert.equal(await cmd(c, 'SINTERCARD', '1', 'sa:1', 'LIMIT', '-1'), "-ERR LIMIT can't be negative\r\n");
    assert.equal(await cmd(c, 'SINTERCARD', '1', 'sa:1', 'LIMIT', 'a'), "-ERR LIMIT can't be negative\r\n");
    assert.equal(await cmd(c, 'SINTERCARD', '1'), "-ERR wrong number of arguments for 'sintercard' command\r\n");
    c.close();
  });

  test('the STORE variants replace any value, drop its TTL, and delete the destination for an empty result', async () => {
    const c = await raw();
    await setup(c);
    await cmd(c, 'SET', 'sa:d', 'string');
    await cmd(c, 'EXPIRE', 'sa:d', '100');
    assert.equal(await cmd(c, 'SINTERSTORE', 'sa:d', 'sa:1', 'sa:2'), ':2\r\n');
    assert.equal(await cmd(c, 'TTL', 'sa:d'), ':-1\r\n');
    assert.equal(await cmd(c, 'SMEMBERS', 'sa:d'), bulks('4', '5'));
    assert.equal(await cmd(c, 'SUNIONSTORE', 'sa:d', 'sa:1', 'sa:2'), ':6\r\n');
    assert.equal(await cmd(c, 'SDIFFSTORE', 'sa:d', 'sa:1', 'sa:2'), ':3\r\n');
    assert.equal(await cmd(c, 'SMEMBERS', 'sa:d'), bulks('1', '2', '3'));
    // The destination may be a source too.
    assert.equal(await cmd(c, 'SUNIONSTORE', 'sa:d', 'sa:d', 'sa:3'), ':6\r\n');
    assert.equal(await cmd(c, 'SINTERSTORE', 'sa:d', 'sa:1', 'sa:none'), ':0\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'sa:d'), ':0\r\n');
    await cmd(c, 'SET', 'sa:d', 'string');
    assert.equal(await cmd(c, 'SDIFFSTORE', 'sa:d', 'sa:none', 'sa:1'), ':0\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'sa:d'), ':0\r\n');
    await cmd(c, 'SADD', 'sa:d', 'keep');
    assert.equal(await cmd(c, 'SUNIONSTORE', 'sa:d', 'sa:none', 'sa:none2'), ':0\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'sa:d'), ':0\r\n');
    c.close();
  });

  test('a WRONGTYPE source stops a STORE before the destination is touched', async () => {
    const c = await raw();
    await setup(c);
    await cmd(c, 'SET', 'sa:s', 'x');
    await cmd(c, 'SADD', 'sa:d', 'e');
    for (const op of ['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']) {
      assert.equal(await cmd(c, op, 'sa:d', 'sa:none', 'sa:s', 'sa:1'), WRONGTYPE, op);
      assert.equal(await cmd(c, 'SMEMBERS', 'sa:d'), bulks('e'), op);
    }
    c.close();
  });

  test('RESP3: results are sets, empty ones included', async () => {
    const c = await raw();
    await setup(c);
    await cmd(c, 'HELLO', '3');
    assert.equal(await cmd(c, 'SINTER', 'sa:1', 'sa:2'), setOf('4', '5'));
    assert.equal(await cmd(c, 'SINTER', 'sa:1', 'sa:none'), '~0\r\n');
    assert.equal(await cmd(c, 'SUNION', 'sa:2'), setOf('4', '5', '6'));
    assert.equal(await cmd(c, 'SDIFF', 'sa:2', 'sa:2'), '~0\r\n');
    c.close();
  });
});

describe('SSCAN', () => {
  test('an intset comes back whole with cursor 0; MATCH applies to the integers as text', async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'ssc:i', 'ssc:m');
    await cmd(c, 'SADD', 'ssc:i', ...Array.from({ length: 100 }, (_, i) => String(i)));
    const [cursor, items] = parseScan(await cmd(c, 'SSCAN', 'ssc:i', '0', 'COUNT', '5'));
    assert.equal(cursor, '0');
    assert.equal(items.length, 100);
    await cmd(c, 'SADD', 'ssc:m', 'foo', 'fab', 'fiz', 'foobar', '1', '2');
    assert.deepEqual(parseScan(await cmd(c, 'SSCAN', 'ssc:m', '0', 'MATCH', 'foo*', 'COUNT', '10000'))[1].sort(), ['foo', 'foobar']);
    assert.deepEqual(parseScan(await cmd(c, 'SSCAN', 'ssc:m', '0', 'MATCH', '*1*', 'COUNT', '100'))[1], ['1']);
    assert.equal(await cmd(c, 'SSCAN', 'ssc:none', '0'), '*2\r\n$1\r\n0\r\n*0\r\n');
    c.close();
  });

  test('cursor and option errors verbatim', async () => {
    const c = await raw();
    await cmd(c, 'SADD', 'sse:s', 'a');
    assert.equal(await cmd(c, 'SSCAN', 'sse:s', 'abc'), '-ERR invalid cursor\r\n');
    assert.equal(await cmd(c, 'SSCAN', 'sse:s', '0', 'COUNT', '0'), '-ERR syntax error\r\n');
    assert.equal(await cmd(c, 'SSCAN', 'sse:s', '0', 'COUNT', 'x'), NOT_INT);
    assert.equal(await cmd(c, 'SSCAN', 'sse:s', '0', 'TYPE', 'set'), '-ERR syntax error\r\n');
    assert.equal(await cmd(c, 'SSCAN', 'sse:none', 'abc'), '-ERR invalid cursor\r\n');
    c.close();
  });

  test('a large set is scanned in steps; members present throughout survive a mass removal mid-scan', async () => {
    const c = await raw();
    for (let round = 0; round < 5; round++) {
      await cmd(c, 'DEL', 'ssl:s');
      await cmd(c, 'SADD', 'ssl:s', 'x'); // not an intset
      const total = 300 + round * 200;
      await cmd(c, 'SADD', 'ssl:s', ...Array.from({ length: total }, (_, i) => String(i)));
      const removable = Array.from({ length: total - 100 }, (_, i) => String(i + 100));
      const found = new Set<string>();
      let cursor = '0';
      let steps = 0;
      do {
        const [next, items] = parseScan(await cmd(c, 'SSCAN', 'ssl:s', cursor));
        for (const m of items) found.add(m);
        cursor = next;
        steps++;
        if (steps === 1 + round) await cmd(c, 'SREM', 'ssl:s', ...removable);
      } while (cursor !== '0');
      for (let i = 0; i < 100; i++) assert.ok(found.has(String(i)), `round ${round}: ${i} missing`);
    }
    c.close();
  });
});

describe('encodings and events', () => {
  const enc = (key: string) => {
    const ks = node!.store.dbs[0];
    return ks.object<SetValue>(ks.findString(key)).encoding();
  };

  test('intset until a non-integer or more than set-max-intset-entries; results start as intsets', inNode, async () => {
    const c = await raw();
    await cmd(c, 'DEL', 'se:a', 'se:b', 'se:c', 'se:d', 'se:e');
    await cmd(c, 'SADD', 'se:a', '1', '2', '3');
    assert.equal(enc('se:a'), 'intset');
    await cmd(c, 'SADD', 'se:a', 'a');
    assert.equal(enc('se:a'), 'hashtable');
    await cmd(c, 'SREM', 'se:a', 'a');
    assert.equal(enc('se:a'), 'hashtable', 'a converted set stays a hashtable');
    await cmd(c, 'SADD', 'se:b', ...Array.from({ length: 512 }, (_, i) => String(i)));
    assert.equal(enc('se:b'), 'intset');
    await cmd(c, 'SADD', 'se:b', '512');
    assert.equal(enc('se:b'), 'hashtable');
    // A result built from a hashtable of integers is an intset again.
    await cmd(c, 'SINTERSTORE', 'se:c', 'se:a', 'se:a');
    assert.equal(enc('se:c'), 'intset');
    await cmd(c, 'SMOVE', 'se:a', 'se:d', '1');
    assert.equal(enc('se:d'), 'intset');
    await cmd(c, 'SADD', 'se:e', 'x', 'y');
    await cmd(c, 'SMOVE', 'se:e', 'se:d', 'x');
    assert.equal(enc('se:d'), 'hashtable');
    c.close();
  });

  test('keyspace events for adds, removals, pops, moves and stores', async () => {
    const sub = await raw();
    const c = await raw();
    await cmd(c, 'DEL', 'sev:a', 'sev:b', 'sev:d');
    await cmd(c, 'CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    await cmd(sub, 'PSUBSCRIBE', '__keyevent@0__:*');
    await cmd(c, 'SADD', 'sev:a', '1', '2', '3');
    await cmd(c, 'SADD', 'sev:a', '1'); // nothing added: no event
    await cmd(c, 'SREM', 'sev:a', '1');
    await cmd(c, 'SPOP', 'sev:a');
    await cmd(c, 'SMOVE', 'sev:a', 'sev:b', (await cmd(c, 'SRANDMEMBER', 'sev:a')).split('\r\n')[1]);
    await cmd(c, 'SUNIONSTORE', 'sev:d', 'sev:b');
    await cmd(c, 'SINTERSTORE', 'sev:d', 'sev:b', 'sev:b');
    await cmd(c, 'SDIFFSTORE', 'sev:d', 'sev:b', 'sev:b');
    await cmd(c, 'SPOP', 'sev:b', '5');
    const expected = [
      ['sadd', 'sev:a'], ['srem', 'sev:a'], ['spop', 'sev:a'], ['srem', 'sev:a'], ['del', 'sev:a'], ['sadd', 'sev:b'],
      ['sunionstore', 'sev:d'], ['sinterstore', 'sev:d'], ['del', 'sev:d'], ['spop', 'sev:b'], ['del', 'sev:b'],
    ];
    const got = await sub.readUntil((t) => t.split('pmessage').length > expected.length);
    const events = [...got.matchAll(/__keyevent@0__:(\w+)\r\n\$\d+\r\n(sev:\w)\r\n/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(events, expected);
    await cmd(c, 'CONFIG', 'SET', 'notify-keyspace-events', '');
    sub.close();
    c.close();
  });
});

// ---- client libraries -------------------------------------------------------------------

describe('client libraries', () => {
  test('ioredis: members, algebra, sscanStream and pops', async () => {
    const r = new Redis({ port, lazyConnect: true });
    await r.connect();
    try {
      await r.del('io:s1', 'io:s2', 'io:big');
      assert.equal(await r.sadd('io:s1', 'a', 'b', 'c'), 3);
      assert.equal(await r.sadd('io:s2', 'b', 'c', 'd'), 3);
      assert.deepEqual((await r.sinter('io:s1', 'io:s2')).sort(), ['b', 'c']);
      assert.deepEqual((await r.sunion('io:s1', 'io:s2')).sort(), ['a', 'b', 'c', 'd']);
      assert.deepEqual(await r.sdiff('io:s1', 'io:s2'), ['a']);
      assert.deepEqual(await r.smismember('io:s1', 'a', 'z'), [1, 0]);
      assert.equal(await r.smove('io:s1', 'io:s2', 'a'), 1);
      assert.equal(await r.scard('io:s2'), 4);
      const big = Array.from({ length: 1000 }, (_, i) => 'm' + i);
      await r.sadd('io:big', ...big);
      const seen = new Set<string>();
      await new Promise<void>((resolve, reject) => {
        const stream = r.sscanStream('io:big', { count: 100 });
        stream.on('data', (chunk: string[]) => chunk.forEach((m) => seen.add(m)));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      assert.equal(seen.size, 1000);
      const popped = await r.spop('io:big', 10);
      assert.equal(popped.length, 10);
      assert.equal(await r.scard('io:big'), 990);
      assert.equal((await r.srandmember('io:big', -5)).length, 5);
      // The rest of the commands, once each.
      await r.del('io:a', 'io:b', 'io:d');
      await r.sadd('io:a', '3', '1', '2');
      await r.sadd('io:b', '2', '3', '4');
      assert.deepEqual(await r.smembers('io:a'), ['1', '2', '3']);
      assert.equal(await r.sismember('io:a', '2'), 1);
      assert.equal(await r.sintercard(2, 'io:a', 'io:b'), 2);
      assert.equal(await r.sinterstore('io:d', 'io:a', 'io:b'), 2);
      assert.equal(await r.sunionstore('io:d', 'io:a', 'io:b'), 4);
      assert.equal(await r.sdiffstore('io:d', 'io:a', 'io:b'), 1);
      assert.deepEqual(await r.sscan('io:d', '0'), ['0', ['1']]);
      assert.ok(['1', '2', '3'].includes((await r.srandmember('io:a')) as string));
      assert.equal(await r.srem('io:a', '1', '9'), 1);
      const last = await r.spop('io:d');
      assert.equal(last, '1');
      assert.equal(await r.exists('io:d'), 0);
    } finally {
      r.disconnect();
    }
  });

  test('node-redis over RESP3: sMembers, sInterCard, sScanIterator and the STORE variants', async () => {
    const client = createClient({ socket: { port, host: '127.0.0.1' }, RESP: 3 });
    await client.connect();
    try {
      await client.del(['nr:s1', 'nr:s2', 'nr:d', 'nr:i']);
      assert.equal(await client.sAdd('nr:s1', ['1', '2', '3']), 3);
      assert.equal(await client.sAdd('nr:s2', ['2', '3', '4']), 3);
      const members = await client.sMembers('nr:s1');
      assert.deepEqual([...members].sort(), ['1', '2', '3']);
      assert.equal(await client.sInterCard(['nr:s1', 'nr:s2']), 2);
      assert.equal(await client.sInterCard(['nr:s1', 'nr:s2'], { LIMIT: 1 }), 1);
      assert.equal(await client.sUnionStore('nr:d', ['nr:s1', 'nr:s2']), 4);
      assert.equal(await client.sIsMember('nr:d', '4'), 1);
      const seen: string[] = [];
      for await (const chunk of client.sScanIterator('nr:d')) seen.push(...chunk);
      assert.deepEqual(seen.sort(), ['1', '2', '3', '4']);
      assert.equal(await client.sCard('nr:d'), 4);
      assert.deepEqual(await client.smIsMember('nr:s1', ['1', '9']), [1, 0]);
      assert.deepEqual([...(await client.sInter(['nr:s1', 'nr:s2']))].sort(), ['2', '3']);
      assert.deepEqual([...(await client.sUnion(['nr:s1', 'nr:s2']))].sort(), ['1', '2', '3', '4']);
      assert.deepEqual([...(await client.sDiff(['nr:s1', 'nr:s2']))], ['1']);
      assert.equal(await client.sInterStore('nr:i', ['nr:s1', 'nr:s2']), 2);
      assert.equal(await client.sMove('nr:i', 'nr:s1', '2'), 1);
      assert.ok(['1', '2', '3'].includes(String(await client.sRandMember('nr:s1'))));
      assert.equal((await client.sRandMemberCount('nr:s1', 2)).length, 2);
      assert.equal(await client.sRem('nr:i', ['3']), 1);
      assert.equal(await client.exists('nr:i'), 0);
      assert.ok(['1', '2', '3'].includes(String(await client.sPop('nr:s1'))));
      assert.equal(await client.sDiffStore('nr:d', ['nr:s1', 'nr:s1']), 0);
      assert.equal(await client.exists('nr:d'), 0);
    } finally {
      await client.close();
    }
  });
});
