// memcached's page accounting: which class owns how many 1 MiB pages, and how many
// chunks of each class are free.
//
// Only numbers, no bytes (see slab-classes.ts for why). The rules are memcached's:
// a class that needs a chunk and has none free takes a new page while the total
// stays under -m; a class's very first page is always granted, even past the
// limit, so every size can store something; pages stay with the class they were
// given to (memcached only moves them on `slabs reassign` or by its automover).

import { MAX_CLASSES, SlabClasses } from './slab-classes.js';

export class SlabPages {
  /** Pages owned per class. */
  readonly pages = new Uint32Array(MAX_CLASSES);
  /** Free chunks per class (memcached's sl_curr). */
  readonly free = new Float64Array(MAX_CLASSES);
  /** Bytes of pages handed out (stats slabs total_malloced). */
  malloced = 0;
  /** Pages returned to the global pool, reusable by any class. */
  poolPages = 0;
  /** Pages moved between classes (stats slabs_moved). */
  moved = 0;

  constructor(
    readonly classes: SlabClasses,
    /** -m in bytes; 0 = no limit. */
    public limit: number,
  ) {}

  /** Takes one chunk of class `cls`, adding a page if needed; false when memory is full. */
  alloc(cls: number): boolean {
    if (this.free[cls] === 0 && !this.newPage(cls)) return false;
    this.free[cls]--;
    return true;
  }

  release(cls: number): void {
    this.free[cls]++;
  }

  private newPage(cls: number): boolean {
    const size = this.classes.pageSize;
    if (this.limit > 0 && this.malloced + size > this.limit && this.pages[cls] > 0 && this.poolPages === 0) return false;
    if (this.poolPages > 0) this.poolPages--;
    else this.malloced += size;
    this.pages[cls]++;
    this.free[cls] += this.classes.perSlab[cls];
    return true;
  }

  usedChunks(cls: number): number {
    return this.pages[cls] * this.classes.perSlab[cls] - this.free[cls];
  }

  /** Whether a class has at least one whole page of free chunks (a page it could give up). */
  hasSparePage(cls: number): boolean {
    return this.pages[cls] > 0 && this.free[cls] >= this.classes.perSlab[cls];
  }

  /** Moves a page whose chunks are all free from `src` to `dst` (the caller freed them). */
  movePage(src: number, dst: number): void {
    this.pages[src]--;
    this.free[src] -= this.classes.perSlab[src];
    this.pages[dst]++;
    this.free[dst] += this.classes.perSlab[dst];
    this.moved++;
  }

  /** Forgets every page: the store is empty again. */
  reset(): void {
    this.pages.fill(0);
    this.free.fill(0);
    this.malloced = 0;
    this.poolPages = 0;
  }
}
