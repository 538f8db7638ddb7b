// Functions on the node: FUNCTION LOAD/DELETE/FLUSH/LIST/DUMP/RESTORE/STATS/KILL,
// FCALL and FCALL_RO, redis.register_function with flags, error shapes as
// redis-server 7.0.15 gives them, a DUMP payload made by redis-server itself, and
// node-redis functions.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startNode, RawClient, resp } from '../support/valkey.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';

let node: ValkeyNode;
let c: RawClient;

before(async () => {
  node = await startNode({ config: { 'busy-reply-threshold': '100' } });
  c = await RawClient.connect(node.port);
});
after(async () => {
  c.close();
  await node.close();
});

async function call(client: RawClient, ...args: string[]): Promise<string> {
  client.write(resp(...args));
  return client.readUntil(complete, 5000);
}

function complete(t: string): boolean {
  return parseValue(t, 0) === t.length;
}

function parseValue(t: string, i: number): number {
  const nl = t.indexOf('\r\n', i);
  if (nl === -1) return -1;
  const type = t[i];
  const head = t.slice(i + 1, nl);
  let pos = nl + 2;
  if (type === '$' || type === '=') {
    const n = Number(head);
    if (n < 0) return pos;
    return t.length >= pos + n + 2 ? pos + n + 2 : -1;
  }
  if (type === '*' || type === '~' || type === '%') {
    const n = type === '%' ? Number(head) * 2 : Number(head);
    for (let k = 0; k < n; k++) {
      pos = parseValue(t, pos);
      if (pos === -1) return -1;
    }
  }
  return pos;
}

/** What node-redis passes to parseCommand (the part these tests use). */
interface Parser {
  push(arg: string): void;
  pushKey(key: string): void;
}

const lib = (name: string, body: string): string => `#!lua name=${name}\n${body}`;

test('FUNCTION LOAD registers functions that FCALL runs, case-insensitively, with KEYS and ARGV', async () => {
  await call(c, 'FUNCTION', 'FLUSH');
  assert.equal(await call(c, 'FUNCTION', 'LOAD', lib('mylib', "redis.register_function('setget', function(keys, args) redis.call('set', keys[1], args[1]) return redis.call('get', keys[1]) end)")), '$5\r\nmylib\r\n');
  assert.equal(await call(c, 'FCALL', 'setget', '1', 'fn:k', 'v1'), '$2\r\nv1\r\n');
  assert.equal(await call(c, 'FCALL', 'SETGET', '1', 'fn:k', 'v2'), '$2\r\nv2\r\n');
  assert.equal(await call(c, 'FCALL', 'nope', '0'), '-ERR Function not found\r\n');
  assert.equal(await call(c, 'FCALL', 'setget', 'x'), '-ERR Bad number of keys provided\r\n');
  assert.equal(await call(c, 'FCALL', 'setget', '3', 'a'), "-ERR Number of keys can't be greater than number of args\r\n");
  assert.equal(await call(c, 'FUNCTION', 'LOAD', lib('mylib', "redis.register_function('x', function() return 1 end)")), "-ERR Library 'mylib' already exists\r\n");
  assert.equal(await call(c, 'FUNCTION', 'LOAD', 'REPLACE', lib('mylib', "redis.register_function('setget', function() return 'replaced' end)")), '$5\r\nmylib\r\n');
  assert.equal(await call(c, 'FCALL', 'setget', '0'), '$8\r\nreplaced\r\n');
  assert.equal(await call(c, 'FUNCTION', 'LOAD', 'foo', lib('x', 'return')), '-ERR Unknown option given: foo\r\n');
});

