// Lua scripting on the node: EVAL/EVALSHA/EVAL_RO and SCRIPT, reply conversion both
// ways, error shapes (raw RESP, compared with redis-server 7.0.15's), the Lua 5.1
// surface and libraries, busy scripts and SCRIPT KILL, effects replication, and real
// clients (ioredis defineCommand, node-redis scripts).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { createClient, defineScript } from 'redis';
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

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

/** Sends a command and reads one complete RESP reply (arrays included). */
async function call(client: RawClient, ...args: string[]): Promise<string> {
  client.write(resp(...args));
  return client.readUntil(complete, 5000);
}

/** True when the text holds exactly one complete RESP value. */
function complete(t: string): boolean {
  const end = parseValue(t, 0);
  return end === t.length;
}

function parseValue(t: string, i: number): number {
  const nl = t.indexOf('\r\n', i);
  if (nl === -1) return -1;
  const type = t[i];
  const head = t.slice(i + 1, nl);
  let pos = nl + 2;
  if (type === '$' || type === '=' || type === '!') {
    const n = Number(head);
    if (n < 0) return pos;
    return t.length >= pos + n + 2 ? pos + n + 2 : -1;
  }
  if (type === '*' || type === '~' || type === '%' || type === '>') {
    let n = Number(head);
    if (type === '%') n *= 2;
    for (let k = 0; k < n; k++) {
      pos = parseValue(t, pos);
      if (pos === -1) return -1;
    }
    return pos;
  }
  return pos;
}

test('Lua values come back as RESP2 replies by the conversion rules', async () => {
  assert.equal(await call(c, 'EVAL', "return 'hello'", '0'), '$5\r\nhello\r\n');
  assert.equal(await call(c, 'EVAL', 'return 100.5', '0'), ':100\r\n');
  assert.equal(await call(c, 'EVAL', 'return -3.99', '0'), ':-3\r\n');
  assert.equal(await call(c, 'EVAL', 'return 1e300', '0'), ':-9223372036854775808\r\n');
  assert.equal(await call(c, 'EVAL', 'return true', '0'), ':1\r\n');
  assert.equal(await call(c, 'EVAL', 'return false', '0'), '$-1\r\n');
  assert.equal(await call(c, 'EVAL', 'return nil', '0'), '$-1\r\n');
  assert.equal(await call(c, 'EVAL', "return {1,2,3,'ciao',{1,2}}", '0'), '*5\r\n:1\r\n:2\r\n:3\r\n$4\r\nciao\r\n*2\r\n:1\r\n:2\r\n');
  assert.equal(await call(c, 'EVAL', 'return {1,2,nil,4}', '0'), '*2\r\n:1\r\n:2\r\n');
  assert.equal(await call(c, 'EVAL', "return {ok='fine'}", '0'), '+fine\r\n');
  assert.equal(await call(c, 'EVAL', "return {err='MY_ERR custom'}", '0'), '-MY_ERR custom\r\n');
  assert.equal(await call(c, 'EVAL', "return redis.status_reply('OK done')", '0'), '+OK done\r\n');
  assert.equal(await call(c, 'EVAL', "return redis.error_reply('')", '0'), '-ERR \r\n');
  assert.equal(await call(c, 'EVAL', 'return {KEYS[1], KEYS[2], ARGV[1]}', '2', 'k1', 'k2', 'a1'), '*3\r\n$2\r\nk1\r\n$2\r\nk2\r\n$2\r\na1\r\n');
});

test('command replies reach Lua as numbers, strings, tables, false and ok/err tables', async () => {
  await call(c, 'SET', 'conv:n', '7');
  await call(c, 'RPUSH', 'conv:l', 'a', 'b', 'c');
  const script = `
    local n = redis.call('incr', KEYS[1])
    local l = redis.call('lrange', KEYS[2], 0, -1)
    local missing = redis.call('get', 'conv:nope')
    local st = redis.call('set', 'conv:s', 'v')
    local e = redis.pcall('incr', KEYS[2])
    return {type(n), n, type(l), #l, tostring(missing), st.ok, e.err}`;
  assert.equal(
    await call(c, 'EVAL', script, '2', 'conv:n', 'conv:l'),
    '*7\r\n$6\r\nnumber\r\n:8\r\n$5\r\ntable\r\n:3\r\n$5\r\nfalse\r\n$2\r\nOK\r\n$65\r\nWRONGTYPE Operation against a key holding the wrong kind of value\r\n',
  );
});

