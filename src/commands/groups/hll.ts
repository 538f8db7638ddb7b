// HyperLogLog commands (Redis hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG.
//
// An HLL is a plain string value in Redis's byte format (engine/types/hll.ts), read
// and written through the keyspace's string API: a dense HLL is updated in place in
// the arena; a sparse one is copied out, updated (it may grow, or turn dense) and
// written back. Any string that does not carry a valid HLL header is refused with
// Redis's WRONGTYPE wording; sparse data whose runs do not add up is "corrupted".

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { ValueType } from '../../engine/keyspace.js';
import {
  HLL_DENSE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  HllWork,
  cacheValid,
  createHll,
  decodeSparse,
  denseGet,
  denseSet,
  hllCount,
  hllCountRaw,
  hllPattern,
  invalidateCache,
  isHll,
  mergeInto,
  readCache,
  writeCache,
} from '../../engine/types/hll.js';
import type { CommandSpec, Ctx } from '../types.js';
import { ALL_KEYS, ONE_KEY } from '../types.js';
import { lookupRead, lookupWrite, written } from '../helpers.js';

const NOT_HLL = Errors.hllNotValid;
const CORRUPT = Errors.hllCorrupt;

/** Checks that key id holds an HLL (Redis isHLLObjectOrReply); throws otherwise. */
function checkHll(ctx: Ctx, id: number): void {
  const db = ctx.db;
  if (db.type(id) !== ValueType.String) throw new CommandError(Errors.wrongType);
  if (!isHll(db.valueBuffer(id), db.valueOffset(id), db.valueLength(id))) throw new CommandError(NOT_HLL);
}

/** hll-sparse-max-bytes, read per command (PF* commands are not on a hot path). */
function sparseMax(ctx: Ctx): number {
  return ctx.node.config.int('hll-sparse-max-bytes');
}

/** Creates the key of argument i holding an empty sparse HLL; returns its id. */
function createKey(ctx: Ctx, i: number): number {
  const { argv } = ctx;
  const empty = createHll();
  const id = ctx.store.create(ctx.dbIndex, argv.buf, argv.starts[i], argv.ends[i], ValueType.String, empty.length, ctx.now);
  empty.copy(ctx.db.valueBuffer(id), ctx.db.valueOffset(id));
  return id;
}

/** Replaces a key's value with the bytes of a work copy. */
function writeBack(ctx: Ctx, id: number, w: HllWork): void {
  w.finish();
  const off = ctx.db.resizeValue(id, w.len);
  w.buf.copy(ctx.db.valueBuffer(id), off, 0, w.len);
}

function workCopy(ctx: Ctx, id: number): HllWork {
  const db = ctx.db;
  return new HllWork(db.valueBuffer(id), db.valueOffset(id), db.valueLength(id));
}

/** PFADD key [element ...] */
function pfadd(ctx: Ctx): void {
  const { argv, db } = ctx;
  let id = lookupWrite(ctx, 1);
  let updated = 0;
  if (id === -1) {
    id = createKey(ctx, 1);
    updated++;
  } else {
    checkHll(ctx, id);
  }
  const buf = db.valueBuffer(id);
  const off = db.valueOffset(id);
  if (buf[off + 4] === HLL_DENSE) {
    // Dense: registers change in place, no copy.
    const reg = off + HLL_HDR_SIZE;
    for (let i = 2; i < argv.count; i++) {
      const pat = hllPattern(argv.buf, argv.starts[i], argv.ends[i]);
      updated += denseSet(buf, reg, pat >>> 6, pat & 63);
    }
    if (updated) invalidateCache(buf, off);
  } else {
    const w = workCopy(ctx, id);
    const max = sparseMax(ctx);
    let corrupt = false;
    for (let i = 2; i < argv.count; i++) {
      const pat = hllPattern(argv.buf, argv.starts[i], argv.ends[i]);
      const r = w.set(pat >>> 6, pat & 63, max);
      if (r === -1) {
        corrupt = true;
        break;
      }
      updated += r;
    }
    if (updated) invalidateCache(w.buf, 0);
    // What was changed before a corruption was found stays, as in Redis.
    writeBack(ctx, id, w);
    if (corrupt) throw new CommandError(CORRUPT);
  }
  if (updated) written(ctx, 1, '$', 'pfadd');
  ctx.reply.int(updated ? 1 : 0);
}

