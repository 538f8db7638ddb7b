// Replication groups through the AWS SDK against `cove up` (a child process) with
// real node processes: AWS's validation errors, members that are real cache
// clusters, writes through the PrimaryEndpoint read back from every replica, the
// ReaderEndpoint on replicas, security groups at the endpoints, a killed primary
// replaced by a promoted replica, TestFailover's events, a planned primary switch,
// replicas added and removed, AUTH tokens, deletion.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import net from 'node:net';
import {
  CreateCacheSubnetGroupCommand,
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ModifyReplicationGroupCommand,
  IncreaseReplicaCountCommand,
  DecreaseReplicaCountCommand,
  DeleteReplicationGroupCommand,
  TestFailoverCommand,
  DescribeCacheClustersCommand,
  DeleteCacheClusterCommand,
  DescribeEventsCommand,
  ListTagsForResourceCommand,
  ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import type { Redis } from 'ioredis';
import { CoveProcess, clients, vpcWithClient, freePort, nodeBoundTo, reap, tempDir, waitFor } from './harness.js';
import { actAs, boundRedis, rawExchange } from '../network/support.js';

/** Clients act as an application instance here (security groups are enforced; the host is outside the VPC). */
const CLIENT_IP = '10.0.2.250';

let cove: CoveProcess;
let sdk: ReturnType<typeof clients>;
let port = 0;
const opened: Redis[] = [];

before(async () => {
  cove = await new CoveProcess(tempDir()).start();
  sdk = clients(cove.endpoint);
  const { subnets, cacheSg } = await vpcWithClient(sdk.ec2, CLIENT_IP);
  await sdk.ec.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: 'sub', CacheSubnetGroupDescription: 'subnets', SubnetIds: subnets }));
  port = await freePort();
  defaults.SecurityGroupIds = [cacheSg];
});

after(async () => {
  for (const r of opened) r.disconnect();
  sdk.ec2.destroy();
  sdk.ec.destroy();
  await cove.down();
  const leftovers = await reap(cove.dataDir);
  const endpointProcs = endpointProcesses(cove.dataDir);
  for (const pid of endpointProcs) process.kill(pid, 'SIGKILL');
  fs.rmSync(cove.dataDir, { recursive: true, force: true });
  assert.equal(leftovers, 0, 'cove down stops every node process');
  assert.deepEqual(endpointProcs, [], 'cove down stops the endpoint process');
});

