// The counters behind memcached's `stats`, `stats items` and `stats slabs`.
//
// Grouped as memcached groups them because `stats reset` clears some groups and
// not others: the per-connection counters, the per-class hit counters and the
// per-class LRU counters are reset; current sizes (items, bytes, connections)
// are not.

import { MAX_CLASSES } from './slab-classes.js';

/** Per-class counters of `stats slabs` (memcached's slab_stats). */
export class ClassHits {
  readonly getHits = new Float64Array(MAX_CLASSES);
  readonly setCmds = new Float64Array(MAX_CLASSES);
  readonly deleteHits = new Float64Array(MAX_CLASSES);
  readonly incrHits = new Float64Array(MAX_CLASSES);
  readonly decrHits = new Float64Array(MAX_CLASSES);
  readonly casHits = new Float64Array(MAX_CLASSES);
  readonly casBadval = new Float64Array(MAX_CLASSES);
  readonly touchHits = new Float64Array(MAX_CLASSES);

  reset(): void {
    for (const a of [this.getHits, this.setCmds, this.deleteHits, this.incrHits, this.decrHits, this.casHits, this.casBadval, this.touchHits]) a.fill(0);
  }
}

/** Per-class LRU counters of `stats items` (memcached's itemstats). */
export class LruCounters {
  readonly evicted = new Float64Array(MAX_CLASSES);
  readonly evictedNonzero = new Float64Array(MAX_CLASSES);
  readonly evictedTime = new Float64Array(MAX_CLASSES);
  readonly outOfMemory = new Float64Array(MAX_CLASSES);
  readonly reclaimed = new Float64Array(MAX_CLASSES);
  readonly expiredUnfetched = new Float64Array(MAX_CLASSES);
  readonly evictedUnfetched = new Float64Array(MAX_CLASSES);
  readonly evictedActive = new Float64Array(MAX_CLASSES);
  readonly crawlerReclaimed = new Float64Array(MAX_CLASSES);
  readonly crawlerItemsChecked = new Float64Array(MAX_CLASSES);
  readonly movesToWarm = new Float64Array(MAX_CLASSES);
  readonly directReclaims = new Float64Array(MAX_CLASSES);

  reset(): void {
    for (const a of [
      this.evicted,
      this.evictedNonzero,
      this.evictedTime,
      this.outOfMemory,
      this.reclaimed,
      this.expiredUnfetched,
      this.evictedUnfetched,
      this.evictedActive,
      this.crawlerReclaimed,
      this.crawlerItemsChecked,
      this.movesToWarm,
      this.directReclaims,
    ])
      a.fill(0);
  }

  total(a: Float64Array): number {
    let n = 0;
    for (let i = 0; i < a.length; i++) n += a[i];
    return n;
  }
}

/** Node-wide request counters (memcached's thread_stats plus the global stats). */
export class Counters {
  getCmds = 0;
  getMisses = 0;
  getExpired = 0;
  getFlushed = 0;
  touchCmds = 0;
  touchMisses = 0;
  deleteMisses = 0;
  incrMisses = 0;
  decrMisses = 0;
  casMisses = 0;
  flushCmds = 0;
  metaCmds = 0;
  storeTooLarge = 0;
  storeNoMemory = 0;
  authCmds = 0;
  authErrors = 0;
  bytesRead = 0;
  bytesWritten = 0;
  connYields = 0;
  totalItems = 0;
  totalConns = 0;
  rejectedConns = 0;
  listenDisabled = 0;
  crawlerStarts = 0;

  reset(): void {
    for (const k of Object.keys(this) as (keyof Counters)[]) {
      if (typeof this[k] === 'number') (this as Record<string, unknown>)[k] = 0;
    }
  }
}
