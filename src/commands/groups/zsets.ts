// Sorted-set commands (Redis t_zset.c): ZADD and friends, ranges by rank, score and
// lex, pops (blocking too), random members, set algebra with WEIGHTS/AGGREGATE
// (plain sets count as members with score 1), ZSCAN.
//
// Reply shapes follow redis-server 7.0 per protocol: with scores, RESP2 gets one
// flat array (member, score, member, score...) and RESP3 gets an array of
// [member, score] pairs with scores as RESP3 doubles; scores elsewhere are
// RESP2 bulk strings in %.17g. Arguments are checked in Redis's order (options and
// ranges before the key lookup), so the same bad call gets the same error.
//
// The value type is engine/types/zset.ts; this file only parses, calls it, replies,
// and raises the events (WATCH, keyspace notifications, blocked clients).
// Replication: the multi-key and blocking pops reach replicas as the pop they did on
// one key (BZPOPMIN → ZPOPMIN key, [B]ZMPOP → ZPOPMIN/ZPOPMAX key count), as Redis.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { formatDouble } from '../../protocol/resp/numbers.js';
import type { Reply } from '../../protocol/resp/writer.js';
import { ValueType } from '../../engine/keyspace.js';
import { ZSetValue } from '../../engine/types/zset.js';
import type { SetValue } from '../../engine/types/set.js';
import { lexGteMin, lexLteMax, scoreGteMin, scoreLteMax } from '../../engine/types/skiplist.js';
import type { LexRange, ScoreRange, SkipNode } from '../../engine/types/skiplist.js';
import { MemoryAccount } from '../../engine/memory.js';
import { Argv } from '../../protocol/resp/argv.js';
import type { CommandSpec, Ctx, KeySpec } from '../types.js';
import { ONE_KEY } from '../types.js';
import { intArg, lookupRead, lookupWrite, syntaxError, timeoutArg, written } from '../helpers.js';
import { encodingLimits } from '../encoding-limits.js';
import { replyEmptyScan, replyScan, scanCursorArg, scanMatches, scanOptions } from '../scan-cursor.js';

// ---- numbers -------------------------------------------------------------------------------

/** C isspace. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * C strtod from the start of s: [value, end index]; end 0 means nothing was
 * converted. Also reports whether the result over- or underflowed (ERANGE).
 */
function strtod(s: string): { value: number; end: number; range: boolean } {
  let i = 0;
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  const signAt = i;
  if (i < n && (s[i] === '+' || s[i] === '-')) i++;
  const negative = s[signAt] === '-';
  const rest = s.slice(i, i + 8).toLowerCase();
  if (rest.startsWith('inf')) {
    const end = i + (rest.startsWith('infinity') ? 8 : 3);
    return { value: negative ? -Infinity : Infinity, end, range: false };
  }
  if (rest.startsWith('nan')) {
    let end = i + 3;
    if (s[end] === '(') {
      const close = s.indexOf(')', end);
      if (close !== -1 && /^[0-9a-zA-Z_]*$/.test(s.slice(end + 1, close))) end = close + 1;
    }
    return { value: NaN, end, range: false };
  }
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    const hex = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?/.exec(s.slice(i));
    if (hex && (hex[1].length > 0 || (hex[2] ?? '').length > 0)) {
      let v = 0;
      for (const c of hex[1]) v = v * 16 + parseInt(c, 16);
      let scale = 1 / 16;
      for (const c of hex[2] ?? '') {
        v += parseInt(c, 16) * scale;
        scale /= 16;
      }
      let text = hex[0];
      if (hex[3] !== undefined) v *= Math.pow(2, parseInt(hex[3], 10));
      else text = text.replace(/[pP][+-]?$/, '');
      const value = negative ? -v : v;
      return { value, end: i + text.length, range: !Number.isFinite(value) };
    }
    // "0x" with no hex digits: strtod converts the "0" and stops at the x.
    return { value: negative ? -0 : 0, end: i + 1, range: false };
  }
  const dec = /^(\d*)(?:\.(\d*))?/.exec(s.slice(i))!;
  const intDigits = dec[1];
  const fracDigits = dec[2] ?? '';
  if (intDigits.length === 0 && fracDigits.length === 0) return { value: 0, end: 0, range: false };
  let end = i + dec[0].length;
  const exp = /^[eE][+-]?\d+/.exec(s.slice(end));
  if (exp) end += exp[0].length;
  const text = s.slice(signAt, end);
  const value = Number(text.startsWith('+') ? text.slice(1) : text);
  const nonZero = /[1-9]/.test(intDigits + fracDigits);
  const range = !Number.isFinite(value) || (value === 0 && nonZero);
  return { value, end, range };
}

/** A C string view: Redis reads these arguments up to the first NUL. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

/**
 * A score, increment or weight as Redis's string2d: the whole argument is a number,
 * no leading space, no NaN, no overflow or underflow to zero.
 */
function scoreArg(ctx: Ctx, i: number, message: string = Errors.notFloat): number {
  // Fast path: a plain integer (string2ll's canonical form) is its own double.
  const n = ctx.argv.int(i);
  if (typeof n === 'number') return n;
  const s = ctx.argv.str(i);
  if (s.length === 0 || isSpace(s.charCodeAt(0))) throw new CommandError(message);
  const r = strtod(s);
  if (r.end !== s.length || Number.isNaN(r.value)) throw new CommandError(message);
  if (r.range && (!Number.isFinite(r.value) || r.value === 0)) throw new CommandError(message);
  return r.value;
}

/** One end of a score range: "(" makes it exclusive; strtod must consume the rest. */
function scoreBound(s: string): { v: number; ex: boolean } | null {
  let text = cString(s);
  const ex = text.charCodeAt(0) === 40; // '('
  if (ex) text = text.slice(1);
  const r = strtod(text);
  // strtod converting nothing leaves the end at the start: "" and "(" mean 0.
  if (r.end !== text.length && !(r.end === 0 && text.length === 0)) return null;
  if (Number.isNaN(r.value)) return null;
  return { v: r.value, ex };
}

function scoreRangeArgs(ctx: Ctx, minArg: number, maxArg: number): ScoreRange {
  const min = scoreBound(ctx.argv.str(minArg));
  const max = scoreBound(ctx.argv.str(maxArg));
  if (min === null || max === null) throw new CommandError(Errors.minMaxNotFloat);
  return { min: min.v, max: max.v, minex: min.ex, maxex: max.ex };
}

