// Generic key commands against a running node: SCAN (MATCH, COUNT, TYPE, expired keys,
// its guarantee under concurrent writes), RANDOMKEY, RENAME, RENAMENX, MOVE, COPY,
// TOUCH, OBJECT and SORT / SORT_RO, with redis-server 7.0's exact replies and errors
// (raw RESP), their keyspace events, and ioredis / node-redis.
// COVE_TWIN_PORT runs the wire tests against a reference server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { ValkeyNode } from '../../src/server/valkey-node.js';
import { ManualClock } from '../../src/engine/clock.js';
import { startNode } from '../support/valkey.js';
import { Conn, OK, NIL, int, bulk, bulks, err, arr, target, inNodeOnly, replyEnd, WRONGTYPE, NOT_INTEGER, SYNTAX } from './strings-support.js';

let node: ValkeyNode | null = null;
let port = 0;
before(async () => {
  ({ node, port } = await target());
});
after(async () => {
  await node?.close();
});

const NO_SUCH_KEY = err('ERR no such key');
const SAME_OBJECT = err('ERR source and destination objects are the same');
const DB_RANGE = err('ERR DB index is out of range');

/** The elements of a flat RESP array of bulks/integers/nils (one level). */
function items(reply: string): (string | null)[] {
  const out: (string | null)[] = [];
  let i = reply.indexOf('\r\n') + 2;
  while (i < reply.length) {
    const e = replyEnd(reply, i);
    const part = reply.slice(i, e);
    if (part === NIL) out.push(null);
    else if (part[0] === '$') out.push(part.slice(part.indexOf('\r\n') + 2, -2));
    else out.push(part.slice(1, -2));
    i = e;
  }
  return out;
}

/** One SCAN step: [next cursor, keys]. */
async function scanStep(c: Conn, cursor: string, ...opts: string[]): Promise<[string, string[]]> {
  const r = await c.call('SCAN', cursor, ...opts);
  const head = r.indexOf('\r\n') + 2;
  const cursorEnd = replyEnd(r, head);
  const next = items(`*1\r\n${r.slice(head, cursorEnd)}`)[0]!;
  return [next, items(r.slice(cursorEnd)) as string[]];
}

async function scanAll(c: Conn, ...opts: string[]): Promise<string[]> {
  const seen: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await scanStep(c, cursor, ...opts);
    seen.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return seen;
}

test('SCAN returns every key over a full iteration, filtered by MATCH and TYPE', async () => {
  const c = await Conn.open(port);
  await c.call('SELECT', '3');
  await c.call('FLUSHDB');
  const all: string[] = [];
  for (let i = 0; i < 150; i++) {
    all.push(`str:${i}`);
    await c.call('SET', `str:${i}`, 'v');
  }
  for (let i = 0; i < 30; i++) {
    all.push(`lst:${i}`);
    await c.call('RPUSH', `lst:${i}`, 'v');
  }
  const seen = await scanAll(c, 'COUNT', '7');
  assert.deepEqual([...new Set(seen)].sort(), all.sort());
  const lists = new Set(await scanAll(c, 'TYPE', 'LIST'));
  assert.equal(lists.size, 30);
  assert.ok([...lists].every((k) => k.startsWith('lst:')));
  const matched = new Set(await scanAll(c, 'MATCH', 'str:1?', 'COUNT', '20'));
  assert.deepEqual([...matched].sort(), Array.from({ length: 10 }, (_, i) => `str:1${i}`).sort());
  assert.deepEqual(await scanAll(c, 'MATCH', 'str:*', 'TYPE', 'list'), []);
  await c.call('FLUSHDB');
  assert.equal(await c.call('SCAN', '0'), arr(bulk('0'), '*0\r\n'));
  c.close();
});

