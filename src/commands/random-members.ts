// What HRANDFIELD, SRANDMEMBER (and ZRANDMEMBER) share: the count argument with
// redis-server 7.0's range errors, and the choice of distinct random positions.
//
// A negative count asks for that many independent picks, so the reply grows with
// the count and not with the collection. Redis streams such replies until the client
// goes away; a Node process would build the whole reply in memory first, so counts
// beyond REPEATED_MAX are refused with Redis's range error rather than taking the
// node down (a deliberate difference, reachable only with absurd counts).

import { CommandError, Errors } from '../protocol/resp/errors.js';
import type { Ctx } from './types.js';

/** Most picks a negative count may ask for (16M; a reply of several hundred MB). */
export const REPEATED_MAX = 1 << 24;

const OUT_OF_RANGE = 'ERR value is out of range';

/**
 * The count at argument i, as getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX):
 * a number, or a bigint beyond 2^53.
 */
export function randomCountArg(ctx: Ctx, i: number): number | bigint {
  const v = ctx.argv.int(i);
  if (v === null) throw new CommandError(Errors.notInteger);
  if (v === -9223372036854775808n) {
    throw new CommandError('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
  }
  return v;
}

/** WITHVALUES/WITHSCORES double the reply, so Redis accepts only half the range. */
export function checkHalfRange(v: number | bigint): void {
  if (typeof v === 'bigint' && (v < -4611686018427387903n || v > 4611686018427387903n)) {
    throw new CommandError(OUT_OF_RANGE);
  }
}

/** The number of picks for a negative count (its absolute value), refusing absurd ones. */
export function repeatedCount(v: number | bigint): number {
  const n = typeof v === 'bigint' ? Infinity : Math.abs(v);
  if (n > REPEATED_MAX) throw new CommandError(OUT_OF_RANGE);
  return n;
}

/** A positive count as a number of distinct elements wanted (bigints are "everything"). */
export function distinctCount(v: number | bigint): number {
  return typeof v === 'bigint' ? Number.MAX_SAFE_INTEGER : v;
}

/**
 * `count` distinct live positions out of `size` (0 < count < size), drawn uniformly.
 * When many are wanted, all live positions are listed and random ones dropped
 * (returned in table order); otherwise random picks are repeated until enough
 * distinct ones are found (returned in the order drawn) — Redis's CASE 3 and 4.
 */
export function distinctPositions(
  end: number,
  size: number,
  count: number,
  live: (p: number) => boolean,
  random: () => number,
): number[] {
  if (count * 3 > size) {
    const all: number[] = [];
    for (let p = 0; p < end; p++) if (live(p)) all.push(p);
    let n = all.length;
    while (n > count) {
      const k = (Math.random() * n) | 0;
      all[k] = all[--n];
    }
    all.length = count;
    return all.sort((a, b) => a - b);
  }
  const picked = new Set<number>();
  while (picked.size < count) picked.add(random());
  return [...picked];
}