/** PFCOUNT key [key ...] */
function pfcount(ctx: Ctx): void {
  const { argv, db } = ctx;
  if (argv.count > 2) {
    // Several keys: the cardinality of their union, computed on raw registers.
    const max = new Uint8Array(HLL_REGISTERS);
    for (let i = 1; i < argv.count; i++) {
      const id = lookupRead(ctx, i);
      if (id === -1) continue;
      checkHll(ctx, id);
      if (!mergeInto(max, db.valueBuffer(id), db.valueOffset(id), db.valueLength(id))) throw new CommandError(CORRUPT);
    }
    ctx.reply.int(hllCountRaw(max));
    return;
  }
  const id = lookupRead(ctx, 1);
  if (id === -1) return ctx.reply.int(0);
  checkHll(ctx, id);
  const buf = db.valueBuffer(id);
  const off = db.valueOffset(id);
  if (cacheValid(buf, off)) return ctx.reply.int(readCache(buf, off));
  const card = hllCount(buf, off, db.valueLength(id));
  if (card < 0) throw new CommandError(CORRUPT);
  // Caching the result changes the string: watchers see a write, as with Redis.
  writeCache(buf, off, card);
  ctx.store.modified(ctx.dbIndex, argv.buf, argv.starts[1], argv.ends[1]);
  ctx.reply.int(card);
}

/** PFMERGE destkey [sourcekey ...] */
function pfmerge(ctx: Ctx): void {
  const { argv, db } = ctx;
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  // The destination is read too: it is part of the union.
  for (let i = 1; i < argv.count; i++) {
    const id = lookupRead(ctx, i);
    if (id === -1) continue;
    checkHll(ctx, id);
    const buf = db.valueBuffer(id);
    const off = db.valueOffset(id);
    if (buf[off + 4] === HLL_DENSE) useDense = true;
    if (!mergeInto(max, buf, off, db.valueLength(id))) throw new CommandError(CORRUPT);
  }
  let id = lookupWrite(ctx, 1);
  if (id === -1) id = createKey(ctx, 1);
  const w = workCopy(ctx, id);
  if (useDense && !w.toDense()) throw new CommandError(CORRUPT);
  const sparseLimit = sparseMax(ctx);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] !== 0) w.set(j, max[j], sparseLimit);
  }
  invalidateCache(w.buf, 0);
  writeBack(ctx, id, w);
  written(ctx, 1, '$', 'pfadd');
  ctx.reply.ok();
}

/** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key */
function pfdebug(ctx: Ctx): void {
  const { argv, db } = ctx;
  const sub = argv.str(1);
  const id = lookupWrite(ctx, 2);
  if (id === -1) throw new CommandError('ERR The specified key does not exist');
  checkHll(ctx, id);
  const sparse = db.valueBuffer(id)[db.valueOffset(id) + 4] === HLL_SPARSE;
  const r = ctx.reply;
  if (argv.is(1, 'getreg') || argv.is(1, 'todense')) {
    if (sparse) {
      const w = workCopy(ctx, id);
      if (!w.toDense()) throw new CommandError(CORRUPT);
      writeBack(ctx, id, w);
      ctx.store.dirty++;
    }
    if (argv.is(1, 'todense')) return r.int(sparse ? 1 : 0);
    const buf = db.valueBuffer(id);
    const reg = db.valueOffset(id) + HLL_HDR_SIZE;
    r.array(HLL_REGISTERS);
    for (let j = 0; j < HLL_REGISTERS; j++) r.int(denseGet(buf, reg, j));
  } else if (argv.is(1, 'decode')) {
    if (!sparse) throw new CommandError('ERR HLL encoding is not sparse');
    r.bulk(decodeSparse(db.valueBuffer(id), db.valueOffset(id), db.valueLength(id)));
  } else if (argv.is(1, 'encoding')) {
    r.simple(sparse ? 'sparse' : 'dense');
  } else {
    throw new CommandError(`ERR Unknown PFDEBUG subcommand '${sub}'`);
  }
}

const h = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: CommandSpec['keys'],
  summary: string,
  handler: CommandSpec['handler'],
  syntax: string,
): CommandSpec => ({ name, arity, flags, keys, categories: ['hyperloglog'], group: 'hyperloglog', summary, since: '2.8.9', handler, syntax });

export const hllCommands: CommandSpec[] = [
  h('pfadd', -2, ['write', 'denyoom', 'fast'], ONE_KEY, 'Adds elements to a HyperLogLog key. Creates the key if it doesn\'t exist.', pfadd, 'key [element [element ...]]'),
  h('pfcount', -2, ['readonly', 'may_replicate'], ALL_KEYS, 'Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).', pfcount, 'key [key ...]'),
  h('pfmerge', -2, ['write', 'denyoom'], ALL_KEYS, 'Merges one or more HyperLogLog values into a single key.', pfmerge, 'destkey [sourcekey [sourcekey ...]]'),
  h('pfdebug', 3, ['write', 'denyoom', 'admin'], { first: 2, last: 2, step: 1 }, 'Internal commands for debugging HyperLogLog values.', pfdebug, 'subcommand key'),
];