/** One end of a lex range: "-", "+", "(member" or "[member". */
function lexBound(s: string): { v: string; ex: boolean; inf: -1 | 0 | 1 } | null {
  const c = s.charCodeAt(0);
  if (c === 43 || c === 45) {
    // '+' / '-' alone (Redis reads a C string: a NUL right after also ends it)
    if (s.length > 1 && s.charCodeAt(1) !== 0) return null;
    return { v: '', ex: true, inf: c === 43 ? 1 : -1 };
  }
  if (c === 40) return { v: s.slice(1), ex: true, inf: 0 };
  if (c === 91) return { v: s.slice(1), ex: false, inf: 0 };
  return null;
}

function lexRangeArgs(ctx: Ctx, minArg: number, maxArg: number): LexRange {
  const min = lexBound(ctx.argv.str(minArg));
  const max = lexBound(ctx.argv.str(maxArg));
  if (min === null || max === null) throw new CommandError(Errors.minMaxNotValidString);
  return { min: min.v, max: max.v, minex: min.ex, maxex: max.ex, minInf: min.inf, maxInf: max.inf };
}

/** Redis's d2string: what a listpack stores for a score (integers without exponent). */
function d2string(d: number): string {
  if (Number.isInteger(d) && Math.abs(d) <= 4611686018427387903) return BigInt(d).toString();
  return formatDouble(d);
}

// ---- key access ------------------------------------------------------------------------

function readZset(ctx: Ctx, i: number): ZSetValue | undefined {
  const id = lookupRead(ctx, i);
  if (id === -1) return undefined;
  if (ctx.db.type(id) !== ValueType.ZSet) throw new CommandError(Errors.wrongType);
  return ctx.db.object<ZSetValue>(id);
}

/** Inserts under the listpack limits of the moment (the set converts when it outgrows them). */
function insertMember(ctx: Ctx, z: ZSetValue, member: string, score: number): void {
  const l = encodingLimits(ctx.node);
  z.insert(member, score, l.zsetMaxListpackEntries, l.zsetMaxListpackValue);
}

/**
 * Stores a freshly built set at the key of argument `dstArg`, replacing whatever is
 * there and its TTL (Redis setKey); an empty result deletes the key instead.
 * Replies with the stored size.
 */
function storeResult(ctx: Ctx, dstArg: number, z: ZSetValue, event: string): void {
  const { argv, db, store } = ctx;
  let id = lookupWrite(ctx, dstArg);
  if (z.size === 0) {
    if (id !== -1) {
      store.delete(ctx.dbIndex, id);
      written(ctx, dstArg, 'g', 'del');
    }
    ctx.reply.int(0);
    return;
  }
  if (id === -1) id = store.create(ctx.dbIndex, argv.buf, argv.starts[dstArg], argv.ends[dstArg], ValueType.ZSet, 0, ctx.now);
  else db.persist(id);
  db.setObject(id, ValueType.ZSet, z);
  written(ctx, dstArg, 'z', event);
  store.ready(ctx.dbIndex, argv.str(dstArg));
  ctx.reply.int(z.size);
}

// ---- replies ------------------------------------------------------------------------------

/** The array header for n elements, doubled in RESP2 when scores are interleaved. */
function beginElements(r: Reply, n: number, withscores: boolean): void {
  r.array(withscores && r.resp === 2 ? n * 2 : n);
}

function element(r: Reply, member: string, score: number, withscores: boolean): void {
  if (withscores && r.resp === 3) r.array(2);
  r.bulk(member);
  if (withscores) r.double(score);
}

function replyNodes(r: Reply, nodes: SkipNode[], withscores: boolean): void {
  beginElements(r, nodes.length, withscores);
  for (const n of nodes) element(r, n.member, n.score, withscores);
}

function replySet(r: Reply, z: ZSetValue, withscores: boolean): void {
  beginElements(r, z.size, withscores);
  for (let n = z.zsl.first; n !== null; n = n.next[0]) element(r, n.member, n.score, withscores);
}

// ---- ZADD / ZINCRBY ---------------------------------------------------------------------------

/** ZADD's parsed scores, reused between calls (no allocation per command). */
let scratchScores = new Float64Array(16);

const ZADD_NX = 1;
const ZADD_XX = 2;
const ZADD_GT = 4;
const ZADD_LT = 8;
const ZADD_INCR = 16;
const ZADD_CH = 32;

/** ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]; ZINCRBY key increment member. */
function zaddGeneric(ctx: Ctx, flagsIn: number): void {
  const { argv } = ctx;
  let flags = flagsIn;
  let at = 2;
  for (; at < argv.count; at++) {
    if (argv.is(at, 'nx')) flags |= ZADD_NX;
    else if (argv.is(at, 'xx')) flags |= ZADD_XX;
    else if (argv.is(at, 'ch')) flags |= ZADD_CH;
    else if (argv.is(at, 'incr')) flags |= ZADD_INCR;
    else if (argv.is(at, 'gt')) flags |= ZADD_GT;
    else if (argv.is(at, 'lt')) flags |= ZADD_LT;
    else break;
  }
  const pairs = argv.count - at;
  if (pairs === 0 || pairs % 2 !== 0) syntaxError();
  const nx = (flags & ZADD_NX) !== 0;
  const xx = (flags & ZADD_XX) !== 0;
  const gt = (flags & ZADD_GT) !== 0;
  const lt = (flags & ZADD_LT) !== 0;
  const incr = (flags & ZADD_INCR) !== 0;
  if (nx && xx) throw new CommandError(Errors.zaddXxAndNx);
  if ((gt && nx) || (lt && nx) || (gt && lt)) throw new CommandError(Errors.zaddGtLtNx);
  const n = pairs / 2;
  if (incr && n > 1) throw new CommandError(Errors.zaddIncrPair);
  // Every score is parsed before anything changes: the command applies fully or not at all.
  if (scratchScores.length < n) scratchScores = new Float64Array(Math.max(n, scratchScores.length * 2));
  const scores = scratchScores;
  for (let j = 0; j < n; j++) scores[j] = scoreArg(ctx, at + j * 2);

  let id = lookupWrite(ctx, 1);
  let z: ZSetValue;
  let created = false;
  if (id === -1) {
    if (xx) {
      if (incr) ctx.reply.nil();
      else ctx.reply.int(0);
      return;
    }
    z = new ZSetValue(ctx.store.account);
    id = ctx.store.create(ctx.dbIndex, argv.buf, argv.starts[1], argv.ends[1], ValueType.ZSet, 0, ctx.now);
    ctx.db.setObject(id, ValueType.ZSet, z);
    created = true;
  } else {
    if (ctx.db.type(id) !== ValueType.ZSet) throw new CommandError(Errors.wrongType);
    z = ctx.db.object<ZSetValue>(id);
  }

  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  let nan = false;
  for (let j = 0; j < n; j++) {
    score = scores[j];
    const member = argv.str(at + 1 + j * 2);
    const cur = z.score(member);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        score += cur;
        if (Number.isNaN(score)) {
          nan = true;
          break;
        }
      }
      if ((lt && score >= cur) || (gt && score <= cur)) continue;
      if (score !== cur) {
        z.update(member, cur, score);
        updated++;
      }
      processed++;
    } else if (!xx) {
      insertMember(ctx, z, member, score);
      added++;
      processed++;
    }
  }
  if (added > 0 || updated > 0) {
    written(ctx, 1, 'z', incr ? 'zincr' : 'zadd');
    if (created) ctx.store.ready(ctx.dbIndex, argv.str(1));
  }
  if (nan) throw new CommandError(Errors.zsetNan);
  if (incr) {
    if (processed > 0) ctx.reply.double(score);
    else ctx.reply.nil();
  } else {
    ctx.reply.int(flags & ZADD_CH ? added + updated : added);
  }
}

