// Set commands: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SPOP SRANDMEMBER SMOVE
// SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN, as
// redis-server 7.0's t_set.c behaves: reply shapes (SMEMBERS, SINTER, SUNION, SDIFF
// and SPOP with a count are RESP3 sets; SRANDMEMBER with a count is an array), the
// order of checks and errors, keyspace events (sadd, srem, spop, sinterstore,
// sunionstore, sdiffstore, then del when a set empties), and the intset/hashtable
// encodings including the ones results get (a stored result starts as an intset, as
// Redis's does).
//
// Replication: SPOP picks members at random, so replicas get what it did instead:
// SREM key of the popped members (in batches of 1024, as Redis), or DEL key when
// the count took the whole set.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { ValueType } from '../../engine/keyspace.js';
import { MemoryAccount, releaseObject } from '../../engine/memory.js';
import { SetValue } from '../../engine/types/set.js';
import type { CommandSpec, Ctx, KeySpec } from '../types.js';
import { Argv } from '../../protocol/resp/argv.js';
import { ALL_KEYS, ONE_KEY } from '../types.js';
import { deleteIfEmpty, lookupRead, lookupWrite, writeObject, written } from '../helpers.js';
import { encodingLimits } from '../encoding-limits.js';
import { replyEmptyScan, replyScan, scanCursorArg, scanMatches, scanOptions } from '../scan-cursor.js';
import { distinctCount, randomCountArg, repeatedCount } from '../random-members.js';

/** The set at key argument i for reading, or null; throws WRONGTYPE. */
function readSet(ctx: Ctx, i: number): SetValue | null {
  const id = lookupRead(ctx, i);
  if (id === -1) return null;
  if (ctx.db.type(id) !== ValueType.Set) throw new CommandError(Errors.wrongType);
  return ctx.db.object<SetValue>(id);
}

function maxIntset(ctx: Ctx): number {
  return encodingLimits(ctx.node).setMaxIntsetEntries;
}

/** SADD key member [member ...] */
function sadd(ctx: Ctx): void {
  const { argv } = ctx;
  const [, s] = writeObject<SetValue>(ctx, 1, ValueType.Set, () => SetValue.forMember(ctx.store.account, argv.str(2)));
  const max = maxIntset(ctx);
  let added = 0;
  for (let i = 2; i < argv.count; i++) if (s!.add(argv.str(i), max)) added++;
  if (added > 0) written(ctx, 1, 's', 'sadd');
  ctx.reply.int(added);
}

/** SREM key member [member ...] */
function srem(ctx: Ctx): void {
  const { argv } = ctx;
  const id = lookupWrite(ctx, 1);
  if (id === -1) return ctx.reply.int(0);
  if (ctx.db.type(id) !== ValueType.Set) throw new CommandError(Errors.wrongType);
  const s = ctx.db.object<SetValue>(id);
  let removed = 0;
  for (let i = 2; i < argv.count; i++) {
    if (s.remove(argv.str(i))) {
      removed++;
      if (s.size === 0) break;
    }
  }
  if (removed > 0) {
    written(ctx, 1, 's', 'srem');
    deleteIfEmpty(ctx, id, s.size, 1);
  }
  ctx.reply.int(removed);
}

/** SMOVE source destination member */
function smove(ctx: Ctx): void {
  const { db, store } = ctx;
  const srcId = lookupWrite(ctx, 1);
  const dstId = lookupWrite(ctx, 2);
  // A missing source answers 0 before the destination's type is looked at.
  if (srcId === -1) return ctx.reply.int(0);
  if (db.type(srcId) !== ValueType.Set) throw new CommandError(Errors.wrongType);
  if (dstId !== -1 && db.type(dstId) !== ValueType.Set) throw new CommandError(Errors.wrongType);
  const member = ctx.argv.str(3);
  const src = db.object<SetValue>(srcId);
  if (srcId === dstId) return ctx.reply.int(src.has(member) ? 1 : 0);
  if (!src.remove(member)) return ctx.reply.int(0);
  written(ctx, 1, 's', 'srem');
  deleteIfEmpty(ctx, srcId, src.size, 1);
  const [, dst] = writeObject<SetValue>(ctx, 2, ValueType.Set, () => SetValue.forMember(store.account, member));
  // The destination only counts as changed when the member was new there.
  if (dst!.add(member, maxIntset(ctx))) written(ctx, 2, 's', 'sadd');
  ctx.reply.int(1);
}

