// The hash value type: fields and values (latin1 strings) in a MemberTable.
//
// Redis keeps a small hash as a listpack and converts it for good to a hashtable
// once a write makes it too long (hash-max-listpack-entries) or brings a field or
// value longer than hash-max-listpack-value. Cove stores both the same way; the
// `listpack` flag only records what Redis would report (OBJECT ENCODING) and what
// HSCAN does (a listpack is returned whole, with cursor 0). The command layer calls
// fit() after each write with the limits of the moment, because Redis decides at
// write time and never converts back.

import { ChargedValue, Collection, ELEMENT_OVERHEAD, EncodingLimits, MemoryAccount } from '../memory.js';
import { MemberTable } from './member-table.js';

/** What a hash object costs beyond its fields (object, Map, arrays). */
const BASE_OVERHEAD = 96;
// Bytes per field beyond its characters, measured with --expose-gc on 1M fields: two
// string headers, two array slots, a Map entry and a sequence number.
const FIELD_OVERHEAD = ELEMENT_OVERHEAD + 44;

export class HashValue extends ChargedValue implements Collection {
  readonly table = new MemberTable(true);
  /** True while Redis would still hold this hash as a listpack. */
  listpack = true;

  constructor(account: MemoryAccount) {
    super(account);
    this.charge(BASE_OVERHEAD);
  }

  get size(): number {
    return this.table.size;
  }

  get(field: string): string | undefined {
    const p = this.table.find(field);
    return p === -1 ? undefined : this.table.valueAt(p);
  }

  has(field: string): boolean {
    return this.table.has(field);
  }

  /** Sets a field; true when it is new, false when an existing value was replaced. */
  set(field: string, value: string): boolean {
    const t = this.table;
    const p = t.find(field);
    if (p === -1) {
      t.insert(field, value);
      this.charge(field.length + value.length + FIELD_OVERHEAD);
      return true;
    }
    this.charge(value.length - t.valueAt(p).length);
    t.setValueAt(p, value);
    return false;
  }

  /** Removes a field; false when it was not there. */
  delete(field: string): boolean {
    const t = this.table;
    const p = t.find(field);
    if (p === -1) return false;
    this.charge(-(field.length + t.valueAt(p).length + FIELD_OVERHEAD));
    t.removeAt(p);
    return true;
  }

  /** Length of a field's value, 0 when missing (HSTRLEN). */
  valueLength(field: string): number {
    const v = this.get(field);
    return v === undefined ? 0 : v.length;
  }

  /**
   * Records Redis's listpack → hashtable conversion after a write: the hash now has
   * more than `maxEntries` fields, or the write carried a field or value of
   * `longest` bytes, more than `maxValue`.
   */
  fit(maxEntries: number, maxValue: number, longest: number): void {
    if (this.listpack && (longest > maxValue || this.table.size > maxEntries)) this.listpack = false;
  }

  /** Calls fn for every field in order (insertion order, as a listpack keeps it). */
  forEach(fn: (field: string, value: string) => void): void {
    this.table.forEach(fn);
  }

  clone(account: MemoryAccount): HashValue {
    const h = new HashValue(account);
    this.table.forEach((f, v) => h.set(f, v));
    h.listpack = this.listpack;
    return h;
  }

  encoding(_limits?: EncodingLimits): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }
}
