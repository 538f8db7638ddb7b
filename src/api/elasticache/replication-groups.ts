// ElastiCache replication groups, cluster mode disabled: CreateReplicationGroup
// DescribeReplicationGroups ModifyReplicationGroup IncreaseReplicaCount
// DecreaseReplicaCount DeleteReplicationGroup TestFailover.
//
// A group is one node group ("0001") of member cache clusters rg-001, rg-002, ...
// (real CacheClusters, listed by DescribeCacheClusters with their ReplicationGroupId,
// as Terraform expects) plus two floating addresses: the PrimaryEndpoint and the
// ReaderEndpoint. These handlers validate and record the desired state; the
// reconciler runs the member nodes and control/replication-groups.ts keeps their
// roles, fails over, and moves the group's status on.

import { ApiError, invalidParameterCombination, invalidParameterValue, missingParameter } from '../errors.js';
import { bool, int, list, str, struct, ts, Operation } from '../shapes.js';
import type { Cloud } from '../../control/cloud.js';
import type { CacheCluster, CacheSubnetGroup, Engine, Eni, GroupEndpoint, ReplicationGroup, SecurityGroup, Subnet, Tag, Vpc } from '../../control/model.js';
import { checkCacheId } from '../../control/ids.js';
import { defaultParameterGroup, defaultPort, defaultVersion, findVersion } from '../../control/engines.js';
import { placeNodes } from '../../control/placement.js';
import { loopbackFor, nextFreeAddress, parseCidr, parseIp } from '../../network/addressing.js';
import { EndpointShape, NodeSettingsIn, ModifyNodeSettingsIn, TagsIn } from './shapes.js';
import { ecArn, findCluster, findSubnetGroup, pageRecords } from './common.js';
import { defaultSubnetGroup } from './subnet-groups.js';

/** Cluster mode disabled: one primary and at most five replicas. */
const MAX_MEMBERS = 6;
const NODE_GROUP_ID = '0001';

const FAILOVER_NEEDS_TWO = 'When using automatic failover, there must be at least 2 cache clusters in the replication group.';
const FAILOVER_NEEDS_REPLICA = 'Must have at least 1 replica when cluster mode is disabled with auto failover enabled.';
const MULTI_AZ_NEEDS_FAILOVER = 'Multi-AZ requires automatic failover to be enabled.';

export const ReplicationGroupShape = struct({
  ReplicationGroupId: str(),
  Description: str(),
  Status: str(),
  PendingModifiedValues: struct({ PrimaryClusterId: str(), AutomaticFailoverStatus: str() }),
  MemberClusters: list(str(), 'ClusterId'),
  NodeGroups: list(
    struct({
      NodeGroupId: str(),
      Status: str(),
      PrimaryEndpoint: EndpointShape,
      ReaderEndpoint: EndpointShape,
      NodeGroupMembers: list(
        struct({ CacheClusterId: str(), CacheNodeId: str(), ReadEndpoint: EndpointShape, PreferredAvailabilityZone: str(), CurrentRole: str() }),
        'NodeGroupMember',
      ),
    }),
    'NodeGroup',
  ),
  SnapshottingClusterId: str(),
  AutomaticFailover: str(),
  MultiAZ: str(),
  SnapshotRetentionLimit: int(),
  SnapshotWindow: str(),
  ClusterEnabled: bool(),
  CacheNodeType: str(),
  AuthTokenEnabled: bool(),
  AuthTokenLastModifiedDate: ts(),
  TransitEncryptionEnabled: bool(),
  AtRestEncryptionEnabled: bool(),
  ARN: str(),
  UserGroupIds: list(str(), 'member'),
  LogDeliveryConfigurations: list(struct({ LogType: str(), DestinationType: str(), LogFormat: str(), Status: str(), Message: str() }), 'LogDeliveryConfiguration'),
  ReplicationGroupCreateTime: ts(),
  DataTiering: str(),
  AutoMinorVersionUpgrade: bool(),
  NetworkType: str(),
  IpDiscovery: str(),
  TransitEncryptionMode: str(),
  ClusterMode: str(),
  Engine: str(),
});

export function groupNotFound(id: string): ApiError {
  return new ApiError('ReplicationGroupNotFoundFault', `ReplicationGroup not found: ${id}`);
}

export function findGroup(cloud: Cloud, account: string, id: string): ReplicationGroup {
  const g = cloud.state.get<ReplicationGroup>('replication-group', account, id.toLowerCase());
  if (!g) throw groupNotFound(id);
  return g;
}