/** SISMEMBER key member */
function sismember(ctx: Ctx): void {
  const s = readSet(ctx, 1);
  ctx.reply.int(s && s.has(ctx.argv.str(2)) ? 1 : 0);
}

/** SMISMEMBER key member [member ...]: a missing key is an empty set. */
function smismember(ctx: Ctx): void {
  const { argv, reply } = ctx;
  const s = readSet(ctx, 1);
  reply.array(argv.count - 2);
  for (let i = 2; i < argv.count; i++) reply.int(s && s.has(argv.str(i)) ? 1 : 0);
}

/** SCARD key */
function scard(ctx: Ctx): void {
  ctx.reply.int(readSet(ctx, 1)?.size ?? 0);
}

/** SMEMBERS key (a RESP3 set; an intset answers in ascending order). */
function smembers(ctx: Ctx): void {
  const s = readSet(ctx, 1);
  replySet(ctx, s);
}

function replySet(ctx: Ctx, s: SetValue | null): void {
  const { reply } = ctx;
  reply.set(s ? s.size : 0);
  s?.forEach((m) => reply.bulk(m));
}

/** SPOP key [count] */
function spop(ctx: Ctx): void {
  const { argv, reply } = ctx;
  if (argv.count > 3) throw new CommandError(Errors.syntax);
  if (argv.count === 3) return spopWithCount(ctx);
  const id = lookupWrite(ctx, 1);
  if (id === -1) return reply.nil();
  if (ctx.db.type(id) !== ValueType.Set) throw new CommandError(Errors.wrongType);
  const s = ctx.db.object<SetValue>(id);
  const member = s.pop();
  reply.bulk(member);
  written(ctx, 1, 's', 'spop');
  deleteIfEmpty(ctx, id, s.size, 1);
  ctx.propagateAs = [Argv.of(['SREM', argv.copy(1), member])];
}

/** SREM key member ... commands for what SPOP took, at most 1024 members each (Redis's batch). */
function sremBatches(key: Buffer, members: string[]): Argv[] {
  const out: Argv[] = [];
  for (let i = 0; i < members.length; i += 1024) out.push(Argv.of(['SREM', key, ...members.slice(i, i + 1024)]));
  return out;
}

/** How much bigger than what stays the popped part must be for Redis to rebuild the set. */
const SPOP_MOVE_STRATEGY_MUL = 5;

function spopWithCount(ctx: Ctx): void {
  const { argv, reply, store, db } = ctx;
  const v = argv.int(2);
  if (v === null || v < 0) throw new CommandError(Errors.countPositive);
  const id = lookupWrite(ctx, 1);
  if (id === -1) return reply.set(0);
  if (db.type(id) !== ValueType.Set) throw new CommandError(Errors.wrongType);
  if (v === 0) return reply.set(0);
  const s = db.object<SetValue>(id);
  const size = s.size;
  const count = distinctCount(v);
  written(ctx, 1, 's', 'spop');
  if (count >= size) {
    replySet(ctx, s);
    store.delete(ctx.dbIndex, id);
    store.notify('g', 'del', argv.str(1), ctx.dbIndex);
    ctx.propagateAs = [Argv.of(['DEL', argv.copy(1)])];
    return;
  }
  reply.set(count);
  const popped: string[] = new Array(count);
  for (let i = 0; i < count; i++) reply.bulk((popped[i] = s.pop()));
  ctx.propagateAs = sremBatches(argv.copy(1), popped);
  const remaining = size - count;
  if (remaining * SPOP_MOVE_STRATEGY_MUL <= count) {
    // Redis pops most of a set by building a new set from the few that stay, and
    // that set gets its encoding afresh (an intset again when they are integers).
    const members = s.members();
    const fresh = SetValue.forMember(store.account, members[0]);
    const max = maxIntset(ctx);
    for (const m of members) fresh.add(m, max);
    db.setObject(id, ValueType.Set, fresh);
  }
}