test('library load errors have redis-server 7.0 wording', async () => {
  const cases: [string, string][] = [
    ['return 1', '-ERR Missing library metadata\r\n'],
    ['#!lua name=lib2\nreturn 1 +', "-ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'\r\n"],
    ['#!lua name=lib3\nerror("x")', "-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'error'\r\n"],
    ['#!lua name=lib3\nredis.register_function("g", 1)', '-ERR Error registering functions: ERR second argument to redis.register_function must be a function\r\n'],
    ['#!lua name=lib3\nreturn 1', '-ERR No functions registered\r\n'],
    ['#!lua name=lib3\nredis.call("ping")', "-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'\r\n"],
    ['#!lua name=lib3\na = 1', '-ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table\r\n'],
    ['#!bad name=lib3\nreturn 1', "-ERR Engine 'bad' not found\r\n"],
    ['#!lua name=bad-name\nreturn 1', '-ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long\r\n'],
    ['#!lua foo=bar\nreturn 1', '-ERR Invalid metadata value given: foo=bar\r\n'],
    ['#!lua\nreturn 1', '-ERR Library name was not given\r\n'],
    ["#!lua name=lib3\nredis.register_function{function_name='f', callback=function() end, flags={'bogus'}}", '-ERR Error registering functions: ERR unknown flag given\r\n'],
    ["#!lua name=lib3\nredis.register_function('dup', function() end) redis.register_function('dup', function() end)", '-ERR Error registering functions: ERR Function already exists in the library\r\n'],
    ["#!lua name=lib3\nredis.register_function('setget', function() end)", '-ERR Function setget already exists\r\n'],
    ['#!lua name=lib3\nlocal a = 1 while true do a = a + 1 end', '-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n'],
  ];
  for (const [code, expected] of cases) assert.equal(await call(c, 'FUNCTION', 'LOAD', code), expected, code);
});

test('flags: no-writes functions refuse writes, FCALL_RO refuses functions that may write', async () => {
  await call(c, 'FUNCTION', 'LOAD', 'REPLACE', lib('flagged', "redis.register_function{function_name='rw', callback=function() return redis.call('set', 'x', 1) end, flags={'no-writes'}}\nredis.register_function{function_name='reader', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}\nredis.register_function('writer', function() return 1 end)"));
  assert.equal(await call(c, 'FCALL', 'rw', '0'), '-ERR Write commands are not allowed from read-only scripts. script: rw, on @user_function:2.\r\n');
  await call(c, 'SET', 'fl:k', 'val');
  assert.equal(await call(c, 'FCALL_RO', 'reader', '1', 'fl:k'), '$3\r\nval\r\n');
  assert.equal(await call(c, 'FCALL_RO', 'writer', '0'), '-ERR Can not execute a script with write flag using *_ro command.\r\n');
  assert.equal(
    await call(c, 'FUNCTION', 'LIST', 'LIBRARYNAME', 'flag*'),
    '*1\r\n*6\r\n$12\r\nlibrary_name\r\n$7\r\nflagged\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*3\r\n' +
      '*6\r\n$4\r\nname\r\n$2\r\nrw\r\n$11\r\ndescription\r\n$-1\r\n$5\r\nflags\r\n*1\r\n+no-writes\r\n' +
      '*6\r\n$4\r\nname\r\n$6\r\nreader\r\n$11\r\ndescription\r\n$5\r\nreads\r\n$5\r\nflags\r\n*1\r\n+no-writes\r\n' +
      '*6\r\n$4\r\nname\r\n$6\r\nwriter\r\n$11\r\ndescription\r\n$-1\r\n$5\r\nflags\r\n*0\r\n',
  );
});

test('FUNCTION LIST WITHCODE, argument errors, DELETE and STATS', async () => {
  await call(c, 'FUNCTION', 'FLUSH');
  const code = lib('library1', "redis.register_function('f6', function(keys, args) return 7 end)");
  await call(c, 'FUNCTION', 'LOAD', code);
  const withCode = await call(c, 'FUNCTION', 'LIST', 'WITHCODE');
  assert.ok(withCode.includes(`$12\r\nlibrary_code\r\n$${code.length}\r\n${code}\r\n`));
  assert.equal(await call(c, 'FUNCTION', 'LIST', 'bad_argument'), '-ERR Unknown argument bad_argument\r\n');
  assert.equal(await call(c, 'FUNCTION', 'LIST', 'LIBRARYNAME'), '-ERR library name argument was not given\r\n');
  assert.equal(await call(c, 'FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'), '-ERR Unknown argument WITHCODE\r\n');
  assert.equal(await call(c, 'FUNCTION', 'STATS'), '*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:1\r\n$15\r\nfunctions_count\r\n:1\r\n');
  assert.equal(await call(c, 'FUNCTION', 'DELETE', 'nope'), '-ERR Library not found\r\n');
  assert.equal(await call(c, 'FUNCTION', 'DELETE', 'library1'), '+OK\r\n');
  assert.equal(await call(c, 'FUNCTION', 'LIST'), '*0\r\n');
  assert.equal(await call(c, 'FUNCTION', 'FLUSH', 'bad_arg'), '-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n');
  assert.equal(await call(c, 'FUNCTION', 'flush', 'sync', 'extra'), "-ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP.\r\n");
  assert.equal(await call(c, 'FUNCTION', 'KILL'), '-NOTBUSY No scripts in execution right now.\r\n');
});

