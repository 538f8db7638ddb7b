// The MemcachedNode library surface the control plane uses: admission of TCP
// connections, the unix-socket management channel that bypasses it, closing,
// and the CLI's flag parsing.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMemcached, RawClient, ask, untilClosed } from './support.js';
import { parseItemSize } from '../../src/server/run-memcached.js';

async function unixAsk(sock: string, text: string, until: string): Promise<string> {
  const s = net.connect(sock);
  let got = '';
  await new Promise<void>((resolve, reject) => {
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.endsWith(until)) resolve();
    });
    s.on('error', reject);
    s.on('connect', () => s.write(text));
  });
  s.destroy();
  return got;
}

describe('memcached node', () => {
  test('admit() can refuse TCP connections, which are dropped without a reply', async () => {
    let calls = 0;
    const node = await startMemcached({
      admit: () => {
        calls++;
        return calls > 1;
      },
    });
    try {
      const refused = await RawClient.connect(node.port);
      refused.write('version\r\n');
      assert.equal(await untilClosed(refused), '');
      const allowed = await RawClient.connect(node.port);
      assert.equal(await ask(allowed, 'version\r\n'), 'VERSION 1.6.18\r\n');
      allowed.close();
    } finally {
      await node.close();
    }
  });

  test('listenUnix serves the same store on a unix socket, without the admit check', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-mc-'));
    const sock = path.join(dir, 'mgmt.sock');
    let admitted = 0;
    const node = await startMemcached({
      admit: () => {
        admitted++;
        return false;
      },
    });
    try {
      await node.listenUnix(sock);
      assert.equal(await unixAsk(sock, 'set m 0 0 2\r\nok\r\n', '\r\n'), 'STORED\r\n');
      assert.equal(await unixAsk(sock, 'get m\r\n', 'END\r\n'), 'VALUE m 0 2\r\nok\r\nEND\r\n');
      assert.equal(admitted, 0);
      const settings = await unixAsk(sock, 'stats settings\r\n', 'END\r\n');
      assert.match(settings, new RegExp(`STAT domain_socket ${sock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\r\n`));
    } finally {
      await node.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('config set cluster over the management socket sets what config get cluster answers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-mc-'));
    const sock = path.join(dir, 'mgmt.sock');
    const node = await startMemcached();
    try {
      await node.listenUnix(sock);
      const line = '127.1.1.230|127.1.1.230|11211 127.1.1.231|127.1.1.231|11211';
      assert.equal(await unixAsk(sock, `config set cluster 7 ${line.length}\r\n${line}\r\n`, '\r\n'), 'STORED\r\n');
      const c = await RawClient.connect(node.port);
      const body = `7\n${line}\n`;
      assert.equal(await ask(c, 'config get cluster\r\n', 'END\r\n'), `CONFIG cluster 0 ${body.length}\r\n${body}\r\nEND\r\n`);
      // Customers cannot rewrite the discovery answer.
      assert.equal(await ask(c, 'config set cluster 8 5\r\n', '\r\n'), 'ERROR\r\n');
      c.close();
    } finally {
      await node.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('close() drops open connections and stops listening', async () => {
    const node = await startMemcached();
    const c = await RawClient.connect(node.port);
    await ask(c, 'version\r\n');
    await node.close();
    assert.equal(await untilClosed(c), '');
    await assert.rejects(RawClient.connect(node.port));
  });

  test('replies queued for a client that is not reading arrive intact once it reads', async () => {
    // The node writes a view of its reply buffer and reuses the buffer only when
    // the socket let go of it; here the socket keeps megabytes queued while later
    // sets change the value, so a reused buffer would show up as wrong bytes.
    const node = await startMemcached();
    const s = net.connect(node.port, '127.0.0.1');
    try {
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      s.pause();
      const size = 60000;
      const rounds = 120;
      let text = `set q 0 0 ${size}\r\n${'@'.repeat(size)}\r\n`;
      for (let i = 0; i < rounds; i++) {
        const next = String.fromCharCode(65 + (i % 26));
        text += `get q\r\nset q 0 0 ${size}\r\n${next.repeat(size)}\r\n`;
      }
      s.write(text);
      await new Promise((r) => setTimeout(r, 300));
      let got = '';
      const expectedLen = 8 + rounds * (`VALUE q 0 ${size}\r\n`.length + size + 2 + 5 + 8);
      await new Promise<void>((resolve, reject) => {
        s.on('data', (d: Buffer) => {
          got += d.toString('latin1');
          if (got.length >= expectedLen) resolve();
        });
        s.on('error', reject);
        s.resume();
      });
      let expected = 'STORED\r\n';
      for (let i = 0; i < rounds; i++) {
        const prev = i === 0 ? '@' : String.fromCharCode(65 + ((i - 1) % 26));
        expected += `VALUE q 0 ${size}\r\n${prev.repeat(size)}\r\nEND\r\nSTORED\r\n`;
      }
      assert.equal(got.length, expected.length);
      assert.ok(got === expected, 'replies differ from the values each get saw');
    } finally {
      s.destroy();
      await node.close();
    }
  });

  test('-I sizes are read as memcached reads them', () => {
    assert.equal(parseItemSize('1m'), 1024 * 1024);
    assert.equal(parseItemSize('512k'), 512 * 1024);
    assert.equal(parseItemSize('2M'), 2 * 1024 * 1024);
    assert.equal(parseItemSize('1048576'), 1048576);
    assert.throws(() => parseItemSize('big'));
  });
});
