// The AWS CLI (Debian's awscli, /usr/bin/aws) against `cove up`, the way a user
// would run it: VPC, subnets, groups and rules, a cache subnet group, a memcached
// cluster and a valkey cluster, `wait cache-cluster-available`, endpoints from
// describe, set/get on every node, scale 3 → 4 → 2, reboot, delete,
// `wait cache-cluster-deleted`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { spawn, ChildProcess } from 'node:child_process';
import { CoveProcess, execFileP, freePort, reap, tempDir, MEMCACHED_ENGINE, MAIN_JS, awsCli, AWS_CLI } from './harness.js';
import { actAs } from '../network/support.js';

/**
 * Security groups are enforced and the host never reaches a node: memcached clients
 * act as the app instance at this address, and redis-cli (which cannot pick its
 * source address) goes through `cove tunnel --via` that instance.
 */
const APP_IP = '10.0.2.250';

const AWS = AWS_CLI;

const cli = (endpoint: string) => awsCli(endpoint);

/** One memcached text-protocol exchange, from the app instance's address. */
async function memcached(host: string, port: number, request: string, until: RegExp): Promise<string> {
  const sock = net.connect({ port, host, localAddress: actAs(APP_IP, host) });
  let reply = '';
  try {
    await new Promise((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    sock.write(request);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(request)}: ${JSON.stringify(reply)}`)), 3000);
      sock.on('data', (d) => {
        reply += d.toString('latin1');
        if (until.test(reply)) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    return reply;
  } finally {
    sock.destroy();
  }
}

async function redisCli(host: string, port: number, ...args: string[]): Promise<string> {
  const { stdout } = await execFileP('redis-cli', ['-h', host, '-p', String(port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

test('the AWS CLI flow: network, clusters, wait, endpoints, scale, reboot, delete', async () => {
  assert.ok(fs.existsSync(AWS), `${AWS} is missing: install Debian's awscli (.ci/run does)`);
  const dataDir = tempDir();
  const cove = await new CoveProcess(dataDir).start();
  let tunnel: { proc: ChildProcess; port: number } | null = null;
  try {
    const aws = cli(cove.endpoint);
    const vpc = (await aws('ec2', 'create-vpc', '--cidr-block', '10.0.0.0/16')).Vpc.VpcId;
    const s1 = (await aws('ec2', 'create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.1.0/24', '--availability-zone', 'us-east-1a')).Subnet.SubnetId;
    const s2 = (await aws('ec2', 'create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.2.0/24', '--availability-zone', 'us-east-1b')).Subnet.SubnetId;
    const app = (await aws('ec2', 'create-security-group', '--group-name', 'app', '--description', 'app servers', '--vpc-id', vpc)).GroupId;
    const sg = (await aws('ec2', 'create-security-group', '--group-name', 'cache', '--description', 'cache nodes', '--vpc-id', vpc)).GroupId;
    await aws('ec2', 'authorize-security-group-ingress', '--group-id', sg, '--protocol', 'tcp', '--port', '11211-11213', '--source-group', app);
    await aws('ec2', 'authorize-security-group-ingress', '--group-id', sg, '--protocol', 'tcp', '--port', '6379', '--cidr', '10.0.0.0/16');
    const groups = await aws('ec2', 'describe-security-groups', '--group-ids', sg);
    const perms = groups.SecurityGroups[0].IpPermissions;
    assert.deepEqual(perms.map((p: any) => [p.FromPort, p.ToPort]), [
      [11211, 11213],
      [6379, 6379],
    ]);
    assert.equal(perms[0].UserIdGroupPairs[0].GroupId, app);

    await aws('elasticache', 'create-cache-subnet-group', '--cache-subnet-group-name', 'sub1', '--cache-subnet-group-description', 'private', '--subnet-ids', s1, s2);
    const appInstance = (await aws('ec2', 'run-instances', '--image-id', 'ami-0c0fe000000000001', '--count', '1', '--subnet-id', s2, '--private-ip-address', APP_IP, '--security-group-ids', app)).Instances[0].InstanceId;

    const vport = await freePort();
    await aws('elasticache', 'create-cache-cluster', '--cache-cluster-id', 'vk', '--engine', 'valkey', '--cache-node-type', 'cache.t3.micro',
      '--num-cache-nodes', '1', '--cache-subnet-group-name', 'sub1', '--security-group-ids', sg, '--port', String(vport));
    const mport = await freePort();
    for (const port of [vport, mport]) {
      await aws('ec2', 'authorize-security-group-ingress', '--group-id', sg, '--protocol', 'tcp', '--port', String(port), '--source-group', app);
    }
    if (MEMCACHED_ENGINE) {
      await aws('elasticache', 'create-cache-cluster', '--cache-cluster-id', 'mc', '--engine', 'memcached', '--cache-node-type', 'cache.t3.micro',
        '--num-cache-nodes', '3', '--cache-subnet-group-name', 'sub1', '--security-group-ids', sg, '--port', String(mport));
    }
    // The waiter sleeps 15 s between polls: poll describe first so its first poll already succeeds.
    await pollStatus(aws, 'vk', (c) => c.CacheClusterStatus === 'available');
    if (MEMCACHED_ENGINE) {
      await pollStatus(aws, 'mc', (c) => c.CacheClusterStatus === 'available');
      await aws('elasticache', 'wait', 'cache-cluster-available', '--cache-cluster-id', 'mc');
    }
    await aws('elasticache', 'wait', 'cache-cluster-available', '--cache-cluster-id', 'vk');

    const vk = (await aws('elasticache', 'describe-cache-clusters', '--cache-cluster-id', 'vk', '--show-cache-node-info')).CacheClusters[0];
    assert.equal(vk.CacheClusterStatus, 'available');
    const vnode = vk.CacheNodes[0];
    assert.equal(vnode.Endpoint.Port, vport);
    tunnel = await startTunnel(dataDir, appInstance, `${vnode.Endpoint.Address}:${vport}`);
    assert.equal(await redisCli('127.0.0.1', tunnel.port, 'set', 'k', 'v'), 'OK');
    assert.equal(await redisCli('127.0.0.1', tunnel.port, 'get', 'k'), 'v');

    if (MEMCACHED_ENGINE) {
      let mc = (await aws('elasticache', 'describe-cache-clusters', '--cache-cluster-id', 'mc', '--show-cache-node-info')).CacheClusters[0];
      assert.equal(mc.CacheNodes.length, 3);
      assert.equal(mc.PreferredAvailabilityZone, 'Multiple');
      assert.ok(mc.ConfigurationEndpoint.Address);
      for (const n of mc.CacheNodes) {
        const { Address, Port } = n.Endpoint;
        assert.match(await memcached(Address, Port, `set k${n.CacheNodeId} 0 0 2\r\nhi\r\n`, /\r\n$/), /^STORED\r\n/);
        assert.match(await memcached(Address, Port, `get k${n.CacheNodeId}\r\n`, /END\r\n$/), /^VALUE k\d+ 0 2\r\nhi\r\nEND\r\n$/);
        // Auto discovery answers on every node (its node list is asserted in clusters.test.ts).
        assert.match(await memcached(Address, Port, 'config get cluster\r\n', /END\r\n$/), /^CONFIG cluster 0 \d+\r\n\d+\n/);
      }

      await aws('elasticache', 'modify-cache-cluster', '--cache-cluster-id', 'mc', '--num-cache-nodes', '4', '--apply-immediately');
      mc = await pollStatus(aws, 'mc', (c) => c.CacheClusterStatus === 'available' && c.CacheNodes.length === 4);
      assert.deepEqual(mc.CacheNodes.map((n: any) => n.CacheNodeId), ['0001', '0002', '0003', '0004']);
      await aws('elasticache', 'modify-cache-cluster', '--cache-cluster-id', 'mc', '--num-cache-nodes', '2', '--cache-node-ids-to-remove', '0004', '0003', '--apply-immediately');
      mc = await pollStatus(aws, 'mc', (c) => c.CacheClusterStatus === 'available' && c.CacheNodes.length === 2);
      assert.deepEqual(mc.CacheNodes.map((n: any) => n.CacheNodeId), ['0001', '0002']);
      assert.equal(mc.NumCacheNodes, 2);

      const reboot = await aws('elasticache', 'reboot-cache-cluster', '--cache-cluster-id', 'mc', '--cache-node-ids-to-reboot', '0001');
      assert.equal(reboot.CacheCluster.CacheClusterStatus, 'rebooting cluster nodes');
      await pollStatus(aws, 'mc', (c) => c.CacheClusterStatus === 'available');
      const events = (await aws('elasticache', 'describe-events', '--source-type', 'cache-cluster', '--source-identifier', 'mc')).Events.map((e: any) => e.Message);
      for (const m of ['Cache cluster created', 'Added cache node 0004 in availability zone', 'Finished modifying number of nodes from 3 to 4', 'Removed cache node 0004', 'Finished modifying number of nodes from 4 to 2', 'Cache node 0001 restarted']) {
        assert.ok(events.some((e: string) => e.startsWith(m)), `event "${m}" in ${JSON.stringify(events)}`);
      }
      await aws('elasticache', 'delete-cache-cluster', '--cache-cluster-id', 'mc');
    } else {
      // Without the memcached engine, reboot the valkey node instead.
      const reboot = await aws('elasticache', 'reboot-cache-cluster', '--cache-cluster-id', 'vk', '--cache-node-ids-to-reboot', '0001');
      assert.equal(reboot.CacheCluster.CacheClusterStatus, 'rebooting cluster nodes');
      await pollStatus(aws, 'vk', (c) => c.CacheClusterStatus === 'available');
      assert.equal(await redisCli('127.0.0.1', tunnel.port, 'get', 'k'), '', 'a rebooted node starts empty');
    }

    const del = await aws('elasticache', 'delete-cache-cluster', '--cache-cluster-id', 'vk');
    assert.equal(del.CacheCluster.CacheClusterStatus, 'deleting');
    // Let the deletion finish first so the waiter's first poll succeeds (it sleeps 15 s between polls).
    await new Promise((r) => setTimeout(r, 1500));
    await aws('elasticache', 'wait', 'cache-cluster-deleted', '--cache-cluster-id', 'vk');
    if (MEMCACHED_ENGINE) await aws('elasticache', 'wait', 'cache-cluster-deleted', '--cache-cluster-id', 'mc');
    const left = await aws('elasticache', 'describe-cache-clusters');
    assert.deepEqual(left.CacheClusters, []);
  } finally {
    tunnel?.proc.kill('SIGTERM');
    await cove.down();
    const left = await reap(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
    assert.equal(left, 0);
  }
});

async function pollStatus(aws: (...a: string[]) => Promise<any>, id: string, done: (c: any) => boolean): Promise<any> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const c = (await aws('elasticache', 'describe-cache-clusters', '--cache-cluster-id', id, '--show-cache-node-info')).CacheClusters[0];
    if (done(c)) return c;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${id} did not settle`);
}

/** `cove tunnel --via INSTANCE --to TARGET` on a free local port; resolves once it listens. */
async function startTunnel(dataDir: string, instance: string, to: string): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, [MAIN_JS, 'tunnel', '--via', instance, '--to', to, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /Forwarding 127\.0\.0\.1:(\d+) /.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.stderr!.on('data', (d) => (out += d));
    proc.once('exit', (code) => reject(new Error(`cove tunnel exited (${code}): ${out}`)));
  });
  return { proc, port };
}
