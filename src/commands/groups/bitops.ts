// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
//
// A bitmap is a plain string value; bit 0 is the most significant bit of byte 0.
// Reads and writes go to the value bytes in the arena in place; a write past the end
// first grows the string with zero bytes (Redis's lookupStringForBitCommand), and reads
// past the end see zeros. BITFIELD does its 64-bit arithmetic in BigInt, with Redis's
// WRAP/SAT/FAIL overflow rules.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { parseInteger } from '../../protocol/resp/numbers.js';
import { ValueType } from '../../engine/keyspace.js';
import type { CommandSpec, Ctx, KeySpec } from '../types.js';
import { ONE_KEY } from '../types.js';
import { int64Arg, lookupRead, lookupWrite, written } from '../helpers.js';
import { storeString } from './strings.js';

/** Bits set in each byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/**
 * A bit offset argument (getBitOffsetFromArgument): a non-negative integer addressing
 * a byte below proto-max-bulk-len. With `bits` > 0 (BITFIELD), "#N" means N * bits.
 */
function bitOffsetArg(ctx: Ctx, i: number, bits = 0): number {
  const { argv } = ctx;
  const hash = bits > 0 && argv.len(i) > 0 && argv.buf[argv.starts[i]] === 35;
  const v = parseInteger(argv.buf, argv.starts[i] + (hash ? 1 : 0), argv.ends[i]);
  if (v === null) throw new CommandError(Errors.bitOffset);
  let offset = Number(v);
  if (hash) offset *= bits;
  if (offset < 0 || (!ctx.client.isPrimaryLink && Math.floor(offset / 8) >= ctx.node.config.int('proto-max-bulk-len'))) {
    throw new CommandError(Errors.bitOffset);
  }
  return offset;
}

/** Set by stringForBits: whether the string was created or grown (a change even if no bit flips). */
let grewForBits = false;

/**
 * The string at key 1 for a bit write reaching bit `maxbit`: created or zero-padded so
 * that bit exists. Returns its id; throws WRONGTYPE.
 */
function stringForBits(ctx: Ctx, maxbit: number): number {
  const { argv, db } = ctx;
  const need = Math.floor(maxbit / 8) + 1;
  let id = lookupWrite(ctx, 1);
  grewForBits = false;
  if (id === -1) {
    id = ctx.store.create(ctx.dbIndex, argv.buf, argv.starts[1], argv.ends[1], ValueType.String, need, ctx.now);
    const off = db.valueOffset(id);
    db.valueBuffer(id).fill(0, off, off + need);
    grewForBits = true;
    return id;
  }
  if (db.type(id) !== ValueType.String) throw new CommandError(Errors.wrongType);
  const old = db.valueLength(id);
  if (old < need) {
    const off = db.resizeValue(id, need, true);
    db.valueBuffer(id).fill(0, off + old, off + need);
    grewForBits = true;
  }
  return id;
}

/** The string key at argument i for reading: id or -1; throws WRONGTYPE. */
function readString(ctx: Ctx, i: number): number {
  const id = lookupRead(ctx, i);
  if (id !== -1 && ctx.db.type(id) !== ValueType.String) throw new CommandError(Errors.wrongType);
  return id;
}

/** SETBIT key offset value: replies the bit's previous value. */
function setbit(ctx: Ctx): void {
  const offset = bitOffsetArg(ctx, 2);
  const on = ctx.argv.int(3);
  if (on !== 0 && on !== 1) throw new CommandError(Errors.bitValue);
  const id = stringForBits(ctx, offset);
  const db = ctx.db;
  const at = db.valueOffset(id) + Math.floor(offset / 8);
  const buf = db.valueBuffer(id);
  const mask = 1 << (7 - (offset & 7));
  const old = (buf[at] & mask) !== 0 ? 1 : 0;
  if (grewForBits || old !== on) {
    buf[at] = on ? buf[at] | mask : buf[at] & ~mask;
    written(ctx, 1, '$', 'setbit');
  }
  ctx.reply.int(old);
}

