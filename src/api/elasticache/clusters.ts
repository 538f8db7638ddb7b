// ElastiCache cache clusters: CreateCacheCluster DescribeCacheClusters
// ModifyCacheCluster RebootCacheCluster DeleteCacheCluster.
//
// These validate and record the desired state (nodes placed, ENIs reserved, status
// creating/modifying/rebooting/deleting); the reconciler (control/reconciler.ts) then
// starts, stops and health-checks the node processes and moves the status on.

import { ApiError, invalidParameterCombination, invalidParameterValue } from '../errors.js';
import { bool, int, list, str, struct, Operation } from '../shapes.js';
import type { Cloud } from '../../control/cloud.js';
import type { CacheCluster, CacheSubnetGroup, Engine, Eni, SecurityGroup, Tag } from '../../control/model.js';
import { checkCacheId } from '../../control/ids.js';
import { defaultParameterGroup, defaultPort, defaultVersion, ENGINES, findVersion } from '../../control/engines.js';
import { placeNodes, preferredAzOf } from '../../control/placement.js';
import { CacheClusterShape, NodeSettingsIn, ModifyNodeSettingsIn } from './shapes.js';
import { clusterNotFound, ecArn, findCluster, findSubnetGroup, pageRecords } from './common.js';
import { defaultSubnetGroup } from './subnet-groups.js';

/** Nodes per memcached cluster (ElastiCache's default quota). */
export const MAX_NODES_PER_CLUSTER = 40;

const ENGINE_NAMES: Record<Engine, string> = { memcached: 'Memcached', redis: 'Redis', valkey: 'Valkey' };

export function clusterOut(cloud: Cloud, c: CacheCluster, showNodes: boolean) {
  const live = c.nodes;
  const first = [...c.nodes].sort((a, b) => a.nodeId.localeCompare(b.nodeId))[0];
  const pendingNum = c.pending.numNodes;
  return {
    CacheClusterId: c.id,
    // Memcached's configuration endpoint: any node answers `config get cluster`; AWS's
    // cfg name is an alias of one node's address, and so is this one.
    ConfigurationEndpoint: c.engine === 'memcached' && first ? { Address: first.address, Port: c.port } : undefined,
    ClientDownloadLandingPage: 'https://console.aws.amazon.com/elasticache/home#client-download:',
    CacheNodeType: c.nodeType,
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    CacheClusterStatus: c.status,
    NumCacheNodes: c.numNodes,
    PreferredAvailabilityZone: preferredAzOf(c),
    CacheClusterCreateTime: c.created,
    PreferredMaintenanceWindow: c.maintenanceWindow,
    PendingModifiedValues: {
      NumCacheNodes: pendingNum,
      CacheNodeIdsToRemove: c.pending.removeIds?.length ? c.pending.removeIds : undefined,
    },
    CacheSecurityGroups: [],
    CacheParameterGroup: { CacheParameterGroupName: c.parameterGroupName, ParameterApplyStatus: 'in-sync', CacheNodeIdsToReboot: [] },
    CacheSubnetGroupName: c.subnetGroupName,
    CacheNodes: showNodes
      ? live.map((n) => ({
          CacheNodeId: n.nodeId,
          CacheNodeStatus: n.status === 'restarting' ? 'rebooting' : n.status,
          CacheNodeCreateTime: n.created,
          Endpoint: { Address: n.address, Port: n.port },
          ParameterGroupStatus: 'in-sync',
          CustomerAvailabilityZone: n.az,
        }))
      : undefined,
    AutoMinorVersionUpgrade: c.autoMinorVersionUpgrade,
    SecurityGroups: c.securityGroupIds.map((id) => ({ SecurityGroupId: id, Status: 'active' })),
    ReplicationGroupId: c.replicationGroupId,
    SnapshotRetentionLimit: c.engine === 'memcached' ? undefined : c.snapshotRetentionLimit,
    SnapshotWindow: c.engine === 'memcached' ? undefined : c.snapshotWindow,
    AuthTokenEnabled: c.authTokenEnabled === true,
    TransitEncryptionEnabled: false,
    AtRestEncryptionEnabled: false,
    ARN: ecArn(cloud, c.account, 'cluster', c.id),
    ReplicationGroupLogDeliveryEnabled: false,
    LogDeliveryConfigurations: [],
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
  };
}

