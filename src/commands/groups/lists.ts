// List commands, blocking pops included (Redis t_list.c).
//
// Replies, error strings and the order in which arguments are checked follow
// redis-server 7.0 (checked against it): e.g. LPOP parses its count before looking
// at the key, LINDEX looks at the key first, and a timed-out BLMOVE replies with a
// null array while the same command inside MULTI replies with a null bulk.
//
// Blocking: a blocking command that finds nothing calls node.block() and returns;
// when a push makes a key ready (store.ready) the node runs the command again for
// each waiting client in arrival order. During such a retry a key that now holds
// another type is passed over, not an error: Redis only wakes a client for a key of
// the type it waits for (so LPUSH + DEL + SET in one MULTI leaves it blocked).
// Events: lpush/rpush/lpop/rpop/linsert/lset/lrem/ltrim (class l) and del (class g)
// when a list empties, in Redis's order.
// Replication: a served blocking pop reaches replicas as the pop it performed (BLPOP →
// LPOP key, BLMOVE → LMOVE, BRPOPLPUSH → RPOPLPUSH, [B]LMPOP → LPOP/RPOP key count),
// so a replica never blocks and pops the same key the primary did.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { ValueType } from '../../engine/keyspace.js';
import { ListValue } from '../../engine/types/list.js';
import type { Client } from '../../server/client.js';
import { Argv } from '../../protocol/resp/argv.js';
import type { CommandSpec, Ctx, KeySpec } from '../types.js';
import { ONE_KEY } from '../types.js';
import { intArg, lookupRead, lookupWrite, syntaxError, timeoutArg, written } from '../helpers.js';

const LposErrors = {
  rankZero:
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  countNegative: "ERR COUNT can't be negative",
  maxlenNegative: "ERR MAXLEN can't be negative",
};
const numkeysPositive = 'ERR numkeys should be greater than 0';
const countPositiveMpop = 'ERR count should be greater than 0';

// ---- shared pieces ------------------------------------------------------------------

interface ListsState {
  fill: number;
}

/** list-max-listpack-size, cached per node and refreshed on CONFIG SET (read on every push). */
function fillOf(ctx: Ctx): number {
  const node = ctx.node;
  let st = node.ext.get('lists') as ListsState | undefined;
  if (!st) {
    const state: ListsState = { fill: node.config.int('list-max-listpack-size') };
    node.config.onChange((name) => {
      if (name === 'list-max-listpack-size') state.fill = node.config.int('list-max-listpack-size');
    });
    node.ext.set('lists', state);
    st = state;
  }
  return st.fill;
}

/** The list at key argument i for writing, or null when missing. Throws WRONGTYPE. */
function listForWrite(ctx: Ctx, i: number): ListValue | null {
  const id = lookupWrite(ctx, i);
  if (id === -1) return null;
  if (ctx.db.type(id) !== ValueType.List) throw new CommandError(Errors.wrongType);
  return ctx.db.object<ListValue>(id);
}

function listForRead(ctx: Ctx, i: number): ListValue | null {
  const id = lookupRead(ctx, i);
  if (id === -1) return null;
  if (ctx.db.type(id) !== ValueType.List) throw new CommandError(Errors.wrongType);
  return ctx.db.object<ListValue>(id);
}

/** Creates the (absent) key at argument i holding a new empty list. */
function createList(ctx: Ctx, i: number): ListValue {
  const a = ctx.argv;
  const id = ctx.store.create(ctx.dbIndex, a.buf, a.starts[i], a.ends[i], ValueType.List, 0, ctx.now);
  const list = new ListValue(ctx.db.account);
  ctx.db.setObject(id, ValueType.List, list);
  return list;
}

/** Tells clients blocked on key argument i that it has data (cheap when nobody is blocked). */
function signalReady(ctx: Ctx, i: number): void {
  if (ctx.node.blocking.blockedCount > 0) ctx.store.ready(ctx.dbIndex, ctx.argv.str(i));
}