/** `cove endpoints` processes of a data dir. */
function endpointProcesses(dataDir: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      const i = cmd.indexOf('--spec');
      if (i !== -1 && cmd[i + 1]?.startsWith(dataDir)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

const defaults: { CacheSubnetGroupName: string; SecurityGroupIds: string[] } = { CacheSubnetGroupName: 'sub', SecurityGroupIds: [] };

async function describe(id: string): Promise<ReplicationGroup> {
  return (await sdk.ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0];
}

async function available(id: string, timeoutMs = 30_000): Promise<ReplicationGroup> {
  return waitFor(async () => {
    const g = await describe(id);
    return g.Status === 'available' ? g : null;
  }, `${id} available`, timeoutMs);
}

function primaryOf(g: ReplicationGroup): string {
  return g.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === 'primary')!.CacheClusterId!;
}

/** An ioredis client acting as the application instance (bound to its address). */
async function client(address: string, p = port, password?: string): Promise<Redis> {
  const r = boundRedis(address, p, actAs(CLIENT_IP, address));
  if (password) r.options.password = password;
  r.on('error', () => {}); // connection errors surface on the commands that meet them
  opened.push(r);
  await r.connect();
  return r;
}

/**
 * The node process of this test's `cove up` listening on `address` (its `--bind`).
 * Only processes whose management socket lies in this data dir count: another test
 * file running at the same time lays out the same VPC, so its nodes bind the same
 * 127.x addresses.
 */
function pidServing(address: string): number {
  const pid = nodeBoundTo(cove.dataDir, address);
  if (pid === undefined) throw new Error(`no node process of ${cove.dataDir} serves ${address}`);
  return pid;
}

/** A new connection to `address` that accepts a write (SET key 1), or null. */
async function writable(address: string, key: string): Promise<Redis | null> {
  const r = await client(address).catch(() => null);
  if (!r) return null;
  return (await r.set(key, '1').then(() => true, () => false)) ? r : null;
}

function memberAddress(g: ReplicationGroup, clusterId: string): string {
  return g.NodeGroups![0].NodeGroupMembers!.find((m) => m.CacheClusterId === clusterId)!.ReadEndpoint!.Address!;
}

async function events(sourceType: 'replication-group' | 'cache-cluster' | undefined, id?: string): Promise<{ id: string; message: string }[]> {
  const r = await sdk.ec.send(new DescribeEventsCommand({ SourceType: sourceType, SourceIdentifier: id }));
  return r.Events!.map((e) => ({ id: e.SourceIdentifier!, message: e.Message! })).reverse();
}

test('CreateReplicationGroup validates as ElastiCache does', async () => {
  const base = { ReplicationGroupDescription: 'd', Engine: 'valkey', Port: port, ...defaults };
  await assert.rejects(sdk.ec.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'bad1', NumCacheClusters: 1, AutomaticFailoverEnabled: true })), {
    name: 'InvalidParameterCombinationException',
    message: 'When using automatic failover, there must be at least 2 cache clusters in the replication group.',
  });
  await assert.rejects(sdk.ec.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'bad2', NumCacheClusters: 2, AuthToken: 'a-long-enough-token' })), {
    name: 'InvalidParameterCombinationException',
  });
  for (const token of ['short', 'has/slash-in-the-token', 'has@at-sign-in-the-token', 'has"quote-in-the-token', 'has space in the token']) {
    await assert.rejects(
      sdk.ec.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'bad3', NumCacheClusters: 2, TransitEncryptionEnabled: true, AuthToken: token })),
      { name: 'InvalidParameterValueException' },
      token,
    );
  }
  await assert.rejects(sdk.ec.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'bad4', NumCacheClusters: 7 })), { name: 'InvalidParameterValueException' });
  await assert.rejects(sdk.ec.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'bad5', Engine: 'memcached' })), { name: 'InvalidParameterValueException' });
  await assert.rejects(sdk.ec.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'bad6', NumCacheClusters: 2, ReplicasPerNodeGroup: 1 })), {
    name: 'InvalidParameterCombinationException',
  });
  await assert.rejects(sdk.ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'nope' })), { name: 'ReplicationGroupNotFoundFault' });
  await assert.rejects(sdk.ec.send(new TestFailoverCommand({ ReplicationGroupId: 'nope', NodeGroupId: '0001' })), { name: 'ReplicationGroupNotFoundFault' });
  const all = (await sdk.ec.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups!;
  assert.deepEqual(all, [], 'no group was created by a failed call');
});

