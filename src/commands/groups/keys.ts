// Generic key commands: DEL UNLINK EXISTS TYPE TTL PTTL EXPIRE PEXPIRE EXPIREAT
// PEXPIREAT EXPIRETIME PEXPIRETIME PERSIST KEYS SCAN RANDOMKEY RENAME RENAMENX MOVE
// COPY TOUCH OBJECT (SORT and SORT_RO are in sort.ts).
//
// RENAME and MOVE hand a collection object over to its new key as it is (O(1), as
// Redis moves the pointer); COPY clones it through the Collection interface. String
// values are copied byte for byte within the arena.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { parseInteger } from '../../protocol/resp/numbers.js';
import { TYPE_NAMES, ValueType } from '../../engine/keyspace.js';
import type { Collection } from '../../engine/memory.js';
import type { CommandSpec, Ctx, KeySpec } from '../types.js';
import { ALL_KEYS, NO_KEYS, ONE_KEY } from '../types.js';
import { globMatch, intArg, lookupQuiet, lookupRead, lookupWrite, written } from '../helpers.js';
import { replyScan, scanCursorArg } from '../scan-cursor.js';
import { encodingLimits } from '../encoding-limits.js';
import { helpReply } from './server.js';

function del(ctx: Ctx): void {
  let n = 0;
  for (let i = 1; i < ctx.argv.count; i++) {
    const id = lookupWrite(ctx, i);
    if (id === -1) continue;
    ctx.store.delete(ctx.dbIndex, id);
    written(ctx, i, 'g', 'del');
    n++;
  }
  ctx.reply.int(n);
}

function exists(ctx: Ctx): void {
  let n = 0;
  for (let i = 1; i < ctx.argv.count; i++) if (lookupQuiet(ctx, i) !== -1) n++;
  ctx.reply.int(n);
}

function type(ctx: Ctx): void {
  const id = lookupQuiet(ctx, 1);
  ctx.reply.simple(id === -1 ? 'none' : TYPE_NAMES[ctx.db.type(id)]);
}

function ttlGeneric(ctx: Ctx, unitMs: number): void {
  const id = lookupQuiet(ctx, 1);
  if (id === -1) return ctx.reply.int(-2);
  const at = ctx.db.expireAt(id);
  if (at === 0) return ctx.reply.int(-1);
  const left = Math.max(0, at - ctx.now);
  ctx.reply.int(unitMs === 1 ? left : Math.floor((left + 500) / 1000));
}

function expireTimeGeneric(ctx: Ctx, unitMs: number): void {
  const id = lookupQuiet(ctx, 1);
  if (id === -1) return ctx.reply.int(-2);
  const at = ctx.db.expireAt(id);
  if (at === 0) return ctx.reply.int(-1);
  ctx.reply.int(unitMs === 1 ? at : Math.floor(at / 1000));
}

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/**
 * EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT key time [NX | XX | GT | LT] (expireGenericCommand).
 * A time in the past deletes the key (as a "del" event).
 */
