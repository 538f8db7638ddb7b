// ElastiCache auto discovery for memcached clusters, end to end: a real `cove up`, a
// cluster created and resized through @aws-sdk/client-elasticache, and a client (acting
// as an application instance) asking the configuration endpoint and every node
// `config get cluster`, as the ElastiCache cluster clients do.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  CreateCacheSubnetGroupCommand,
  CreateCacheClusterCommand,
  DescribeCacheClustersCommand,
  ModifyCacheClusterCommand,
  CacheCluster,
} from '@aws-sdk/client-elasticache';
import { CoveProcess, clients, vpcWithClient, freePort, reap, tempDir, waitFor } from './harness.js';
import { actAs, rawExchange } from '../network/support.js';

const CLIENT_IP = '10.0.2.250';

let cove: CoveProcess;
let sdk: ReturnType<typeof clients>;
let port = 0;

before(async () => {
  cove = await new CoveProcess(tempDir()).start();
  sdk = clients(cove.endpoint);
  const { subnets, cacheSg } = await vpcWithClient(sdk.ec2, CLIENT_IP);
  await sdk.ec.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: 'mc', CacheSubnetGroupDescription: 'mc', SubnetIds: subnets }));
  port = await freePort();
  await sdk.ec.send(
    new CreateCacheClusterCommand({ CacheClusterId: 'disco', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 2, CacheSubnetGroupName: 'mc', SecurityGroupIds: [cacheSg], Port: port }),
  );
});

after(async () => {
  sdk.ec2.destroy();
  sdk.ec.destroy();
  await cove.down();
  await reap(cove.dataDir);
  fs.rmSync(cove.dataDir, { recursive: true, force: true });
});

async function settled(nodes: number): Promise<CacheCluster> {
  return waitFor(async () => {
    const c = (await sdk.ec.send(new DescribeCacheClustersCommand({ CacheClusterId: 'disco', ShowCacheNodeInfo: true }))).CacheClusters![0];
    return c.CacheClusterStatus === 'available' && c.CacheNodes!.length === nodes && c.CacheNodes!.every((n) => n.CacheNodeStatus === 'available') ? c : null;
  }, `disco with ${nodes} available nodes`, 30_000);
}

/** `config get cluster` from the application instance: [version, "host|ip|port" entries]. */
async function configGetCluster(address: string): Promise<{ version: number; nodes: string[] }> {
  const r = await rawExchange({ host: address, port, localAddress: actAs(CLIENT_IP, address), request: 'config get cluster\r\n', until: /END\r\n$/ });
  const m = /^CONFIG cluster 0 (\d+)\r\n([\s\S]*)\r\nEND\r\n$/.exec(r.data);
  assert.ok(m, `a config answer, got ${JSON.stringify(r.data)}`);
  assert.equal(Number(m[1]), Buffer.byteLength(m[2]), 'the length counts the body');
  const [version, list] = m[2].split('\n');
  return { version: Number(version), nodes: list.split(' ') };
}

const entries = (c: CacheCluster) =>
  c.CacheNodes!.map((n) => `${n.Endpoint!.Address}|${n.Endpoint!.Address}|${n.Endpoint!.Port}`).sort();

test('every node and the configuration endpoint list the whole cluster, and follow its resizing', async () => {
  const two = await settled(2);
  assert.equal(two.ConfigurationEndpoint!.Port, port);
  const cfg = await waitFor(async () => {
    const a = await configGetCluster(two.ConfigurationEndpoint!.Address!);
    return a.nodes.length === 2 ? a : null;
  }, 'the configuration endpoint to list both nodes');
  assert.deepEqual([...cfg.nodes].sort(), entries(two));
  for (const n of two.CacheNodes!) assert.deepEqual(await configGetCluster(n.Endpoint!.Address!), cfg, `node ${n.CacheNodeId} gives the same answer`);

  await sdk.ec.send(new ModifyCacheClusterCommand({ CacheClusterId: 'disco', NumCacheNodes: 3, ApplyImmediately: true }));
  const three = await settled(3);
  for (const n of three.CacheNodes!) {
    const grown = await waitFor(async () => {
      const a = await configGetCluster(n.Endpoint!.Address!);
      return a.nodes.length === 3 ? a : null;
    }, `node ${n.CacheNodeId} to learn of the third node`);
    assert.deepEqual([...grown.nodes].sort(), entries(three));
    assert.ok(grown.version > cfg.version, 'a new membership has a higher version');
  }

  await sdk.ec.send(new ModifyCacheClusterCommand({ CacheClusterId: 'disco', NumCacheNodes: 2, CacheNodeIdsToRemove: ['0001'], ApplyImmediately: true }));
  const after = await settled(2);
  assert.deepEqual(after.CacheNodes!.map((n) => n.CacheNodeId).sort(), ['0002', '0003']);
  assert.equal(after.ConfigurationEndpoint!.Address, after.CacheNodes!.find((n) => n.CacheNodeId === '0002')!.Endpoint!.Address, 'the configuration endpoint moves off a removed node');
  for (const n of after.CacheNodes!) {
    const shrunk = await waitFor(async () => {
      const a = await configGetCluster(n.Endpoint!.Address!);
      return a.nodes.length === 2 ? a : null;
    }, `node ${n.CacheNodeId} to forget the removed node`);
    assert.deepEqual([...shrunk.nodes].sort(), entries(after));
  }
});
