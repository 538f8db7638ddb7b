// The memcached engine's item store: items with client flags, CAS, expiry by
// memcached's clock rules, per-class LRU eviction under -m, and the counters
// memcached reports.
//
// Laid out like the Valkey keyspace (keyspace.ts) for memory and GC: an item is an
// integer id whose fields live in parallel typed arrays; its key and value bytes
// share one slot of the SlabArena ([key][value]); the index is open addressing
// over an Int32Array (deletions by backward shift). The overlap with keyspace.ts
// is the index and field-array technique only: items carry memcached's own fields
// (flags, CAS, two clocks, LRU links, item flags) and their own eviction rules.
//
// Memory is accounted in memcached's terms (slab-classes.ts, slab-pages.ts):
// an item costs a chunk of the class its memcached-size falls in, and a class
// that cannot get a chunk evicts from its own LRU tail, as memcached does.
//
// Items go through two steps, as in memcached: alloc() reserves memory and an id
// for an item whose value is still arriving on the wire (the protocol writes the
// value bytes into valueBuffer/valueOffset), then store() links it according to
// the storage mode, or discard() drops it. No wire text in here: results are
// enums and ids; the protocol modules phrase them.

import { hashBytes } from '../hash.js';
import { SlabArena } from '../slab-arena.js';
import { systemClock, type Clock } from '../clock.js';
import { SlabClasses, itemTotal, MAX_CLASSES } from './slab-classes.js';
import { SlabPages } from './slab-pages.js';
import { ClassHits, Counters, LruCounters } from './item-stats.js';
import { PrefixStats } from './prefix-stats.js';
import { copyWords, viewOf } from './byte-copy.js';

/** Item flag bits (memcached's it_flags values, for the ones Cove keeps). */
export const enum ItemFlag {
  Linked = 1,
  Fetched = 8,
  Active = 16,
  Chunked = 32,
  TokenSent = 512,
  Stale = 2048,
  KeyBinary = 4096,
  /** Allocated, value still arriving: not linked yet (Cove's own bit). */
  Pending = 8192,
}

/** Storage modes (memcached's NREAD_* numbering). */
export const enum StoreMode {
  Add = 1,
  Set = 2,
  Replace = 3,
  Append = 4,
  Prepend = 5,
  Cas = 6,
}

export const enum StoreResult {
  Stored = 1,
  NotStored = 2,
  Exists = 3,
  NotFound = 4,
}

/** alloc() failures. */
export const ALLOC_TOO_LARGE = -1;
export const ALLOC_NO_MEMORY = -2;

export const enum DeltaResult {
  Ok = 0,
  NonNumeric = 1,
  NotFound = 2,
  CasMismatch = 3,
  NoMemory = 4,
}

/** Largest relative expiry; larger values are absolute Unix times. */
export const REALTIME_MAXDELTA = 60 * 60 * 24 * 30;
const ITEM_UPDATE_INTERVAL = 60;
const MIN_ENTRIES = 16;
const MIN_INDEX = 64;
const U64 = (1n << 64n) - 1n;
/** Items the background crawler looks at per tick. */
const CRAWL_BUDGET = 20000;
/** Seconds an item stays expired before the background crawler frees it. */
const CRAWL_GRACE = 60;

// Item record layout in ItemStore.m (32-bit words).
const STRIDE = 11;
const F_REF = 0; // arena slot ref (uint32)
const F_HASH = 1; // key hash (uint32)
const F_VLEN = 2; // value length
const F_FLAGS = 3; // client flags (uint32)
const F_EXP = 4; // exptime, relative clock (0 = never)
const F_TIME = 5; // last access / store, relative clock
const F_CAS_LO = 6; // CAS, low and high 32 bits
const F_CAS_HI = 7;
const F_PREV = 8; // LRU links (-1 = none)
const F_NEXT = 9;
const F_BITS = 10; // key length (8 bits) | class (8 bits) | item flags (16 bits)
const TWO32 = 4294967296;

export interface ItemStoreOptions {
  /** -m in bytes (0 = no limit). */
  maxBytes: number;
  /** -I. */
  itemSizeMax?: number;
  /** -M: return out-of-memory errors instead of evicting. */
  noEvict?: boolean;
  clock?: Clock;
  growthFactor?: number;
  chunkSize?: number;
}

export class ItemStore {
  readonly classes: SlabClasses;
  readonly pages: SlabPages;
  readonly arena = new SlabArena();
  readonly counters = new Counters();
  readonly hits = new ClassHits();
  readonly lru = new LruCounters();
  readonly prefixes = new PrefixStats();
  readonly clock: Clock;
  noEvict: boolean;

  /** Unix time (s) that memcached's relative clock counts from. */
  readonly processStarted: number;
  /** memcached's current_time: seconds since processStarted, read once per batch. */
  now = 0;

  /**
   * Item fields, STRIDE 32-bit words per item id, interleaved so that one item's
   * header sits in one or two cache lines (a lookup or a store touches one item,
   * not a dozen parallel arrays). Words: see the F_* offsets.
   */
  private m: Int32Array;
  /** CAS values a client asked to compare with, for items still being uploaded. */
  private readonly requestedCas = new Map<number, number>();
  /** Chunk classes of items larger than slab_chunk_max (rare; see slab-classes.ts). */
  private readonly chunkLists = new Map<number, number[]>();

  private highWater = 0;
  private freeIds: number[] = [];
  /** Items allocated but not yet linked or discarded (uploads in flight). */
  private pendingCount = 0;

  private index: Int32Array;
  private mask: number;
  private live = 0;

