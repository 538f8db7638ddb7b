// Hash commands: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS
// HGETALL HINCRBY HINCRBYFLOAT HSCAN HRANDFIELD, as redis-server 7.0's t_hash.c
// behaves: the same reply shapes in RESP2 and RESP3, the same errors in the same
// order (argument errors before WRONGTYPE where Redis parses first), keyspace events
// (hset, hdel, hincrby, hincrbyfloat, then del when the last field goes), and the
// listpack → hashtable conversion rule that OBJECT ENCODING and HSCAN expose.
//
// HINCRBYFLOAT computes in an emulated x87 long double (../long-double.ts), so its
// results are Redis's to the last digit.
//
// Replication: HINCRBYFLOAT reaches replicas as HSET of its result, as Redis sends it,
// so that replicas never recompute floats.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { ValueType } from '../../engine/keyspace.js';
import { HashValue } from '../../engine/types/hash.js';
import { isCanonicalInteger } from '../../engine/types/set.js';
import type { CommandSpec, Ctx } from '../types.js';
import { Argv } from '../../protocol/resp/argv.js';
import { ONE_KEY } from '../types.js';
import { deleteIfEmpty, int64Arg, lookupRead, lookupWrite, writeObject, written } from '../helpers.js';
import { encodingLimits } from '../encoding-limits.js';
import { addLongDouble, formatLongDoubleHuman, longDoubleFromNumber, parseLongDouble } from '../long-double.js';
import { replyEmptyScan, replyScan, scanCursorArg, scanMatches, scanOptions } from '../scan-cursor.js';
import { checkHalfRange, distinctCount, distinctPositions, randomCountArg, repeatedCount } from '../random-members.js';

/** The hash at key argument 1 for reading, or undefined; throws WRONGTYPE. */
function readHash(ctx: Ctx): HashValue | undefined {
  const id = lookupRead(ctx, 1);
  if (id === -1) return undefined;
  if (ctx.db.type(id) !== ValueType.Hash) throw new CommandError(Errors.wrongType);
  return ctx.db.object<HashValue>(id);
}

/** The hash at key argument 1 for writing, created when missing (hashTypeLookupWriteOrCreate). */
function writeHash(ctx: Ctx): HashValue {
  return writeObject<HashValue>(ctx, 1, ValueType.Hash, () => new HashValue(ctx.store.account))[1]!;
}

/** Applies Redis's conversion rule after a write that carried elements up to `longest` bytes. */
function fit(ctx: Ctx, h: HashValue, longest: number): void {
  if (!h.listpack) return;
  const limits = encodingLimits(ctx.node);
  h.fit(limits.hashMaxListpackEntries, limits.hashMaxListpackValue, longest);
}

/** HSET key field value [field value ...] and the deprecated HMSET (which replies OK). */
function hset(ctx: Ctx): void {
  const { argv } = ctx;
  if (argv.count % 2 === 1) throw new CommandError(Errors.wrongArity(ctx.spec.name));
  const h = writeHash(ctx);
  let created = 0;
  let longest = 0;
  for (let i = 2; i < argv.count; i += 2) {
    const field = argv.str(i);
    const value = argv.str(i + 1);
    if (field.length > longest) longest = field.length;
    if (value.length > longest) longest = value.length;
    if (h.set(field, value)) created++;
  }
  fit(ctx, h, longest);
  if (ctx.spec.name === 'hset') ctx.reply.int(created);
  else ctx.reply.ok();
  written(ctx, 1, 'h', 'hset');
}

/** HSETNX key field value */
function hsetnx(ctx: Ctx): void {
  const h = writeHash(ctx);
  const field = ctx.argv.str(2);
  if (h.has(field)) return ctx.reply.int(0);
  const value = ctx.argv.str(3);
  h.set(field, value);
  fit(ctx, h, Math.max(field.length, value.length));
  ctx.reply.int(1);
  written(ctx, 1, 'h', 'hset');
}

/** HGET key field */
function hget(ctx: Ctx): void {
  const h = readHash(ctx);
  const v = h?.get(ctx.argv.str(2));
  if (v === undefined) ctx.reply.nil();
  else ctx.reply.bulk(v);
}

/** HMGET key field [field ...]: a missing key is an empty hash (all nils). */
function hmget(ctx: Ctx): void {
  const { argv, reply } = ctx;
  const h = readHash(ctx);
  reply.array(argv.count - 2);
  for (let i = 2; i < argv.count; i++) {
    const v = h?.get(argv.str(i));
    if (v === undefined) reply.nil();
    else reply.bulk(v);
  }
}

/** HDEL key field [field ...] */
function hdel(ctx: Ctx): void {
  const { argv } = ctx;
  const id = lookupWrite(ctx, 1);
  if (id === -1) return ctx.reply.int(0);
  if (ctx.db.type(id) !== ValueType.Hash) throw new CommandError(Errors.wrongType);
  const h = ctx.db.object<HashValue>(id);
  let deleted = 0;
  for (let i = 2; i < argv.count; i++) {
    if (h.delete(argv.str(i))) {
      deleted++;
      if (h.size === 0) break;
    }
  }
  if (deleted > 0) {
    written(ctx, 1, 'h', 'hdel');
    deleteIfEmpty(ctx, id, h.size, 1);
  }
  ctx.reply.int(deleted);
}