function expireGeneric(ctx: Ctx, unitMs: number, absolute: boolean): void {
  const { argv } = ctx;
  const cmd = ctx.spec.name;
  let flags = 0;
  for (let i = 3; i < argv.count; i++) {
    if (argv.is(i, 'nx')) flags |= EXPIRE_NX;
    else if (argv.is(i, 'xx')) flags |= EXPIRE_XX;
    else if (argv.is(i, 'gt')) flags |= EXPIRE_GT;
    else if (argv.is(i, 'lt')) flags |= EXPIRE_LT;
    else throw new CommandError(`ERR Unsupported option ${argv.str(i)}`);
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    throw new CommandError('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) throw new CommandError('ERR GT and LT options at the same time are not compatible');
  const v = argv.int(2);
  if (v === null) throw new CommandError(Errors.notInteger);
  // Overflow checks in signed 64 bits, as Redis makes them; the time itself is then
  // kept as a double (exact to the millisecond for any date a clock will reach).
  const LLONG_MAX = 9223372036854775807n;
  const LLONG_MIN = -9223372036854775808n;
  let when = BigInt(v);
  if (unitMs === 1000) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) throw new CommandError(Errors.invalidExpire(cmd));
    when *= 1000n;
  }
  const base = absolute ? 0n : BigInt(Math.floor(ctx.now));
  if (when > LLONG_MAX - base) throw new CommandError(Errors.invalidExpire(cmd));
  const at = Number(when + base);
  const id = lookupWrite(ctx, 1);
  if (id === -1) return ctx.reply.int(0);
  const current = ctx.db.expireAt(id);
  if (flags & EXPIRE_NX && current !== 0) return ctx.reply.int(0);
  if (flags & EXPIRE_XX && current === 0) return ctx.reply.int(0);
  // No TTL counts as an infinite TTL for GT/LT.
  if (flags & EXPIRE_GT && (current === 0 || at <= current)) return ctx.reply.int(0);
  if (flags & EXPIRE_LT && current !== 0 && at >= current) return ctx.reply.int(0);
  if (at <= ctx.now && !ctx.store.isReplica && !ctx.client.isPrimaryLink) {
    ctx.store.delete(ctx.dbIndex, id);
    written(ctx, 1, 'g', 'del');
    return ctx.reply.int(1);
  }
  ctx.db.setExpire(id, at);
  written(ctx, 1, 'g', 'expire');
  ctx.reply.int(1);
}

function persist(ctx: Ctx): void {
  const id = lookupWrite(ctx, 1);
  if (id === -1 || !ctx.db.persist(id)) return ctx.reply.int(0);
  written(ctx, 1, 'g', 'persist');
  ctx.reply.int(1);
}

function keys(ctx: Ctx): void {
  const pattern = ctx.argv.str(1);
  const all = pattern === '*';
  const out: string[] = [];
  const db = ctx.db;
  for (const id of db.ids()) {
    const at = db.expireAt(id);
    if (at !== 0 && at <= ctx.now) {
      ctx.store.expireIfNeeded(ctx.dbIndex, id, ctx.now);
      continue;
    }
    const k = db.keyString(id);
    if (all || globMatch(pattern, k)) out.push(k);
  }
  ctx.reply.array(out.length);
  for (const k of out) ctx.reply.bulk(k);
}

/** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
function scan(ctx: Ctx): void {
  const { argv, db } = ctx;
  // Keyspace cursors are 32-bit; a larger one names the same bucket as its low bits.
  const cursor = scanCursorArg(ctx, 1) % 4294967296;
  let count = 10;
  let pattern: string | null = null;
  let typeName: string | null = null;
  for (let i = 2; i < argv.count; i += 2) {
    const more = i + 1 < argv.count;
    if (more && argv.is(i, 'count')) {
      count = intArg(ctx, i + 1);
      if (count < 1) throw new CommandError(Errors.syntax);
    } else if (more && argv.is(i, 'match')) {
      const p = argv.str(i + 1);
      pattern = p === '*' ? null : p;
    } else if (more && argv.is(i, 'type')) {
      typeName = argv.str(i + 1).toLowerCase();
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const ids: number[] = [];
  const next = db.scan(cursor, count, (id) => ids.push(id));
  // Filtered after the step, as Redis does: expiring a key changes the index.
  const keys: string[] = [];
  for (const id of ids) {
    const key = db.keyString(id);
    if (pattern !== null && !globMatch(pattern, key)) continue;
    if (ctx.store.expireIfNeeded(ctx.dbIndex, id, ctx.now)) continue;
    if (typeName !== null && TYPE_NAMES[db.type(id)] !== typeName) continue;
    keys.push(key);
  }
  replyScan(ctx.reply, next, keys);
}

/** RANDOMKEY: a random key that has not expired, or nil. */
function randomkey(ctx: Ctx): void {
  const { db, store } = ctx;
  let tries = 0;
  for (;;) {
    const id = db.randomId();
    if (id === -1) return ctx.reply.nil();
    const at = db.expireAt(id);
    if (at !== 0 && at <= ctx.now) {
      // A replica does not delete expired keys; with nothing but those it would loop
      // forever, so after some tries it answers one anyway (as dbRandomKey does).
      if (store.isReplica && db.volatileSize === db.size && ++tries >= 100) return ctx.reply.bulk(db.keyString(id));
      store.expireIfNeeded(ctx.dbIndex, id, ctx.now);
      continue;
    }
    return ctx.reply.bulk(db.keyString(id));
  }
}