/** SRANDMEMBER key [count] */
function srandmember(ctx: Ctx): void {
  const { argv, reply } = ctx;
  if (argv.count > 3) throw new CommandError(Errors.syntax);
  if (argv.count === 3) return srandmemberWithCount(ctx);
  const s = readSet(ctx, 1);
  if (!s) return reply.nil();
  reply.bulk(s.random());
}

function srandmemberWithCount(ctx: Ctx): void {
  const { reply } = ctx;
  const l = randomCountArg(ctx, 2);
  const s = readSet(ctx, 1);
  if (!s || l === 0) return reply.array(0);

  // A negative count: that many independent picks, repetitions allowed.
  if (l < 0 || l === 1) {
    const count = repeatedCount(l);
    reply.array(count);
    for (let i = 0; i < count; i++) reply.bulk(s.random());
    return;
  }

  const size = s.size;
  const count = distinctCount(l);
  if (count >= size) return replyArrayOf(ctx, s.members());
  // Distinct picks: shuffle a copy partially when most are wanted, else draw until
  // enough different ones came up (Redis's CASE 3 and 4; both uniform).
  if (count * 3 > size) {
    const all = s.members();
    let n = all.length;
    while (n > count) {
      const k = (Math.random() * n) | 0;
      all[k] = all[--n];
    }
    all.length = count;
    return replyArrayOf(ctx, all);
  }
  const picked = new Set<string>();
  while (picked.size < count) picked.add(s.random());
  replyArrayOf(ctx, [...picked]);
}

function replyArrayOf(ctx: Ctx, items: string[]): void {
  ctx.reply.array(items.length);
  for (const m of items) ctx.reply.bulk(m);
}

/**
 * The sets at key arguments [from, to), null for missing keys. Every key is looked
 * up before any answer, so a WRONGTYPE anywhere wins over an empty result.
 */
function gatherSets(ctx: Ctx, from: number, to: number): (SetValue | null)[] {
  const sets: (SetValue | null)[] = [];
  for (let i = from; i < to; i++) sets.push(readSet(ctx, i));
  return sets;
}

/**
 * Stores a computed set at key argument `dstArg` (Redis setKey: replaces any value,
 * drops the TTL) and replies its size; an empty result deletes the destination.
 * `result` must charge the node's account (it is released when not stored).
 */
function storeResult(ctx: Ctx, dstArg: number, result: SetValue, event: string): void {
  const { db, store, argv } = ctx;
  const id = lookupWrite(ctx, dstArg);
  if (result.size === 0) {
    releaseObject(result, store.account);
    ctx.reply.int(0);
    if (id !== -1) {
      store.delete(ctx.dbIndex, id);
      written(ctx, dstArg, 'g', 'del');
    }
    return;
  }
  if (id === -1) {
    const created = store.create(ctx.dbIndex, argv.buf, argv.starts[dstArg], argv.ends[dstArg], ValueType.Set, 0, ctx.now);
    db.setObject(created, ValueType.Set, result);
  } else {
    db.persist(id);
    db.setObject(id, ValueType.Set, result);
  }
  ctx.reply.int(result.size);
  written(ctx, dstArg, 's', event);
}

/**
 * SINTER / SINTERSTORE / SINTERCARD (sinterGenericCommand): keys at [from, to);
 * dstArg > 0 stores; cardOnly counts up to `limit` (0 = no limit).
 */
