// The set value type, with the two encodings redis-server 7.0 has.
//
// - intset: while every member is an integer in canonical form (what Redis's
//   string2ll accepts) and there are at most set-max-intset-entries of them, the
//   members are a sorted array, so SMEMBERS and SSCAN answer in ascending numeric
//   order as Redis does, and lookups are binary searches.
// - hashtable: otherwise, a MemberTable (insertion order, O(1) fair random picks,
//   SCAN cursors that survive writes). Redis never converts back, nor does Cove.
// Redis 7.2's listpack encoding for small sets of strings is not modelled: Cove
// follows 7.0, which the upstream test suite of this issue checks.
//
// Members are latin1 strings (one char per byte). Methods that may convert the
// encoding take the intset limit of the moment (the command layer reads CONFIG).

import { ChargedValue, Collection, ELEMENT_OVERHEAD, EncodingLimits, MemoryAccount } from '../memory.js';
import { MemberTable } from './member-table.js';

const BASE_OVERHEAD = 64;
// Bytes per member beyond its characters, measured with --expose-gc on 1M members:
// a string header, an array slot and, in a table, a Map entry and a sequence number.
const INTSET_MEMBER_OVERHEAD = 24;
const TABLE_MEMBER_OVERHEAD = ELEMENT_OVERHEAD + 12;
/** Redis caps intsets at 2^30 entries whatever the config says. */
const INTSET_HARD_MAX = 1 << 30;

export class SetValue extends ChargedValue implements Collection {
  /** Intset encoding: members sorted numerically; null once converted. */
  private ints: string[] | null;
  /** Hashtable encoding; null while an intset. */
  private table: MemberTable | null;

  /** An empty set; `intset` says whether it starts as an intset (Redis setTypeCreate). */
  constructor(account: MemoryAccount, intset = true) {
    super(account);
    this.ints = intset ? [] : null;
    this.table = intset ? null : new MemberTable(false);
    this.charge(BASE_OVERHEAD);
  }

  /** The set Redis creates to hold `first`: an intset when it is an integer. */
  static forMember(account: MemoryAccount, first: string): SetValue {
    return new SetValue(account, isCanonicalInteger(first));
  }

  get size(): number {
    return this.ints ? this.ints.length : this.table!.size;
  }

  get isIntset(): boolean {
    return this.ints !== null;
  }

  has(member: string): boolean {
    if (this.ints) return isCanonicalInteger(member) && searchInts(this.ints, member) >= 0;
    return this.table!.has(member);
  }

  /** Adds a member; false when already present. May convert an intset to a hashtable. */
  add(member: string, maxIntsetEntries: number): boolean {
    const ints = this.ints;
    if (ints) {
      if (!isCanonicalInteger(member)) {
        this.toTable();
      } else {
        const at = searchInts(ints, member);
        if (at >= 0) return false;
        ints.splice(-at - 1, 0, member);
        this.charge(member.length + INTSET_MEMBER_OVERHEAD);
        if (ints.length > Math.min(maxIntsetEntries, INTSET_HARD_MAX)) this.toTable();
        return true;
      }
    }
    const t = this.table!;
    if (t.has(member)) return false;
    t.insert(member);
    this.charge(member.length + TABLE_MEMBER_OVERHEAD);
    return true;
  }

  /** Removes a member; false when it was not there. */
  remove(member: string): boolean {
    const ints = this.ints;
    if (ints) {
      if (!isCanonicalInteger(member)) return false;
      const at = searchInts(ints, member);
      if (at < 0) return false;
      ints.splice(at, 1);
    } else if (!this.table!.remove(member)) {
      return false;
    }
    this.charge(-(member.length + this.memberOverhead()));
    return true;
  }

  private memberOverhead(): number {
    return this.ints ? INTSET_MEMBER_OVERHEAD : TABLE_MEMBER_OVERHEAD;
  }

