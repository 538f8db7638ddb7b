// memcached's slab classes and item sizes, as memcached 1.6 computes them.
//
// Cove does not store items in memcached-shaped chunks (bytes live in the shared
// SlabArena and the header fields in typed arrays, see item-store.ts), but it
// accounts for memory exactly as memcached would: an item "costs" the chunk of
// the class its total size falls in, classes get 1 MiB pages until -m is reached,
// and eviction happens per class. That keeps `stats slabs`, `stats items`,
// evictions and -m behaving like the reference server, while the real memory
// used per item stays below memcached's.

/** sizeof(item) on a 64-bit build: the fixed header memcached puts before the key. */
export const ITEM_HEADER_BYTES = 48;
/** sizeof(item_chunk): the header of each chunk of an item larger than slab_chunk_max. */
export const CHUNK_HEADER_BYTES = 48;
/** The CAS value stored in every item (cas is always enabled). */
export const CAS_BYTES = 8;
/** memcached allows 63 classes plus class 0 (the global page pool). */
export const MAX_CLASSES = 64;

export interface SlabClassOptions {
  /** -n: minimum space for key + value + flags (memcached default 48). */
  chunkSize?: number;
  /** -f: growth factor (default 1.25). */
  factor?: number;
  /** Page size (1 MiB in memcached). */
  pageSize?: number;
  /** Largest chunk; bigger items are chained from chunks of this size (page / 2). */
  chunkMax?: number;
  /** -I: the largest item accepted (default 1 MiB). */
  itemSizeMax?: number;
}

/**
 * The total size memcached charges for an item: header, key + NUL, value + CRLF,
 * client flags when non-zero, and the CAS.
 */
export function itemTotal(keyLen: number, valueLen: number, flags: number): number {
  return ITEM_HEADER_BYTES + keyLen + 1 + valueLen + 2 + (flags !== 0 ? 4 : 0) + CAS_BYTES;
}

export class SlabClasses {
  /** Chunk size per class id (index 0 unused). */
  readonly sizes: number[] = [0];
  /** Chunks per page per class id. */
  readonly perSlab: number[] = [0];
  /** The id of the largest class (chunks of chunkMax bytes). */
  readonly largest: number;
  readonly pageSize: number;
  readonly chunkMax: number;
  readonly itemSizeMax: number;
  readonly factor: number;
  readonly chunkSize: number;

  constructor(opts: SlabClassOptions = {}) {
    this.chunkSize = opts.chunkSize ?? 48;
    this.factor = opts.factor ?? 1.25;
    this.pageSize = opts.pageSize ?? 1024 * 1024;
    this.chunkMax = opts.chunkMax ?? this.pageSize / 2;
    this.itemSizeMax = opts.itemSizeMax ?? 1024 * 1024;
    // Same walk as slabs_init: start at header + chunk_size, align to 8, grow by
    // the factor (truncating, as the C unsigned arithmetic does) until the next
    // class would pass chunkMax / factor; the last class is exactly chunkMax.
    let size = ITEM_HEADER_BYTES + this.chunkSize;
    let i = 0;
    while (++i < MAX_CLASSES - 1) {
      if (size >= this.chunkMax / this.factor) break;
      if (size % 8) size += 8 - (size % 8);
      this.sizes[i] = size;
      this.perSlab[i] = Math.floor(this.pageSize / size);
      size = Math.floor(size * this.factor);
    }
    this.largest = i;
    this.sizes[i] = this.chunkMax;
    this.perSlab[i] = Math.floor(this.pageSize / this.chunkMax);
  }

  /** The class for a chunk of `size` bytes; 0 when the size is over the item limit. */
  classFor(size: number): number {
    if (size === 0 || size > this.itemSizeMax) return 0;
    const sizes = this.sizes;
    let lo = 1;
    let hi = this.largest;
    if (size > sizes[hi]) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sizes[mid] >= size) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * The classes of the chunks an item of total size `ntotal` occupies. Items up to
   * chunkMax take one chunk; larger ones take a header chunk plus value chunks of
   * chunkMax bytes and a last chunk sized to what is left (memcached's chunked items).
   */
  chunkClasses(keyLen: number, valueLen: number, flags: number): number[] {
    const ntotal = itemTotal(keyLen, valueLen, flags);
    if (ntotal <= this.chunkMax) return [this.classFor(ntotal)];
    const header = ITEM_HEADER_BYTES + keyLen + 1 + (flags !== 0 ? 4 : 0) + CHUNK_HEADER_BYTES + CAS_BYTES;
    const out = [this.classFor(header)];
    let remain = valueLen + 2;
    const perChunk = this.chunkMax - CHUNK_HEADER_BYTES;
    while (remain > 0) {
      const size = Math.min(remain + CHUNK_HEADER_BYTES, this.chunkMax);
      out.push(size === this.chunkMax ? this.largest : this.classFor(size));
      remain -= Math.min(remain, perChunk);
    }
    return out;
  }
}
