// redis-cli (Debian redis-tools 7.0) against a running node: plain commands, the
// --no-raw and --raw renderings of each reply type, RESP3 with -3, --pipe mass
// insertion, commands read from stdin (which makes redis-cli fetch COMMAND DOCS first),
// -x, -n, -r, --scan and logging in with -a / --user --pass. The expected texts are
// what redis-cli prints against redis-server 7.0.15.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startNode } from '../support/valkey.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';

let node: ValkeyNode;
before(async () => {
  node = await startNode();
});
after(async () => {
  await node.close();
});

interface CliResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs redis-cli against the node (stdout is a pipe, so its default is --raw). */
function cli(args: string[], input?: string | Buffer, port = node.port): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-p', String(port), ...args]);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill(), 15000);
    child.stdout.on('data', (d) => (stdout += d.toString('latin1')));
    child.stderr.on('data', (d) => (stderr += d.toString('latin1')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    child.stdin.end(input ?? '');
  });
}

async function out(...args: string[]): Promise<string> {
  const r = await cli(args);
  assert.equal(r.stderr, '');
  return r.stdout;
}

test('plain commands: SET, GET, INCR, list and hash replies', async () => {
  assert.equal(await out('FLUSHALL'), 'OK\n');
  assert.equal(await out('SET', 'greeting', 'hello world'), 'OK\n');
  assert.equal(await out('GET', 'greeting'), 'hello world\n');
  assert.equal(await out('INCR', 'n'), '1\n');
  assert.equal(await out('RPUSH', 'l', 'a', 'b c', ''), '3\n');
  assert.equal(await out('LRANGE', 'l', '0', '-1'), 'a\nb c\n\n');
  assert.equal(await out('HSET', 'h', 'f', 'v', 'g', 'w x'), '2\n');
  assert.equal(await out('HGETALL', 'h'), 'f\nv\ng\nw x\n');
  assert.equal(await out('EXISTS', 'greeting', 'nosuch'), '1\n');
  assert.equal(await out('DEL', 'greeting'), '1\n');
});

test('--no-raw renders every reply type as redis-cli does for redis-server', async () => {
  await out('FLUSHALL');
  await out('SET', 's', 'hello world');
  await out('RPUSH', 'l', 'a', 'b c', '');
  await out('ZADD', 'z', '1.5', 'a', '2', 'b');
  const nr = (...args: string[]) => out('--no-raw', ...args);
  assert.equal(await nr('GET', 's'), '"hello world"\n');
  assert.equal(await nr('GET', 'nokey'), '(nil)\n');
  assert.equal(await nr('INCR', 'n'), '(integer) 1\n');
  assert.equal(await nr('LRANGE', 'l', '0', '-1'), '1) "a"\n2) "b c"\n3) ""\n');
  assert.equal(await nr('LRANGE', 'nokey', '0', '-1'), '(empty array)\n');
  assert.equal(await nr('ZRANGE', 'z', '0', '-1', 'WITHSCORES'), '1) "a"\n2) "1.5"\n3) "b"\n4) "2"\n');
  assert.equal(await nr('LPUSH', 's', 'x'), '(error) WRONGTYPE Operation against a key holding the wrong kind of value\n');
  assert.equal(await nr('PING'), 'PONG\n');
  assert.equal(await nr('ECHO', 'a\nb\x01'), '"a\\nb\\x01"\n');
  assert.equal(await nr('CONFIG', 'GET', 'maxmemory'), '1) "maxmemory"\n2) "0"\n');
  assert.equal(await nr('CLIENT', 'SETNAME', 'a b'), '(error) ERR Client names cannot contain spaces, newlines or special characters.\n');
});

test('--raw prints values bare: nil and an empty array as an empty line, errors without "(error)" and with a blank line', async () => {
  await out('SET', 's', 'hello world');
  const raw = (...args: string[]) => out('--raw', ...args);
  assert.equal(await raw('GET', 's'), 'hello world\n');
  assert.equal(await raw('GET', 'nokey'), '\n');
  assert.equal(await raw('INCR', 'n2'), '1\n');
  assert.equal(await raw('LRANGE', 'nokey', '0', '-1'), '\n');
  assert.equal(await raw('LPUSH', 's', 'x'), 'WRONGTYPE Operation against a key holding the wrong kind of value\n\n');
  assert.equal(await raw('ECHO', 'a\nb'), 'a\nb\n');
});