  // One LRU per class: doubly linked through prev/next, newest at the head.
  private readonly heads = new Int32Array(MAX_CLASSES).fill(-1);
  private readonly tails = new Int32Array(MAX_CLASSES).fill(-1);
  /** Items per class (stats items number). */
  readonly lruCount = new Float64Array(MAX_CLASSES);
  /** memcached-size bytes per class (stats items mem_requested). */
  readonly lruBytes = new Float64Array(MAX_CLASSES);

  currItems = 0;
  currBytes = 0;
  private casId = 0;
  /** flush_all state (memcached's settings.oldest_live / oldest_cas). */
  oldestLive = 0;
  private oldestCas = 0;
  private delayedFlushPending = false;
  /** An item that must not be evicted while an operation still reads it. */
  private pinned = -1;
  private crawlCursor = 0;
  /** `stats sizes` histogram: on, and counting items whose CAS is at least this. */
  sizesCasMin = -1;

  constructor(opts: ItemStoreOptions) {
    this.clock = opts.clock ?? systemClock;
    this.noEvict = opts.noEvict ?? false;
    this.classes = new SlabClasses({ itemSizeMax: opts.itemSizeMax, factor: opts.growthFactor, chunkSize: opts.chunkSize });
    this.pages = new SlabPages(this.classes, opts.maxBytes);
    // Like memcached, start the relative clock a little in the past so that no
    // valid time is 0 (0 means "never" for exptime and "none" for oldest_live).
    this.processStarted = Math.floor(this.clock.now() / 1000) - ITEM_UPDATE_INTERVAL - 2;
    this.updateTime();
    this.m = new Int32Array(MIN_ENTRIES * STRIDE);
    this.index = new Int32Array(MIN_INDEX);
    this.mask = MIN_INDEX - 1;
  }

  // ---- item fields (accessors over the interleaved record) ------------------

  keyLen(id: number): number {
    return this.m[id * STRIDE + F_BITS] & 0xff;
  }
  valLen(id: number): number {
    return this.m[id * STRIDE + F_VLEN];
  }
  /** Client flags. */
  flagsOf(id: number): number {
    return this.m[id * STRIDE + F_FLAGS] >>> 0;
  }
  exptimeOf(id: number): number {
    return this.m[id * STRIDE + F_EXP] >>> 0;
  }
  setExptime(id: number, v: number): void {
    this.m[id * STRIDE + F_EXP] = v;
  }
  /** Last access (relative clock). */
  timeOf(id: number): number {
    return this.m[id * STRIDE + F_TIME] >>> 0;
  }
  casOf(id: number): number {
    const b = id * STRIDE;
    return this.m[b + F_CAS_HI] * TWO32 + (this.m[b + F_CAS_LO] >>> 0);
  }
  /** Item flag bits (ItemFlag). */
  flagBits(id: number): number {
    return this.m[id * STRIDE + F_BITS] >>> 16;
  }
  setFlagBits(id: number, f: number): void {
    const i = id * STRIDE + F_BITS;
    this.m[i] = (this.m[i] & 0xffff) | (f << 16);
  }
  /** The class whose LRU holds the item (stats and `me` cls). */
  classOf(id: number): number {
    return (this.m[id * STRIDE + F_BITS] >>> 8) & 0xff;
  }
  /** Records the CAS a store of an allocated item must match (0 = none). */
  setRequestedCas(id: number, v: number): void {
    if (v !== 0) this.requestedCas.set(id, v);
    else this.requestedCas.delete(id);
  }
  private takeRequestedCas(id: number): number {
    const v = this.requestedCas.get(id);
    if (v === undefined) return 0;
    this.requestedCas.delete(id);
    return v;
  }
  private _ref(id: number): number {
    return this.m[id * STRIDE + F_REF] >>> 0;
  }
  private _setRef(id: number, v: number): void {
    this.m[id * STRIDE + F_REF] = v;
  }
  private _hash(id: number): number {
    return this.m[id * STRIDE + F_HASH] >>> 0;
  }
  private _setHash(id: number, v: number): void {
    this.m[id * STRIDE + F_HASH] = v;
  }
  private _setKeyLen(id: number, v: number): void {
    const i = id * STRIDE + F_BITS;
    this.m[i] = (this.m[i] & ~0xff) | v;
  }
  private _setValLen(id: number, v: number): void {
    this.m[id * STRIDE + F_VLEN] = v;
  }
  private _setFlags(id: number, v: number): void {
    this.m[id * STRIDE + F_FLAGS] = v;
  }
  private _setTime(id: number, v: number): void {
    this.m[id * STRIDE + F_TIME] = v;
  }
  private _setCas(id: number, v: number): void {
    const b = id * STRIDE;
    this.m[b + F_CAS_LO] = v % TWO32;
    this.m[b + F_CAS_HI] = Math.floor(v / TWO32);
  }
  private _setClass(id: number, v: number): void {
    const i = id * STRIDE + F_BITS;
    this.m[i] = (this.m[i] & ~0xff00) | (v << 8);
  }
  private _prev(id: number): number {
    return this.m[id * STRIDE + F_PREV];
  }
  private _setPrev(id: number, v: number): void {
    this.m[id * STRIDE + F_PREV] = v;
  }
  private _next(id: number): number {
    return this.m[id * STRIDE + F_NEXT];
  }
  private _setNext(id: number, v: number): void {
    this.m[id * STRIDE + F_NEXT] = v;
  }

  // ---- time -------------------------------------------------------------------

  /** Reads the clock (memcached ticks current_time once a second; Cove once per batch). */
  updateTime(): void {
    this.now = Math.floor(this.clock.now() / 1000) - this.processStarted;
  }

  /** memcached's realtime(): a client exptime (relative or absolute) to the relative clock. */
  realtime(exptime: number): number {
    if (exptime === 0) return 0;
    if (exptime > REALTIME_MAXDELTA) {
      if (exptime <= this.processStarted) return 1;
      return (exptime - this.processStarted) >>> 0;
    }
    return (exptime + this.now) >>> 0;
  }

