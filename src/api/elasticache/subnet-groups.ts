// ElastiCache cache subnet groups: CreateCacheSubnetGroup DescribeCacheSubnetGroups
// ModifyCacheSubnetGroup DeleteCacheSubnetGroup. A subnet group names the subnets
// (of one VPC) where a cluster's nodes get their addresses.

import { ApiError } from '../errors.js';
import { int, list, str, struct, Operation } from '../shapes.js';
import type { Cloud } from '../../control/cloud.js';
import type { CacheCluster, CacheSubnetGroup, Subnet, Tag } from '../../control/model.js';
import { checkCacheId } from '../../control/ids.js';
import { CacheSubnetGroupShape, TagsIn } from './shapes.js';
import { ecArn, findSubnetGroup, pageRecords } from './common.js';

export function subnetGroupOut(cloud: Cloud, g: CacheSubnetGroup) {
  return {
    CacheSubnetGroupName: g.id,
    CacheSubnetGroupDescription: g.description,
    VpcId: g.vpcId,
    Subnets: g.subnetIds.map((id) => {
      const s = cloud.state.get<Subnet>('subnet', g.account, id);
      return { SubnetIdentifier: id, SubnetAvailabilityZone: { Name: s?.az }, SupportedNetworkTypes: ['ipv4'] };
    }),
    ARN: ecArn(cloud, g.account, 'subnetgroup', g.id),
    SupportedNetworkTypes: ['ipv4'],
  };
}

/** Subnets of a group: they must exist and share one VPC. */
function checkSubnets(cloud: Cloud, account: string, ids: string[]): string {
  if (ids.length === 0) throw new ApiError('MissingParameter', 'The request must contain the parameter SubnetIds');
  let vpcId: string | undefined;
  for (const id of ids) {
    const s = cloud.state.get<Subnet>('subnet', account, id);
    if (!s) throw new ApiError('InvalidSubnet', `The subnet ID ${id} does not exist`);
    if (vpcId !== undefined && s.vpcId !== vpcId) {
      throw new ApiError('InvalidSubnet', 'Subnets in a cache subnet group must all belong to the same VPC.');
    }
    vpcId = s.vpcId;
  }
  return vpcId!;
}

/** The `default` subnet group (the default VPC's subnets), made on first use as AWS does. */
export function defaultSubnetGroup(cloud: Cloud, account: string): CacheSubnetGroup {
  const existing = cloud.state.get<CacheSubnetGroup>('cache-subnet-group', account, 'default');
  if (existing) return existing;
  const vpc = cloud.defaultVpc(account);
  if (!vpc) throw new ApiError('InvalidVPCNetworkStateFault', 'No default VPC exists for this account: name a CacheSubnetGroupName.');
  const subnets = cloud.state.list<Subnet>('subnet', account).filter((s) => s.vpcId === vpc.id && s.defaultForAz);
  return cloud.state.put<CacheSubnetGroup>('cache-subnet-group', {
    id: 'default',
    account,
    tags: [],
    created: cloud.now(),
    description: 'default',
    vpcId: vpc.id,
    subnetIds: subnets.map((s) => s.id),
  });
}

