// Streams with consumer groups, geo queries and client-side caching, through real
// client libraries (ioredis and node-redis) against an in-process node.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startNode } from '../support/valkey.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';

let node: ValkeyNode;
before(async () => {
  node = await startNode();
});
after(async () => {
  await node.close();
});

test('a consumer group hands each entry to one consumer, tracks it as pending until XACK', async () => {
  const r = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: true });
  await r.connect();
  try {
    await r.del('jobs');
    await r.xgroup('CREATE', 'jobs', 'workers', '$', 'MKSTREAM');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await r.xadd('jobs', '*', 'n', String(i))) as string);
    const a = (await r.xreadgroup('GROUP', 'workers', 'alice', 'COUNT', 2, 'STREAMS', 'jobs', '>')) as [string, [string, string[]][]][];
    const b = (await r.xreadgroup('GROUP', 'workers', 'bob', 'COUNT', 2, 'STREAMS', 'jobs', '>')) as [string, [string, string[]][]][];
    assert.deepEqual(a[0][1].map((e) => e[0]), ids.slice(0, 2));
    assert.deepEqual(b[0][1].map((e) => e[0]), ids.slice(2, 4));
    assert.deepEqual(a[0][1][0][1], ['n', '0']);
    const summary = (await r.xpending('jobs', 'workers')) as [number, string, string, [string, string][]];
    assert.equal(summary[0], 4);
    assert.deepEqual(summary[3], [
      ['alice', '2'],
      ['bob', '2'],
    ]);
    assert.equal(await r.xack('jobs', 'workers', ids[0], ids[1]), 2);
    const after = (await r.xpending('jobs', 'workers', '-', '+', 10)) as [string, string, number, number][];
    assert.deepEqual(after.map((p) => p[0]), ids.slice(2));
    // bob's entries can be claimed by carol once idle long enough (0 ms here).
    const claimed = (await r.xautoclaim('jobs', 'workers', 'carol', 0, '0-0', 'COUNT', 10)) as [string, [string, string[]][], string[]];
    assert.equal(claimed[0], '0-0');
    assert.deepEqual(claimed[1].map((e) => e[0]), ids.slice(2));
    const groups = (await r.xinfo('GROUPS', 'jobs')) as unknown[][];
    assert.equal(groups.length, 1);
    const g = groups[0] as (string | number)[];
    assert.equal(g[g.indexOf('name') + 1], 'workers');
    assert.equal(g[g.indexOf('pending') + 1], 2);
    assert.equal(g[g.indexOf('lag') + 1], 0);
  } finally {
    r.disconnect();
  }
});

test('a blocked XREAD wakes with the entry XADD appends, and MAXLEN ~ trims whole nodes', async () => {
  const reader = createClient({ socket: { port: node.port, host: '127.0.0.1' } });
  const writer = createClient({ socket: { port: node.port, host: '127.0.0.1' } });
  await reader.connect();
  await writer.connect();
  try {
    await writer.del('events');
    const pending = reader.xRead({ key: 'events', id: '$' }, { BLOCK: 5000 });
    await new Promise((r) => setTimeout(r, 100));
    const id = await writer.xAdd('events', '*', { kind: 'click' });
    const got = await pending;
    assert.ok(got);
    const first = (got as unknown as { name: string; messages: { id: string; message: Record<string, string> }[] }[])[0];
    assert.equal(first.name, 'events');
    assert.equal(first.messages[0].id, id);
    assert.deepEqual({ ...first.messages[0].message }, { kind: 'click' });

    await writer.configSet('stream-node-max-entries', '100');
    for (let i = 0; i < 1000; i++) await writer.sendCommand(['XADD', 'trimmed', 'MAXLEN', '~', '555', '*', 'i', String(i)]);
    // Approximate trimming only drops whole 100-entry nodes: 600 remain, as in Redis.
    assert.equal(await writer.xLen('trimmed'), 600);
  } finally {
    await reader.quit();
    await writer.quit();
  }
});