test('a group of three: real member clusters, writes through the primary endpoint read back from every replica, reader endpoint on replicas', async () => {
  const created = await sdk.ec.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: 'Demo',
      ReplicationGroupDescription: 'demo group',
      Engine: 'valkey',
      NumCacheClusters: 3,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      Port: port,
      Tags: [{ Key: 'env', Value: 'test' }],
      ...defaults,
    }),
  );
  assert.equal(created.ReplicationGroup!.ReplicationGroupId, 'demo');
  assert.equal(created.ReplicationGroup!.Status, 'creating');
  assert.deepEqual(created.ReplicationGroup!.MemberClusters, ['demo-001', 'demo-002', 'demo-003']);
  await assert.rejects(
    sdk.ec.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'demo', ReplicationGroupDescription: 'x', NumCacheClusters: 2, ...defaults })),
    { name: 'ReplicationGroupAlreadyExistsFault' },
  );
  const g = await available('demo');
  assert.equal(g.AutomaticFailover, 'enabled');
  assert.equal(g.MultiAZ, 'enabled');
  assert.equal(g.ClusterEnabled, false);
  assert.equal(g.ARN, 'arn:aws:elasticache:us-east-1:000000000000:replicationgroup:demo');
  const ng = g.NodeGroups![0];
  assert.equal(ng.NodeGroupId, '0001');
  assert.deepEqual(
    ng.NodeGroupMembers!.map((m) => [m.CacheClusterId, m.CacheNodeId, m.CurrentRole]),
    [
      ['demo-001', '0001', 'primary'],
      ['demo-002', '0001', 'replica'],
      ['demo-003', '0001', 'replica'],
    ],
  );
  assert.deepEqual(new Set(ng.NodeGroupMembers!.map((m) => m.PreferredAvailabilityZone)), new Set(['us-east-1a', 'us-east-1b']), 'members spread over the AZs');
  const primaryEp = ng.PrimaryEndpoint!;
  const readerEp = ng.ReaderEndpoint!;
  assert.equal(primaryEp.Port, port);
  assert.match(primaryEp.Address!, /^127\.\d+\.1\.\d+$/, 'a floating address in the primary subnet, in the VPC loopback block');
  assert.notEqual(primaryEp.Address, readerEp.Address);

  // Members are real cache clusters (Terraform reads them).
  const member = (await sdk.ec.send(new DescribeCacheClustersCommand({ CacheClusterId: 'demo-002', ShowCacheNodeInfo: true }))).CacheClusters![0];
  assert.equal(member.ReplicationGroupId, 'demo');
  assert.equal(member.CacheClusterStatus, 'available');
  assert.equal(member.CacheNodes![0].Endpoint!.Address, memberAddress(g, 'demo-002'));
  await assert.rejects(sdk.ec.send(new DeleteCacheClusterCommand({ CacheClusterId: 'demo-002' })), { name: 'InvalidCacheClusterStateFault' });
  const tags = await sdk.ec.send(new ListTagsForResourceCommand({ ResourceName: g.ARN }));
  assert.deepEqual(tags.TagList, [{ Key: 'env', Value: 'test' }]);

  const w = await client(primaryEp.Address!);
  await w.set('s', 'v');
  await w.hset('h', 'f', '1');
  await w.rpush('l', 'a', 'b');
  await w.zadd('z', 1, 'm');
  await w.sadd('set', 'x');
  await w.set('ttl', 'gone-soon', 'PX', 200);
  await w.incr('n');
  assert.equal(await w.wait(2, 2000), 2, 'both replicas acknowledge');
  for (const id of ['demo-002', 'demo-003']) {
    const r = await client(memberAddress(g, id));
    assert.equal(await r.get('s'), 'v', id);
    assert.deepEqual(await r.hgetall('h'), { f: '1' }, id);
    assert.deepEqual(await r.lrange('l', 0, -1), ['a', 'b'], id);
    assert.deepEqual(await r.zrange('z', '0', '-1'), ['m'], id);
    assert.deepEqual(await r.smembers('set'), ['x'], id);
    assert.equal(await r.get('n'), '1', id);
    await assert.rejects(r.set('s', 'no'), /READONLY You can't write against a read only replica\./);
    // Expiry is the primary's: the key disappears from replicas when the primary expires it.
    await waitFor(async () => (await r.exists('ttl')) === 0, `ttl expired on ${id}`, 5000);
  }
  const reader = await client(readerEp.Address!);
  assert.equal((await reader.call('ROLE') as unknown[])[0], 'slave', 'the reader endpoint reaches a replica');
  assert.equal(await reader.get('s'), 'v');
  const viaPrimary = await client(primaryEp.Address!);
  assert.equal((await viaPrimary.call('ROLE') as unknown[])[0], 'master');
});