function sinterGeneric(ctx: Ctx, from: number, to: number, dstArg: number, cardOnly: boolean, limit: number): void {
  const { reply } = ctx;
  const found = gatherSets(ctx, from, to);
  if (found.some((s) => s === null)) {
    // An intersection with an empty set is empty.
    if (dstArg > 0) storeResult(ctx, dstArg, new SetValue(ctx.store.account), 'sinterstore');
    else if (cardOnly) reply.int(0);
    else reply.set(0);
    return;
  }
  const sets = (found as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const first = sets[0];
  const result: string[] = [];
  let cardinality = 0;
  first.some((m) => {
    for (let j = 1; j < sets.length; j++) {
      if (sets[j] !== first && !sets[j].has(m)) return false;
    }
    cardinality++;
    if (!cardOnly) result.push(m);
    // SINTERCARD stops searching once it reached its LIMIT.
    return cardOnly && limit > 0 && cardinality >= limit;
  });
  if (cardOnly) return reply.int(cardinality);
  if (dstArg > 0) {
    const out = new SetValue(ctx.store.account);
    const max = maxIntset(ctx);
    for (const m of result) out.add(m, max);
    return storeResult(ctx, dstArg, out, 'sinterstore');
  }
  reply.set(result.length);
  for (const m of result) reply.bulk(m);
}

const UNION = 0;
const DIFF = 1;

/** SUNION / SUNIONSTORE / SDIFF / SDIFFSTORE (sunionDiffGenericCommand). */
function sunionDiffGeneric(ctx: Ctx, from: number, to: number, dstArg: number, op: number): void {
  const sets = gatherSets(ctx, from, to);
  // A result that is replied and not stored charges nothing to the node.
  const out = new SetValue(dstArg > 0 ? ctx.store.account : new MemoryAccount());
  const max = maxIntset(ctx);
  const first = sets[0];
  if (op === UNION) {
    for (const s of sets) s?.forEach((m) => out.add(m, max));
  } else if (first && !sets.some((s, j) => j > 0 && s === first)) {
    const others = sets.slice(1).filter((s): s is SetValue => s !== null);
    // Redis's two algorithms: test each member of the first set against the others
    // (cheaper when they share members), or copy the first set and remove the
    // others' members (cheaper when the others are small).
    let oneWork = 0;
    let twoWork = first.size;
    for (const s of others) {
      oneWork += first.size;
      twoWork += s.size;
    }
    oneWork += first.size;
    if (oneWork / 2 <= twoWork) {
      others.sort((a, b) => b.size - a.size);
      first.forEach((m) => {
        for (const s of others) if (s.has(m)) return;
        out.add(m, max);
      });
    } else {
      first.forEach((m) => out.add(m, max));
      for (const s of others) {
        s.forEach((m) => out.remove(m));
        if (out.size === 0) break;
      }
    }
  }
  if (dstArg > 0) return storeResult(ctx, dstArg, out, op === UNION ? 'sunionstore' : 'sdiffstore');
  replySet(ctx, out);
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit] */
function sintercard(ctx: Ctx): void {
  const { argv } = ctx;
  const numkeys = argv.int(1);
  if (numkeys === null || numkeys < 1) throw new CommandError('ERR numkeys should be greater than 0');
  if (numkeys > argv.count - 2) throw new CommandError("ERR Number of keys can't be greater than number of args");
  const n = Number(numkeys);
  let limit = 0;
  for (let j = 2 + n; j < argv.count; j++) {
    if (argv.is(j, 'limit') && j + 1 < argv.count) {
      j++;
      const v = argv.int(j);
      if (v === null || v < 0) throw new CommandError("ERR LIMIT can't be negative");
      limit = Number(v);
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  sinterGeneric(ctx, 2, 2 + n, 0, true, limit);
}

/** SSCAN key cursor [MATCH pattern] [COUNT count] */
function sscan(ctx: Ctx): void {
  const cursor = scanCursorArg(ctx, 2);
  const s = readSet(ctx, 1);
  if (!s) return replyEmptyScan(ctx.reply);
  const opts = scanOptions(ctx, 3);
  const out: string[] = [];
  const next = s.scan(cursor, opts.count, (m) => {
    if (scanMatches(opts, m)) out.push(m);
  });
  replyScan(ctx.reply, next, out);
}

/** SINTERCARD's keys: numkeys of them from argument 2 (none when numkeys is invalid). */
const SINTERCARD_KEYS: KeySpec = {
  first: 0,
  last: 0,
  step: 0,
  find: (argv) => {
    const n = argv.count > 1 ? argv.int(1) : null;
    if (typeof n !== 'number' || n < 1 || n > argv.count - 2) return [];
    const out: number[] = [];
    for (let i = 2; i < 2 + n; i++) out.push(i);
    return out;
  },
};
const SRC_DST: KeySpec = { first: 1, last: 2, step: 1 };

const s = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: KeySpec,
  summary: string,
  since: string,
  complexity: string,
  syntax: string,
  handler: CommandSpec['handler'],
): CommandSpec => ({ name, arity, flags, keys, categories: ['set'], group: 'set', summary, since, complexity, syntax, handler });

const N_M = 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.';
const N_TOTAL = 'O(N) where N is the total number of elements in all given sets.';

export const setCommands: CommandSpec[] = [
  s('sadd', -3, ['write', 'denyoom', 'fast'], ONE_KEY, "Adds one or more members to a set. Creates the key if it doesn't exist.", '1.0.0',
    'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    'key member [member ...]', sadd),
  s('srem', -3, ['write', 'fast'], ONE_KEY, 'Removes one or more members from a set. Deletes the set if the last member was removed.', '1.0.0',
    'O(N) where N is the number of members to be removed.', 'key member [member ...]', srem),
  s('scard', 2, ['readonly', 'fast'], ONE_KEY, 'Returns the number of members in a set.', '1.0.0', 'O(1)', 'key', scard),
  s('sismember', 3, ['readonly', 'fast'], ONE_KEY, 'Determines whether a member belongs to a set.', '1.0.0', 'O(1)', 'key member', sismember),
  s('smismember', -3, ['readonly', 'fast'], ONE_KEY, 'Determines whether multiple members belong to a set.', '6.2.0',
    'O(N) where N is the number of elements being checked for membership', 'key member [member ...]', smismember),
  s('smembers', 2, ['readonly'], ONE_KEY, 'Returns all members of a set.', '1.0.0', 'O(N) where N is the set cardinality.', 'key', smembers),
  s('spop', -2, ['write', 'fast'], ONE_KEY,
    'Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.', '1.0.0',
    'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.', 'key [count]', spop),
  s('srandmember', -2, ['readonly'], ONE_KEY, 'Get one or multiple random members from a set', '1.0.0',
    'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.', 'key [count]', srandmember),
  s('smove', 4, ['write', 'fast'], SRC_DST, 'Moves a member from one set to another.', '1.0.0', 'O(1)', 'source destination member', smove),
  s('sinter', -2, ['readonly'], ALL_KEYS, 'Returns the intersect of multiple sets.', '1.0.0', N_M, 'key [key ...]',
    (ctx) => sinterGeneric(ctx, 1, ctx.argv.count, 0, false, 0)),
  s('sintercard', -3, ['readonly'], SINTERCARD_KEYS, 'Returns the number of members of the intersect of multiple sets.', '7.0.0', N_M,
    'numkeys key [key ...] [LIMIT limit]', sintercard),
  s('sinterstore', -3, ['write', 'denyoom'], ALL_KEYS, 'Stores the intersect of multiple sets in a key.', '1.0.0', N_M,
    'destination key [key ...]', (ctx) => sinterGeneric(ctx, 2, ctx.argv.count, 1, false, 0)),
  s('sunion', -2, ['readonly'], ALL_KEYS, 'Returns the union of multiple sets.', '1.0.0', N_TOTAL, 'key [key ...]',
    (ctx) => sunionDiffGeneric(ctx, 1, ctx.argv.count, 0, UNION)),
  s('sunionstore', -3, ['write', 'denyoom'], ALL_KEYS, 'Stores the union of multiple sets in a key.', '1.0.0', N_TOTAL,
    'destination key [key ...]', (ctx) => sunionDiffGeneric(ctx, 2, ctx.argv.count, 1, UNION)),
  s('sdiff', -2, ['readonly'], ALL_KEYS, 'Returns the difference of multiple sets.', '1.0.0', N_TOTAL, 'key [key ...]',
    (ctx) => sunionDiffGeneric(ctx, 1, ctx.argv.count, 0, DIFF)),
  s('sdiffstore', -3, ['write', 'denyoom'], ALL_KEYS, 'Stores the difference of multiple sets in a key.', '1.0.0', N_TOTAL,
    'destination key [key ...]', (ctx) => sunionDiffGeneric(ctx, 2, ctx.argv.count, 1, DIFF)),
  s('sscan', -3, ['readonly'], ONE_KEY, 'Iterates over members of a set.', '2.8.0',
    'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    'key cursor [MATCH pattern] [COUNT count]', sscan),
];