test('a full SCAN of a database that does not change returns each key exactly once', async () => {
  const c = await Conn.open(port);
  await c.call('SELECT', '3');
  await c.call('FLUSHDB');
  // 1000 keys take the index through several doublings.
  for (let i = 0; i < 1000; i += 100) {
    const args: string[] = [];
    for (let k = i; k < i + 100; k++) args.push(`once:${k}`, 'v');
    await c.call('MSET', ...args);
  }
  const seen = await scanAll(c);
  assert.equal(seen.length, 1000);
  assert.equal(new Set(seen).size, 1000);
  await c.call('FLUSHDB');
  c.close();
});

test('SCAN argument errors, verbatim', async () => {
  const c = await Conn.open(port);
  for (const cursor of ['abc', ' 1', '18446744073709551616', '1x']) {
    assert.equal(await c.call('SCAN', cursor), err('ERR invalid cursor'), cursor);
  }
  assert.equal(await c.call('SCAN', '0', 'COUNT', '0'), SYNTAX);
  assert.equal(await c.call('SCAN', '0', 'COUNT', 'x'), NOT_INTEGER);
  assert.equal(await c.call('SCAN', '0', 'MATCH'), SYNTAX);
  assert.equal(await c.call('SCAN', '0', 'TYPE'), SYNTAX);
  assert.equal(await c.call('SCAN', '0', 'FOO', 'bar'), SYNTAX);
  c.close();
});

test('SCAN returns every key present for the whole iteration while keys are added and deleted', async () => {
  const c = await Conn.open(port);
  await c.call('SELECT', '4');
  await c.call('FLUSHDB');
  const stable: string[] = [];
  for (let i = 0; i < 300; i++) {
    stable.push(`keep:${i}`);
    await c.call('SET', `keep:${i}`, 'v');
  }
  const seen = new Set<string>();
  let cursor = '0';
  let step = 0;
  let added = 0;
  do {
    const [next, keys] = await scanStep(c, cursor, 'COUNT', '5');
    for (const k of keys) seen.add(k);
    cursor = next;
    // Between steps: grow the table a lot (rehash up), then delete most of the
    // newcomers again (rehash down), so the index changes size under the cursor.
    step++;
    if (step < 40) {
      const args: string[] = [];
      for (let i = 0; i < 60; i++) args.push(`tmp:${added++}`, 'x');
      await c.call('MSET', ...args);
    } else if (step === 40) {
      const dels: string[] = [];
      for (let i = 0; i < added; i++) dels.push(`tmp:${i}`);
      await c.call('DEL', ...dels);
    }
  } while (cursor !== '0');
  const missing = stable.filter((k) => !seen.has(k));
  assert.deepEqual(missing, []);
  await c.call('FLUSHDB');
  c.close();
});

test('SCAN skips expired keys and deletes them', inNodeOnly, async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const n = await startNode({ clock });
  n.store.activeExpire = false;
  const c = await Conn.open(n.port);
  try {
    for (let i = 0; i < 20; i++) await c.call('SET', `k${i}`, 'v', 'PX', i < 10 ? '1000' : '100000');
    clock.advance(5000);
    assert.equal(await c.call('DBSIZE'), int(20));
    const seen = await scanAll(c, 'COUNT', '100');
    assert.deepEqual(seen.sort(), Array.from({ length: 10 }, (_, i) => `k${i + 10}`).sort());
    assert.equal(await c.call('DBSIZE'), int(10));
  } finally {
    c.close();
    await n.close();
  }
});

test('RANDOMKEY answers nil on an empty database and never an expired key', inNodeOnly, async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const n = await startNode({ clock });
  n.store.activeExpire = false;
  const c = await Conn.open(n.port);
  try {
    assert.equal(await c.call('RANDOMKEY'), NIL);
    await c.call('SET', 'alive', 'v');
    for (let i = 0; i < 30; i++) await c.call('SET', `gone${i}`, 'v', 'PX', '10');
    clock.advance(100);
    for (let i = 0; i < 5; i++) assert.equal(await c.call('RANDOMKEY'), bulk('alive'));
    assert.equal(await c.call('DEL', 'alive'), int(1));
    assert.equal(await c.call('RANDOMKEY'), NIL);
    assert.equal(await c.call('DBSIZE'), int(0));
  } finally {
    c.close();
    await n.close();
  }
});

