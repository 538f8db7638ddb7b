// SORT and SORT_RO: sort the elements of a list, set or sorted set, numerically (the
// default) or as binary strings (ALPHA), by the elements themselves or by other keys
// (BY pattern, with '*' replaced by the element and "->field" reading a hash field),
// with LIMIT, any number of GET patterns ('#' is the element), and STORE into a list.
//
// Semantics follow redis-server 7.0's sort.c: BY without '*' means "do not sort"
// (lists and sorted sets keep their order, DESC reverses it), except for a set being
// STOREd, which is then sorted ALPHA so the stored result is deterministic; a missing
// BY key sorts as 0 (or first, with ALPHA); numeric ties are broken by comparing the
// elements; an element or BY value that is not a number fails the whole command.
// Strings compare as bytes (Redis uses strcoll, which is byte order in the C locale).
// Not done: the ACL check that refuses BY/GET patterns to users without access to
// every key.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { ValueType } from '../../engine/keyspace.js';
import type { Argv } from '../../protocol/resp/argv.js';
import { ListValue } from '../../engine/types/list.js';
import type { SetValue } from '../../engine/types/set.js';
import type { ZSetValue } from '../../engine/types/zset.js';
import type { HashValue } from '../../engine/types/hash.js';
import type { CommandSpec, Ctx, KeySpec } from '../types.js';
import { intArg, lookupRead, lookupWrite, written, isScriptClient } from '../helpers.js';

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  storeArg: number; // 0: none
  by: string | null;
  dontSort: boolean;
  gets: string[];
}

function parseOptions(ctx: Ctx, readonly: boolean): SortOptions {
  const { argv } = ctx;
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, storeArg: 0, by: null, dontSort: false, gets: [] };
  for (let j = 2; j < argv.count; j++) {
    const left = argv.count - j - 1;
    if (argv.is(j, 'asc')) o.desc = false;
    else if (argv.is(j, 'desc')) o.desc = true;
    else if (argv.is(j, 'alpha')) o.alpha = true;
    else if (argv.is(j, 'limit') && left >= 2) {
      o.limitStart = intArg(ctx, j + 1);
      o.limitCount = intArg(ctx, j + 2);
      j += 2;
    } else if (!readonly && argv.is(j, 'store') && left >= 1) {
      o.storeArg = ++j;
    } else if (argv.is(j, 'by') && left >= 1) {
      o.by = argv.str(++j);
      // A BY pattern without '*' names one key for every element: nothing to sort by.
      o.dontSort = o.by.indexOf('*') === -1;
    } else if (argv.is(j, 'get') && left >= 1) {
      o.gets.push(argv.str(++j));
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  return o;
}

/**
 * The value a BY/GET pattern names for an element (lookupKeyByPattern): "#" is the
 * element; the first '*' is replaced by it; "key->field" reads a hash field. Null
 * when there is no '*', or the key is missing or of the wrong type.
 */
function lookupByPattern(ctx: Ctx, pattern: string, element: string): string | null {
  if (pattern === '#') return element;
  const star = pattern.indexOf('*');
  if (star === -1) return null;
  const arrow = pattern.indexOf('->', star + 1);
  const hasField = arrow !== -1 && arrow + 2 < pattern.length;
  const keyEnd = hasField ? arrow : pattern.length;
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, keyEnd);
  const id = ctx.store.lookupKey(ctx.dbIndex, key, ctx.now, 'read');
  if (id === -1) return null;
  const type = ctx.db.type(id);
  if (hasField) {
    if (type !== ValueType.Hash) return null;
    return ctx.db.object<HashValue>(id).get(pattern.slice(arrow + 2)) ?? null;
  }
  if (type !== ValueType.String) return null;
  return ctx.db.valueString(id);
}

/**
 * C's strtod over the whole string, as SORT reads scores: leading white space, sign,
 * decimal or hex digits, exponent, "inf"/"infinity". Null when anything is left over,
 * for NaN, and for values out of double range. An empty string reads as 0 (strtod
 * converts nothing and stops at the end).
 */
