// Helpers that handlers share: key lookup with type checks, argument parsing that
// throws the reference server's exact error, and the events every write raises.
//
// Convention: a helper that can fail throws CommandError with the verbatim message;
// the dispatcher turns it into an error reply and the connection stays open
// (Valkey's *OrReply functions, without threading "did I reply?" through callers).

import { CommandError, Errors } from '../protocol/resp/errors.js';
import { parseDouble } from '../protocol/resp/numbers.js';
import { ValueType } from '../engine/keyspace.js';
import type { Ctx } from './types.js';

/** The key at argument i for reading (counts hit/miss, expires lazily): id or -1. */
export function lookupRead(ctx: Ctx, i: number): number {
  const a = ctx.argv;
  return ctx.store.lookupRead(ctx.dbIndex, a.buf, a.starts[i], a.ends[i], ctx.now);
}

/** The key at argument i for writing: id or -1. */
export function lookupWrite(ctx: Ctx, i: number): number {
  const a = ctx.argv;
  return ctx.store.lookupWrite(ctx.dbIndex, a.buf, a.starts[i], a.ends[i], ctx.now);
}

/** The key at argument i without touching LRU or hit counters (TTL, TYPE-like peeks). */
export function lookupQuiet(ctx: Ctx, i: number): number {
  const a = ctx.argv;
  return ctx.store.lookupQuiet(ctx.dbIndex, a.buf, a.starts[i], a.ends[i], ctx.now);
}

/** Throws WRONGTYPE unless the key (if it exists) holds `type`. */
export function checkType(ctx: Ctx, id: number, type: ValueType): void {
  if (id !== -1 && ctx.db.type(id) !== type) throw new CommandError(Errors.wrongType);
}

/** Reads a key of the given type: its collection object, or undefined when missing. Throws WRONGTYPE. */
export function readObject<T>(ctx: Ctx, i: number, type: ValueType): T | undefined {
  const id = lookupRead(ctx, i);
  if (id === -1) return undefined;
  if (ctx.db.type(id) !== type) throw new CommandError(Errors.wrongType);
  return ctx.db.object<T>(id);
}

/**
 * The collection at key i for writing; creates it with `make` when missing and `create`
 * is true. Returns [id, object] or [-1, undefined].
 */
export function writeObject<T>(ctx: Ctx, i: number, type: ValueType, make: (() => T) | null): [number, T | undefined] {
  let id = lookupWrite(ctx, i);
  if (id !== -1) {
    if (ctx.db.type(id) !== type) throw new CommandError(Errors.wrongType);
    return [id, ctx.db.object<T>(id)];
  }
  if (!make) return [-1, undefined];
  const a = ctx.argv;
  id = ctx.store.create(ctx.dbIndex, a.buf, a.starts[i], a.ends[i], type, 0, ctx.now);
  const obj = make();
  ctx.db.setObject(id, type, obj);
  return [id, obj];
}

/** Creates a key holding a collection, replacing nothing (the key must be absent). */
export function createObjectKey(ctx: Ctx, key: Buffer, type: ValueType, obj: unknown): number {
  const id = ctx.store.create(ctx.dbIndex, key, 0, key.length, type, 0, ctx.now);
  ctx.db.setObject(id, type, obj);
  return id;
}

/** Deletes the key at id if its collection became empty; returns true if deleted. */
export function deleteIfEmpty(ctx: Ctx, id: number, size: number, keyArg: number): boolean {
  if (size > 0) return false;
  ctx.store.delete(ctx.dbIndex, id);
  ctx.store.notify('g', 'del', ctx.argv.str(keyArg), ctx.dbIndex);
  return true;
}

/** Signals a write to key argument i: WATCH/tracking, dirty counter, and a keyspace event. */
export function written(ctx: Ctx, i: number, cls: string, event: string): void {
  const a = ctx.argv;
  ctx.store.modified(ctx.dbIndex, a.buf, a.starts[i], a.ends[i]);
  if (ctx.store.notifying) ctx.store.notify(cls, event, a.str(i), ctx.dbIndex);
}

/** Same as written() for a key given as a latin1 string. */
export function writtenKey(ctx: Ctx, key: string, cls: string, event: string): void {
  ctx.store.modified(ctx.dbIndex, key);
  if (ctx.store.notifying) ctx.store.notify(cls, event, key, ctx.dbIndex);
}

// ---- argument parsing ------------------------------------------------------------

/** Argument i as a signed 64-bit integer that fits a JS number; throws "not an integer". */
export function intArg(ctx: Ctx, i: number, message: string = Errors.notInteger): number {
  const v = ctx.argv.int(i);
  if (v === null) throw new CommandError(message);
  if (typeof v === 'bigint') {
    // Values beyond 2^53 are rare in ranges and counts; clamp them, keeping the sign.
    return v > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  }
  return v;
}