// ---- removal ------------------------------------------------------------------------------------

/** ZREM key member [member ...] */
function zrem(ctx: Ctx): void {
  const id = lookupWrite(ctx, 1);
  if (id === -1) return ctx.reply.int(0);
  if (ctx.db.type(id) !== ValueType.ZSet) throw new CommandError(Errors.wrongType);
  const z = ctx.db.object<ZSetValue>(id);
  let deleted = 0;
  let emptied = false;
  for (let i = 2; i < ctx.argv.count; i++) {
    if (z.remove(ctx.argv.str(i))) deleted++;
    if (z.size === 0) {
      emptied = true;
      break;
    }
  }
  if (deleted > 0) {
    if (emptied) ctx.store.delete(ctx.dbIndex, id);
    written(ctx, 1, 'z', 'zrem');
    if (emptied) ctx.store.notify('g', 'del', ctx.argv.str(1), ctx.dbIndex);
  }
  ctx.reply.int(deleted);
}

type RangeKind = 'rank' | 'score' | 'lex';

/** ZREMRANGEBYRANK key start stop, ZREMRANGEBYSCORE key min max, ZREMRANGEBYLEX key min max */
function zremrangeGeneric(ctx: Ctx, kind: RangeKind): void {
  let start = 0;
  let end = 0;
  let range: ScoreRange | null = null;
  let lex: LexRange | null = null;
  if (kind === 'rank') {
    start = intArg(ctx, 2);
    end = intArg(ctx, 3);
  } else if (kind === 'score') {
    range = scoreRangeArgs(ctx, 2, 3);
  } else {
    lex = lexRangeArgs(ctx, 2, 3);
  }
  const id = lookupWrite(ctx, 1);
  if (id === -1) return ctx.reply.int(0);
  if (ctx.db.type(id) !== ValueType.ZSet) throw new CommandError(Errors.wrongType);
  const z = ctx.db.object<ZSetValue>(id);
  let deleted: number;
  if (kind === 'rank') {
    const len = z.size;
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    if (start > end || start >= len) return ctx.reply.int(0);
    if (end >= len) end = len - 1;
    deleted = z.removeRangeByRank(start, end);
  } else if (kind === 'score') {
    deleted = z.removeRangeByScore(range!);
  } else {
    deleted = z.removeRangeByLex(lex!);
  }
  if (deleted > 0) {
    const emptied = z.size === 0;
    if (emptied) ctx.store.delete(ctx.dbIndex, id);
    written(ctx, 1, 'z', `zremrangeby${kind}`);
    if (emptied) ctx.store.notify('g', 'del', ctx.argv.str(1), ctx.dbIndex);
  }
  ctx.reply.int(deleted);
}

// ---- reads ---------------------------------------------------------------------------------------

function zcard(ctx: Ctx): void {
  const z = readZset(ctx, 1);
  ctx.reply.int(z ? z.size : 0);
}

function zscore(ctx: Ctx): void {
  const z = readZset(ctx, 1);
  const s = z?.score(ctx.argv.str(2));
  if (s === undefined) ctx.reply.nil();
  else ctx.reply.double(s);
}

function zmscore(ctx: Ctx): void {
  const z = readZset(ctx, 1);
  const r = ctx.reply;
  r.array(ctx.argv.count - 2);
  for (let i = 2; i < ctx.argv.count; i++) {
    const s = z?.score(ctx.argv.str(i));
    if (s === undefined) r.nil();
    else r.double(s);
  }
}

/** ZRANK / ZREVRANK key member [WITHSCORE] */
function zrankGeneric(ctx: Ctx, reverse: boolean): void {
  const { argv } = ctx;
  if (argv.count > 4) throw new CommandError(Errors.wrongArity(ctx.spec.name));
  let withscore = false;
  if (argv.count === 4) {
    if (!argv.is(3, 'withscore')) syntaxError();
    withscore = true;
  }
  const z = readZset(ctx, 1);
  const member = argv.str(2);
  const rank = z ? z.rank(member, reverse) : -1;
  if (rank < 0) {
    if (withscore) ctx.reply.nilArray();
    else ctx.reply.nil();
    return;
  }
  if (withscore) {
    ctx.reply.array(2);
    ctx.reply.int(rank);
    ctx.reply.double(z!.score(member)!);
  } else {
    ctx.reply.int(rank);
  }
}

function zcount(ctx: Ctx): void {
  const range = scoreRangeArgs(ctx, 2, 3);
  const z = readZset(ctx, 1);
  ctx.reply.int(z ? z.countInRange(range) : 0);
}

function zlexcount(ctx: Ctx): void {
  const range = lexRangeArgs(ctx, 2, 3);
  const z = readZset(ctx, 1);
  ctx.reply.int(z ? z.countInLexRange(range) : 0);
}

// ---- ZRANGE and its older forms ---------------------------------------------------------------

