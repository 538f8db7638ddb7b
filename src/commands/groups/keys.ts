// Generic key commands: DEL UNLINK EXISTS TYPE TTL PTTL EXPIRE PEXPIRE EXPIREAT
// PEXPIREAT EXPIRETIME PEXPIRETIME PERSIST KEYS.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { TYPE_NAMES } from '../../engine/keyspace.js';
import type { CommandSpec, Ctx } from '../types.js';
import { ALL_KEYS, NO_KEYS, ONE_KEY } from '../types.js';
import { globMatch, lookupQuiet, lookupWrite, written } from '../helpers.js';

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
  const n = Number(v);
  if (typeof v === 'bigint' || Math.abs(n) > Number.MAX_SAFE_INTEGER / unitMs) throw new CommandError(Errors.invalidExpire(cmd));
  let at = n * unitMs;
  if (!absolute) at += ctx.now;
  if (Math.abs(at) > Number.MAX_SAFE_INTEGER) throw new CommandError(Errors.invalidExpire(cmd));
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
];

// Keep the categories Redis gives KEYS.
keyCommands.find((c) => c.name === 'keys')!.categories.push('dangerous');