function notAvailable(g: ReplicationGroup): ApiError {
  return new ApiError('InvalidReplicationGroupState', `Replication group ${g.id} is not in available state.`);
}

export function replicationGroupOut(cloud: Cloud, g: ReplicationGroup) {
  const members = g.members
    .map((id) => cloud.state.get<CacheCluster>('cache-cluster', g.account, id))
    .filter((c): c is CacheCluster => c !== undefined && c.nodes.length > 0);
  return {
    ReplicationGroupId: g.id,
    Description: g.description,
    Status: g.status,
    PendingModifiedValues: {
      PrimaryClusterId: g.switchTo?.clusterId && g.switchTo.clusterId !== g.primaryClusterId ? g.switchTo.clusterId : undefined,
    },
    MemberClusters: g.members,
    NodeGroups: [
      {
        NodeGroupId: NODE_GROUP_ID,
        Status: g.status,
        PrimaryEndpoint: { Address: g.primaryEndpoint.address, Port: g.port },
        ReaderEndpoint: { Address: g.readerEndpoint.address, Port: g.port },
        NodeGroupMembers: members.map((c) => ({
          CacheClusterId: c.id,
          CacheNodeId: c.nodes[0].nodeId,
          ReadEndpoint: { Address: c.nodes[0].address, Port: c.nodes[0].port },
          PreferredAvailabilityZone: c.nodes[0].az,
          CurrentRole: c.id === g.primaryClusterId ? 'primary' : 'replica',
        })),
      },
    ],
    AutomaticFailover: g.automaticFailover ? 'enabled' : 'disabled',
    MultiAZ: g.multiAz ? 'enabled' : 'disabled',
    SnapshotRetentionLimit: g.snapshotRetentionLimit,
    SnapshotWindow: g.snapshotWindow,
    ClusterEnabled: false,
    CacheNodeType: g.nodeType,
    AuthTokenEnabled: g.authToken !== undefined,
    AuthTokenLastModifiedDate: g.authToken !== undefined ? g.authTokenLastModified : undefined,
    TransitEncryptionEnabled: g.transitEncryption,
    AtRestEncryptionEnabled: false,
    ARN: ecArn(cloud, g.account, 'replicationgroup', g.id),
    UserGroupIds: [],
    LogDeliveryConfigurations: [],
    ReplicationGroupCreateTime: g.created,
    DataTiering: 'disabled',
    AutoMinorVersionUpgrade: g.autoMinorVersionUpgrade,
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
    TransitEncryptionMode: g.transitEncryption ? 'preferred' : undefined,
    ClusterMode: 'disabled',
    Engine: g.engine,
  };
}

/**
 * ElastiCache's AUTH token rules: 16-128 printable ASCII characters, none of
 * @ " / (the characters the service has always refused).
 */
