// Durability of the control plane: `kill -9` in the middle of creating clusters, then
// `cove up` again → the same resources, every node available, exactly one process
// per node and no orphans; a crash while nodes serve → they are adopted, not
// restarted (their data survives); `cove down` then `cove up` → nodes come back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { CreateVpcCommand, CreateSubnetCommand, DescribeVpcsCommand, DescribeSubnetsCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateCacheSubnetGroupCommand, CreateCacheClusterCommand, DescribeCacheClustersCommand, CacheCluster } from '@aws-sdk/client-elasticache';
import { CoveProcess, clients, freePort, nodeProcesses, reap, tempDir, waitFor, alive, MAIN_JS, execFileP } from './harness.js';
import { actAs, boundRedis } from '../network/support.js';

/** Security groups are enforced: clients act as an instance in the nodes' (default) group. */
const CLIENT_IP = '10.0.1.250';

async function clustersOf(endpoint: string): Promise<CacheCluster[]> {
  const sdk = clients(endpoint);
  try {
    return (await sdk.ec.send(new DescribeCacheClustersCommand({ ShowCacheNodeInfo: true }))).CacheClusters!;
  } finally {
    sdk.ec.destroy();
    sdk.ec2.destroy();
  }
}

async function allAvailable(endpoint: string, n: number): Promise<CacheCluster[]> {
  return waitFor(async () => {
    const cs = await clustersOf(endpoint);
    return cs.length === n && cs.every((c) => c.CacheClusterStatus === 'available') ? cs : null;
  }, 'clusters available');
}

async function statusPids(dataDir: string): Promise<number[]> {
  const { stdout } = await execFileP(process.execPath, [MAIN_JS, 'status', '--json', '--data-dir', dataDir]);
  return (JSON.parse(stdout).clusters as { nodes: { pid: number }[] }[]).flatMap((c) => c.nodes.map((n) => n.pid)).sort();
}

test('kill -9 mid-create, restart: same resources, nodes available, no orphans or duplicates; crash adoption; down/up', async () => {
  const dataDir = tempDir();
  let cove = await new CoveProcess(dataDir).start();
  try {
    const sdk = clients(cove.endpoint);
    const vpc = (await sdk.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const subnet = (await sdk.ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.1.0/24' }))).Subnet!.SubnetId!;
    await sdk.ec.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: 'g', CacheSubnetGroupDescription: 'g', SubnetIds: [subnet] }));
    const ports = [await freePort(), await freePort()];
    const created = [];
    for (const [i, port] of ports.entries()) {
      created.push(
        (
          await sdk.ec.send(
            new CreateCacheClusterCommand({ CacheClusterId: `c${i}`, Engine: i ? 'redis' : 'valkey', NumCacheNodes: 1, CacheSubnetGroupName: 'g', Port: port }),
          )
        ).CacheCluster!,
      );
    }
    sdk.ec.destroy();
    sdk.ec2.destroy();
    // Crash while the reconciler is bringing the nodes up.
    await cove.kill9();

    // A stray node process in this data dir that no cluster owns: the next `up` must stop it.
    const orphan = spawn(
      process.execPath,
      [MAIN_JS, 'server', '--port', String(await freePort()), '--management-socket', path.join(dataDir, 'run', 'orphan.sock')],
      { detached: true, stdio: 'ignore', env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
    );
    orphan.unref();
    await waitFor(async () => fs.existsSync(path.join(dataDir, 'run', 'orphan.sock')), 'orphan listening');

    cove = await new CoveProcess(dataDir).start();
    const after = await allAvailable(cove.endpoint, 2);
    const sdk2 = clients(cove.endpoint);
    assert.deepEqual(
      after.map((c) => [c.CacheClusterId, c.ARN, c.CacheClusterCreateTime?.toISOString(), c.CacheNodes![0].Endpoint!.Address, c.CacheNodes![0].Endpoint!.Port]),
      created.map((c, i) => [c.CacheClusterId, c.ARN, c.CacheClusterCreateTime?.toISOString(), `127.2.1.${4 + i}`, ports[i]]),
    );
    assert.ok((await sdk2.ec2.send(new DescribeVpcsCommand({ VpcIds: [vpc] }))).Vpcs!.length === 1);
    assert.ok((await sdk2.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnet] }))).Subnets!.length === 1);
    await sdk2.ec2.send(new RunInstancesCommand({ ImageId: 'ami-0c0fe000000000001', MinCount: 1, MaxCount: 1, SubnetId: subnet, PrivateIpAddress: CLIENT_IP }));
    sdk2.ec.destroy();
    sdk2.ec2.destroy();
    await waitFor(async () => !alive(orphan.pid!), 'orphan stopped');
    const running = nodeProcesses(dataDir).sort();
    assert.equal(running.length, 2, 'one process per node, no duplicates, no orphans');
    assert.deepEqual(await statusPids(dataDir), running);

    // Crash while serving: the next `up` adopts the processes; their data survives.
    const clientsOf = after.map((c) => boundRedis(c.CacheNodes![0].Endpoint!.Address!, c.CacheNodes![0].Endpoint!.Port!, actAs(CLIENT_IP, c.CacheNodes![0].Endpoint!.Address!)));
    for (const r of clientsOf) {
      await r.connect();
      await r.set('k', 'survives a control-plane crash');
      r.disconnect();
    }
    await cove.kill9();
    cove = await new CoveProcess(dataDir).start();
    await allAvailable(cove.endpoint, 2);
    assert.deepEqual(await statusPids(dataDir), running, 'adopted, not restarted');
    for (const c of after) {
      const r = boundRedis(c.CacheNodes![0].Endpoint!.Address!, c.CacheNodes![0].Endpoint!.Port!, actAs(CLIENT_IP, c.CacheNodes![0].Endpoint!.Address!));
      await r.connect();
      assert.equal(await r.get('k'), 'survives a control-plane crash');
      r.disconnect();
    }

    // A clean stop stops the nodes; the next start brings them back.
    await cove.down();
    assert.deepEqual(nodeProcesses(dataDir), []);
    for (const pid of running) assert.equal(alive(pid), false);
    cove = await new CoveProcess(dataDir).start();
    await allAvailable(cove.endpoint, 2);
    const back = nodeProcesses(dataDir);
    assert.equal(back.length, 2);
    assert.ok(back.every((pid) => !running.includes(pid)));
  } finally {
    await cove.down();
    const left = await reap(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
    assert.equal(left, 0, 'no node process outlives cove down');
  }
});