/** The nodes of ranks start..end (0-based, Redis index rules), in reply order. */
function rankRange(z: ZSetValue, startIn: number, endIn: number, reverse: boolean): SkipNode[] {
  const len = z.size;
  let start = startIn;
  let end = endIn;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return [];
  if (end >= len) end = len - 1;
  const out: SkipNode[] = [];
  let n = reverse ? z.zsl.byRank(len - start) : z.zsl.byRank(start + 1);
  for (let k = end - start + 1; k > 0 && n !== null; k--) {
    out.push(n);
    n = reverse ? n.backward : n.next[0];
  }
  return out;
}

/**
 * The start node of a score or lex range after skipping `offset` nodes, found by
 * rank (O(log n)) rather than by walking. A negative offset gives nothing, as in
 * Redis (its skip loop walks off the end).
 */
function skipOffset(z: ZSetValue, n: SkipNode | null, offset: number, reverse: boolean): SkipNode | null {
  if (n === null || offset === 0) return n;
  if (offset < 0) return null;
  const r = z.zsl.rank(n.score, n.member) + (reverse ? -offset : offset);
  return r >= 1 && r <= z.size ? z.zsl.byRank(r) : null;
}

function scoreRangeNodes(z: ZSetValue, range: ScoreRange, reverse: boolean, offset: number, limit: number): SkipNode[] {
  const out: SkipNode[] = [];
  let n = skipOffset(z, reverse ? z.zsl.lastInRange(range) : z.zsl.firstInRange(range), offset, reverse);
  // A negative limit means no limit.
  for (let left = limit; n !== null && left !== 0; left--) {
    if (reverse ? !scoreGteMin(n.score, range) : !scoreLteMax(n.score, range)) break;
    out.push(n);
    n = reverse ? n.backward : n.next[0];
  }
  return out;
}

function lexRangeNodes(z: ZSetValue, range: LexRange, reverse: boolean, offset: number, limit: number): SkipNode[] {
  const out: SkipNode[] = [];
  let n = skipOffset(z, reverse ? z.lastInLexRange(range) : z.firstInLexRange(range), offset, reverse);
  for (let left = limit; n !== null && left !== 0; left--) {
    if (reverse ? !lexGteMin(n.member, range) : !lexLteMax(n.member, range)) break;
    out.push(n);
    n = reverse ? n.backward : n.next[0];
  }
  return out;
}

/**
 * ZRANGE, ZRANGESTORE and the older Z[REV]RANGE[BYSCORE|BYLEX] (zrangeGenericCommand).
 * `srcArg` is the source key's position; `store` says whether argv[1] is a destination.
 * `kindIn`/`reverseIn` are fixed by the older commands, open (null) for ZRANGE.
 */
function zrangeGeneric(ctx: Ctx, srcArg: number, store: boolean, kindIn: RangeKind | null, reverseIn: boolean | null): void {
  const { argv } = ctx;
  let kind = kindIn;
  let reverse = reverseIn;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = srcArg + 3; j < argv.count; j++) {
    const left = argv.count - j - 1;
    if (!store && argv.is(j, 'withscores')) withscores = true;
    else if (argv.is(j, 'limit') && left >= 2) {
      offset = intArg(ctx, j + 1);
      limit = intArg(ctx, j + 2);
      j += 2;
    } else if (reverse === null && argv.is(j, 'rev')) reverse = true;
    else if (kind === null && argv.is(j, 'bylex')) kind = 'lex';
    else if (kind === null && argv.is(j, 'byscore')) kind = 'score';
    else syntaxError();
  }
  if (reverse === null) reverse = false;
  if (kind === null) kind = 'rank';
  // Redis tests the limit's value, so "LIMIT 0 -1" passes with a rank range.
  if (limit !== -1 && kind === 'rank') throw new CommandError(Errors.zrangeLimitNeedsBy);
  if (withscores && kind === 'lex') throw new CommandError(Errors.zrangeWithscoresByLex);

  // By score or lex, a reversed range is written max first.
  let minArg = srcArg + 1;
  let maxArg = srcArg + 2;
  if (reverse && kind !== 'rank') [minArg, maxArg] = [maxArg, minArg];
  let start = 0;
  let end = 0;
  let range: ScoreRange | null = null;
  let lex: LexRange | null = null;
  if (kind === 'rank') {
    start = intArg(ctx, minArg);
    end = intArg(ctx, maxArg);
  } else if (kind === 'score') {
    range = scoreRangeArgs(ctx, minArg, maxArg);
  } else {
    lex = lexRangeArgs(ctx, minArg, maxArg);
  }

  const z = readZset(ctx, srcArg);
  let nodes: SkipNode[];
  if (!z) nodes = [];
  else if (kind === 'rank') nodes = rankRange(z, start, end, reverse);
  else if (kind === 'score') nodes = scoreRangeNodes(z, range!, reverse, offset, limit);
  else nodes = lexRangeNodes(z, lex!, reverse, offset, limit);

  if (store) {
    // Redis sizes the result up front when it knows the count (by rank).
    const dst = new ZSetValue(ctx.store.account);
    if (kind === 'rank' && nodes.length > encodingLimits(ctx.node).zsetMaxListpackEntries) dst.big = true;
    for (const n of nodes) insertMember(ctx, dst, n.member, n.score);
    storeResult(ctx, 1, dst, 'zrangestore');
    return;
  }
  replyNodes(ctx.reply, nodes, withscores);
}

// ---- pops ------------------------------------------------------------------------------------------

/** How a pop replies: the key first (blocking and ZMPOP), pairs nested, null when nothing. */
interface PopShape {
  emitKey: boolean;
  nested: boolean;
  nilWhenEmpty: boolean;
}

/**
 * Pops from the first non-empty set among the key arguments (genericZpopCommand).
 * `count` -1 is the single-element form. WRONGTYPE stops at the first bad key.
 */
function popGeneric(ctx: Ctx, keyArgs: number[], max: boolean, count: number, shape: PopShape): void {
  const r = ctx.reply;
  let id = -1;
  let keyArg = -1;
  for (const k of keyArgs) {
    id = lookupWrite(ctx, k);
    if (id === -1) continue;
    if (ctx.db.type(id) !== ValueType.ZSet) throw new CommandError(Errors.wrongType);
    keyArg = k;
    break;
  }
  if (keyArg === -1) {
    if (shape.nilWhenEmpty) r.nilArray();
    else r.array(0);
    return;
  }
  popFrom(ctx, id, keyArg, max, count, shape);
}