  /** A text-protocol exptime (signed 32-bit): negative means "already expired". */
  exptimeFromSigned(exptime: number): number {
    return this.realtime(exptime < 0 ? REALTIME_MAXDELTA + 1 : exptime);
  }

  // ---- lookup -----------------------------------------------------------------

  /** The id of the linked item with this key, or -1, ignoring expiry. */
  find(buf: Buffer, start: number, end: number): number {
    return this.findHashed(buf, start, end, hashBytes(buf, start, end));
  }

  private findHashed(buf: Buffer, start: number, end: number, h: number): number {
    const len = end - start;
    const index = this.index;
    const mask = this.mask;
    const m = this.m;
    // Hashes are compared as int32 (the record stores them that way), keeping the
    // probe loop in small-integer arithmetic.
    const h32 = h | 0;
    let i = h & mask;
    for (;;) {
      const slot = index[i];
      if (slot === 0) return -1;
      const id = slot - 1;
      const b = id * STRIDE;
      if (m[b + F_HASH] === h32 && (m[b + F_BITS] & 0xff) === len) {
        const ref = m[b + F_REF] >>> 0;
        const page = this.arena.buffer(ref);
        const off = this.arena.offset(ref);
        let k = 0;
        while (k < len && page[off + k] === buf[start + k]) k++;
        if (k === len) return id;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * memcached's item_get: the live item with this key or -1. Expired and flushed
   * items found here are removed (counted as get_expired / get_flushed). `update`
   * marks the item fetched and refreshes its LRU position.
   */
  get(buf: Buffer, start: number, end: number, update: boolean): number {
    const id = this.findHashed(buf, start, end, hashBytes(buf, start, end));
    if (id < 0) return -1;
    return this.checkLive(id, update);
  }

  /** get() for a key whose hash is known (a store of an allocated item). */
  private getHashed(buf: Buffer, start: number, end: number, h: number): number {
    const id = this.findHashed(buf, start, end, h);
    if (id < 0) return -1;
    return this.checkLive(id, false);
  }

  private checkLive(id: number, update: boolean): number {
    if (this.oldestLive !== 0 && this.isFlushed(id)) {
      this.unlink(id);
      this.counters.getFlushed++;
      return -1;
    }
    const exp = this.exptimeOf(id);
    if (exp !== 0 && exp <= this.now) {
      this.unlink(id);
      this.counters.getExpired++;
      return -1;
    }
    if (update) this.bump(id);
    return id;
  }

  /** get() then set a new exptime (touch, gat). */
  touch(buf: Buffer, start: number, end: number, exptime: number): number {
    const id = this.get(buf, start, end, true);
    if (id >= 0) this.setExptime(id, exptime);
    return id;
  }

  isFlushed(id: number): boolean {
    const oldest = this.oldestLive;
    if (oldest === 0 || oldest > this.now) return false;
    const cas = this.casOf(id);
    return this.timeOf(id) <= oldest || (this.oldestCas !== 0 && cas !== 0 && cas < this.oldestCas);
  }

  /**
   * A hit: the first marks the item fetched; later ones mark it active and move it
   * to the head of its LRU (memcached's segmented LRU moves twice-hit items out of
   * the eviction path; one LRU with move-to-head gives the same order).
   */
  bump(id: number): void {
    const f = this.flagBits(id);
    if ((f & ItemFlag.Fetched) === 0) {
      this.setFlagBits(id, f | ItemFlag.Fetched);
      return;
    }
    // Already active and bumped this second: nothing to do (the LRU order only
    // has one-second resolution anyway, like memcached's item times).
    if ((f & ItemFlag.Active) !== 0 && this.timeOf(id) === this.now) return;
    this.setFlagBits(id, f | ItemFlag.Active);
    this._setTime(id, this.now);
    this.lruToHead(id);
  }

  /** memcached's do_item_update: last access is now, and the item moves to the LRU head. */
  update(id: number): void {
    this._setTime(id, this.now);
    this.lruToHead(id);
  }

  // ---- item bytes -------------------------------------------------------------

  /**
   * A DataView of a slab page (for copyWords). The page last asked for is kept at
   * hand, the others in a map; a page's view lives as long as the store.
   */
  pageView(page: Buffer): DataView {
    if (page === this.lastPage) return this.lastPageView;
    let v = this.pageViews.get(page);
    if (v === undefined) {
      v = viewOf(page);
      this.pageViews.set(page, v);
    }
    this.lastPage = page;
    this.lastPageView = v;
    return v;
  }
  private lastPage: Buffer | null = null;
  private lastPageView: DataView = viewOf(Buffer.alloc(0));
  private readonly pageViews = new WeakMap<Buffer, DataView>();

  keyBuffer(id: number): Buffer {
    return this.arena.buffer(this._ref(id));
  }

  keyOffset(id: number): number {
    return this.arena.offset(this._ref(id));
  }

  keyString(id: number): string {
    const ref = this._ref(id);
    const off = this.arena.offset(ref);
    return this.arena.buffer(ref).latin1Slice(off, off + this.keyLen(id));
  }

  valueBuffer(id: number): Buffer {
    return this.arena.buffer(this._ref(id));
  }

  valueOffset(id: number): number {
    return this.arena.offset(this._ref(id)) + this.keyLen(id);
  }

  /** memcached's ITEM_ntotal: what the item costs in memcached's accounting. */
  total(id: number): number {
    return itemTotal(this.keyLen(id), this.valLen(id), this.flagsOf(id));
  }


  // ---- allocation -------------------------------------------------------------

  /** memcached's item_size_ok. */
  sizeOk(keyLen: number, valueLen: number, flags: number): boolean {
    return this.classes.classFor(itemTotal(keyLen, valueLen, flags)) !== 0;
  }

  /**
   * Reserves an unlinked item for a key, flags, exptime (relative clock) and value
   * length, evicting from the class LRU when memory is full. Returns the id, or
   * ALLOC_TOO_LARGE / ALLOC_NO_MEMORY. The value bytes are undefined until written.
   */
  alloc(key: Buffer, kStart: number, kEnd: number, flags: number, exptime: number, valueLen: number): number {
    if (valueLen < 0) return ALLOC_TOO_LARGE;
    const klen = kEnd - kStart;
    const ntotal = itemTotal(klen, valueLen, flags);
    const cls = this.classes.classFor(ntotal);
    if (cls === 0) return ALLOC_TOO_LARGE;
    let chunks: number[] | null = null;
    if (ntotal <= this.classes.chunkMax) {
      if (!this.allocPull(cls)) {
        this.lru.outOfMemory[cls]++;
        return ALLOC_NO_MEMORY;
      }
    } else {
      chunks = this.classes.chunkClasses(klen, valueLen, flags);
      for (let i = 0; i < chunks.length; i++) {
        let c = chunks[i];
        let ok = this.allocPull(c);
        // A short last chunk may find its class full of other items' chunks:
        // memcached then falls back to a full-size chunk.
        if (!ok && c !== this.classes.largest) {
          c = chunks[i] = this.classes.largest;
          ok = this.allocPull(c);
        }
        if (!ok) {
          for (let j = 0; j < i; j++) this.pages.release(chunks[j]);
          this.lru.outOfMemory[cls]++;
          return ALLOC_NO_MEMORY;
        }
      }
    }
    const id = this.allocId();
    const ref = this.arena.alloc(klen + valueLen);
    const page = this.arena.buffer(ref);
    const off = this.arena.offset(ref);
    for (let k = 0; k < klen; k++) page[off + k] = key[kStart + k];
    this._setRef(id, ref);
    this._setKeyLen(id, klen);
    this._setValLen(id, valueLen);
    this._setHash(id, hashBytes(key, kStart, kEnd));
    this._setFlags(id, flags);
    this.setExptime(id, exptime);
    this._setTime(id, this.now);
    this._setCas(id, 0);
    this.setFlagBits(id, chunks ? ItemFlag.Chunked | ItemFlag.Pending : ItemFlag.Pending);
    this._setClass(id, cls);
    this._setPrev(id, -1);
    this._setNext(id, -1);
    if (chunks) this.chunkLists.set(id, chunks);
    this.pendingCount++;
    return id;
  }

  /** Drops an item that alloc() returned and that will not be stored. */
  discard(id: number): void {
    if ((this.flagBits(id) & ItemFlag.Pending) !== 0) this.free(id);
  }

  /**
   * memcached's do_item_alloc_pull: a chunk of class `cls`, reclaiming expired items
   * at the LRU tail first and evicting the tail when the class cannot grow.
   */
  private allocPull(cls: number): boolean {
    let i = 0;
    let ok = false;
    for (; i < 10; i++) {
      this.pullTail(cls, false);
      if (this.pages.alloc(cls)) {
        ok = true;
        break;
      }
      if (this.pullTail(cls, true) <= 0) break;
    }
    if (i > 0) this.lru.directReclaims[cls] += i;
    return ok;
  }

  /**
   * memcached's lru_pull_tail: looks at up to 5 items from the tail of a class LRU,
   * reclaims expired or flushed ones, and (when `evict`) evicts the first live one.
   * Returns how many items were removed.
   */
  private pullTail(cls: number, evict: boolean): number {
    let removed = 0;
    let search = this.tails[cls];
    for (let tries = 5; tries > 0 && search !== -1; tries--) {
      const nextUp = this._prev(search);
      if (search === this.pinned) {
        search = nextUp;
        continue;
      }
      const exp = this.exptimeOf(search);
      if ((exp !== 0 && exp < this.now) || this.isFlushed(search)) {
        this.lru.reclaimed[cls]++;
        if ((this.flagBits(search) & ItemFlag.Fetched) === 0) this.lru.expiredUnfetched[cls]++;
        this.unlink(search);
        removed++;
        search = nextUp;
        continue;
      }
      if (evict && !this.noEvict) {
        const f = this.flagBits(search);
        this.lru.evicted[cls]++;
        this.lru.evictedTime[cls] = this.now - this.timeOf(search);
        if (exp !== 0) this.lru.evictedNonzero[cls]++;
        if ((f & ItemFlag.Fetched) === 0) this.lru.evictedUnfetched[cls]++;
        if ((f & ItemFlag.Active) !== 0) this.lru.evictedActive[cls]++;
        this.unlink(search);
        removed++;
      }
      break;
    }
    return removed;
  }

  private allocId(): number {
    if (this.freeIds.length > 0) return this.freeIds.pop()!;
    if (this.highWater * STRIDE === this.m.length) this.growEntries((this.m.length / STRIDE) * 2);
    return this.highWater++;
  }

  private growEntries(n: number): void {
    const grown = new Int32Array(n * STRIDE);
    grown.set(this.m);
    this.m = grown;
  }

  /** Returns an unlinked item's memory: its chunks, its arena slot and its id. */
  private free(id: number): void {
    if ((this.flagBits(id) & ItemFlag.Chunked) !== 0) {
      const chunks = this.chunkLists.get(id)!;
      for (const c of chunks) this.pages.release(c);
      this.chunkLists.delete(id);
    } else {
      this.pages.release(this.classOf(id));
    }
    this.arena.free(this._ref(id));
    if ((this.flagBits(id) & ItemFlag.Pending) !== 0) {
      this.pendingCount--;
      if (this.requestedCas.size > 0) this.requestedCas.delete(id);
    }
    this.setFlagBits(id, 0);
    this._setClass(id, 0);
    this.freeIds.push(id);
  }

  // ---- link / unlink ----------------------------------------------------------

  /** Makes an allocated item visible: new CAS, LRU head, counted. */
  link(id: number): void {
    if ((this.flagBits(id) & ItemFlag.Pending) !== 0) {
      this.pendingCount--;
      this.setFlagBits(id, this.flagBits(id) & (~ItemFlag.Pending));
    }
    // Grow the index before marking the item linked: rehash() re-inserts every
    // linked item, and this one is inserted just below.
    this.live++;
    if (this.live * 4 > this.index.length * 3) this.rehash(this.index.length * 2);
    this.indexInsert(id, this._hash(id));
    this.setFlagBits(id, this.flagBits(id) | (ItemFlag.Linked));
    this._setTime(id, this.now);
    const ntotal = this.total(id);
    this.currBytes += ntotal;
    this.currItems++;
    this.counters.totalItems++;
    this._setCas(id, ++this.casId);
    const c = this.classOf(id);
    this.lruLinkHead(id, c);
    this.lruCount[c]++;
    this.lruBytes[c] += ntotal;
  }

  /** Removes a linked item and frees it. */
  unlink(id: number): void {
    if ((this.flagBits(id) & ItemFlag.Linked) === 0) return;
    this.setFlagBits(id, this.flagBits(id) & (~ItemFlag.Linked));
    const ntotal = this.total(id);
    this.currBytes -= ntotal;
    this.currItems--;
    this.indexRemove(id);
    this.live--;
    const c = this.classOf(id);
    this.lruUnlinkQ(id, c);
    this.lruCount[c]--;
    this.lruBytes[c] -= ntotal;
    this.free(id);
    if (this.index.length > MIN_INDEX && this.live * 8 < this.index.length) this.rehash(this.index.length / 2);
  }

  /**
   * Unlinks oldId and links newId (same key) in its place. The index slot is
   * reused as it is: same key, same hash, so no delete-and-reinsert.
   */
  private replace(oldId: number, newId: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = this._hash(oldId) & mask;
    while (index[i] !== oldId + 1) i = (i + 1) & mask;
    index[i] = newId + 1;
    // Old item out (as unlink(), minus the index).
    this.setFlagBits(oldId, this.flagBits(oldId) & (~ItemFlag.Linked));
    const oldTotal = this.total(oldId);
    const oc = this.classOf(oldId);
    this.lruUnlinkQ(oldId, oc);
    this.lruCount[oc]--;
    this.lruBytes[oc] -= oldTotal;
    this.free(oldId);
    // New item in (as link(), minus the index).
    if ((this.flagBits(newId) & ItemFlag.Pending) !== 0) {
      this.pendingCount--;
      this.setFlagBits(newId, this.flagBits(newId) & (~ItemFlag.Pending));
    }
    this.setFlagBits(newId, this.flagBits(newId) | (ItemFlag.Linked));
    this._setTime(newId, this.now);
    const ntotal = this.total(newId);
    this.currBytes += ntotal - oldTotal;
    this.counters.totalItems++;
    this._setCas(newId, ++this.casId);
    const c = this.classOf(newId);
    this.lruLinkHead(newId, c);
    this.lruCount[c]++;
    this.lruBytes[c] += ntotal;
  }

  /** A fresh CAS value (stats sizes_enable). */
  nextCas(): number {
    return ++this.casId;
  }

  /** Gives a linked item a new CAS (md with I). */
  renewCas(id: number): void {
    this._setCas(id, ++this.casId);
  }

  // ---- storage ----------------------------------------------------------------

  /**
   * memcached's do_store_item for an allocated item. `cas[id]` holds the CAS the
   * client asked for (0 = none); `setStale` is ms's I flag. The item is linked or
   * freed by the time this returns; on Stored, `lastCas` is the stored item's CAS.
   */
  store(id: number, mode: StoreMode, setStale = false): StoreResult {
    const keyBuf = this.keyBuffer(id);
    const kOff = this.keyOffset(id);
    const old = this.getHashed(keyBuf, kOff, kOff + this.keyLen(id), this._hash(id));
    let stored = StoreResult.NotStored;
    let item = id;
    if (old >= 0) {
      const itCas = this.takeRequestedCas(id);
      const oldCas = this.casOf(old);
      // 0: none, 1: match, 2: stale, 3: bad value
      const casRes = itCas === 0 ? 0 : itCas === oldCas ? 1 : setStale && itCas < oldCas ? 2 : 3;
      let doStore = false;
      switch (mode) {
        case StoreMode.Add:
          this.update(old);
          break;
        case StoreMode.Cas:
          if (casRes === 1) {
            this.hits.casHits[this.classOf(old)]++;
            doStore = true;
          } else if (casRes === 2) {
            // A stale write keeps the old TTL and marks the item stale.
            this.setExptime(id, this.exptimeOf(old));
            this.setFlagBits(id, this.flagBits(id) | (ItemFlag.Stale | (this.flagBits(old) & ItemFlag.TokenSent)));
            this.hits.casHits[this.classOf(old)]++;
            doStore = true;
          } else {
            this.hits.casBadval[this.classOf(old)]++;
            stored = StoreResult.Exists;
          }
          break;
        case StoreMode.Append:
        case StoreMode.Prepend: {
          if (casRes !== 0 && casRes !== 1) {
            stored = StoreResult.Exists;
            break;
          }
          const combined = this.concat(old, id, mode === StoreMode.Append);
          if (combined >= 0) {
            this.free(id);
            item = combined;
            doStore = true;
          }
          break;
        }
        case StoreMode.Replace:
        case StoreMode.Set:
          doStore = true;
          break;
      }
      if (doStore) {
        this.replace(old, item);
        stored = StoreResult.Stored;
      }
    } else {
      switch (mode) {
        case StoreMode.Add:
        case StoreMode.Set:
          this.link(id);
          stored = StoreResult.Stored;
          break;
        case StoreMode.Cas:
          stored = StoreResult.NotFound;
          this.counters.casMisses++;
          break;
        default:
          break;
      }
    }
    if (stored === StoreResult.Stored) this.lastCas = this.casOf(item);
    else if ((this.flagBits(id) & ItemFlag.Pending) !== 0) this.free(id);
    return stored;
  }

  /** CAS of the item the last successful store() linked. */
  lastCas = 0;

  /** A new item holding old's value with the new data appended or prepended; -1 on OOM. */
  private concat(old: number, add: number, append: boolean): number {
    const oldLen = this.valLen(old);
    const addLen = this.valLen(add);
    this.pinned = old;
    const keyBuf = this.keyBuffer(old);
    const kOff = this.keyOffset(old);
    const nid = this.alloc(keyBuf, kOff, kOff + this.keyLen(old), this.flagsOf(old), this.exptimeOf(old), oldLen + addLen);
    this.pinned = -1;
    if (nid < 0) return -1;
    const dst = this.valueBuffer(nid);
    const d = this.valueOffset(nid);
    const oldBuf = this.valueBuffer(old);
    const oldOff = this.valueOffset(old);
    const addBuf = this.valueBuffer(add);
    const addOff = this.valueOffset(add);
    if (append) {
      oldBuf.copy(dst, d, oldOff, oldOff + oldLen);
      addBuf.copy(dst, d + oldLen, addOff, addOff + addLen);
    } else {
      addBuf.copy(dst, d, addOff, addOff + addLen);
      oldBuf.copy(dst, d + addLen, oldOff, oldOff + oldLen);
    }
    return nid;
  }

  /**
   * A plain `set` of a key that exists, with the whole value at hand: when the new
   * item falls in the same memcached class and the same arena slot size, the old
   * item is overwritten where it is instead of allocating, linking and freeing.
   * To a client this is exactly a set (new CAS, new flags and TTL, LRU head, not
   * yet fetched); no reader can see the bytes change because replies are copied
   * out when they are built. Returns false when the general path must be taken.
   */
  overwrite(key: Buffer, kStart: number, kEnd: number, flags: number, exptime: number, src: Buffer, srcView: DataView, vStart: number, vlen: number): boolean {
    // The hottest store path (pipelined sets of existing keys): field accesses are
    // written out over the record array instead of going through the accessors, so
    // the whole check-and-copy stays one small optimised function.
    const id = this.findHashed(key, kStart, kEnd, hashBytes(key, kStart, kEnd));
    if (id < 0) return false;
    const m = this.m;
    const b = id * STRIDE;
    const bits = m[b + F_BITS];
    if (((bits >>> 16) & ItemFlag.Chunked) !== 0) return false;
    const exp = m[b + F_EXP] >>> 0;
    const now = this.now;
    if ((exp !== 0 && exp <= now) || (this.oldestLive !== 0 && this.isFlushed(id))) return false;
    const klen = kEnd - kStart;
    const oldVlen = m[b + F_VLEN];
    const oldFlags = m[b + F_FLAGS];
    const c = (bits >>> 8) & 0xff;
    const ref = m[b + F_REF] >>> 0;
    const arena = this.arena;
    const oldTotal = itemTotal(klen, oldVlen, oldFlags);
    const newTotal = itemTotal(klen, vlen, flags);
    if (vlen !== oldVlen || newTotal !== oldTotal) {
      // A different size may still fit the same memcached class and arena slot.
      if (newTotal > this.classes.chunkMax || this.classes.classFor(newTotal) !== c) return false;
      const cap = arena.capacity(ref);
      const need = klen + vlen;
      if (need > cap || arena.classFor(need) !== arena.classFor(cap) || need * 2 < cap) return false;
    }
    const dst = arena.buffer(ref);
    const off = arena.offset(ref) + klen;
    if (vlen <= 128) copyWords(dst, this.pageView(dst), off, src, srcView, vStart, vlen);
    else src.copy(dst, off, vStart, vStart + vlen);
    const touchedThisSecond = m[b + F_TIME] >>> 0 === now;
    m[b + F_VLEN] = vlen;
    m[b + F_FLAGS] = flags;
    m[b + F_EXP] = exptime;
    m[b + F_TIME] = now;
    m[b + F_BITS] = (bits & 0xffff) | (ItemFlag.Linked << 16);
    const cas = ++this.casId;
    m[b + F_CAS_LO] = cas % TWO32;
    m[b + F_CAS_HI] = Math.floor(cas / TWO32);
    if (newTotal !== oldTotal) {
      this.currBytes += newTotal - oldTotal;
      this.lruBytes[c] += newTotal - oldTotal;
    }
    this.counters.totalItems++;
    // Moving to the LRU head touches three other items; an item already moved
    // this second is as recent as the LRU's one-second resolution can say.
    if (!touchedThisSecond && this.heads[c] !== id) {
      this.lruUnlinkQ(id, c);
      this.lruLinkHead(id, c);
    }
    this.lastCas = cas;
    this.lastStoredClass = c;
    return true;
  }

  /** The class of the item the last overwrite() stored. */
  lastStoredClass = 0;

  /** Removes the item with this key if any (failed sets must not leave stale data). */
  removeKey(buf: Buffer, start: number, end: number): void {
    const id = this.get(buf, start, end, false);
    if (id >= 0) this.unlink(id);
  }

  // ---- incr / decr ------------------------------------------------------------

  /** Result value of the last delta() that returned Ok. */
  deltaValue = 0n;

  /**
   * memcached's do_add_delta: adds or subtracts (flooring at 0) a 64-bit delta to a
   * decimal value. The result id is in `deltaId` and the new value in `deltaValue`.
   */
  delta(buf: Buffer, start: number, end: number, incr: boolean, delta: bigint, casIn: number): DeltaResult {
    let id = this.get(buf, start, end, false);
    this.deltaId = -1;
    if (id < 0) return DeltaResult.NotFound;
    const vlen = this.valLen(id);
    if (vlen === 0 || (this.flagBits(id) & ItemFlag.Chunked) !== 0) return DeltaResult.NonNumeric;
    if (casIn !== 0 && this.casOf(id) !== casIn) return DeltaResult.CasMismatch;
    const vbuf = this.valueBuffer(id);
    const voff = this.valueOffset(id);
    const current = parseStoredU64(vbuf, voff, voff + vlen);
    if (current === null) return DeltaResult.NonNumeric;
    let value: bigint;
    if (incr) {
      value = (current + delta) & U64;
      this.hits.incrHits[this.classOf(id)]++;
    } else {
      value = delta > current ? 0n : current - delta;
      this.hits.decrHits[this.classOf(id)]++;
    }
    const text = value.toString();
    if (text.length <= vlen) {
      // In place, padded with spaces as memcached does: the length never shrinks.
      this._setCas(id, ++this.casId);
      vbuf.latin1Write(text, voff, text.length);
      vbuf.fill(0x20, voff + text.length, voff + vlen);
      this.update(id);
    } else {
      this.pinned = id;
      const keyBuf = this.keyBuffer(id);
      const kOff = this.keyOffset(id);
      const nid = this.alloc(keyBuf, kOff, kOff + this.keyLen(id), this.flagsOf(id), this.exptimeOf(id), text.length);
      this.pinned = -1;
      if (nid < 0) return DeltaResult.NoMemory;
      this.valueBuffer(nid).latin1Write(text, this.valueOffset(nid), text.length);
      this.replace(id, nid);
      id = nid;
    }
    this.deltaValue = value;
    this.deltaId = id;
    return DeltaResult.Ok;
  }

  /** Item id of the last successful delta(). */
  deltaId = -1;

  // ---- flush ------------------------------------------------------------------

  /**
   * flush_all [delay]: `when` is the relative-clock time from realtime(), or 0 for
   * now. Items last updated before then stop being returned. An immediate flush
   * frees everything at once (memcached frees lazily; nothing can tell the
   * difference but memory).
   */
  flushAll(when: number): void {
    const newOldest = when > 0 ? when : this.now;
    this.oldestLive = newOldest - 1;
    if (this.oldestLive <= this.now) {
      this.oldestCas = ++this.casId;
      // oldest_live 0 means "no flush" to memcached's checks, so nothing is flushed.
      if (this.oldestLive !== 0) this.dropAll();
      this.delayedFlushPending = false;
    } else {
      this.delayedFlushPending = true;
    }
  }

  /** Frees every linked item (pending uploads survive). */
  private dropAll(): void {
    if (this.pendingCount === 0) {
      // Nothing is in flight: every chunk of every class is free again (the pages
      // stay with their classes, as in memcached).
      const per = this.classes.perSlab;
      for (let c = 1; c <= this.classes.largest; c++) this.pages.free[c] = this.pages.pages[c] * per[c];
      for (let id = 0; id < this.highWater; id++) this.setFlagBits(id, 0);
      this.chunkLists.clear();
      this.arena.reset();
      this.highWater = 0;
      this.freeIds = [];
      this.index = new Int32Array(MIN_INDEX);
      this.mask = MIN_INDEX - 1;
      this.live = 0;
      this.heads.fill(-1);
      this.tails.fill(-1);
      this.lruCount.fill(0);
      this.lruBytes.fill(0);
      this.currItems = 0;
      this.currBytes = 0;
      this.crawlCursor = 0;
      if (this.m.length > (1 << 16) * STRIDE) this.m = new Int32Array(MIN_ENTRIES * STRIDE);
      return;
    }
    for (let id = 0; id < this.highWater; id++) {
      if ((this.flagBits(id) & ItemFlag.Linked) !== 0) this.unlink(id);
    }
  }

  // ---- background work (memcached's LRU crawler) ------------------------------

  /**
   * Called about once a second: reads the clock, applies a delayed flush_all
   * that came due, and reclaims expired items from a slice of the store.
   */
  tick(): void {
    this.updateTime();
    if (this.delayedFlushPending && this.oldestLive <= this.now) {
      this.delayedFlushPending = false;
      for (let id = 0; id < this.highWater; id++) {
        if ((this.flagBits(id) & ItemFlag.Linked) !== 0 && this.isFlushed(id)) this.unlink(id);
      }
    }
    this.crawl(CRAWL_BUDGET);
  }

  /** `lru_crawler crawl`: reclaims expired and flushed items of the given classes now. */
  crawlClasses(classes: Set<number>): void {
    this.counters.crawlerStarts++;
    for (let id = 0; id < this.highWater; id++) {
      if ((this.flagBits(id) & ItemFlag.Linked) === 0) continue;
      const c = this.classOf(id);
      if (!classes.has(c)) continue;
      this.lru.crawlerItemsChecked[c]++;
      const exp = this.exptimeOf(id);
      if ((exp !== 0 && exp < this.now) || this.isFlushed(id)) {
        this.lru.crawlerReclaimed[c]++;
        this.unlink(id);
      }
    }
  }

  private crawl(budget: number): void {
    if (this.highWater === 0) return;
    let id = this.crawlCursor;
    for (let n = 0; n < budget; n++) {
      if (id >= this.highWater) {
        id = 0;
        this.counters.crawlerStarts++;
        break;
      }
      if ((this.flagBits(id) & ItemFlag.Linked) !== 0) {
        const c = this.classOf(id);
        this.lru.crawlerItemsChecked[c]++;
        const exp = this.exptimeOf(id);
        // Freshly expired items are left to the allocation path (which counts them
        // as "reclaimed", as memcached's does while its crawler is between runs).
        if (exp !== 0 && exp + CRAWL_GRACE < this.now) {
          this.lru.crawlerReclaimed[c]++;
          this.unlink(id);
        }
      }
      id++;
    }
    this.crawlCursor = id;
  }

  // ---- slabs reassign -----------------------------------------------------------

  /**
   * `slabs reassign src dst`: moves one page from src to dst, evicting src's
   * oldest items until a page worth of chunks is free. Returns the reply code.
   */
  reassign(src: number, dst: number): 'OK' | 'BADCLASS' | 'NOSPARE' | 'SAME' {
    const largest = this.classes.largest;
    if (src === -1) {
      src = 0;
      for (let c = 1; c <= largest; c++) {
        if (c !== dst && this.pages.pages[c] > 1) {
          src = c;
          break;
        }
      }
      if (src === 0) return 'NOSPARE';
    }
    if (src === dst) return 'SAME';
    if (src < 1 || src > largest || dst < 1 || dst > largest) return 'BADCLASS';
    if (this.pages.pages[src] < 2) return 'NOSPARE';
    while (!this.pages.hasSparePage(src)) {
      const victim = this.tails[src];
      if (victim === -1) break;
      this.lru.evicted[src]++;
      this.unlink(victim);
    }
    if (!this.pages.hasSparePage(src)) return 'NOSPARE';
    this.pages.movePage(src, dst);
    return 'OK';
  }

  // ---- stats and iteration ------------------------------------------------------

  /** Age in seconds of the oldest item of a class LRU (stats items age). */
  tailAge(cls: number): number {
    const t = this.tails[cls];
    return t === -1 ? 0 : this.now - this.timeOf(t);
  }

  /** Walks a class LRU from the head (stats cachedump). */
  forEachInClass(cls: number, fn: (id: number) => boolean): void {
    for (let id = this.heads[cls]; id !== -1; id = this._next(id)) if (!fn(id)) return;
  }

  /** Calls fn for every linked item. */
  forEachItem(fn: (id: number) => void): void {
    for (let id = 0; id < this.highWater; id++) if ((this.flagBits(id) & ItemFlag.Linked) !== 0) fn(id);
  }

  /** Buckets of the hash index (stats hash_power_level / hash_bytes). */
  get indexSize(): number {
    return this.index.length;
  }

  /** `stats reset`. */
  resetStats(): void {
    this.counters.reset();
    this.hits.reset();
    this.lru.reset();
    this.prefixes.clear();
  }

  // ---- index and LRU internals --------------------------------------------------

  private indexInsert(id: number, h: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = h & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = id + 1;
  }

  private indexRemove(id: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = this._hash(id) & mask;
    while (index[i] !== id + 1) i = (i + 1) & mask;
    let hole = i;
    let j = (i + 1) & mask;
    while (index[j] !== 0) {
      const home = this._hash(index[j] - 1) & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        index[hole] = index[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    index[hole] = 0;
  }

  private rehash(size: number): void {
    this.index = new Int32Array(size);
    this.mask = size - 1;
    for (let id = 0; id < this.highWater; id++) {
      if ((this.flagBits(id) & ItemFlag.Linked) !== 0) this.indexInsert(id, this._hash(id));
    }
  }

  private lruLinkHead(id: number, c: number): void {
    const head = this.heads[c];
    this._setPrev(id, -1);
    this._setNext(id, head);
    if (head !== -1) this._setPrev(head, id);
    this.heads[c] = id;
    if (this.tails[c] === -1) this.tails[c] = id;
  }

  private lruUnlinkQ(id: number, c: number): void {
    const p = this._prev(id);
    const n = this._next(id);
    if (p !== -1) this._setNext(p, n);
    else this.heads[c] = n;
    if (n !== -1) this._setPrev(n, p);
    else this.tails[c] = p;
    this._setPrev(id, -1);
    this._setNext(id, -1);
  }

  private lruToHead(id: number): void {
    if ((this.flagBits(id) & ItemFlag.Linked) === 0) return;
    const c = this.classOf(id);
    if (this.heads[c] === id) return;
    this.lruUnlinkQ(id, c);
    this.lruLinkHead(id, c);
  }
}

/**
 * A stored value as memcached's safe_strtoull reads it (the value is followed by
 * CRLF in memcached's memory, so the number may end at the value's end or at
 * whitespace): optional leading whitespace, optional sign, digits, then only
 * whitespace. null when not a number or over 64 bits; "-N" is refused unless
 * it wraps to a value that fits a signed 64-bit integer, as strtoull does.
 */
export function parseStoredU64(buf: Buffer, start: number, end: number): bigint | null {
  let i = start;
  while (i < end && isSpace(buf[i])) i++;
  let neg = false;
  if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) {
    neg = buf[i] === 0x2d;
    i++;
  }
  const digitsStart = i;
  let v = 0n;
  let small = 0;
  let smallDigits = 0;
  while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) {
    if (smallDigits < 15) {
      small = small * 10 + (buf[i] - 0x30);
      smallDigits++;
    } else {
      v = (smallDigits === 15 ? BigInt(small) : v) * 10n + BigInt(buf[i] - 0x30);
      smallDigits++;
      if (v > U64) return null;
    }
    i++;
  }
  if (i === digitsStart) return null;
  if (i < end && !isSpace(buf[i]) && buf[i] !== 0) return null;
  let value = smallDigits <= 15 ? BigInt(small) : v;
  if (neg) {
    value = (U64 + 1n - value) & U64;
    // strtoull negates; safe_strtoull then rejects results that look negative.
    if (value >= 1n << 63n) return null;
  }
  return value;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
