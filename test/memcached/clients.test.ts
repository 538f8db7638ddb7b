// Real client libraries against a running node: memjs (binary protocol, with and
// without SASL) and the `memcached` package (text protocol).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import memjs from 'memjs';
import Memcached from 'memcached';
import { startMemcached } from './support.js';
import type { MemcachedNode } from '../../src/server/memcached-node.js';
import { ManualClock } from '../../src/engine/clock.js';

const quiet = { log: () => {} };

describe('memjs (binary protocol)', () => {
  let node: MemcachedNode;
  let clock: ManualClock;
  let client: memjs.Client;
  before(async () => {
    clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    node = await startMemcached({ clock });
    client = memjs.Client.create(`127.0.0.1:${node.port}`, { retries: 0, logger: quiet });
  });
  after(async () => {
    client.close();
    await node.close();
  });

  test('set and get a value; a miss is null', async () => {
    assert.equal(await client.set('mj:a', 'alpha', {}), true);
    const { value } = await client.get('mj:a');
    assert.equal(value.toString(), 'alpha');
    assert.equal((await client.get('mj:none')).value, null);
  });

  test('add and replace respect existence', async () => {
    assert.equal(await client.add('mj:add', 'one', {}), true);
    assert.equal(await client.add('mj:add', 'two', {}), false);
    assert.equal(await client.replace('mj:nothere', 'x', {}), false);
    assert.equal(await client.replace('mj:add', 'three', {}), true);
    assert.equal((await client.get('mj:add')).value.toString(), 'three');
  });

  // memjs 1.3.2's prepend() sends the APPEND opcode (0x0e), so it appends on
  // memcached too; prepend is covered by the binary-protocol and npm tests.
  test('append and delete', async () => {
    await client.set('mj:ap', 'mid', {});
    assert.equal(await client.append('mj:ap', '>'), true);
    assert.equal((await client.get('mj:ap')).value.toString(), 'mid>');
    assert.equal(await client.delete('mj:ap'), true);
    assert.equal(await client.delete('mj:ap'), false);
  });

  test('increment creates with an initial value, decrement floors at zero', async () => {
    assert.deepEqual(await client.increment('mj:n', 5, { initial: 10 }), { success: true, value: 10 });
    assert.deepEqual(await client.increment('mj:n', 5, {}), { success: true, value: 15 });
    assert.deepEqual(await client.decrement('mj:n', 100, {}), { success: true, value: 0 });
  });

  test('expiry and touch follow the node clock', async () => {
    await client.set('mj:ttl', 'v', { expires: 10 });
    clock.advance(9000);
    assert.equal((await client.get('mj:ttl')).value.toString(), 'v');
    assert.equal(await client.touch('mj:ttl', 100), true);
    clock.advance(50000);
    assert.equal((await client.get('mj:ttl')).value.toString(), 'v');
    clock.advance(60000);
    assert.equal((await client.get('mj:ttl')).value, null);
  });

  test('flush empties the cache and stats reports it', async () => {
    await client.set('mj:f', 'v', {});
    await client.flush();
    assert.equal((await client.get('mj:f')).value, null);
    const stats = await new Promise<Record<string, string>>((resolve, reject) =>
      client.stats((err: Error | null, _server: string, s: Record<string, string>) => (err ? reject(err) : resolve(s))),
    );
    assert.ok(Number(stats.cmd_flush) >= 1);
    assert.equal(stats.version, '1.6.18');
  });
});

describe('memjs with SASL', () => {
  let node: MemcachedNode;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-memjs-'));
    fs.writeFileSync(path.join(dir, 'pwdb'), 'app:pw1\n');
    node = await startMemcached({ saslPwdb: path.join(dir, 'pwdb') });
  });
  after(async () => {
    await node.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('authenticates with PLAIN and then works', async () => {
    const client = memjs.Client.create(`127.0.0.1:${node.port}`, { retries: 0, logger: quiet, username: 'app', password: 'pw1' });
    try {
      assert.equal(await client.set('s:a', 'secret', {}), true);
      assert.equal((await client.get('s:a')).value.toString(), 'secret');
    } finally {
      client.close();
    }
  });

  test('a wrong password gets an error, not data', async () => {
    const client = memjs.Client.create(`127.0.0.1:${node.port}`, { retries: 0, logger: quiet, username: 'app', password: 'nope' });
    try {
      await assert.rejects(client.get('s:a'));
    } finally {
      client.close();
    }
  });
});

