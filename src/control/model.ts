// The resource model: what the control plane stores for each EC2 and ElastiCache
// resource. These are the documents in SQLite (state.ts); the API layer turns them
// into each service's response shapes. Field names are Cove's own (camelCase), not
// the wire's.

export interface Tag {
  Key: string;
  Value: string;
}

interface Base {
  id: string;
  account: string;
  tags: Tag[];
  /** ISO time of creation. */
  created: string;
}

export interface Vpc extends Base {
  cidr: string;
  /** The VPC number k: its hosts are served on 127.k.0.0/16 (DESIGN.md §3). */
  k: number;
  isDefault: boolean;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
}

export interface Subnet extends Base {
  vpcId: string;
  cidr: string;
  az: string;
  defaultForAz: boolean;
  mapPublicIpOnLaunch: boolean;
}

/** One rule: a single source or destination, as AWS numbers them (sgr-...). */
export interface SgRule {
  ruleId: string;
  egress: boolean;
  /** 'tcp' | 'udp' | 'icmp' | 'icmpv6' | '-1' | a protocol number. */
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  prefixListId?: string;
  /** Referenced security group (source for ingress, destination for egress). */
  groupId?: string;
  groupOwner?: string;
  description?: string;
}

export interface SecurityGroup extends Base {
  vpcId: string;
  name: string;
  description: string;
  rules: SgRule[];
}

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export interface Instance extends Base {
  imageId: string;
  instanceType: string;
  subnetId: string;
  vpcId: string;
  az: string;
  privateIp: string;
  eniId: string;
  groupIds: string[];
  state: InstanceStateName;
  sourceDestCheck: boolean;
  /** Base64, as it arrived (AWS keeps and returns it encoded). */
  userData?: string;
  keyName?: string;
  reservationId: string;
  clientToken?: string;
  amiLaunchIndex: number;
  terminatedAt?: string;
}

export interface Address extends Base {
  publicIp: string;
  domain: 'vpc';
  associationId?: string;
  instanceId?: string;
  eniId?: string;
  privateIp?: string;
}

export interface Eni extends Base {
  subnetId: string;
  vpcId: string;
  az: string;
  privateIp: string;
  macAddress: string;
  groupIds: string[];
  description: string;
  interfaceType: 'interface';
  requesterId?: string;
  requesterManaged: boolean;
  sourceDestCheck: boolean;
  attachment?: { attachmentId: string; instanceId?: string; deviceIndex: number; attachTime: string; instanceOwnerId: string };
  /** For a cache node's ENI: which node it carries. */
  cacheNode?: { clusterId: string; nodeId: string };
}

export type PeeringStatus = 'pending-acceptance' | 'active' | 'deleted' | 'rejected' | 'failed' | 'expired';

export interface Peering extends Base {
  requesterVpcId: string;
  requesterOwner: string;
  accepterVpcId: string;
  accepterOwner: string;
  status: PeeringStatus;
  expiration: string;
}

export interface CacheSubnetGroup extends Base {
  description: string;
  vpcId: string;
  subnetIds: string[];
}

export type Engine = 'memcached' | 'redis' | 'valkey';

export type CacheNodeStatus = 'creating' | 'available' | 'rebooting' | 'deleting' | 'restarting';

export interface CacheNode {
  nodeId: string;
  status: CacheNodeStatus;
  created: string;
  az: string;
  subnetId: string;
  eniId: string;
  /** Private address (the ENI's). */
  privateIp: string;
  /** The loopback address the node process listens on (Endpoint.Address). */
  address: string;
  port: number;
  /** Management-channel unix socket of the node process. */
  socket: string;
  /** OS process serving the node, when one has been started. */
  pid?: number;
  /** Times the process was replaced after dying. */
  replacements: number;
  /** When the reboot of this node was asked for (status rebooting). */
  rebootRequested?: string;
}

export type CacheClusterStatus =
  | 'creating'
  | 'available'
  | 'modifying'
  | 'deleting'
  | 'rebooting cluster nodes'
  | 'incompatible-network';

export interface CacheCluster extends Base {
  engine: Engine;
  engineVersion: string;
  nodeType: string;
  status: CacheClusterStatus;
  /** Target node count (NumCacheNodes). */
  numNodes: number;
  port: number;
  subnetGroupName: string;
  vpcId: string;
  securityGroupIds: string[];
  azMode: 'single-az' | 'cross-az';
  preferredAz: string;
  parameterGroupName: string;
  maintenanceWindow: string;
  snapshotRetentionLimit: number;
  snapshotWindow?: string;
  autoMinorVersionUpgrade: boolean;
  replicationGroupId?: string;
  nodes: CacheNode[];
  /** Node count before the modification in progress (for its closing event). */
  modifyFrom?: number;
  /** Memcached auto discovery: the node list nodes were last told, and its version number. */
  discoveryMembers?: string;
  discoveryVersion?: number;
  /** Changes asked for without ApplyImmediately, shown as PendingModifiedValues. */
  pending: { numNodes?: number; removeIds?: string[] };
  /** Member of a replication group with an AUTH token (AuthTokenEnabled in the API). */
  authTokenEnabled?: boolean;
}

export type ReplicationGroupStatus = 'creating' | 'available' | 'modifying' | 'deleting' | 'create-failed';

/** A floating address of a replication group (primary or reader endpoint): an ENI of its own. */
export interface GroupEndpoint {
  eniId: string;
  privateIp: string;
  /** The loopback address clients dial (127.k.c.d). */
  address: string;
}

/** A Valkey/Redis replication group, cluster mode disabled: one node group, members rg-001, rg-002, ... */
export interface ReplicationGroup extends Base {
  description: string;
  status: ReplicationGroupStatus;
  engine: Engine;
  engineVersion: string;
  nodeType: string;
  port: number;
  subnetGroupName: string;
  vpcId: string;
  securityGroupIds: string[];
  parameterGroupName: string;
  maintenanceWindow: string;
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  autoMinorVersionUpgrade: boolean;
  automaticFailover: boolean;
  multiAz: boolean;
  transitEncryption: boolean;
  /** The AUTH token (requirepass/masterauth of every member); never returned by the API. */
  authToken?: string;
  authTokenLastModified?: string;
  /** Member cluster ids, in creation order. */
  members: string[];
  /** The member whose node is the primary now. */
  primaryClusterId: string;
  primaryEndpoint: GroupEndpoint;
  readerEndpoint: GroupEndpoint;
  /** A switch of primary asked for (ModifyReplicationGroup PrimaryClusterId, TestFailover). */
  switchTo?: { clusterId?: string; test: boolean; requested: string };
  /** Members leaving (DecreaseReplicaCount); the group is modifying until they are gone. */
  removing?: string[];
  /** DeleteReplicationGroup RetainPrimaryCluster: this member stays as a standalone cluster. */
  retainPrimary?: boolean;
}

export interface EventRecord {
  seq: number;
  sourceType: string;
  sourceId: string;
  message: string;
  date: string;
}