test('FUNCTION DUMP and RESTORE round-trip with the APPEND, REPLACE and FLUSH policies', async () => {
  await call(c, 'FUNCTION', 'FLUSH');
  await call(c, 'FUNCTION', 'LOAD', lib('dumped', "redis.register_function('hello', function() return 'hello' end)"));
  c.write(resp('FUNCTION', 'DUMP'));
  const raw = await c.readUntil(complete, 5000);
  const payload = Buffer.from(raw.slice(raw.indexOf('\r\n') + 2, -2), 'latin1');
  await call(c, 'FUNCTION', 'DELETE', 'dumped');
  assert.equal(await call(c, 'FUNCTION', 'RESTORE', payload.toString('latin1')), '+OK\r\n');
  assert.equal(await call(c, 'FCALL', 'hello', '0'), '$5\r\nhello\r\n');
  assert.equal(await call(c, 'FUNCTION', 'RESTORE', payload.toString('latin1')), '-ERR Library dumped already exists\r\n');
  await call(c, 'FUNCTION', 'LOAD', 'REPLACE', lib('dumped', "redis.register_function('hello', function() return 'changed' end)"));
  assert.equal(await call(c, 'FUNCTION', 'RESTORE', payload.toString('latin1'), 'REPLACE'), '+OK\r\n');
  assert.equal(await call(c, 'FCALL', 'hello', '0'), '$5\r\nhello\r\n');
  await call(c, 'FUNCTION', 'LOAD', lib('other', "redis.register_function('other', function() return 1 end)"));
  assert.equal(await call(c, 'FUNCTION', 'RESTORE', payload.toString('latin1'), 'FLUSH'), '+OK\r\n');
  assert.equal(await call(c, 'FCALL', 'other', '0'), '-ERR Function not found\r\n');
  assert.equal(await call(c, 'FUNCTION', 'RESTORE', 'bad_payload'), '-ERR DUMP payload version or checksum are wrong\r\n');
  assert.equal(await call(c, 'FUNCTION', 'RESTORE', payload.toString('latin1'), 'BOGUS'), '-ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.\r\n');
  assert.equal(await call(c, 'FCALL', 'hello', '0'), '$5\r\nhello\r\n');
});

test('FUNCTION RESTORE reads a payload dumped by redis-server 7.0.15 (LZF-compressed code)', async () => {
  // FUNCTION DUMP of redis-server 7.0.15 after loading the library "mylib" (functions
  // "padded" and "ro"); its code is stored LZF-compressed, as rdbcompression does.
  const hex =
    'f5c340c341001f23216c7561206e616d653d6d796c69620a6c6f63616c2066756e6374696f6e201f7061642873292072657475726e2073202e2e20737472696e672e72657028222d0f222c2034302920656e640a72656469732016066769737465725fc0420128222043026465642029e00012086b6579732c20617267e0015a202400284010025b315d604e0029e00f4f007bc045005f60b50222726f205920b3056c6261636b3dc01c0028e000b34020409f207e126c6167733d7b226e6f2d777269746573227d7d0a00e2c9888852141b13';
  await call(c, 'FUNCTION', 'FLUSH');
  assert.equal(await call(c, 'FUNCTION', 'RESTORE', Buffer.from(hex, 'hex').toString('latin1')), '+OK\r\n');
  assert.equal(await call(c, 'FCALL', 'padded', '0', 'abc'), `$43\r\nabc${'-'.repeat(40)}\r\n`);
  assert.equal(await call(c, 'FCALL_RO', 'ro', '0'), '$2\r\nro\r\n');
});