/** GETBIT key offset */
function getbit(ctx: Ctx): void {
  const offset = bitOffsetArg(ctx, 2);
  const id = readString(ctx, 1);
  if (id === -1) return ctx.reply.int(0);
  const byte = Math.floor(offset / 8);
  const db = ctx.db;
  if (byte >= db.valueLength(id)) return ctx.reply.int(0);
  const v = db.valueBuffer(id)[db.valueOffset(id) + byte];
  ctx.reply.int((v >> (7 - (offset & 7))) & 1);
}

/** A start/end argument as a Number (rounded beyond 2^53; the order is what matters). */
function longArg(ctx: Ctx, i: number): number {
  return Number(int64Arg(ctx, i));
}

/**
 * Resolves BITCOUNT/BITPOS's [start end] in bytes or bits (negative from the end,
 * clamped) to a byte range plus masks of the bits of the first and last byte that lie
 * outside a BIT range. Sets rangeStart/rangeEnd (bytes, inclusive; start > end when
 * empty) and firstMask/lastMask.
 */
let rangeStart = 0;
let rangeEnd = 0;
let firstMask = 0;
let lastMask = 0;
function resolveRange(start: number, end: number, strlen: number, isBit: boolean): void {
  const total = isBit ? strlen * 8 : strlen;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  firstMask = 0;
  lastMask = 0;
  if (isBit && start <= end) {
    firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
    lastMask = (1 << (7 - (end & 7))) - 1;
    start = Math.floor(start / 8);
    end = Math.floor(end / 8);
  }
  rangeStart = start;
  rangeEnd = end;
}

/** BIT or BYTE at argument i; anything else is a syntax error. */
function isBitUnit(ctx: Ctx, i: number): boolean {
  if (ctx.argv.is(i, 'bit')) return true;
  if (ctx.argv.is(i, 'byte')) return false;
  throw new CommandError(Errors.syntax);
}

/** BITCOUNT key [start end [BYTE | BIT]] */
function bitcount(ctx: Ctx): void {
  const { argv, db } = ctx;
  const id = readString(ctx, 1);
  if (id === -1) return ctx.reply.int(0);
  const strlen = db.valueLength(id);
  if (argv.count === 4 || argv.count === 5) {
    const start = longArg(ctx, 2);
    const end = longArg(ctx, 3);
    if (start < 0 && end < 0 && start > end) return ctx.reply.int(0);
    const isBit = argv.count === 5 ? isBitUnit(ctx, 4) : false;
    resolveRange(start, end, strlen, isBit);
  } else if (argv.count === 2) {
    resolveRange(0, -1, strlen, false);
  } else {
    throw new CommandError(Errors.syntax);
  }
  if (rangeStart > rangeEnd) return ctx.reply.int(0);
  const buf = db.valueBuffer(id);
  const off = db.valueOffset(id);
  let count = 0;
  for (let i = off + rangeStart, last = off + rangeEnd; i <= last; i++) count += POPCOUNT[buf[i]];
  // Bits of the edge bytes outside a BIT range were counted: take them back.
  if (firstMask) count -= POPCOUNT[buf[off + rangeStart] & firstMask];
  if (lastMask) count -= POPCOUNT[buf[off + rangeEnd] & lastMask];
  ctx.reply.int(count);
}

/**
 * The position of the first `bit` in buf[start, start+count), counting from 0 at
 * buf[start]'s top bit; -1 when looking for 1 and there is none, count*8 when looking
 * for 0 and there is none (the string is taken as zero-padded), as redisBitpos.
 */
function findBit(buf: Buffer | Uint8Array, start: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  for (let i = 0; i < count; i++) {
    const v = buf[start + i];
    if (v !== skip) {
      const x = bit ? v : ~v & 0xff;
      return i * 8 + (Math.clz32(x) - 24);
    }
  }
  return bit ? -1 : count * 8;
}

const oneByte = new Uint8Array(1);

