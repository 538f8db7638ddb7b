// ElastiCache DescribeCacheEngineVersions, DescribeEvents and the tag operations
// (ListTagsForResource AddTagsToResource RemoveTagsFromResource, by ARN).

import { ApiError, invalidParameterValue } from '../errors.js';
import { bool, int, list, str, struct, ts, Operation } from '../shapes.js';
import type { Cloud } from '../../control/cloud.js';
import { setTags } from '../../control/cloud.js';
import type { CacheCluster, CacheSubnetGroup, ReplicationGroup, Tag } from '../../control/model.js';
import { ENGINE_VERSIONS } from '../../control/engines.js';
import { CacheEngineVersionShape, EventShape, TagListShape, TagsIn } from './shapes.js';
import { clusterNotFound, pageRecords } from './common.js';

const SOURCE_TYPES = [
  'cache-cluster',
  'cache-parameter-group',
  'cache-security-group',
  'cache-subnet-group',
  'replication-group',
  'serverless-cache',
  'serverless-cache-snapshot',
  'user',
  'user-group',
] as const;

/** Tags per resource (ElastiCache allows 50). */
const MAX_TAGS = 50;

export function miscOperations(cloud: Cloud): Operation[] {
  const { state } = cloud;

  /** The resource an ARN names, in the caller's account. */
  function byArn(account: string, arn: string): { kind: 'cache-cluster' | 'cache-subnet-group' | 'replication-group'; doc: CacheCluster | CacheSubnetGroup | ReplicationGroup } {
    const m = /^arn:aws[\w-]*:elasticache:([\w-]+):(\d{12}):(cluster|subnetgroup|replicationgroup|parametergroup|snapshot|user|usergroup):(.+)$/.exec(arn);
    if (!m) throw new ApiError('InvalidARN', `The ARN ${arn} is not valid.`);
    const [, , owner, type, id] = m;
    if (type === 'cluster') {
      const c = owner === account ? state.get<CacheCluster>('cache-cluster', account, id) : undefined;
      if (!c) throw clusterNotFound(id);
      return { kind: 'cache-cluster', doc: c };
    }
    if (type === 'subnetgroup') {
      const g = owner === account ? state.get<CacheSubnetGroup>('cache-subnet-group', account, id) : undefined;
      if (!g) throw new ApiError('CacheSubnetGroupNotFoundFault', `Cache subnet group ${id} not found.`);
      return { kind: 'cache-subnet-group', doc: g };
    }
    if (type === 'replicationgroup') {
      const g = owner === account ? state.get<ReplicationGroup>('replication-group', account, id) : undefined;
      if (!g) throw new ApiError('ReplicationGroupNotFoundFault', `ReplicationGroup not found: ${id}`);
      return { kind: 'replication-group', doc: g };
    }
    throw new ApiError('InvalidARN', `The ARN ${arn} is not valid.`);
  }

  const tagList = (tags: Tag[]) => ({ TagList: tags.map((t) => ({ Key: t.Key, Value: t.Value })) });

  return [
    {
      name: 'DescribeCacheEngineVersions',
      input: struct({ Engine: str(), EngineVersion: str(), CacheParameterGroupFamily: str(), MaxRecords: int(), Marker: str(), DefaultOnly: bool() }),
      output: struct({ Marker: str(), CacheEngineVersions: list(CacheEngineVersionShape, 'CacheEngineVersion') }),
      errors: [],
      handler(_ctx, input) {
        let versions = ENGINE_VERSIONS.filter(
          (v) =>
            (input.Engine === undefined || v.engine === input.Engine) &&
            (input.EngineVersion === undefined || v.version === input.EngineVersion) &&
            (input.CacheParameterGroupFamily === undefined || v.family === input.CacheParameterGroupFamily),
        );
        if (input.DefaultOnly) versions = versions.filter((v) => ENGINE_VERSIONS.find((x) => x.engine === v.engine) === v);
        const p = pageRecords(versions, input);
        return {
          Marker: p.marker,
          CacheEngineVersions: p.items.map((v) => ({
            Engine: v.engine,
            EngineVersion: v.version,
            CacheParameterGroupFamily: v.family,
            CacheEngineDescription: v.description,
            CacheEngineVersionDescription: v.versionDescription,
          })),
        };
      },
    },
    {
      name: 'DescribeEvents',
      input: struct({
        SourceIdentifier: str(),
        SourceType: str({ enum: SOURCE_TYPES }),
        StartTime: ts(),
        EndTime: ts(),
        Duration: int(),
        MaxRecords: int(),
        Marker: str(),
      }),
      output: struct({ Marker: str(), Events: list(EventShape, 'Event') }),
      errors: [],
      handler(ctx, input) {
        const end: Date = input.EndTime ?? new Date();
        let start: Date;
        if (input.StartTime) start = input.StartTime;
        else {
          const minutes: number = input.Duration ?? 60;
          if (minutes < 1 || minutes > 14 * 24 * 60) throw invalidParameterValue('Duration must be between 1 and 20160 minutes.');
          start = new Date(end.getTime() - minutes * 60_000);
        }
        let events = state.events(ctx.account, start, end);
        if (input.SourceType) events = events.filter((e) => e.sourceType === input.SourceType);
        if (input.SourceIdentifier) events = events.filter((e) => e.sourceId === input.SourceIdentifier);
        // Newest first, as ElastiCache lists them.
        events.reverse();
        const p = pageRecords(events, input);
        return {
          Marker: p.marker,
          Events: p.items.map((e) => ({ SourceIdentifier: e.sourceId, SourceType: e.sourceType, Message: e.message, Date: e.date })),
        };
      },
    },
    {
      name: 'ListTagsForResource',
      input: struct({ ResourceName: str() }, ['ResourceName']),
      output: struct({ TagList: TagListShape }),
      errors: ['CacheClusterNotFound', 'CacheSubnetGroupNotFoundFault', 'InvalidARN'],
      handler(ctx, input) {
        return tagList(byArn(ctx.account, input.ResourceName).doc.tags);
      },
    },
    {
      name: 'AddTagsToResource',
      input: struct({ ResourceName: str(), Tags: TagsIn }, ['ResourceName', 'Tags']),
      output: struct({ TagList: TagListShape }),
      errors: ['CacheClusterNotFound', 'CacheSubnetGroupNotFoundFault', 'InvalidARN', 'TagQuotaPerResourceExceeded'],
      handler(ctx, input) {
        const { kind, doc } = byArn(ctx.account, input.ResourceName);
        const add = (input.Tags as { Key?: string; Value?: string }[]).map((t) => {
          if (!t.Key) throw invalidParameterValue('Tag keys must not be empty.');
          if (t.Key.toLowerCase().startsWith('aws:')) throw invalidParameterValue("Tag keys starting with 'aws:' are reserved.");
          return { Key: t.Key, Value: t.Value ?? '' };
        });
        const tags = setTags(doc.tags, add);
        if (tags.length > MAX_TAGS) throw new ApiError('TagQuotaPerResourceExceeded', 'The request cannot be processed because it would cause the resource to have more than the allowed number of tags. The maximum number of tags permitted on a resource is 50.');
        doc.tags = tags;
        state.put(kind, doc);
        return tagList(doc.tags);
      },
    },
    {
      name: 'RemoveTagsFromResource',
      input: struct({ ResourceName: str(), TagKeys: list(str(), 'member') }, ['ResourceName', 'TagKeys']),
      output: struct({ TagList: TagListShape }),
      errors: ['CacheClusterNotFound', 'CacheSubnetGroupNotFoundFault', 'InvalidARN', 'TagNotFound'],
      handler(ctx, input) {
        const { kind, doc } = byArn(ctx.account, input.ResourceName);
        const keys: string[] = input.TagKeys;
        for (const k of keys) {
          if (!doc.tags.some((t) => t.Key === k)) throw new ApiError('TagNotFound', `The tag ${k} was not found on the resource.`);
        }
        doc.tags = doc.tags.filter((t) => !keys.includes(t.Key));
        state.put(kind, doc);
        return tagList(doc.tags);
      },
    },
  ];
}