test('the endpoints enforce the group\'s security groups', async () => {
  const g = await describe('demo');
  const ep = g.NodeGroups![0].PrimaryEndpoint!;
  // The host is outside every VPC; 10.0.1.99 is no instance: neither is admitted.
  for (const from of ['127.0.0.1', actAs('10.0.1.99', ep.Address!)]) {
    const r = await rawExchange({ host: ep.Address!, port: ep.Port!, localAddress: from, request: 'PING\r\n', until: /\r\n/ });
    assert.equal(r.data, '', `nothing answers ${from}`);
    assert.notEqual(r.end, 'done');
  }
  const ok = await rawExchange({ host: ep.Address!, port: ep.Port!, localAddress: actAs(CLIENT_IP, ep.Address!), request: 'PING\r\n', until: /\r\n/ });
  assert.equal(ok.data, '+PONG\r\n');
});

test('kill -9 of the primary: the replica with the least lag is promoted, data survives, the old primary rejoins as a replica', async () => {
  let g = await describe('demo');
  const oldPrimary = primaryOf(g);
  const ep = g.NodeGroups![0].PrimaryEndpoint!;
  const w = await client(ep.Address!);
  for (let i = 0; i < 100; i++) await w.set(`k${i}`, String(i));
  assert.equal(await w.wait(2, 2000), 2);
  process.kill(pidServing(memberAddress(g, oldPrimary)), 'SIGKILL');
  // A client that reconnects through the endpoint reaches the new primary.
  const again = await waitFor(() => writable(ep.Address!, 'after'), 'writes accepted again', 15_000);
  assert.equal(await again.get('k99'), '99', 'acknowledged data is still there');
  g = await describe('demo');
  const newPrimary = primaryOf(g);
  assert.notEqual(newPrimary, oldPrimary);
  // The old primary's replacement comes back as a replica and catches up.
  const back = await waitFor(async () => {
    const r = await client(memberAddress(g, oldPrimary)).catch(() => null);
    if (!r) return null;
    const role = (await r.call('ROLE')) as unknown[];
    if (role[0] !== 'slave' || (await r.get('after')) !== '1') {
      r.disconnect();
      return null;
    }
    return r;
  }, 'old primary back as a replica', 20_000);
  assert.equal(await back.get('k50'), '50');
  const evs = (await events(undefined)).filter((e) => e.id === 'demo' || e.id === oldPrimary).map((e) => e.message);
  const failoverMsg = `Failover from primary node ${oldPrimary} to replica node ${newPrimary} completed`;
  assert.ok(evs.includes(failoverMsg), evs.join('\n'));
  await waitFor(async () => (await events('cache-cluster', oldPrimary)).some((e) => e.message === 'Finished recovery for cache nodes 0001'), 'recovery finished');
});

test('a hung primary (SIGSTOP) is detected, replaced by a replica, and comes back as a replica', async () => {
  let g = await available('demo');
  const oldPrimary = primaryOf(g);
  const ep = g.NodeGroups![0].PrimaryEndpoint!.Address!;
  const w = await client(ep);
  await w.set('before-hang', '1');
  assert.equal(await w.wait(2, 2000), 2);
  const recovered = async () => (await events('cache-cluster', oldPrimary)).filter((e) => e.message === 'Finished recovery for cache nodes 0001').length;
  const recoveredBefore = await recovered();
  const pid = pidServing(memberAddress(g, oldPrimary));
  process.kill(pid, 'SIGSTOP');
  try {
    const again = await waitFor(() => writable(ep, 'after-hang'), 'writes accepted after the hang', 20_000);
    assert.equal(await again.get('before-hang'), '1');
  } finally {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already killed by the control plane
    }
  }
  g = await available('demo');
  assert.notEqual(primaryOf(g), oldPrimary);
  await waitFor(async () => (await recovered()) > recoveredBefore, 'hung node recovered');
});