test('RANDOMKEY returns one of the keys', async () => {
  const c = await Conn.open(port);
  await c.call('SELECT', '5');
  await c.call('FLUSHDB');
  await c.call('MSET', 'ra', '1', 'rb', '2');
  for (let i = 0; i < 10; i++) assert.ok([bulk('ra'), bulk('rb')].includes(await c.call('RANDOMKEY')));
  await c.call('FLUSHDB');
  c.close();
});

test('RENAME and RENAMENX move the value and its TTL, and report missing keys', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'r:a', 'r:b', 'r:c', 'r:h', 'r:h2');
  await c.call('SET', 'r:a', 'v', 'EX', '100');
  assert.equal(await c.call('RENAME', 'r:a', 'r:b'), OK);
  assert.equal(await c.call('GET', 'r:b'), bulk('v'));
  assert.equal(await c.call('TTL', 'r:b'), int(100));
  assert.equal(await c.call('EXISTS', 'r:a'), int(0));
  assert.equal(await c.call('RENAME', 'r:a', 'r:b'), NO_SUCH_KEY);
  assert.equal(await c.call('RENAMENX', 'r:a', 'r:b'), NO_SUCH_KEY);
  assert.equal(await c.call('RENAME', 'r:b', 'r:b'), OK);
  assert.equal(await c.call('RENAMENX', 'r:b', 'r:b'), int(0));
  await c.call('SET', 'r:c', 'other');
  assert.equal(await c.call('RENAMENX', 'r:b', 'r:c'), int(0));
  assert.equal(await c.call('RENAMENX', 'r:b', 'r:d'), int(1));
  // RENAME overwrites a destination of any type, and a collection moves whole.
  await c.call('HSET', 'r:h', 'f1', 'v1', 'f2', 'v2');
  assert.equal(await c.call('RENAME', 'r:h', 'r:c'), OK);
  assert.equal(await c.call('HGETALL', 'r:c'), bulks('f1', 'v1', 'f2', 'v2'));
  assert.equal(await c.call('TTL', 'r:c'), int(-1));
  await c.call('DEL', 'r:d', 'r:c');
  c.close();
});

test('RENAME hands a collection over without changing used memory', inNodeOnly, async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'm:src', 'm:dst');
  const members: string[] = [];
  for (let i = 0; i < 200; i++) members.push(`member-${i}`);
  await c.call('SADD', 'm:src', ...members);
  const before = node!.store.account.bytes;
  assert.equal(await c.call('RENAME', 'm:src', 'm:dst'), OK);
  assert.equal(node!.store.account.bytes, before);
  assert.equal(await c.call('SCARD', 'm:dst'), int(200));
  await c.call('DEL', 'm:dst');
  c.close();
});

test('MOVE puts the key in another database with its TTL, unless it exists there', async () => {
  const c = await Conn.open(port);
  await c.call('SELECT', '1');
  await c.call('DEL', 'mv:a', 'mv:b');
  await c.call('SET', 'mv:b', 'in1');
  await c.call('SELECT', '0');
  await c.call('DEL', 'mv:a', 'mv:b', 'mv:l');
  await c.call('RPUSH', 'mv:l', 'x', 'y');
  await c.call('EXPIRE', 'mv:l', '100');
  await c.call('SET', 'mv:b', 'in0');
  assert.equal(await c.call('MOVE', 'mv:l', '1'), int(1));
  assert.equal(await c.call('EXISTS', 'mv:l'), int(0));
  assert.equal(await c.call('MOVE', 'mv:b', '1'), int(0));
  assert.equal(await c.call('MOVE', 'mv:none', '1'), int(0));
  assert.equal(await c.call('MOVE', 'mv:b', '0'), SAME_OBJECT);
  assert.equal(await c.call('MOVE', 'mv:b', '16'), DB_RANGE);
  assert.equal(await c.call('MOVE', 'mv:b', '-1'), DB_RANGE);
  assert.equal(await c.call('MOVE', 'mv:b', 'x'), NOT_INTEGER);
  await c.call('SELECT', '1');
  assert.equal(await c.call('LRANGE', 'mv:l', '0', '-1'), bulks('x', 'y'));
  assert.equal(await c.call('TTL', 'mv:l'), int(100));
  assert.equal(await c.call('GET', 'mv:b'), bulk('in1'));
  await c.call('DEL', 'mv:l', 'mv:b');
  await c.call('SELECT', '0');
  await c.call('DEL', 'mv:b');
  c.close();
});

