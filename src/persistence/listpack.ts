// Listpacks, the compact container Redis 7.0 serializes small hashes, sorted sets,
// list nodes and stream nodes as.
//
// Layout: total bytes (u32 LE) | element count (u16 LE, 65535 = "count them") |
// elements | 0xFF. Each element is an encoding byte with its data, then a
// "backlen" (the size of encoding + data, 7 bits per byte, readable from the right)
// so the list can be walked backwards. Encodings:
//   0xxxxxxx            integer 0..127
//   10xxxxxx            string of up to 63 bytes
//   110xxxxx yyyyyyyy   13-bit signed integer
//   1110xxxx yyyyyyyy   string of up to 4095 bytes
//   11110000 + u32 LE   longer string
//   0xF1/F2/F3/F4       16/24/32/64-bit signed integer, little endian
// A string that reads as a canonical integer is stored as an integer, as
// redis-server's lpAppend does, so element sizes match the reference server's.

import { isCanonicalInteger } from '../engine/types/set.js';
import { RdbError } from './rdb-types.js';

const LP_HDR = 6;
const LP_EOF = 0xff;
const COUNT_UNKNOWN = 65535;

/** An element as read back: a latin1 string, or an integer (bigint beyond 2^53). */
export type LpValue = string | number | bigint;

/** Builds one listpack by appending elements. */
export class ListpackBuilder {
  private buf: Buffer;
  private pos = LP_HDR;
  private count = 0;

  constructor(sizeHint = 64) {
    this.buf = Buffer.allocUnsafe(Math.max(sizeHint, 16));
  }

  get length(): number {
    return this.count;
  }

  /** Bytes the listpack would take if finished now. */
  get bytes(): number {
    return this.pos + 1;
  }