/** Whether arguments i and j are the same bytes. */
function sameArg(ctx: Ctx, i: number, j: number): boolean {
  const a = ctx.argv;
  return a.buf.compare(a.buf, a.starts[j], a.ends[j], a.starts[i], a.ends[i]) === 0;
}

/** A database index argument (getIntFromObjectOrReply + selectDb's range check). */
function dbIndexArg(ctx: Ctx, i: number): number {
  const v = ctx.argv.int(i);
  if (typeof v !== 'number' || v < -2147483648 || v > 2147483647) throw new CommandError(Errors.notInteger);
  if (v < 0 || v >= ctx.store.dbs.length) throw new CommandError(Errors.invalidDbIndex);
  return v;
}

/**
 * Creates key argument `keyArg` in database `dstDb` holding the value of entry `srcId`
 * of database `srcDb`: the string bytes copied, or the collection object itself
 * (`share`, for a move) or its clone. Returns the new id. No TTL, no events.
 */
function copyEntry(ctx: Ctx, srcDb: number, srcId: number, dstDb: number, keyArg: number, share: boolean): number {
  const { argv, store } = ctx;
  const src = store.dbs[srcDb];
  const dst = store.dbs[dstDb];
  const type = src.type(srcId);
  if (type === ValueType.String) {
    const len = src.valueLength(srcId);
    const id = store.create(dstDb, argv.buf, argv.starts[keyArg], argv.ends[keyArg], ValueType.String, len, ctx.now);
    // Creating never moves other entries' bytes, so the source offsets still hold.
    const from = src.valueOffset(srcId);
    src.valueBuffer(srcId).copy(dst.valueBuffer(id), dst.valueOffset(id), from, from + len);
    return id;
  }
  const obj = src.object<Collection>(srcId);
  const id = store.create(dstDb, argv.buf, argv.starts[keyArg], argv.ends[keyArg], type, 0, ctx.now);
  dst.setObject(id, type, share ? obj : obj.clone(store.account));
  return id;
}

/**
 * Deletes the source entry of a move whose collection object now belongs to another
 * key. Deleting releases the object's memory from the account; the object lives on,
 * so its charge is put back.
 */
function deleteMovedSource(ctx: Ctx, db: number, id: number): void {
  const ks = ctx.store.dbs[db];
  const obj = ks.type(id) === ValueType.String ? null : ks.object<Collection>(id);
  const memory = obj ? obj.memory : 0;
  ctx.store.delete(db, id);
  if (obj) {
    obj.memory = memory;
    ctx.store.account.bytes += memory;
  }
}

/** Types that clients block on: a new key of one of these may serve them. */
function signalIfBlockable(ctx: Ctx, db: number, id: number, keyArg: number): void {
  const t = ctx.store.dbs[db].type(id);
  if (t === ValueType.List || t === ValueType.ZSet || t === ValueType.Stream) ctx.store.ready(db, ctx.argv.str(keyArg));
}

/** RENAME key newkey / RENAMENX key newkey (nx: only when newkey does not exist). */
function renameGeneric(ctx: Ctx, nx: boolean): void {
  const { db } = ctx;
  const src = lookupWrite(ctx, 1);
  if (src === -1) throw new CommandError(Errors.noSuchKey);
  if (sameArg(ctx, 1, 2)) return nx ? ctx.reply.int(0) : ctx.reply.ok();
  const expire = db.expireAt(src);
  const dst = lookupWrite(ctx, 2);
  if (dst !== -1) {
    if (nx) return ctx.reply.int(0);
    ctx.store.delete(ctx.dbIndex, dst);
  }
  const id = copyEntry(ctx, ctx.dbIndex, src, ctx.dbIndex, 2, true);
  if (expire !== 0) db.setExpire(id, expire);
  deleteMovedSource(ctx, ctx.dbIndex, src);
  written(ctx, 1, 'g', 'rename_from');
  written(ctx, 2, 'g', 'rename_to');
  signalIfBlockable(ctx, ctx.dbIndex, id, 2);
  if (nx) ctx.reply.int(1);
  else ctx.reply.ok();
}

