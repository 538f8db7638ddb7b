// The network view: everything the security-group policy, the NAT gateways and the
// flow logs need to know about the cloud, as one plain JSON document. The control
// plane builds it from its state after every network change and hands it to each
// cache node process as a file (run/network.json), so a node decides who may connect
// without asking anyone; the NAT gateways and `cove why` read the same document.
//
// Only facts, no decisions: decisions are policy.ts's.

import type { Cloud } from '../control/cloud.js';
import { IMAGES } from '../control/cloud.js';
import type { Address, CacheCluster, Eni, Instance, Peering, ReplicationGroup, SecurityGroup, SgRule, Subnet, Tag, Vpc } from '../control/model.js';
import { loopbackFor, parseIp } from './addressing.js';

export interface ViewVpc {
  id: string;
  account: string;
  cidr: string;
  /** VPC number: its hosts are served on 127.k.0.0/16. */
  k: number;
}

export interface ViewGroup {
  id: string;
  account: string;
  vpcId: string;
  name: string;
  rules: SgRule[];
}

export interface ViewEni {
  id: string;
  account: string;
  vpcId: string;
  subnetId: string;
  privateIp: string;
  /** The loopback address that stands for the private address (127.k.c.d). */
  address: string;
  groupIds: string[];
  sourceDestCheck: boolean;
  /** What the interface belongs to. */
  kind: 'cache-node' | 'instance' | 'other';
  instanceId?: string;
  clusterId?: string;
  nodeId?: string;
}

export interface ViewInstance {
  id: string;
  account: string;
  vpcId: string;
  subnetId: string;
  eniId: string;
  privateIp: string;
  state: Instance['state'];
  imageId: string;
  /** Launched from the Cove NAT image. */
  nat: boolean;
  sourceDestCheck: boolean;
  /** Base64, as stored. */
  userData?: string;
  tags: Tag[];
  publicIp?: string;
  allocationId?: string;
}

export interface ViewPeering {
  id: string;
  requesterVpcId: string;
  accepterVpcId: string;
  status: Peering['status'];
}

export interface ViewNode {
  nodeId: string;
  eniId: string;
  privateIp: string;
  address: string;
  port: number;
  status: string;
}

export interface ViewCluster {
  account: string;
  id: string;
  engine: string;
  port: number;
  replicationGroupId?: string;
  nodes: ViewNode[];
}

/** A replication group's primary endpoint: a floating address that follows failover. */
export interface ViewReplicationGroup {
  account: string;
  id: string;
  port: number;
  primaryEndpoint: { privateIp: string; address: string };
}

/** A flow log subscription (CreateFlowLogs) resolved to a file. */
export interface ViewFlowLog {
  id: string;
  account: string;
  resourceId: string;
  resourceType: 'VPC' | 'Subnet' | 'NetworkInterface';
  trafficType: 'ACCEPT' | 'REJECT' | 'ALL';
  /** Absolute path of the file records are appended to. */
  file: string;
  /** Field names of the record format (default: the version 2 fields). */
  fields: string[];
  /** Seconds: an open connection's counters are written at least this often. */
  maxAggregationInterval: number;
}

/** The forwarding configuration of a NAT instance, as the iptables commands left it. */
export interface ViewNatConfig {
  instanceId: string;
  /** Rules of the nat table in iptables-save form (`-A PREROUTING ...`). */
  rules: string[];
  ipForward: boolean;
  /** User-data lines that were not understood, with why. */
  ignored: string[];
}

export interface NetworkView {
  /** Increases with every change the control plane publishes. */
  version: number;
  generated: string;
  vpcs: ViewVpc[];
  subnets: { id: string; vpcId: string; cidr: string }[];
  groups: ViewGroup[];
  enis: ViewEni[];
  instances: ViewInstance[];
  peerings: ViewPeering[];
  clusters: ViewCluster[];
  /** Absent in views written before replication groups existed. */
  replicationGroups?: ViewReplicationGroup[];
  flowLogs: ViewFlowLog[];
  nat: ViewNatConfig[];
}

/** Stored flow log subscription (control-plane state kind 'flow-log'). */
export interface FlowLogDoc {
  id: string;
  account: string;
  tags: Tag[];
  created: string;
  resourceId: string;
  resourceType: 'VPC' | 'Subnet' | 'NetworkInterface';
  trafficType: 'ACCEPT' | 'REJECT' | 'ALL';
  logDestinationType: 'cloud-watch-logs' | 's3';
  logDestination?: string;
  logGroupName?: string;
  logFormat: string;
  fields: string[];
  maxAggregationInterval: number;
  deliverLogsPermissionArn?: string;
  clientToken?: string;
  /** Absolute path of the file records go to. */
  file: string;
}