/** BITPOS key bit [start [end [BYTE | BIT]]] */
function bitpos(ctx: Ctx): void {
  const { argv, db } = ctx;
  const bitv = int64Arg(ctx, 2);
  if (bitv !== 0 && bitv !== 1) throw new CommandError(Errors.bitArgument);
  const bit = bitv;
  // A missing key is an endless run of zeros.
  const id = readString(ctx, 1);
  if (id === -1) return ctx.reply.int(bit ? -1 : 0);
  const strlen = db.valueLength(id);
  let endGiven = false;
  if (argv.count >= 4 && argv.count <= 6) {
    const start = longArg(ctx, 3);
    const isBit = argv.count === 6 ? isBitUnit(ctx, 5) : false;
    let end: number;
    if (argv.count >= 5) {
      end = longArg(ctx, 4);
      endGiven = true;
    } else {
      end = isBit ? strlen * 8 + 7 : strlen - 1;
    }
    resolveRange(start, end, strlen, isBit);
  } else if (argv.count === 3) {
    resolveRange(0, -1, strlen, false);
  } else {
    throw new CommandError(Errors.syntax);
  }
  if (rangeStart > rangeEnd) return ctx.reply.int(-1);
  const buf = db.valueBuffer(id);
  const base = db.valueOffset(id);
  let start = rangeStart;
  let bytes = rangeEnd - rangeStart + 1;
  let pos: number;
  // Edge bytes of a BIT range are searched with their outside bits forced to the
  // value not looked for; the middle is searched directly.
  search: {
    if (firstMask) {
      let b = bit ? buf[base + start] & ~firstMask : buf[base + start] | firstMask;
      if (lastMask && bytes === 1) b = bit ? b & ~lastMask : b | lastMask;
      oneByte[0] = b;
      pos = findBit(oneByte, 0, 1, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break search;
      start++;
      bytes--;
    }
    const middle = bytes - (lastMask ? 1 : 0);
    if (middle > 0) {
      pos = findBit(buf, base + start, middle, bit);
      if (bytes === middle || (pos !== -1 && pos !== middle * 8)) break search;
      start += middle;
      bytes -= middle;
    }
    oneByte[0] = bit ? buf[base + rangeEnd] & ~lastMask : buf[base + rangeEnd] | lastMask;
    pos = findBit(oneByte, 0, 1, bit);
  }
  // Looking for a 0 inside an explicit range: running off its end means none.
  if (endGiven && bit === 0 && pos === bytes * 8) return ctx.reply.int(-1);
  if (pos !== -1) pos += start * 8;
  ctx.reply.int(pos);
}

/** BITOP <AND | OR | XOR | NOT> destkey key [key ...] */
function bitop(ctx: Ctx): void {
  const { argv, db } = ctx;
  let op: number;
  if (argv.is(1, 'and')) op = 0;
  else if (argv.is(1, 'or')) op = 1;
  else if (argv.is(1, 'xor')) op = 2;
  else if (argv.is(1, 'not')) op = 3;
  else throw new CommandError(Errors.syntax);
  if (op === 3 && argv.count !== 4) throw new CommandError(Errors.bitopNotSingleKey);

  const n = argv.count - 3;
  const ids: number[] = [];
  let maxlen = 0;
  for (let k = 0; k < n; k++) {
    const id = readString(ctx, k + 3);
    ids.push(id);
    if (id !== -1) maxlen = Math.max(maxlen, db.valueLength(id));
  }
  if (maxlen === 0) {
    // Every source is empty: the destination is deleted.
    const dest = lookupWrite(ctx, 2);
    if (dest !== -1) {
      ctx.store.delete(ctx.dbIndex, dest);
      written(ctx, 2, 'g', 'del');
    }
    return ctx.reply.int(0);
  }
  // Computed aside (a source may be the destination), then stored in one copy.
  const res = Buffer.alloc(maxlen);
  for (let k = 0; k < n; k++) {
    const id = ids[k];
    const len = id === -1 ? 0 : db.valueLength(id);
    const src = id === -1 ? res : db.valueBuffer(id);
    const off = id === -1 ? 0 : db.valueOffset(id);
    if (k === 0) {
      src.copy(res, 0, off, off + len); // bytes past a shorter source stay 0
      if (op === 3) for (let i = 0; i < maxlen; i++) res[i] = ~res[i] & 0xff;
      continue;
    }
    if (op === 0) {
      for (let i = 0; i < len; i++) res[i] &= src[off + i];
      res.fill(0, len);
    } else if (op === 1) {
      for (let i = 0; i < len; i++) res[i] |= src[off + i];
    } else {
      for (let i = 0; i < len; i++) res[i] ^= src[off + i];
    }
  }
  storeString(ctx, 2, res, 0, maxlen);
  written(ctx, 2, '$', 'set');
  ctx.reply.int(maxlen);
}

// ---- BITFIELD ---------------------------------------------------------------------

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;
const OVERFLOW_WRAP = 0;
const OVERFLOW_SAT = 1;
const OVERFLOW_FAIL = 2;

interface BitfieldOp {
  op: number;
  offset: number;
  bits: number;
  signed: boolean;
  value: bigint;
  overflow: number;
}

/** A bitfield type argument: i1..i64 or u1..u63. Returns bits, negative for signed. */
function bitfieldTypeArg(ctx: Ctx, i: number): number {
  const { argv } = ctx;
  const s = argv.starts[i];
  const first = argv.len(i) > 0 ? argv.buf[s] : 0;
  if (first !== 105 && first !== 117) throw new CommandError(Errors.bitfieldType); // 'i' / 'u'
  const n = parseInteger(argv.buf, s + 1, argv.ends[i]);
  const signed = first === 105;
  if (typeof n !== 'number' || n < 1 || n > (signed ? 64 : 63)) throw new CommandError(Errors.bitfieldType);
  return signed ? -n : n;
}

/** Reads `bits` bits at bit `offset` of buf[base, base+len) as an unsigned BigInt; bytes past len read as 0. */
function readField(buf: Buffer, base: number, len: number, offset: number, bits: number): bigint {
  const first = Math.floor(offset / 8);
  const lastBit = offset + bits - 1;
  const last = Math.floor(lastBit / 8);
  let v = 0n;
  for (let b = first; b <= last; b++) v = (v << 8n) | BigInt(b < len ? buf[base + b] : 0);
  v >>= BigInt(7 - (lastBit & 7));
  return BigInt.asUintN(bits, v);
}

/** Writes the low `bits` bits of v at bit `offset` of the value starting at buf[base]. */
function writeField(buf: Buffer, base: number, offset: number, bits: number, v: bigint): void {
  const u = BigInt.asUintN(bits, v);
  for (let k = 0; k < bits; k++) {
    const bitOn = (u >> BigInt(bits - 1 - k)) & 1n;
    const pos = offset + k;
    const at = base + Math.floor(pos / 8);
    const mask = 1 << (7 - (pos & 7));
    buf[at] = bitOn ? buf[at] | mask : buf[at] & ~mask;
  }
}

/**
 * BITFIELD key [GET type offset | [OVERFLOW WRAP|SAT|FAIL] SET type offset value |
 * [OVERFLOW WRAP|SAT|FAIL] INCRBY type offset increment ...], and BITFIELD_RO (GET only).
 * Every subcommand is parsed before anything runs; a FAIL overflow replies nil for
 * that subcommand and leaves the field as it was.
 */
function bitfieldGeneric(ctx: Ctx, readOnlyCommand: boolean): void {
  const { argv, db } = ctx;
  const ops: BitfieldOp[] = [];
  let overflow = OVERFLOW_WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.count; j++) {
    const left = argv.count - j - 1;
    let op: number;
    if (argv.is(j, 'get') && left >= 2) op = OP_GET;
    else if (argv.is(j, 'set') && left >= 3) op = OP_SET;
    else if (argv.is(j, 'incrby') && left >= 3) op = OP_INCRBY;
    else if (argv.is(j, 'overflow') && left >= 1) {
      j++;
      if (argv.is(j, 'wrap')) overflow = OVERFLOW_WRAP;
      else if (argv.is(j, 'sat')) overflow = OVERFLOW_SAT;
      else if (argv.is(j, 'fail')) overflow = OVERFLOW_FAIL;
      else throw new CommandError(Errors.bitfieldOverflowType);
      continue;
    } else throw new CommandError(Errors.syntax);
    const t = bitfieldTypeArg(ctx, j + 1);
    const bits = Math.abs(t);
    const offset = bitOffsetArg(ctx, j + 2, bits);
    let value = 0n;
    if (op !== OP_GET) {
      readonly = false;
      highest = Math.max(highest, offset + bits - 1);
      value = BigInt(int64Arg(ctx, j + 3));
    }
    ops.push({ op, offset, bits, signed: t < 0, value, overflow });
    j += op === OP_GET ? 2 : 3;
  }

  let id: number;
  if (readonly) {
    id = readString(ctx, 1);
  } else {
    if (readOnlyCommand) throw new CommandError(Errors.bitfieldRoGetOnly);
    id = stringForBits(ctx, highest);
  }
  const grew = !readonly && grewForBits;
  const reply = ctx.reply;
  reply.array(ops.length);
  let changes = 0;
  for (const o of ops) {
    const buf = id === -1 ? EMPTY : db.valueBuffer(id);
    const base = id === -1 ? 0 : db.valueOffset(id);
    const len = id === -1 ? 0 : db.valueLength(id);
    const raw = readField(buf, base, len, o.offset, o.bits);
    const old = o.signed ? BigInt.asIntN(o.bits, raw) : raw;
    if (o.op === OP_GET) {
      reply.int(toReplyInt(old));
      continue;
    }
    const target = o.op === OP_INCRBY ? old + o.value : o.signed ? o.value : BigInt.asUintN(64, o.value);
    const max = o.signed ? (1n << BigInt(o.bits - 1)) - 1n : (1n << BigInt(o.bits)) - 1n;
    const min = o.signed ? -(1n << BigInt(o.bits - 1)) : 0n;
    let next = target;
    if (target > max || target < min) {
      if (o.overflow === OVERFLOW_FAIL) {
        reply.nil();
        continue;
      }
      if (o.overflow === OVERFLOW_SAT) next = target > max ? max : min;
      else next = o.signed ? BigInt.asIntN(o.bits, target) : BigInt.asUintN(o.bits, target);
    }
    writeField(buf, base, o.offset, o.bits, next);
    if (grew || next !== old) changes++;
    reply.int(toReplyInt(o.op === OP_INCRBY ? next : old));
  }
  if (changes > 0) written(ctx, 1, '$', 'setbit');
}