  private ensure(n: number): void {
    if (this.pos + n + 1 <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n + 1) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Appends a string element, stored as an integer when it is one (lpAppend). */
  append(s: string): this {
    if (s.length > 0 && s.length <= 20 && isCanonicalInteger(s)) {
      return this.appendInt(s.length <= 15 ? Number(s) : BigInt(s));
    }
    return this.appendString(s);
  }

  /** Appends a string element as a string, whatever it contains. */
  appendString(s: string): this {
    const n = s.length;
    const hdr = n < 64 ? 1 : n < 4096 ? 2 : 5;
    const size = hdr + n;
    this.ensure(size + 5);
    const b = this.buf;
    let p = this.pos;
    if (hdr === 1) b[p++] = 0x80 | n;
    else if (hdr === 2) {
      b[p++] = 0xe0 | (n >> 8);
      b[p++] = n & 0xff;
    } else {
      b[p++] = 0xf0;
      b.writeUInt32LE(n, p);
      p += 4;
    }
    b.latin1Write(s, p, n);
    p += n;
    this.pos = writeBacklen(b, p, size);
    this.count++;
    return this;
  }

  /** Appends a signed 64-bit integer in the smallest integer encoding. */
  appendInt(v: number | bigint): this {
    this.ensure(9 + 5);
    const b = this.buf;
    let p = this.pos;
    const start = p;
    const n = typeof v === 'bigint' && v >= -(2n ** 31n) && v < 2n ** 31n ? Number(v) : v;
    if (typeof n === 'number') {
      if (n >= 0 && n <= 127) b[p++] = n;
      else if (n >= -4096 && n <= 4095) {
        const u = n < 0 ? n + 8192 : n;
        b[p++] = 0xc0 | (u >> 8);
        b[p++] = u & 0xff;
      } else if (n >= -32768 && n <= 32767) {
        b[p++] = 0xf1;
        b.writeInt16LE(n, p);
        p += 2;
      } else if (n >= -8388608 && n <= 8388607) {
        b[p++] = 0xf2;
        b.writeIntLE(n, p, 3);
        p += 3;
      } else if (n >= -2147483648 && n <= 2147483647) {
        b[p++] = 0xf3;
        b.writeInt32LE(n, p);
        p += 4;
      } else {
        b[p++] = 0xf4;
        b.writeBigInt64LE(BigInt(n), p);
        p += 8;
      }
    } else {
      b[p++] = 0xf4;
      b.writeBigInt64LE(BigInt.asIntN(64, n), p);
      p += 8;
    }
    this.pos = writeBacklen(b, p, p - start);
    this.count++;
    return this;
  }

  /** The finished listpack (the builder must not be used afterwards). */
  finish(): Buffer {
    this.ensure(1);
    const b = this.buf;
    b[this.pos++] = LP_EOF;
    b.writeUInt32LE(this.pos, 0);
    b.writeUInt16LE(this.count < COUNT_UNKNOWN ? this.count : COUNT_UNKNOWN, 4);
    return b.subarray(0, this.pos);
  }
}

/** Writes the backlen of an element of `size` bytes at p; returns the new end. */
function writeBacklen(b: Buffer, p: number, size: number): number {
  if (size <= 127) {
    b[p] = size;
    return p + 1;
  }
  if (size < 16383) {
    b[p] = size >>> 7;
    b[p + 1] = (size & 127) | 128;
    return p + 2;
  }
  if (size < 2097151) {
    b[p] = size >>> 14;
    b[p + 1] = ((size >>> 7) & 127) | 128;
    b[p + 2] = (size & 127) | 128;
    return p + 3;
  }
  if (size < 268435455) {
    b[p] = size >>> 21;
    b[p + 1] = ((size >>> 14) & 127) | 128;
    b[p + 2] = ((size >>> 7) & 127) | 128;
    b[p + 3] = (size & 127) | 128;
    return p + 4;
  }
  b[p] = Math.floor(size / 2 ** 28);
  b[p + 1] = ((size >>> 21) & 127) | 128;
  b[p + 2] = ((size >>> 14) & 127) | 128;
  b[p + 3] = ((size >>> 7) & 127) | 128;
  b[p + 4] = (size & 127) | 128;
  return p + 5;
}

function backlenSize(size: number): number {
  return size <= 127 ? 1 : size < 16383 ? 2 : size < 2097151 ? 3 : size < 268435455 ? 4 : 5;
}

function corrupt(): never {
  throw new RdbError('Listpack integrity check failed');
}

/** Every element of a listpack, checked against its header and bounds. */
export function lpDecode(lp: Uint8Array): LpValue[] {
  const buf = Buffer.isBuffer(lp) ? lp : Buffer.from(lp.buffer, lp.byteOffset, lp.byteLength);
  if (buf.length < LP_HDR + 1) corrupt();
  if (buf.readUInt32LE(0) !== buf.length || buf[buf.length - 1] !== LP_EOF) corrupt();
  const declared = buf.readUInt16LE(4);
  const end = buf.length - 1;
  const out: LpValue[] = [];
  let p = LP_HDR;
  while (p < end) {
    const b = buf[p];
    let size: number;
    let v: LpValue;
    if ((b & 0x80) === 0) {
      v = b;
      size = 1;
    } else if ((b & 0xc0) === 0x80) {
      const n = b & 0x3f;
      size = 1 + n;
      if (p + size > end) corrupt();
      v = buf.latin1Slice(p + 1, p + size);
    } else if ((b & 0xe0) === 0xc0) {
      if (p + 2 > end) corrupt();
      const u = ((b & 0x1f) << 8) | buf[p + 1];
      v = u >= 4096 ? u - 8192 : u;
      size = 2;
    } else if ((b & 0xf0) === 0xe0) {
      if (p + 2 > end) corrupt();
      const n = ((b & 0x0f) << 8) | buf[p + 1];
      size = 2 + n;
      if (p + size > end) corrupt();
      v = buf.latin1Slice(p + 2, p + size);
    } else {
      switch (b) {
        case 0xf0: {
          if (p + 5 > end) corrupt();
          const n = buf.readUInt32LE(p + 1);
          size = 5 + n;
          if (p + size > end) corrupt();
          v = buf.latin1Slice(p + 5, p + size);
          break;
        }
        case 0xf1:
          if (p + 3 > end) corrupt();
          v = buf.readInt16LE(p + 1);
          size = 3;
          break;
        case 0xf2:
          if (p + 4 > end) corrupt();
          v = buf.readIntLE(p + 1, 3);
          size = 4;
          break;
        case 0xf3:
          if (p + 5 > end) corrupt();
          v = buf.readInt32LE(p + 1);
          size = 5;
          break;
        case 0xf4: {
          if (p + 9 > end) corrupt();
          const big = buf.readBigInt64LE(p + 1);
          v = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
          size = 9;
          break;
        }
        default:
          corrupt();
      }
    }
    p += size + backlenSize(size);
    if (p > end) corrupt();
    out.push(v);
  }
  if (declared !== COUNT_UNKNOWN && declared !== out.length) corrupt();
  return out;
}

/** An element as the latin1 string Redis would reply with. */
export function lpString(v: LpValue): string {
  return typeof v === 'string' ? v : String(v);
}