/** HLEN key */
function hlen(ctx: Ctx): void {
  ctx.reply.int(readHash(ctx)?.size ?? 0);
}

/** HSTRLEN key field */
function hstrlen(ctx: Ctx): void {
  ctx.reply.int(readHash(ctx)?.valueLength(ctx.argv.str(2)) ?? 0);
}

/** HEXISTS key field */
function hexists(ctx: Ctx): void {
  const h = readHash(ctx);
  ctx.reply.int(h && h.has(ctx.argv.str(2)) ? 1 : 0);
}

const KEYS = 1;
const VALUES = 2;

/** HKEYS, HVALS, HGETALL (genericHgetallCommand): HGETALL is a map in RESP3. */
function hgetallGeneric(ctx: Ctx, what: number): void {
  const { reply } = ctx;
  const h = readHash(ctx);
  const n = h?.size ?? 0;
  if (what === (KEYS | VALUES)) reply.map(n);
  else reply.array(n);
  if (!h) return;
  h.forEach((field, value) => {
    if (what & KEYS) reply.bulk(field);
    if (what & VALUES) reply.bulk(value);
  });
}

const ZERO = longDoubleFromNumber(0);

const MAX_I64 = 9223372036854775807n;
const MIN_I64 = -9223372036854775808n;

/** A stored value as Redis's string2ll reads it: a number, a bigint beyond 2^53, or null. */
function parseInt64(s: string): number | bigint | null {
  if (!isCanonicalInteger(s)) return null;
  if (s.length <= 15) return Number(s);
  const b = BigInt(s);
  return b <= 9007199254740991n && b >= -9007199254740991n ? Number(b) : b;
}

/** a + b in signed 64 bits, or null on overflow. */
function add64(a: number | bigint, b: number | bigint): number | bigint | null {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  const r = BigInt(a) + BigInt(b);
  if (r > MAX_I64 || r < MIN_I64) return null;
  return r <= 9007199254740991n && r >= -9007199254740991n ? Number(r) : r;
}

/** HINCRBY key field increment */
function hincrby(ctx: Ctx): void {
  const incr = int64Arg(ctx, 3);
  const h = writeHash(ctx);
  const field = ctx.argv.str(2);
  const current = h.get(field);
  let value: number | bigint = 0;
  if (current !== undefined) {
    const parsed = parseInt64(current);
    if (parsed === null) throw new CommandError(Errors.hashValueNotInteger);
    value = parsed;
  }
  const result = add64(value, incr);
  if (result === null) throw new CommandError(Errors.overflow);
  const text = String(result);
  h.set(field, text);
  fit(ctx, h, Math.max(field.length, text.length));
  ctx.reply.int(result);
  written(ctx, 1, 'h', 'hincrby');
}

/**
 * HINCRBYFLOAT key field increment: both operands read and added as an x87 long
 * double, the result stored and replied as Redis prints it ("%.17Lf", zeros trimmed).
 */
function hincrbyfloat(ctx: Ctx): void {
  const incr = parseLongDouble(ctx.argv.str(3));
  if (incr === null) throw new CommandError(Errors.notFloat);
  if (incr.kind === 'inf') throw new CommandError('ERR value is NaN or Infinity');
  const h = writeHash(ctx);
  const field = ctx.argv.str(2);
  const current = h.get(field);
  let value = ZERO;
  if (current !== undefined) {
    const parsed = parseLongDouble(current);
    if (parsed === null) throw new CommandError(Errors.hashValueNotFloat);
    value = parsed;
  }
  const sum = addLongDouble(value, incr);
  if (sum === null) throw new CommandError(Errors.nanOrInfinity);
  const text = formatLongDoubleHuman(sum);
  h.set(field, text);
  fit(ctx, h, Math.max(field.length, text.length));
  ctx.reply.bulk(text);
  written(ctx, 1, 'h', 'hincrbyfloat');
  ctx.propagateAs = [Argv.of(['HSET', ctx.argv.copy(1), ctx.argv.copy(2), text])];
}

/** HSCAN key cursor [MATCH pattern] [COUNT count] */
function hscan(ctx: Ctx): void {
  const cursor = scanCursorArg(ctx, 2);
  const h = readHash(ctx);
  if (!h) return replyEmptyScan(ctx.reply);
  const opts = scanOptions(ctx, 3);
  const out: string[] = [];
  const keep = (field: string, value: string): void => {
    if (scanMatches(opts, field)) out.push(field, value);
  };
  if (h.listpack) {
    h.forEach(keep);
    return replyScan(ctx.reply, 0, out);
  }
  const t = h.table;
  const next = t.scan(cursor, opts.count, (p) => keep(t.keyAt(p)!, t.valueAt(p)));
  replyScan(ctx.reply, next, out);
}