function toReplyInt(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

const EMPTY = Buffer.alloc(0);

const BITOP_KEYS: KeySpec = { first: 2, last: -1, step: 1 };

const bm = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: KeySpec,
  summary: string,
  since: string,
  complexity: string,
  syntax: string,
  handler: CommandSpec['handler'],
): CommandSpec => ({ name, arity, flags, keys, categories: ['bitmap'], group: 'bitmap', summary, since, complexity, syntax, handler });

const BITFIELD_SYNTAX =
  'key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]]';

export const bitmapCommands: CommandSpec[] = [
  bm('setbit', 4, ['write', 'denyoom'], ONE_KEY, "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.", '2.2.0', 'O(1)', 'key offset value', setbit),
  bm('getbit', 3, ['readonly', 'fast'], ONE_KEY, 'Returns a bit value by offset.', '2.2.0', 'O(1)', 'key offset', getbit),
  bm('bitcount', -2, ['readonly'], ONE_KEY, 'Counts the number of set bits (population counting) in a string.', '2.6.0', 'O(N)', 'key [start end [BYTE | BIT]]', bitcount),
  bm('bitpos', -3, ['readonly'], ONE_KEY, 'Finds the first set (1) or clear (0) bit in a string.', '2.8.7', 'O(N)', 'key bit [start [end [BYTE | BIT]]]', bitpos),
  bm('bitop', -4, ['write', 'denyoom'], BITOP_KEYS, 'Performs bitwise operations on multiple strings, and stores the result.', '2.6.0', 'O(N)',
    '<AND | OR | XOR | NOT> destkey key [key ...]', bitop),
  bm('bitfield', -2, ['write', 'denyoom'], ONE_KEY, 'Performs arbitrary bitfield integer operations on strings.', '3.2.0', 'O(1) for each subcommand specified',
    BITFIELD_SYNTAX, (ctx) => bitfieldGeneric(ctx, false)),
  bm('bitfield_ro', -2, ['readonly', 'fast'], ONE_KEY, 'Performs arbitrary read-only bitfield integer operations on strings.', '6.0.0', 'O(1) for each subcommand specified',
    'key [GET encoding offset [GET encoding offset ...]]', (ctx) => bitfieldGeneric(ctx, true)),
];
