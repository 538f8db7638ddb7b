// `cove up --demo`: builds the guide's scenario (DESIGN.md §1) through Cove's own AWS
// API, the way a user would with the AWS CLI, then waits for the first PONG through
// the NAT instance's Elastic IP:
//
//   VPC 10.0.0.0/16: private subnet 10.0.1.0/24 (cache nodes), public 10.0.0.0/24 (NAT)
//   security group cove-demo-nat:   11211-11213, 6379-6381, 22 from the host only (127.0.0.1/32)
//   security group cove-demo-cache: 11211 and 6379 only from cove-demo-nat
//   demo-mc: memcached, 3 nodes; demo-vk: valkey (a replication group when the API has
//   CreateReplicationGroup, else one node)
//   NAT instance at 10.0.0.55 from the Cove NAT image, source/dest check off, an Elastic
//   IP, forwarding by the `cove:forward` tag (EIP:11211.. -> demo-mc nodes,
//   EIP:6379.. -> demo-vk nodes), which follows the membership as nodes come and go.
//
// Idempotent: every resource is looked up first (by tag, name or id) and reused, so a
// second run on the same data dir finds the first run's scenario.

import net from 'node:net';
import { AwsError, members, filters, QueryClient, tagSpec, Xml } from './aws-query.js';

export const DEMO_TAG = 'cove:demo';
export const MC_ID = 'demo-mc';
export const VK_ID = 'demo-vk';
export const NAT_PRIVATE_IP = '10.0.0.55';
/** The trusted client: the host, whose connections to loopback addresses come from 127.0.0.1. */
export const TRUSTED_CIDR = '127.0.0.1/32';
const SUBNET_GROUP = 'cove-demo';
const NODE_TYPE = 'cache.t3.micro';
const VK_NODES = 3;

export interface DemoNode {
  id: string;
  /** The loopback address it serves on (what a client on this host would dial). */
  endpoint: string;
  privateIp: string;
  /** The Elastic IP port that forwards to it. */
  publicPort?: number;
  role?: string;
}

export interface DemoResult {
  vpcId: string;
  natInstanceId: string;
  eip: string;
  memcached: { id: string; nodes: DemoNode[] };
  valkey: { id: string; kind: 'replication-group' | 'cache-cluster'; nodes: DemoNode[] };
  /** Milliseconds from process start to the first +PONG through EIP:6379. */
  firstPongMs: number;
  /** What was created this run (the rest was reused). */
  created: string[];
  reused: string[];
}

export interface DemoOptions {
  client: QueryClient;
  /** A progress line. */
  progress: (line: string) => void;
  /** ms since process start (performance.now()). */
  now: () => number;
  /** The NAT instance's forwarding table, from the control plane (public port -> node). */
  forwarding: (instanceId: string) => Promise<{ publicPort: number; ip: string; node?: { clusterId: string; nodeId: string } }[]>;
  timeoutMs?: number;
}

export class DemoError extends Error {}