/**
 * Signals a change to key argument i (WATCH, keyspace event) that counts `changes`
 * in the dirty counter as Redis does: one per element pushed, popped or removed,
 * so INFO's rdb_changes_since_last_save and propagation (none when 0) match.
 */
function changed(ctx: Ctx, i: number, event: string, changes: number): void {
  written(ctx, i, 'l', event);
  ctx.store.dirty += changes - 1;
}

/**
 * After `count` elements left the list at key argument i (Redis listElementsRemoved):
 * the pop event, deletion of an emptied key with its del event, or the shrink check.
 */
function elementsRemoved(ctx: Ctx, i: number, list: ListValue, head: boolean, count: number): void {
  changed(ctx, i, head ? 'lpop' : 'rpop', count);
  deleteIfEmpty(ctx, i, list);
}

/** Deletes the key at argument i when its list is empty (with a del event); else may convert back to a listpack. */
function deleteIfEmpty(ctx: Ctx, i: number, list: ListValue): void {
  if (list.size > 0) {
    list.shrinkCheck(fillOf(ctx));
    return;
  }
  const a = ctx.argv;
  const id = ctx.db.find(a.buf, a.starts[i], a.ends[i]);
  if (id === -1) return;
  ctx.store.delete(ctx.dbIndex, id);
  if (ctx.store.notifying) ctx.store.notify('g', 'del', a.str(i), ctx.dbIndex);
}

/** LEFT or RIGHT (any case) → true for the head; anything else is a syntax error. */
function whereArg(argv: Argv, i: number): boolean {
  if (argv.is(i, 'left')) return true;
  if (argv.is(i, 'right')) return false;
  return syntaxError();
}

/** True when the command runs again for a client blocked on keys (see the header). */
function isRetry(ctx: Ctx): boolean {
  const b = ctx.client.blocked;
  return !ctx.nested && b !== null && b.kind === 'keys';
}

/** The list at key argument i for a blocking pop: null when missing, or, on a retry, of another type. */
function listForBlockingPop(ctx: Ctx, i: number, retry: boolean): ListValue | null {
  const id = lookupWrite(ctx, i);
  if (id === -1) return null;
  if (ctx.db.type(id) !== ValueType.List) {
    if (retry) return null;
    throw new CommandError(Errors.wrongType);
  }
  return ctx.db.object<ListValue>(id);
}

/** What a blocked list command replies when its timeout passes (or CLIENT UNBLOCK). */
function replyTimedOut(client: Client): void {
  client.writer.nilArray();
}

/** Blocks the client on key arguments [from, to) (or, inside MULTI/scripts, replies with `nested`). */
function blockOn(ctx: Ctx, from: number, to: number, timeoutMs: number, nestedReply: 'nilArray' | 'nil'): void {
  if (ctx.nested) {
    if (nestedReply === 'nil') ctx.reply.nil();
    else ctx.reply.nilArray();
    return;
  }
  const keys: string[] = [];
  for (let i = from; i < to; i++) {
    const k = ctx.argv.str(i);
    if (!keys.includes(k)) keys.push(k);
  }
  ctx.node.block(ctx, keys, timeoutMs, replyTimedOut);
}

// ---- push ------------------------------------------------------------------------

/** LPUSH / RPUSH / LPUSHX / RPUSHX key element [element ...] */
function pushGeneric(ctx: Ctx, head: boolean, onlyExisting: boolean): void {
  const argv = ctx.argv;
  let list = listForWrite(ctx, 1);
  if (list === null) {
    if (onlyExisting) return ctx.reply.int(0);
    list = createList(ctx, 1);
  }
  let bytes = 0;
  for (let i = 2; i < argv.count; i++) bytes += argv.len(i);
  list.growCheck(fillOf(ctx), bytes, argv.count - 2);
  if (head) for (let i = 2; i < argv.count; i++) list.pushHead(argv.str(i));
  else for (let i = 2; i < argv.count; i++) list.pushTail(argv.str(i));
  ctx.reply.int(list.size);
  changed(ctx, 1, head ? 'lpush' : 'rpush', argv.count - 2);
  signalReady(ctx, 1);
}