test('-3 speaks RESP3: maps, doubles, sets and the null', async () => {
  await out('HSET', 'h3', 'f', 'v', 'g', 'w x');
  await out('ZADD', 'z3', '1.5', 'a', '2', 'b');
  const r3 = (...args: string[]) => out('-3', '--no-raw', ...args);
  assert.equal(await r3('HGETALL', 'h3'), '1# "f" => "v"\n2# "g" => "w x"\n');
  assert.equal(await r3('ZRANGE', 'z3', '0', '-1', 'WITHSCORES'), '1) 1) "a"\n   2) (double) 1.5\n2) 1) "b"\n   2) (double) 2\n');
  assert.equal(await r3('ZSCORE', 'z3', 'a'), '(double) 1.5\n');
  assert.equal(await r3('GET', 'nokey'), '(nil)\n');
  assert.equal(await r3('SMEMBERS', 'nokey'), '(empty set)\n');
  assert.equal(await r3('CONFIG', 'GET', 'maxmemory'), '1# "maxmemory" => "0"\n');
  assert.match(await r3('HELLO', '3'), /^1# "server" => "redis"\n2# "version" => "[\d.]+"\n3# "proto" => \(integer\) 3\n4# "id" => \(integer\) \d+\n5# "mode" => "standalone"\n6# "role" => "master"\n7# "modules" => \(empty array\)\n$/);
  assert.equal(await out('-3', '--raw', 'HGETALL', 'h3'), 'f v\ng w x\n');
});

test('--pipe: a mass insertion of 1000 SETs plus one failing INCR is counted as redis-cli counts it', async () => {
  const frames: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const k = `pipe:${i}`;
    const v = `v${i}`;
    frames.push(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`);
  }
  frames.push('*2\r\n$4\r\nINCR\r\n$6\r\npipe:1\r\n');
  const r = await cli(['--pipe'], frames.join(''));
  assert.equal(r.stdout, 'All data transferred. Waiting for the last reply...\nLast reply received from server.\nerrors: 1, replies: 1001\n');
  assert.equal(r.code, 1, 'an error in the stream makes redis-cli exit 1');
  assert.equal(await out('GET', 'pipe:999'), 'v999\n');
  const clean = await cli(['--pipe'], 'SET a 1\r\nINCR a\r\nGET a\r\n');
  assert.equal(clean.stdout, 'All data transferred. Waiting for the last reply...\nLast reply received from server.\nerrors: 0, replies: 3\n');
  assert.equal(clean.code, 0);
});

test('commands read from stdin line by line (redis-cli loads COMMAND DOCS for its hints first)', async () => {
  const r = await cli([], 'SET a 1\nINCR a\nGET a\n');
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'OK\n2\n2\n');
});

test('-x takes the last argument from stdin; -n selects a database; -r repeats; --scan walks the keys', async () => {
  assert.equal((await cli(['-x', 'SET', 'fromstdin'], 'hello\n')).stdout, 'OK\n');
  assert.equal(await out('GET', 'fromstdin'), 'hello\n\n');
  assert.equal(await out('-n', '2', 'SET', 'indb2', '1'), 'OK\n');
  assert.equal(await out('-n', '2', 'DBSIZE'), '1\n');
  assert.equal(await out('--no-raw', '-r', '3', 'INCR', 'repeated'), '(integer) 1\n(integer) 2\n(integer) 3\n');
  const scanned = (await out('--scan', '--pattern', 'pipe:99*')).split('\n').filter((l) => l !== '').sort();
  assert.deepEqual(scanned, ['pipe:99', ...Array.from({ length: 10 }, (_, i) => `pipe:99${i}`)].sort());
});

test('-a and --user/--pass log in; a wrong password is reported the way redis-cli reports it', async () => {
  assert.equal(await out('CONFIG', 'SET', 'requirepass', 'clipw'), 'OK\n');
  try {
    assert.equal((await cli(['--no-auth-warning', '-a', 'clipw', 'PING'])).stdout, 'PONG\n');
    assert.equal((await cli(['--no-auth-warning', '-a', 'clipw', 'ACL', 'SETUSER', 'cliuser', 'on', '>upw', '+@all', '~*'])).stdout, 'OK\n');
    assert.equal((await cli(['--no-auth-warning', '--user', 'cliuser', '--pass', 'upw', 'ACL', 'WHOAMI'])).stdout, 'cliuser\n');
    const bad = await cli(['--no-auth-warning', '-a', 'wrong', 'PING']);
    assert.match(bad.stderr + bad.stdout, /WRONGPASS invalid username-password pair or user is disabled\./);
    assert.equal((await cli(['PING'])).stdout, 'NOAUTH Authentication required.\n\n');
  } finally {
    await cli(['--no-auth-warning', '-a', 'clipw', 'CONFIG', 'SET', 'requirepass', '']);
  }
});
