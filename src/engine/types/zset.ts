// The sorted-set value: a member → score Map for O(1) lookups plus a skip list
// (skiplist.ts) for order, rank and ranges, kept in step by every operation here.
//
// Members are latin1 strings (binary-safe, one char per byte). Scores are doubles and
// never NaN (callers reject NaN before it gets here).
//
// Encodings: Redis keeps small sets in a listpack and converts them to a skiplist
// when an insert would make them longer than zset-max-listpack-entries or brings a
// member longer than zset-max-listpack-value; the conversion is one-way (removals
// never convert back), except for results built fresh (ZUNIONSTORE, ...). One data
// structure serves both here; `big` records the conversion, and the few places where
// a listpack answers differently from a skiplist follow it:
// - OBJECT ENCODING, and ZSCAN (a listpack is returned whole);
// - a listpack stores scores as text, so -0 comes back as 0;
// - lex ranges over members of different scores (where member order is not sorted):
//   a listpack is scanned linearly from an end, a skiplist is searched top-down,
//   and the two can find different first/last members.
//
// ZSCAN over a big set needs cursors that survive writes between calls (every member
// present for the whole scan is returned at least once). The first such scan gives
// the set a ScanOrder: its nodes in arrival order with a sequence number each, so a
// cursor is "the next sequence number to visit". Sets never scanned pay nothing.

import { ChargedValue, Collection, ELEMENT_OVERHEAD, EncodingLimits, MemoryAccount } from '../memory.js';
import { LexRange, ScoreRange, SkipList, SkipNode, lexGteMin, lexLteMax } from './skiplist.js';

/**
 * Bytes charged per element beyond the member's own characters: the Map entry, the
 * skip-list node with its link and span arrays, the boxed score and the string
 * header. Measured on Node 20 (v8.getHeapStatistics over 500k elements: about 227
 * bytes besides the member strings).
 */
export const ZSET_ELEMENT_OVERHEAD = ELEMENT_OVERHEAD + 192;

export class ZSetValue extends ChargedValue implements Collection {
  readonly dict = new Map<string, number>();
  readonly zsl = new SkipList();
  /** Converted to the skiplist encoding (sticky, as in Redis). */
  big = false;
  private scanOrder: ScanOrder | null = null;

  constructor(account: MemoryAccount) {
    super(account);
  }

  get size(): number {
    return this.dict.size;
  }

  score(member: string): number | undefined {
    return this.dict.get(member);
  }

  /**
   * Adds a member that is not present. A listpack that the insert would take past
   * the limits (zset-max-listpack-entries / -value) becomes a skiplist first.
   */
  insert(member: string, score: number, maxEntries: number, maxValue: number): SkipNode {
    if (!this.big && (this.dict.size + 1 > maxEntries || member.length > maxValue)) this.big = true;
    if (!this.big && score === 0) score = 0; // a listpack keeps no -0
    this.dict.set(member, score);
    this.charge(member.length + ZSET_ELEMENT_OVERHEAD);
    const node = this.zsl.insert(score, member);
    if (this.scanOrder !== null) this.scanOrder.add(node);
    return node;
  }

  /** Changes the score of a present member. */
  update(member: string, current: number, score: number): void {
    if (current === score) return;
    if (!this.big && score === 0) score = 0;
    this.zsl.updateScore(current, member, score);
    this.dict.set(member, score);
  }

  /** Removes a member; false when absent. */
  remove(member: string): boolean {
    const score = this.dict.get(member);
    if (score === undefined) return false;
    const node = this.zsl.delete(score, member)!;
    this.forget(node);
    return true;
  }

  /** 0-based rank (from the top when reverse), or -1 when absent. */
  rank(member: string, reverse: boolean): number {
    const score = this.dict.get(member);
    if (score === undefined) return -1;
    const r = this.zsl.rank(score, member);
    return reverse ? this.dict.size - r : r - 1;
  }

  /** The node at a 0-based rank counted from the low end. */
  at(index: number): SkipNode | null {
    return this.zsl.byRank(index + 1);
  }

  /** Removes and returns the lowest (or highest) element. */
  pop(max: boolean): SkipNode | null {
    const node = max ? this.zsl.last : this.zsl.first;
    if (node === null) return null;
    this.remove(node.member);
    return node;
  }

  /** Drops a node already unlinked from the skip list from the rest of the value. */
  private readonly forget = (node: SkipNode): void => {
    this.dict.delete(node.member);
    this.charge(-(node.member.length + ZSET_ELEMENT_OVERHEAD));
    if (this.scanOrder !== null) this.scanOrder.remove(node);
  };

  removeRangeByScore(r: ScoreRange): number {
    return this.zsl.deleteRangeByScore(r, this.forget);
  }

  removeRangeByLex(r: LexRange): number {
    if (this.big) return this.zsl.deleteRangeByLex(r, this.forget);
    let removed = 0;
    for (let n = this.firstInLexRange(r); n !== null && lexLteMax(n.member, r); ) {
      const following = n.next[0];
      this.remove(n.member);
      removed++;
      n = following;
    }
    return removed;
  }

  /** Removes 0-based ranks start..end inclusive (already clamped by the caller). */
  removeRangeByRank(start: number, end: number): number {
    return this.zsl.deleteRangeByRank(start + 1, end + 1, this.forget);
  }