describe('memcached package (text protocol)', () => {
  let node: MemcachedNode;
  let clock: ManualClock;
  let mc: Memcached;
  const call = <T>(fn: (cb: (err: Error | undefined, data: T) => void) => void): Promise<T> =>
    new Promise((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data))));
  before(async () => {
    clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    node = await startMemcached({ clock });
    mc = new Memcached(`127.0.0.1:${node.port}`, { retries: 0, timeout: 2000, idle: 0 });
  });
  after(async () => {
    mc.end();
    await node.close();
  });

  test('set, get and del round-trip strings, numbers and objects', async () => {
    assert.equal(await call((cb) => mc.set('np:s', 'hello', 0, cb)), true);
    assert.equal(await call((cb) => mc.get('np:s', cb)), 'hello');
    assert.equal(await call((cb) => mc.set('np:o', { a: [1, 2] }, 0, cb)), true);
    assert.deepEqual(await call((cb) => mc.get('np:o', cb)), { a: [1, 2] });
    assert.equal(await call((cb) => mc.del('np:s', cb)), true);
    assert.equal(await call((cb) => mc.get('np:s', cb)), undefined);
  });

  test('add, replace, append and prepend', async () => {
    assert.equal(await call((cb) => mc.add('np:a', 'x', 0, cb)), true);
    await assert.rejects(call((cb) => mc.add('np:a', 'y', 0, cb)));
    await assert.rejects(call((cb) => mc.replace('np:none', 'y', 0, cb)));
    assert.equal(await call((cb) => mc.replace('np:a', 'mid', 0, cb)), true);
    assert.equal(await call((cb) => mc.append('np:a', '>', cb)), true);
    assert.equal(await call((cb) => mc.prepend('np:a', '<', cb)), true);
    assert.equal(await call((cb) => mc.get('np:a', cb)), '<mid>');
  });

  test('gets and cas: the CAS of a read wins once, a stale one loses', async () => {
    await call((cb) => mc.set('np:c', 'v1', 0, cb));
    const got = await call<{ cas: string }>((cb) => mc.gets('np:c', cb));
    assert.equal(await call((cb) => mc.cas('np:c', 'v2', got.cas, 0, cb)), true);
    assert.equal(await call((cb) => mc.cas('np:c', 'v3', got.cas, 0, cb)), false);
    assert.equal(await call((cb) => mc.get('np:c', cb)), 'v2');
  });

  test('incr and decr', async () => {
    await call((cb) => mc.set('np:n', '10', 0, cb));
    assert.equal(await call((cb) => mc.incr('np:n', 5, cb)), 15);
    assert.equal(await call((cb) => mc.decr('np:n', 20, cb)), 0);
    assert.equal(await call((cb) => mc.incr('np:missing', 1, cb)), false);
  });

  test('getMulti returns the keys that exist', async () => {
    await call((cb) => mc.set('np:m1', 'one', 0, cb));
    await call((cb) => mc.set('np:m2', 'two', 0, cb));
    assert.deepEqual(await call((cb) => mc.getMulti(['np:m1', 'np:m2', 'np:m3'], cb)), { 'np:m1': 'one', 'np:m2': 'two' });
  });

  test('lifetimes and touch follow the node clock', async () => {
    await call((cb) => mc.set('np:t', 'v', 5, cb));
    clock.advance(4000);
    assert.equal(await call((cb) => mc.touch('np:t', 100, cb)), true);
    clock.advance(10000);
    assert.equal(await call((cb) => mc.get('np:t', cb)), 'v');
    clock.advance(100000);
    assert.equal(await call((cb) => mc.get('np:t', cb)), undefined);
  });

  test('flush empties the cache; stats and version answer', async () => {
    await call((cb) => mc.set('np:f', 'v', 0, cb));
    assert.deepEqual(await call((cb) => mc.flush(cb)), [true]);
    assert.equal(await call((cb) => mc.get('np:f', cb)), undefined);
    const [stats] = await call<Record<string, unknown>[]>((cb) => mc.stats(cb));
    assert.equal(stats.version, '1.6.18');
    const [version] = await call<Record<string, unknown>[]>((cb) => mc.version(cb));
    assert.equal(version.version, '1.6.18');
  });
});