/** Argument i as an exact signed 64-bit integer (bigint when beyond 2^53). */
export function int64Arg(ctx: Ctx, i: number): number | bigint {
  const v = ctx.argv.int(i);
  if (v === null) throw new CommandError(Errors.notInteger);
  return v;
}

/** A non-negative integer argument ("value is out of range, must be positive"). */
export function positiveIntArg(ctx: Ctx, i: number): number {
  const v = intArg(ctx, i);
  if (v < 0) throw new CommandError(Errors.countPositive);
  return v;
}

/** Argument i as a double (scores, increments); throws "not a valid float". */
export function floatArg(ctx: Ctx, i: number, message: string = Errors.notFloat): number {
  const v = parseDouble(ctx.argv.str(i));
  if (v === null) throw new CommandError(message);
  return v;
}

/**
 * A blocking command's timeout in seconds (decimals allowed) → ms; 0 = forever.
 * As Redis 7.0's getTimeoutFromObjectOrReply: strtold accepts hex and "inf", the value
 * is truncated to whole milliseconds, and anything that does not fit a signed 64-bit
 * millisecond count (inf, 1e16) wraps negative and is reported as "timeout is negative".
 */
export function timeoutArg(ctx: Ctx, i: number): number {
  const s = ctx.argv.str(i);
  let v = parseDouble(s);
  if (v === null && /^[+-]?0x[0-9a-f]+$/i.test(s)) v = (s.startsWith('-') ? -1 : 1) * Number.parseInt(s.replace(/^[+-]/, ''), 16);
  if (v === null || Number.isNaN(v)) throw new CommandError(Errors.timeoutNotFloat);
  const ms = Math.trunc(v * 1000);
  if (ms < 0 || !Number.isFinite(ms) || ms > 9223372036854775807) throw new CommandError(Errors.timeoutNegative);
  return ms;
}

/** Throws a syntax error. */
/** The client a Lua script's redis.call runs as (src/scripting/script-client.ts). */
export function isScriptClient(client: object): boolean {
  return (client as { isScript?: boolean }).isScript === true;
}

export function syntaxError(): never {
  throw new CommandError(Errors.syntax);
}

/**
 * Glob matching as Redis's stringmatchlen: * ? [abc] [^a] [a-z] and \ escapes,
 * over latin1 strings (binary-safe), optionally case-insensitive.
 */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  return matchFrom(pattern, 0, str, 0, nocase, { skipLonger: false });
}

/**
 * Redis's stringmatchlen_impl. When the rest of the pattern after a '*' matches at
 * no position of the rest of the string, no earlier '*' can help by matching more,
 * so the whole match fails at once (`skipLonger`): that keeps patterns such as
 * "a*a*a*a*b" linear instead of exponential.
 */
function matchFrom(p: string, pi: number, s: string, si: number, nocase: boolean, state: { skipLonger: boolean }): boolean {
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case 42: {
        // '*'
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === plen) return true;
        for (let k = si; k < slen; k++) {
          if (matchFrom(p, pi + 1, s, k, nocase, state)) return true;
          if (state.skipLonger) return false;
        }
        state.skipLonger = true;
        return false;
      }
      case 63: // '?'
        si++;
        break;
      case 91: {
        // '['
        pi++;
        const not = p.charCodeAt(pi) === 94;
        if (not) pi++;
        let match = false;
        let c = s.charCodeAt(si);
        if (nocase) c = lowerCode(c);
        for (;;) {
          if (pi >= plen) {
            pi--;
            break;
          }
          const cc = p.charCodeAt(pi);
          if (cc === 93) break; // ']'
          if (cc === 92 && pi + 1 < plen) {
            pi++;
            let e = p.charCodeAt(pi);
            if (nocase) e = lowerCode(e);
            if (e === c) match = true;
          } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45) {
            let start = p.charCodeAt(pi);
            let end = p.charCodeAt(pi + 2);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lowerCode(start);
              end = lowerCode(end);
            }
            pi += 2;
            if (c >= start && c <= end) match = true;
          } else {
            let e = cc;
            if (nocase) e = lowerCode(e);
            if (e === c) match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      case 92: // '\\'
        if (pi + 1 < plen) pi++;
      // falls through
      default: {
        const a = p.charCodeAt(pi);
        const b = s.charCodeAt(si);
        if (nocase ? lowerCode(a) !== lowerCode(b) : a !== b) return false;
        si++;
      }
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}

function lowerCode(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}