// ---- pop ------------------------------------------------------------------------

/** LPOP / RPOP key [count] */
function popGeneric(ctx: Ctx, head: boolean): void {
  const argv = ctx.argv;
  if (argv.count > 3) throw new CommandError(Errors.wrongArity(ctx.spec.name));
  const hasCount = argv.count === 3;
  let count = 0;
  if (hasCount) {
    count = intArg(ctx, 2, Errors.countPositive);
    if (count < 0) throw new CommandError(Errors.countPositive);
  }
  const list = listForWrite(ctx, 1);
  if (list === null) {
    if (hasCount) ctx.reply.nilArray();
    else ctx.reply.nil();
    return;
  }
  if (hasCount && count === 0) {
    ctx.reply.array(0);
    return;
  }
  if (!hasCount) {
    ctx.reply.bulk(list.pop(head)!);
    elementsRemoved(ctx, 1, list, head, 1);
    return;
  }
  const n = Math.min(count, list.size);
  ctx.reply.array(n);
  for (let k = 0; k < n; k++) ctx.reply.bulk(list.pop(head)!);
  elementsRemoved(ctx, 1, list, head, n);
}

/** Pops up to count elements and replies [key, [elements]] (LMPOP, BLMPOP). */
function popRangeWithKey(ctx: Ctx, i: number, list: ListValue, head: boolean, count: number): void {
  const n = Math.min(count, list.size);
  ctx.reply.array(2);
  ctx.reply.bulkRange(ctx.argv.buf, ctx.argv.starts[i], ctx.argv.ends[i]);
  ctx.reply.array(n);
  for (let k = 0; k < n; k++) ctx.reply.bulk(list.pop(head)!);
  elementsRemoved(ctx, i, list, head, n);
  ctx.propagateAs = [Argv.of([head ? 'LPOP' : 'RPOP', ctx.argv.copy(i), String(n)])];
}

// ---- read -----------------------------------------------------------------------

/** LLEN key */
function llen(ctx: Ctx): void {
  const list = listForRead(ctx, 1);
  ctx.reply.int(list === null ? 0 : list.size);
}

/** LRANGE key start stop */
function lrange(ctx: Ctx): void {
  let start = intArg(ctx, 2);
  let end = intArg(ctx, 3);
  const list = listForRead(ctx, 1);
  if (list === null) return ctx.reply.array(0);
  const len = list.size;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return ctx.reply.array(0);
  if (end >= len) end = len - 1;
  ctx.reply.array(end - start + 1);
  for (let i = start; i <= end; i++) ctx.reply.bulk(list.at(i));
}

