// The list value type: elements (latin1 strings) in a growable circular buffer.
//
// A ring of power-of-two capacity gives O(1) push and pop at both ends and O(1)
// access by index (LINDEX, LSET, LRANGE's start); LINSERT and single removals move
// the shorter side only; LREM compacts in one pass; LTRIM drops from the ends.
// The ring shrinks when it is mostly empty, so a list that was once long gives its
// slots back.
//
// Encoding (OBJECT ENCODING) follows Valkey 7.2 / Redis 7.2, which keep a small list
// as one listpack and switch to a quicklist when a write would take it past
// list-max-listpack-size (negative: 4/8/16/32/64 KB of listpack bytes; positive: an
// entry count, with an 8 KB safety cap); they switch back only when the list has
// shrunk below half of that limit, so a list at the edge does not flip on every
// write. We keep an estimate of the listpack's byte size (entry headers, integer
// encodings, back-lengths) to decide the same way. Redis 7.0 itself reports
// "quicklist" for every list. Redis converts back only when the quicklist has a
// single node; without modelling nodes we use "the whole list would fit one node".

import { ChargedValue, Collection, ELEMENT_OVERHEAD, EncodingLimits, MemoryAccount } from '../memory.js';

/** What a list object costs beyond its elements (object, ring array header). */
const BASE_OVERHEAD = 80;
/** Bytes per ring slot (a pointer), charged for the ring's capacity. */
const SLOT_BYTES = 8;
const MIN_CAPACITY = 8;

/** An empty listpack: 4-byte total size, 2-byte count, end byte. */
const LP_EMPTY_BYTES = 7;
/** Listpack limits for negative list-max-listpack-size values -1..-5. */
const LP_SIZE_LEVELS = [4096, 8192, 16384, 32768, 65536];
/** A node is never filled past this many bytes when the limit is a count. */
const LP_SIZE_SAFETY_LIMIT = 8192;

export class ListValue extends ChargedValue implements Collection {
  private ring: (string | undefined)[];
  private mask: number;
  private head = 0;
  private len = 0;
  /** Estimated size of the listpack Redis would hold these elements in. */
  private lpBytes = LP_EMPTY_BYTES;
  /** True once Redis would have converted this list to a quicklist. */
  quicklist = false;

  constructor(account: MemoryAccount, capacity = MIN_CAPACITY) {
    super(account);
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.ring = new Array(cap);
    this.mask = cap - 1;
    this.charge(BASE_OVERHEAD + cap * SLOT_BYTES);
  }

  get size(): number {
    return this.len;
  }

  // ---- ends -------------------------------------------------------------------

  pushHead(s: string): void {
    if (this.len === this.ring.length) this.resize(this.ring.length * 2);
    this.head = (this.head - 1) & this.mask;
    this.ring[this.head] = s;
    this.len++;
    this.added(s);
  }

  pushTail(s: string): void {
    if (this.len === this.ring.length) this.resize(this.ring.length * 2);
    this.ring[(this.head + this.len) & this.mask] = s;
    this.len++;
    this.added(s);
  }