/** MOVE key db */
function move(ctx: Ctx): void {
  const { argv, store } = ctx;
  const target = dbIndexArg(ctx, 2);
  if (target === ctx.dbIndex) throw new CommandError(Errors.sameObject);
  const src = lookupWrite(ctx, 1);
  if (src === -1) return ctx.reply.int(0);
  const expire = ctx.db.expireAt(src);
  if (store.lookupWrite(target, argv.buf, argv.starts[1], argv.ends[1], ctx.now) !== -1) return ctx.reply.int(0);
  const id = copyEntry(ctx, ctx.dbIndex, src, target, 1, true);
  if (expire !== 0) store.dbs[target].setExpire(id, expire);
  deleteMovedSource(ctx, ctx.dbIndex, src);
  const key = argv.str(1);
  written(ctx, 1, 'g', 'move_from');
  store.modified(target, key);
  store.notify('g', 'move_to', key, target);
  signalIfBlockable(ctx, target, id, 1);
  ctx.reply.int(1);
}

/** COPY source destination [DB destination-db] [REPLACE] */
function copy(ctx: Ctx): void {
  const { argv, store } = ctx;
  let target = ctx.dbIndex;
  let replace = false;
  for (let j = 3; j < argv.count; j++) {
    if (argv.is(j, 'replace')) replace = true;
    else if (argv.is(j, 'db') && j + 1 < argv.count) target = dbIndexArg(ctx, ++j);
    else throw new CommandError(Errors.syntax);
  }
  if (target === ctx.dbIndex && sameArg(ctx, 1, 2)) throw new CommandError(Errors.sameObject);
  const src = lookupRead(ctx, 1);
  if (src === -1) return ctx.reply.int(0);
  const expire = ctx.db.expireAt(src);
  const dst = store.lookupWrite(target, argv.buf, argv.starts[2], argv.ends[2], ctx.now);
  if (dst !== -1) {
    if (!replace) return ctx.reply.int(0);
    store.delete(target, dst);
  }
  const id = copyEntry(ctx, ctx.dbIndex, src, target, 2, false);
  if (expire !== 0) store.dbs[target].setExpire(id, expire);
  const key = argv.str(2);
  store.modified(target, key);
  store.notify('g', 'copy_to', key, target);
  signalIfBlockable(ctx, target, id, 2);
  ctx.reply.int(1);
}

/** TOUCH key [key ...]: refreshes the keys' access time; replies how many exist. */
function touch(ctx: Ctx): void {
  let n = 0;
  for (let i = 1; i < ctx.argv.count; i++) if (lookupRead(ctx, i) !== -1) n++;
  ctx.reply.int(n);
}

// ---- OBJECT -------------------------------------------------------------------------

/** Redis's shared integers 0..9999 (reported with this refcount). */
const SHARED_INTEGERS = 10000;
const SHARED_REFCOUNT = 2147483647;
/** Longest string Redis stores in one allocation with its object header. */
const EMBSTR_SIZE_LIMIT = 44;

/** The key of OBJECT's argument 2 without touching its access time: id, or -1 after replying nil. */
function objectLookup(ctx: Ctx): number {
  const id = lookupQuiet(ctx, 2);
  if (id === -1) ctx.reply.nil();
  return id;
}

/** A string value that Redis would keep as an integer: its value, else null. */
function integerValue(ctx: Ctx, id: number): number | bigint | null {
  const db = ctx.db;
  const len = db.valueLength(id);
  if (len > 20) return null;
  const off = db.valueOffset(id);
  return parseInteger(db.valueBuffer(id), off, off + len);
}

function isLfuPolicy(ctx: Ctx): boolean {
  const p = ctx.store.policy;
  return p === 'allkeys-lfu' || p === 'volatile-lfu';
}