/** LINDEX key index */
function lindex(ctx: Ctx): void {
  const list = listForRead(ctx, 1);
  if (list === null) return ctx.reply.nil();
  let index = intArg(ctx, 2);
  if (index < 0) index += list.size;
  if (index < 0 || index >= list.size) return ctx.reply.nil();
  ctx.reply.bulk(list.at(index));
}

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
function lpos(ctx: Ctx): void {
  const argv = ctx.argv;
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  let rankMin = false;
  for (let j = 3; j < argv.count; j++) {
    const moreArgs = j + 1 < argv.count;
    if (argv.is(j, 'rank') && moreArgs) {
      j++;
      const v = argv.int(j);
      if (v === null) throw new CommandError(Errors.notInteger);
      if (v === 0) throw new CommandError(LposErrors.rankZero);
      // -2^63 negates to itself in C: Redis then takes the first match from the tail.
      rankMin = v === -9223372036854775808n;
      rank = typeof v === 'bigint' ? (v > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER) : v;
    } else if (argv.is(j, 'count') && moreArgs) {
      j++;
      count = intArg(ctx, j, LposErrors.countNegative);
      if (count < 0) throw new CommandError(LposErrors.countNegative);
    } else if (argv.is(j, 'maxlen') && moreArgs) {
      j++;
      maxlen = intArg(ctx, j, LposErrors.maxlenNegative);
      if (maxlen < 0) throw new CommandError(LposErrors.maxlenNegative);
    } else {
      syntaxError();
    }
  }
  const fromTail = rank < 0;
  if (fromTail) rank = rankMin ? 1 : -rank;
  const list = listForRead(ctx, 1);
  if (list === null) {
    if (count !== -1) ctx.reply.array(0);
    else ctx.reply.nil();
    return;
  }
  const ele = argv.str(2);
  const len = list.size;
  const limit = maxlen === 0 ? len : Math.min(maxlen, len);
  const found: number[] = [];
  let matches = 0;
  for (let k = 0; k < limit; k++) {
    const index = fromTail ? len - 1 - k : k;
    if (list.at(index) !== ele) continue;
    matches++;
    if (matches < rank) continue;
    found.push(index);
    if (count === -1) break;
    if (count !== 0 && matches - rank + 1 >= count) break;
  }
  if (count === -1) {
    if (found.length === 0) ctx.reply.nil();
    else ctx.reply.int(found[0]);
    return;
  }
  ctx.reply.array(found.length);
  for (const i of found) ctx.reply.int(i);
}

// ---- modify in place ----------------------------------------------------------------

/** LSET key index element */
function lset(ctx: Ctx): void {
  const list = listForWrite(ctx, 1);
  if (list === null) throw new CommandError(Errors.noSuchKey);
  let index = intArg(ctx, 2);
  const fill = fillOf(ctx);
  // Redis checks for growth before it knows the index is valid.
  list.growCheck(fill, ctx.argv.len(3), 1);
  if (index < 0) index += list.size;
  if (index < 0 || index >= list.size) throw new CommandError(Errors.indexOutOfRange);
  list.set(index, ctx.argv.str(3));
  list.shrinkCheck(fill);
  ctx.reply.ok();
  written(ctx, 1, 'l', 'lset');
}

/** LINSERT key BEFORE | AFTER pivot element */
function linsert(ctx: Ctx): void {
  const argv = ctx.argv;
  let after: boolean;
  if (argv.is(2, 'after')) after = true;
  else if (argv.is(2, 'before')) after = false;
  else syntaxError();
  const list = listForWrite(ctx, 1);
  if (list === null) return ctx.reply.int(0);
  list.growCheck(fillOf(ctx), argv.len(4), 1);
  const at = list.indexOf(argv.str(3));
  if (at === -1) return ctx.reply.int(-1);
  list.insert(after ? at + 1 : at, argv.str(4));
  written(ctx, 1, 'l', 'linsert');
  ctx.reply.int(list.size);
}

/** LREM key count element */
function lrem(ctx: Ctx): void {
  const count = intArg(ctx, 2);
  const list = listForWrite(ctx, 1);
  if (list === null) return ctx.reply.int(0);
  const removed = list.removeMatching(ctx.argv.str(3), Math.abs(count), count < 0);
  if (removed > 0) {
    changed(ctx, 1, 'lrem', removed);
    deleteIfEmpty(ctx, 1, list);
  }
  ctx.reply.int(removed);
}

/** LTRIM key start stop */
function ltrim(ctx: Ctx): void {
  let start = intArg(ctx, 2);
  let end = intArg(ctx, 3);
  const list = listForWrite(ctx, 1);
  if (list === null) return ctx.reply.ok();
  const len = list.size;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  let left: number;
  let right: number;
  if (start > end || start >= len) {
    left = len;
    right = 0;
  } else {
    if (end >= len) end = len - 1;
    left = start;
    right = len - end - 1;
  }
  list.trim(left, right);
  changed(ctx, 1, 'ltrim', left + right);
  deleteIfEmpty(ctx, 1, list);
  ctx.reply.ok();
}

// ---- move ------------------------------------------------------------------------

