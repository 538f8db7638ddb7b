// A slab allocator for key and value bytes, over large Buffers.
//
// Why not one Buffer (or string) per key: a JS object per key costs 2-4x the memory
// of redis-server and a GC that scans millions of objects (measured in
// shared/reference/performance.md). Here bytes live in 1 MiB pages split into
// fixed-size slots, one page list per size class (memcached's slabs.c idea, classes
// growing by ~1.25x), and a slot is named by a 32-bit ref: class in the top 6 bits,
// slot number in the rest. The GC sees a few hundred Buffers whatever the key count.
//
// Items too big for the largest class get a Buffer of their own ("big" class).

const PAGE_BYTES = 1 << 20;
const CLASS_BITS = 6;
const SLOT_BITS = 32 - CLASS_BITS;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const BIG_CLASS = (1 << CLASS_BITS) - 1;
const MAX_SLAB_ITEM = 256 * 1024;

export class SlabArena {
  /** Slot size of each class. */
  private readonly sizes: number[] = [];
  /** log2 of slots per page, per class. */
  private readonly shifts: number[] = [];
  private readonly pages: Buffer[][] = [];
  /** Next never-used slot number per class. */
  private readonly fresh: number[] = [];
  private readonly freeLists: Uint32Array[] = [];
  private readonly freeTops: number[] = [];
  private bigs: (Buffer | undefined)[] = [];
  private bigFree: number[] = [];

  /** Bytes of slots in use (slot sizes, not item sizes): the allocator's "used". */
  usedBytes = 0;
  /** Bytes reserved in pages and big buffers. */
  reservedBytes = 0;

  constructor() {
    let size = 16;
    while (size <= MAX_SLAB_ITEM && this.sizes.length < BIG_CLASS) {
      this.sizes.push(size);
      const perPage = Math.max(1, Math.floor(PAGE_BYTES / size));
      this.shifts.push(Math.floor(Math.log2(perPage)));
      this.pages.push([]);
      this.fresh.push(0);
      this.freeLists.push(new Uint32Array(64));
      this.freeTops.push(0);
      if (size < 128) size += 8;
      else size = Math.ceil((size * 1.25) / 8) * 8;
    }
  }

  /** The class whose slots fit n bytes, or BIG_CLASS. */
  classFor(n: number): number {
    const sizes = this.sizes;
    if (n <= 128) return n <= 16 ? 0 : (n - 9) >> 3; // 16,24,...,128 are classes 0..14
    let lo = 15;
    let hi = sizes.length - 1;
    if (n > sizes[hi]) return BIG_CLASS;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sizes[mid] >= n) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Allocates room for n bytes; returns a ref. */
  alloc(n: number): number {
    const cls = this.classFor(n);
    if (cls === BIG_CLASS) return this.allocBig(n);
    const size = this.sizes[cls];
    this.usedBytes += size;
    const top = this.freeTops[cls];
    if (top > 0) {
      this.freeTops[cls] = top - 1;
      return ((cls << SLOT_BITS) | this.freeLists[cls][top - 1]) >>> 0;
    }
    const slot = this.fresh[cls]++;
    const shift = this.shifts[cls];
    if ((slot >>> shift) >= this.pages[cls].length) {
      const page = Buffer.allocUnsafeSlow(size << shift);
      this.pages[cls].push(page);
      this.reservedBytes += page.length;
    }
    return ((cls << SLOT_BITS) | slot) >>> 0;
  }

  private allocBig(n: number): number {
    const b = Buffer.allocUnsafeSlow(n);
    const slot = this.bigFree.length ? this.bigFree.pop()! : this.bigs.length;
    this.bigs[slot] = b;
    this.usedBytes += n;
    this.reservedBytes += n;
    return ((BIG_CLASS << SLOT_BITS) | slot) >>> 0;
  }

  free(ref: number): void {
    const cls = ref >>> SLOT_BITS;
    const slot = ref & SLOT_MASK;
    if (cls === BIG_CLASS) {
      const b = this.bigs[slot]!;
      this.usedBytes -= b.length;
      this.reservedBytes -= b.length;
      this.bigs[slot] = undefined;
      this.bigFree.push(slot);
      return;
    }
    this.usedBytes -= this.sizes[cls];
    let list = this.freeLists[cls];
    const top = this.freeTops[cls];
    if (top === list.length) {
      const grown = new Uint32Array(list.length * 2);
      grown.set(list);
      this.freeLists[cls] = list = grown;
    }
    list[top] = slot;
    this.freeTops[cls] = top + 1;
  }

  /** The Buffer holding a ref's bytes (read at `offset(ref)`). */
  buffer(ref: number): Buffer {
    const cls = ref >>> SLOT_BITS;
    const slot = ref & SLOT_MASK;
    if (cls === BIG_CLASS) return this.bigs[slot]!;
    return this.pages[cls][slot >>> this.shifts[cls]];
  }

  offset(ref: number): number {
    const cls = ref >>> SLOT_BITS;
    if (cls === BIG_CLASS) return 0;
    const shift = this.shifts[cls];
    return ((ref & SLOT_MASK) & ((1 << shift) - 1)) * this.sizes[cls];
  }

  /** How many bytes the ref can hold. */
  capacity(ref: number): number {
    const cls = ref >>> SLOT_BITS;
    if (cls === BIG_CLASS) return this.bigs[ref & SLOT_MASK]!.length;
    return this.sizes[cls];
  }

  /** Releases every page: FLUSHALL. Refs handed out before are invalid afterwards. */
  reset(): void {
    for (let c = 0; c < this.pages.length; c++) {
      this.pages[c] = [];
      this.fresh[c] = 0;
      this.freeTops[c] = 0;
      this.freeLists[c] = new Uint32Array(64);
    }
    this.bigs = [];
    this.bigFree = [];
    this.usedBytes = 0;
    this.reservedBytes = 0;
  }

  /** Per-class figures, for INFO/MEMORY STATS and memcached's `stats slabs`. */
  classStats(): { size: number; pages: number; used: number; free: number }[] {
    return this.sizes.map((size, c) => ({
      size,
      pages: this.pages[c].length,
      used: this.fresh[c] - this.freeTops[c],
      free: this.freeTops[c] + ((this.pages[c].length << this.shifts[c]) - this.fresh[c]),
    }));
  }
}