function popFrom(ctx: Ctx, id: number, keyArg: number, max: boolean, countIn: number, shape: PopShape): void {
  const r = ctx.reply;
  if (countIn === 0) {
    r.array(0);
    return;
  }
  const z = ctx.db.object<ZSetValue>(id);
  const count = countIn === -1 ? 1 : countIn;
  const n = Math.min(count, z.size);
  if (!shape.nested && !shape.emitKey) r.array(n * 2);
  else if (shape.nested && !shape.emitKey) r.array(n);
  else if (!shape.nested) {
    r.array(n * 2 + 1);
    r.bulk(ctx.argv.str(keyArg));
  } else {
    r.array(2);
    r.bulk(ctx.argv.str(keyArg));
    r.array(n);
  }
  for (let k = 0; k < n; k++) {
    const node = z.pop(max)!;
    if (shape.nested) r.array(2);
    r.bulk(node.member);
    r.double(node.score);
  }
  const emptied = z.size === 0;
  if (emptied) ctx.store.delete(ctx.dbIndex, id);
  written(ctx, keyArg, 'z', max ? 'zpopmax' : 'zpopmin');
  if (emptied) ctx.store.notify('g', 'del', ctx.argv.str(keyArg), ctx.dbIndex);
  if (shape.emitKey) {
    const name = max ? 'ZPOPMAX' : 'ZPOPMIN';
    const key = ctx.argv.copy(keyArg);
    ctx.propagateAs = [Argv.of(shape.nested ? [name, key, String(n)] : [name, key])];
  }
}

/** ZPOPMIN / ZPOPMAX key [count] */
function zpopMinMax(ctx: Ctx, max: boolean): void {
  const { argv } = ctx;
  if (argv.count > 3) syntaxError();
  let count = -1;
  if (argv.count === 3) {
    const v = argv.int(2);
    if (v === null || v < 0) throw new CommandError(Errors.countPositive);
    count = typeof v === 'bigint' ? Number.MAX_SAFE_INTEGER : v;
  }
  // RESP3 nests the pairs when a count was given; the single form stays flat.
  popGeneric(ctx, [1], max, count, { emitKey: false, nested: ctx.reply.resp === 3 && count !== -1, nilWhenEmpty: false });
}

/**
 * The blocking pops (BZPOPMIN/BZPOPMAX, BZMPOP): pop from the first non-empty key,
 * else wait. A client retried after a wake-up skips keys of another type instead of
 * failing: Redis only wakes a zset waiter for a zset.
 */
function blockingPop(ctx: Ctx, keyArgs: number[], timeoutMs: number, max: boolean, count: number, shape: PopShape): void {
  const retry = ctx.client.blocked !== null;
  for (const k of keyArgs) {
    const id = lookupWrite(ctx, k);
    if (id === -1) continue;
    if (ctx.db.type(id) !== ValueType.ZSet) {
      if (retry) continue;
      throw new CommandError(Errors.wrongType);
    }
    popFrom(ctx, id, k, max, count, shape);
    return;
  }
  if (ctx.nested) {
    ctx.reply.nilArray();
    return;
  }
  const keys = keyArgs.map((k) => ctx.argv.str(k));
  ctx.node.block(ctx, keys, timeoutMs, (client) => client.writer.nilArray());
}

/** BZPOPMIN / BZPOPMAX key [key ...] timeout */
function bzpopMinMax(ctx: Ctx, max: boolean): void {
  const last = ctx.argv.count - 1;
  const timeout = timeoutArg(ctx, last);
  const keys: number[] = [];
  for (let i = 1; i < last; i++) keys.push(i);
  blockingPop(ctx, keys, timeout, max, -1, { emitKey: true, nested: false, nilWhenEmpty: false });
}

/** Parses numkeys key... MIN|MAX [COUNT count] (zmpopGenericCommand). */
function mpopArgs(ctx: Ctx, numkeysArg: number): { keys: number[]; max: boolean; count: number } {
  const { argv } = ctx;
  const nk = argv.int(numkeysArg);
  if (nk === null || nk < 1) throw new CommandError(Errors.numkeysPositive);
  const whereArg = numkeysArg + Number(nk) + 1;
  if (whereArg >= argv.count) syntaxError();
  let max: boolean;
  if (argv.is(whereArg, 'min')) max = false;
  else if (argv.is(whereArg, 'max')) max = true;
  else syntaxError();
  let count = -1;
  for (let j = whereArg + 1; j < argv.count; j++) {
    if (count === -1 && argv.is(j, 'count') && j + 1 < argv.count) {
      j++;
      const v = argv.int(j);
      if (v === null || v < 1) throw new CommandError(Errors.countGreaterThanZero);
      count = typeof v === 'bigint' ? Number.MAX_SAFE_INTEGER : v;
    } else {
      syntaxError();
    }
  }
  const keys: number[] = [];
  for (let i = numkeysArg + 1; i < whereArg; i++) keys.push(i);
  return { keys, max, count: count === -1 ? 1 : count };
}

/** ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
function zmpop(ctx: Ctx): void {
  const { keys, max, count } = mpopArgs(ctx, 1);
  popGeneric(ctx, keys, max, count, { emitKey: true, nested: true, nilWhenEmpty: true });
}

/** BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
function bzmpop(ctx: Ctx): void {
  const { keys, max, count } = mpopArgs(ctx, 2);
  const timeout = timeoutArg(ctx, 1);
  blockingPop(ctx, keys, timeout, max, count, { emitKey: true, nested: true, nilWhenEmpty: true });
}

// ---- ZRANDMEMBER -------------------------------------------------------------------------------

const LONG_MAX_HALF = 4611686018427387903;
/**
 * Cove's cap on repeated picks (negative counts): Redis would stream any count until
 * the client's output buffer limit stops it; a reply this large would exhaust the
 * node's memory instead, so larger counts get Redis's range error.
 */
const MAX_RANDOM_PICKS = 1 << 24;