test('COPY duplicates strings and collections, to another database too, REPLACE overwrites', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'cp:s', 'cp:s2', 'cp:z', 'cp:z2', 'cp:h', 'cp:h2');
  await c.call('SELECT', '2');
  await c.call('DEL', 'cp:s');
  await c.call('SELECT', '0');
  await c.call('SET', 'cp:s', 'hello', 'EX', '100');
  assert.equal(await c.call('COPY', 'cp:s', 'cp:s2'), int(1));
  assert.equal(await c.call('GET', 'cp:s2'), bulk('hello'));
  assert.equal(await c.call('TTL', 'cp:s2'), int(100));
  assert.equal(await c.call('COPY', 'cp:s', 'cp:s2'), int(0));
  await c.call('SET', 'cp:s', 'changed');
  assert.equal(await c.call('COPY', 'cp:s', 'cp:s2', 'REPLACE'), int(1));
  assert.equal(await c.call('GET', 'cp:s2'), bulk('changed'));
  assert.equal(await c.call('TTL', 'cp:s2'), int(-1));
  assert.equal(await c.call('COPY', 'cp:s', 'cp:s', 'DB', '2'), int(1));
  await c.call('SELECT', '2');
  assert.equal(await c.call('GET', 'cp:s'), bulk('changed'));
  await c.call('DEL', 'cp:s');
  await c.call('SELECT', '0');
  // A copied collection is independent of its source.
  await c.call('ZADD', 'cp:z', '1', 'a', '2', 'b');
  assert.equal(await c.call('COPY', 'cp:z', 'cp:z2'), int(1));
  await c.call('ZADD', 'cp:z2', '3', 'c');
  assert.equal(await c.call('ZCARD', 'cp:z'), int(2));
  assert.equal(await c.call('ZRANGE', 'cp:z2', '0', '-1', 'WITHSCORES'), bulks('a', '1', 'b', '2', 'c', '3'));
  await c.call('HSET', 'cp:h', 'f', 'v');
  assert.equal(await c.call('COPY', 'cp:h', 'cp:h2'), int(1));
  await c.call('HSET', 'cp:h', 'f', 'w');
  assert.equal(await c.call('HGET', 'cp:h2', 'f'), bulk('v'));
  // Errors.
  assert.equal(await c.call('COPY', 'cp:s', 'cp:s'), SAME_OBJECT);
  assert.equal(await c.call('COPY', 'cp:s', 'cp:s', 'DB', '0'), SAME_OBJECT);
  assert.equal(await c.call('COPY', 'cp:s', 'cp:x', 'DB', '99'), DB_RANGE);
  assert.equal(await c.call('COPY', 'cp:s', 'cp:x', 'DB'), SYNTAX);
  assert.equal(await c.call('COPY', 'cp:s', 'cp:x', 'FOO'), SYNTAX);
  assert.equal(await c.call('COPY', 'cp:none', 'cp:x'), int(0));
  c.close();
});

