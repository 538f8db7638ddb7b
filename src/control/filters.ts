// EC2 Describe filters (`Filter.N.Name` / `Filter.N.Value.M`): every filter must
// match (AND), any of a filter's values may match (OR), values may use `*` and `?`
// wildcards. Each resource type declares which filter names it understands and how
// to read them; `tag:Key`, `tag-key` and `tag-value` work everywhere. An unknown
// filter name is an error, as on AWS.

import { ApiError } from '../api/errors.js';
import type { Tag } from './model.js';

export interface Filter {
  Name?: string;
  Value?: string[];
}

/** Filter name → the resource's values for it. */
export type FilterFields<T> = Record<string, (r: T) => (string | number | boolean | undefined | null)[] | string | number | boolean | undefined | null>;

export function applyFilters<T extends { tags: Tag[] }>(items: T[], filters: Filter[] | undefined, fields: FilterFields<T>): T[] {
  if (!filters || filters.length === 0) return items;
  const tests = filters.map((f) => compile(f, fields));
  return items.filter((r) => tests.every((t) => t(r)));
}

function compile<T extends { tags: Tag[] }>(f: Filter, fields: FilterFields<T>): (r: T) => boolean {
  const name = f.Name ?? '';
  const patterns = (f.Value ?? []).map(wildcard);
  let read: (r: T) => string[];
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    read = (r) => r.tags.filter((t) => t.Key === key).map((t) => t.Value);
  } else if (name === 'tag-key') {
    read = (r) => r.tags.map((t) => t.Key);
  } else if (name === 'tag-value') {
    read = (r) => r.tags.map((t) => t.Value);
  } else {
    const field = fields[name];
    if (!field) throw new ApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
    read = (r) => {
      const v = field(r);
      const arr = Array.isArray(v) ? v : [v];
      return arr.filter((x) => x !== undefined && x !== null).map((x) => String(x));
    };
  }
  return (r) => {
    const values = read(r);
    return patterns.some((p) => values.some((v) => p.test(v)));
  };
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}
