// Memory limits: LRU eviction under -m counted per slab class, -M refusing
// stores instead, and page accounting as memcached does it (a class takes
// 1 MiB pages until -m is reached; its first page is always granted).

import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startMemcached, RawClient, ask, parseStats } from './support.js';
import type { MemcachedNode } from '../../src/server/memcached-node.js';

const VALUE = 'B'.repeat(66560); // memcached slab class 31 (82792-byte chunks, 12 per page)

let node: MemcachedNode | null = null;
let c: RawClient | null = null;
afterEach(async () => {
  c?.close();
  await node?.close();
  c = null;
  node = null;
});

async function fill(client: RawClient, n: number, prefix = 'key'): Promise<string> {
  let text = '';
  for (let i = 0; i < n; i++) text += `set ${prefix}${i} 0 0 ${VALUE.length}\r\n${VALUE}\r\n`;
  client.write(text);
  return client.readUntil((s) => s.split('\r\n').length - 1 >= n, 10000);
}

describe('memcached memory limit', () => {
  test('under -m 3 a class of 3 pages holds 36 items and evicts the oldest beyond that', async () => {
    node = await startMemcached({ memoryLimitMb: 3 });
    c = await RawClient.connect(node.port);
    const replies = await fill(c, 50);
    assert.equal(replies, 'STORED\r\n'.repeat(50));
    const items = parseStats(await ask(c, 'stats items\r\n', 'END\r\n'));
    assert.equal(items['items:31:number'], '36');
    assert.equal(items['items:31:evicted'], '14');
    const slabs = parseStats(await ask(c, 'stats slabs\r\n', 'END\r\n'));
    assert.equal(slabs['31:total_pages'], '3');
    assert.equal(slabs.total_malloced, String(3 * 1024 * 1024));
    assert.equal(parseStats(await ask(c, 'stats\r\n', 'END\r\n')).evictions, '14');
    assert.equal(await ask(c, 'get key0\r\n', 'END\r\n'), 'END\r\n');
    assert.match(await ask(c, 'get key49\r\n', 'END\r\n'), /^VALUE key49 0 66560\r\n/);
  });

  test('an item read twice moves to the head of its LRU and outlives unread ones', async () => {
    node = await startMemcached({ memoryLimitMb: 3 });
    c = await RawClient.connect(node.port);
    await fill(c, 36);
    for (let i = 0; i < 2; i++) await ask(c, 'get key0\r\n', 'END\r\n');
    await fill(c, 5, 'more');
    assert.match(await ask(c, 'get key0\r\n', 'END\r\n'), /^VALUE key0 /);
    assert.equal(await ask(c, 'get key1\r\n', 'END\r\n'), 'END\r\n');
  });

  test('with -M a full cache refuses stores with "out of memory" instead of evicting', async () => {
    node = await startMemcached({ memoryLimitMb: 3, noEvict: true });
    c = await RawClient.connect(node.port);
    const replies = await fill(c, 40);
    assert.equal(replies, 'STORED\r\n'.repeat(36) + 'SERVER_ERROR out of memory storing object\r\n'.repeat(4));
    const stats = parseStats(await ask(c, 'stats\r\n', 'END\r\n'));
    assert.equal(stats.evictions, '0');
    assert.equal(stats.store_no_memory, '4');
    assert.equal(parseStats(await ask(c, 'stats items\r\n', 'END\r\n'))['items:31:outofmemory'], '4');
    assert.equal(parseStats(await ask(c, 'stats settings\r\n', 'END\r\n')).evictions, 'off');
    assert.match(await ask(c, 'get key0\r\n', 'END\r\n'), /^VALUE key0 /);
  });

  test('stats reset clears the eviction counters but not the items', async () => {
    node = await startMemcached({ memoryLimitMb: 3 });
    c = await RawClient.connect(node.port);
    await fill(c, 40);
    assert.equal(await ask(c, 'stats reset\r\n'), 'RESET\r\n');
    const items = parseStats(await ask(c, 'stats items\r\n', 'END\r\n'));
    assert.equal(items['items:31:evicted'], '0');
    assert.equal(items['items:31:number'], '36');
    await fill(c, 40, 'next');
    assert.equal(parseStats(await ask(c, 'stats items\r\n', 'END\r\n'))['items:31:evicted'], '40');
  });

  test('flush_all frees the chunks; the pages stay with their class', async () => {
    node = await startMemcached({ memoryLimitMb: 3 });
    c = await RawClient.connect(node.port);
    await fill(c, 20);
    assert.equal(await ask(c, 'flush_all\r\n'), 'OK\r\n');
    const slabs = parseStats(await ask(c, 'stats slabs\r\n', 'END\r\n'));
    assert.equal(slabs['31:used_chunks'], '0');
    assert.equal(slabs['31:total_pages'], '2');
    assert.equal(parseStats(await ask(c, 'stats\r\n', 'END\r\n')).curr_items, '0');
  });

  test('slabs reassign moves a page between classes, evicting what it held', async () => {
    node = await startMemcached({ memoryLimitMb: 3 });
    c = await RawClient.connect(node.port);
    await fill(c, 36);
    assert.equal(await ask(c, 'slabs reassign 31 31\r\n'), 'SAME src and dst class are identical\r\n');
    assert.equal(await ask(c, 'slabs reassign 99 1\r\n'), 'BADCLASS invalid src or dst class id\r\n');
    assert.equal(await ask(c, 'slabs reassign 1 31\r\n'), 'NOSPARE source class has no spare pages\r\n');
    assert.equal(await ask(c, 'slabs reassign 31 5\r\n'), 'OK\r\n');
    const slabs = parseStats(await ask(c, 'stats slabs\r\n', 'END\r\n'));
    assert.equal(slabs['31:total_pages'], '2');
    assert.equal(slabs['5:total_pages'], '1');
    assert.equal(parseStats(await ask(c, 'stats items\r\n', 'END\r\n'))['items:31:number'], '24');
    assert.equal(parseStats(await ask(c, 'stats\r\n', 'END\r\n')).slabs_moved, '1');
  });

  test('items larger than slab_chunk_max are stored whole and read back', async () => {
    node = await startMemcached({ memoryLimitMb: 8 });
    c = await RawClient.connect(node.port);
    const big = Array.from({ length: 900 * 1024 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    assert.equal(await ask(c, `set big 0 0 ${big.length}\r\n${big}\r\n`), 'STORED\r\n');
    const got = await ask(c, 'get big\r\n', 'END\r\n');
    assert.equal(got, `VALUE big 0 ${big.length}\r\n${big}\r\nEND\r\n`);
    // Chunked items live in the largest class's LRU, as in memcached.
    assert.equal(parseStats(await ask(c, 'stats items\r\n', 'END\r\n'))['items:39:number'], '1');
  });

  test('-I and -m are checked as memcached checks them', async () => {
    await assert.rejects(startMemcached({ itemSizeMax: 512 }), /Item max size cannot be less than 1024 bytes/);
    await assert.rejects(startMemcached({ memoryLimitMb: 1, itemSizeMax: 1024 * 1024 }), /higher than 1\/2 of memory max/);
    node = await startMemcached({ memoryLimitMb: 64, itemSizeMax: 2 * 1024 * 1024 });
    c = await RawClient.connect(node.port);
    const v = 'x'.repeat(1536 * 1024);
    assert.equal(await ask(c, `set large 0 0 ${v.length}\r\n${v}\r\n`), 'STORED\r\n');
  });
});