test('a busy function answers BUSY to others; FUNCTION STATS shows it, SCRIPT KILL cannot end it, FUNCTION KILL can', async () => {
  await call(c, 'FUNCTION', 'LOAD', 'REPLACE', lib('spin', "redis.register_function('spin', function() local a = 1 while true do a = a + 1 end end)"));
  const a = await RawClient.connect(node.port);
  a.write(resp('FCALL', 'spin', '0'));
  let reply = '';
  for (let i = 0; i < 200 && !reply.startsWith('-BUSY'); i++) reply = await call(c, 'PING');
  assert.equal(reply, '-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n');
  const stats = await call(c, 'FUNCTION', 'STATS');
  assert.match(stats, /^\*4\r\n\$14\r\nrunning_script\r\n\*6\r\n\$4\r\nname\r\n\$4\r\nspin\r\n\$7\r\ncommand\r\n\*3\r\n\$5\r\nFCALL\r\n\$4\r\nspin\r\n\$1\r\n0\r\n\$11\r\nduration_ms\r\n:\d+\r\n/);
  assert.equal(await call(c, 'SCRIPT', 'KILL'), '-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n');
  assert.equal(await call(c, 'FUNCTION', 'KILL'), '+OK\r\n');
  assert.equal(await a.readUntil((t) => t.includes('\r\n'), 5000), '-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n');
  assert.equal(await call(c, 'PING'), '+PONG\r\n');
  a.close();
});

test('library code shares locals between its functions and sees the run-time redis API only when called', async () => {
  await call(c, 'FUNCTION', 'LOAD', 'REPLACE', lib('shared', "local function add1(a) return a + 1 end\nlocal lib = redis\nredis.register_function('f1', function() return add1(1) end)\nredis.register_function('f2', function() lib.register_function('f3', function() end) end)\nredis.register_function('f4', function() return redis.call('ping') end)"));
  assert.equal(await call(c, 'FCALL', 'f1', '0'), ':2\r\n');
  assert.equal(await call(c, 'FCALL', 'f2', '0'), '-ERR redis.register_function can only be called on FUNCTION LOAD command script: f2, on @user_function:5.\r\n');
  assert.equal(await call(c, 'FCALL', 'f4', '0'), '+PONG\r\n');
});

test('node-redis functions: FUNCTION LOAD through the client, then calls by library and name', async () => {
  const client = createClient({
    url: `redis://127.0.0.1:${node.port}`,
    functions: {
      mathlib: {
        square: {
          NUMBER_OF_KEYS: 0,
          parseCommand(parser: Parser, n: number) {
            parser.push(String(n));
          },
          transformReply: (reply: unknown) => reply as number,
        },
        storeSquare: {
          NUMBER_OF_KEYS: 1,
          parseCommand(parser: Parser, key: string, n: number) {
            parser.pushKey(key);
            parser.push(String(n));
          },
          transformReply: (reply: unknown) => reply as number,
        },
      },
    },
  });
  await client.connect();
  try {
    await client.functionFlush();
    const name = await client.functionLoad(
      lib('mathlib', "redis.register_function('square', function(keys, args) return args[1] * args[1] end)\n" + "redis.register_function('storeSquare', function(keys, args) local v = args[1] * args[1] redis.call('set', keys[1], v) return v end)"),
    );
    assert.equal(name, 'mathlib');
    assert.equal(await client.mathlib.square(12), 144);
    assert.equal(await client.mathlib.storeSquare('nr:sq', 3), 9);
    assert.equal(await client.get('nr:sq'), '9');
    const list = await client.functionList();
    assert.equal(list.length, 1);
    assert.equal(list[0].library_name, 'mathlib');
  } finally {
    await client.close();
  }
});