test('TestFailover: the primary fails over and the documented events come in order', async () => {
  const g = await available('demo');
  const before = primaryOf(g);
  const t = await sdk.ec.send(new TestFailoverCommand({ ReplicationGroupId: 'demo', NodeGroupId: '0001' }));
  assert.equal(t.ReplicationGroup!.ReplicationGroupId, 'demo');
  await assert.rejects(sdk.ec.send(new TestFailoverCommand({ ReplicationGroupId: 'demo', NodeGroupId: '0002' })), { name: 'NodeGroupNotFoundFault' });
  // The events of this test failover: from the last "API called" on, in the documented order.
  const sequence = async (): Promise<string[] | null> => {
    const after = primaryOf(await describe('demo'));
    if (after === before) return null;
    const msgs = (await events(undefined)).filter((e) => e.id === 'demo' || e.id === before).map((e) => `${e.id}: ${e.message}`);
    const fail = `Failover from primary node ${before} to replica node ${after} completed`;
    const order = [
      'demo: Test Failover API called for node group 0001',
      `${before}: ${fail}`,
      `demo: ${fail}`,
      `${before}: Recovering cache nodes 0001`,
      `${before}: Finished recovery for cache nodes 0001`,
    ];
    const from = msgs.lastIndexOf(order[0]);
    if (from === -1) return null;
    const tail = msgs.slice(from);
    return tail.includes(order[4]) ? tail.filter((m) => order.includes(m)).concat(['--expected--'], order) : null;
  };
  const seen = await waitFor(sequence, 'test failover to finish', 20_000);
  const cut = seen.indexOf('--expected--');
  assert.deepEqual(seen.slice(0, cut), seen.slice(cut + 1));
  await available('demo');
});

test('ModifyReplicationGroup PrimaryClusterId switches the primary without losing writes', async () => {
  let g = await available('demo', 30_000);
  const current = primaryOf(g);
  const target = g.MemberClusters!.find((id) => id !== current)!;
  const w = await client(g.NodeGroups![0].PrimaryEndpoint!.Address!);
  await w.set('before-switch', 'yes');
  const m = await sdk.ec.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'demo', PrimaryClusterId: target, ApplyImmediately: true }));
  assert.equal(m.ReplicationGroup!.Status, 'modifying');
  g = await available('demo');
  assert.equal(primaryOf(g), target);
  const direct = await client(memberAddress(g, target));
  assert.equal((await direct.call('ROLE') as unknown[])[0], 'master');
  assert.equal(await direct.get('before-switch'), 'yes');
  await waitFor(() => writable(g.NodeGroups![0].PrimaryEndpoint!.Address!, 'after-switch'), 'writes through the endpoint after the switch');
  await assert.rejects(sdk.ec.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'demo', ApplyImmediately: true })), {
    name: 'InvalidParameterCombinationException',
    message: 'No modifications were requested.',
  });
});

test('IncreaseReplicaCount and DecreaseReplicaCount add and remove member clusters', async () => {
  await available('demo');
  await sdk.ec.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: 'demo', NewReplicaCount: 1, ApplyImmediately: true }));
  let g = await available('demo');
  assert.equal(g.MemberClusters!.length, 2);
  await assert.rejects(sdk.ec.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: 'demo', NewReplicaCount: 0, ApplyImmediately: true })), {
    name: 'InvalidParameterValueException',
    message: 'Must have at least 1 replica when cluster mode is disabled with auto failover enabled.',
  });
  const w = await client(g.NodeGroups![0].PrimaryEndpoint!.Address!);
  await w.set('grown', 'yes');
  await sdk.ec.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: 'demo', NewReplicaCount: 2, ApplyImmediately: true }));
  g = await available('demo');
  assert.equal(g.MemberClusters!.length, 3);
  const added = g.MemberClusters![2];
  const r = await client(memberAddress(g, added));
  assert.equal(await r.get('grown'), 'yes', 'a new replica syncs the data');
});