test('a RENAME onto a key a client is blocked on serves that client', async () => {
  const c = await Conn.open(port);
  const blocked = await Conn.open(port);
  await c.call('DEL', 'bl:src', 'bl:dst');
  await c.call('RPUSH', 'bl:src', 'item');
  blocked.raw.write('*3\r\n$5\r\nBLPOP\r\n$6\r\nbl:dst\r\n$1\r\n5\r\n');
  // Wait until the server has registered the block before renaming.
  for (let i = 0; i < 50 && !(await c.call('CLIENT', 'LIST')).includes('cmd=blpop'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await c.call('RENAME', 'bl:src', 'bl:dst'), OK);
  assert.equal(await blocked.next(), bulks('bl:dst', 'item'));
  blocked.close();
  c.close();
});

test('RENAME, MOVE and COPY raise their keyspace events', async () => {
  const c = await Conn.open(port);
  const sub = await Conn.open(port);
  await c.call('DEL', 'ev:a', 'ev:b', 'ev:c');
  await c.call('SELECT', '1');
  await c.call('DEL', 'ev:b');
  await c.call('SELECT', '0');
  assert.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEg'), OK);
  try {
    await sub.call('PSUBSCRIBE', '__keyevent@*__:*');
    await c.call('SET', 'ev:a', '1');
    await c.call('RENAME', 'ev:a', 'ev:b');
    await c.call('COPY', 'ev:b', 'ev:c');
    await c.call('MOVE', 'ev:b', '1');
    const text = await sub.raw.readUntil((t) => t.split('pmessage').length - 1 >= 5, 3000);
    const got = text.split('*4\r\n').slice(1).map((m) => m.split('\r\n')[5] + ' ' + m.split('\r\n')[7]);
    assert.deepEqual(got, [
      '__keyevent@0__:rename_from ev:a', '__keyevent@0__:rename_to ev:b', '__keyevent@0__:copy_to ev:c',
      '__keyevent@0__:move_from ev:b', '__keyevent@1__:move_to ev:b',
    ]);
  } finally {
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  }
  await c.call('SELECT', '1');
  await c.call('DEL', 'ev:b');
  sub.close();
  c.close();
});

test('TOUCH counts the keys that exist', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 't:a', 't:b', 't:none');
  await c.call('SET', 't:a', '1');
  await c.call('RPUSH', 't:b', '1');
  assert.equal(await c.call('TOUCH', 't:a', 't:b', 't:none', 't:a'), int(3));
  assert.equal(await c.call('TOUCH', 't:none'), int(0));
  c.close();
});

test('OBJECT ENCODING and REFCOUNT describe strings and collections as Redis does', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'o:h', 'o:z');
  const enc = async (v: string) => {
    await c.call('SET', 'o:s', v);
    return c.call('OBJECT', 'ENCODING', 'o:s');
  };
  assert.equal(await enc('123'), bulk('int'));
  assert.equal(await enc('-9223372036854775808'), bulk('int'));
  assert.equal(await enc('12345678901234567890'), bulk('embstr'));
  assert.equal(await enc(' 12'), bulk('embstr'));
  assert.equal(await enc('-0'), bulk('embstr'));
  assert.equal(await enc('a'.repeat(44)), bulk('embstr'));
  assert.equal(await enc('a'.repeat(45)), bulk('raw'));
  await c.call('SET', 'o:s', '123');
  assert.equal(await c.call('OBJECT', 'REFCOUNT', 'o:s'), int(2147483647));
  await c.call('SET', 'o:s', '10000');
  assert.equal(await c.call('OBJECT', 'REFCOUNT', 'o:s'), int(1));
  await c.call('HSET', 'o:h', 'f', 'v');
  assert.equal(await c.call('OBJECT', 'ENCODING', 'o:h'), bulk('listpack'));
  await c.call('HSET', 'o:h', 'long', 'x'.repeat(100));
  assert.equal(await c.call('OBJECT', 'ENCODING', 'o:h'), bulk('hashtable'));
  await c.call('ZADD', 'o:z', '1', 'a');
  assert.equal(await c.call('OBJECT', 'ENCODING', 'o:z'), bulk('listpack'));
  assert.equal(await c.call('OBJECT', 'REFCOUNT', 'o:z'), int(1));
  assert.equal(await c.call('OBJECT', 'ENCODING', 'o:none'), NIL);
  assert.equal(await c.call('OBJECT', 'REFCOUNT', 'o:none'), NIL);
  c.close();
});

