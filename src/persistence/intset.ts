// Intsets: the sorted array of integers Redis keeps small all-integer sets in, and
// serializes as one blob (RDB_TYPE_SET_INTSET): element width in bytes (u32 LE: 2,
// 4 or 8, the smallest that fits every member), count (u32 LE), then the members
// ascending, little endian.

import { RdbError } from './rdb-types.js';

/** Encodes canonical integer strings (already sorted ascending, as SetValue keeps them). */
export function intsetEncode(members: string[]): Buffer {
  const values = members.map((m) => BigInt(m));
  let width = 2;
  for (const v of values) {
    if (v < -2147483648n || v > 2147483647n) {
      width = 8;
      break;
    }
    if (v < -32768n || v > 32767n) width = 4;
  }
  const b = Buffer.allocUnsafe(8 + width * values.length);
  b.writeUInt32LE(width, 0);
  b.writeUInt32LE(values.length, 4);
  let p = 8;
  for (const v of values) {
    if (width === 2) b.writeInt16LE(Number(v), p);
    else if (width === 4) b.writeInt32LE(Number(v), p);
    else b.writeBigInt64LE(v, p);
    p += width;
  }
  return b;
}

/** The members of an intset blob, as decimal strings in stored order. */
export function intsetDecode(blob: Buffer): string[] {
  if (blob.length < 8) throw new RdbError('Intset integrity check failed');
  const width = blob.readUInt32LE(0);
  const count = blob.readUInt32LE(4);
  if ((width !== 2 && width !== 4 && width !== 8) || 8 + width * count !== blob.length) {
    throw new RdbError('Intset integrity check failed');
  }
  const out: string[] = new Array(count);
  let p = 8;
  for (let i = 0; i < count; i++, p += width) {
    if (width === 2) out[i] = String(blob.readInt16LE(p));
    else if (width === 4) out[i] = String(blob.readInt32LE(p));
    else out[i] = String(blob.readBigInt64LE(p));
  }
  return out;
}