test('automatic failover disabled: a dead primary is replaced from a replica and takes its role back, data kept', async () => {
  await sdk.ec.send(
    new CreateReplicationGroupCommand({ ReplicationGroupId: 'manual', ReplicationGroupDescription: 'no failover', Engine: 'valkey', NumCacheClusters: 2, Port: port, ...defaults }),
  );
  let g = await available('manual');
  assert.equal(g.AutomaticFailover, 'disabled');
  await assert.rejects(sdk.ec.send(new TestFailoverCommand({ ReplicationGroupId: 'manual', NodeGroupId: '0001' })), { name: 'InvalidParameterCombinationException' });
  const ep = g.NodeGroups![0].PrimaryEndpoint!.Address!;
  const w = await client(ep);
  await w.set('kept', 'yes');
  assert.equal(await w.wait(1, 2000), 1);
  process.kill(pidServing(memberAddress(g, 'manual-001')), 'SIGKILL');
  // The replacement syncs from the replica, then becomes the primary again.
  g = await waitFor(async () => {
    const d = await describe('manual');
    if (d.Status !== 'available' || primaryOf(d) !== 'manual-001') return null;
    const r = await client(memberAddress(d, 'manual-001')).catch(() => null);
    const ok = r && ((await r.call('ROLE')) as unknown[])[0] === 'master' && (await r.get('kept')) === 'yes';
    r?.disconnect();
    return ok ? d : null;
  }, 'manual-001 primary again with the data', 20_000);
  const again = await waitFor(() => writable(ep, 'after'), 'writes through the endpoint');
  assert.equal(await again.get('kept'), 'yes');
  await sdk.ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'manual' }));
});

test('AUTH token and in-transit encryption: clients must authenticate, TLS or plaintext on the endpoint port, replicas authenticate to the primary', async () => {
  const token = 'a-very-secret-token-1234';
  const created = await sdk.ec.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: 'secure',
      ReplicationGroupDescription: 'auth',
      Engine: 'redis',
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      TransitEncryptionEnabled: true,
      AuthToken: token,
      Port: port,
      ...defaults,
    }),
  );
  assert.equal(created.ReplicationGroup!.AuthTokenEnabled, true);
  const g = await available('secure');
  const ep = g.NodeGroups![0].PrimaryEndpoint!.Address!;
  const anon = await rawExchange({ host: ep, port, localAddress: actAs(CLIENT_IP, ep), request: 'GET x\r\n', until: /\r\n/ });
  assert.equal(anon.data, '-NOAUTH Authentication required.\r\n');
  const w = await client(ep, port, token);
  await w.set('secret', 'kept');
  assert.equal(await w.wait(1, 2000), 1, 'the replica authenticated to the primary');
  const replica = await client(memberAddress(g, 'secure-002'), port, token);
  assert.equal(await replica.get('secret'), 'kept');
  // TLS on the same port (TransitEncryptionMode preferred), with a certificate for the endpoint's address from the data dir's CA.
  assert.equal(g.TransitEncryptionEnabled, true);
  assert.equal(g.TransitEncryptionMode, 'preferred');
  const ca = fs.readFileSync(path.join(cove.dataDir, 'tls', 'ca.pem'), 'utf8');
  const overTls = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: ep, socket: net.connect({ host: ep, port, localAddress: actAs(CLIENT_IP, ep) }), ca }, () => s.write(`AUTH ${token}\r\nGET secret\r\n`));
    let data = '';
    s.on('data', (d) => {
      data += d;
      if (data.endsWith('kept\r\n')) {
        s.end();
        resolve(data);
      }
    });
    s.on('error', reject);
  });
  assert.equal(overTls, '+OK\r\n$4\r\nkept\r\n');
  const member = (await sdk.ec.send(new DescribeCacheClustersCommand({ CacheClusterId: 'secure-001' }))).CacheClusters![0];
  assert.equal(member.AuthTokenEnabled, true);
  await sdk.ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'secure' }));
});

