// One database of the Valkey/Redis engine: keys, their types, values and expiry.
//
// Laid out for memory and GC, not for convenience (see slab-arena.ts for why):
// - an entry is an integer id; its fields live in parallel typed arrays
//   (key/value slot ref, lengths, type, hash, expire time, LRU/LFU word);
// - a key's bytes and, for strings, its value bytes share one arena slot:
//   [key][value];
// - the index is open addressing with linear probing over an Int32Array of
//   entry ids (+1, 0 = empty), deletions by backward shift (no tombstones);
// - collections (list, hash, set, zset, stream) are JS objects in `objects[id]`.
// Keys are looked up straight from the bytes of the request: no string per key.
//
// This module knows nothing of commands or protocols: it answers with ids and
// lengths, and the command layer phrases replies.

import { hashBytes } from './hash.js';
import { SlabArena } from './slab-arena.js';
import { MemoryAccount, releaseObject } from './memory.js';

export const enum ValueType {
  None = 0,
  String = 1,
  List = 2,
  Set = 3,
  ZSet = 4,
  Hash = 5,
  Stream = 6,
}

export const TYPE_NAMES = ['none', 'string', 'list', 'set', 'zset', 'hash', 'stream'] as const;

const MIN_ENTRIES = 16;
const MIN_INDEX = 64;

export class Keyspace {
  readonly arena: SlabArena;

  // Entry fields, indexed by id.
  private refs: Uint32Array;
  private keyLens: Uint32Array;
  private valLens: Uint32Array;
  private hashes: Uint32Array;
  private types: Uint8Array;
  /** LRU clock (seconds) or LFU word, as the eviction policy reads it. */
  lru: Uint32Array;
  private volatilePos: Int32Array;
  private objects: unknown[] = [];

  private highWater = 0; // ids below this have been used
  private freeIds: number[] = [];
  private live = 0;

  private index: Int32Array;
  private mask: number;

  /**
   * Keys with an expire time, densely packed (for sampling): their ids and, beside
   * them, their expire times. Keeping times here rather than in a per-entry array
   * saves 8 bytes on every key without a TTL.
   */
  private volatileIds: Int32Array;
  private volatileAt: Float64Array;
  private volatileCount = 0;

  /** Where collection objects charge their memory (shared by a node's databases). */
  readonly account: MemoryAccount;

  constructor(arena: SlabArena, account: MemoryAccount) {
    this.arena = arena;
    this.account = account;
    this.refs = new Uint32Array(MIN_ENTRIES);
    this.keyLens = new Uint32Array(MIN_ENTRIES);
    this.valLens = new Uint32Array(MIN_ENTRIES);
    this.hashes = new Uint32Array(MIN_ENTRIES);
    this.types = new Uint8Array(MIN_ENTRIES);
    this.lru = new Uint32Array(MIN_ENTRIES);
    this.volatilePos = new Int32Array(MIN_ENTRIES).fill(-1);
    this.volatileIds = new Int32Array(MIN_ENTRIES);
    this.volatileAt = new Float64Array(MIN_ENTRIES);
    this.index = new Int32Array(MIN_INDEX);
    this.mask = MIN_INDEX - 1;
  }

  /** Number of keys (expired-but-not-yet-removed keys included, as Redis counts). */
  get size(): number {
    return this.live;
  }

  get volatileSize(): number {
    return this.volatileCount;
  }

  /** Bytes of fixed per-entry and index overhead (for used_memory). */
  get overheadBytes(): number {
    return this.refs.length * 25 + this.volatileIds.length * 12 + this.index.length * 4;
  }

  // ---- lookup -------------------------------------------------------------