export function checkAuthToken(token: string): void {
  if (token.length < 16 || token.length > 128) throw invalidParameterValue('Invalid AuthToken provided. The AuthToken must be between 16 and 128 characters long.');
  if (!/^[\x21-\x7e]+$/.test(token)) throw invalidParameterValue('Invalid AuthToken provided. Only printable ASCII characters are allowed.');
  if (/[@"/]/.test(token)) throw invalidParameterValue('Invalid AuthToken provided. The characters @, " and / are not allowed.');
}

function checkGroups(cloud: Cloud, account: string, ids: string[], vpcId: string): void {
  for (const id of ids) {
    const g = cloud.state.get<SecurityGroup>('security-group', account, id);
    if (!g || g.vpcId !== vpcId) {
      throw new ApiError('InvalidVPCNetworkStateFault', `The security group ${id} does not exist in the VPC ${vpcId} of the cache subnet group.`);
    }
  }
}

/** The AZs of a subnet group, in its subnets' order, each once. */
function groupAzs(cloud: Cloud, account: string, group: CacheSubnetGroup): string[] {
  const azs: string[] = [];
  for (const id of group.subnetIds) {
    const s = cloud.state.get<Subnet>('subnet', account, id);
    if (s && !azs.includes(s.az)) azs.push(s.az);
  }
  return azs;
}

/** Reserves a floating address (an ENI of the group's own) in the subnet of `subnetId`. */
function reserveEndpoint(cloud: Cloud, g: { id: string; account: string; securityGroupIds: string[] }, subnetId: string, role: string): GroupEndpoint {
  const subnet = cloud.state.get<Subnet>('subnet', g.account, subnetId)!;
  const vpc = cloud.state.get<Vpc>('vpc', g.account, subnet.vpcId)!;
  const ip = nextFreeAddress(parseCidr(subnet.cidr)!, cloud.takenIn(subnet.id));
  if (ip === null) throw new ApiError('InsufficientCacheClusterCapacity', `There are not enough free IP addresses in subnet ${subnet.id} for the ${role} endpoint.`);
  const eni = cloud.createEni(g.account, subnet, ip, [...g.securityGroupIds], `ElastiCache ${g.id} ${role} endpoint`, {
    requesterId: 'amazon-elasticache',
    requesterManaged: true,
  });
  return { eniId: eni.id, privateIp: eni.privateIp, address: loopbackFor(vpc.k, parseIp(eni.privateIp)!) };
}

/** The next free member ids: <rg>-001, <rg>-002, ... */
function nextMemberIds(cloud: Cloud, g: { id: string; account: string; members: string[] }, count: number): string[] {
  const out: string[] = [];
  for (let i = 1; out.length < count; i++) {
    const id = `${g.id}-${String(i).padStart(3, '0')}`;
    if (g.members.includes(id)) continue;
    if (cloud.state.get('cache-cluster', g.account, id)) {
      if (i > 999) break;
      continue;
    }
    out.push(id);
  }
  return out;
}

/** Member clusters of a group, each with one node placed (call inside a transaction). */
function createMembers(cloud: Cloud, runDir: string, g: ReplicationGroup, ids: string[], azs: (string | undefined)[]): CacheCluster[] {
  const group = findSubnetGroup(cloud, g.account, g.subnetGroupName);
  return ids.map((id, i) => {
    const c: CacheCluster = {
      id,
      account: g.account,
      tags: [],
      created: cloud.now(),
      engine: g.engine,
      engineVersion: g.engineVersion,
      nodeType: g.nodeType,
      status: 'creating',
      numNodes: 1,
      port: g.port,
      subnetGroupName: g.subnetGroupName,
      vpcId: g.vpcId,
      securityGroupIds: [...g.securityGroupIds],
      azMode: 'single-az',
      preferredAz: azs[i] ?? '',
      parameterGroupName: g.parameterGroupName,
      maintenanceWindow: g.maintenanceWindow,
      snapshotRetentionLimit: g.snapshotRetentionLimit,
      snapshotWindow: g.snapshotWindow,
      autoMinorVersionUpgrade: g.autoMinorVersionUpgrade,
      replicationGroupId: g.id,
      nodes: [],
      pending: {},
      authTokenEnabled: g.authToken !== undefined,
    };
    c.nodes = placeNodes(cloud, runDir, c, group, 1, { az: azs[i] });
    if (!c.preferredAz) c.preferredAz = c.nodes[0].az;
    return cloud.state.put('cache-cluster', c);
  });
}

/** AZs for new members: the ones asked for, else spread over the subnet group's AZs after the existing members. */
function spreadAzs(cloud: Cloud, account: string, group: CacheSubnetGroup, existing: number, count: number, asked?: string[]): (string | undefined)[] {
  if (asked?.length) return asked;
  const azs = groupAzs(cloud, account, group);
  return Array.from({ length: count }, (_, i) => (azs.length ? azs[(existing + i) % azs.length] : undefined));
}

export function replicationGroupOperations(cloud: Cloud, runDir: string): Operation[] {
  const { state } = cloud;
  const changed = (g: ReplicationGroup) => {
    cloud.hooks.replicationGroupChanged?.(g.account, g.id);
    for (const id of g.members) cloud.hooks.clusterChanged?.(g.account, id);
  };
  const out = (g: ReplicationGroup) => ({ ReplicationGroup: replicationGroupOut(cloud, g) });
  const groupOutput = struct({ ReplicationGroup: ReplicationGroupShape });

  return [
    {
      name: 'CreateReplicationGroup',
      input: struct(
        {
          ReplicationGroupId: str(),
          ReplicationGroupDescription: str(),
          GlobalReplicationGroupId: str(),
          PrimaryClusterId: str(),
          AutomaticFailoverEnabled: bool(),
          MultiAZEnabled: bool(),
          NumCacheClusters: int(),
          PreferredCacheClusterAZs: list(str(), 'AvailabilityZone'),
          NumNodeGroups: int(),
          ReplicasPerNodeGroup: int(),
          NodeGroupConfiguration: list(struct({ NodeGroupId: str(), Slots: str(), ReplicaCount: int(), PrimaryAvailabilityZone: str() }), 'NodeGroupConfiguration'),
          ...NodeSettingsIn,
          TransitEncryptionEnabled: bool(),
          AtRestEncryptionEnabled: bool(),
          KmsKeyId: str(),
          UserGroupIds: list(str(), 'member'),
          DataTieringEnabled: bool(),
          NetworkType: str({ enum: ['ipv4', 'ipv6', 'dual_stack'] }),
          IpDiscovery: str({ enum: ['ipv4', 'ipv6'] }),
          TransitEncryptionMode: str({ enum: ['preferred', 'required'] }),
          ClusterMode: str({ enum: ['enabled', 'disabled', 'compatible'] }),
        },
        ['ReplicationGroupId', 'ReplicationGroupDescription'],
      ),
      output: groupOutput,
      errors: [
        'ReplicationGroupAlreadyExists',
        'CacheClusterNotFound',
        'InvalidCacheClusterState',
        'CacheClusterAlreadyExists',
        'CacheSubnetGroupNotFoundFault',
        'InsufficientCacheClusterCapacity',
        'InvalidVPCNetworkStateFault',
        'NodeQuotaForClusterExceeded',
      ],
      handler(ctx, input) {
        const checked = checkCacheId(input.ReplicationGroupId, 'Replication group id', 40);
        if ('error' in checked) throw invalidParameterValue(checked.error);
        const id = checked.id;
        if (input.ClusterMode === 'enabled' || input.ClusterMode === 'compatible' || (input.NumNodeGroups ?? 1) > 1 || (input.NodeGroupConfiguration?.length ?? 0) > 1) {
          throw invalidParameterCombination('Cluster mode enabled replication groups are not supported by Cove yet: create a replication group with cluster mode disabled (one node group).');
        }
        if (input.GlobalReplicationGroupId !== undefined) throw invalidParameterCombination('Global datastores are not supported by Cove.');
        const primary: CacheCluster | undefined = input.PrimaryClusterId ? findCluster(cloud, ctx.account, input.PrimaryClusterId) : undefined;
        const engine = (primary?.engine ?? String(input.Engine ?? 'redis').toLowerCase()) as Engine;
        if (engine !== 'redis' && engine !== 'valkey') {
          throw invalidParameterValue(`Invalid value for engine: ${input.Engine}. Replication groups support the redis and valkey engines.`);
        }
        const version = primary ? findVersion(engine, primary.engineVersion) : input.EngineVersion ? findVersion(engine, input.EngineVersion) : defaultVersion(engine);
        if (!version) throw invalidParameterCombination(`Cannot find version ${input.EngineVersion} for ${engine}`);
        if (input.NumCacheClusters !== undefined && input.ReplicasPerNodeGroup !== undefined) {
          throw invalidParameterCombination('NumCacheClusters and ReplicasPerNodeGroup cannot both be specified.');
        }
        const perGroup: number | undefined = input.ReplicasPerNodeGroup ?? input.NodeGroupConfiguration?.[0]?.ReplicaCount;
        const total: number = input.NumCacheClusters ?? (perGroup !== undefined ? perGroup + 1 : 1);
        if (total < 1 || total > MAX_MEMBERS) {
          throw invalidParameterValue(`The number of cache clusters must be between 1 and ${MAX_MEMBERS} for a replication group with cluster mode disabled.`);
        }
        if (input.AutomaticFailoverEnabled && total < 2) throw invalidParameterCombination(FAILOVER_NEEDS_TWO);
        if (input.MultiAZEnabled && !input.AutomaticFailoverEnabled) throw invalidParameterCombination(MULTI_AZ_NEEDS_FAILOVER);
        if (input.AuthToken !== undefined) {
          if (!input.TransitEncryptionEnabled) throw invalidParameterCombination('AuthToken can only be specified when TransitEncryptionEnabled is true.');
          checkAuthToken(input.AuthToken);
          if (primary) throw invalidParameterCombination('AuthToken cannot be specified together with PrimaryClusterId.');
        }
        if (input.TransitEncryptionMode !== undefined && !input.TransitEncryptionEnabled) {
          throw invalidParameterCombination('TransitEncryptionMode can only be specified when TransitEncryptionEnabled is true.');
        }
        if (input.TransitEncryptionMode === 'required') {
          // Cove's TLS is served on the group's endpoints; member nodes' own addresses stay plaintext.
          throw invalidParameterCombination('TransitEncryptionMode required is not supported by Cove yet: use preferred.');
        }
        if (input.CacheSecurityGroupNames?.length) {
          throw invalidParameterCombination('Use of cache security groups is not permitted along with cache subnet group and/or security group Ids.');
        }
        if (input.Port !== undefined && (input.Port < 1024 || input.Port > 65535)) {
          throw invalidParameterValue(`The port ${input.Port} is invalid: it must be between 1024 and 65535.`);
        }
        const asked: string[] | undefined = input.PreferredCacheClusterAZs;
        if (asked?.length && asked.length !== total) {
          throw invalidParameterValue('The number of preferred cache cluster availability zones must match the number of cache clusters.');
        }
        for (const az of asked ?? []) if (!cloud.azs.includes(az)) throw invalidParameterValue(`Invalid availability zone: ${az}`);
        if (state.get('replication-group', ctx.account, id)) {
          throw new ApiError('ReplicationGroupAlreadyExists', `Replication group ${id} already exists.`);
        }
        if (primary) {
          if (primary.replicationGroupId) throw new ApiError('InvalidCacheClusterState', `Cache cluster ${primary.id} is already a member of replication group ${primary.replicationGroupId}.`);
          if (primary.status !== 'available') throw new ApiError('InvalidCacheClusterState', `Cache cluster ${primary.id} is not in available state.`);
        }
        const g = state.tx(() => {
          const subnetGroup: CacheSubnetGroup = primary
            ? findSubnetGroup(cloud, ctx.account, primary.subnetGroupName)
            : input.CacheSubnetGroupName
              ? findSubnetGroup(cloud, ctx.account, input.CacheSubnetGroupName)
              : defaultSubnetGroup(cloud, ctx.account);
          const sgs: string[] = primary
            ? [...primary.securityGroupIds]
            : input.SecurityGroupIds?.length
              ? [...new Set<string>(input.SecurityGroupIds)]
              : [cloud.defaultGroup(ctx.account, subnetGroup.vpcId)!.id];
          checkGroups(cloud, ctx.account, sgs, subnetGroup.vpcId);
          const now = cloud.now();
          const draft = {
            id,
            account: ctx.account,
            tags: (input.Tags ?? []).map((t: Tag) => ({ Key: t.Key, Value: t.Value ?? '' })),
            created: now,
            description: input.ReplicationGroupDescription,
            status: 'creating',
            engine,
            engineVersion: version.version,
            nodeType: primary?.nodeType ?? input.CacheNodeType ?? 'cache.t3.micro',
            port: primary?.port ?? input.Port ?? defaultPort(engine),
            subnetGroupName: subnetGroup.id,
            vpcId: subnetGroup.vpcId,
            securityGroupIds: sgs,
            parameterGroupName: input.CacheParameterGroupName ?? defaultParameterGroup(version),
            maintenanceWindow: input.PreferredMaintenanceWindow ?? 'sun:05:00-sun:06:00',
            snapshotRetentionLimit: input.SnapshotRetentionLimit ?? 0,
            snapshotWindow: input.SnapshotWindow ?? '06:30-07:30',
            autoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
            automaticFailover: input.AutomaticFailoverEnabled === true,
            multiAz: input.MultiAZEnabled === true,
            transitEncryption: input.TransitEncryptionEnabled === true,
            authToken: input.AuthToken,
            authTokenLastModified: input.AuthToken !== undefined ? now : undefined,
            members: primary ? [primary.id] : [],
            primaryClusterId: primary?.id ?? '',
          } as Omit<ReplicationGroup, 'primaryEndpoint' | 'readerEndpoint'>;
          const newIds = nextMemberIds(cloud, draft, total - draft.members.length);
          const azs = spreadAzs(cloud, ctx.account, subnetGroup, draft.members.length, newIds.length, primary ? asked?.slice(1) : asked);
          // Endpoints first (their ENIs need the ids), in the subnet the primary lands in.
          const g = draft as ReplicationGroup;
          g.primaryEndpoint = { eniId: '', privateIp: '', address: '' };
          g.readerEndpoint = { eniId: '', privateIp: '', address: '' };
          const created = createMembers(cloud, runDir, g, newIds, azs);
          g.members = [...g.members, ...created.map((c) => c.id)];
          if (!g.primaryClusterId) g.primaryClusterId = created[0].id;
          if (primary) {
            primary.replicationGroupId = id;
            state.put('cache-cluster', primary);
          }
          const primaryNode = (primary ?? created[0]).nodes[0];
          g.primaryEndpoint = reserveEndpoint(cloud, g, primaryNode.subnetId, 'primary');
          g.readerEndpoint = reserveEndpoint(cloud, g, primaryNode.subnetId, 'reader');
          return state.put('replication-group', g);
        });
        cloud.networkChanged();
        changed(g);
        return out(g);
      },
    },
    {
      name: 'DescribeReplicationGroups',
      input: struct({ ReplicationGroupId: str(), MaxRecords: int(), Marker: str() }),
      output: struct({ Marker: str(), ReplicationGroups: list(ReplicationGroupShape, 'ReplicationGroup') }),
      errors: ['ReplicationGroupNotFoundFault'],
      handler(ctx, input) {
        const groups = input.ReplicationGroupId
          ? [findGroup(cloud, ctx.account, input.ReplicationGroupId)]
          : state.list<ReplicationGroup>('replication-group', ctx.account);
        const p = pageRecords(groups, input);
        return { Marker: p.marker, ReplicationGroups: p.items.map((g) => replicationGroupOut(cloud, g)) };
      },
    },
    {
      name: 'ModifyReplicationGroup',
      input: struct(
        {
          ReplicationGroupId: str(),
          ReplicationGroupDescription: str(),
          PrimaryClusterId: str(),
          SnapshottingClusterId: str(),
          AutomaticFailoverEnabled: bool(),
          MultiAZEnabled: bool(),
          NodeGroupId: str(),
          CacheSecurityGroupNames: list(str(), 'CacheSecurityGroupName'),
          SecurityGroupIds: list(str(), 'SecurityGroupId'),
          ...ModifyNodeSettingsIn,
          AuthTokenUpdateStrategy: str({ enum: ['SET', 'ROTATE', 'DELETE'] }),
          IpDiscovery: str(),
          TransitEncryptionEnabled: bool(),
          TransitEncryptionMode: str(),
          ClusterMode: str(),
        },
        ['ReplicationGroupId'],
      ),
      output: groupOutput,
      errors: ['ReplicationGroupNotFoundFault', 'InvalidReplicationGroupState', 'InvalidCacheClusterState', 'InvalidVPCNetworkStateFault', 'CacheClusterNotFound'],
      handler(ctx, input) {
        const g = findGroup(cloud, ctx.account, input.ReplicationGroupId);
        if (g.status !== 'available') throw notAvailable(g);
        const known = [
          'ReplicationGroupDescription', 'PrimaryClusterId', 'AutomaticFailoverEnabled', 'MultiAZEnabled', 'SecurityGroupIds',
          'PreferredMaintenanceWindow', 'CacheParameterGroupName', 'EngineVersion', 'AutoMinorVersionUpgrade',
          'SnapshotRetentionLimit', 'SnapshotWindow', 'CacheNodeType', 'SnapshottingClusterId', 'NotificationTopicArn', 'NotificationTopicStatus',
        ];
        if (input.AuthToken !== undefined || input.AuthTokenUpdateStrategy !== undefined) {
          throw invalidParameterCombination('Changing the AUTH token of a replication group is not supported by Cove yet.');
        }
        if (input.TransitEncryptionEnabled !== undefined && input.TransitEncryptionEnabled !== g.transitEncryption) {
          throw invalidParameterCombination('Changing TransitEncryptionEnabled is not supported by Cove yet.');
        }
        if (input.ClusterMode !== undefined && input.ClusterMode !== 'disabled') {
          throw invalidParameterCombination('Cluster mode enabled replication groups are not supported by Cove yet.');
        }
        if (!known.some((k) => input[k] !== undefined)) throw invalidParameterCombination('No modifications were requested.');
        if (input.NodeGroupId !== undefined && input.NodeGroupId !== NODE_GROUP_ID) {
          throw new ApiError('NodeGroupNotFoundFault', `Node group ${input.NodeGroupId} not found in replication group ${g.id}.`);
        }
        const failover: boolean = input.AutomaticFailoverEnabled ?? g.automaticFailover;
        const multiAz: boolean = input.MultiAZEnabled ?? (input.AutomaticFailoverEnabled === false ? false : g.multiAz);
        if (failover && g.members.length < 2) throw invalidParameterCombination(FAILOVER_NEEDS_TWO);
        if (multiAz && !failover) throw invalidParameterCombination(MULTI_AZ_NEEDS_FAILOVER);
        if (input.EngineVersion !== undefined && !findVersion(g.engine, input.EngineVersion)) {
          throw invalidParameterCombination(`Cannot find version ${input.EngineVersion} for ${g.engine}`);
        }
        let primaryTo: string | undefined;
        if (input.PrimaryClusterId !== undefined) {
          const id = String(input.PrimaryClusterId).toLowerCase();
          if (!g.members.includes(id)) throw invalidParameterValue(`Cache cluster ${input.PrimaryClusterId} is not a member of replication group ${g.id}.`);
          if (id !== g.primaryClusterId) primaryTo = id;
        }
        let sgs: string[] | undefined;
        if (input.SecurityGroupIds?.length) {
          sgs = [...new Set<string>(input.SecurityGroupIds)];
          checkGroups(cloud, ctx.account, sgs, g.vpcId);
        }
        state.tx(() => {
          if (input.ReplicationGroupDescription !== undefined) g.description = input.ReplicationGroupDescription;
          g.automaticFailover = failover;
          g.multiAz = multiAz;
          if (input.PreferredMaintenanceWindow) g.maintenanceWindow = input.PreferredMaintenanceWindow;
          if (input.CacheParameterGroupName) g.parameterGroupName = input.CacheParameterGroupName;
          if (input.EngineVersion) g.engineVersion = findVersion(g.engine, input.EngineVersion)!.version;
          if (input.AutoMinorVersionUpgrade !== undefined) g.autoMinorVersionUpgrade = input.AutoMinorVersionUpgrade;
          if (input.SnapshotRetentionLimit !== undefined) g.snapshotRetentionLimit = input.SnapshotRetentionLimit;
          if (input.SnapshotWindow) g.snapshotWindow = input.SnapshotWindow;
          if (input.CacheNodeType) g.nodeType = input.CacheNodeType;
          if (sgs) {
            g.securityGroupIds = sgs;
            const enis = [g.primaryEndpoint.eniId, g.readerEndpoint.eniId];
            for (const id of g.members) {
              const c = state.get<CacheCluster>('cache-cluster', g.account, id);
              if (!c) continue;
              c.securityGroupIds = [...sgs];
              state.put('cache-cluster', c);
              enis.push(...c.nodes.map((n) => n.eniId));
            }
            for (const eniId of enis) {
              const eni = state.get<Eni>('eni', g.account, eniId);
              if (eni) {
                eni.groupIds = [...sgs];
                state.put('eni', eni);
              }
            }
          }
          if (primaryTo) {
            g.switchTo = { clusterId: primaryTo, test: false, requested: cloud.now() };
            g.status = 'modifying';
          }
          state.put('replication-group', g);
        });
        if (sgs) cloud.networkChanged();
        changed(g);
        return out(g);
      },
    },
    {
      name: 'IncreaseReplicaCount',
      input: struct(
        {
          ReplicationGroupId: str(),
          NewReplicaCount: int(),
          ReplicaConfiguration: list(struct({ NodeGroupId: str(), NewReplicaCount: int(), PreferredAvailabilityZones: list(str(), 'PreferredAvailabilityZone') }), 'ConfigureShard'),
          ApplyImmediately: bool(),
        },
        ['ReplicationGroupId', 'ApplyImmediately'],
      ),
      output: groupOutput,
      errors: ['ReplicationGroupNotFoundFault', 'InvalidReplicationGroupState', 'InsufficientCacheClusterCapacity', 'InvalidVPCNetworkStateFault', 'NoOperationFault'],
      handler(ctx, input) {
        const g = findGroup(cloud, ctx.account, input.ReplicationGroupId);
        if (g.status !== 'available') throw notAvailable(g);
        const shard = input.ReplicaConfiguration?.[0];
        const target: number | undefined = input.NewReplicaCount ?? shard?.NewReplicaCount;
        if (target === undefined) throw missingParameter('NewReplicaCount');
        const current = g.members.length - 1;
        if (target <= current) throw invalidParameterValue(`The new replica count (${target}) must be greater than the current replica count (${current}).`);
        if (target + 1 > MAX_MEMBERS) throw invalidParameterValue(`A node group can have at most ${MAX_MEMBERS - 1} replicas.`);
        const asked: string[] | undefined = shard?.PreferredAvailabilityZones;
        if (asked?.length && asked.length !== target - current) throw invalidParameterValue('The number of preferred availability zones must match the number of replicas being added.');
        state.tx(() => {
          const subnetGroup = findSubnetGroup(cloud, g.account, g.subnetGroupName);
          const ids = nextMemberIds(cloud, g, target - current);
          const created = createMembers(cloud, runDir, g, ids, spreadAzs(cloud, g.account, subnetGroup, g.members.length, ids.length, asked));
          g.members.push(...created.map((c) => c.id));
          g.status = 'modifying';
          state.put('replication-group', g);
        });
        cloud.networkChanged();
        changed(g);
        return out(g);
      },
    },
    {
      name: 'DecreaseReplicaCount',
      input: struct(
        {
          ReplicationGroupId: str(),
          NewReplicaCount: int(),
          ReplicaConfiguration: list(struct({ NodeGroupId: str(), NewReplicaCount: int() }), 'ConfigureShard'),
          ReplicasToRemove: list(str(), 'member'),
          ApplyImmediately: bool(),
        },
        ['ReplicationGroupId', 'ApplyImmediately'],
      ),
      output: groupOutput,
      errors: ['ReplicationGroupNotFoundFault', 'InvalidReplicationGroupState', 'InvalidVPCNetworkStateFault', 'NoOperationFault'],
      handler(ctx, input) {
        const g = findGroup(cloud, ctx.account, input.ReplicationGroupId);
        if (g.status !== 'available') throw notAvailable(g);
        const current = g.members.length - 1;
        const replicas = g.members.filter((id) => id !== g.primaryClusterId);
        let remove: string[];
        const target: number | undefined = input.NewReplicaCount ?? input.ReplicaConfiguration?.[0]?.NewReplicaCount;
        if (input.ReplicasToRemove?.length) {
          if (target !== undefined) throw invalidParameterCombination('Only one of NewReplicaCount or ReplicasToRemove can be specified.');
          remove = [...new Set<string>((input.ReplicasToRemove as string[]).map((x) => x.toLowerCase()))];
          for (const id of remove) {
            if (id === g.primaryClusterId) throw invalidParameterValue(`Cache cluster ${id} is the primary of replication group ${g.id} and cannot be removed.`);
            if (!g.members.includes(id)) throw invalidParameterValue(`Cache cluster ${id} is not a member of replication group ${g.id}.`);
          }
        } else {
          if (target === undefined) throw missingParameter('NewReplicaCount');
          if (target < 0 || target >= current) throw invalidParameterValue(`The new replica count (${target}) must be lower than the current replica count (${current}).`);
          // The newest replicas go first.
          remove = replicas.slice(target).reverse();
        }
        if (g.automaticFailover && current - remove.length < 1) throw invalidParameterValue(FAILOVER_NEEDS_REPLICA);
        g.removing = remove;
        g.status = 'modifying';
        state.put('replication-group', g);
        changed(g);
        return out(g);
      },
    },
    {
      name: 'DeleteReplicationGroup',
      input: struct({ ReplicationGroupId: str(), RetainPrimaryCluster: bool(), FinalSnapshotIdentifier: str() }, ['ReplicationGroupId']),
      output: groupOutput,
      errors: ['ReplicationGroupNotFoundFault', 'InvalidReplicationGroupState'],
      handler(ctx, input) {
        const g = findGroup(cloud, ctx.account, input.ReplicationGroupId);
        if (g.status === 'deleting') return out(g);
        if (g.status !== 'available' && g.status !== 'create-failed') throw notAvailable(g);
        g.status = 'deleting';
        g.retainPrimary = input.RetainPrimaryCluster === true;
        state.put('replication-group', g);
        changed(g);
        return out(g);
      },
    },
    {
      name: 'TestFailover',
      input: struct({ ReplicationGroupId: str(), NodeGroupId: str() }, ['ReplicationGroupId', 'NodeGroupId']),
      output: groupOutput,
      errors: ['ReplicationGroupNotFoundFault', 'InvalidReplicationGroupState', 'InvalidCacheClusterState', 'NodeGroupNotFoundFault', 'TestFailoverNotAvailableFault'],
      handler(ctx, input) {
        const g = findGroup(cloud, ctx.account, input.ReplicationGroupId);
        if (input.NodeGroupId !== NODE_GROUP_ID) {
          throw new ApiError('NodeGroupNotFoundFault', `Node group ${input.NodeGroupId} not found in replication group ${g.id}.`);
        }
        if (g.status !== 'available') throw notAvailable(g);
        if (!g.automaticFailover) {
          throw invalidParameterCombination(`Automatic failover is not enabled for replication group ${g.id}.`);
        }
        g.switchTo = { test: true, requested: cloud.now() };
        state.put('replication-group', g);
        state.addEvent(g.account, 'replication-group', g.id, `Test Failover API called for node group ${NODE_GROUP_ID}`);
        changed(g);
        return out(g);
      },
    },
  ];
}