  /** Number of elements within a score range (two rank lookups, not a walk). */
  countInRange(r: ScoreRange): number {
    const first = this.zsl.firstInRange(r);
    if (first === null) return 0;
    const last = this.zsl.lastInRange(r)!;
    return this.zsl.rank(last.score, last.member) - this.zsl.rank(first.score, first.member) + 1;
  }

  /** The first member in a lex range: a linear scan for a listpack (see the header). */
  firstInLexRange(r: LexRange): SkipNode | null {
    if (this.big) return this.zsl.firstInLexRange(r);
    if (!this.zsl.overlapsLexRange(r)) return null;
    for (let n = this.zsl.first; n !== null; n = n.next[0]) {
      if (lexGteMin(n.member, r)) return lexLteMax(n.member, r) ? n : null;
    }
    return null;
  }

  lastInLexRange(r: LexRange): SkipNode | null {
    if (this.big) return this.zsl.lastInLexRange(r);
    if (!this.zsl.overlapsLexRange(r)) return null;
    for (let n = this.zsl.last; n !== null; n = n.backward) {
      if (lexLteMax(n.member, r)) return lexGteMin(n.member, r) ? n : null;
    }
    return null;
  }

  countInLexRange(r: LexRange): number {
    const first = this.firstInLexRange(r);
    if (first === null) return 0;
    if (!this.big) {
      let count = 0;
      for (let n: SkipNode | null = first; n !== null && lexLteMax(n.member, r); n = n.next[0]) count++;
      return count;
    }
    const last = this.zsl.lastInLexRange(r)!;
    return this.zsl.rank(last.score, last.member) - this.zsl.rank(first.score, first.member) + 1;
  }

  /**
   * One step of a cursor scan: emits up to `count` elements from `cursor` on and
   * returns the next cursor (0 when done). Cursor 0 starts a scan.
   */
  scan(cursor: number, count: number, emit: (node: SkipNode) => void): number {
    if (this.scanOrder === null) {
      this.scanOrder = new ScanOrder();
      for (let n = this.zsl.first; n !== null; n = n.next[0]) this.scanOrder.add(n);
    }
    return this.scanOrder.scan(cursor, count, emit);
  }

  /**
   * A freshly built result (built as a skiplist) goes back to a listpack when it fits
   * the limits (Redis zsetConvertToListpackIfNeeded).
   */
  toListpackIfFits(maxEntries: number, maxValue: number): void {
    if (!this.big || this.dict.size > maxEntries) return;
    for (let n = this.zsl.first; n !== null; n = n.next[0]) if (n.member.length > maxValue) return;
    this.big = false;
    for (let n = this.zsl.first; n !== null; n = n.next[0]) {
      if (n.score === 0 && Object.is(n.score, -0)) {
        n.score = 0;
        this.dict.set(n.member, 0);
      }
    }
  }

  encoding(_limits?: EncodingLimits): string {
    return this.big ? 'skiplist' : 'listpack';
  }

  clone(account: MemoryAccount): ZSetValue {
    const copy = new ZSetValue(account);
    copy.big = this.big;
    for (let n = this.zsl.first; n !== null; n = n.next[0]) copy.insert(n.member, n.score, Infinity, Infinity);
    return copy;
  }
}

const MIN_COMPACT_HOLES = 32;

/**
 * Nodes in arrival order, each with an ascending sequence number. Removal leaves a
 * hole (so nobody else moves); compaction squeezes holes out without reordering, so
 * a binary search over the sequence numbers finds where any cursor resumes.
 */
class ScanOrder {
  private nodes: (SkipNode | null)[] = [];
  private seqs = new Float64Array(16);
  private holes = 0;
  private nextSeq = 1;

  add(node: SkipNode): void {
    const pos = this.nodes.length;
    if (pos === this.seqs.length) {
      const grown = new Float64Array(pos * 2);
      grown.set(this.seqs);
      this.seqs = grown;
    }
    this.nodes.push(node);
    this.seqs[pos] = this.nextSeq++;
    node.pos = pos;
  }

  remove(node: SkipNode): void {
    this.nodes[node.pos] = null;
    node.pos = -1;
    this.holes++;
    if (this.holes > MIN_COMPACT_HOLES && this.holes * 2 > this.nodes.length) this.compact();
  }

  private compact(): void {
    let w = 0;
    for (let r = 0; r < this.nodes.length; r++) {
      const n = this.nodes[r];
      if (n === null) continue;
      this.nodes[w] = n;
      this.seqs[w] = this.seqs[r];
      n.pos = w;
      w++;
    }
    this.nodes.length = w;
    this.holes = 0;
  }

  scan(cursor: number, count: number, emit: (node: SkipNode) => void): number {
    const end = this.nodes.length;
    // First position whose sequence number is >= cursor.
    let lo = 0;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid] < cursor) lo = mid + 1;
      else hi = mid;
    }
    let emitted = 0;
    let pos = lo;
    for (; pos < end && emitted < count; pos++) {
      const n = this.nodes[pos];
      if (n === null) continue;
      emit(n);
      emitted++;
    }
    return pos < end ? this.seqs[pos] : 0;
  }
}