export function strtod(s: string): number | null {
  const nul = s.indexOf('\0');
  if (nul !== -1) s = s.slice(0, nul); // C reads up to the first NUL
  if (s.length === 0) return 0;
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i])) i++;
  const body = s.slice(i);
  const m = /^([+-]?)(?:(inf(?:inity)?)|(0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?\d+)?)|((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?))$/i.exec(body);
  if (!m) return null;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2] !== undefined) return sign * Infinity;
  let v: number;
  let nonzero: boolean;
  if (m[3] !== undefined) {
    const hex = /^0x([0-9a-f]*)\.?([0-9a-f]*)(?:p([+-]?\d+))?$/i.exec(m[3])!;
    const digits = hex[1] + hex[2];
    const exp = Number(hex[3] ?? 0) - 4 * hex[2].length;
    v = digits.length > 0 ? parseInt(digits.slice(0, 14), 16) * 2 ** (exp + 4 * Math.max(0, digits.length - 14)) : 0;
    nonzero = /[1-9a-f]/i.test(digits);
  } else {
    v = Number(m[4]);
    nonzero = /[1-9]/.test(m[4].split(/e/i)[0]);
  }
  // ERANGE: overflow to infinity, or underflow of a non-zero literal.
  if (!Number.isFinite(v) || (nonzero && Math.abs(v) < 2.2250738585072014e-308)) return null;
  return sign * v;
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The elements of the value at `id`, in the order SORT loads them (see sortGeneric). */
function loadElements(ctx: Ctx, id: number, type: ValueType, o: SortOptions, start: number, end: number): string[] {
  if (id === -1) return [];
  const db = ctx.db;
  const ranged = o.dontSort && type !== ValueType.Set;
  if (type === ValueType.List) {
    const list = db.object<ListValue>(id);
    if (!ranged) return list.toArray();
    if (end < start) return [];
    const out = list.range(o.desc ? list.size - 1 - end : start, o.desc ? list.size - 1 - start : end);
    return o.desc ? out.reverse() : out;
  }
  if (type === ValueType.Set) return db.object<SetValue>(id).members();
  const zset = db.object<ZSetValue>(id);
  if (!ranged) return [...zset.dict.keys()];
  const out: string[] = [];
  if (end < start) return out;
  let node = zset.at(o.desc ? zset.size - 1 - start : start);
  for (let k = start; k <= end && node; k++) {
    out.push(node.member);
    node = o.desc ? node.backward : node.next[0];
  }
  return out;
}

function sortGeneric(ctx: Ctx, readonly: boolean): void {
  const o = parseOptions(ctx, readonly);
  const id = lookupRead(ctx, 1);
  const type = id === -1 ? ValueType.List : ctx.db.type(id);
  if (type !== ValueType.List && type !== ValueType.Set && type !== ValueType.ZSet) throw new CommandError(Errors.wrongType);
  // A set has no order of its own: one that is stored, or read by a script, gets
  // sorted, so the result (replicated as such) does not depend on the set's layout.
  if (o.dontSort && type === ValueType.Set && (o.storeArg !== 0 || isScriptClient(ctx.client))) {
    o.dontSort = false;
    o.alpha = true;
    o.by = null;
  }
  const n = id === -1 ? 0 : ctx.db.object<{ size: number }>(id).size;
  let start = Math.min(Math.max(o.limitStart, 0), n);
  const count = Math.min(Math.max(o.limitCount, -1), n);
  let end = count < 0 ? n - 1 : start + count - 1;
  if (start >= n) {
    start = n - 1;
    end = n - 2;
  }
  if (end >= n) end = n - 1;

  let elements = loadElements(ctx, id, type, o, start, end);
  if (o.dontSort && type !== ValueType.Set) {
    // Only the requested range was loaded.
    end -= start;
    start = 0;
  }

  let badScore = false;
  if (!o.dontSort) {
    const by = o.by;
    const keys: (string | null)[] = new Array(elements.length);
    const scores = new Float64Array(elements.length);
    for (let j = 0; j < elements.length; j++) {
      const v = by !== null ? lookupByPattern(ctx, by, elements[j]) : elements[j];
      keys[j] = v;
      if (v === null || o.alpha) continue;
      const d = strtod(v);
      if (d === null) badScore = true;
      else scores[j] = d;
    }
    const order = elements.map((_, j) => j);
    const sign = o.desc ? -1 : 1;
    order.sort((x, y) => {
      let c: number;
      if (!o.alpha) {
        c = scores[x] - scores[y];
        c = c > 0 ? 1 : c < 0 ? -1 : compareBytes(elements[x], elements[y]);
      } else if (by !== null) {
        const kx = keys[x];
        const ky = keys[y];
        c = kx === null || ky === null ? (kx === ky ? 0 : kx === null ? -1 : 1) : compareBytes(kx, ky);
      } else {
        c = compareBytes(elements[x], elements[y]);
      }
      return sign * c;
    });
    elements = order.map((j) => elements[j]);
  }
  if (badScore) throw new CommandError(Errors.sortNotDouble);

  const rows = Math.max(0, end - start + 1);
  const outputLen = o.gets.length > 0 ? o.gets.length * rows : rows;
  if (o.storeArg === 0) {
    const reply = ctx.reply;
    reply.array(outputLen);
    for (let j = start; j <= end; j++) {
      if (o.gets.length === 0) reply.bulk(elements[j]);
      for (const g of o.gets) {
        const v = lookupByPattern(ctx, g, elements[j]);
        if (v === null) reply.nil();
        else reply.bulk(v);
      }
    }
    return;
  }
  store(ctx, o, elements, start, end, outputLen);
}