test('the endpoints do not depend on the control plane: kill -9 of cove up, they keep serving; a restarted control plane adopts them and fails over again', async () => {
  let g = await available('demo');
  const ep = g.NodeGroups![0].PrimaryEndpoint!.Address!;
  const reader = g.NodeGroups![0].ReaderEndpoint!.Address!;
  await cove.kill9();
  const w = await client(ep);
  await w.set('without-control-plane', 'yes');
  const r = await client(reader);
  assert.equal((await r.call('ROLE') as unknown[])[0], 'slave');
  await cove.start();
  sdk.ec2.destroy();
  sdk.ec.destroy();
  sdk = clients(cove.endpoint);
  g = await available('demo');
  const oldPrimary = primaryOf(g);
  process.kill(pidServing(memberAddress(g, oldPrimary)), 'SIGKILL');
  const again = await waitFor(() => writable(ep, 'after-restart'), 'writes after a failover by the restarted control plane', 15_000);
  assert.equal(await again.get('without-control-plane'), 'yes');
  // Describe follows once the control plane has recorded the promotion.
  await waitFor(async () => primaryOf(await describe('demo')) !== oldPrimary, 'the promotion to show in DescribeReplicationGroups', 10_000);
});

test('DeleteReplicationGroup: members go, RetainPrimaryCluster keeps the primary as a standalone cluster', async () => {
  const g = await available('demo');
  const primary = primaryOf(g);
  const d = await sdk.ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'demo', RetainPrimaryCluster: true }));
  assert.equal(d.ReplicationGroup!.Status, 'deleting');
  await waitFor(
    () => sdk.ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'demo' })).then(() => false, (e) => e.name === 'ReplicationGroupNotFoundFault'),
    'demo gone',
    30_000,
  );
  const left = (await sdk.ec.send(new DescribeCacheClustersCommand({}))).CacheClusters!.map((c) => [c.CacheClusterId, c.ReplicationGroupId]);
  assert.ok(left.some(([id, rg]) => id === primary && rg === undefined), JSON.stringify(left));
  assert.ok(!left.some(([id]) => id !== primary && String(id).startsWith('demo-')), JSON.stringify(left));
  await waitFor(
    () => sdk.ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'secure' })).then(() => false, (e) => e.name === 'ReplicationGroupNotFoundFault'),
    'secure gone',
    30_000,
  );
  await sdk.ec.send(new DeleteCacheClusterCommand({ CacheClusterId: primary }));
});

test('RetainPrimaryCluster on a group with an AUTH token: the kept cluster is not mistaken for a hung node', async () => {
  const token = 'another-secret-token-5678';
  await sdk.ec.send(
    new CreateReplicationGroupCommand({ ReplicationGroupId: 'kept', ReplicationGroupDescription: 'kept', Engine: 'valkey', NumCacheClusters: 2, AutomaticFailoverEnabled: true, TransitEncryptionEnabled: true, AuthToken: token, Port: port, ...defaults }),
  );
  const g = await available('kept');
  const primary = primaryOf(g);
  const w = await client(g.NodeGroups![0].PrimaryEndpoint!.Address!, port, token);
  await w.set('kept-key', 'here');
  const pid = pidServing(memberAddress(g, primary));
  await sdk.ec.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'kept', RetainPrimaryCluster: true }));
  await waitFor(
    () => sdk.ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'kept' })).then(() => false, (e) => e.name === 'ReplicationGroupNotFoundFault'),
    'kept gone',
    30_000,
  );
  // Long enough for the reconciler's health checks (every 3 s, 3 misses) to have replaced a node they could not reach.
  await new Promise((r) => setTimeout(r, 12_000));
  assert.equal(pidServing(memberAddress(g, primary)), pid, 'the kept node still runs');
  const direct = await client(memberAddress(g, primary), port, token);
  assert.equal(await direct.get('kept-key'), 'here');
  const evs = (await events('cache-cluster', primary)).map((e) => e.message);
  assert.ok(!evs.includes('Recovering cache nodes 0001'), evs.join('\n'));
  await sdk.ec.send(new DeleteCacheClusterCommand({ CacheClusterId: primary }));
});