test('OBJECT errors and HELP, verbatim', async () => {
  const c = await Conn.open(port);
  assert.equal(await c.call('OBJECT'), err("ERR wrong number of arguments for 'object' command"));
  assert.equal(await c.call('OBJECT', 'FOO', 'k'), err("ERR unknown subcommand 'FOO'. Try OBJECT HELP."));
  assert.equal(await c.call('OBJECT', 'ENCODING'), err("ERR wrong number of arguments for 'object|encoding' command"));
  assert.equal(await c.call('OBJECT', 'ENCODING', 'a', 'b'), err("ERR wrong number of arguments for 'object|encoding' command"));
  await c.call('SET', 'o:f', 'v');
  assert.equal(
    await c.call('OBJECT', 'FREQ', 'o:f'),
    err('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.'),
  );
  assert.equal(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'), OK);
  try {
    assert.equal(
      await c.call('OBJECT', 'IDLETIME', 'o:f'),
      err('ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.'),
    );
    await c.call('DEL', 'o:fresh');
    await c.call('SET', 'o:fresh', 'new');
    assert.equal(await c.call('OBJECT', 'FREQ', 'o:fresh'), int(5)); // LFU_INIT_VAL for a new key
  } finally {
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  }
  const help = await c.call('OBJECT', 'HELP');
  assert.ok(help.startsWith('*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n'));
  assert.ok(help.endsWith('+HELP\r\n+    Prints this help.\r\n'));
  c.close();
});

test('OBJECT IDLETIME counts seconds since the last access without being an access itself', inNodeOnly, async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const n = await startNode({ clock });
  const c = await Conn.open(n.port);
  try {
    await c.call('SET', 'idle', 'v');
    clock.advance(42_000);
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'idle'), int(42));
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'idle'), int(42));
    await c.call('GET', 'idle');
    assert.equal(await c.call('OBJECT', 'IDLETIME', 'idle'), int(0));
  } finally {
    c.close();
    await n.close();
  }
});

test('SORT orders numbers, strings (ALPHA), DESC, with LIMIT', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'so:l', 'so:s', 'so:bad', 'so:str');
  await c.call('RPUSH', 'so:l', '3', '1', '2', '10', '-5', '2.5');
  assert.equal(await c.call('SORT', 'so:l'), bulks('-5', '1', '2', '2.5', '3', '10'));
  assert.equal(await c.call('SORT', 'so:l', 'DESC'), bulks('10', '3', '2.5', '2', '1', '-5'));
  assert.equal(await c.call('SORT', 'so:l', 'ALPHA'), bulks('-5', '1', '10', '2', '2.5', '3'));
  assert.equal(await c.call('SORT', 'so:l', 'LIMIT', '1', '2'), bulks('1', '2'));
  assert.equal(await c.call('SORT', 'so:l', 'LIMIT', '-1', '2'), bulks('-5', '1'));
  assert.equal(await c.call('SORT', 'so:l', 'LIMIT', '4', '-1'), bulks('3', '10'));
  assert.equal(await c.call('SORT', 'so:l', 'LIMIT', '10', '2'), '*0\r\n');
  assert.equal(await c.call('SORT_RO', 'so:l', 'DESC', 'LIMIT', '0', '1'), bulks('10'));
  await c.call('SADD', 'so:s', 'banana', 'apple', 'cherry');
  assert.equal(await c.call('SORT', 'so:s', 'ALPHA'), bulks('apple', 'banana', 'cherry'));
  assert.equal(await c.call('SORT', 'so:none'), '*0\r\n');
  // Errors.
  await c.call('RPUSH', 'so:bad', '1', 'a');
  assert.equal(await c.call('SORT', 'so:bad'), err("ERR One or more scores can't be converted into double"));
  assert.equal(await c.call('SORT', 'so:s'), err("ERR One or more scores can't be converted into double"));
  await c.call('SET', 'so:str', 'x');
  assert.equal(await c.call('SORT', 'so:str'), WRONGTYPE);
  assert.equal(await c.call('SORT', 'so:str', 'FOO'), SYNTAX);
  assert.equal(await c.call('SORT', 'so:l', 'LIMIT', 'x', '1'), NOT_INTEGER);
  assert.equal(await c.call('SORT', 'so:l', 'LIMIT', '1'), SYNTAX);
  assert.equal(await c.call('SORT_RO', 'so:l', 'STORE', 'x'), SYNTAX);
  c.close();
});