/**
 * Moves one element from the (existing, non-empty) list at srcArg to the list at
 * dstArg and replies with it (Redis lmoveGenericCommand + lmoveHandlePush).
 * Throws WRONGTYPE, before anything moves, when the destination is not a list.
 */
function moveFrom(ctx: Ctx, src: ListValue, srcArg: number, dstArg: number, fromHead: boolean, toHead: boolean): void {
  let dst = listForWrite(ctx, dstArg);
  const value = src.pop(fromHead)!;
  if (dst === null) dst = createList(ctx, dstArg);
  dst.growCheck(fillOf(ctx), value.length, 1);
  dst.push(value, toHead);
  changed(ctx, dstArg, toHead ? 'lpush' : 'rpush', 0); // the move counts once, on the source
  ctx.reply.bulk(value);
  elementsRemoved(ctx, srcArg, src, fromHead, 1);
  signalReady(ctx, dstArg);
}

/** LMOVE source destination LEFT | RIGHT LEFT | RIGHT; RPOPLPUSH source destination */
function lmoveGeneric(ctx: Ctx, fromHead: boolean, toHead: boolean): void {
  const src = listForWrite(ctx, 1);
  if (src === null) return ctx.reply.nil();
  moveFrom(ctx, src, 1, 2, fromHead, toHead);
}

function lmove(ctx: Ctx): void {
  const from = whereArg(ctx.argv, 3);
  const to = whereArg(ctx.argv, 4);
  lmoveGeneric(ctx, from, to);
}

/** BLMOVE source destination LEFT | RIGHT LEFT | RIGHT timeout; BRPOPLPUSH source destination timeout */
function blmoveGeneric(ctx: Ctx, fromHead: boolean, toHead: boolean, timeoutIdx: number): void {
  const timeout = timeoutArg(ctx, timeoutIdx);
  const src = listForBlockingPop(ctx, 1, isRetry(ctx));
  if (src !== null) {
    moveFrom(ctx, src, 1, 2, fromHead, toHead);
    const { argv } = ctx;
    ctx.propagateAs = [
      timeoutIdx === 3
        ? Argv.of(['RPOPLPUSH', argv.copy(1), argv.copy(2)])
        : Argv.of(['LMOVE', argv.copy(1), argv.copy(2), fromHead ? 'LEFT' : 'RIGHT', toHead ? 'LEFT' : 'RIGHT']),
    ];
    return;
  }
  blockOn(ctx, 1, 2, timeout, 'nil');
}

function blmove(ctx: Ctx): void {
  const from = whereArg(ctx.argv, 3);
  const to = whereArg(ctx.argv, 4);
  blmoveGeneric(ctx, from, to, 5);
}

// ---- multi-key pops ------------------------------------------------------------------

/** BLPOP / BRPOP key [key ...] timeout */
function bpopGeneric(ctx: Ctx, head: boolean): void {
  const argv = ctx.argv;
  const last = argv.count - 1;
  const timeout = timeoutArg(ctx, last);
  const retry = isRetry(ctx);
  for (let i = 1; i < last; i++) {
    const list = listForBlockingPop(ctx, i, retry);
    if (list === null) continue;
    ctx.reply.array(2);
    ctx.reply.bulkRange(argv.buf, argv.starts[i], argv.ends[i]);
    ctx.reply.bulk(list.pop(head)!);
    elementsRemoved(ctx, i, list, head, 1);
    ctx.propagateAs = [Argv.of([head ? 'LPOP' : 'RPOP', argv.copy(i)])];
    return;
  }
  blockOn(ctx, 1, last, timeout, 'nilArray');
}

interface MpopArgs {
  first: number;
  numkeys: number;
  head: boolean;
  count: number;
}