  /** The id of the key in buf[start, end), or -1. Does not look at expiry. */
  find(buf: Buffer, start: number, end: number): number {
    const h = hashBytes(buf, start, end);
    const len = end - start;
    const index = this.index;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const slot = index[i];
      if (slot === 0) return -1;
      const id = slot - 1;
      if (this.hashes[id] === h && this.keyLens[id] === len && this.keyEquals(id, buf, start, len)) return id;
      i = (i + 1) & mask;
    }
  }

  findString(key: string): number {
    const b = Buffer.from(key, 'latin1');
    return this.find(b, 0, b.length);
  }

  private keyEquals(id: number, buf: Buffer, start: number, len: number): boolean {
    const ref = this.refs[id];
    const page = this.arena.buffer(ref);
    const off = this.arena.offset(ref);
    if (len <= 32) {
      for (let k = 0; k < len; k++) if (page[off + k] !== buf[start + k]) return false;
      return true;
    }
    return page.compare(buf, start, start + len, off, off + len) === 0;
  }

  // ---- create and delete --------------------------------------------------

  /**
   * Adds a key that does not exist yet, with room for `valueLen` value bytes when the
   * type is String. Returns its id.
   */
  insert(buf: Buffer, start: number, end: number, type: ValueType, valueLen = 0): number {
    const id = this.allocId();
    const klen = end - start;
    const h = hashBytes(buf, start, end);
    const ref = this.arena.alloc(klen + valueLen);
    const page = this.arena.buffer(ref);
    const off = this.arena.offset(ref);
    if (klen <= 32) for (let k = 0; k < klen; k++) page[off + k] = buf[start + k];
    else buf.copy(page, off, start, end);
    this.refs[id] = ref;
    this.keyLens[id] = klen;
    this.valLens[id] = valueLen;
    this.hashes[id] = h;
    this.types[id] = type;
    this.live++;
    // Growing rebuilds the index from every live entry, this new one included.
    if (this.live * 4 > this.index.length * 3) this.rehash(this.index.length * 2);
    else this.indexInsert(id, h);
    return id;
  }

  /** Removes a key and frees its bytes. The collection object, if any, is dropped. */
  delete(id: number): void {
    this.indexRemove(id);
    if (this.volatilePos[id] !== -1) this.unsetVolatile(id);
    this.arena.free(this.refs[id]);
    this.types[id] = ValueType.None;
    this.dropObject(id);
    this.keyLens[id] = 0;
    this.valLens[id] = 0;
    this.freeIds.push(id);
    this.live--;
    if (this.index.length > MIN_INDEX && this.live * 8 < this.index.length) this.rehash(this.index.length / 2);
  }

  /** Removes every key. Frees slots one by one unless `arenaReset` says the caller resets the arena. */
  clear(arenaReset = false): void {
    for (let id = 0; id < this.highWater; id++) {
      if (this.types[id] === ValueType.None) continue;
      if (!arenaReset) this.arena.free(this.refs[id]);
      this.dropObject(id);
    }
    this.refs = new Uint32Array(MIN_ENTRIES);
    this.keyLens = new Uint32Array(MIN_ENTRIES);
    this.valLens = new Uint32Array(MIN_ENTRIES);
    this.hashes = new Uint32Array(MIN_ENTRIES);
    this.types = new Uint8Array(MIN_ENTRIES);
    this.lru = new Uint32Array(MIN_ENTRIES);
    this.volatilePos = new Int32Array(MIN_ENTRIES).fill(-1);
    this.volatileIds = new Int32Array(MIN_ENTRIES);
    this.volatileAt = new Float64Array(MIN_ENTRIES);
    this.volatileCount = 0;
    this.objects = [];
    this.highWater = 0;
    this.freeIds = [];
    this.live = 0;
    this.index = new Int32Array(MIN_INDEX);
    this.mask = MIN_INDEX - 1;
  }

  private dropObject(id: number): void {
    const obj = this.objects[id];
    if (obj !== undefined) {
      releaseObject(obj, this.account);
      this.objects[id] = undefined;
    }
  }

  private allocId(): number {
    if (this.freeIds.length > 0) return this.freeIds.pop()!;
    if (this.highWater === this.refs.length) this.growEntries(this.refs.length * 2);
    return this.highWater++;
  }

  private growEntries(n: number): void {
    const grow = <T extends Uint32Array | Uint8Array | Float64Array | Int32Array>(a: T, fill?: number): T => {
      const b = new (a.constructor as { new (n: number): T })(n);
      if (fill !== undefined) b.fill(fill);
      b.set(a);
      return b;
    };
    this.refs = grow(this.refs);
    this.keyLens = grow(this.keyLens);
    this.valLens = grow(this.valLens);
    this.hashes = grow(this.hashes);
    this.types = grow(this.types);
    this.lru = grow(this.lru);
    this.volatilePos = grow(this.volatilePos, -1);
  }

  // ---- index --------------------------------------------------------------

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
    let i = this.hashes[id] & mask;
    while (index[i] !== id + 1) i = (i + 1) & mask;
    // Backward-shift deletion: move later members of the probe run into the hole
    // when their home slot is at or before it, so lookups never need tombstones.
    let hole = i;
    let j = (i + 1) & mask;
    while (index[j] !== 0) {
      const home = this.hashes[index[j] - 1] & mask;
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
      if (this.types[id] !== ValueType.None) this.indexInsert(id, this.hashes[id]);
    }
  }

  // ---- fields ---------------------------------------------------------------

  type(id: number): ValueType {
    return this.types[id] as ValueType;
  }

  setType(id: number, t: ValueType): void {
    this.types[id] = t;
  }

  keyLength(id: number): number {
    return this.keyLens[id];
  }

  /** The Buffer and offset where the key's bytes are (valid until the entry changes). */
  keyBuffer(id: number): Buffer {
    return this.arena.buffer(this.refs[id]);
  }

  keyOffset(id: number): number {
    return this.arena.offset(this.refs[id]);
  }

  /** The key as a latin1 string (binary-safe). */
  keyString(id: number): string {
    const ref = this.refs[id];
    const off = this.arena.offset(ref);
    return this.arena.buffer(ref).latin1Slice(off, off + this.keyLens[id]);
  }

  /** A copy of the key's bytes. */
  keyCopy(id: number): Buffer {
    const ref = this.refs[id];
    const off = this.arena.offset(ref);
    return Buffer.from(this.arena.buffer(ref).subarray(off, off + this.keyLens[id]));
  }

  valueLength(id: number): number {
    return this.valLens[id];
  }

  /** The Buffer holding a string value's bytes; they start at valueOffset(id). */
  valueBuffer(id: number): Buffer {
    return this.arena.buffer(this.refs[id]);
  }

  valueOffset(id: number): number {
    return this.arena.offset(this.refs[id]) + this.keyLens[id];
  }

  /** A copy of a string value. */
  valueCopy(id: number): Buffer {
    const ref = this.refs[id];
    const off = this.arena.offset(ref) + this.keyLens[id];
    return Buffer.from(this.arena.buffer(ref).subarray(off, off + this.valLens[id]));
  }

  /** A string value as a latin1 string. */
  valueString(id: number): string {
    const ref = this.refs[id];
    const off = this.arena.offset(ref) + this.keyLens[id];
    return this.arena.buffer(ref).latin1Slice(off, off + this.valLens[id]);
  }

  /**
   * Makes room for a string value of `len` bytes (contents undefined, key kept) and
   * marks the entry a String. Returns the offset to write at, in valueBuffer(id).
   * Existing value bytes up to min(old, len) are kept when `keep` is true.
   */
  resizeValue(id: number, len: number, keep = false): number {
    const klen = this.keyLens[id];
    let ref = this.refs[id];
    const cap = this.arena.capacity(ref);
    if (klen + len > cap || (cap > 256 && (klen + len) * 2 < cap && !keep)) {
      const next = this.arena.alloc(keep ? Math.max(klen + len, Math.min(2 * (klen + len), klen + len + 1024 * 1024)) : klen + len);
      const src = this.arena.buffer(ref);
      const srcOff = this.arena.offset(ref);
      const copyLen = klen + (keep ? Math.min(this.valLens[id], len) : 0);
      src.copy(this.arena.buffer(next), this.arena.offset(next), srcOff, srcOff + copyLen);
      this.arena.free(ref);
      this.refs[id] = ref = next;
    }
    if (this.types[id] !== ValueType.String) {
      this.dropObject(id);
      this.types[id] = ValueType.String;
    }
    this.valLens[id] = len;
    return this.arena.offset(ref) + klen;
  }

  /** Stores a string value copied from src[start, end). */
  setValue(id: number, src: Buffer, start: number, end: number): void {
    const len = end - start;
    const off = this.resizeValue(id, len);
    const dst = this.arena.buffer(this.refs[id]);
    if (len <= 32) for (let k = 0; k < len; k++) dst[off + k] = src[start + k];
    else src.copy(dst, off, start, end);
  }

  /** The collection object of a non-string key. */
  object<T>(id: number): T {
    return this.objects[id] as T;
  }

  /** Makes the entry hold a collection object of the given type (frees value bytes). */
  setObject(id: number, type: ValueType, obj: unknown): void {
    if (this.valLens[id] > 0) this.resizeValue(id, 0);
    this.valLens[id] = 0;
    this.types[id] = type;
    if (this.objects[id] !== obj) this.dropObject(id);
    this.objects[id] = obj;
  }

  // ---- expiry -------------------------------------------------------------

  /** Absolute expire time in ms, or 0 for none. */
  expireAt(id: number): number {
    const pos = this.volatilePos[id];
    return pos === -1 ? 0 : this.volatileAt[pos];
  }

  setExpire(id: number, at: number): void {
    if (at === 0) {
      this.persist(id);
      return;
    }
    let pos = this.volatilePos[id];
    if (pos === -1) {
      if (this.volatileCount === this.volatileIds.length) {
        const ids = new Int32Array(this.volatileIds.length * 2);
        ids.set(this.volatileIds);
        this.volatileIds = ids;
        const at = new Float64Array(this.volatileAt.length * 2);
        at.set(this.volatileAt);
        this.volatileAt = at;
      }
      pos = this.volatileCount++;
      this.volatileIds[pos] = id;
      this.volatilePos[id] = pos;
    }
    this.volatileAt[pos] = at;
  }

  /** Removes the expire time; true if there was one. */
  persist(id: number): boolean {
    if (this.volatilePos[id] === -1) return false;
    this.unsetVolatile(id);
    return true;
  }

  private unsetVolatile(id: number): void {
    const pos = this.volatilePos[id];
    const lastPos = --this.volatileCount;
    const last = this.volatileIds[lastPos];
    this.volatileIds[pos] = last;
    this.volatileAt[pos] = this.volatileAt[lastPos];
    this.volatilePos[last] = pos;
    this.volatilePos[id] = -1;
  }

  /** A random key id with an expire time, or -1. */
  randomVolatile(): number {
    if (this.volatileCount === 0) return -1;
    return this.volatileIds[(Math.random() * this.volatileCount) | 0];
  }

  /** A random key id, or -1 when empty. */
  randomId(): number {
    if (this.live === 0) return -1;
    for (;;) {
      const id = (Math.random() * this.highWater) | 0;
      if (this.types[id] !== ValueType.None) return id;
    }
  }

  // ---- iteration ------------------------------------------------------------

  /** Calls fn for every key id (fn must not add or delete keys). */
  forEach(fn: (id: number) => void): void {
    for (let id = 0; id < this.highWater; id++) if (this.types[id] !== ValueType.None) fn(id);
  }

  /** All key ids (a snapshot, safe against changes while iterating). */
  ids(): number[] {
    const out: number[] = [];
    for (let id = 0; id < this.highWater; id++) if (this.types[id] !== ValueType.None) out.push(id);
    return out;
  }

  /**
   * One SCAN step: emits the ids whose home bucket is `cursor` (and, when the table
   * is small, a few more buckets) and returns the next cursor, 0 when done.
   * Cursors walk bucket numbers in reverse-binary order, as Redis's dictScan does,
   * so every key present for the whole scan is returned even if the index is
   * resized between calls. A key may be returned more than once.
   */
  scan(cursor: number, count: number, emit: (id: number) => void): number {
    if (this.live === 0) return 0;
    const mask = this.mask;
    let visited = 0;
    let c = cursor >>> 0;
    do {
      visited += this.emitBucket(c & mask, emit);
      // Increment the reversed cursor (dictScan's trick).
      c |= ~mask;
      c = reverseBits(c);
      c = (c + 1) | 0;
      c = reverseBits(c);
      c >>>= 0;
    } while (c !== 0 && visited < count);
    return c;
  }

  private emitBucket(bucket: number, emit: (id: number) => void): number {
    const index = this.index;
    const mask = this.mask;
    let n = 0;
    let i = bucket;
    // Members of this bucket sit in the probe run starting at it.
    while (index[i] !== 0) {
      const id = index[i] - 1;
      if ((this.hashes[id] & mask) === bucket) {
        emit(id);
        n++;
      }
      i = (i + 1) & mask;
      if (i === bucket) break;
    }
    return n;
  }
}

function reverseBits(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}