  /** A uniformly random member (the set must not be empty). */
  random(): string {
    if (this.ints) return this.ints[(Math.random() * this.ints.length) | 0];
    const t = this.table!;
    return t.keyAt(t.randomPos())!;
  }

  /** Removes and returns a uniformly random member (the set must not be empty). */
  pop(): string {
    let member: string;
    if (this.ints) {
      const at = (Math.random() * this.ints.length) | 0;
      member = this.ints[at];
      this.ints.splice(at, 1);
    } else {
      const t = this.table!;
      const p = t.randomPos();
      member = t.keyAt(p)!;
      t.removeAt(p);
    }
    this.charge(-(member.length + this.memberOverhead()));
    return member;
  }

  /** Calls fn for every member: ascending for an intset, insertion order otherwise. fn must not modify the set. */
  forEach(fn: (member: string) => void): void {
    if (this.ints) {
      for (const m of this.ints) fn(m);
    } else {
      this.table!.forEach(fn);
    }
  }

  /** Like forEach, stopping at the first member for which fn returns true; returns whether one did. */
  some(fn: (member: string) => boolean): boolean {
    if (this.ints) {
      for (const m of this.ints) if (fn(m)) return true;
      return false;
    }
    return this.table!.some(fn);
  }

  /** All members, in forEach order. */
  members(): string[] {
    if (this.ints) return this.ints.slice();
    const out: string[] = [];
    this.table!.forEach((m) => out.push(m));
    return out;
  }

  /**
   * One SSCAN step. An intset is returned whole with cursor 0, as Redis does for
   * its compact encodings; a hashtable resumes from the cursor (see MemberTable).
   */
  scan(cursor: number, count: number, emit: (member: string) => void): number {
    if (this.ints) {
      for (const m of this.ints) emit(m);
      return 0;
    }
    const t = this.table!;
    return t.scan(cursor, count, (p) => emit(t.keyAt(p)!));
  }

  private toTable(): void {
    const t = new MemberTable(false);
    for (const m of this.ints!) t.insert(m);
    this.charge(t.size * (TABLE_MEMBER_OVERHEAD - INTSET_MEMBER_OVERHEAD));
    this.ints = null;
    this.table = t;
  }

  clone(account: MemoryAccount): SetValue {
    const s = new SetValue(account, this.ints !== null);
    if (this.ints) {
      s.ints = this.ints.slice();
    } else {
      s.table = this.table!.clone();
    }
    s.charge(this.memory - BASE_OVERHEAD);
    return s;
  }

  encoding(_limits?: EncodingLimits): string {
    return this.ints ? 'intset' : 'hashtable';
  }
}

/**
 * True when `s` is an integer as Redis's string2ll accepts it: optional '-', no
 * leading zeros (except "0"), no '+', no spaces, within signed 64 bits.
 */
export function isCanonicalInteger(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  const negative = s.charCodeAt(0) === 45;
  if (negative) {
    if (n === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1; // "0" only; "-0" and "01" are not canonical
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const digits = negative ? n - 1 : n;
  if (digits < 19) return true;
  if (digits > 19) return false;
  // 19 digits: compare with the int64 bounds as text (same length, so lexicographic works).
  return negative ? s.slice(1) <= '9223372036854775808' : s <= '9223372036854775807';
}

/** Numeric order of two canonical integers, without converting them. */
export function compareIntegers(a: string, b: string): number {
  const na = a.charCodeAt(0) === 45;
  const nb = b.charCodeAt(0) === 45;
  if (na !== nb) return na ? -1 : 1;
  let c: number;
  if (a.length !== b.length) c = a.length - b.length;
  else c = a < b ? -1 : a > b ? 1 : 0;
  return na && c !== 0 ? -c : c;
}

/** Binary search: the index of `m`, or -(insertion point) - 1. */
function searchInts(ints: string[], m: string): number {
  let lo = 0;
  let hi = ints.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareIntegers(ints[mid], m);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}