/** numkeys key [key ...] LEFT | RIGHT [COUNT count], with numkeys at argument i. */
function mpopArgs(ctx: Ctx, i: number): MpopArgs {
  const argv = ctx.argv;
  const numkeys = intArg(ctx, i, numkeysPositive);
  if (numkeys < 1) throw new CommandError(numkeysPositive);
  const whereIdx = i + numkeys + 1;
  if (whereIdx >= argv.count) syntaxError();
  const head = whereArg(argv, whereIdx);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.count; j++) {
    if (count === -1 && argv.is(j, 'count') && j + 1 < argv.count) {
      j++;
      count = intArg(ctx, j, countPositiveMpop);
      if (count < 1) throw new CommandError(countPositiveMpop);
    } else {
      syntaxError();
    }
  }
  return { first: i + 1, numkeys, head, count: count === -1 ? 1 : count };
}

/** Pops from the first non-empty list among the keys; false when all are empty. */
function mpopFirst(ctx: Ctx, m: MpopArgs, retry: boolean): boolean {
  for (let i = m.first; i < m.first + m.numkeys; i++) {
    const list = listForBlockingPop(ctx, i, retry);
    if (list === null) continue;
    popRangeWithKey(ctx, i, list, m.head, m.count);
    return true;
  }
  return false;
}

/** LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count] */
function lmpop(ctx: Ctx): void {
  const m = mpopArgs(ctx, 1);
  if (!mpopFirst(ctx, m, false)) ctx.reply.nilArray();
}

/** BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count] */
function blmpop(ctx: Ctx): void {
  const m = mpopArgs(ctx, 2);
  const timeout = timeoutArg(ctx, 1);
  if (mpopFirst(ctx, m, isRetry(ctx))) return;
  blockOn(ctx, m.first, m.first + m.numkeys, timeout, 'nilArray');
}

/** Key positions of LMPOP (numkeys at 1) and BLMPOP (numkeys at 2), for ACL and COMMAND GETKEYS. */
function mpopKeys(numkeysIdx: number): KeySpec {
  return {
    first: 0,
    last: 0,
    step: 0,
    find: (argv: Argv) => {
      if (argv.count <= numkeysIdx) return [];
      const n = argv.int(numkeysIdx);
      if (typeof n !== 'number' || n < 1) return [];
      const out: number[] = [];
      for (let i = numkeysIdx + 1; i <= numkeysIdx + n && i < argv.count; i++) out.push(i);
      return out;
    },
  };
}

// ---- the table ---------------------------------------------------------------------

const TWO_KEYS: KeySpec = { first: 1, last: 2, step: 1 };
const KEYS_BEFORE_TIMEOUT: KeySpec = { first: 1, last: -2, step: 1 };

const l = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: KeySpec,
  summary: string,
  since: string,
  complexity: string,
  syntax: string,
  handler: CommandSpec['handler'],
): CommandSpec => ({ name, arity, flags, keys, categories: ['list'], group: 'list', summary, since, complexity, syntax, handler });