function objectEncoding(ctx: Ctx): void {
  const id = objectLookup(ctx);
  if (id === -1) return;
  const db = ctx.db;
  if (db.type(id) !== ValueType.String) {
    return ctx.reply.bulk(db.object<Collection>(id).encoding(encodingLimits(ctx.node)));
  }
  if (integerValue(ctx, id) !== null) return ctx.reply.bulk('int');
  ctx.reply.bulk(db.valueLength(id) <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw');
}

function objectRefcount(ctx: Ctx): void {
  const id = objectLookup(ctx);
  if (id === -1) return;
  let shared = false;
  if (ctx.db.type(id) === ValueType.String) {
    const v = integerValue(ctx, id);
    // Redis shares small integers unless an LRU/LFU policy needs per-key access data.
    const perKey = ctx.store.maxmemory > 0 && /-(lru|lfu)$/.test(ctx.store.policy);
    shared = typeof v === 'number' && v >= 0 && v < SHARED_INTEGERS && !perKey;
  }
  ctx.reply.int(shared ? SHARED_REFCOUNT : 1);
}

function objectIdletime(ctx: Ctx): void {
  const id = objectLookup(ctx);
  if (id === -1) return;
  if (isLfuPolicy(ctx)) throw new CommandError(Errors.lfuSelected);
  ctx.reply.int(ctx.store.idleSeconds(ctx.dbIndex, id, ctx.now));
}

function objectFreq(ctx: Ctx): void {
  const id = objectLookup(ctx);
  if (id === -1) return;
  if (!isLfuPolicy(ctx)) throw new CommandError(Errors.lfuNotSelected);
  ctx.reply.int(ctx.store.lfuDecay(ctx.db.lru[id], ctx.now));
}

function objectHelp(ctx: Ctx): void {
  helpReply(ctx, 'OBJECT', [
    'ENCODING <key>',
    '    Return the kind of internal representation used in order to store the value',
    '    associated with a <key>.',
    'FREQ <key>',
    '    Return the access frequency index of the <key>. The returned integer is',
    '    proportional to the logarithm of the recent access frequency of the key.',
    'IDLETIME <key>',
    '    Return the idle time of the <key>, that is the approximated number of',
    '    seconds elapsed since the last access to the key.',
    'REFCOUNT <key>',
    '    Return the number of references of the value associated with the specified',
    '    <key>.',
  ]);
}

const TWO_KEYS: KeySpec = { first: 1, last: 2, step: 1 };
const SECOND_KEY: KeySpec = { first: 2, last: 2, step: 1 };

const k = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: CommandSpec['keys'],
  summary: string,
  since: string,
  handler: CommandSpec['handler'],
  syntax?: string,
): CommandSpec => ({ name, arity, flags, keys, categories: ['keyspace'], group: 'generic', summary, since, handler, syntax });