/** ZRANDMEMBER key [count [WITHSCORES]] */
function zrandmember(ctx: Ctx): void {
  const { argv } = ctx;
  const r = ctx.reply;
  if (argv.count >= 3) {
    const v = argv.int(2);
    if (v === null) throw new CommandError(Errors.notInteger);
    if (typeof v === 'bigint' && v < -9223372036854775807n) throw new CommandError(Errors.longRange);
    if (argv.count > 4 || (argv.count === 4 && !argv.is(3, 'withscores'))) syntaxError();
    const withscores = argv.count === 4;
    if (withscores && (v < -LONG_MAX_HALF || v > LONG_MAX_HALF)) throw new CommandError(Errors.valueOutOfRange);
    randWithCount(ctx, typeof v === 'bigint' ? (v > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER) : v, withscores);
    return;
  }
  const z = readZset(ctx, 1);
  if (!z) return r.nil();
  r.bulk(z.at((Math.random() * z.size) | 0)!.member);
}

function randWithCount(ctx: Ctx, l: number, withscores: boolean): void {
  const r = ctx.reply;
  const z = readZset(ctx, 1);
  if (!z) return r.array(0);
  const size = z.size;
  const unique = l >= 0;
  const count = Math.abs(l);
  if (count === 0) return r.array(0);

  // Repetition allowed (negative count), or a single pick: independent random picks.
  if (!unique || count === 1) {
    if (count > MAX_RANDOM_PICKS) throw new CommandError(Errors.valueOutOfRange);
    beginElements(r, count, withscores);
    for (let k = 0; k < count; k++) {
      const n = z.at((Math.random() * size) | 0)!;
      element(r, n.member, n.score, withscores);
    }
    return;
  }
  // Asking for at least the whole set: all of it, highest first (Redis walks sets
  // from the tail when it iterates them for set operations).
  if (count >= size) {
    beginElements(r, size, withscores);
    for (let n = z.zsl.last; n !== null; n = n.backward) element(r, n.member, n.score, withscores);
    return;
  }

  // Distinct picks: ranks drawn without replacement (a partial Fisher-Yates when
  // most of the set is wanted, rejection sampling when few are).
  const ranks: number[] = [];
  if (count * 3 > size) {
    const all = new Array<number>(size);
    for (let k = 0; k < size; k++) all[k] = k;
    for (let k = 0; k < count; k++) {
      const j = k + ((Math.random() * (size - k)) | 0);
      const t = all[k];
      all[k] = all[j];
      all[j] = t;
      ranks.push(all[k]);
    }
  } else {
    const seen = new Set<number>();
    while (ranks.length < count) {
      const k = (Math.random() * size) | 0;
      if (seen.has(k)) continue;
      seen.add(k);
      ranks.push(k);
    }
  }
  beginElements(r, count, withscores);
  for (const k of ranks) {
    const n = z.at(k)!;
    element(r, n.member, n.score, withscores);
  }
}

// ---- ZUNION / ZINTER / ZDIFF (and STORE, ZINTERCARD) --------------------------------------------

const enum SetOp {
  Union,
  Inter,
  Diff,
}

/** One input: a sorted set, a plain set (members score 1) or a missing key (empty). */
interface Source {
  z: ZSetValue | null;
  s: SetValue | null;
  weight: number;
}

function sourceSize(src: Source): number {
  return src.z ? src.z.size : src.s ? src.s.size : 0;
}

function forEachElement(src: Source, fn: (member: string, score: number) => void): void {
  if (src.z) for (let n = src.z.zsl.first; n !== null; n = n.next[0]) fn(n.member, n.score);
  else if (src.s) src.s.forEach((m) => fn(m, 1));
}

function findScore(src: Source, member: string): number | undefined {
  if (src.z) return src.z.score(member);
  if (src.s) return src.s.has(member) ? 1 : undefined;
  return undefined;
}

function sameObject(a: Source, b: Source): boolean {
  const x = a.z ?? a.s;
  return x !== null && x === (b.z ?? b.s);
}

const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

function aggregate(target: number, val: number, how: number): number {
  if (how === AGG_SUM) {
    const sum = target + val;
    // +inf plus -inf is NaN; Redis keeps the convention that it is 0.
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === AGG_MIN) return val < target ? val : target;
  return val > target ? val : target;
}

/**
 * The implementation behind ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD
 * (zunionInterDiffGenericCommand). `dstArg` is the destination's position or -1.
 */