  /** Removes and returns the first element (undefined when empty). */
  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const s = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.removed(s);
    this.maybeShrink();
    return s;
  }

  /** Removes and returns the last element (undefined when empty). */
  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const p = (this.head + this.len - 1) & this.mask;
    const s = this.ring[p]!;
    this.ring[p] = undefined;
    this.len--;
    this.removed(s);
    this.maybeShrink();
    return s;
  }

  push(s: string, head: boolean): void {
    if (head) this.pushHead(s);
    else this.pushTail(s);
  }

  pop(head: boolean): string | undefined {
    return head ? this.popHead() : this.popTail();
  }

  // ---- by index ---------------------------------------------------------------

  /** The element at index i, 0 <= i < size (no bounds check: callers normalise). */
  at(i: number): string {
    return this.ring[(this.head + i) & this.mask]!;
  }

  /** Replaces the element at index i (0 <= i < size). */
  set(i: number, s: string): void {
    const p = (this.head + i) & this.mask;
    this.removed(this.ring[p]!);
    this.ring[p] = s;
    this.added(s);
  }

  /** The index of the first element equal to s, or -1. */
  indexOf(s: string): number {
    const ring = this.ring;
    const mask = this.mask;
    for (let i = 0; i < this.len; i++) if (ring[(this.head + i) & mask] === s) return i;
    return -1;
  }

  /** Inserts s so that it ends up at index i (0 <= i <= size), moving the shorter side. */
  insert(i: number, s: string): void {
    if (i === 0) return this.pushHead(s);
    if (i === this.len) return this.pushTail(s);
    if (this.len === this.ring.length) this.resize(this.ring.length * 2);
    const ring = this.ring;
    const mask = this.mask;
    if (i < this.len - i) {
      // Shift the first i elements one slot towards the front.
      this.head = (this.head - 1) & mask;
      for (let k = 0; k < i; k++) ring[(this.head + k) & mask] = ring[(this.head + k + 1) & mask];
    } else {
      // Shift the elements from i on one slot towards the back.
      for (let k = this.len; k > i; k--) ring[(this.head + k) & mask] = ring[(this.head + k - 1) & mask];
    }
    ring[(this.head + i) & mask] = s;
    this.len++;
    this.added(s);
  }

  /**
   * Removes up to `count` elements equal to s (0 = all), scanning from the head, or
   * from the tail when `fromTail`. Returns how many went (LREM).
   */
  removeMatching(s: string, count: number, fromTail: boolean): number {
    const ring = this.ring;
    const mask = this.mask;
    const n = this.len;
    const limit = count > 0 ? count : Infinity;
    let removed = 0;
    if (!fromTail) {
      // Compact forwards: w is where the next kept element goes.
      let w = 0;
      for (let r = 0; r < n; r++) {
        const e = ring[(this.head + r) & mask]!;
        if (removed < limit && e === s) {
          removed++;
          this.removed(e);
          continue;
        }
        if (w !== r) ring[(this.head + w) & mask] = e;
        w++;
      }
      for (let k = w; k < n; k++) ring[(this.head + k) & mask] = undefined;
    } else {
      // Compact backwards towards the tail, then move the head.
      let w = n - 1;
      for (let r = n - 1; r >= 0; r--) {
        const e = ring[(this.head + r) & mask]!;
        if (removed < limit && e === s) {
          removed++;
          this.removed(e);
          continue;
        }
        if (w !== r) ring[(this.head + w) & mask] = e;
        w--;
      }
      for (let k = 0; k <= w; k++) ring[(this.head + k) & mask] = undefined;
      this.head = (this.head + removed) & mask;
    }
    this.len = n - removed;
    this.maybeShrink();
    return removed;
  }

  /** Drops `left` elements from the head and `right` from the tail (LTRIM). */
  trim(left: number, right: number): void {
    left = Math.min(left, this.len);
    right = Math.min(right, this.len - left);
    const ring = this.ring;
    const mask = this.mask;
    for (let k = 0; k < left; k++) {
      const p = (this.head + k) & mask;
      this.removed(ring[p]!);
      ring[p] = undefined;
    }
    this.head = (this.head + left) & mask;
    this.len -= left;
    for (let k = 0; k < right; k++) {
      const p = (this.head + this.len - 1 - k) & mask;
      this.removed(ring[p]!);
      ring[p] = undefined;
    }
    this.len -= right;
    this.maybeShrink();
  }

  /** Elements [start, end] (inclusive, already clamped to the list) in order. */
  range(start: number, end: number): string[] {
    const out: string[] = new Array(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.ring[(this.head + i) & this.mask]!;
    return out;
  }

  /** Calls fn for every element, head to tail. */
  forEach(fn: (s: string, i: number) => void): void {
    for (let i = 0; i < this.len; i++) fn(this.ring[(this.head + i) & this.mask]!, i);
  }

  /** All elements, head to tail. */
  toArray(): string[] {
    return this.len === 0 ? [] : this.range(0, this.len - 1);
  }

  // ---- encoding -----------------------------------------------------------------

  /**
   * Before adding `addCount` elements of `addBytes` raw bytes in all: becomes a
   * quicklist if the listpack would pass the limit (Redis's check before a push,
   * LINSERT, LSET or LMOVE's push).
   */
  growCheck(fill: number, addBytes: number, addCount: number): void {
    if (!this.quicklist && exceedsLimit(fill, this.lpBytes + addBytes, this.len + addCount)) this.quicklist = true;
  }

  /** After removing elements: back to a listpack once under half the limit. */
  shrinkCheck(fill: number): void {
    if (!this.quicklist) return;
    let sizeLimit: number;
    let countLimit: number;
    if (fill >= 0) {
      // One quicklist node holds at most the safety cap in bytes; the limit is a count.
      if (this.lpBytes > LP_SIZE_SAFETY_LIMIT) return;
      sizeLimit = Infinity;
      countLimit = Math.floor((fill === 0 ? 1 : fill) / 2);
    } else {
      sizeLimit = Math.floor(sizeLevel(fill) / 2);
      countLimit = Infinity;
    }
    if (this.lpBytes <= sizeLimit && this.len <= countLimit) this.quicklist = false;
  }

  encoding(_limits: EncodingLimits): string {
    return this.quicklist ? 'quicklist' : 'listpack';
  }

  clone(account: MemoryAccount): ListValue {
    const copy = new ListValue(account, this.len);
    for (let i = 0; i < this.len; i++) copy.pushTail(this.at(i));
    copy.quicklist = this.quicklist;
    return copy;
  }

  // ---- bookkeeping --------------------------------------------------------------

  private added(s: string): void {
    this.charge(s.length + ELEMENT_OVERHEAD);
    this.lpBytes += lpEntryBytes(s);
  }

  private removed(s: string): void {
    this.charge(-(s.length + ELEMENT_OVERHEAD));
    this.lpBytes -= lpEntryBytes(s);
  }

  private maybeShrink(): void {
    const cap = this.ring.length;
    if (cap > MIN_CAPACITY && this.len * 4 < cap) this.resize(Math.max(MIN_CAPACITY, cap / 2));
  }

  /** Moves the elements into a fresh ring of `cap` slots, head at 0. */
  private resize(cap: number): void {
    const next: (string | undefined)[] = new Array(cap);
    for (let i = 0; i < this.len; i++) next[i] = this.ring[(this.head + i) & this.mask];
    this.charge((cap - this.ring.length) * SLOT_BYTES);
    this.ring = next;
    this.mask = cap - 1;
    this.head = 0;
  }
}

