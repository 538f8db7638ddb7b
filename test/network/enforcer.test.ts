// Security groups inside a node: an in-process Valkey node and Memcached node whose
// `admit` hook is a NodeEnforcer following a network view file. Clients act as an
// instance by binding its mapped address; the host and unmapped addresses are outside.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { ValkeyNode } from '../../src/server/valkey-node.js';
import { MemcachedNode } from '../../src/server/memcached-node.js';
import { NodeEnforcer, writeViewFile } from '../../src/network/enforcer.js';
import type { NetworkView } from '../../src/network/view.js';
import { fixture, tcp } from './fixture.js';
import { freePortOn, rawExchange, until } from './support.js';

const NODE = '127.2.1.230';
const NAT = '127.2.0.55';
const OTHER = '127.2.2.11';

function viewFor(port: number, dir: string, version: number, change?: (v: NetworkView) => void): NetworkView {
  const v = fixture();
  v.version = version;
  const cache = v.groups.find((g) => g.id === 'sg-cache')!;
  cache.rules = [tcp(port, port, { groupId: 'sg-nat' })];
  v.flowLogs = [{ id: 'fl-1', account: '000000000000', resourceId: 'vpc-a', resourceType: 'VPC', trafficType: 'ALL', file: path.join(dir, 'fl-1.log'), fields: ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status'], maxAggregationInterval: 600 }];
  change?.(v);
  return v;
}

function persistentClient(port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: NODE, port, localAddress });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function ask(sock: net.Socket, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString('latin1');
      if (got.endsWith('\r\n')) {
        sock.off('data', onData);
        resolve(got);
      }
    };
    sock.on('data', onData);
    sock.once('close', () => reject(new Error(`closed (got ${JSON.stringify(got)})`)));
    sock.write(line);
  });
}

test('a valkey node admits the referenced group, resets everyone else, logs both, and follows rule changes', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-enforcer-'));
  const file = path.join(dir, 'network.json');
  const port = await freePortOn(NODE);
  writeViewFile(file, viewFor(port, dir, 1));
  const enforcer = new NodeEnforcer(file, 'eni-node');
  enforcer.start();
  const node = new ValkeyNode({ port, bind: NODE, admit: enforcer.admit, config: { 'protected-mode': 'no' } });
  await node.listen();
  const held: net.Socket[] = [];
  try {
    // As the NAT instance: in.
    const ok = await rawExchange({ host: NODE, port, localAddress: NAT, request: 'PING\r\n', until: /\r\n/ });
    assert.deepEqual(ok, { data: '+PONG\r\n', end: 'done' });
    // The host, an unmapped address, a member of another group: reset before a byte.
    for (const localAddress of ['127.0.0.1', '127.66.0.1', OTHER]) {
      const r = await rawExchange({ host: NODE, port, localAddress, request: 'PING\r\n', until: /\r\n/ });
      assert.equal(r.data, '', `${localAddress} got ${JSON.stringify(r.data)}`);
      assert.notEqual(r.end, 'done');
    }
    assert.equal(enforcer.stats.rejected, 3);
    assert.equal(enforcer.stats.accepted, 1);

    // An established connection survives the revocation of the rule that admitted it.
    const tracked = await persistentClient(port, NAT);
    held.push(tracked);
    assert.equal(await ask(tracked, 'PING\r\n'), '+PONG\r\n');
    const revokedAt = Date.now();
    writeViewFile(file, viewFor(port, dir, 2, (v) => (v.groups.find((g) => g.id === 'sg-cache')!.rules = [])));
    await until(async () => (await rawExchange({ host: NODE, port, localAddress: NAT, request: 'PING\r\n', until: /\r\n/ })).data === '', 'the revoked rule to apply');
    t.diagnostic(`revocation applied after ${Date.now() - revokedAt} ms`);
    assert.equal(await ask(tracked, 'PING\r\n'), '+PONG\r\n', 'tracked connection still works');

    // Re-admitted; then the node loses the group: its connections end.
    writeViewFile(file, viewFor(port, dir, 3));
    await until(async () => (await rawExchange({ host: NODE, port, localAddress: NAT, request: 'PING\r\n', until: /\r\n/ })).data === '+PONG\r\n', 'the rule to come back');
    const closed = new Promise<void>((r) => tracked.once('close', () => r()));
    writeViewFile(file, viewFor(port, dir, 4, (v) => (v.enis.find((e) => e.id === 'eni-node')!.groupIds = ['sg-empty'])));
    await closed;
    assert.ok(enforcer.stats.ended >= 1);

    // Flow log: version 2 records, REJECT for the host, ACCEPT in and out for the NAT instance.
    const logFile = path.join(dir, 'fl-1.log');
    const lines = await until(() => {
      const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      const all = text.trim().split('\n');
      return all.some((l) => / 6 1 7 \d+ \d+ ACCEPT OK$/.test(l)) && all.some((l) => /REJECT/.test(l)) ? all : null;
    }, 'flow log records');
    const v2 = /^2 000000000000 eni-node (\S+) (\S+) (\d+) (\d+) 6 (\d+) (\d+) (\d+) (\d+) (ACCEPT|REJECT) OK$/;
    for (const l of lines) assert.match(l, v2);
    assert.ok(lines.some((l) => new RegExp(`^2 000000000000 eni-node 127\\.0\\.0\\.1 10\\.0\\.1\\.230 \\d+ ${port} 6 1 0 \\d+ \\d+ REJECT OK$`).test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => new RegExp(`^2 000000000000 eni-node 10\\.0\\.2\\.11 10\\.0\\.1\\.230 \\d+ ${port} 6 1 0 \\d+ \\d+ REJECT OK$`).test(l)));
    assert.ok(lines.some((l) => new RegExp(`^2 000000000000 eni-node 10\\.0\\.0\\.55 10\\.0\\.1\\.230 \\d+ ${port} 6 1 6 \\d+ \\d+ ACCEPT OK$`).test(l)), 'PING in: 6 bytes');
    assert.ok(lines.some((l) => new RegExp(`^2 000000000000 eni-node 10\\.0\\.1\\.230 10\\.0\\.0\\.55 ${port} \\d+ 6 1 7 \\d+ \\d+ ACCEPT OK$`).test(l)), '+PONG out: 7 bytes');
  } finally {
    for (const s of held) s.destroy();
    enforcer.close();
    await node.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a memcached node fails closed until its interface is in the view', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-enforcer-'));
  const file = path.join(dir, 'network.json');
  const port = await freePortOn(NODE);
  const enforcer = new NodeEnforcer(file, 'eni-node');
  enforcer.start();
  const node = new MemcachedNode({ port, bind: NODE, admit: enforcer.admit, logger: () => {} });
  await node.listen();
  try {
    const before = await rawExchange({ host: NODE, port, localAddress: NAT, request: 'version\r\n', until: /\r\n/ });
    assert.equal(before.data, '', 'no view yet: nobody gets in');
    writeViewFile(file, viewFor(port, dir, 1));
    await until(async () => (await rawExchange({ host: NODE, port, localAddress: NAT, request: 'version\r\n', until: /\r\n/ })).data.startsWith('VERSION '), 'the view to arrive');
    const host = await rawExchange({ host: NODE, port, request: 'version\r\n', until: /\r\n/ });
    assert.equal(host.data, '');
  } finally {
    enforcer.close();
    await node.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