export const listCommands: CommandSpec[] = [
  l('lpush', -3, ['write', 'denyoom', 'fast'], ONE_KEY, 'Prepends one or more elements to a list. Creates the key if it doesn\'t exist.', '1.0.0',
    'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', 'key element [element ...]', (ctx) => pushGeneric(ctx, true, false)),
  l('rpush', -3, ['write', 'denyoom', 'fast'], ONE_KEY, 'Appends one or more elements to a list. Creates the key if it doesn\'t exist.', '1.0.0',
    'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', 'key element [element ...]', (ctx) => pushGeneric(ctx, false, false)),
  l('lpushx', -3, ['write', 'denyoom', 'fast'], ONE_KEY, 'Prepends one or more elements to a list only when the list exists.', '2.2.0',
    'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', 'key element [element ...]', (ctx) => pushGeneric(ctx, true, true)),
  l('rpushx', -3, ['write', 'denyoom', 'fast'], ONE_KEY, 'Appends an element to a list only when the list exists.', '2.2.0',
    'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', 'key element [element ...]', (ctx) => pushGeneric(ctx, false, true)),
  l('lpop', -2, ['write', 'fast'], ONE_KEY, 'Returns the first elements in a list after removing it. Deletes the list if the last element was popped.', '1.0.0',
    'O(N) where N is the number of elements returned', 'key [count]', (ctx) => popGeneric(ctx, true)),
  l('rpop', -2, ['write', 'fast'], ONE_KEY, 'Returns and removes the last elements of a list. Deletes the list if the last element was popped.', '1.0.0',
    'O(N) where N is the number of elements returned', 'key [count]', (ctx) => popGeneric(ctx, false)),
  l('llen', 2, ['readonly', 'fast'], ONE_KEY, 'Returns the length of a list.', '1.0.0', 'O(1)', 'key', llen),
  l('lrange', 4, ['readonly'], ONE_KEY, 'Returns a range of elements from a list.', '1.0.0',
    'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.', 'key start stop', lrange),
  l('lindex', 3, ['readonly'], ONE_KEY, 'Returns an element from a list by its index.', '1.0.0',
    'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).', 'key index', lindex),
  l('lset', 4, ['write', 'denyoom'], ONE_KEY, 'Sets the value of an element in a list by its index.', '1.0.0',
    'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).', 'key index element', lset),
  l('linsert', 5, ['write', 'denyoom'], ONE_KEY, 'Inserts an element before or after another element in a list.', '2.2.0',
    'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).', 'key <BEFORE | AFTER> pivot element', linsert),
  l('lrem', 4, ['write'], ONE_KEY, 'Removes elements from a list. Deletes the list if the last element was removed.', '1.0.0',
    'O(N+M) where N is the length of the list and M is the number of elements removed.', 'key count element', lrem),
  l('ltrim', 4, ['write'], ONE_KEY, 'Removes elements from both ends a list. Deletes the list if all elements were trimmed.', '1.0.0',
    'O(N) where N is the number of elements to be removed by the operation.', 'key start stop', ltrim),
  l('lpos', -3, ['readonly'], ONE_KEY, 'Returns the index of matching elements in a list.', '6.0.6',
    'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.', 'key element [RANK rank] [COUNT num-matches] [MAXLEN len]', lpos),
  l('lmove', 5, ['write', 'denyoom'], TWO_KEYS, 'Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.', '6.2.0',
    'O(1)', 'source destination <LEFT | RIGHT> <LEFT | RIGHT>', lmove),
  l('rpoplpush', 3, ['write', 'denyoom'], TWO_KEYS, 'Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.', '1.2.0',
    'O(1)', 'source destination', (ctx) => lmoveGeneric(ctx, false, true)),
  l('lmpop', -4, ['write'], mpopKeys(1), 'Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.', '7.0.0',
    'O(N+M) where N is the number of provided keys and M is the number of elements returned.', 'numkeys key [key ...] <LEFT | RIGHT> [COUNT count]', lmpop),
  l('blpop', -3, ['write', 'noscript', 'blocking'], KEYS_BEFORE_TIMEOUT, 'Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.', '2.0.0',
    'O(N) where N is the number of provided keys.', 'key [key ...] timeout', (ctx) => bpopGeneric(ctx, true)),
  l('brpop', -3, ['write', 'noscript', 'blocking'], KEYS_BEFORE_TIMEOUT, 'Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.', '2.0.0',
    'O(N) where N is the number of provided keys.', 'key [key ...] timeout', (ctx) => bpopGeneric(ctx, false)),
  l('blmove', 6, ['write', 'denyoom', 'noscript', 'blocking'], TWO_KEYS, 'Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.', '6.2.0',
    'O(1)', 'source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout', blmove),
  l('brpoplpush', 4, ['write', 'denyoom', 'noscript', 'blocking'], TWO_KEYS, 'Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.', '2.2.0',
    'O(1)', 'source destination timeout', (ctx) => blmoveGeneric(ctx, false, true, 3)),
  l('blmpop', -5, ['write', 'blocking'], mpopKeys(2), 'Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.', '7.0.0',
    'O(N+M) where N is the number of provided keys and M is the number of elements returned.', 'timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]', blmpop),
];
