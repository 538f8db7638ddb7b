// The ordered half of a sorted set: a skip list of (score, member) nodes with spans.
//
// Ordering is by score, then by member bytes (members are latin1 strings, so JS
// string comparison is byte comparison, as memcmp in Redis). Every forward link
// carries its span (how many level-0 steps it jumps), so a node's rank is the sum of
// spans walked to reach it, and the node at a rank is found by walking down: rank,
// range and count operations are all O(log n). A backward pointer per node gives
// reverse iteration. Random levels with p = 1/4 and at most 32 levels, as Redis's
// zskiplist, which keeps the expected cost per operation at about 1.33 links.
//
// The list knows nothing of the member → score map (zset.ts keeps both in step).

export const MAX_LEVEL = 32;

export class SkipNode {
  /** Forward links per level. */
  readonly next: (SkipNode | null)[];
  /** Level-0 steps each forward link jumps. */
  readonly span: number[];
  backward: SkipNode | null = null;
  /** Where the zset's scan order keeps this node (-1 when it keeps none). */
  pos = -1;
  constructor(
    public score: number,
    public readonly member: string,
    level: number,
  ) {
    this.next = new Array<SkipNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

/** A score interval; `minex`/`maxex` make the ends exclusive. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/**
 * A lexicographic interval over members. `minInf`/`maxInf` stand for Redis's "-" and
 * "+" (below / above every string); otherwise the bound is `min`/`max`, exclusive
 * when `minex`/`maxex`.
 */
export interface LexRange {
  min: string;
  max: string;
  minex: boolean;
  maxex: boolean;
  /** -1 = "-" (minus infinity), 1 = "+" (plus infinity), 0 = the string itself. */
  minInf: -1 | 0 | 1;
  maxInf: -1 | 0 | 1;
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** Compares a member with a lex bound (inf = -1/1 for the "-"/"+" bounds). */
function cmpLex(v: string, bound: string, inf: -1 | 0 | 1): number {
  if (inf !== 0) return -inf;
  return v < bound ? -1 : v > bound ? 1 : 0;
}

export function lexGteMin(v: string, r: LexRange): boolean {
  const c = cmpLex(v, r.min, r.minInf);
  return r.minex ? c > 0 : c >= 0;
}

export function lexLteMax(v: string, r: LexRange): boolean {
  const c = cmpLex(v, r.max, r.maxInf);
  return r.maxex ? c < 0 : c <= 0;
}

/** True when no member can ever be inside the range (min above max, or a point excluded). */
export function lexRangeEmpty(r: LexRange): boolean {
  let c: number;
  if (r.minInf === r.maxInf && r.minInf !== 0) c = 0;
  else if (r.minInf === -1 || r.maxInf === 1) c = -1;
  else if (r.minInf === 1 || r.maxInf === -1) c = 1;
  else c = r.min < r.max ? -1 : r.min > r.max ? 1 : 0;
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}

export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

/** a < b in set order (score, then member bytes). */
function before(node: SkipNode, score: number, member: string): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

function randomLevel(): number {
  let level = 1;
  // 1/4 chance per extra level: two random bits both zero.
  while (level < MAX_LEVEL && Math.random() < 0.25) level++;
  return level;
}

export class SkipList {
  readonly header = new SkipNode(0, '', MAX_LEVEL);
  tail: SkipNode | null = null;
  length = 0;
  level = 1;

  /** Scratch for the per-level predecessors and ranks of the current operation. */
  private readonly update: SkipNode[] = new Array<SkipNode>(MAX_LEVEL);
  private readonly rankAt: number[] = new Array<number>(MAX_LEVEL).fill(0);

  get first(): SkipNode | null {
    return this.header.next[0];
  }

  get last(): SkipNode | null {
    return this.tail;
  }

  /** Inserts a member that is not in the list yet. */
  insert(score: number, member: string): SkipNode {
    return this.link(new SkipNode(score, member, randomLevel()));
  }

  /** Links a node (new, or just unlinked) at the place its score and member say. */
  private link(node: SkipNode): SkipNode {
    const score = node.score;
    const member = node.member;
    const update = this.update;
    const rank = this.rankAt;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      let n = x.next[i];
      while (n !== null && before(n, score, member)) {
        rank[i] += x.span[i];
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    const level = node.next.length;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        update[i].span[i] = this.length;
      }
      this.level = level;
    }
    for (let i = 0; i < level; i++) {
      const u = update[i];
      node.next[i] = u.next[i];
      u.next[i] = node;
      node.span[i] = u.span[i] - (rank[0] - rank[i]);
      u.span[i] = rank[0] - rank[i] + 1;
    }
    // Links above the new node's level now jump over one more node.
    for (let i = level; i < this.level; i++) update[i].span[i]++;
    node.backward = update[0] === this.header ? null : update[0];
    const after = node.next[0];
    if (after !== null) after.backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** Unlinks x given its predecessors at every level. */
  private unlink(x: SkipNode, update: SkipNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i];
      if (u.next[i] === x) {
        u.span[i] += x.span[i] - 1;
        u.next[i] = x.next[i];
      } else {
        u.span[i] -= 1;
      }
    }
    const after = x.next[0];
    if (after !== null) after.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
    this.length--;
  }

  /** Fills `update` with the last node before (score, member) at each level. */
  private findPredecessors(score: number, member: string): SkipNode {
    const update = this.update;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && before(n, score, member)) {
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    return x;
  }

  /** Removes (score, member) and returns its node, or null when it is not there. */
  delete(score: number, member: string): SkipNode | null {
    const x = this.findPredecessors(score, member).next[0];
    if (x === null || x.score !== score || x.member !== member) return null;
    this.unlink(x, this.update);
    return x;
  }

  /**
   * Moves a member from curScore to newScore. When the node stays in place (its
   * neighbours still bracket the new score) only the score changes; otherwise it is
   * unlinked and linked again. Either way the member keeps its node object.
   */
  updateScore(curScore: number, member: string, newScore: number): SkipNode {
    const x = this.findPredecessors(curScore, member).next[0];
    if (x === null || x.score !== curScore || x.member !== member) {
      throw new Error('skiplist: updateScore of a member that is not there');
    }
    const prev = x.backward;
    const after = x.next[0];
    if ((prev === null || prev.score < newScore) && (after === null || after.score > newScore)) {
      x.score = newScore;
      return x;
    }
    this.unlink(x, this.update);
    x.score = newScore;
    return this.link(x);
  }

  /** 1-based rank of (score, member), 0 when absent. */
  rank(score: number, member: string): number {
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && (n.score < score || (n.score === score && n.member <= member))) {
        rank += x.span[i];
        x = n;
        n = x.next[i];
      }
      if (x !== this.header && x.member === member && x.score === score) return rank;
    }
    return 0;
  }

  /** The node at a 1-based rank, or null. */
  byRank(rank: number): SkipNode | null {
    if (rank < 1 || rank > this.length) return null;
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && traversed + x.span[i] <= rank) {
        traversed += x.span[i];
        x = n;
        n = x.next[i];
      }
      if (traversed === rank) return x;
    }
    return null;
  }

  // ---- score ranges ----------------------------------------------------------------

  private inRange(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    const last = this.tail;
    if (last === null || !scoreGteMin(last.score, r)) return false;
    const first = this.header.next[0];
    if (first === null || !scoreLteMax(first.score, r)) return false;
    return true;
  }

  firstInRange(r: ScoreRange): SkipNode | null {
    if (!this.inRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && !scoreGteMin(n.score, r)) {
        x = n;
        n = x.next[i];
      }
    }
    const found = x.next[0];
    return found !== null && scoreLteMax(found.score, r) ? found : null;
  }

  lastInRange(r: ScoreRange): SkipNode | null {
    if (!this.inRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && scoreLteMax(n.score, r)) {
        x = n;
        n = x.next[i];
      }
    }
    return x !== this.header && scoreGteMin(x.score, r) ? x : null;
  }

  // ---- lex ranges --------------------------------------------------------------------

  /** False when no member can be in the range (Redis zslIsInLexRange). */
  overlapsLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const last = this.tail;
    if (last === null || !lexGteMin(last.member, r)) return false;
    const first = this.header.next[0];
    if (first === null || !lexLteMax(first.member, r)) return false;
    return true;
  }

  firstInLexRange(r: LexRange): SkipNode | null {
    if (!this.overlapsLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && !lexGteMin(n.member, r)) {
        x = n;
        n = x.next[i];
      }
    }
    const found = x.next[0];
    return found !== null && lexLteMax(found.member, r) ? found : null;
  }

  lastInLexRange(r: LexRange): SkipNode | null {
    if (!this.overlapsLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && lexLteMax(n.member, r)) {
        x = n;
        n = x.next[i];
      }
    }
    return x !== this.header && lexGteMin(x.member, r) ? x : null;
  }

  // ---- range deletion ----------------------------------------------------------------

  /** Deletes the nodes in a score range, calling onDelete for each; returns how many. */
  deleteRangeByScore(r: ScoreRange, onDelete: (node: SkipNode) => void): number {
    const update = this.update;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && !scoreGteMin(n.score, r)) {
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    let cur = x.next[0];
    let removed = 0;
    while (cur !== null && scoreLteMax(cur.score, r)) {
      const following = cur.next[0];
      this.unlink(cur, update);
      onDelete(cur);
      removed++;
      cur = following;
    }
    return removed;
  }

  deleteRangeByLex(r: LexRange, onDelete: (node: SkipNode) => void): number {
    const update = this.update;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && !lexGteMin(n.member, r)) {
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    let cur = x.next[0];
    let removed = 0;
    while (cur !== null && lexLteMax(cur.member, r)) {
      const following = cur.next[0];
      this.unlink(cur, update);
      onDelete(cur);
      removed++;
      cur = following;
    }
    return removed;
  }

  /** Deletes ranks start..end (1-based, inclusive). */
  deleteRangeByRank(start: number, end: number, onDelete: (node: SkipNode) => void): number {
    const update = this.update;
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && traversed + x.span[i] < start) {
        traversed += x.span[i];
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    traversed++;
    let cur = x.next[0];
    let removed = 0;
    while (cur !== null && traversed <= end) {
      const following = cur.next[0];
      this.unlink(cur, update);
      onDelete(cur);
      removed++;
      traversed++;
      cur = following;
    }
    return removed;
  }
}
