// The table behind hashes and large sets: unique members (latin1 strings), optionally
// each with a value, kept in insertion order.
//
// Why not a bare Map: three operations need more than a Map offers.
// - Random members (SRANDMEMBER, SPOP, HRANDFIELD) must be O(1) and fair, so members
//   also sit in a dense array that a random index can hit.
// - SCAN cursors must survive writes between calls: every member present for the
//   whole scan is returned at least once. Each member gets a sequence number when it
//   is inserted; the array stays in sequence order, and a cursor is "the next
//   sequence number to visit". Deletions leave holes (the order of the rest never
//   changes), and compaction squeezes holes out without reordering, so a binary
//   search finds where any cursor resumes, however the table changed meanwhile.
// - Small hashes reply in insertion order with deletions closing up, as Redis's
//   listpack does; the array gives exactly that order.
// A Map from member to array position does the lookups.
//
// Positions are only valid until the next removal (a removal may compact).

const MIN_COMPACT_HOLES = 32;

export class MemberTable {
  /** Members by position, in insertion order; undefined marks a hole. */
  private keys: (string | undefined)[] = [];
  /** Values by position (hashes only). */
  private vals: (string | undefined)[] | null;
  /** Sequence number of each position, strictly ascending (holes keep theirs). */
  private seqs = new Float64Array(8);
  private index = new Map<string, number>();
  private holes = 0;
  private nextSeq = 1;

  constructor(withValues: boolean) {
    this.vals = withValues ? [] : null;
  }

  /** Number of members. */
  get size(): number {
    return this.index.size;
  }

  /** One past the last position (holes included), for iteration. */
  get end(): number {
    return this.keys.length;
  }

  /** The position of a member, or -1. */
  find(member: string): number {
    const p = this.index.get(member);
    return p === undefined ? -1 : p;
  }

  has(member: string): boolean {
    return this.index.has(member);
  }

  /** The member at a position (undefined for a hole). */
  keyAt(pos: number): string | undefined {
    return this.keys[pos];
  }

  valueAt(pos: number): string {
    return this.vals![pos]!;
  }

  setValueAt(pos: number, value: string): void {
    this.vals![pos] = value;
  }

  /** Appends a member that is not in the table; returns its position. */
  insert(member: string, value?: string): number {
    const pos = this.keys.length;
    if (pos === this.seqs.length) {
      const grown = new Float64Array(pos * 2);
      grown.set(this.seqs);
      this.seqs = grown;
    }
    this.keys.push(member);
    if (this.vals) this.vals.push(value);
    this.seqs[pos] = this.nextSeq++;
    this.index.set(member, pos);
    return pos;
  }

  /** Removes the member at a position. Other positions may change (compaction). */
  removeAt(pos: number): void {
    const member = this.keys[pos];
    if (member === undefined) return;
    this.index.delete(member);
    if (pos === this.keys.length - 1) {
      // Trimming the tail keeps the array dense for pop-like patterns.
      this.keys.pop();
      if (this.vals) this.vals.pop();
      while (this.keys.length > 0 && this.keys[this.keys.length - 1] === undefined) {
        this.keys.pop();
        if (this.vals) this.vals.pop();
        this.holes--;
      }
    } else {
      this.keys[pos] = undefined;
      if (this.vals) this.vals[pos] = undefined;
      this.holes++;
      if (this.holes >= MIN_COMPACT_HOLES && this.holes * 2 > this.keys.length) this.compact();
    }
    if (this.index.size === 0) this.clear();
  }

  /** Removes a member; false when it was not there. */
  remove(member: string): boolean {
    const p = this.index.get(member);
    if (p === undefined) return false;
    this.removeAt(p);
    return true;
  }

  private clear(): void {
    this.keys = [];
    if (this.vals) this.vals = [];
    this.holes = 0;
    if (this.seqs.length > 64) this.seqs = new Float64Array(8);
    // nextSeq keeps growing: a cursor handed out earlier must not revisit.
  }

  /** Squeezes out holes, keeping order and sequence numbers. */
  private compact(): void {
    const keys = this.keys;
    const vals = this.vals;
    const seqs = this.seqs;
    let w = 0;
    for (let r = 0; r < keys.length; r++) {
      const k = keys[r];
      if (k === undefined) continue;
      if (w !== r) {
        keys[w] = k;
        if (vals) vals[w] = vals[r];
        seqs[w] = seqs[r];
        this.index.set(k, w);
      }
      w++;
    }
    keys.length = w;
    if (vals) vals.length = w;
    this.holes = 0;
    if (seqs.length > 64 && w * 4 < seqs.length) this.seqs = seqs.slice(0, Math.max(8, w * 2));
  }

  /** A uniformly random live position (the table must not be empty). */
  randomPos(): number {
    const n = this.keys.length;
    if (this.holes === 0) return (Math.random() * n) | 0;
    // Holes are at most about half the array (see removeAt), so rejection sampling
    // needs two draws on average and stays exactly uniform over live members.
    for (;;) {
      const p = (Math.random() * n) | 0;
      if (this.keys[p] !== undefined) return p;
    }
  }

  /**
   * One SCAN step from `cursor` (0 = start): calls emit(pos) for up to `count` live
   * positions in order, and returns the cursor to continue from, 0 when done.
   */
  scan(cursor: number, count: number, emit: (pos: number) => void): number {
    const n = this.keys.length;
    let p = cursor <= 0 ? 0 : this.firstAtOrAfter(cursor);
    let emitted = 0;
    while (p < n && emitted < count) {
      if (this.keys[p] !== undefined) {
        emit(p);
        emitted++;
      }
      p++;
    }
    while (p < n && this.keys[p] === undefined) p++;
    return p < n ? this.seqs[p] : 0;
  }

  private firstAtOrAfter(seq: number): number {
    let lo = 0;
    let hi = this.keys.length;
    const seqs = this.seqs;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Calls fn for every member (and its value) in order. fn must not modify the table. */
  forEach(fn: (member: string, value: string) => void): void {
    const keys = this.keys;
    const vals = this.vals;
    for (let p = 0; p < keys.length; p++) {
      const k = keys[p];
      if (k !== undefined) fn(k, vals ? vals[p]! : '');
    }
  }

  /** Like forEach, stopping at the first member for which fn returns true; returns whether one did. */
  some(fn: (member: string, value: string) => boolean): boolean {
    const keys = this.keys;
    const vals = this.vals;
    for (let p = 0; p < keys.length; p++) {
      const k = keys[p];
      if (k !== undefined && fn(k, vals ? vals[p]! : '')) return true;
    }
    return false;
  }

  /** A copy with the same members, values and order. */
  clone(): MemberTable {
    const t = new MemberTable(this.vals !== null);
    this.forEach((k, v) => t.insert(k, t.vals ? v : undefined));
    return t;
  }
}