function setOpGeneric(ctx: Ctx, dstArg: number, numkeysArg: number, op: SetOp, cardOnly: boolean): void {
  const { argv } = ctx;
  const setnum = intArg(ctx, numkeysArg);
  if (setnum < 1) throw new CommandError(Errors.numkeysZero(ctx.spec.name));
  if (setnum > argv.count - (numkeysArg + 1)) syntaxError();

  const sources: Source[] = [];
  let j = numkeysArg + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const id = lookupRead(ctx, j);
    const src: Source = { z: null, s: null, weight: 1 };
    if (id !== -1) {
      const t = ctx.db.type(id);
      if (t === ValueType.ZSet) src.z = ctx.db.object<ZSetValue>(id);
      else if (t === ValueType.Set) src.s = ctx.db.object<SetValue>(id);
      else throw new CommandError(Errors.wrongType);
    }
    sources.push(src);
  }

  let how = AGG_SUM;
  let withscores = false;
  let limit = 0;
  while (j < argv.count) {
    const remaining = argv.count - j;
    if (op !== SetOp.Diff && !cardOnly && remaining >= setnum + 1 && argv.is(j, 'weights')) {
      j++;
      for (let i = 0; i < setnum; i++, j++) sources[i].weight = scoreArg(ctx, j, Errors.weightNotFloat);
    } else if (op !== SetOp.Diff && !cardOnly && remaining >= 2 && argv.is(j, 'aggregate')) {
      j++;
      if (argv.is(j, 'sum')) how = AGG_SUM;
      else if (argv.is(j, 'min')) how = AGG_MIN;
      else if (argv.is(j, 'max')) how = AGG_MAX;
      else syntaxError();
      j++;
    } else if (remaining >= 1 && dstArg === -1 && !cardOnly && argv.is(j, 'withscores')) {
      j++;
      withscores = true;
    } else if (cardOnly && remaining >= 2 && argv.is(j, 'limit')) {
      const v = argv.int(j + 1);
      if (v === null || v < 0) throw new CommandError(Errors.limitNegative);
      limit = typeof v === 'bigint' ? Number.MAX_SAFE_INTEGER : v;
      j += 2;
    } else {
      syntaxError();
    }
  }

  // Smallest first: intersections then probe the fewest members.
  if (op !== SetOp.Diff) sources.sort((a, b) => sourceSize(a) - sourceSize(b));

  // The result is built as a skiplist (so it keeps -0 scores); a result that is only
  // replied never becomes a key and charges a throwaway account.
  const dst = new ZSetValue(dstArg === -1 ? new MemoryAccount() : ctx.store.account);
  dst.big = true;
  const add = (member: string, score: number): void => {
    dst.insert(member, score, Infinity, Infinity);
  };
  let cardinality = 0;
  if (op === SetOp.Inter) {
    const first = sources[0];
    if (sourceSize(first) > 0) {
      let done = false;
      forEachElement(first, (member, s0) => {
        if (done) return;
        let score = first.weight * s0;
        if (Number.isNaN(score)) score = 0;
        for (let k = 1; k < sources.length; k++) {
          const src = sources[k];
          const found = sameObject(src, first) ? s0 : findScore(src, member);
          if (found === undefined) return;
          score = aggregate(score, found * src.weight, how);
        }
        if (cardOnly) {
          cardinality++;
          if (limit > 0 && cardinality >= limit) done = true;
        } else {
          add(member, score);
        }
      });
    }
  } else if (op === SetOp.Union) {
    const acc = new Map<string, number>();
    for (const src of sources) {
      forEachElement(src, (member, s) => {
        let score = src.weight * s;
        if (Number.isNaN(score)) score = 0;
        const prev = acc.get(member);
        acc.set(member, prev === undefined ? score : aggregate(prev, score, how));
      });
    }
    for (const [member, score] of acc) add(member, score);
  } else {
    const first = sources[0];
    const emptiedBySelf = sources.some((s, k) => k > 0 && sameObject(s, first));
    if (!emptiedBySelf) {
      forEachElement(first, (member, s0) => {
        for (let k = 1; k < sources.length; k++) if (findScore(sources[k], member) !== undefined) return;
        add(member, s0);
      });
    }
  }

  if (dstArg !== -1) {
    const event = op === SetOp.Union ? 'zunionstore' : op === SetOp.Inter ? 'zinterstore' : 'zdiffstore';
    const l = encodingLimits(ctx.node);
    dst.toListpackIfFits(l.zsetMaxListpackEntries, l.zsetMaxListpackValue);
    storeResult(ctx, dstArg, dst, event);
  } else if (cardOnly) {
    ctx.reply.int(cardinality);
  } else {
    replySet(ctx.reply, dst, withscores);
  }
}

// ---- ZSCAN ---------------------------------------------------------------------------------------

/** ZSCAN key cursor [MATCH pattern] [COUNT count] */
function zscan(ctx: Ctx): void {
  const cursor = scanCursorArg(ctx, 2);
  const z = readZset(ctx, 1);
  if (!z) return replyEmptyScan(ctx.reply);
  const opts = scanOptions(ctx, 3);
  const out: string[] = [];
  // A listpack-encoded set is answered whole, with the scores as the listpack
  // stores them; a skiplist one resumes from the cursor.
  if (!z.big) {
    for (let n = z.zsl.first; n !== null; n = n.next[0]) {
      if (scanMatches(opts, n.member)) out.push(n.member, d2string(n.score));
    }
    return replyScan(ctx.reply, 0, out);
  }
  const next = z.scan(cursor, opts.count, (n) => {
    if (scanMatches(opts, n.member)) out.push(n.member, formatDouble(n.score));
  });
  replyScan(ctx.reply, next, out);
}

// ---- the table -----------------------------------------------------------------------------------

/** Keys of numkeys-style commands: `numkeysArg` holds the count, keys follow it. */
function numkeysKeys(numkeysArg: number, before: number[] = []): KeySpec['find'] {
  return (argv: Argv) => {
    const v = argv.int(numkeysArg);
    const n = typeof v === 'number' && v > 0 ? Math.min(v, argv.count - numkeysArg - 1) : 0;
    const out = [...before];
    for (let i = 0; i < n; i++) out.push(numkeysArg + 1 + i);
    return out;
  };
}

const z = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: KeySpec,
  summary: string,
  since: string,
  handler: CommandSpec['handler'],
  syntax: string,
): CommandSpec => ({ name, arity, flags, keys, categories: ['sortedset'], group: 'sorted-set', summary, since, handler, syntax });

const BZPOP_KEYS: KeySpec = { first: 1, last: -2, step: 1 };

