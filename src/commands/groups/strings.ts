// String commands: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX
// APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SUBSTR SETRANGE LCS.
//
// GET and SET are the hot path: they read the key straight from the request buffer
// and copy value bytes between the request, the arena and the reply without creating
// a JS string or Buffer per call (option parsing leaves its results in module
// variables for the same reason). Every other command also edits the value bytes in
// the arena in place: APPEND and SETRANGE grow a value with Keyspace.resizeValue(keep),
// which leaves slack as Redis's sds does (double the size, at most 1 MB more), so a
// run of small appends copies the value once per doubling, or per MB past 1 MB.
//
// INCRBYFLOAT adds in an emulated x87 long double (../long-double.ts), so its text is
// redis-server's to the last digit ("3010.60000000000000009"). Replication rewrites
// (SET EX → SET PXAT, INCRBYFLOAT → SET KEEPTTL, ...) are derived from the dataset at
// propagation time by replication/rewrite.ts, so the handlers here do not set them.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { parseInteger } from '../../protocol/resp/numbers.js';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble } from '../long-double.js';
import type { LongDouble } from '../long-double.js';
import { ValueType } from '../../engine/keyspace.js';
import type { CommandSpec, Ctx, KeySpec } from '../types.js';
import { ALL_KEYS, ONE_KEY } from '../types.js';
import { int64Arg, lookupRead, lookupWrite, written } from '../helpers.js';

const MAX_I64 = 9223372036854775807n;
const MIN_I64 = -9223372036854775808n;

/** GET key */
function get(ctx: Ctx): void {
  const id = lookupRead(ctx, 1);
  if (id === -1) {
    ctx.reply.nil();
    return;
  }
  const db = ctx.db;
  if (db.type(id) !== ValueType.String) throw new CommandError(Errors.wrongType);
  const off = db.valueOffset(id);
  ctx.reply.bulkRange(db.valueBuffer(id), off, off + db.valueLength(id));
}

// Option flags of SET and GETEX (Redis's OBJ_* flags).
const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const OPT_EX = 16;
const OPT_PX = 32;
const OPT_EXAT = 64;
const OPT_PXAT = 128;
const OPT_PERSIST = 256;
const OPT_EXPIRE = OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT;

/** Where parseExtended found the expire argument (0: none). Module state: no allocation. */
let expireArgIndex = 0;

/**
 * Parses SET's (forGet=false) or GETEX's (forGet=true) options from argument `from` on,
 * with Redis's rules (parseExtendedStringArgumentsOrReply): NX/XX exclusive, one kind
 * of expire (the same kind may repeat, the last wins), KEEPTTL and PERSIST exclusive
 * with expires, anything else a syntax error. Returns the flags; the expire argument's
 * index is left in `expireArgIndex`. Values are checked later, as Redis does.
 */
