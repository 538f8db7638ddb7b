// What HSCAN, SSCAN and ZSCAN share: the cursor argument, the MATCH/COUNT options
// and the reply shape, with redis-server 7.0's exact errors (db.c
// parseScanCursorOrReply / scanGenericCommand). The iteration itself belongs to each
// value type: a compact encoding is returned whole with cursor 0, a large one resumes
// from the cursor (see engine/types/member-table.ts for a cursor that survives writes).
//
// Order of checks, as in Redis: the cursor is parsed before the key is looked up; a
// missing key answers an empty scan without looking at the options; options are
// parsed after the type check.

import { CommandError, Errors } from '../protocol/resp/errors.js';
import type { Reply } from '../protocol/resp/writer.js';
import type { Ctx } from './types.js';
import { globMatch, intArg } from './helpers.js';

const INVALID_CURSOR = 'ERR invalid cursor';
const TWO_64 = 18446744073709551616n;

/**
 * The cursor at argument i, read as C's strtoul does (Redis accepts what strtoul
 * accepts: an optional sign, digits, a negative value wrapping around 2^64, an empty
 * string as 0) but with no leading space and nothing after the digits.
 * Cursors beyond 2^53 lose precision; they are past the end of any Cove collection.
 */
export function scanCursorArg(ctx: Ctx, i: number): number {
  let s = ctx.argv.str(i);
  const nul = s.indexOf('\0');
  if (nul !== -1) s = s.slice(0, nul); // Redis reads the argument as a C string
  if (s.length === 0) return 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) throw new CommandError(INVALID_CURSOR);
  const m = /^([+-]?)(\d+)$/.exec(s);
  if (!m) throw new CommandError(INVALID_CURSOR);
  let v = BigInt(m[2]);
  if (v >= TWO_64) throw new CommandError(INVALID_CURSOR);
  if (m[1] === '-' && v !== 0n) v = TWO_64 - v;
  return Number(v);
}

export interface ScanOptions {
  /** Elements to visit per call (hashes and zsets: pairs). */
  count: number;
  /** The MATCH pattern, or null when absent or "*". */
  pattern: string | null;
}

/** Parses [MATCH pattern] [COUNT count] from argument `from` on. */
export function scanOptions(ctx: Ctx, from: number): ScanOptions {
  const { argv } = ctx;
  let count = 10;
  let pattern: string | null = null;
  for (let i = from; i < argv.count; i += 2) {
    const more = i + 1 < argv.count;
    if (more && argv.is(i, 'count')) {
      count = intArg(ctx, i + 1);
      if (count < 1) throw new CommandError(Errors.syntax);
    } else if (more && argv.is(i, 'match')) {
      const p = argv.str(i + 1);
      pattern = p === '*' ? null : p;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  return { count, pattern };
}

/** True when an element passes the MATCH filter. */
export function scanMatches(opts: ScanOptions, element: string): boolean {
  return opts.pattern === null || globMatch(opts.pattern, element);
}

/** The reply of a SCAN-family command: [cursor, [elements...]]. */
export function replyScan(reply: Reply, cursor: number, elements: string[]): void {
  reply.array(2);
  reply.bulk(String(cursor));
  reply.array(elements.length);
  for (const e of elements) reply.bulk(e);
}

/** The reply for a missing key: cursor 0 and no elements. */
export function replyEmptyScan(reply: Reply): void {
  reply.array(2);
  reply.bulk('0');
  reply.array(0);
}