test('SORT BY and GET patterns, hash fields, and BY without * keeping the native order', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'so:w', 'so:z');
  await c.call('RPUSH', 'so:w', '1', '2', '3');
  await c.call('MSET', 'so:w_1', '30', 'so:w_2', '10', 'so:w_3', '20', 'so:n_1', 'one', 'so:n_3', 'three');
  await c.call('HSET', 'so:h_1', 'f', 'c');
  await c.call('HSET', 'so:h_2', 'f', 'a');
  await c.call('HSET', 'so:h_3', 'f', 'b');
  assert.equal(await c.call('SORT', 'so:w', 'BY', 'so:w_*'), bulks('2', '3', '1'));
  assert.equal(await c.call('SORT', 'so:w', 'BY', 'so:w_*', 'DESC', 'GET', '#', 'GET', 'so:n_*'), bulks('1', 'one', '3', 'three', '2', null));
  assert.equal(await c.call('SORT', 'so:w', 'BY', 'so:h_*->f', 'ALPHA', 'GET', 'so:h_*->f'), bulks('a', 'b', 'c'));
  assert.equal(await c.call('SORT', 'so:w', 'GET', 'nostar'), bulks(null, null, null));
  // A missing BY key counts as 0 (first in ALPHA order), ties broken by the element.
  assert.equal(await c.call('SORT', 'so:w', 'BY', 'so:missing_*', 'DESC'), bulks('3', '2', '1'));
  assert.equal(await c.call('SORT', 'so:w', 'BY', 'nosort', 'DESC'), bulks('3', '2', '1'));
  assert.equal(await c.call('SORT', 'so:w', 'BY', 'nosort', 'LIMIT', '1', '5'), bulks('2', '3'));
  await c.call('ZADD', 'so:z', '3', 'c', '1', 'a', '2', 'b', '4', 'd');
  assert.equal(await c.call('SORT', 'so:z', 'BY', 'nosort'), bulks('a', 'b', 'c', 'd'));
  assert.equal(await c.call('SORT', 'so:z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'), bulks('c', 'b'));
  assert.equal(await c.call('SORT', 'so:z', 'ALPHA', 'DESC'), bulks('d', 'c', 'b', 'a'));
  c.close();
});