test('script errors have redis-server 7.0 shapes, with the script name and position', async () => {
  await call(c, 'SET', 'err:s', 'x');
  const s1 = "return redis.call('incr','err:s')";
  assert.equal(await call(c, 'EVAL', s1, '0'), `-ERR value is not an integer or out of range script: ${sha1(s1)}, on @user_script:1.\r\n`);
  assert.equal(await call(c, 'EVAL', "return redis.pcall('incr','err:s')", '0'), '-ERR value is not an integer or out of range\r\n');
  const s2 = "redis.call('nosuch')";
  assert.equal(await call(c, 'EVAL', s2, '0'), `-ERR Unknown Redis command called from script script: ${sha1(s2)}, on @user_script:1.\r\n`);
  const s3 = "redis.call('get','a','b')";
  assert.equal(await call(c, 'EVAL', s3, '0'), `-ERR Wrong number of args calling Redis command from script script: ${sha1(s3)}, on @user_script:1.\r\n`);
  const s4 = "\nerror('boom')";
  assert.equal(await call(c, 'EVAL', s4, '0'), `-ERR user_script:2: boom script: ${sha1(s4)}, on @user_script:2.\r\n`);
  const s5 = 'return redis.call()';
  assert.equal(await call(c, 'EVAL', s5, '0'), `-ERR Please specify at least one argument for this redis lib call script: ${sha1(s5)}, on @user_script:1.\r\n`);
  const s6 = "return redis.call('ping', {})";
  assert.equal(await call(c, 'EVAL', s6, '0'), `-ERR Lua redis lib command arguments must be strings or integers script: ${sha1(s6)}, on @user_script:1.\r\n`);
  assert.equal(await call(c, 'EVAL', 'return 1 +', '0'), "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'\r\n");
  const s7 = "return redis.pcall('blpop','x',0)";
  assert.match(await call(c, 'EVAL', s7, '0'), /^-ERR This Redis command is not allowed from script\r\n$|^\$-1|^\*-1/);
  assert.equal(await call(c, 'EVAL', 'return 1', '-1'), "-ERR Number of keys can't be negative\r\n");
  assert.equal(await call(c, 'EVAL', 'return 1', '2', 'a'), "-ERR Number of keys can't be greater than number of args\r\n");
});

test('globals are protected: undefined globals, global writes and library tables fail', async () => {
  const s1 = 'return a';
  assert.equal(await call(c, 'EVAL', s1, '0'), `-ERR user_script:1: Script attempted to access nonexistent global variable 'a' script: ${sha1(s1)}, on @user_script:1.\r\n`);
  const s2 = 'a = 10';
  assert.equal(await call(c, 'EVAL', s2, '0'), `-ERR user_script:1: Attempt to modify a readonly table script: ${sha1(s2)}, on @user_script:1.\r\n`);
  const s3 = 'setmetatable(_G, {})';
  assert.equal(await call(c, 'EVAL', s3, '0'), `-ERR Attempt to modify a readonly table script: ${sha1(s3)}, on @user_script:1.\r\n`);
  for (const s of ['redis.call = function() return 1 end', 'cjson.encode = 1', 'bit.lshift = 1', 'cmsgpack.pack = 1', 'rawset(string, "x", 1)']) {
    assert.match(await call(c, 'EVAL', s, '0'), /Attempt to modify a readonly table/);
  }
  for (const name of ['print', 'loadfile', 'dofile', 'require', 'os', 'io']) {
    assert.match(await call(c, 'EVAL', `return ${name}`, '0'), new RegExp(`nonexistent global variable '${name}'`));
  }
  const s4 = "local t = {} t.x.y = 1";
  assert.equal(await call(c, 'EVAL', s4, '0'), `-ERR user_script:1: attempt to index field 'x' (a nil value) script: ${sha1(s4)}, on @user_script:1.\r\n`);
});