test('geo: distances, positions, hashes and radius searches agree with Redis', async () => {
  const r = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: true });
  await r.connect();
  try {
    await r.del('Sicily');
    assert.equal(await r.geoadd('Sicily', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania'), 2);
    // redis-server 7.0 gives these exact strings for the same input.
    assert.equal(await r.geodist('Sicily', 'Palermo', 'Catania', 'KM'), '166.2742');
    assert.deepEqual(await r.geohash('Sicily', 'Palermo', 'Catania'), ['sqc8b49rny0', 'sqdtr74hyu0']);
    assert.deepEqual(await r.geopos('Sicily', 'Palermo'), [['13.36138933897018433', '38.11555639549629859']]);
    assert.equal(await r.zscore('Sicily', 'Palermo'), '3479099956230698');
    const near = (await r.geosearch('Sicily', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ASC', 'WITHDIST')) as [string, string][];
    assert.deepEqual(near, [
      ['Catania', '56.4413'],
      ['Palermo', '190.4424'],
    ]);
    assert.deepEqual(await r.georadius('Sicily', 15, 37, 100, 'km'), ['Catania']);
    assert.equal(await r.geosearchstore('near', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', 400, 400, 'km', 'STOREDIST'), 2);
    assert.equal(await r.zscore('near', 'Palermo'), '0');
    await assert.rejects(r.geoadd('Sicily', 200, 10, 'nowhere'), /invalid longitude,latitude pair 200\.000000,10\.000000/);
  } finally {
    r.disconnect();
  }
});

test('client-side caching: a RESP3 client gets an invalidation push when a key it read changes', async () => {
  const cacheClient = createClient({ socket: { port: node.port, host: '127.0.0.1' }, RESP: 3 });
  const other = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: true });
  await cacheClient.connect();
  await other.connect();
  const pushes: unknown[] = [];
  try {
    // node-redis exposes RESP3 pushes through its push handlers; read them off the raw socket instead.
    const raw = await import('../support/valkey.js');
    const c = await raw.RawClient.connect(node.port);
    c.write(raw.resp('HELLO', '3'));
    await c.readUntil((t) => t.includes('modules'));
    c.write(raw.resp('CLIENT', 'TRACKING', 'on'));
    assert.equal(await c.readUntil((t) => t.endsWith('\r\n')), '+OK\r\n');
    await other.set('cached', 'v1');
    c.write(raw.resp('GET', 'cached'));
    assert.equal(await c.readUntil((t) => t.endsWith('v1\r\n')), '$2\r\nv1\r\n');
    await other.set('cached', 'v2');
    const push = await c.readUntil((t) => t.includes('cached\r\n'));
    assert.equal(push, '>2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\ncached\r\n');
    // The key is forgotten after one invalidation: a second write sends nothing.
    await other.set('cached', 'v3');
    c.write(raw.resp('PING'));
    assert.equal(await c.readUntil((t) => t.endsWith('\r\n')), '+PONG\r\n');
    // FLUSHALL invalidates everything with a null.
    c.write(raw.resp('GET', 'cached'));
    await c.readUntil((t) => t.endsWith('v3\r\n'));
    await other.flushall();
    assert.equal(await c.readUntil((t) => t.includes('_\r\n')), '>2\r\n$10\r\ninvalidate\r\n_\r\n');
    c.close();
    assert.equal(pushes.length, 0);

    // CLIENT TRACKINGINFO reports the mode through node-redis.
    await cacheClient.sendCommand(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:']);
    const info = (await cacheClient.sendCommand(['CLIENT', 'TRACKINGINFO'])) as unknown;
    const asMap = info instanceof Map ? Object.fromEntries(info) : (info as Record<string, unknown>);
    assert.deepEqual([...(asMap.flags as Iterable<string>)].sort(), ['bcast', 'on']);
    assert.deepEqual(asMap.prefixes, ['user:']);
  } finally {
    await cacheClient.quit();
    other.disconnect();
  }
});