/** HRANDFIELD key [count [WITHVALUES]] */
function hrandfield(ctx: Ctx): void {
  const { argv, reply } = ctx;
  if (argv.count >= 3) {
    const count = randomCountArg(ctx, 2);
    if (argv.count > 4 || (argv.count === 4 && !argv.is(3, 'withvalues'))) throw new CommandError(Errors.syntax);
    const withValues = argv.count === 4;
    if (withValues) checkHalfRange(count);
    return hrandfieldWithCount(ctx, count, withValues);
  }
  const h = readHash(ctx);
  if (!h) return reply.nil();
  reply.bulk(h.table.keyAt(h.table.randomPos())!);
}

function hrandfieldWithCount(ctx: Ctx, l: number | bigint, withValues: boolean): void {
  const { reply } = ctx;
  const h = readHash(ctx);
  if (!h || l === 0) return reply.array(0);
  const t = h.table;
  const nested = withValues && reply.resp === 3;
  const pair = (p: number): void => {
    if (nested) reply.array(2);
    reply.bulk(t.keyAt(p)!);
    if (withValues) reply.bulk(t.valueAt(p));
  };

  // A negative count: that many independent picks, repetitions allowed.
  if (l < 0 || l === 1) {
    const count = repeatedCount(l);
    reply.array(withValues && !nested ? count * 2 : count);
    for (let i = 0; i < count; i++) pair(t.randomPos());
    return;
  }

  const size = t.size;
  const count = Math.min(distinctCount(l), size);
  reply.array(withValues && !nested ? count * 2 : count);
  if (count === size) {
    for (let p = 0; p < t.end; p++) if (t.keyAt(p) !== undefined) pair(p);
    return;
  }
  for (const p of distinctPositions(t.end, size, count, (p) => t.keyAt(p) !== undefined, () => t.randomPos())) pair(p);
}

const h = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  summary: string,
  since: string,
  complexity: string,
  syntax: string,
  handler: CommandSpec['handler'],
): CommandSpec => ({ name, arity, flags, keys: ONE_KEY, categories: ['hash'], group: 'hash', summary, since, complexity, syntax, handler });

export const hashCommands: CommandSpec[] = [
  h('hset', -4, ['write', 'denyoom', 'fast'], 'Creates or modifies the value of a field in a hash.', '2.0.0',
    'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.',
    'key field value [field value ...]', hset),
  h('hsetnx', 4, ['write', 'denyoom', 'fast'], "Sets the value of a field in a hash only when the field doesn't exist.", '2.0.0', 'O(1)',
    'key field value', hsetnx),
  h('hget', 3, ['readonly', 'fast'], 'Returns the value of a field in a hash.', '2.0.0', 'O(1)', 'key field', hget),
  h('hmget', -3, ['readonly', 'fast'], 'Returns the values of all fields in a hash.', '2.0.0',
    'O(N) where N is the number of fields being requested.', 'key field [field ...]', hmget),
  h('hmset', -4, ['write', 'denyoom', 'fast'], 'Sets the values of multiple fields.', '2.0.0',
    'O(N) where N is the number of fields being set.', 'key field value [field value ...]', hset),
  h('hdel', -3, ['write', 'fast'], 'Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.', '2.0.0',
    'O(N) where N is the number of fields to be removed.', 'key field [field ...]', hdel),
  h('hlen', 2, ['readonly', 'fast'], 'Returns the number of fields in a hash.', '2.0.0', 'O(1)', 'key', hlen),
  h('hstrlen', 3, ['readonly', 'fast'], 'Returns the length of the value of a field.', '3.2.0', 'O(1)', 'key field', hstrlen),
  h('hexists', 3, ['readonly', 'fast'], 'Determines whether a field exists in a hash.', '2.0.0', 'O(1)', 'key field', hexists),
  h('hkeys', 2, ['readonly'], 'Returns all fields in a hash.', '2.0.0', 'O(N) where N is the size of the hash.', 'key',
    (ctx) => hgetallGeneric(ctx, KEYS)),
  h('hvals', 2, ['readonly'], 'Returns all values in a hash.', '2.0.0', 'O(N) where N is the size of the hash.', 'key',
    (ctx) => hgetallGeneric(ctx, VALUES)),
  h('hgetall', 2, ['readonly'], 'Returns all fields and values in a hash.', '2.0.0', 'O(N) where N is the size of the hash.', 'key',
    (ctx) => hgetallGeneric(ctx, KEYS | VALUES)),
  h('hincrby', 4, ['write', 'denyoom', 'fast'],
    "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", '2.0.0', 'O(1)',
    'key field increment', hincrby),
  h('hincrbyfloat', 4, ['write', 'denyoom', 'fast'],
    "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", '2.6.0', 'O(1)',
    'key field increment', hincrbyfloat),
  h('hscan', -3, ['readonly'], 'Iterates over fields and values of a hash.', '2.8.0',
    'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    'key cursor [MATCH pattern] [COUNT count]', hscan),
  h('hrandfield', -2, ['readonly'], 'Returns one or more random fields from a hash.', '6.2.0',
    'O(N) where N is the number of fields returned', 'key [count [WITHVALUES]]', hrandfield),
];
