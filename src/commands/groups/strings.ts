// String commands. GET and SET are the hot path: they read the key straight from the
// request buffer and copy value bytes between the request, the arena and the reply
// without creating a JS string or Buffer per call.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { ValueType } from '../../engine/keyspace.js';
import type { CommandSpec, Ctx } from '../types.js';
import { ONE_KEY } from '../types.js';
import { lookupRead, lookupWrite, written } from '../helpers.js';

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

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;

/**
 * Parses an expire argument in unit `unitMs` (1000 for EX/EXAT, 1 for PX/PXAT);
 * returns the absolute time in ms. Errors as Redis's getExpireMillisecondsOrReply.
 */
export function expireArg(ctx: Ctx, i: number, unitMs: number, absolute: boolean, cmd: string): number {
  const v = ctx.argv.int(i);
  if (v === null) throw new CommandError(Errors.notInteger);
  if (typeof v === 'bigint' || v <= 0) throw new CommandError(Errors.invalidExpire(cmd));
  if (v > Number.MAX_SAFE_INTEGER / unitMs) throw new CommandError(Errors.invalidExpire(cmd));
  const ms = v * unitMs;
  const at = absolute ? ms : ms + ctx.now;
  if (at > Number.MAX_SAFE_INTEGER) throw new CommandError(Errors.invalidExpire(cmd));
  return at;
}

/**
 * The one implementation behind SET, SETNX, SETEX, PSETEX, GETSET (setGeneric):
 * stores argv[valueArg] at argv[keyArg] under the flags and expire time `at` (0 = none).
 * Returns false when NX/XX prevented the write.
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

/** SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL] */
function set(ctx: Ctx): void {
  const { argv } = ctx;
  let flags = 0;
  let at = 0;
  let expireSeen = false;
  for (let i = 3; i < argv.count; i++) {
    const hasNext = i + 1 < argv.count;
    if (argv.is(i, 'nx') && !(flags & SET_XX)) flags |= SET_NX;
    else if (argv.is(i, 'xx') && !(flags & SET_NX)) flags |= SET_XX;
    else if (argv.is(i, 'get')) flags |= SET_GET;
    else if (argv.is(i, 'keepttl') && !expireSeen) {
      flags |= SET_KEEPTTL;
      expireSeen = true;
    } else if (!expireSeen && hasNext && (argv.is(i, 'ex') || argv.is(i, 'px') || argv.is(i, 'exat') || argv.is(i, 'pxat'))) {
      const unit = argv.is(i, 'ex') || argv.is(i, 'exat') ? 1000 : 1;
      const absolute = argv.is(i, 'exat') || argv.is(i, 'pxat');
      expireSeen = true;
      at = expireArg(ctx, i + 1, unit, absolute, 'set');
      i++;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const done = setGeneric(ctx, 1, 2, flags, at);
  if (flags & SET_GET) return; // the old value was the reply
  if (done) ctx.reply.ok();
  else ctx.reply.nil();
}

export const stringCommands: CommandSpec[] = [
  {
    name: 'get',
    arity: 2,
    flags: ['readonly', 'fast'],
    keys: ONE_KEY,
    categories: ['string'],
    group: 'string',
    summary: 'Returns the string value of a key.',
    since: '1.0.0',
    complexity: 'O(1)',
    syntax: 'key',
    handler: get,
  },
  {
    name: 'set',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: ONE_KEY,
    categories: ['string'],
    group: 'string',
    summary: 'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.',
    since: '1.0.0',
    complexity: 'O(1)',
    syntax: 'key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]',
    handler: set,
  },
];