export async function buildDemo(o: DemoOptions): Promise<DemoResult> {
  const { client } = o;
  const ec2 = (action: string, params?: Record<string, string | number | boolean | undefined>) => client.call('ec2', action, params);
  const ec = (action: string, params?: Record<string, string | number | boolean | undefined>) => client.call('elasticache', action, params);
  const created: string[] = [];
  const reused: string[] = [];
  const step = (what: string, isNew: boolean) => {
    (isNew ? created : reused).push(what);
    o.progress(`${isNew ? 'created' : 'reusing'} ${what}`);
  };
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);

  // ---- the VPC and its subnets ---------------------------------------------------
  let vpc = members((await ec2('DescribeVpcs', filters({ [`tag:${DEMO_TAG}`]: 'vpc' }))).vpcSet)[0];
  const newVpc = !vpc;
  if (!vpc) vpc = (await ec2('CreateVpc', { CidrBlock: '10.0.0.0/16', ...tagSpec('vpc', { Name: 'cove-demo', [DEMO_TAG]: 'vpc' }) })).vpc;
  step(`VPC ${vpc.vpcId} 10.0.0.0/16`, newVpc);
  const vpcId: string = vpc.vpcId;
  const subnets = members((await ec2('DescribeSubnets', filters({ 'vpc-id': vpcId }))).subnetSet);
  const subnet = async (cidr: string, name: string): Promise<string> => {
    const found = subnets.find((s) => s.cidrBlock === cidr);
    step(`subnet ${name} ${cidr}`, !found);
    if (found) return found.subnetId;
    const s = await ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: cidr, ...tagSpec('subnet', { Name: `cove-demo-${name}`, [DEMO_TAG]: name }) });
    return s.subnet.subnetId;
  };
  const privateSubnet = await subnet('10.0.1.0/24', 'private');
  const publicSubnet = await subnet('10.0.0.0/24', 'public');

  // ---- security groups ------------------------------------------------------------
  const groups = members((await ec2('DescribeSecurityGroups', filters({ 'vpc-id': vpcId }))).securityGroupInfo);
  const group = async (name: string, description: string): Promise<string> => {
    const found = groups.find((g) => g.groupName === name);
    step(`security group ${name}`, !found);
    if (found) return found.groupId;
    return (await ec2('CreateSecurityGroup', { GroupName: name, GroupDescription: description, VpcId: vpcId, ...tagSpec('security-group', { [DEMO_TAG]: name }) })).groupId;
  };
  const natGroup = await group('cove-demo-nat', 'Cove demo NAT instance: forwarded cache ports from the trusted client only');
  const cacheGroup = await group('cove-demo-cache', 'Cove demo cache nodes: cache ports from the NAT instance only');

  // ---- cache subnet group and clusters ----------------------------------------------
  try {
    await ec('DescribeCacheSubnetGroups', { CacheSubnetGroupName: SUBNET_GROUP });
    step(`cache subnet group ${SUBNET_GROUP}`, false);
  } catch (e) {
    if (!(e instanceof AwsError && e.code === 'CacheSubnetGroupNotFoundFault')) throw e;
    step(`cache subnet group ${SUBNET_GROUP}`, true);
    await ec('CreateCacheSubnetGroup', { CacheSubnetGroupName: SUBNET_GROUP, CacheSubnetGroupDescription: 'Cove demo: private subnet', 'SubnetIds.SubnetIdentifier.1': privateSubnet });
  }
  const cluster = async (id: string): Promise<Xml | null> => {
    try {
      return members((await ec('DescribeCacheClusters', { CacheClusterId: id, ShowCacheNodeInfo: true })).CacheClusters, 'CacheCluster')[0] ?? null;
    } catch (e) {
      if (e instanceof AwsError && e.code === 'CacheClusterNotFound') return null;
      throw e;
    }
  };
  const common = { CacheNodeType: NODE_TYPE, CacheSubnetGroupName: SUBNET_GROUP, 'SecurityGroupIds.SecurityGroupId.1': cacheGroup };
  // Valkey first (the first PONG waits for it): a replication group when the API has
  // one, else (or when an earlier run made one) a single-node cluster.
  let vkKind: 'replication-group' | 'cache-cluster' = 'cache-cluster';
  const vkCluster = await cluster(VK_ID);
  if (vkCluster) {
    step(`valkey cluster ${VK_ID} (1 node)`, false);
  } else {
    let rg: Xml | null | undefined;
    try {
      rg = members((await ec('DescribeReplicationGroups', { ReplicationGroupId: VK_ID })).ReplicationGroups, 'ReplicationGroup')[0] ?? null;
    } catch (e) {
      if (!(e instanceof AwsError)) throw e;
      if (e.code === 'ReplicationGroupNotFoundFault') rg = null;
      else if (e.code !== 'InvalidAction') throw e;
      // InvalidAction: this Cove has no replication groups yet (rg stays undefined).
    }
    if (rg !== undefined) {
      vkKind = 'replication-group';
      step(`valkey replication group ${VK_ID} (${VK_NODES} nodes: a primary and ${VK_NODES - 1} replicas)`, rg === null);
      if (rg === null) {
        await ec('CreateReplicationGroup', {
          ReplicationGroupId: VK_ID,
          ReplicationGroupDescription: 'Cove demo',
          Engine: 'valkey',
          NumCacheClusters: VK_NODES,
          ...common,
          'Tags.Tag.1.Key': DEMO_TAG,
          'Tags.Tag.1.Value': 'valkey',
        });
      }
    } else {
      step(`valkey cluster ${VK_ID} (1 node; replication groups are not in this build)`, true);
      await ec('CreateCacheCluster', { CacheClusterId: VK_ID, Engine: 'valkey', NumCacheNodes: 1, ...common, 'Tags.Tag.1.Key': DEMO_TAG, 'Tags.Tag.1.Value': 'valkey' });
    }
  }

  const mcFound = await cluster(MC_ID);
  step(`memcached cluster ${MC_ID} (3 nodes)`, !mcFound);
  if (!mcFound) await ec('CreateCacheCluster', { CacheClusterId: MC_ID, Engine: 'memcached', NumCacheNodes: 3, ...common, 'Tags.Tag.1.Key': DEMO_TAG, 'Tags.Tag.1.Value': 'memcached' });

  // ---- rules (after the clusters, so their nodes start while these calls run) -----
  // A rule the group already has answers InvalidPermission.Duplicate: that is "reuse".
  const allow = async (groupId: string, from: number, to: number, source: { cidr: string } | { group: string }) => {
    const p: Record<string, string | number> = { GroupId: groupId, 'IpPermissions.1.IpProtocol': 'tcp', 'IpPermissions.1.FromPort': from, 'IpPermissions.1.ToPort': to };
    if ('cidr' in source) p['IpPermissions.1.IpRanges.1.CidrIp'] = source.cidr;
    else p['IpPermissions.1.Groups.1.GroupId'] = source.group;
    try {
      await ec2('AuthorizeSecurityGroupIngress', p);
    } catch (e) {
      if (!(e instanceof AwsError && e.code === 'InvalidPermission.Duplicate')) throw e;
    }
  };
  // A replication group forwards its primary endpoint on 6379, then one port per node.
  const vkLast = 6379 + (vkKind === 'replication-group' ? VK_NODES : 0);
  for (const [from, to] of [[11211, 11213], [6379, vkLast], [22, 22]]) await allow(natGroup, from, to, { cidr: TRUSTED_CIDR });
  await allow(cacheGroup, 11211, 11211, { group: natGroup });
  await allow(cacheGroup, 6379, 6379, { group: natGroup });
  o.progress(`rules: cove-demo-nat admits 11211-11213, 6379-${vkLast}, 22 from ${TRUSTED_CIDR}; cove-demo-cache admits 11211, 6379 from cove-demo-nat`);

  // ---- the NAT instance and its Elastic IP -------------------------------------------
  let nat = members((await ec2('DescribeInstances', filters({ [`tag:${DEMO_TAG}`]: 'nat', 'instance-state-name': ['pending', 'running', 'stopping', 'stopped'] }))).reservationSet)
    .flatMap((r) => members(r.instancesSet))[0];
  const newNat = !nat;
  if (nat && nat.instanceState?.name !== 'running') {
    throw new DemoError(`the demo's NAT instance ${nat.instanceId} is ${nat.instanceState?.name}; terminate it (aws ec2 terminate-instances) and run \`cove up --demo\` again`);
  }
  if (!nat) {
    const images = members((await ec2('DescribeImages', filters({ name: 'cove-nat-*' }))).imagesSet);
    if (images.length === 0) throw new DemoError('no Cove NAT image (cove-nat-*) in DescribeImages');
    const run = await ec2('RunInstances', {
      ImageId: images[0].imageId,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: publicSubnet,
      PrivateIpAddress: NAT_PRIVATE_IP,
      'SecurityGroupId.1': natGroup,
      ...tagSpec('instance', { Name: 'cove-demo-nat', [DEMO_TAG]: 'nat', 'cove:forward': `${MC_ID}:11211,${VK_ID}:6379` }),
    });
    nat = members(run.instancesSet)[0];
  }
  const natId: string = nat.instanceId;
  step(`NAT instance ${natId} at ${NAT_PRIVATE_IP} (Cove NAT image, tag cove:forward)`, newNat);
  // The guide: a NAT instance must not drop traffic that is not addressed to it.
  await ec2('ModifyInstanceAttribute', { InstanceId: natId, 'SourceDestCheck.Value': false });

  let address: Xml | undefined = members((await ec2('DescribeAddresses', filters({ 'instance-id': natId }))).addressesSet)[0];
  if (address) {
    step(`Elastic IP ${address.publicIp}`, false);
  } else {
    // An address a previous run allocated but did not get to associate is reused too.
    address = members((await ec2('DescribeAddresses', filters({ [`tag:${DEMO_TAG}`]: 'eip' }))).addressesSet).find((a) => !a.associationId);
    const isNew = !address;
    if (!address) address = await ec2('AllocateAddress', { Domain: 'vpc', ...tagSpec('elastic-ip', { [DEMO_TAG]: 'eip' }) });
    step(`Elastic IP ${address.publicIp}`, isNew);
    await ec2('AssociateAddress', { AllocationId: address.allocationId, InstanceId: natId });
  }
  const eip: string = address.publicIp;
  o.progress(
    `forwarding: ${eip}:11211-11213 -> ${MC_ID} nodes, ${vkKind === 'replication-group' ? `${eip}:6379 -> ${VK_ID} primary endpoint, ${eip}:6380-${vkLast} -> its nodes` : `${eip}:6379 -> ${VK_ID}`} (tag cove:forward)`,
  );

  // ---- wait: nodes available, then the first PONG through the NAT -------------------
  // Pings are cheap (a refused connect costs nothing); the status calls cost the
  // control plane CPU that the starting nodes want, so they run less often.
  let last = '';
  let firstPongMs = -1;
  let nextStatus = 0;
  for (;;) {
    if (Date.now() > deadline) throw new DemoError(`the demo was not reachable within ${Math.round((o.timeoutMs ?? 60_000) / 1000)} s (last: ${last})`);
    if (firstPongMs < 0 && (await ping(eip, 6379))) {
      firstPongMs = o.now();
      o.progress(`first PONG through ${eip}:6379 at ${(firstPongMs / 1000).toFixed(2)} s`);
    }
    if (firstPongMs >= 0 || Date.now() >= nextStatus) {
      nextStatus = Date.now() + 250;
      const mc = await cluster(MC_ID);
      const vkStatus = vkKind === 'replication-group' ? await replicationGroupStatus(client) : (await cluster(VK_ID))?.CacheClusterStatus;
      const mcUp = mc ? members(mc.CacheNodes, 'CacheNode').filter((n) => n.CacheNodeStatus === 'available').length : 0;
      const now = `${MC_ID} ${mc?.CacheClusterStatus ?? '?'} (${mcUp}/3 nodes), ${VK_ID} ${vkStatus ?? '?'}`;
      if (now !== last) {
        o.progress(`waiting: ${now}`);
        last = now;
      }
      if (firstPongMs >= 0 && mc?.CacheClusterStatus === 'available' && vkStatus === 'available' && (await memcachedVersion(eip, 11211))) break;
    }
    await new Promise((r) => setTimeout(r, firstPongMs >= 0 ? 100 : 20));
  }

  // ---- what was built ---------------------------------------------------------------
  const table = await o.forwarding(natId);
  const nodesOf = (c: Xml | null): DemoNode[] =>
    members(c?.CacheNodes, 'CacheNode').map((n) => {
      const f = table.find((e) => e.node?.clusterId === c!.CacheClusterId && e.node?.nodeId === n.CacheNodeId);
      return { id: `${c!.CacheClusterId}/${n.CacheNodeId}`, endpoint: `${n.Endpoint?.Address}:${n.Endpoint?.Port}`, privateIp: f?.ip ?? '', publicPort: f?.publicPort };
    });
  const mcNodes = nodesOf(await cluster(MC_ID));
  let vkNodes: DemoNode[];
  if (vkKind === 'replication-group') {
    const rg = members((await ec('DescribeReplicationGroups', { ReplicationGroupId: VK_ID })).ReplicationGroups, 'ReplicationGroup')[0];
    const roles = new Map<string, string>();
    for (const ng of members(rg?.NodeGroups, 'NodeGroup')) {
      for (const m of members(ng.NodeGroupMembers, 'NodeGroupMember')) roles.set(m.CacheClusterId, m.CurrentRole);
    }
    // The primary endpoint first: it follows failover, so it is the address to use.
    const primary = members(rg?.NodeGroups, 'NodeGroup')[0]?.PrimaryEndpoint;
    const f = table.find((e) => !e.node && e.publicPort === 6379);
    vkNodes = primary ? [{ id: `${VK_ID} primary endpoint`, endpoint: `${primary.Address}:${primary.Port}`, privateIp: f?.ip ?? '', publicPort: f?.publicPort }] : [];
    for (const id of members(rg?.MemberClusters, 'ClusterId').map(String)) {
      for (const n of nodesOf(await cluster(id))) vkNodes.push({ ...n, role: roles.get(id) });
    }
  } else {
    vkNodes = nodesOf(await cluster(VK_ID));
  }
  vkNodes.sort((a, b) => (a.publicPort ?? 1e6) - (b.publicPort ?? 1e6));
  return {
    vpcId,
    natInstanceId: natId,
    eip,
    memcached: { id: MC_ID, nodes: mcNodes.sort((a, b) => (a.publicPort ?? 1e6) - (b.publicPort ?? 1e6)) },
    valkey: { id: VK_ID, kind: vkKind, nodes: vkNodes },
    firstPongMs,
    created,
    reused,
  };
}

async function replicationGroupStatus(client: QueryClient): Promise<string | undefined> {
  const rg = members((await client.call('elasticache', 'DescribeReplicationGroups', { ReplicationGroupId: VK_ID })).ReplicationGroups, 'ReplicationGroup')[0];
  return rg?.Status;
}

/** One request/answer on a fresh connection from the host (source 127.0.0.1); null on any failure. */
export function exchange(host: string, port: number, request: string, done: RegExp, timeoutMs = 1000): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let data = '';
    const finish = (v: string | null) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.on('connect', () => sock.write(request));
    sock.on('data', (d) => {
      data += d.toString('latin1');
      if (done.test(data)) finish(data);
    });
    sock.on('error', () => finish(null));
    sock.on('close', () => finish(null));
  });
}

async function ping(host: string, port: number): Promise<boolean> {
  return (await exchange(host, port, 'PING\r\n', /\r\n$/)) === '+PONG\r\n';
}

async function memcachedVersion(host: string, port: number): Promise<boolean> {
  return (await exchange(host, port, 'version\r\n', /\r\n$/))?.startsWith('VERSION ') ?? false;
}
