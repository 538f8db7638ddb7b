// The cache engines Cove offers through ElastiCache's API: versions (what
// DescribeCacheEngineVersions lists and CreateCacheCluster accepts), parameter group
// families, default ports, and which `cove server --engine` serves each.

import type { Engine } from './model.js';

export interface EngineVersion {
  engine: Engine;
  version: string;
  family: string;
  description: string;
  versionDescription: string;
}

export const ENGINE_VERSIONS: EngineVersion[] = [
  { engine: 'memcached', version: '1.6.22', family: 'memcached1.6', description: 'memcached', versionDescription: 'memcached version 1.6.22' },
  { engine: 'memcached', version: '1.6.17', family: 'memcached1.6', description: 'memcached', versionDescription: 'memcached version 1.6.17' },
  { engine: 'memcached', version: '1.6.12', family: 'memcached1.6', description: 'memcached', versionDescription: 'memcached version 1.6.12' },
  { engine: 'memcached', version: '1.5.16', family: 'memcached1.5', description: 'memcached', versionDescription: 'memcached version 1.5.16' },
  { engine: 'redis', version: '7.1', family: 'redis7', description: 'Redis', versionDescription: 'redis version 7.1.0' },
  { engine: 'redis', version: '7.0', family: 'redis7', description: 'Redis', versionDescription: 'redis version 7.0.7' },
  { engine: 'redis', version: '6.2', family: 'redis6.x', description: 'Redis', versionDescription: 'redis version 6.2.6' },
  { engine: 'redis', version: '6.0', family: 'redis6.x', description: 'Redis', versionDescription: 'redis version 6.0.5' },
  { engine: 'redis', version: '5.0.6', family: 'redis5.0', description: 'Redis', versionDescription: 'redis version 5.0.6' },
  { engine: 'valkey', version: '8.0', family: 'valkey8', description: 'Valkey', versionDescription: 'valkey version 8.0.1' },
  { engine: 'valkey', version: '7.2', family: 'valkey7', description: 'Valkey', versionDescription: 'valkey version 7.2.6' },
];

export const ENGINES: readonly Engine[] = ['memcached', 'redis', 'valkey'];

export function defaultVersion(engine: Engine): EngineVersion {
  return ENGINE_VERSIONS.find((v) => v.engine === engine)!;
}

/** A requested version: exact, or a major.minor prefix ("7" → 7.1, "1.6" → 1.6.22); null if unknown. */
export function findVersion(engine: Engine, version: string): EngineVersion | null {
  const exact = ENGINE_VERSIONS.find((v) => v.engine === engine && v.version === version);
  if (exact) return exact;
  return ENGINE_VERSIONS.find((v) => v.engine === engine && (v.version.startsWith(version + '.') || version.endsWith('.x') && v.version.startsWith(version.slice(0, -1)))) ?? null;
}

export function defaultPort(engine: Engine): number {
  return engine === 'memcached' ? 11211 : 6379;
}

/** The parameter group a new cluster gets: default.<family>. */
export function defaultParameterGroup(v: EngineVersion): string {
  return `default.${v.family}`;
}
