// The web console and /metrics: the server-side guard that keeps remote browsers
// read-only, the metrics of real nodes read over their management sockets (an
// in-process Valkey primary and replica; a memcached cluster under `cove up`), and
// the page itself in Debian's Chromium driven by Playwright: it shows the resources,
// adds an ingress rule, and a client that the security group refused gets in.
//
// COVE_SCREENSHOT=docs/console.png saves a screenshot of the page with its resources.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { chromium } from 'playwright-core';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateFlowLogsCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeSecurityGroupRulesCommand,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateCacheClusterCommand, CreateCacheSubnetGroupCommand, DescribeCacheClustersCommand } from '@aws-sdk/client-elasticache';
import { CoveProcess, clients, freePort, inProcess, reap, tempDir, waitFor } from '../control/harness.js';
import { actAs, freePortOn, rawExchange, until } from '../network/support.js';
import { startNode } from '../support/valkey.js';
import { isLoopbackAddress, isLoopbackHost, mayCall, mayMutate } from '../../src/web/guard.js';
import { WebConsole } from '../../src/web/console.js';
import { ApiRequestCounts, linkReplicas, parseInfo, render, sampleNode, valkeySample } from '../../src/control/metrics.js';
import type { CacheCluster } from '../../src/control/model.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// ---- the exposition format ------------------------------------------------------------

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Checks text against the Prometheus text format 0.0.4 (HELP/TYPE before a family's
 * samples, each family's samples together, label syntax, a number per sample) and
 * returns the samples.
 */
function parseExposition(text: string): Sample[] {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const samples: Sample[] = [];
  const typed = new Map<string, string>();
  const finished = new Set<string>();
  let current = '';
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line))) continue;
    if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      assert.ok(!typed.has(m[1]), `one TYPE line for ${m[1]}`);
      typed.set(m[1], m[2]);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(m, `a sample line: ${JSON.stringify(line)}`);
    const name = m[1];
    assert.ok(typed.has(name), `TYPE of ${name} comes before its samples`);
    if (name !== current) {
      assert.ok(!finished.has(name), `the samples of ${name} are together`);
      if (current) finished.add(current);
      current = name;
    }
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    if (typed.get(name) === 'counter') assert.match(name, /_total$/, 'counters end in _total');
    samples.push({ name, labels, value: Number(m[3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

// ---- the guard ---------------------------------------------------------------------------

const local = { remoteAddress: '127.0.0.1', host: '127.0.0.1:4599', origin: 'http://127.0.0.1:4599', consoleHeader: '1' };

test('only a loopback client of the console may change resources; anyone may read', () => {
  assert.deepEqual(mayMutate(local), { allowed: true });
  assert.deepEqual(mayMutate({ ...local, remoteAddress: '::ffff:127.0.0.1' }), { allowed: true });
  assert.deepEqual(mayMutate({ ...local, remoteAddress: '::1', host: '[::1]:4599', origin: 'http://[::1]:4599' }), { allowed: true });
  assert.deepEqual(mayMutate({ ...local, host: 'localhost:4599', origin: undefined }), { allowed: true });

  const remote = mayMutate({ ...local, remoteAddress: '192.0.2.10' });
  assert.equal(remote.allowed, false);
  assert.match((remote as { reason: string }).reason, /read-only for 192\.0\.2\.10/);
  assert.equal(mayMutate({ ...local, remoteAddress: '::ffff:10.0.0.1' }).allowed, false);
  assert.equal(mayMutate({ ...local, remoteAddress: undefined }).allowed, false);
  // A site whose name resolves to 127.0.0.1 (DNS rebinding) still sends its own Host.
  assert.equal(mayMutate({ ...local, host: 'cove.attacker.example:4599', origin: 'http://cove.attacker.example:4599' }).allowed, false);
  // Another origin's page posting to the console.
  assert.equal(mayMutate({ ...local, origin: 'http://attacker.example' }).allowed, false);
  assert.equal(mayMutate({ ...local, origin: 'null' }).allowed, false);
  // A plain form post cannot add the console's header.
  assert.equal(mayMutate({ ...local, consoleHeader: undefined }).allowed, false);

  assert.deepEqual(mayCall('DescribeSecurityGroups', { ...local, remoteAddress: '192.0.2.10' }), { allowed: true });
  assert.deepEqual(mayCall('ListTagsForResource', { ...local, remoteAddress: '192.0.2.10' }), { allowed: true });
  assert.equal(mayCall('AuthorizeSecurityGroupIngress', { ...local, remoteAddress: '192.0.2.10' }).allowed, false);
  assert.equal(mayCall('Describe', { ...local, remoteAddress: '192.0.2.10' }).allowed, false, 'a bare prefix is no read action');

  assert.equal(isLoopbackAddress('127.255.0.1'), true);
  assert.equal(isLoopbackAddress('128.0.0.1'), false);
  assert.equal(isLoopbackAddress('127.0.0.300'), false);
  assert.equal(isLoopbackHost('LOCALHOST'), true);
  assert.equal(isLoopbackHost('127.0.0.1.nip.io'), false);
});

/** The console's route with a request from `remoteAddress`, and what it answered. */
async function routeAs(web: WebConsole, remoteAddress: string, body: string) {
  const req = {
    url: '/console/api',
    method: 'POST',
    headers: { host: '127.0.0.1:4599', origin: 'http://127.0.0.1:4599', 'x-cove-console': '1', 'content-type': 'application/x-www-form-urlencoded' },
    socket: { remoteAddress },
  } as unknown as http.IncomingMessage;
  const answer = { status: 0, body: '' };
  const res = {
    writeHead(status: number) {
      answer.status = status;
      return this;
    },
    end(b?: string | Buffer) {
      answer.body = b === undefined ? '' : b.toString();
    },
  } as unknown as http.ServerResponse;
  const handled = await web.route(req, res, Buffer.from(body));
  return { handled, ...answer };
}

test('the console route refuses a change from a remote address and passes reads on to the API', async () => {
  const web = new WebConsole(() => null);
  const authorize = 'Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1&IpPermissions.1.IpProtocol=-1';
  const refused = await routeAs(web, '198.51.100.7', authorize);
  assert.equal(refused.handled, true);
  assert.equal(refused.status, 403);
  assert.match(refused.body, /<Code>UnauthorizedOperation<\/Code><Message>the console is read-only for 198\.51\.100\.7/);
  assert.equal((await routeAs(web, '198.51.100.7', 'Action=DescribeSecurityGroups&Version=2016-11-15')).handled, 'api');
  assert.equal((await routeAs(web, '127.0.0.1', authorize)).handled, 'api');
});

// ---- metrics of Valkey nodes: a primary and its replica ------------------------------------

test('metrics read a Valkey primary and replica over their management sockets, with the replica lag', async () => {
  const dir = tempDir('cove-metrics-');
  const primary = await startNode();
  const replica = await startNode();
  try {
    await primary.listenUnix(path.join(dir, 'p.sock'));
    await replica.listenUnix(path.join(dir, 'r.sock'));
    const cluster = (id: string) => ({ id, account: '000000000000', engine: 'valkey' }) as CacheCluster;
    const exchange = async (port: number, request: string) => (await rawExchange({ host: '127.0.0.1', port, request, until: /\r\n$/ })).data;
    assert.equal(await exchange(replica.port, `REPLICAOF 127.0.0.1 ${primary.port}\r\n`), '+OK\r\n');
    assert.equal(await exchange(primary.port, 'SET k v\r\n'), '+OK\r\n');
    assert.equal(await exchange(primary.port, 'GET k\r\n'), '$1\r\nv\r\n');
    assert.equal(await exchange(primary.port, 'GET nope\r\n'), '$-1\r\n');

    const samples = await until(
      async () => {
        const s = [
          await sampleNode(cluster('p'), '0001', path.join(dir, 'p.sock'), [`127.0.0.1:${primary.port}`]),
          await sampleNode(cluster('r'), '0001', path.join(dir, 'r.sock'), [`127.0.0.1:${replica.port}`]),
        ];
        linkReplicas(s);
        return s[1].replicationLagBytes === 0 && s[1].items === 1 ? s : null;
      },
      'the replica to catch up',
    );
    const [p, r] = samples;
    assert.equal(p.up, true);
    assert.equal(p.role, 'primary');
    assert.equal(p.commands!.get('set'), 1);
    assert.equal(p.commands!.get('get'), 2);
    assert.equal(p.hits, 1);
    assert.equal(p.misses, 1);
    assert.equal(p.items, 1);
    assert.ok(p.memoryBytes! > 0);
    assert.equal(p.replicationLagSeconds, undefined, 'a primary has no lag');
    assert.equal(r.role, 'replica');
    assert.equal(typeof r.replicationLagSeconds, 'number');
    assert.equal(r.replicationLagBytes, 0);

    const down = await sampleNode(cluster('gone'), '0001', path.join(dir, 'missing.sock'), []);
    assert.equal(down.up, false);

    // A node of a group with an AUTH token answers INFO only after AUTH, on this channel too.
    assert.equal(await exchange(primary.port, 'CONFIG SET requirepass s3cret\r\n'), '+OK\r\n');
    const refused = await sampleNode(cluster('p'), '0001', path.join(dir, 'p.sock'), []);
    assert.equal(refused.up, false);
    assert.match(refused.error!, /^NOAUTH/);
    const authed = await sampleNode(cluster('p'), '0001', path.join(dir, 'p.sock'), [], 's3cret');
    assert.equal(authed.up, true);
    assert.equal(authed.items, 1);
  } finally {
    await replica.close();
    await primary.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a replica's lag is its primary's view of it when both are scraped, else its own", () => {
  const at = (cluster: string) => ({ account: '000000000000', cluster, node: '0001', engine: 'valkey' as const });
  const info = (lines: string[]) => parseInfo(['# Replication', ...lines, ''].join('\r\n'));
  const primary = { ...valkeySample(at('p'), info(['role:master', 'connected_slaves:1', 'slave0:ip=127.2.1.5,port=6379,state=online,offset=90,lag=1', 'master_repl_offset:100'])), addresses: ['127.2.1.4:6379'] };
  const replica = { ...valkeySample(at('r'), info(['role:slave', 'master_host:127.2.1.4', 'master_port:6379', 'master_link_status:up', 'master_last_io_seconds_ago:9', 'slave_repl_offset:90'])), addresses: ['127.2.1.5:6379'] };
  const orphan = { ...valkeySample(at('o'), info(['role:slave', 'master_host:127.9.9.9', 'master_port:6379', 'master_link_status:down', 'master_link_down_since_seconds:4', 'slave_repl_offset:0'])), addresses: [] };
  linkReplicas([primary, replica, orphan]);
  assert.equal(replica.replicationLagSeconds, 1);
  assert.equal(replica.replicationLagBytes, 10);
  assert.equal(orphan.replicationLagSeconds, 4, 'a replica whose link is down: seconds since it went down');
  assert.equal(orphan.replicationLagBytes, undefined);
  assert.equal(primary.replicationLagSeconds, undefined);
  const text = render([primary, replica], [], new ApiRequestCounts());
  assert.match(text, /^cove_node_replication_lag_seconds\{account="000000000000",cluster="r",node="0001",engine="valkey"\} 1$/m);
  assert.match(text, /^cove_node_replica\{account="000000000000",cluster="p",node="0001",engine="valkey"\} 0$/m);
  parseExposition(text);
});

// ---- `cove up`: /metrics, and the page in Chromium -------------------------------------------------

test('the console and /metrics of a running cove up', { timeout: 300_000 }, async (t) => {
  const dataDir = tempDir('cove-console-');
  // Its own Elastic IP pool and ports: other scenario tests may run beside this one.
  const plane = await new CoveProcess(dataDir, ['--public-pool', '127.204.0.0/16']).start();
  const sdk = clients(plane.endpoint);
  const base = plane.endpoint;
  try {
    const port = await freePort();
    const vpc = (await sdk.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    await sdk.ec2.send(new CreateTagsCommand({ Resources: [vpc], Tags: [{ Key: 'Name', Value: 'console-vpc' }] }));
    const priv = (await sdk.ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const pub = (await sdk.ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.0.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const natSg = (await sdk.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'nat', Description: 'NAT instance', VpcId: vpc }))).GroupId!;
    const cacheSg = (await sdk.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'cache', Description: 'cache nodes', VpcId: vpc }))).GroupId!;
    const appSg = (await sdk.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'application servers', VpcId: vpc }))).GroupId!;
    await sdk.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: cacheSg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, UserIdGroupPairs: [{ GroupId: natSg }] }] }));
    await sdk.ec.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: 'private', CacheSubnetGroupDescription: 'cache subnets', SubnetIds: [priv] }));
    await sdk.ec2.send(new CreateFlowLogsCommand({ ResourceIds: [vpc], ResourceType: 'VPC', TrafficType: 'ALL', LogGroupName: 'console' }));
    await sdk.ec.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc', Engine: 'memcached', NumCacheNodes: 2, CacheNodeType: 'cache.t3.micro', CacheSubnetGroupName: 'private', SecurityGroupIds: [cacheSg], Port: port }));
    const app = (
      await sdk.ec2.send(new RunInstancesCommand({ ImageId: 'ami-0c0fe000000000001', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SubnetId: priv, PrivateIpAddress: '10.0.1.50', SecurityGroupIds: [appSg] }))
    ).Instances![0].InstanceId!;
    const cluster = await waitFor(
      async () => {
        const c = (await sdk.ec.send(new DescribeCacheClustersCommand({ CacheClusterId: 'mc', ShowCacheNodeInfo: true }))).CacheClusters![0];
        return c.CacheClusterStatus === 'available' && c.CacheNodes!.every((n) => n.CacheNodeStatus === 'available') ? c : null;
      },
      'mc available',
      120_000,
    );
    const node = cluster.CacheNodes![0].Endpoint!;
    const appAddress = actAs('10.0.1.50', node.Address!);

    // A NAT instance forwarding one public port to the first node, for the NAT section and its metrics.
    const image = (await sdk.ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['cove-nat-*'] }] }))).Images![0].ImageId!;
    const eip = await sdk.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const publicPort = await freePortOn(eip.PublicIp!);
    await sdk.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: natSg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: publicPort, ToPort: publicPort, IpRanges: [{ CidrIp: '127.55.0.1/32' }] }] }));
    const nodeIp = '10.0.1.' + node.Address!.split('.')[3];
    const userData = `#!/bin/bash\nsysctl -w net.ipv4.ip_forward=1\niptables -t nat -A PREROUTING -i eth0 -p tcp --dport ${publicPort} -j DNAT --to ${nodeIp}:${port}\niptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE\n`;
    const nat = (
      await sdk.ec2.send(new RunInstancesCommand({ ImageId: image, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SubnetId: pub, PrivateIpAddress: '10.0.0.55', SecurityGroupIds: [natSg], UserData: Buffer.from(userData).toString('base64') }))
    ).Instances![0].InstanceId!;
    await sdk.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: nat, SourceDestCheck: { Value: false } }));
    await sdk.ec2.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: nat }));
    const viaNat = (localAddress: string) => rawExchange({ host: eip.PublicIp!, port: publicPort, localAddress, request: 'version\r\n', until: /\r\n$/ });
    await until(async () => (await viaNat('127.55.0.1')).data.startsWith('VERSION '), 'the NAT gateway to forward', 20_000, 100);

    const scrape = async () => {
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      return parseExposition(await res.text());
    };
    const mc = (nodeId: string) => ({ cluster: 'mc', node: nodeId, engine: 'memcached' });

    await t.test('/metrics has every node of the cluster, the NAT instance and the API, in the text format', async () => {
      const s = await scrape();
      for (const n of cluster.CacheNodes!) {
        assert.equal(value(s, 'cove_node_up', mc(n.CacheNodeId!)), 1, `node ${n.CacheNodeId} answered`);
        for (const name of ['cove_node_connections', 'cove_node_hits_total', 'cove_node_misses_total', 'cove_node_evictions_total', 'cove_node_memory_bytes']) {
          assert.equal(typeof value(s, name, mc(n.CacheNodeId!)), 'number', `${name} of ${n.CacheNodeId}`);
        }
        assert.equal(typeof value(s, 'cove_node_commands_total', { ...mc(n.CacheNodeId!), command: 'get' }), 'number');
      }
      // The node answering the NAT's port publishes its counters within 100 ms.
      await until(async () => value(await scrape(), 'cove_nat_connections_total', { instance: nat, public_ip: eip.PublicIp! })! >= 1, 'the setup forwarded a connection', 5000, 50);
      assert.ok(value(s, 'cove_api_requests_total', { service: 'ec2', action: 'CreateVpc', code: '200' })! >= 1);
      assert.ok(value(s, 'cove_api_requests_total', { service: 'elasticache', action: 'DescribeCacheClusters', code: '200' })! >= 1);
    });

    await t.test('counts move after commands: connections, commands by type, hits, misses, memory, NAT refusals', async () => {
      const before = await scrape();
      const n1 = mc(cluster.CacheNodes![0].CacheNodeId!);
      // Through the NAT from the trusted address (the cache group admits the NAT's group).
      const set = await rawExchange({ host: eip.PublicIp!, port: publicPort, localAddress: '127.55.0.1', request: 'set greeting 0 0 5\r\nhello\r\nget greeting\r\nget missing\r\n', until: /END\r\nEND\r\n$/ });
      assert.equal(set.data, 'STORED\r\nVALUE greeting 0 5\r\nhello\r\nEND\r\nEND\r\n');
      assert.equal((await viaNat('127.66.0.9')).end, 'reset', 'a stranger is refused by the NAT group');
      const after = await until(
        async () => {
          const s = await scrape();
          const natMoved = value(s, 'cove_nat_bytes_total', { instance: nat, public_ip: eip.PublicIp!, direction: 'out' })! > value(before, 'cove_nat_bytes_total', { instance: nat, public_ip: eip.PublicIp!, direction: 'out' })!;
          const refusedMoved = value(s, 'cove_nat_rejected_total', { instance: nat, public_ip: eip.PublicIp! })! > value(before, 'cove_nat_rejected_total', { instance: nat, public_ip: eip.PublicIp! })!;
          return natMoved && refusedMoved && value(s, 'cove_node_hits_total', n1)! > value(before, 'cove_node_hits_total', n1)! ? s : null;
        },
        'a fresh scrape',
        10_000,
        200,
      );
      const moved = (name: string, labels: Record<string, string>) => value(after, name, labels)! - value(before, name, labels)!;
      assert.equal(moved('cove_node_commands_total', { ...n1, command: 'set' }), 1);
      assert.equal(moved('cove_node_commands_total', { ...n1, command: 'get' }), 2);
      assert.equal(moved('cove_node_hits_total', n1), 1);
      assert.equal(moved('cove_node_misses_total', n1), 1);
      assert.ok(moved('cove_node_memory_bytes', n1) > 0, 'the item takes memory');
      const natLabels = { instance: nat, public_ip: eip.PublicIp! };
      assert.equal(moved('cove_nat_rejected_total', natLabels), 1);
      assert.ok(moved('cove_nat_bytes_total', { ...natLabels, direction: 'in' }) >= 'set greeting 0 0 5\r\nhello\r\n'.length);
      assert.ok(moved('cove_nat_bytes_total', { ...natLabels, direction: 'out' }) >= 'STORED\r\n'.length);
    });

    await t.test('a connection held open shows in cove_node_connections', async () => {
      const open = net.connect({ host: eip.PublicIp!, port: publicPort, localAddress: '127.55.0.1' });
      try {
        await new Promise((r) => open.once('connect', r));
        open.write('version\r\n');
        await new Promise((r) => open.once('data', r));
        const n1 = mc(cluster.CacheNodes![0].CacheNodeId!);
        await until(async () => value(await scrape(), 'cove_node_connections', n1) === 1, 'one connection on the node', 10_000, 200);
        await until(async () => value(await scrape(), 'cove_nat_connections', { instance: nat, public_ip: eip.PublicIp! }) === 1, 'one open NAT connection', 10_000, 200);
      } finally {
        open.destroy();
      }
    });

    await t.test('a remote-looking request cannot change resources over HTTP', async () => {
      const rulesBefore = (await sdk.ec2.send(new DescribeSecurityGroupRulesCommand({}))).SecurityGroupRules!.length;
      const form = `Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=${cacheSg}&IpPermissions.1.IpProtocol=-1&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0`;
      // The console's header but a host name that is not this machine's (what a DNS-rebinding page sends).
      const url = new URL(base);
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          { host: url.hostname, port: url.port, path: '/console/api', method: 'POST', headers: { host: 'cove.example.com', 'x-cove-console': '1', 'content-type': 'application/x-www-form-urlencoded' } },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on('error', reject);
        req.end(form);
      });
      assert.equal(answer.status, 403);
      assert.match(answer.body, /UnauthorizedOperation/);
      // Without the console's header (a plain cross-site form post).
      const plain = await fetch(`${base}/console/api`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      assert.equal(plain.status, 403);
      assert.equal((await sdk.ec2.send(new DescribeSecurityGroupRulesCommand({}))).SecurityGroupRules!.length, rulesBefore, 'no rule was added');
      const state = (await (await fetch(`${base}/console/state`)).json()) as { writable: boolean };
      assert.equal(state.writable, true, 'this test, on loopback, may change things');
    });

    await t.test('in Chromium: the page shows the resources, a rule added there lets a refused instance in', async () => {
      assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
      const memcachedVersion = () => rawExchange({ host: node.Address!, port: node.Port!, localAddress: appAddress, request: 'version\r\n', until: /\r\n$/ });
      assert.notEqual((await memcachedVersion()).end, 'done', 'the cache group refuses the app instance at first');

      const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-chromium-'));
      const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1440, height: 1000 } });
      try {
        const page = browser.pages()[0] ?? (await browser.newPage());
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(`${base}/`);
        await page.locator('#mode', { hasText: 'read-write' }).waitFor();
        await page.locator('#vpcs', { hasText: vpc }).waitFor();
        await page.locator('#vpcs', { hasText: 'console-vpc' }).waitFor();
        await page.locator(`[data-group-id="${cacheSg}"]`, { hasText: 'cache' }).waitFor();
        for (const n of cluster.CacheNodes!) {
          await page.locator(`#clusters [data-node="mc/${n.CacheNodeId}"]`, { hasText: `${n.Endpoint!.Address}:${n.Endpoint!.Port}` }).waitFor();
        }
        await page.locator(`[data-nat-id="${nat}"]`, { hasText: `${nodeIp}:${port}` }).waitFor();
        await page.locator('#metrics [data-node="mc/0001"] [data-metric="CurrConnections"]').waitFor();
        await page.locator('#instances', { hasText: app }).waitFor();
        // The refused attempt is in the flow log the page follows.
        await page.locator('#flow-log', { hasText: ' 10.0.1.50 ' }).filter({ hasText: 'REJECT' }).waitFor();

        await page.selectOption('#rule-group', cacheSg);
        await page.selectOption('#rule-protocol', 'tcp');
        await page.fill('#rule-from', String(port));
        await page.fill('#rule-source', appSg);
        await page.fill('#rule-description', 'app servers');
        await page.click('#rule-add');
        await page.locator('#rule-result.ok', { hasText: 'added sgr-' }).waitFor();
        await page.locator(`[data-group-id="${cacheSg}"] tr`, { hasText: 'app servers' }).waitFor();

        const allowed = await memcachedVersion();
        assert.equal(allowed.end, 'done', 'the app instance gets in once the rule exists');
        assert.match(allowed.data, /^VERSION /);
        assert.deepEqual(errors, [], 'no script errors on the page');

        // A control plane that verifies signatures: the page cannot sign, and says so.
        const keys = path.join(profile, 'keys');
        fs.writeFileSync(keys, 'AKIDCONSOLE s3cret 123456789012\n');
        const signed = await inProcess({ credentialsFile: keys });
        try {
          const page2 = await browser.newPage();
          await page2.goto(`${signed.endpoint}/`);
          await page2.locator('#banner', { hasText: 'verifies AWS signatures' }).waitFor();
          await page2.close();
        } finally {
          await signed.close();
        }

        if (process.env.COVE_SCREENSHOT) {
          await page.locator('#metrics .chart').first().waitFor();
          await new Promise((r) => setTimeout(r, 6000)); // a few chart points
          await page.screenshot({ path: process.env.COVE_SCREENSHOT, fullPage: true });
        }
      } finally {
        await browser.close();
        fs.rmSync(profile, { recursive: true, force: true });
      }
    });
  } finally {
    await plane.down().catch(() => plane.kill9());
    await reap(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
