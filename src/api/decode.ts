// Form parameters → an operation's input object, guided by its input shape.
//
// Both protocols flatten nested input into dotted names. EC2 writes a list as
// `Name.N` (`GroupId.1`, `Filter.1.Value.2`); the Query protocol writes
// `Name.<item>.N` (`SubnetIds.SubnetIdentifier.1`), or `Name.member.N` when the
// model gives the item no name. Both item spellings are accepted on Query lists
// because older clients send `member`. Values are checked against the shape
// (integers, booleans, enums, lengths); unknown parameters are ignored, as AWS does.

import { ApiError, invalidParameterValue, missingParameter } from './errors.js';
import type { Protocol, Shape, StructShape } from './shapes.js';

/** Limits that keep a hostile form from costing more than a legitimate one. */
export const DECODE_LIMITS = {
  maxParams: 5000,
  maxKeyLength: 512,
  /** Highest list index accepted (EC2's own list limits are far below this). */
  maxIndex: 1000,
};

type Tree = { value?: string; children?: Map<string, Tree> };

/** Builds the dotted-name tree of a form. */
export function paramTree(params: Iterable<[string, string]>): Tree {
  const root: Tree = {};
  let count = 0;
  for (const [key, value] of params) {
    if (++count > DECODE_LIMITS.maxParams) {
      throw new ApiError('MalformedQueryString', `The request has more than ${DECODE_LIMITS.maxParams} parameters`);
    }
    if (key.length > DECODE_LIMITS.maxKeyLength) {
      throw new ApiError('MalformedQueryString', 'A parameter name is too long');
    }
    let node = root;
    for (const part of key.split('.')) {
      node.children ??= new Map();
      let next = node.children.get(part);
      if (!next) {
        next = {};
        node.children.set(part, next);
      }
      node = next;
    }
    node.value = value;
  }
  return root;
}

/** Decodes the operation input (a struct) from the tree; throws ApiError on bad values. */
export function decodeInput(shape: StructShape, tree: Tree, protocol: Protocol): Record<string, unknown> {
  return decodeStruct(shape, tree, protocol, '') ?? {};
}

function decodeStruct(shape: StructShape, tree: Tree, protocol: Protocol, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(shape.members)) {
    const child = tree.children?.get(name);
    if (!child) continue;
    const v = decodeValue(member, child, protocol, path + name);
    if (v !== undefined) out[name] = v;
  }
  for (const name of shape.required ?? []) {
    if (out[name] === undefined) throw missingParameter(path + name);
  }
  return out;
}

function decodeValue(shape: Shape, tree: Tree, protocol: Protocol, path: string): unknown {
  switch (shape.t) {
    case 'struct':
      return decodeStruct(shape, tree, protocol, path + '.');
    case 'list':
      return decodeList(shape.member, shape.item, tree, protocol, path);
    default: {
      if (tree.value === undefined) return undefined;
      return decodeScalar(shape.t, tree.value, path, shape.enum, shape.max);
    }
  }
}

function decodeList(member: Shape, item: string, tree: Tree, protocol: Protocol, path: string): unknown[] {
  let holder: Tree | undefined = tree;
  if (protocol === 'query') holder = tree.children?.get(item) ?? tree.children?.get('member');
  // An empty list can be sent as `Name=` (the Query protocol's way of saying "[]").
  if (!holder?.children) return [];
  const entries: [number, Tree][] = [];
  for (const [k, child] of holder.children) {
    if (!/^\d+$/.test(k)) continue;
    const n = k.length > 9 ? Infinity : Number(k);
    if (n < 1 || n > DECODE_LIMITS.maxIndex) throw invalidParameterValue(`List index ${clip(k)} of ${path} is out of range (1-${DECODE_LIMITS.maxIndex})`);
    entries.push([n, child]);
  }
  entries.sort((a, b) => a[0] - b[0]);
  const out: unknown[] = [];
  for (const [n, child] of entries) {
    const v = decodeValue(member, child, protocol, `${path}.${n}`);
    if (v !== undefined) out.push(v);
  }
  return out;
}

function decodeScalar(t: string, raw: string, path: string, allowed?: readonly string[], max?: number): unknown {
  switch (t) {
    case 'int': {
      const s = raw.trim();
      if (!/^[+-]?\d{1,15}$/.test(s)) throw invalidParameterValue(`Invalid value '${clip(raw)}' for ${path}: not an integer`);
      return Number(s);
    }
    case 'double': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw invalidParameterValue(`Invalid value '${clip(raw)}' for ${path}: not a number`);
      return v;
    }
    case 'bool': {
      const s = raw.trim().toLowerCase();
      if (s === 'true') return true;
      if (s === 'false') return false;
      throw invalidParameterValue(`Invalid value '${clip(raw)}' for ${path}: must be true or false`);
    }
    case 'ts': {
      const v = /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
      if (Number.isNaN(v.getTime())) throw invalidParameterValue(`Invalid value '${clip(raw)}' for ${path}: not a timestamp`);
      return v;
    }
    default:
      if (allowed && !allowed.includes(raw)) {
        throw invalidParameterValue(`Invalid value '${clip(raw)}' for ${path}. Valid values: ${allowed.join(', ')}`);
      }
      if (max !== undefined && raw.length > max) {
        throw invalidParameterValue(`Value for ${path} is longer than ${max} characters`);
      }
      return raw;
  }
}

/** Echoing user input into an error message: keep it short. */
export function clip(s: string, n = 64): string {
  return s.length > n ? s.slice(0, n) + '...' : s;
}
