// Memory accounting for values that live in JS objects (lists, hashes, sets, ...).
//
// Key and string bytes are counted exactly by the slab arena; collections charge an
// estimate of what they hold (element bytes plus a per-element overhead) to the
// node's MemoryAccount as they grow and shrink, and give it all back when the key
// goes. used_memory and maxmemory eviction read the sum.

export class MemoryAccount {
  bytes = 0;
}

/** Overhead charged per collection element beyond its own bytes (a JS string/Map slot). */
export const ELEMENT_OVERHEAD = 48;

/** A value that charges its memory to an account. */
export interface Charged {
  memory: number;
}

export function isCharged(v: unknown): v is Charged {
  return typeof v === 'object' && v !== null && typeof (v as Charged).memory === 'number';
}

/** Gives back everything a dropped value had charged. */
export function releaseObject(obj: unknown, account: MemoryAccount): void {
  if (isCharged(obj)) {
    account.bytes -= obj.memory;
    obj.memory = 0;
  }
}

/** Base for collections: charge(n) adds n bytes (negative to give back). */
export abstract class ChargedValue implements Charged {
  memory = 0;
  constructor(protected readonly account: MemoryAccount) {}
  protected charge(n: number): void {
    this.memory += n;
    this.account.bytes += n;
  }
}

/**
 * What every collection value (list, hash, set, zset, stream) offers besides its own
 * operations: its element count, a deep copy charged to an account (COPY, MOVE across
 * nodes, DUMP/RESTORE), and the encoding name Redis would report for it
 * (OBJECT ENCODING: listpack, quicklist, intset, hashtable, skiplist, stream), given
 * the node's size thresholds from CONFIG.
 */
export interface Collection extends Charged {
  readonly size: number;
  clone(account: MemoryAccount): Collection;
  encoding(limits: EncodingLimits): string;
}

/** The CONFIG thresholds that decide Redis's compact encodings. */
export interface EncodingLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  listMaxListpackSize: number;
  setMaxIntsetEntries: number;
  setMaxListpackEntries: number;
  setMaxListpackValue: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
}