function checkNodeCount(engine: Engine, n: number): void {
  if (engine !== 'memcached' && n !== 1) {
    throw invalidParameterValue(`Cannot create a ${ENGINE_NAMES[engine]} cluster with a NumCacheNodes parameter greater than 1.`);
  }
  if (n < 1) throw invalidParameterValue('The number of cache nodes must be at least 1.');
  if (n > MAX_NODES_PER_CLUSTER) {
    throw new ApiError('NodeQuotaForClusterExceeded', `The number of cache nodes (${n}) exceeds the allowed maximum of ${MAX_NODES_PER_CLUSTER} per cluster.`);
  }
}

function checkGroups(cloud: Cloud, account: string, ids: string[], vpcId: string): void {
  for (const id of ids) {
    const g = cloud.state.get<SecurityGroup>('security-group', account, id);
    if (!g || g.vpcId !== vpcId) {
      throw new ApiError('InvalidVPCNetworkStateFault', `The security group ${id} does not exist in the VPC ${vpcId} of the cache subnet group.`);
    }
  }
}

export function clusterOperations(cloud: Cloud, runDir: string): Operation[] {
  const { state } = cloud;
  const changed = (c: CacheCluster) => cloud.hooks.clusterChanged?.(c.account, c.id);
  const NodeIds = (item = 'CacheNodeId') => list(str(), item);

  return [
    {
      name: 'CreateCacheCluster',
      input: struct(
        {
          CacheClusterId: str(),
          ReplicationGroupId: str(),
          AZMode: str({ enum: ['single-az', 'cross-az'] }),
          PreferredAvailabilityZone: str(),
          PreferredAvailabilityZones: list(str(), 'PreferredAvailabilityZone'),
          NumCacheNodes: int(),
          ...NodeSettingsIn,
          OutpostMode: str(),
          NetworkType: str({ enum: ['ipv4', 'ipv6', 'dual_stack'] }),
          IpDiscovery: str({ enum: ['ipv4', 'ipv6'] }),
          TransitEncryptionEnabled: bool(),
        },
        ['CacheClusterId'],
      ),
      output: struct({ CacheCluster: CacheClusterShape }),
      errors: [
        'CacheClusterAlreadyExists',
        'CacheSubnetGroupNotFoundFault',
        'InsufficientCacheClusterCapacity',
        'InvalidVPCNetworkStateFault',
        'NodeQuotaForClusterExceeded',
        'ReplicationGroupNotFoundFault',
      ],
      handler(ctx, input) {
        const checked = checkCacheId(input.CacheClusterId, 'Cache cluster id', 40);
        if ('error' in checked) throw invalidParameterValue(checked.error);
        const id = checked.id;
        if (input.ReplicationGroupId !== undefined) {
          // Adding a member to a replication group comes with replication groups (issue 6).
          throw new ApiError('ReplicationGroupNotFoundFault', `ReplicationGroup not found: ${input.ReplicationGroupId}`);
        }
        if (input.Engine === undefined) throw new ApiError('MissingParameter', 'The request must contain the parameter Engine');
        const engine = String(input.Engine).toLowerCase() as Engine;
        if (!ENGINES.includes(engine)) throw invalidParameterValue(`Invalid value for engine: ${input.Engine}. Valid values are: memcached, redis, valkey.`);
        const version = input.EngineVersion ? findVersion(engine, input.EngineVersion) : defaultVersion(engine);
        if (!version) throw invalidParameterCombination(`Cannot find version ${input.EngineVersion} for ${engine}`);
        const numNodes: number = input.NumCacheNodes ?? (engine === 'memcached' ? 0 : 1);
        if (engine === 'memcached' && input.NumCacheNodes === undefined) {
          throw new ApiError('MissingParameter', 'The request must contain the parameter NumCacheNodes');
        }
        checkNodeCount(engine, numNodes);
        if (engine === 'memcached') {
          if (input.SnapshotRetentionLimit) throw invalidParameterCombination('Snapshots are not supported for the memcached engine.');
          if (input.SnapshotArns?.length || input.SnapshotName) throw invalidParameterCombination('Restoring from a snapshot is not supported for the memcached engine.');
          if (input.SnapshotWindow) throw invalidParameterCombination('SnapshotWindow is not supported for the memcached engine.');
          if (input.AuthToken !== undefined) throw invalidParameterCombination('AuthToken is not supported for the memcached engine.');
        } else {
          if (input.AZMode === 'cross-az') throw invalidParameterValue('AZMode cross-az is only supported for Memcached clusters.');
          if (input.AuthToken !== undefined && !input.TransitEncryptionEnabled) {
            throw invalidParameterCombination('AuthToken requires TransitEncryptionEnabled.');
          }
        }
        if (input.AuthToken !== undefined || input.TransitEncryptionEnabled) {
          // AUTH and TLS per cluster come with issue 6; refuse rather than pretend.
          throw invalidParameterCombination('TransitEncryptionEnabled and AuthToken are not supported by Cove yet.');
        }
        if (input.CacheSecurityGroupNames?.length) {
          throw invalidParameterCombination('Use of cache security groups is not permitted along with cache subnet group and/or security group Ids.');
        }
        const prefs: string[] | undefined = input.PreferredAvailabilityZones;
        if (prefs?.length && prefs.length !== numNodes) {
          throw invalidParameterValue('The number of preferred availability zones must match the number of cache nodes.');
        }
        if (input.PreferredAvailabilityZone && prefs?.length) {
          throw invalidParameterCombination('Only one of PreferredAvailabilityZone or PreferredAvailabilityZones can be specified.');
        }
        for (const az of [input.PreferredAvailabilityZone, ...(prefs ?? [])]) {
          if (az !== undefined && !cloud.azs.includes(az)) throw invalidParameterValue(`Invalid availability zone: ${az}`);
        }
        if (input.AZMode === 'cross-az' && input.PreferredAvailabilityZone !== undefined) {
          throw invalidParameterCombination('PreferredAvailabilityZone cannot be used with AZMode cross-az; use PreferredAvailabilityZones.');
        }
        if (input.Port !== undefined && (input.Port < 1024 || input.Port > 65535)) {
          throw invalidParameterValue(`The port ${input.Port} is invalid: it must be between 1024 and 65535.`);
        }
        if (state.get('cache-cluster', ctx.account, id)) {
          throw new ApiError('CacheClusterAlreadyExists', `Cache cluster ${id} already exists.`);
        }
        const cluster = state.tx(() => {
          const group: CacheSubnetGroup = input.CacheSubnetGroupName
            ? findSubnetGroup(cloud, ctx.account, input.CacheSubnetGroupName)
            : defaultSubnetGroup(cloud, ctx.account);
          const groups: string[] = input.SecurityGroupIds?.length ? [...new Set<string>(input.SecurityGroupIds)] : [cloud.defaultGroup(ctx.account, group.vpcId)!.id];
          checkGroups(cloud, ctx.account, groups, group.vpcId);
          const c: CacheCluster = {
            id,
            account: ctx.account,
            tags: (input.Tags ?? []).map((t: Tag) => ({ Key: t.Key, Value: t.Value ?? '' })),
            created: cloud.now(),
            engine,
            engineVersion: version.version,
            nodeType: input.CacheNodeType ?? 'cache.t3.micro',
            status: 'creating',
            numNodes,
            port: input.Port ?? defaultPort(engine),
            subnetGroupName: group.id,
            vpcId: group.vpcId,
            securityGroupIds: groups,
            azMode: input.AZMode === 'cross-az' || (prefs && new Set(prefs).size > 1) ? 'cross-az' : 'single-az',
            preferredAz: input.PreferredAvailabilityZone ?? prefs?.[0] ?? '',
            parameterGroupName: input.CacheParameterGroupName ?? defaultParameterGroup(version),
            maintenanceWindow: input.PreferredMaintenanceWindow ?? 'sun:05:00-sun:06:00',
            snapshotRetentionLimit: input.SnapshotRetentionLimit ?? 0,
            snapshotWindow: engine === 'memcached' ? undefined : (input.SnapshotWindow ?? '06:30-07:30'),
            autoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
            nodes: [],
            pending: {},
          };
          // Spread over the group's AZs unless the caller pinned them (single-az with a preferred AZ).
          c.nodes = placeNodes(cloud, runDir, c, group, numNodes, {
            azs: prefs,
            az: input.PreferredAvailabilityZone,
          });
          if (!c.preferredAz) c.preferredAz = c.nodes[0].az;
          return state.put('cache-cluster', c);
        });
        cloud.networkChanged();
        changed(cluster);
        return { CacheCluster: clusterOut(cloud, cluster, false) };
      },
    },
    {
      name: 'DescribeCacheClusters',
      input: struct({
        CacheClusterId: str(),
        MaxRecords: int(),
        Marker: str(),
        ShowCacheNodeInfo: bool(),
        ShowCacheClustersNotInReplicationGroups: bool(),
      }),
      output: struct({ Marker: str(), CacheClusters: list(CacheClusterShape, 'CacheCluster') }),
      errors: ['CacheClusterNotFound'],
      handler(ctx, input) {
        let clusters = input.CacheClusterId
          ? [findCluster(cloud, ctx.account, input.CacheClusterId)]
          : state.list<CacheCluster>('cache-cluster', ctx.account);
        if (input.ShowCacheClustersNotInReplicationGroups) clusters = clusters.filter((c) => !c.replicationGroupId);
        const p = pageRecords(clusters, input);
        return { Marker: p.marker, CacheClusters: p.items.map((c) => clusterOut(cloud, c, input.ShowCacheNodeInfo === true)) };
      },
    },
    {
      name: 'ModifyCacheCluster',
      input: struct(
        {
          CacheClusterId: str(),
          NumCacheNodes: int(),
          CacheNodeIdsToRemove: NodeIds(),
          AZMode: str({ enum: ['single-az', 'cross-az'] }),
          NewAvailabilityZones: list(str(), 'PreferredAvailabilityZone'),
          SecurityGroupIds: list(str(), 'SecurityGroupId'),
          CacheSecurityGroupNames: list(str(), 'CacheSecurityGroupName'),
          ...ModifyNodeSettingsIn,
          AuthTokenUpdateStrategy: str(),
          IpDiscovery: str(),
        },
        ['CacheClusterId'],
      ),
      output: struct({ CacheCluster: CacheClusterShape }),
      errors: ['CacheClusterNotFound', 'InvalidCacheClusterState', 'InsufficientCacheClusterCapacity', 'NodeQuotaForClusterExceeded', 'InvalidVPCNetworkStateFault'],
      handler(ctx, input) {
        const c = findCluster(cloud, ctx.account, input.CacheClusterId);
        if (c.status !== 'available') {
          throw new ApiError('InvalidCacheClusterState', `Cache cluster ${c.id} is not in available state.`);
        }
        if (input.EngineVersion !== undefined && !findVersion(c.engine, input.EngineVersion)) {
          throw invalidParameterCombination(`Cannot find version ${input.EngineVersion} for ${c.engine}`);
        }
        if (c.engine === 'memcached' && (input.SnapshotRetentionLimit || input.SnapshotWindow)) {
          throw invalidParameterCombination('Snapshots are not supported for the memcached engine.');
        }
        if (c.engine === 'memcached' && input.AuthToken !== undefined) {
          throw invalidParameterCombination('AuthToken is not supported for the memcached engine.');
        }
        const current = c.nodes.length;
        const target: number | undefined = input.NumCacheNodes;
        let removeIds: string[] = input.CacheNodeIdsToRemove ?? [];
        if (target !== undefined) checkNodeCount(c.engine, target);
        if (removeIds.length && (target === undefined || target >= current)) {
          throw invalidParameterCombination('CacheNodeIdsToRemove can only be given when NumCacheNodes is lower than the current number of nodes.');
        }
        if (target !== undefined && target < current) {
          if (removeIds.length === 0) {
            // The highest ids go first, as Terraform and the console pick them.
            removeIds = c.nodes.map((n) => n.nodeId).sort().slice(target).reverse();
          }
          for (const nid of removeIds) {
            if (!c.nodes.some((n) => n.nodeId === nid)) throw invalidParameterValue(`Cache node ${nid} does not exist in cache cluster ${c.id}.`);
          }
          if (new Set(removeIds).size !== current - target) {
            throw invalidParameterValue(
              `The number of cache node ids to remove (${new Set(removeIds).size}) must equal the difference between the current number of nodes (${current}) and NumCacheNodes (${target}).`,
            );
          }
        }
        const newAzs: string[] | undefined = input.NewAvailabilityZones;
        if (newAzs?.length && (target === undefined || target - current !== newAzs.length)) {
          throw invalidParameterValue('The number of new availability zones must match the number of nodes being added.');
        }
        let groups: string[] | undefined;
        if (input.SecurityGroupIds?.length) {
          groups = [...new Set<string>(input.SecurityGroupIds)];
          checkGroups(cloud, ctx.account, groups, c.vpcId);
        }
        state.tx(() => {
          if (groups) {
            c.securityGroupIds = groups;
            for (const n of c.nodes) {
              const eni = state.get<Eni>('eni', c.account, n.eniId);
              if (eni) {
                eni.groupIds = [...groups];
                state.put('eni', eni);
              }
            }
          }
          if (input.PreferredMaintenanceWindow) c.maintenanceWindow = input.PreferredMaintenanceWindow;
          if (input.CacheParameterGroupName) c.parameterGroupName = input.CacheParameterGroupName;
          if (input.AutoMinorVersionUpgrade !== undefined) c.autoMinorVersionUpgrade = input.AutoMinorVersionUpgrade;
          if (input.SnapshotRetentionLimit !== undefined) c.snapshotRetentionLimit = input.SnapshotRetentionLimit;
          if (input.SnapshotWindow) c.snapshotWindow = input.SnapshotWindow;
          if (input.EngineVersion) c.engineVersion = findVersion(c.engine, input.EngineVersion)!.version;
          if (input.CacheNodeType) c.nodeType = input.CacheNodeType;
          if (target !== undefined && target !== current) {
            if (!input.ApplyImmediately) {
              // Node changes without ApplyImmediately wait for the maintenance window, as on AWS.
              c.pending = { numNodes: target, removeIds: target < current ? removeIds : undefined };
            } else {
              c.pending = { numNodes: target, removeIds: target < current ? removeIds : undefined };
              c.modifyFrom = current;
              c.status = 'modifying';
              if (target > current) {
                const group = findSubnetGroup(cloud, c.account, c.subnetGroupName);
                c.nodes.push(...placeNodes(cloud, runDir, c, group, target - current, { azs: newAzs }));
              } else {
                for (const n of c.nodes) if (removeIds.includes(n.nodeId)) n.status = 'deleting';
              }
            }
          } else if (target !== undefined && target === current) {
            // Asking for the current count cancels pending node changes.
            c.pending = {};
          }
          state.put('cache-cluster', c);
        });
        cloud.networkChanged();
        changed(c);
        return { CacheCluster: clusterOut(cloud, c, false) };
      },
    },
    {
      name: 'RebootCacheCluster',
      input: struct({ CacheClusterId: str(), CacheNodeIdsToReboot: NodeIds() }, ['CacheClusterId', 'CacheNodeIdsToReboot']),
      output: struct({ CacheCluster: CacheClusterShape }),
      errors: ['CacheClusterNotFound', 'InvalidCacheClusterState'],
      handler(ctx, input) {
        const c = findCluster(cloud, ctx.account, input.CacheClusterId);
        if (c.status !== 'available') {
          throw new ApiError('InvalidCacheClusterState', `Cache cluster ${c.id} is not in available state.`);
        }
        const ids: string[] = input.CacheNodeIdsToReboot;
        if (ids.length === 0) throw new ApiError('MissingParameter', 'The request must contain the parameter CacheNodeIdsToReboot');
        for (const nid of ids) {
          if (!c.nodes.some((n) => n.nodeId === nid)) throw invalidParameterValue(`Cache node ${nid} does not exist in cache cluster ${c.id}.`);
        }
        const now = cloud.now();
        for (const n of c.nodes) {
          if (ids.includes(n.nodeId)) {
            n.status = 'rebooting';
            n.rebootRequested = now;
          }
        }
        c.status = 'rebooting cluster nodes';
        state.put('cache-cluster', c);
        changed(c);
        return { CacheCluster: clusterOut(cloud, c, false) };
      },
    },
    {
      name: 'DeleteCacheCluster',
      input: struct({ CacheClusterId: str(), FinalSnapshotIdentifier: str() }, ['CacheClusterId']),
      output: struct({ CacheCluster: CacheClusterShape }),
      errors: ['CacheClusterNotFound', 'InvalidCacheClusterState'],
      handler(ctx, input) {
        const c = findCluster(cloud, ctx.account, input.CacheClusterId);
        if (c.status === 'deleting') return { CacheCluster: clusterOut(cloud, c, false) };
        if (c.status !== 'available' && c.status !== 'incompatible-network') {
          throw new ApiError('InvalidCacheClusterState', `Cache cluster ${c.id} is not in available state.`);
        }
        if (input.FinalSnapshotIdentifier !== undefined && c.engine === 'memcached') {
          throw invalidParameterCombination('FinalSnapshotIdentifier is not supported for the memcached engine.');
        }
        if (c.replicationGroupId) {
          throw new ApiError('InvalidCacheClusterState', `Cache cluster ${c.id} is a member of replication group ${c.replicationGroupId}.`);
        }
        c.status = 'deleting';
        state.put('cache-cluster', c);
        changed(c);
        return { CacheCluster: clusterOut(cloud, c, false) };
      },
    },
  ];
}

export { clusterNotFound };