function parseExtended(ctx: Ctx, from: number, forGet: boolean): number {
  const argv = ctx.argv;
  let flags = 0;
  expireArgIndex = 0;
  for (let i = from; i < argv.count; i++) {
    const hasNext = i + 1 < argv.count;
    if (!forGet && argv.is(i, 'nx') && !(flags & SET_XX)) flags |= SET_NX;
    else if (!forGet && argv.is(i, 'xx') && !(flags & SET_NX)) flags |= SET_XX;
    else if (!forGet && argv.is(i, 'get')) flags |= SET_GET;
    else if (!forGet && argv.is(i, 'keepttl') && !(flags & (OPT_PERSIST | OPT_EXPIRE))) flags |= SET_KEEPTTL;
    else if (forGet && argv.is(i, 'persist') && !(flags & (OPT_EXPIRE | SET_KEEPTTL))) flags |= OPT_PERSIST;
    else if (hasNext && argv.is(i, 'ex') && !(flags & (SET_KEEPTTL | OPT_PERSIST | OPT_EXAT | OPT_PX | OPT_PXAT))) {
      flags |= OPT_EX;
      expireArgIndex = ++i;
    } else if (hasNext && argv.is(i, 'px') && !(flags & (SET_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_EXAT | OPT_PXAT))) {
      flags |= OPT_PX;
      expireArgIndex = ++i;
    } else if (hasNext && argv.is(i, 'exat') && !(flags & (SET_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_PX | OPT_PXAT))) {
      flags |= OPT_EXAT;
      expireArgIndex = ++i;
    } else if (hasNext && argv.is(i, 'pxat') && !(flags & (SET_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_EXAT | OPT_PX))) {
      flags |= OPT_PXAT;
      expireArgIndex = ++i;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  return flags;
}

/** The absolute expire time (ms) that the parsed EX/PX/EXAT/PXAT option asks for. */
function expireFromFlags(ctx: Ctx, flags: number, cmd: string): number {
  const unit = flags & (OPT_EX | OPT_EXAT) ? 1000 : 1;
  return expireArg(ctx, expireArgIndex, unit, (flags & (OPT_EXAT | OPT_PXAT)) !== 0, cmd);
}

/**
 * Parses an expire argument in unit `unitMs` (1000 for EX/EXAT, 1 for PX/PXAT);
 * returns the absolute time in ms. Errors as Redis's getExpireMillisecondsOrReply:
 * not positive, or beyond a signed 64-bit millisecond time, is "invalid expire time".
 */
export function expireArg(ctx: Ctx, i: number, unitMs: number, absolute: boolean, cmd: string): number {
  const v = ctx.argv.int(i);
  if (v === null) throw new CommandError(Errors.notInteger);
  if (typeof v === 'number') {
    if (v <= 0) throw new CommandError(Errors.invalidExpire(cmd));
    const ms = v * unitMs;
    if (Number.isSafeInteger(ms)) return absolute ? ms : ms + ctx.now;
  }
  // Beyond 2^53 ms: exact int64 arithmetic for the checks, a rounded time for storage.
  let ms = BigInt(v);
  if (ms <= 0n || (unitMs === 1000 && ms > MAX_I64 / 1000n)) throw new CommandError(Errors.invalidExpire(cmd));
  ms *= BigInt(unitMs);
  if (!absolute) ms += BigInt(ctx.now);
  if (ms > MAX_I64) throw new CommandError(Errors.invalidExpire(cmd));
  return Number(ms);
}

/** True when an EXAT/PXAT time is already past and this node may delete keys itself. */
function alreadyExpired(ctx: Ctx, at: number): boolean {
  return at <= ctx.now && !ctx.store.isReplica && !ctx.client.isPrimaryLink;
}

/**
 * The one implementation behind SET, SETNX, SETEX, PSETEX, GETSET, MSET (setGeneric):
 * stores argv[valueArg] at argv[keyArg] under the flags and expire time `at` (0 = none).
 * With SET_GET the old value (or nil) is the reply. Returns false when NX/XX prevented
 * the write.
 */
export function setGeneric(ctx: Ctx, keyArg: number, valueArg: number, flags: number, at: number): boolean {
  const { argv, db, store } = ctx;
  let id = lookupWrite(ctx, keyArg);
  if (flags & SET_GET) {
    if (id === -1) ctx.reply.nil();
    else if (db.type(id) !== ValueType.String) throw new CommandError(Errors.wrongType);
    else {
      const off = db.valueOffset(id);
      ctx.reply.bulkRange(db.valueBuffer(id), off, off + db.valueLength(id));
    }
  }
  if ((flags & SET_NX && id !== -1) || (flags & SET_XX && id === -1)) return false;
  const vs = argv.starts[valueArg];
  const ve = argv.ends[valueArg];
  if (id === -1) {
    id = store.create(ctx.dbIndex, argv.buf, argv.starts[keyArg], argv.ends[keyArg], ValueType.String, 0, ctx.now);
  } else if (!(flags & SET_KEEPTTL)) {
    db.persist(id);
  }
  db.setValue(id, argv.buf, vs, ve);
  if (at !== 0) db.setExpire(id, at);
  written(ctx, keyArg, '$', 'set');
  if (at !== 0 && store.notifying) store.notify('g', 'expire', argv.str(keyArg), ctx.dbIndex);
  return true;
}

/**
 * Makes key argument `keyArg` a string holding src[start, end), as Redis's setKey:
 * any old value and TTL are replaced. Raises no event (callers name theirs).
 */
export function storeString(ctx: Ctx, keyArg: number, src: Buffer, start: number, end: number): void {
  const { argv, db } = ctx;
  let id = lookupWrite(ctx, keyArg);
  if (id === -1) id = ctx.store.create(ctx.dbIndex, argv.buf, argv.starts[keyArg], argv.ends[keyArg], ValueType.String, 0, ctx.now);
  else db.persist(id);
  db.setValue(id, src, start, end);
}

/** SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL] */
function set(ctx: Ctx): void {
  const flags = ctx.argv.count > 3 ? parseExtended(ctx, 3, false) : 0;
  const at = flags & OPT_EXPIRE ? expireFromFlags(ctx, flags, 'set') : 0;
  const done = setGeneric(ctx, 1, 2, flags, at);
  if (flags & SET_GET) return; // the old value was the reply
  if (done) ctx.reply.ok();
  else ctx.reply.nil();
}

/** SETNX key value */
function setnx(ctx: Ctx): void {
  ctx.reply.int(setGeneric(ctx, 1, 2, SET_NX, 0) ? 1 : 0);
}

/** SETEX key seconds value / PSETEX key milliseconds value */
function setexGeneric(ctx: Ctx, unitMs: number): void {
  const at = expireArg(ctx, 2, unitMs, false, ctx.spec.name);
  setGeneric(ctx, 1, 3, 0, at);
  ctx.reply.ok();
}

/** GETSET key value: SET that replies the old value (and drops the TTL). */
function getset(ctx: Ctx): void {
  setGeneric(ctx, 1, 2, SET_GET, 0);
}

/** Replies the string at `id` (a String key) as a bulk. */
function replyValue(ctx: Ctx, id: number): void {
  const db = ctx.db;
  const off = db.valueOffset(id);
  ctx.reply.bulkRange(db.valueBuffer(id), off, off + db.valueLength(id));
}

/** The string key at argument i for reading: its id, -1 when missing; throws WRONGTYPE. */
function readString(ctx: Ctx, i: number): number {
  const id = lookupRead(ctx, i);
  if (id !== -1 && ctx.db.type(id) !== ValueType.String) throw new CommandError(Errors.wrongType);
  return id;
}

/** GETDEL key */
function getdel(ctx: Ctx): void {
  const id = readString(ctx, 1);
  if (id === -1) return ctx.reply.nil();
  replyValue(ctx, id);
  ctx.store.delete(ctx.dbIndex, id);
  written(ctx, 1, 'g', 'del');
}

/** GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST] */
function getex(ctx: Ctx): void {
  const flags = parseExtended(ctx, 2, true);
  const id = readString(ctx, 1);
  if (id === -1) return ctx.reply.nil();
  // The expire value is checked after the lookup, as Redis does.
  const at = flags & OPT_EXPIRE ? expireFromFlags(ctx, flags, 'getex') : 0;
  replyValue(ctx, id);
  if (flags & (OPT_EXAT | OPT_PXAT) && alreadyExpired(ctx, at)) {
    ctx.store.delete(ctx.dbIndex, id);
    written(ctx, 1, 'g', 'del');
  } else if (flags & OPT_EXPIRE) {
    ctx.db.setExpire(id, at);
    written(ctx, 1, 'g', 'expire');
  } else if (flags & OPT_PERSIST && ctx.db.persist(id)) {
    written(ctx, 1, 'g', 'persist');
  }
}

/** MGET key [key ...]: nil for missing keys and for keys of other types. */
function mget(ctx: Ctx): void {
  const n = ctx.argv.count - 1;
  ctx.reply.array(n);
  for (let i = 1; i <= n; i++) {
    const id = lookupRead(ctx, i);
    if (id === -1 || ctx.db.type(id) !== ValueType.String) ctx.reply.nil();
    else replyValue(ctx, id);
  }
}

/** MSET key value [key value ...] / MSETNX (nx: only when no key exists). */
function msetGeneric(ctx: Ctx, nx: boolean): void {
  const count = ctx.argv.count;
  if (count % 2 === 0) throw new CommandError(Errors.wrongArity(ctx.spec.name));
  if (nx) {
    for (let i = 1; i < count; i += 2) {
      if (lookupWrite(ctx, i) !== -1) return ctx.reply.int(0);
    }
  }
  for (let i = 1; i < count; i += 2) setGeneric(ctx, i, i + 1, 0, 0);
  if (nx) ctx.reply.int(1);
  else ctx.reply.ok();
}

/** Throws unless a string of `size` bytes is allowed (checkStringLength). */
function checkStringLength(ctx: Ctx, size: number): void {
  if (ctx.client.isPrimaryLink) return;
  if (size > ctx.node.config.int('proto-max-bulk-len')) throw new CommandError(Errors.stringTooLong);
}

/** APPEND key value */
function append(ctx: Ctx): void {
  const { argv, db } = ctx;
  const len = argv.len(2);
  let id = lookupWrite(ctx, 1);
  let total: number;
  if (id === -1) {
    id = ctx.store.create(ctx.dbIndex, argv.buf, argv.starts[1], argv.ends[1], ValueType.String, 0, ctx.now);
    db.setValue(id, argv.buf, argv.starts[2], argv.ends[2]);
    total = len;
  } else {
    if (db.type(id) !== ValueType.String) throw new CommandError(Errors.wrongType);
    const old = db.valueLength(id);
    total = old + len;
    checkStringLength(ctx, total);
    const off = db.resizeValue(id, total, true);
    argv.buf.copy(db.valueBuffer(id), off + old, argv.starts[2], argv.ends[2]);
  }
  written(ctx, 1, '$', 'append');
  ctx.reply.int(total);
}

/** STRLEN key */
function strlen(ctx: Ctx): void {
  const id = readString(ctx, 1);
  ctx.reply.int(id === -1 ? 0 : ctx.db.valueLength(id));
}

/**
 * Stores the integer v as the decimal text of key argument keyArg (id, or -1 to create
 * it), writing the digits straight into the arena.
 */
function writeInteger(ctx: Ctx, id: number, keyArg: number, v: number | bigint): void {
  const { argv, db } = ctx;
  const text = typeof v === 'number' && Number.isSafeInteger(v) ? null : String(v);
  let len: number;
  let n = 0;
  if (text === null) {
    n = (v as number) < 0 ? -(v as number) : (v as number);
    len = (v as number) < 0 ? 2 : 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) len++;
  } else {
    len = text.length;
  }
  let off: number;
  if (id === -1) {
    id = ctx.store.create(ctx.dbIndex, argv.buf, argv.starts[keyArg], argv.ends[keyArg], ValueType.String, len, ctx.now);
    off = db.valueOffset(id);
  } else {
    off = db.resizeValue(id, len);
  }
  const buf = db.valueBuffer(id);
  if (text !== null) {
    buf.latin1Write(text, off, len);
    return;
  }
  let p = off + len - 1;
  do {
    buf[p--] = 48 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  if ((v as number) < 0) buf[p] = 45;
}

/** INCR/DECR/INCRBY/DECRBY: adds `incr` to the integer at key 1 (incrDecrCommand). */
function incrDecr(ctx: Ctx, incr: number | bigint): void {
  const db = ctx.db;
  const id = lookupWrite(ctx, 1);
  let value: number | bigint = 0;
  if (id !== -1) {
    if (db.type(id) !== ValueType.String) throw new CommandError(Errors.wrongType);
    const off = db.valueOffset(id);
    const v = parseInteger(db.valueBuffer(id), off, off + db.valueLength(id));
    if (v === null) throw new CommandError(Errors.notInteger);
    value = v;
  }
  let result: number | bigint;
  if (typeof value === 'number' && typeof incr === 'number' && Number.isSafeInteger(value + incr)) {
    result = value + incr;
  } else {
    const big = BigInt(value) + BigInt(incr);
    if (big > MAX_I64 || big < MIN_I64) throw new CommandError(Errors.overflow);
    result = big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
  }
  writeInteger(ctx, id, 1, result);
  written(ctx, 1, '$', 'incrby');
  ctx.reply.int(result);
}

/** DECRBY key decrement: the negation of INT64_MIN has no int64, hence its own error. */
function decrby(ctx: Ctx): void {
  const v = int64Arg(ctx, 2);
  if (v === MIN_I64) throw new CommandError(Errors.decrementOverflow);
  incrDecr(ctx, typeof v === 'bigint' ? -v : 0 - v); // 0 - v: never -0
}

const LD_ZERO: LongDouble = { kind: 'finite', neg: false, mant: 0n, exp: 0 };

/**
 * INCRBYFLOAT key increment: both operands read as long doubles (strtold: decimal,
 * hex, inf), added, and printed with "%.17Lf" minus trailing zeros, as Redis does;
 * an infinite sum (inf given, or overflow) is refused.
 */
function incrbyfloat(ctx: Ctx): void {
  const { argv, db } = ctx;
  let id = lookupWrite(ctx, 1);
  let value = LD_ZERO;
  if (id !== -1) {
    if (db.type(id) !== ValueType.String) throw new CommandError(Errors.wrongType);
    const v = parseLongDouble(db.valueString(id));
    if (v === null) throw new CommandError(Errors.notFloat);
    value = v;
  }
  const incr = parseLongDouble(argv.str(2));
  if (incr === null) throw new CommandError(Errors.notFloat);
  const sum = addLongDouble(value, incr);
  if (sum === null) throw new CommandError(Errors.nanOrInfinity);
  const text = formatLongDoubleHuman(sum);
  if (id === -1) id = ctx.store.create(ctx.dbIndex, argv.buf, argv.starts[1], argv.ends[1], ValueType.String, 0, ctx.now);
  const off = db.resizeValue(id, text.length);
  db.valueBuffer(id).latin1Write(text, off, text.length);
  written(ctx, 1, '$', 'incrbyfloat');
  ctx.reply.bulk(text);
}

/** A signed 64-bit integer argument as a Number (rounded beyond 2^53, order kept). */
function longArg(ctx: Ctx, i: number): number {
  return Number(int64Arg(ctx, i));
}

/** GETRANGE key start end (and the older SUBSTR): inclusive, negative from the end. */
function getrange(ctx: Ctx): void {
  let start = longArg(ctx, 2);
  let end = longArg(ctx, 3);
  const id = readString(ctx, 1);
  if (id === -1) return ctx.reply.bulk('');
  const len = ctx.db.valueLength(id);
  if (start < 0 && end < 0 && start > end) return ctx.reply.bulk('');
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return ctx.reply.bulk('');
  const off = ctx.db.valueOffset(id);
  ctx.reply.bulkRange(ctx.db.valueBuffer(id), off + start, off + end + 1);
}

/** SETRANGE key offset value: overwrites from offset, zero-padding a shorter string. */
function setrange(ctx: Ctx): void {
  const { argv, db } = ctx;
  const offset = longArg(ctx, 2);
  if (offset < 0) throw new CommandError(Errors.outOfRange);
  const vlen = argv.len(3);
  let id = lookupWrite(ctx, 1);
  let old = 0;
  if (id === -1) {
    if (vlen === 0) return ctx.reply.int(0);
    checkStringLength(ctx, offset + vlen);
    id = ctx.store.create(ctx.dbIndex, argv.buf, argv.starts[1], argv.ends[1], ValueType.String, 0, ctx.now);
  } else {
    if (db.type(id) !== ValueType.String) throw new CommandError(Errors.wrongType);
    old = db.valueLength(id);
    if (vlen === 0) return ctx.reply.int(old);
    checkStringLength(ctx, offset + vlen);
  }
  const total = Math.max(old, offset + vlen);
  const off = db.resizeValue(id, total, true);
  const buf = db.valueBuffer(id);
  if (offset > old) buf.fill(0, off + old, off + offset);
  argv.buf.copy(buf, off + offset, argv.starts[3], argv.ends[3]);
  written(ctx, 1, '$', 'setrange');
  ctx.reply.int(total);
}

/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN] */
function lcs(ctx: Ctx): void {
  const { argv, db } = ctx;
  const ida = lookupRead(ctx, 1);
  const idb = lookupRead(ctx, 2);
  if ((ida !== -1 && db.type(ida) !== ValueType.String) || (idb !== -1 && db.type(idb) !== ValueType.String)) {
    throw new CommandError(Errors.lcsNotStrings);
  }
  let getIdx = false;
  let getLen = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.count; j++) {
    if (argv.is(j, 'idx')) getIdx = true;
    else if (argv.is(j, 'len')) getLen = true;
    else if (argv.is(j, 'withmatchlen')) withMatchLen = true;
    else if (argv.is(j, 'minmatchlen') && j + 1 < argv.count) {
      minMatchLen = Math.max(0, longArg(ctx, ++j));
    } else throw new CommandError(Errors.syntax);
  }
  if (getIdx && getLen) throw new CommandError(Errors.lcsIdxAndLen);

  // Views of both values: nothing below allocates in the arena, so they stay valid.
  const a = ida === -1 ? EMPTY : db.valueBuffer(ida);
  const aOff = ida === -1 ? 0 : db.valueOffset(ida);
  const alen = ida === -1 ? 0 : db.valueLength(ida);
  const b = idb === -1 ? EMPTY : db.valueBuffer(idb);
  const bOff = idb === -1 ? 0 : db.valueOffset(idb);
  const blen = idb === -1 ? 0 : db.valueLength(idb);

  // The classic dynamic-programming table: T[i][j] = LCS length of a[0,i) and b[0,j),
  // stored row-major with rows of blen+1. Redis caps its size by proto-max-bulk-len.
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > ctx.node.config.int('proto-max-bulk-len')) throw new CommandError(Errors.lcsTooBig);
  const w = blen + 1;
  const t = new Uint32Array(cells);
  for (let i = 1; i <= alen; i++) {
    const ca = a[aOff + i - 1];
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ca === b[bOff + j - 1]) t[row + j] = t[prev + j - 1] + 1;
      else {
        const up = t[prev + j];
        const left = t[row + j - 1];
        t[row + j] = up > left ? up : left;
      }
    }
  }
  const total = t[alen * w + blen];
  if (getLen) return ctx.reply.int(total);

  // Walk back from the end, collecting the common string and, for IDX, the ranges of
  // contiguous matches (reported from the end of the strings to their start).
  const out = Buffer.allocUnsafe(total);
  const ranges: number[] = []; // aStart, aEnd, bStart, bEnd per range
  let k = total;
  let i = alen;
  let j = blen;
  let aStart = -1;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[aOff + i - 1] === b[bOff + j - 1]) {
      out[--k] = a[aOff + i - 1];
      if (aStart === -1) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (t[(i - 1) * w + j] > t[i * w + j - 1]) i--;
      else j--;
      if (aStart !== -1) emit = true;
    }
    if (emit) {
      if (getIdx && aEnd - aStart + 1 >= minMatchLen) ranges.push(aStart, aEnd, bStart, bEnd);
      aStart = -1;
    }
  }
  if (!getIdx) return ctx.reply.bulk(out);
  const reply = ctx.reply;
  reply.map(2);
  reply.bulk('matches');
  reply.array(ranges.length / 4);
  for (let r = 0; r < ranges.length; r += 4) {
    reply.array(withMatchLen ? 3 : 2);
    reply.array(2);
    reply.int(ranges[r]);
    reply.int(ranges[r + 1]);
    reply.array(2);
    reply.int(ranges[r + 2]);
    reply.int(ranges[r + 3]);
    if (withMatchLen) reply.int(ranges[r + 1] - ranges[r] + 1);
  }
  reply.bulk('len');
  reply.int(total);
}

