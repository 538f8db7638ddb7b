// NAT ports answered by the cache node itself (src/gateway/node-ingress.ts): an
// in-process memcached node with its enforcer and ingress, and no gateway anywhere, so
// whatever answers on the Elastic IP is the node. Clients act as addresses by binding
// them; the view is the contract fixture with a NAT instance DNAT'ing to the node.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { MemcachedNode } from '../../src/server/memcached-node.js';
import { NodeEnforcer, writeViewFile } from '../../src/network/enforcer.js';
import { NodeIngress } from '../../src/gateway/node-ingress.js';
import type { NetworkView } from '../../src/network/view.js';
import { fixture, tcp } from './fixture.js';
import { rawExchange, until } from './support.js';

const NAT_ADDR = '127.2.0.55';
const TRUSTED = '127.55.0.1';
const STRANGER = '127.66.0.1';

/** An Elastic IP of this test's own, so parallel tests never share a public port. */
function randomEip(): string {
  return `127.211.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
}

function viewFor(eip: string, publicPort: number, dir: string, version: number, change?: (v: NetworkView) => void): NetworkView {
  const v = fixture();
  v.version = version;
  v.instances[0].publicIp = eip;
  v.groups.find((g) => g.id === 'sg-nat')!.rules.unshift(tcp(publicPort, publicPort, { cidrIpv4: `${TRUSTED}/32` }));
  v.nat = [{ instanceId: 'i-nat', rules: [`-A PREROUTING -i eth0 -p tcp -m tcp --dport ${publicPort} -j DNAT --to-destination 10.0.1.230:11211`, '-A POSTROUTING -o eth0 -j MASQUERADE'], ipForward: true, ignored: [] }];
  v.flowLogs = [{ id: 'fl-1', account: '000000000000', resourceId: 'vpc-a', resourceType: 'VPC', trafficType: 'ALL', file: path.join(dir, 'fl-1.log'), fields: ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status'], maxAggregationInterval: 600 }];
  change?.(v);
  return v;
}

function connect(host: string, port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, localAddress });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function ask(sock: net.Socket, text: string, end: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString('latin1');
      if (got.endsWith(end)) {
        sock.off('data', onData);
        resolve(got);
      }
    };
    sock.on('data', onData);
    sock.once('close', () => reject(new Error(`closed (got ${JSON.stringify(got)})`)));
    sock.write(text);
  });
}

/** A memcached node with its enforcer and NAT ingress on the fixture's view, listening on a fresh EIP:port. */
async function nodeBehindNat(t: TestContext) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-ingress-'));
  const eip = randomEip();
  const publicPort = 20000 + Math.floor(Math.random() * 20000);
  const file = path.join(dir, 'network.json');
  writeViewFile(file, viewFor(eip, publicPort, dir, 1));
  const enforcer = new NodeEnforcer(file, 'eni-node');
  enforcer.reload();
  // The node's own listener is not needed: only the Elastic IP's port is used here.
  const node = new MemcachedNode({ port: 0, logger: () => {}, admit: enforcer.admit });
  const ingress = new NodeIngress(enforcer, node);
  t.after(async () => {
    ingress.close();
    await node.close();
    enforcer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await until(() => ingress.listening().includes(`${eip}:${publicPort}`), 'the node listening on the Elastic IP');
  return { dir, eip, publicPort, enforcer, node, ingress };
}

test('a NAT port forwarded to a cache node is answered by the node, which sees the NAT instance and enforces every hop', async (t) => {
  const { dir, eip, publicPort, enforcer } = await nodeBehindNat(t);

  // The trusted client is served, and the node sees the NAT instance's address (SNAT).
  const held = await connect(eip, publicPort, TRUSTED);
  assert.equal(await ask(held, 'set k 0 0 2\r\nhi\r\nget k\r\n', 'END\r\n'), 'STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\n');
  const conns = await ask(held, 'stats conns\r\n', 'END\r\n');
  assert.match(conns, new RegExp(`STAT \\d+:addr tcp:${NAT_ADDR.replace(/\./g, '\\.')}:\\d+\r\n`));
  assert.ok(!conns.includes(TRUSTED), conns);

  // Anyone else gets no byte: refused by the NAT instance's group.
  const stranger = await rawExchange({ host: eip, port: publicPort, localAddress: STRANGER, request: 'get k\r\n', timeoutMs: 2000 });
  assert.equal(stranger.data, '');
  assert.equal(stranger.end, 'reset');

  // The node's group no longer admits the NAT instance: new connections are refused
  // by the node, the established one lives on (tracked).
  enforcer.apply(viewFor(eip, publicPort, dir, 2, (v) => (v.groups.find((g) => g.id === 'sg-cache')!.rules = [])));
  const refused = await rawExchange({ host: eip, port: publicPort, localAddress: TRUSTED, request: 'get k\r\n', timeoutMs: 2000 });
  assert.equal(refused.data, '');
  assert.equal(refused.end, 'reset');
  assert.equal(await ask(held, 'get k\r\n', 'END\r\n'), 'VALUE k 0 2\r\nhi\r\nEND\r\n');

  // Source/dest check back on: the NAT instance drops what is not addressed to it.
  enforcer.apply(viewFor(eip, publicPort, dir, 3, (v) => (v.instances[0].sourceDestCheck = true)));
  const dropped = await rawExchange({ host: eip, port: publicPort, localAddress: TRUSTED, request: 'get k\r\n', timeoutMs: 2000 });
  assert.equal(dropped.data, '');

  // The flow records the path through a NAT instance leaves: at the NAT instance's
  // interface (client in, then out to the node) and at the node's (from the NAT).
  held.destroy();
  const log = path.join(dir, 'fl-1.log');
  const want = [
    new RegExp(`^2 000000000000 eni-nat ${TRUSTED} 10\\.0\\.0\\.55 \\d+ ${publicPort} 6 \\d+ \\d+ \\d+ \\d+ ACCEPT OK$`),
    new RegExp(`^2 000000000000 eni-nat 10\\.0\\.0\\.55 10\\.0\\.1\\.230 \\d+ 11211 6 \\d+ \\d+ \\d+ \\d+ ACCEPT OK$`),
    new RegExp(`^2 000000000000 eni-node 10\\.0\\.0\\.55 10\\.0\\.1\\.230 \\d+ 11211 6 \\d+ \\d+ \\d+ \\d+ ACCEPT OK$`),
    new RegExp(`^2 000000000000 eni-nat ${STRANGER} 10\\.0\\.0\\.55 \\d+ ${publicPort} 6 1 0 \\d+ \\d+ REJECT OK$`),
    new RegExp(`^2 000000000000 eni-node 10\\.0\\.0\\.55 10\\.0\\.1\\.230 \\d+ 11211 6 1 0 \\d+ \\d+ REJECT OK$`),
  ];
  await until(() => {
    const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : [];
    return want.every((re) => lines.some((l) => re.test(l)));
  }, 'the flow records', 5000, 50);
});

test('forwarded connections end when the NAT instance loses its Elastic IP, and the port is let go', async (t) => {
  const { dir, eip, publicPort, enforcer, node, ingress } = await nodeBehindNat(t);
  const held = await connect(eip, publicPort, TRUSTED);
  assert.equal(await ask(held, 'version\r\n', '\r\n'), `VERSION ${node.version}\r\n`);
  const closed = new Promise<void>((resolve) => held.once('close', () => resolve()));

  // TLS switched on: the gateway takes the port over (it terminates TLS), the node lets
  // it go, and the connection already open goes on (conntrack).
  enforcer.apply(viewFor(eip, publicPort, dir, 2, (v) => v.instances[0].tags.push({ Key: 'cove:tls', Value: 'on' })));
  assert.deepEqual(ingress.listening(), []);
  assert.equal(await ask(held, 'version\r\n', '\r\n'), `VERSION ${node.version}\r\n`);

  // The Elastic IP disassociated: nothing reaches the instance's flows any more.
  enforcer.apply(viewFor(eip, publicPort, dir, 3, (v) => delete v.instances[0].publicIp));
  await closed;
});