test('EVALSHA runs cached scripts; SCRIPT LOAD, EXISTS and FLUSH manage the cache', async () => {
  const body = "return 'loaded'";
  assert.equal(await call(c, 'SCRIPT', 'LOAD', body), `$40\r\n${sha1(body)}\r\n`);
  assert.equal(await call(c, 'EVALSHA', sha1(body), '0'), '$6\r\nloaded\r\n');
  assert.equal(await call(c, 'EVALSHA', sha1(body).toUpperCase(), '0'), '$6\r\nloaded\r\n');
  assert.equal(await call(c, 'EVALSHA', 'NotValidShaSUM', '0'), '-NOSCRIPT No matching script. Please use EVAL.\r\n');
  assert.equal(await call(c, 'SCRIPT', 'EXISTS', sha1(body), 'ffd632c7d33e571e9f24556ebed26c3479a87130'), '*2\r\n:1\r\n:0\r\n');
  assert.equal(await call(c, 'SCRIPT', 'FLUSH', 'BAD'), '-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n');
  assert.equal(await call(c, 'SCRIPT', 'FLUSH'), '+OK\r\n');
  assert.equal(await call(c, 'EVALSHA', sha1(body), '0'), '-NOSCRIPT No matching script. Please use EVAL.\r\n');
  assert.equal(await call(c, 'SCRIPT', 'KILL'), '-NOTBUSY No scripts in execution right now.\r\n');
});