export const keyCommands: CommandSpec[] = [
  k('del', -2, ['write'], ALL_KEYS, 'Deletes one or more keys.', '1.0.0', del, 'key [key ...]'),
  k('unlink', -2, ['write', 'fast'], ALL_KEYS, 'Asynchronously deletes one or more keys.', '4.0.0', del, 'key [key ...]'),
  k('exists', -2, ['readonly', 'fast'], ALL_KEYS, 'Determines whether one or more keys exist.', '1.0.0', exists, 'key [key ...]'),
  k('type', 2, ['readonly', 'fast'], ONE_KEY, 'Determines the type of value stored at a key.', '1.0.0', type, 'key'),
  k('ttl', 2, ['readonly', 'fast'], ONE_KEY, 'Returns the expiration time in seconds of a key.', '1.0.0', (ctx) => ttlGeneric(ctx, 1000), 'key'),
  k('pttl', 2, ['readonly', 'fast'], ONE_KEY, 'Returns the expiration time in milliseconds of a key.', '2.6.0', (ctx) => ttlGeneric(ctx, 1), 'key'),
  k('expiretime', 2, ['readonly', 'fast'], ONE_KEY, 'Returns the expiration time of a key as a Unix timestamp.', '7.0.0', (ctx) => expireTimeGeneric(ctx, 1000), 'key'),
  k('pexpiretime', 2, ['readonly', 'fast'], ONE_KEY, 'Returns the expiration time of a key as a Unix milliseconds timestamp.', '7.0.0', (ctx) => expireTimeGeneric(ctx, 1), 'key'),
  k('expire', -3, ['write', 'fast'], ONE_KEY, 'Sets the expiration time of a key in seconds.', '1.0.0', (ctx) => expireGeneric(ctx, 1000, false), 'key seconds [NX | XX | GT | LT]'),
  k('pexpire', -3, ['write', 'fast'], ONE_KEY, 'Sets the expiration time of a key in milliseconds.', '2.6.0', (ctx) => expireGeneric(ctx, 1, false), 'key milliseconds [NX | XX | GT | LT]'),
  k('expireat', -3, ['write', 'fast'], ONE_KEY, 'Sets the expiration time of a key to a Unix timestamp.', '1.2.0', (ctx) => expireGeneric(ctx, 1000, true), 'key unix-time-seconds [NX | XX | GT | LT]'),
  k('pexpireat', -3, ['write', 'fast'], ONE_KEY, 'Sets the expiration time of a key to a Unix milliseconds timestamp.', '2.6.0', (ctx) => expireGeneric(ctx, 1, true), 'key unix-time-milliseconds [NX | XX | GT | LT]'),
  k('persist', 2, ['write', 'fast'], ONE_KEY, 'Removes the expiration time of a key.', '2.2.0', persist, 'key'),
  k('keys', 2, ['readonly'], NO_KEYS, 'Returns all key names that match a pattern.', '1.0.0', keys, 'pattern'),
  k('scan', -2, ['readonly'], NO_KEYS, 'Iterates over the key names in the database.', '2.8.0', scan, 'cursor [MATCH pattern] [COUNT count] [TYPE type]'),
  k('randomkey', 1, ['readonly'], NO_KEYS, 'Returns a random key name from the database.', '1.0.0', randomkey),
  k('rename', 3, ['write'], TWO_KEYS, 'Renames a key and overwrites the destination.', '1.0.0', (ctx) => renameGeneric(ctx, false), 'key newkey'),
  k('renamenx', 3, ['write', 'fast'], TWO_KEYS, "Renames a key only when the target key name doesn't exist.", '1.0.0', (ctx) => renameGeneric(ctx, true), 'key newkey'),
  k('move', 3, ['write', 'fast'], ONE_KEY, 'Moves a key to another database.', '1.0.0', move, 'key db'),
  k('copy', -3, ['write', 'denyoom'], TWO_KEYS, 'Copies the value of a key to a new key.', '6.2.0', copy, 'source destination [DB destination-db] [REPLACE]'),
  k('touch', -2, ['readonly', 'fast'], ALL_KEYS, 'Returns the number of existing keys out of those specified after updating the time they were last accessed.', '3.2.1', touch, 'key [key ...]'),
  {
    name: 'object',
    arity: -2,
    flags: [],
    keys: NO_KEYS,
    categories: [],
    group: 'generic',
    summary: 'A container for object introspection commands.',
    since: '2.2.3',
    complexity: 'Depends on subcommand.',
    subcommands: [
      k('object|encoding', 3, ['readonly'], SECOND_KEY, 'Returns the internal encoding of a Redis object.', '2.2.3', objectEncoding, 'key'),
      k('object|freq', 3, ['readonly'], SECOND_KEY, 'Returns the logarithmic access frequency counter of a Redis object.', '4.0.0', objectFreq, 'key'),
      k('object|idletime', 3, ['readonly'], SECOND_KEY, 'Returns the time since the last access to a Redis object.', '2.2.3', objectIdletime, 'key'),
      k('object|refcount', 3, ['readonly'], SECOND_KEY, 'Returns the reference count of a value of a key.', '2.2.3', objectRefcount, 'key'),
      k('object|help', 2, ['loading', 'stale'], NO_KEYS, 'Returns helpful text about the different subcommands.', '6.2.0', objectHelp),
    ],
  },
];

// Keep the categories Redis gives KEYS.
keyCommands.find((c) => c.name === 'keys')!.categories.push('dangerous');