/** SORT ... STORE destination: the result becomes a list (or the key goes when empty). */
function store(ctx: Ctx, o: SortOptions, elements: string[], start: number, end: number, outputLen: number): void {
  const dest = o.storeArg;
  const list = new ListValue(ctx.store.account, outputLen);
  for (let j = start; j <= end; j++) {
    if (o.gets.length === 0) list.pushTail(elements[j]);
    for (const g of o.gets) list.pushTail(lookupByPattern(ctx, g, elements[j]) ?? '');
  }
  let id = lookupWrite(ctx, dest);
  if (outputLen > 0) {
    list.growCheck(ctx.node.config.int('list-max-listpack-size'), 0, 0);
    const { argv } = ctx;
    if (id === -1) id = ctx.store.create(ctx.dbIndex, argv.buf, argv.starts[dest], argv.ends[dest], ValueType.List, 0, ctx.now);
    else ctx.db.persist(id);
    ctx.db.setObject(id, ValueType.List, list);
    written(ctx, dest, 'l', 'sortstore');
    ctx.store.ready(ctx.dbIndex, argv.str(dest));
  } else {
    // Nothing stored: the list is dropped and its charge given back.
    ctx.store.account.bytes -= list.memory;
    list.memory = 0;
    if (id !== -1) {
      ctx.store.delete(ctx.dbIndex, id);
      written(ctx, dest, 'g', 'del');
    }
  }
  ctx.reply.int(outputLen);
}

/**
 * SORT's keys (sortGetKeys): the sorted key, and the destination of the last STORE.
 * LIMIT, GET and BY skip their arguments; STORE's argument is still looked at as an
 * option, as Redis does.
 */
function sortKeys(argv: Argv): number[] {
  let store = 0;
  for (let j = 2; j < argv.count; j++) {
    if (argv.is(j, 'limit')) j += 2;
    else if (argv.is(j, 'by') || argv.is(j, 'get')) j++;
    else if (argv.is(j, 'store') && j + 1 < argv.count) store = j + 1;
  }
  return store ? [1, store] : [1];
}

const SORT_KEYS: KeySpec = { first: 1, last: 1, step: 1, find: sortKeys };
const SORT_RO_KEYS: KeySpec = { first: 1, last: 1, step: 1, find: () => [1] };

const COMPLEXITY =
  'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).';

export const sortCommands: CommandSpec[] = [
  {
    name: 'sort',
    arity: -2,
    flags: ['write', 'denyoom'],
    keys: SORT_KEYS,
    categories: ['set', 'sortedset', 'list', 'dangerous'],
    group: 'generic',
    summary: 'Sorts the elements in a list, a set, or a sorted set, optionally storing the result.',
    since: '1.0.0',
    complexity: COMPLEXITY,
    syntax: 'key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]',
    handler: (ctx) => sortGeneric(ctx, false),
  },
  {
    name: 'sort_ro',
    arity: -2,
    flags: ['readonly'],
    keys: SORT_RO_KEYS,
    categories: ['set', 'sortedset', 'list', 'dangerous'],
    group: 'generic',
    summary: 'Returns the sorted elements of a list, a set, or a sorted set.',
    since: '7.0.0',
    complexity: COMPLEXITY,
    syntax: 'key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]',
    handler: (ctx) => sortGeneric(ctx, true),
  },
];