/** Stored NAT configuration (control-plane state kind 'nat-config'; id = instance id). */
export interface NatConfigDoc extends ViewNatConfig {
  id: string;
  account: string;
  tags: Tag[];
  created: string;
}

export function emptyView(): NetworkView {
  return { version: 0, generated: new Date(0).toISOString(), vpcs: [], subnets: [], groups: [], enis: [], instances: [], peerings: [], clusters: [], flowLogs: [], nat: [] };
}

/** Reads the control plane's state into a view (all accounts: VPC numbers are global). */
export function buildView(cloud: Cloud, version: number): NetworkView {
  const { state } = cloud;
  const vpcs = state.list<Vpc>('vpc', null);
  const kOf = new Map(vpcs.map((v) => [v.id, v.k]));
  const addresses = state.list<Address>('address', null);
  const eipOf = new Map<string, Address>();
  for (const a of addresses) if (a.eniId) eipOf.set(a.eniId, a);
  const natImages = new Set(IMAGES.filter((i) => i.nat).map((i) => i.imageId));
  const enis: ViewEni[] = [];
  for (const e of state.list<Eni>('eni', null)) {
    const k = kOf.get(e.vpcId);
    const ip = parseIp(e.privateIp);
    if (k === undefined || ip === null) continue;
    enis.push({
      id: e.id,
      account: e.account,
      vpcId: e.vpcId,
      subnetId: e.subnetId,
      privateIp: e.privateIp,
      address: loopbackFor(k, ip),
      groupIds: [...e.groupIds],
      sourceDestCheck: e.sourceDestCheck,
      kind: e.cacheNode ? 'cache-node' : e.attachment?.instanceId ? 'instance' : 'other',
      instanceId: e.attachment?.instanceId,
      clusterId: e.cacheNode?.clusterId,
      nodeId: e.cacheNode?.nodeId,
    });
  }
  const instances: ViewInstance[] = state
    .list<Instance>('instance', null)
    .filter((i) => i.state !== 'terminated')
    .map((i) => {
      const eip = eipOf.get(i.eniId);
      return {
        id: i.id,
        account: i.account,
        vpcId: i.vpcId,
        subnetId: i.subnetId,
        eniId: i.eniId,
        privateIp: i.privateIp,
        state: i.state,
        imageId: i.imageId,
        nat: natImages.has(i.imageId),
        sourceDestCheck: i.sourceDestCheck,
        userData: i.userData,
        tags: i.tags,
        publicIp: eip?.publicIp,
        allocationId: eip?.id,
      };
    });
  return {
    version,
    generated: new Date().toISOString(),
    vpcs: vpcs.map((v) => ({ id: v.id, account: v.account, cidr: v.cidr, k: v.k })),
    subnets: state.list<Subnet>('subnet', null).map((s) => ({ id: s.id, vpcId: s.vpcId, cidr: s.cidr })),
    groups: state.list<SecurityGroup>('security-group', null).map((g) => ({ id: g.id, account: g.account, vpcId: g.vpcId, name: g.name, rules: g.rules })),
    enis,
    instances,
    peerings: state
      .list<Peering>('peering', null)
      .map((p) => ({ id: p.id, requesterVpcId: p.requesterVpcId, accepterVpcId: p.accepterVpcId, status: p.status })),
    clusters: state.list<CacheCluster>('cache-cluster', null).map((c) => ({
      account: c.account,
      id: c.id,
      engine: c.engine,
      port: c.port,
      replicationGroupId: c.replicationGroupId,
      nodes: c.nodes.map((n) => ({ nodeId: n.nodeId, eniId: n.eniId, privateIp: n.privateIp, address: n.address, port: n.port, status: n.status })),
    })),
    replicationGroups: state.list<ReplicationGroup>('replication-group', null).map((g) => ({
      account: g.account,
      id: g.id,
      port: g.port,
      primaryEndpoint: { privateIp: g.primaryEndpoint.privateIp, address: g.primaryEndpoint.address },
    })),
    flowLogs: state.list<FlowLogDoc>('flow-log', null).map((f) => ({
      id: f.id,
      account: f.account,
      resourceId: f.resourceId,
      resourceType: f.resourceType,
      trafficType: f.trafficType,
      file: f.file,
      fields: f.fields,
      maxAggregationInterval: f.maxAggregationInterval,
    })),
    nat: state.list<NatConfigDoc>('nat-config', null).map((n) => ({ instanceId: n.id, rules: n.rules, ipForward: n.ipForward, ignored: n.ignored })),
  };
}