const EMPTY = Buffer.alloc(0);

const TWO_KEYS: KeySpec = { first: 1, last: 2, step: 1 };
const KEY_VALUE_PAIRS: KeySpec = { first: 1, last: -1, step: 2 };

const str = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: KeySpec,
  summary: string,
  since: string,
  complexity: string,
  syntax: string,
  handler: CommandSpec['handler'],
): CommandSpec => ({ name, arity, flags, keys, categories: ['string'], group: 'string', summary, since, complexity, syntax, handler });

const RANGE_COMPLEXITY =
  'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.';

export const stringCommands: CommandSpec[] = [
  str('get', 2, ['readonly', 'fast'], ONE_KEY, 'Returns the string value of a key.', '1.0.0', 'O(1)', 'key', get),
  str('set', -3, ['write', 'denyoom'], ONE_KEY, "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", '1.0.0', 'O(1)',
    'key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]', set),
  str('setnx', 3, ['write', 'denyoom', 'fast'], ONE_KEY, "Set the string value of a key only when the key doesn't exist.", '1.0.0', 'O(1)', 'key value', setnx),
  str('setex', 4, ['write', 'denyoom'], ONE_KEY, "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", '2.0.0', 'O(1)',
    'key seconds value', (ctx) => setexGeneric(ctx, 1000)),
  str('psetex', 4, ['write', 'denyoom'], ONE_KEY, "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", '2.6.0', 'O(1)',
    'key milliseconds value', (ctx) => setexGeneric(ctx, 1)),
  str('getset', 3, ['write', 'denyoom', 'fast'], ONE_KEY, 'Returns the previous string value of a key after setting it to a new value.', '1.0.0', 'O(1)', 'key value', getset),
  str('getdel', 2, ['write', 'fast'], ONE_KEY, 'Returns the string value of a key after deleting the key.', '6.2.0', 'O(1)', 'key', getdel),
  str('getex', -2, ['write', 'fast'], ONE_KEY, 'Returns the string value of a key after setting its expiration time.', '6.2.0', 'O(1)',
    'key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]', getex),
  str('mget', -2, ['readonly', 'fast'], ALL_KEYS, 'Atomically returns the string values of one or more keys.', '1.0.0', 'O(N) where N is the number of keys to retrieve.', 'key [key ...]', mget),
  str('mset', -3, ['write', 'denyoom'], KEY_VALUE_PAIRS, 'Atomically creates or modifies the string values of one or more keys.', '1.0.1', 'O(N) where N is the number of keys to set.',
    'key value [key value ...]', (ctx) => msetGeneric(ctx, false)),
  str('msetnx', -3, ['write', 'denyoom'], KEY_VALUE_PAIRS, "Atomically modifies the string values of one or more keys only when all keys don't exist.", '1.0.1', 'O(N) where N is the number of keys to set.',
    'key value [key value ...]', (ctx) => msetGeneric(ctx, true)),
  str('append', 3, ['write', 'denyoom', 'fast'], ONE_KEY, "Appends a string to the value of a key. Creates the key if it doesn't exist.", '2.0.0',
    'O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.',
    'key value', append),
  str('strlen', 2, ['readonly', 'fast'], ONE_KEY, 'Returns the length of a string value.', '2.2.0', 'O(1)', 'key', strlen),
  str('incr', 2, ['write', 'denyoom', 'fast'], ONE_KEY, "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", '1.0.0', 'O(1)', 'key', (ctx) => incrDecr(ctx, 1)),
  str('decr', 2, ['write', 'denyoom', 'fast'], ONE_KEY, "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", '1.0.0', 'O(1)', 'key', (ctx) => incrDecr(ctx, -1)),
  str('incrby', 3, ['write', 'denyoom', 'fast'], ONE_KEY, "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", '1.0.0', 'O(1)',
    'key increment', (ctx) => incrDecr(ctx, int64Arg(ctx, 2))),
  str('decrby', 3, ['write', 'denyoom', 'fast'], ONE_KEY, "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", '1.0.0', 'O(1)',
    'key decrement', decrby),
  str('incrbyfloat', 3, ['write', 'denyoom', 'fast'], ONE_KEY, "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", '2.6.0', 'O(1)',
    'key increment', incrbyfloat),
  str('getrange', 4, ['readonly'], ONE_KEY, 'Returns a substring of the string stored at a key.', '2.4.0', RANGE_COMPLEXITY, 'key start end', getrange),
  str('substr', 4, ['readonly'], ONE_KEY, 'Returns a substring from a string value.', '1.0.0', RANGE_COMPLEXITY, 'key start end', getrange),
  str('setrange', 4, ['write', 'denyoom'], ONE_KEY, "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", '2.2.0',
    'O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.',
    'key offset value', setrange),
  str('lcs', -3, ['readonly'], TWO_KEYS, 'Finds the longest common substring.', '7.0.0', 'O(N*M) where N and M are the lengths of s1 and s2, respectively',
    'key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]', lcs),
];