export const zsetCommands: CommandSpec[] = [
  z('zadd', -4, ['write', 'denyoom', 'fast'], ONE_KEY, 'Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn\'t exist.', '1.2.0', (ctx) => zaddGeneric(ctx, 0), 'key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]'),
  z('zincrby', 4, ['write', 'denyoom', 'fast'], ONE_KEY, 'Increments the score of a member in a sorted set.', '1.2.0', (ctx) => zaddGeneric(ctx, ZADD_INCR), 'key increment member'),
  z('zrem', -3, ['write', 'fast'], ONE_KEY, 'Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.', '1.2.0', zrem, 'key member [member ...]'),
  z('zcard', 2, ['readonly', 'fast'], ONE_KEY, 'Returns the number of members in a sorted set.', '1.2.0', zcard, 'key'),
  z('zscore', 3, ['readonly', 'fast'], ONE_KEY, 'Returns the score of a member in a sorted set.', '1.2.0', zscore, 'key member'),
  z('zmscore', -3, ['readonly', 'fast'], ONE_KEY, 'Returns the score of one or more members in a sorted set.', '6.2.0', zmscore, 'key member [member ...]'),
  z('zrank', -3, ['readonly', 'fast'], ONE_KEY, 'Returns the index of a member in a sorted set ordered by ascending scores.', '2.0.0', (ctx) => zrankGeneric(ctx, false), 'key member [WITHSCORE]'),
  z('zrevrank', -3, ['readonly', 'fast'], ONE_KEY, 'Returns the index of a member in a sorted set ordered by descending scores.', '2.0.0', (ctx) => zrankGeneric(ctx, true), 'key member [WITHSCORE]'),
  z('zcount', 4, ['readonly', 'fast'], ONE_KEY, 'Returns the count of members in a sorted set that have scores within a range.', '2.0.0', zcount, 'key min max'),
  z('zlexcount', 4, ['readonly', 'fast'], ONE_KEY, 'Returns the number of members in a sorted set within a lexicographical range.', '2.8.9', zlexcount, 'key min max'),
  z('zrange', -4, ['readonly'], ONE_KEY, 'Returns members in a sorted set within a range of indexes.', '1.2.0', (ctx) => zrangeGeneric(ctx, 1, false, null, null), 'key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]'),
  z('zrangestore', -5, ['write', 'denyoom'], { first: 1, last: 2, step: 1 }, 'Stores a range of members from sorted set in a key.', '6.2.0', (ctx) => zrangeGeneric(ctx, 2, true, null, null), 'dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]'),
  z('zrevrange', -4, ['readonly'], ONE_KEY, 'Returns members in a sorted set within a range of indexes in reverse order.', '1.2.0', (ctx) => zrangeGeneric(ctx, 1, false, 'rank', true), 'key start stop [WITHSCORES]'),
  z('zrangebyscore', -4, ['readonly'], ONE_KEY, 'Returns members in a sorted set within a range of scores.', '1.0.5', (ctx) => zrangeGeneric(ctx, 1, false, 'score', false), 'key min max [WITHSCORES] [LIMIT offset count]'),
  z('zrevrangebyscore', -4, ['readonly'], ONE_KEY, 'Returns members in a sorted set within a range of scores in reverse order.', '2.2.0', (ctx) => zrangeGeneric(ctx, 1, false, 'score', true), 'key max min [WITHSCORES] [LIMIT offset count]'),
  z('zrangebylex', -4, ['readonly'], ONE_KEY, 'Returns members in a sorted set within a lexicographical range.', '2.8.9', (ctx) => zrangeGeneric(ctx, 1, false, 'lex', false), 'key min max [LIMIT offset count]'),
  z('zrevrangebylex', -4, ['readonly'], ONE_KEY, 'Returns members in a sorted set within a lexicographical range in reverse order.', '2.8.9', (ctx) => zrangeGeneric(ctx, 1, false, 'lex', true), 'key max min [LIMIT offset count]'),
  z('zremrangebyrank', 4, ['write'], ONE_KEY, 'Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.', '2.0.0', (ctx) => zremrangeGeneric(ctx, 'rank'), 'key start stop'),
  z('zremrangebyscore', 4, ['write'], ONE_KEY, 'Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.', '1.2.0', (ctx) => zremrangeGeneric(ctx, 'score'), 'key min max'),
  z('zremrangebylex', 4, ['write'], ONE_KEY, 'Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.', '2.8.9', (ctx) => zremrangeGeneric(ctx, 'lex'), 'key min max'),
  z('zpopmin', -2, ['write', 'fast'], ONE_KEY, 'Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.', '5.0.0', (ctx) => zpopMinMax(ctx, false), 'key [count]'),
  z('zpopmax', -2, ['write', 'fast'], ONE_KEY, 'Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.', '5.0.0', (ctx) => zpopMinMax(ctx, true), 'key [count]'),
  z('bzpopmin', -3, ['write', 'noscript', 'blocking', 'fast'], BZPOP_KEYS, 'Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.', '5.0.0', (ctx) => bzpopMinMax(ctx, false), 'key [key ...] timeout'),
  z('bzpopmax', -3, ['write', 'noscript', 'blocking', 'fast'], BZPOP_KEYS, 'Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.', '5.0.0', (ctx) => bzpopMinMax(ctx, true), 'key [key ...] timeout'),
  z('zmpop', -4, ['write'], { first: 0, last: 0, step: 0, find: numkeysKeys(1) }, 'Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.', '7.0.0', zmpop, 'numkeys key [key ...] MIN | MAX [COUNT count]'),
  z('bzmpop', -5, ['write', 'blocking'], { first: 0, last: 0, step: 0, find: numkeysKeys(2) }, 'Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.', '7.0.0', bzmpop, 'timeout numkeys key [key ...] MIN | MAX [COUNT count]'),
  z('zrandmember', -2, ['readonly'], ONE_KEY, 'Returns one or more random members from a sorted set.', '6.2.0', zrandmember, 'key [count [WITHSCORES]]'),
  z('zunion', -3, ['readonly'], { first: 0, last: 0, step: 0, find: numkeysKeys(1) }, 'Returns the union of multiple sorted sets.', '6.2.0', (ctx) => setOpGeneric(ctx, -1, 1, SetOp.Union, false), 'numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]'),
  z('zinter', -3, ['readonly'], { first: 0, last: 0, step: 0, find: numkeysKeys(1) }, 'Returns the intersect of multiple sorted sets.', '6.2.0', (ctx) => setOpGeneric(ctx, -1, 1, SetOp.Inter, false), 'numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]'),
  z('zdiff', -3, ['readonly'], { first: 0, last: 0, step: 0, find: numkeysKeys(1) }, 'Returns the difference between multiple sorted sets.', '6.2.0', (ctx) => setOpGeneric(ctx, -1, 1, SetOp.Diff, false), 'numkeys key [key ...] [WITHSCORES]'),
  z('zunionstore', -4, ['write', 'denyoom'], { first: 1, last: 1, step: 1, find: numkeysKeys(2, [1]) }, 'Stores the union of multiple sorted sets in a key.', '2.0.0', (ctx) => setOpGeneric(ctx, 1, 2, SetOp.Union, false), 'destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]'),
  z('zinterstore', -4, ['write', 'denyoom'], { first: 1, last: 1, step: 1, find: numkeysKeys(2, [1]) }, 'Stores the intersect of multiple sorted sets in a key.', '2.0.0', (ctx) => setOpGeneric(ctx, 1, 2, SetOp.Inter, false), 'destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]'),
  z('zdiffstore', -4, ['write', 'denyoom'], { first: 1, last: 1, step: 1, find: numkeysKeys(2, [1]) }, 'Stores the difference of multiple sorted sets in a key.', '6.2.0', (ctx) => setOpGeneric(ctx, 1, 2, SetOp.Diff, false), 'destination numkeys key [key ...]'),
  z('zintercard', -3, ['readonly'], { first: 0, last: 0, step: 0, find: numkeysKeys(1) }, 'Returns the number of members of the intersect of multiple sorted sets.', '7.0.0', (ctx) => setOpGeneric(ctx, -1, 1, SetOp.Inter, true), 'numkeys key [key ...] [LIMIT limit]'),
  z('zscan', -3, ['readonly'], ONE_KEY, 'Iterates over members and scores of a sorted set.', '2.8.0', zscan, 'key cursor [MATCH pattern] [COUNT count]'),
];