export function subnetGroupOperations(cloud: Cloud): Operation[] {
  const { state } = cloud;
  const SubnetIds = list(str(), 'SubnetIdentifier');

  return [
    {
      name: 'CreateCacheSubnetGroup',
      input: struct({ CacheSubnetGroupName: str(), CacheSubnetGroupDescription: str(), SubnetIds, Tags: TagsIn }, [
        'CacheSubnetGroupName',
        'CacheSubnetGroupDescription',
        'SubnetIds',
      ]),
      output: struct({ CacheSubnetGroup: CacheSubnetGroupShape }),
      errors: ['CacheSubnetGroupAlreadyExists', 'CacheSubnetGroupQuotaExceeded', 'CacheSubnetQuotaExceededFault', 'InvalidSubnet'],
      handler(ctx, input) {
        const checked = checkCacheId(input.CacheSubnetGroupName, 'Cache subnet group name', 255);
        if ('error' in checked) throw new ApiError('InvalidParameterValue', checked.error);
        if (state.get('cache-subnet-group', ctx.account, checked.id)) {
          throw new ApiError('CacheSubnetGroupAlreadyExists', `Cache subnet group ${checked.id} already exists.`);
        }
        const ids: string[] = [...new Set<string>(input.SubnetIds)];
        const vpcId = checkSubnets(cloud, ctx.account, ids);
        const g = state.put<CacheSubnetGroup>('cache-subnet-group', {
          id: checked.id,
          account: ctx.account,
          tags: (input.Tags ?? []).map((t: Tag) => ({ Key: t.Key, Value: t.Value ?? '' })),
          created: cloud.now(),
          description: input.CacheSubnetGroupDescription,
          vpcId,
          subnetIds: ids,
        });
        return { CacheSubnetGroup: subnetGroupOut(cloud, g) };
      },
    },
    {
      name: 'DescribeCacheSubnetGroups',
      input: struct({ CacheSubnetGroupName: str(), MaxRecords: int(), Marker: str() }),
      output: struct({ Marker: str(), CacheSubnetGroups: list(CacheSubnetGroupShape, 'CacheSubnetGroup') }),
      errors: ['CacheSubnetGroupNotFoundFault'],
      handler(ctx, input) {
        const groups = input.CacheSubnetGroupName
          ? [findSubnetGroup(cloud, ctx.account, input.CacheSubnetGroupName)]
          : state.list<CacheSubnetGroup>('cache-subnet-group', ctx.account);
        const p = pageRecords(groups, input);
        return { Marker: p.marker, CacheSubnetGroups: p.items.map((g) => subnetGroupOut(cloud, g)) };
      },
    },
    {
      name: 'ModifyCacheSubnetGroup',
      input: struct({ CacheSubnetGroupName: str(), CacheSubnetGroupDescription: str(), SubnetIds }, ['CacheSubnetGroupName']),
      output: struct({ CacheSubnetGroup: CacheSubnetGroupShape }),
      errors: ['CacheSubnetGroupNotFoundFault', 'SubnetInUse', 'InvalidSubnet'],
      handler(ctx, input) {
        const g = findSubnetGroup(cloud, ctx.account, input.CacheSubnetGroupName);
        if (input.SubnetIds?.length) {
          const ids: string[] = [...new Set<string>(input.SubnetIds)];
          const vpcId = checkSubnets(cloud, ctx.account, ids);
          const clusters = state.list<CacheCluster>('cache-cluster', ctx.account).filter((c) => c.subnetGroupName === g.id);
          if (clusters.length && vpcId !== g.vpcId) {
            throw new ApiError('InvalidSubnet', 'The new subnets belong to another VPC than the clusters using this subnet group.');
          }
          for (const c of clusters) {
            for (const n of c.nodes) {
              if (!ids.includes(n.subnetId)) throw new ApiError('SubnetInUse', `The subnet ${n.subnetId} is in use.`);
            }
          }
          g.subnetIds = ids;
          g.vpcId = vpcId;
        }
        if (input.CacheSubnetGroupDescription !== undefined) g.description = input.CacheSubnetGroupDescription;
        state.put('cache-subnet-group', g);
        return { CacheSubnetGroup: subnetGroupOut(cloud, g) };
      },
    },
    {
      name: 'DeleteCacheSubnetGroup',
      input: struct({ CacheSubnetGroupName: str() }, ['CacheSubnetGroupName']),
      output: null,
      errors: ['CacheSubnetGroupNotFoundFault', 'CacheSubnetGroupInUse'],
      handler(ctx, input) {
        const g = findSubnetGroup(cloud, ctx.account, input.CacheSubnetGroupName);
        if (state.list<CacheCluster>('cache-cluster', ctx.account).some((c) => c.subnetGroupName === g.id)) {
          throw new ApiError('CacheSubnetGroupInUse', `Cache subnet group ${g.id} is currently in use by a cache cluster.`);
        }
        state.remove('cache-subnet-group', ctx.account, g.id);
        return undefined;
      },
    },
  ];
}
