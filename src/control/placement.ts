// Where a cache node lives: which subnet of the cluster's subnet group (spread over
// availability zones), which private address (its ENI's), which loopback address it
// listens on (127.k.c.d, DESIGN.md §3) and which unix socket is its management channel.

import { createHash } from 'node:crypto';
import path from 'node:path';
import { ApiError } from '../api/errors.js';
import type { Cloud } from './cloud.js';
import type { CacheCluster, CacheNode, CacheSubnetGroup, Subnet, Vpc } from './model.js';
import { loopbackFor, nextFreeAddress, parseCidr, parseIp } from '../network/addressing.js';

export interface PlacementOptions {
  /** One AZ per new node (PreferredAvailabilityZones / NewAvailabilityZones). */
  azs?: string[];
  /** All new nodes in this AZ (single-az mode with PreferredAvailabilityZone). */
  az?: string;
}

/** Node ids are 0001, 0002, ...: a new node takes the next number after the highest in use. */
export function nextNodeIds(cluster: CacheCluster, count: number): string[] {
  let max = 0;
  for (const n of cluster.nodes) max = Math.max(max, Number(n.nodeId));
  return Array.from({ length: count }, (_, i) => String(max + i + 1).padStart(4, '0'));
}

/** The management socket of a node: short (unix socket paths are limited to ~107 bytes). */
export function socketPath(runDir: string, account: string, clusterId: string, nodeId: string): string {
  const h = createHash('sha256').update(`${account}/${clusterId}/${nodeId}`).digest('hex').slice(0, 16);
  return path.join(runDir, `${h}.sock`);
}

/**
 * Creates `count` nodes for a cluster: picks subnets (the AZ with fewest of the
 * cluster's nodes first), reserves an address and an ENI for each. Call inside a
 * state transaction; throws InsufficientCacheClusterCapacity when a subnet is full.
 */
export function placeNodes(
  cloud: Cloud,
  runDir: string,
  cluster: CacheCluster,
  group: CacheSubnetGroup,
  count: number,
  opts: PlacementOptions = {},
): CacheNode[] {
  const subnets = group.subnetIds
    .map((id) => cloud.state.get<Subnet>('subnet', cluster.account, id))
    .filter((s): s is Subnet => s !== undefined);
  if (subnets.length === 0) throw new ApiError('InvalidSubnet', `Cache subnet group ${group.id} has no usable subnets.`);
  const vpc = cloud.state.get<Vpc>('vpc', cluster.account, group.vpcId)!;
  const ids = nextNodeIds(cluster, count);
  const perAz = new Map<string, number>();
  for (const n of cluster.nodes) perAz.set(n.az, (perAz.get(n.az) ?? 0) + 1);
  const created: CacheNode[] = [];
  ids.forEach((nodeId, i) => {
    const wantAz = opts.azs?.[i] ?? opts.az;
    let candidates = wantAz ? subnets.filter((s) => s.az === wantAz) : subnets;
    if (candidates.length === 0) {
      throw new ApiError('InvalidParameterValue', `No subnet of cache subnet group ${group.id} is in availability zone ${wantAz}.`);
    }
    // Spread: the subnet whose AZ holds the fewest nodes of this cluster, then the one with most room.
    candidates = [...candidates].sort((a, b) => (perAz.get(a.az) ?? 0) - (perAz.get(b.az) ?? 0));
    let placed = false;
    for (const subnet of candidates) {
      const ip = nextFreeAddress(parseCidr(subnet.cidr)!, cloud.takenIn(subnet.id));
      if (ip === null) continue;
      const eni = cloud.createEni(cluster.account, subnet, ip, [...cluster.securityGroupIds], `ElastiCache ${cluster.id}`, {
        requesterId: 'amazon-elasticache',
        requesterManaged: true,
        cacheNode: { clusterId: cluster.id, nodeId },
      });
      created.push({
        nodeId,
        status: 'creating',
        created: cloud.now(),
        az: subnet.az,
        subnetId: subnet.id,
        eniId: eni.id,
        privateIp: eni.privateIp,
        address: loopbackFor(vpc.k, parseIp(eni.privateIp)!),
        port: cluster.port,
        socket: socketPath(runDir, cluster.account, cluster.id, nodeId),
        replacements: 0,
      });
      perAz.set(subnet.az, (perAz.get(subnet.az) ?? 0) + 1);
      placed = true;
      break;
    }
    if (!placed) {
      throw new ApiError(
        'InsufficientCacheClusterCapacity',
        `There are not enough free IP addresses in the subnets of cache subnet group ${group.id}.`,
      );
    }
  });
  return created;
}

/** The AZ summary of a cluster: the one AZ its nodes share, or "Multiple". */
export function preferredAzOf(cluster: CacheCluster): string {
  const azs = new Set(cluster.nodes.map((n) => n.az));
  if (azs.size === 1) return [...azs][0];
  if (azs.size === 0) return cluster.preferredAz;
  return 'Multiple';
}