function sizeLevel(fill: number): number {
  return LP_SIZE_LEVELS[Math.min(-fill - 1, LP_SIZE_LEVELS.length - 1)];
}

/** Redis's quicklistNodeExceedsLimit: would a listpack of this size and count be too big? */
function exceedsLimit(fill: number, bytes: number, count: number): boolean {
  if (fill < 0) return bytes > sizeLevel(fill);
  if (bytes > LP_SIZE_SAFETY_LIMIT) return true;
  return count > (fill === 0 ? 1 : fill);
}

/**
 * Bytes one element takes in a listpack: an integer-looking string is stored as a
 * 1-9 byte integer, anything else as a 1/2/5-byte length header plus its bytes; each
 * entry ends with a 1-5 byte back-length.
 */
export function lpEntryBytes(s: string): number {
  const n = s.length;
  let enc: number;
  const v = n > 0 && n <= 20 ? canonicalInt(s) : null;
  if (v !== null) {
    if (v >= 0 && v <= 127) enc = 1;
    else if (v >= -4096 && v <= 4095) enc = 2;
    else if (v >= -32768 && v <= 32767) enc = 3;
    else if (v >= -8388608 && v <= 8388607) enc = 4;
    else if (v >= -2147483648 && v <= 2147483647) enc = 5;
    else enc = 9;
  } else {
    enc = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  }
  const back = enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5;
  return enc + back;
}

/**
 * The value of a string Redis would store as an integer (string2ll: optional '-',
 * no leading zeros, no '+', fits int64), as a number (approximate past 2^53, which
 * only matters for choosing the 9-byte encoding); null otherwise.
 */
function canonicalInt(s: string): number | null {
  const n = s.length;
  let i = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) {
    if (n === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  for (let k = i + 1; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return null;
  }
  const digits = n - i;
  if (digits > 19) return null;
  if (digits === 19) {
    const limit = neg ? '9223372036854775808' : '9223372036854775807';
    if (s.slice(i) > limit) return null;
  }
  return neg ? -Number(s.slice(1)) : Number(s);
}