test('read-only scripts cannot write: EVAL_RO, no-writes shebang, and the flags are checked', async () => {
  await call(c, 'SET', 'ro:k', 'v');
  assert.equal(await call(c, 'EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'ro:k'), '$1\r\nv\r\n');
  const s = "return redis.call('del', KEYS[1])";
  assert.equal(await call(c, 'EVAL_RO', s, '1', 'ro:k'), `-ERR Write commands are not allowed from read-only scripts. script: ${sha1(s)}, on @user_script:1.\r\n`);
  const s2 = "#!lua flags=no-writes\nreturn redis.call('set', 'ro:k', 'x')";
  assert.match(await call(c, 'EVAL', s2, '0'), /^-ERR Write commands are not allowed from read-only scripts\./);
  assert.equal(await call(c, 'EVAL_RO', "#!lua\nreturn 1", '0'), '-ERR Can not execute a script with write flag using *_ro command.\r\n');
  assert.equal(await call(c, 'EVAL', '#!lua flags=bogus\nreturn 1', '0'), '-ERR Unexpected flag in script shebang: bogus\r\n');
  assert.equal(await call(c, 'EVAL', '#!python\nreturn 1', '0'), '-ERR Unexpected engine in script shebang: #!python\r\n');
  assert.equal(await call(c, 'GET', 'ro:k'), '$1\r\nv\r\n');
});

test('Lua 5.1 numbers: doubles formatted with %.14g, no integer wrap-around, 5.1 library functions', async () => {
  const script = `return table.concat({
    tostring(10/2), 1e15, 2^53, 0.1, 1700000000 * 1000, 2147483647 + 1, tostring(0/0),
    0xffffffff, math.floor(3.7), string.format('%d|%5.2f|%x|%s', 3.7, 2.5, 255, 1e100),
    unpack({'u'}), table.getn({1,2,3}), math.mod(7, 3), select('#', loadstring('return 1')),
    _VERSION }, ' ')`;
  assert.equal(
    await call(c, 'EVAL', script, '0'),
    '$168\r\n5 1e+15 9.007199254741e+15 0.1 1700000000000 2147483648 -nan 4294967295 3 3| 2.50|ff|1e+100 u 3 1 1 Lua 5.1\r\n'.replace('$168', '$' + '5 1e+15 9.007199254741e+15 0.1 1700000000000 2147483648 -nan 4294967295 3 3| 2.50|ff|1e+100 u 3 1 1 Lua 5.1'.length),
  );
  // Numbers passed to commands keep full precision (%.17g).
  assert.equal(await call(c, 'EVAL', "redis.call('set','num:k', 9007199254740991) return redis.call('get','num:k')", '0'), '$16\r\n9007199254740991\r\n');
  assert.equal(await call(c, 'EVAL', "redis.call('set','num:f', 0.1) return redis.call('get','num:f')", '0'), '$19\r\n0.10000000000000001\r\n');
  // Bytecode is refused, as Redis does.
  assert.match(await call(c, 'EVAL', 'return loadstring(string.dump(function() return 1 end))()', '0'), /attempt to call a nil value/);
});

test('cjson, cmsgpack, bit and struct behave as the libraries Redis ships', async () => {
  const cases: [string, string][] = [
    ["return cjson.encode({1,2,{a=1}})", '[1,2,{"a":1}]'],
    ["return cjson.encode(cjson.decode('{\"keya\": \"a\", \"keyb\": [1, 2.5, null]}'))", '{"keya":"a","keyb":[1,2.5,null]}'],
    ["return table.concat(cjson.decode('[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]'), ' ')", '0 -5000 -1 0.0003 1023.2 0'],
    ["return cjson.encode('a/b\"\\1')", '"a\\/b\\"\\u0001"'],
    ["local e = cmsgpack.pack(0.1) local h = '' for i=1,#e do h = h .. string.format('%02x', e:byte(i)) end return h", 'cb3fb999999999999a'],
    ["local e = cmsgpack.pack(-1099511627776) local h = '' for i=1,#e do h = h .. string.format('%02x', e:byte(i)) end return h", 'd3ffffff0000000000'],
    ["local t = cmsgpack.unpack(cmsgpack.pack({a={1,2,'x'}, b=true})) return t.a[3] .. tostring(t.b)", 'xtrue'],
    ['return bit.tohex(65535, -4) .. bit.tohex(bit.bnot(0)) .. bit.tobit(0xffffffff) .. bit.band(0xf0, 0x3c)', 'FFFFffffffff-148'],
    ["local s = struct.pack('>I2c3', 258, 'abc') return s:byte(1) .. ',' .. s:byte(2) .. ',' .. struct.size('>I2c3') .. ',' .. select(2, struct.unpack('>I2c3', s))", '1,2,5,abc'],
    ["return redis.sha1hex('Pizza & Mandolino')", '74822d82031af7493c20eefa13bd07ec4fada82f'],
  ];
  for (const [script, expected] of cases) {
    assert.equal(await call(c, 'EVAL', script, '0'), `$${Buffer.byteLength(expected, 'latin1')}\r\n${expected}\r\n`, script);
  }
  const s = "return cjson.encode({[1]=1,[30]=3})";
  assert.equal(await call(c, 'EVAL', s, '0'), `-ERR user_script:1: Cannot serialise table: excessively sparse array script: ${sha1(s)}, on @user_script:1.\r\n`);
  const s2 = "return cjson.decode('[1,2')";
  assert.equal(await call(c, 'EVAL', s2, '0'), `-ERR user_script:1: Expected comma or array end but found T_END at character 5 script: ${sha1(s2)}, on @user_script:1.\r\n`);
});

test('RESP3: scripts choose their protocol with redis.setresp, the caller gets its own', async () => {
  const r3 = await RawClient.connect(node.port);
  await call(r3, 'HELLO', '3');
  await call(r3, 'HSET', 'resp:h', 'field', 'value');
  assert.equal(await call(r3, 'EVAL', "redis.setresp(3) return redis.call('hgetall', KEYS[1])", '1', 'resp:h'), '%1\r\n$5\r\nfield\r\n$5\r\nvalue\r\n');
  assert.equal(await call(r3, 'EVAL', "redis.setresp(2) return redis.call('hgetall', KEYS[1])", '1', 'resp:h'), '*2\r\n$5\r\nfield\r\n$5\r\nvalue\r\n');
  assert.equal(await call(r3, 'EVAL', "redis.setresp(3) local m = redis.call('hgetall', KEYS[1]) return m.map.field", '1', 'resp:h'), '$5\r\nvalue\r\n');
  assert.equal(await call(r3, 'EVAL', "return {double=3.5}", '0'), ',3.5\r\n');
  assert.equal(await call(r3, 'EVAL', "redis.setresp(3) return false", '0'), '#f\r\n');
  assert.equal(await call(r3, 'EVAL', "return {set={a=true}}", '0'), '~1\r\n$1\r\na\r\n');
  // A RESP2 caller gets RESP2 whatever the script used.
  assert.equal(await call(c, 'EVAL', "redis.setresp(3) return redis.call('hgetall', KEYS[1])", '1', 'resp:h'), '*2\r\n$5\r\nfield\r\n$5\r\nvalue\r\n');
  assert.equal(await call(c, 'EVAL', "return {double=3.5}", '0'), '$3\r\n3.5\r\n');
  r3.close();
});

test('a script past busy-reply-threshold makes others get BUSY; SCRIPT KILL ends it and its pipeline continues', async () => {
  const a = await RawClient.connect(node.port);
  const b = await RawClient.connect(node.port);
  const script = 'while true do end';
  a.write(Buffer.concat([resp('EVAL', script, '0'), resp('PING')]));
  let reply = '';
  for (let i = 0; i < 200 && !reply.startsWith('-BUSY'); i++) reply = await call(b, 'PING');
  assert.equal(reply, '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
  assert.equal(await call(b, 'FUNCTION', 'KILL'), '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
  assert.equal(await call(b, 'SCRIPT', 'KILL'), '+OK\r\n');
  const out = await a.readUntil((t) => t.endsWith('+PONG\r\n'), 5000);
  assert.equal(out, `-ERR Script killed by user with SCRIPT KILL... script: ${sha1(script)}, on @user_script:1.\r\n+PONG\r\n`);
  assert.equal(await call(b, 'PING'), '+PONG\r\n');
  a.close();
  b.close();
});

test('pcall cannot catch SCRIPT KILL', async () => {
  const a = await RawClient.connect(node.port);
  const b = await RawClient.connect(node.port);
  a.write(resp('EVAL', "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end", '0'));
  let reply = '';
  for (let i = 0; i < 200 && !reply.startsWith('-BUSY'); i++) reply = await call(b, 'PING');
  assert.match(reply, /^-BUSY/);
  assert.equal(await call(b, 'SCRIPT', 'KILL'), '+OK\r\n');
  assert.match(await a.readUntil((t) => t.includes('\r\n'), 5000), /^-ERR Script killed by user with SCRIPT KILL\.\.\./);
  a.close();
  b.close();
});

test('a busy script that wrote cannot be killed and finishes with its result', async () => {
  const a = await RawClient.connect(node.port);
  const b = await RawClient.connect(node.port);
  // Busy for about a second of real time (TIME is not frozen), after one write.
  a.write(
    resp(
      'EVAL',
      "redis.call('set', KEYS[1], 'y') local t0 = tonumber(redis.call('time')[1]) * 1000000 + tonumber(redis.call('time')[2]) " +
        "while true do local t = redis.call('time') if tonumber(t[1]) * 1000000 + tonumber(t[2]) - t0 > 1000000 then break end end return 'done'",
      '1',
      'busy:k',
    ),
  );
  let reply = '';
  for (let i = 0; i < 200 && !reply.startsWith('-BUSY'); i++) reply = await call(b, 'PING');
  assert.match(reply, /^-BUSY/);
  assert.equal(
    await call(b, 'SCRIPT', 'KILL'),
    '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n',
  );
  assert.equal(await a.readUntil((t) => t.includes('\r\n'), 10000), '$4\r\ndone\r\n');
  assert.equal(await call(b, 'GET', 'busy:k'), '$1\r\ny\r\n');
  a.close();
  b.close();
});

test('scripts are replicated as their effects, and SELECT inside a script does not move the caller', async () => {
  const seen: string[] = [];
  const hook = node.propagateHook;
  node.propagateHook = (db, argv) => seen.push(`${db}:${argv.strings().join(' ')}`);
  try {
    const script = "redis.call('set', KEYS[1], 'a') redis.call('get', KEYS[1]) redis.call('select', '3') redis.call('incr', KEYS[1]) return 1";
    assert.equal(await call(c, 'EVAL', script, '1', 'eff:k'), ':1\r\n');
  } finally {
    node.propagateHook = hook;
  }
  assert.deepEqual(seen, ['0:set eff:k a', '3:incr eff:k']);
  assert.equal(await call(c, 'GET', 'eff:k'), '$1\r\na\r\n');
});

test('a script inside MULTI/EXEC runs with the transaction', async () => {
  const m = await RawClient.connect(node.port);
  await call(m, 'MULTI');
  assert.equal(await call(m, 'EVAL', "return redis.call('incrby', KEYS[1], ARGV[1])", '1', 'tx:k', '5'), '+QUEUED\r\n');
  assert.equal(await call(m, 'EVAL', "return redis.call('get', KEYS[1])", '1', 'tx:k'), '+QUEUED\r\n');
  assert.equal(await call(m, 'EXEC'), '*2\r\n:5\r\n$1\r\n5\r\n');
  m.close();
});

test('MONITOR shows EVAL first, then the commands the script ran as "lua"', async () => {
  const m = await RawClient.connect(node.port);
  assert.equal(await call(m, 'MONITOR'), '+OK\r\n');
  await call(c, 'EVAL', "redis.call('set',KEYS[1],ARGV[1])", '1', 'mon:foo', 'bar');
  const lines = await m.readUntil((t) => t.split('\r\n').length > 2, 5000);
  const [first, second] = lines.split('\r\n');
  assert.match(first, /^\+\d+\.\d+ \[0 127\.0\.0\.1:\d+\] "EVAL" /);
  assert.match(second, /^\+\d+\.\d+ \[0 lua\] "set" "mon:foo" "bar"$/);
  m.close();
});

test('a returned table nested too deep ends in "reached lua stack limit", and the connection stays usable', async () => {
  const r = await RawClient.connect(node.port);
  r.write(resp('EVAL', 'local a = {}; local b = {a}; a[1] = b; return a', '0'));
  const out = await r.readUntil((t) => t.includes('-ERR reached lua stack limit\r\n'), 10000);
  const lines = out.split('\r\n').filter((l) => l !== '');
  assert.equal(lines[lines.length - 1], '-ERR reached lua stack limit');
  assert.ok(lines.slice(0, -1).every((l) => l === '*1'));
  assert.equal(await call(r, 'PING'), '+PONG\r\n');
  r.close();
});

test('INFO memory counts cached scripts, and SCRIPT FLUSH empties the cache', async () => {
  await call(c, 'SCRIPT', 'FLUSH');
  for (let j = 0; j < 5; j++) await call(c, 'SCRIPT', 'LOAD', `return ${j}`);
  assert.match(await call(c, 'INFO', 'memory'), /number_of_cached_scripts:5\r\n/);
  await call(c, 'SCRIPT', 'FLUSH', 'ASYNC');
  assert.match(await call(c, 'INFO', 'memory'), /number_of_cached_scripts:0\r\n/);
});

test('min-replicas-to-write without replicas refuses scripts that may write, not read-only ones', async () => {
  await call(c, 'SET', 'mr:x', 'some value');
  await call(c, 'CONFIG', 'SET', 'min-replicas-to-write', '1');
  try {
    assert.equal(await call(c, 'EVAL', "#!lua flags=no-writes\nreturn redis.call('get','mr:x')", '0'), '$10\r\nsome value\r\n');
    assert.equal(await call(c, 'EVAL', "return redis.call('get','mr:x')", '0'), '$10\r\nsome value\r\n');
    assert.equal(await call(c, 'EVAL', "#!lua\nreturn redis.call('get','mr:x')", '0'), '-NOREPLICAS Not enough good replicas to write.\r\n');
    assert.match(await call(c, 'EVAL', "return redis.call('set','mr:x', 1)", '0'), /^-NOREPLICAS Not enough good replicas to write\. script: /);
  } finally {
    await call(c, 'CONFIG', 'SET', 'min-replicas-to-write', '0');
  }
});

test('string methods cannot be replaced through the shared string metatable', async () => {
  assert.match(await call(c, 'EVAL', "getmetatable('').__index = {upper = function() return 'pwned' end}", '0'), /Attempt to modify a readonly table/);
  assert.equal(await call(c, 'EVAL', "return ('abc'):upper()", '0'), '$3\r\nABC\r\n');
});

test('ioredis defineCommand: a token-bucket rate limiter', async () => {
  const redis = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: true });
  await redis.connect();
  try {
    redis.defineCommand('takeToken', {
      numberOfKeys: 1,
      lua: `
        local capacity = tonumber(ARGV[1])
        local refill_per_ms = tonumber(ARGV[2])
        local now = tonumber(ARGV[3])
        local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
        local tokens = tonumber(b[1]) or capacity
        local ts = tonumber(b[2]) or now
        tokens = math.min(capacity, tokens + (now - ts) * refill_per_ms)
        local allowed = 0
        if tokens >= 1 then tokens = tokens - 1 allowed = 1 end
        redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
        redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / refill_per_ms))
        return {allowed, tostring(tokens)}`,
    });
    const take = (redis as unknown as { takeToken(k: string, ...a: (string | number)[]): Promise<[number, string]> }).takeToken.bind(redis);
    const now = 1700000000000;
    const results: number[] = [];
    for (let i = 0; i < 5; i++) results.push((await take('bucket:user1', 3, 0.001, now))[0]);
    assert.deepEqual(results, [1, 1, 1, 0, 0]);
    // A second later one token came back.
    assert.deepEqual(await take('bucket:user1', 3, 0.001, now + 1000), [1, '0']);
    assert.ok((await redis.pttl('bucket:user1')) > 0);
  } finally {
    redis.disconnect();
  }
});

test('ioredis defineCommand: a BullMQ-style queue adds, claims and completes jobs atomically', async () => {
  const redis = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: true });
  await redis.connect();
  try {
    redis.defineCommand('addJob', {
      numberOfKeys: 3,
      // KEYS: id counter, wait list, job hash prefix; ARGV: name, data
      lua: `
        local id = redis.call('INCR', KEYS[1])
        local key = KEYS[3] .. id
        redis.call('HSET', key, 'name', ARGV[1], 'data', ARGV[2], 'state', 'waiting')
        redis.call('LPUSH', KEYS[2], id)
        return id`,
    });
    redis.defineCommand('moveToActive', {
      numberOfKeys: 3,
      // KEYS: wait list, active list, job hash prefix
      lua: `
        local id = redis.call('RPOPLPUSH', KEYS[1], KEYS[2])
        if not id then return nil end
        local key = KEYS[3] .. id
        redis.call('HSET', key, 'state', 'active')
        return {id, redis.call('HGET', key, 'name'), redis.call('HGET', key, 'data')}`,
    });
    redis.defineCommand('complete', {
      numberOfKeys: 2,
      lua: `
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return redis.error_reply('ERR job not active') end
        redis.call('HSET', KEYS[2] .. ARGV[1], 'state', 'completed', 'result', ARGV[2])
        return 'OK'`,
    });
    const q = redis as unknown as {
      addJob(...a: string[]): Promise<number>;
      moveToActive(...a: string[]): Promise<[string, string, string] | null>;
      complete(...a: string[]): Promise<string>;
    };
    const keys = ['q:id', 'q:wait', 'q:job:'];
    assert.equal(await q.addJob(...keys, 'email', '{"to":"a"}'), 1);
    assert.equal(await q.addJob(...keys, 'email', '{"to":"b"}'), 2);
    assert.deepEqual(await q.moveToActive('q:wait', 'q:active', 'q:job:'), ['1', 'email', '{"to":"a"}']);
    assert.equal(await q.complete('q:active', 'q:job:', '1', 'sent'), 'OK');
    await assert.rejects(q.complete('q:active', 'q:job:', '1', 'again'), /job not active/);
    assert.deepEqual(await redis.hgetall('q:job:1'), { name: 'email', data: '{"to":"a"}', state: 'completed', result: 'sent' });
    assert.deepEqual(await q.moveToActive('q:wait', 'q:active', 'q:job:'), ['2', 'email', '{"to":"b"}']);
    assert.equal(await q.moveToActive('q:wait', 'q:active', 'q:job:'), null);
  } finally {
    redis.disconnect();
  }
});

test('node-redis scripts: EVALSHA with the EVAL fallback, and EVAL_RO', async () => {
  const incrBy = defineScript({
    SCRIPT: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
    NUMBER_OF_KEYS: 1,
    parseCommand(parser, key: string, n: number) {
      parser.pushKey(key);
      parser.push(String(n));
    },
    transformReply: (reply: unknown) => reply as number,
  });
  const client = createClient({ url: `redis://127.0.0.1:${node.port}`, scripts: { incrBy } });
  await client.connect();
  try {
    await client.scriptFlush();
    assert.equal(await client.incrBy('nr:counter', 5), 5); // NOSCRIPT, then EVAL
    assert.equal(await client.incrBy('nr:counter', 2), 7); // EVALSHA
    assert.equal(await client.evalRo("return redis.call('GET', KEYS[1])", { keys: ['nr:counter'] }), '7');
    await assert.rejects(client.evalRo("return redis.call('DEL', KEYS[1])", { keys: ['nr:counter'] }), /Write commands are not allowed from read-only scripts/);
  } finally {
    await client.close();
  }
});