test('SORT STORE writes a list (replacing any value and TTL), or deletes the destination when empty', async () => {
  const c = await Conn.open(port);
  await c.call('DEL', 'so:src', 'so:out', 'so:set', 'so:sout');
  await c.call('RPUSH', 'so:src', '2', '1', '3');
  await c.call('SET', 'so:out', 'x', 'EX', '100');
  assert.equal(await c.call('SORT', 'so:src', 'STORE', 'so:out'), int(3));
  assert.equal(await c.call('TYPE', 'so:out'), '+list\r\n');
  assert.equal(await c.call('TTL', 'so:out'), int(-1));
  assert.equal(await c.call('LRANGE', 'so:out', '0', '-1'), bulks('1', '2', '3'));
  assert.equal(await c.call('SORT', 'so:src', 'GET', '#', 'GET', 'so:none_*', 'STORE', 'so:out'), int(6));
  assert.equal(await c.call('LRANGE', 'so:out', '0', '-1'), bulks('1', '', '2', '', '3', ''));
  assert.equal(await c.call('SORT', 'so:src', 'LIMIT', '5', '5', 'STORE', 'so:out'), int(0));
  assert.equal(await c.call('EXISTS', 'so:out'), int(0));
  // A set stored without sorting is sorted ALPHA, so the stored list is deterministic.
  await c.call('SADD', 'so:set', 'b', 'c', 'a');
  assert.equal(await c.call('SORT', 'so:set', 'BY', 'nosort', 'STORE', 'so:sout'), int(3));
  assert.equal(await c.call('LRANGE', 'so:sout', '0', '-1'), bulks('a', 'b', 'c'));
  assert.equal(await c.call('COMMAND', 'GETKEYS', 'SORT', 'so:src', 'LIMIT', '0', '1', 'STORE', 'so:out'), bulks('so:src', 'so:out'));
  // Only the last STORE counts.
  assert.equal(await c.call('COMMAND', 'GETKEYS', 'SORT', 'so:src', 'STORE', 'a', 'STORE', 'b', 'GET', 'c'), bulks('so:src', 'b'));
  c.close();
});

test('ioredis: SCAN stream, COPY, SORT with options, OBJECT ENCODING', async () => {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, db: 6 });
  await r.connect();
  try {
    await r.flushdb();
    for (let i = 0; i < 50; i++) await r.set(`io:k${i}`, String(i));
    const keys: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = r.scanStream({ match: 'io:k*', count: 7 });
      stream.on('data', (batch: string[]) => keys.push(...batch));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    assert.equal(new Set(keys).size, 50);
    assert.equal(await r.copy('io:k1', 'io:copy'), 1);
    assert.equal(await r.get('io:copy'), '1');
    await r.rpush('io:list', '3', '1', '2');
    assert.deepEqual(await r.sort('io:list', 'DESC'), ['3', '2', '1']);
    assert.deepEqual(await r.sort('io:list', 'LIMIT', 0, 2, 'ALPHA'), ['1', '2']);
    assert.equal(await r.object('ENCODING', 'io:k1'), 'int');
    assert.equal(await r.rename('io:k1', 'io:renamed'), 'OK');
    assert.equal(await r.renamenx('io:k2', 'io:renamed'), 0);
    await assert.rejects(r.rename('io:nothing', 'x'), /ERR no such key/);
    await r.flushdb();
  } finally {
    r.disconnect();
  }
});

test('node-redis: scanIterator with TYPE, copy with DB and REPLACE, sort with BY/GET, move, touch', async () => {
  const c = createClient({ socket: { port, host: '127.0.0.1' }, database: 7 });
  await c.connect();
  try {
    await c.flushDb();
    await c.set('nr:s', 'v');
    await c.rPush('nr:l', ['2', '1']);
    await c.hSet('nr:h', 'f', 'v');
    const lists: string[] = [];
    for await (const batch of c.scanIterator({ TYPE: 'list', COUNT: 5 })) lists.push(...batch);
    assert.deepEqual(lists, ['nr:l']);
    assert.equal(await c.copy('nr:s', 'nr:s2', { DB: 8, REPLACE: true }), 1);
    await c.mSet({ 'nr:w_1': '5', 'nr:w_2': '1' });
    assert.deepEqual(await c.sort('nr:l', { BY: 'nr:w_*', GET: ['#', 'nr:w_*'] }), ['2', '1', '1', '5']);
    assert.equal(await c.sortStore('nr:l', 'nr:sorted'), 2);
    assert.deepEqual(await c.lRange('nr:sorted', 0, -1), ['1', '2']);
    assert.equal(await c.move('nr:h', 8), 1);
    assert.equal(await c.touch(['nr:s', 'nr:h']), 1);
    await c.select(8);
    assert.equal(await c.get('nr:s2'), 'v');
    assert.equal(await c.hGet('nr:h', 'f'), 'v');
    await c.flushDb();
    await c.select(7);
    await c.flushDb();
  } finally {
    await c.quit();
  }
});
