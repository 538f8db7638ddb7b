// Pieces the ElastiCache operations share: ARNs, Marker/MaxRecords paging, and the
// lookups with ElastiCache's not-found faults.

import { ApiError } from '../errors.js';
import type { Cloud } from '../../control/cloud.js';
import type { CacheCluster, CacheSubnetGroup } from '../../control/model.js';

export function ecArn(cloud: Cloud, account: string, type: 'cluster' | 'subnetgroup' | 'replicationgroup', id: string): string {
  return `arn:aws:elasticache:${cloud.region}:${account}:${type}:${id}`;
}

/** Marker is an offset; MaxRecords must be 20-100 (default 100), as the API documents. */
export function pageRecords<T>(items: T[], input: { MaxRecords?: number; Marker?: string }): { items: T[]; marker?: string } {
  const max = input.MaxRecords ?? 100;
  if (max < 20 || max > 100) {
    throw new ApiError('InvalidParameterValue', `MaxRecords must be between 20 and 100.`);
  }
  const start = input.Marker ? Number.parseInt(input.Marker, 10) : 0;
  if (!Number.isInteger(start) || start < 0) throw new ApiError('InvalidParameterValue', `Invalid marker: ${input.Marker}`);
  const slice = items.slice(start, start + max);
  return { items: slice, marker: start + max < items.length ? String(start + max) : undefined };
}

export function clusterNotFound(id: string): ApiError {
  return new ApiError('CacheClusterNotFound', `CacheCluster not found: ${id}`);
}

export function findCluster(cloud: Cloud, account: string, id: string): CacheCluster {
  const c = cloud.state.get<CacheCluster>('cache-cluster', account, id.toLowerCase());
  if (!c) throw clusterNotFound(id);
  return c;
}

export function findSubnetGroup(cloud: Cloud, account: string, name: string): CacheSubnetGroup {
  const g = cloud.state.get<CacheSubnetGroup>('cache-subnet-group', account, name.toLowerCase());
  if (!g) throw new ApiError('CacheSubnetGroupNotFoundFault', `Cache subnet group ${name} not found.`);
  return g;
}
