// Pieces every EC2 operation shares: tag and filter input shapes, TagSpecification,
// DryRun, pagination tokens and the owner/ARN fields of responses.

import { ApiError } from '../errors.js';
import { bool, int, list, str, struct } from '../shapes.js';
import type { Tag } from '../../control/model.js';
import type { Filter } from '../../control/filters.js';

export const TagIn = struct({ Key: str(), Value: str() });
export const TagOut = struct({ key: str(), value: str() });
export const tagSet = list(TagOut);
export const FilterIn = list(struct({ Name: str(), Value: list(str()) }));
export const TagSpecificationIn = list(struct({ ResourceType: str(), Tag: list(TagIn) }));

/** Members every Describe call accepts. */
export const describeCommon = {
  Filter: FilterIn,
  MaxResults: int(),
  NextToken: str(),
  DryRun: bool(),
};

export interface TagSpecification {
  ResourceType?: string;
  Tag?: { Key?: string; Value?: string }[];
}

/** Tags from TagSpecification entries for one resource type. */
export function tagsFor(specs: TagSpecification[] | undefined, resourceType: string): Tag[] {
  const out: Tag[] = [];
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== undefined && spec.ResourceType !== resourceType) continue;
    for (const t of spec.Tag ?? []) out.push(checkTag(t));
  }
  return out;
}

export function checkTag(t: { Key?: string; Value?: string }): Tag {
  if (t.Key === undefined || t.Key === '') throw new ApiError('InvalidParameterValue', 'Tag key cannot be empty');
  if (t.Key.length > 128) throw new ApiError('InvalidParameterValue', `Tag key exceeds the maximum length of 128 characters`);
  if (t.Key.toLowerCase().startsWith('aws:')) {
    throw new ApiError('InvalidParameterValue', "Tag keys starting with 'aws:' are reserved for internal use");
  }
  const value = t.Value ?? '';
  if (value.length > 256) throw new ApiError('InvalidParameterValue', 'Tag value exceeds the maximum length of 256 characters');
  return { Key: t.Key, Value: value };
}

export function tagsOut(tags: Tag[]): { key: string; value: string }[] {
  return tags.map((t) => ({ key: t.Key, value: t.Value }));
}

/** DryRun=true: AWS answers DryRunOperation (HTTP 412) once the request is otherwise valid. */
export function dryRun(input: { DryRun?: boolean }): void {
  if (input.DryRun) throw new ApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
}

/** Filters from the input (the shape's key is `Filter`). */
export function filtersOf(input: { Filter?: Filter[] }): Filter[] | undefined {
  return input.Filter;
}

/**
 * Pagination over an already filtered list: NextToken is the offset. Without
 * MaxResults the whole list comes back (and no token), which ends the CLI's paginator.
 */
export function page<T>(items: T[], input: { MaxResults?: number; NextToken?: string }): { items: T[]; nextToken?: string } {
  const start = input.NextToken ? Number.parseInt(input.NextToken, 10) : 0;
  if (!Number.isInteger(start) || start < 0) throw new ApiError('InvalidNextToken', 'The token is invalid');
  if (input.MaxResults === undefined) return { items: items.slice(start) };
  const max = Math.max(5, Math.min(1000, input.MaxResults));
  const slice = items.slice(start, start + max);
  return { items: slice, nextToken: start + max < items.length ? String(start + max) : undefined };
}

/** Looks up each id; all missing ones are reported together, as AWS does. */
export function byIds<T extends { id: string }>(all: T[], ids: string[] | undefined, notFound: (missing: string[]) => ApiError): T[] {
  if (!ids || ids.length === 0) return all;
  const found = new Map(all.map((x) => [x.id, x]));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) throw notFound(missing);
  return ids.map((id) => found.get(id)!);
}

export function arn(region: string, account: string, resource: string): string {
  return `arn:aws:ec2:${region}:${account}:${resource}`;
}
