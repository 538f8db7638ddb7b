// The byte-level half of RDB reading: a cursor over a Buffer with the RDB
// primitives (lengths, encoded strings, millisecond times, doubles). Every read is
// bounds-checked; running off the end or meeting an impossible encoding throws
// RdbError, so hostile input (RESTORE payloads come from clients) fails cleanly.

import { lzfDecompress } from './lzf.js';
import { ENC_INT16, ENC_INT32, ENC_INT8, ENC_LZF, LEN_32BIT, LEN_64BIT, RdbError } from './rdb-types.js';

/** Strings longer than this are refused (proto-max-bulk-len's ceiling). */
const MAX_STRING = 512 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

export class RdbInput {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private short(): never {
    throw new RdbError('Unexpected EOF reading RDB file');
  }

  byte(): number {
    if (this.pos >= this.end) this.short();
    return this.buf[this.pos++];
  }

  /** n bytes as a view into the input (not a copy). */
  take(n: number): Buffer {
    if (n < 0 || this.pos + n > this.end) this.short();
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A length, or for a special string encoding (11xxxxxx) its kind with `encoded`. */
  private lenOrEncoding(): { n: number | bigint; encoded: boolean } {
    const first = this.byte();
    const kind = first >> 6;
    if (kind === 0) return { n: first & 0x3f, encoded: false };
    if (kind === 1) return { n: ((first & 0x3f) << 8) | this.byte(), encoded: false };
    if (kind === 3) return { n: first & 0x3f, encoded: true };
    if (first === LEN_32BIT) return { n: this.take(4).readUInt32BE(0), encoded: false };
    if (first === LEN_64BIT) return { n: this.take(8).readBigUInt64BE(0), encoded: false };
    throw new RdbError(`Unknown length encoding ${first} in rdbLoadLen()`);
  }

  /** A length that must fit a JS number (counts, sizes). */
  len(): number {
    const { n, encoded } = this.lenOrEncoding();
    if (encoded) throw new RdbError('Unexpected string encoding where a length was expected');
    if (typeof n === 'bigint') {
      if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbError('Length out of range');
      return Number(n);
    }
    return n;
  }

  /**
   * An element count: each element takes at least `minBytes` more bytes of input, so
   * a count larger than what is left is corrupt (and must not size an allocation).
   */
  count(minBytes = 1): number {
    const n = this.len();
    if (n * minBytes > this.end - this.pos) throw new RdbError('Element count larger than the data');
    return n;
  }

  /** A length as an unsigned 64-bit value (stream IDs, counters). */
  lenBig(): bigint {
    const { n, encoded } = this.lenOrEncoding();
    if (encoded) throw new RdbError('Unexpected string encoding where a length was expected');
    return BigInt(n);
  }

  /**
   * Where the last readString() put the string: bytes [sStart, sEnd) of sBuf, which
   * is the input itself for a raw string (no allocation) or a decoded copy.
   */
  sBuf: Buffer = EMPTY;
  sStart = 0;
  sEnd = 0;

  /** Reads a string and points sBuf/sStart/sEnd at its bytes. */
  readString(): void {
    const first = this.pos < this.end ? this.buf[this.pos] : -1;
    if (first >= 0 && first < 0x40) {
      // The common case, a raw string under 64 bytes: no decoding, no allocation.
      const start = this.pos + 1;
      if (start + first > this.end) this.short();
      this.sBuf = this.buf;
      this.sStart = start;
      this.sEnd = start + first;
      this.pos = this.sEnd;
      return;
    }
    const { n, encoded } = this.lenOrEncoding();
    if (!encoded) {
      if (typeof n === 'bigint' || n > MAX_STRING || this.pos + n > this.end) this.short();
      this.sBuf = this.buf;
      this.sStart = this.pos;
      this.sEnd = this.pos + n;
      this.pos += n;
      return;
    }
    this.sBuf = this.decodeSpecial(n as number);
    this.sStart = 0;
    this.sEnd = this.sBuf.length;
  }

  /** A string's bytes: raw (a view), integer-encoded (its decimal text) or LZF-compressed. */
  stringBuf(): Buffer {
    const { n, encoded } = this.lenOrEncoding();
    if (!encoded) {
      if (typeof n === 'bigint' || n > MAX_STRING) throw new RdbError('String length out of range');
      return this.take(n);
    }
    return this.decodeSpecial(n as number);
  }

  private decodeSpecial(n: number): Buffer {
    switch (n) {
      case ENC_INT8:
        return Buffer.from(String(this.take(1).readInt8(0)), 'latin1');
      case ENC_INT16:
        return Buffer.from(String(this.take(2).readInt16LE(0)), 'latin1');
      case ENC_INT32:
        return Buffer.from(String(this.take(4).readInt32LE(0)), 'latin1');
      case ENC_LZF: {
        const clen = this.len();
        const len = this.len();
        if (len > MAX_STRING) throw new RdbError('String length out of range');
        return lzfDecompress(this.take(clen), len);
      }
      default:
        throw new RdbError(`Unknown RDB string encoding type ${n}`);
    }
  }

  /** A string as latin1 text (binary-safe). */
  string(): string {
    this.readString();
    return this.sBuf.latin1Slice(this.sStart, this.sEnd);
  }

  /** A signed 64-bit little-endian millisecond time. */
  millis(): number {
    return Number(this.take(8).readBigInt64LE(0));
  }

  /** A 32-bit little-endian second time (RDB_OPCODE_EXPIRETIME). */
  seconds(): number {
    return this.take(4).readInt32LE(0);
  }

  binaryDouble(): number {
    return this.take(8).readDoubleLE(0);
  }

  /** The old text double of RDB_TYPE_ZSET: a length byte (253 nan, 254 inf, 255 -inf) and digits. */
  textDouble(): number {
    const n = this.byte();
    if (n === 255) return -Infinity;
    if (n === 254) return Infinity;
    if (n === 253) return NaN;
    const s = this.take(n).latin1Slice(0, n);
    const v = Number(s);
    if (Number.isNaN(v) && s.trim().toLowerCase() !== 'nan') throw new RdbError('Invalid double value');
    return v;
  }

  /** A stream ID stored raw: 16 bytes, milliseconds then sequence, big endian. */
  rawStreamId(): bigint {
    const b = this.take(16);
    return (b.readBigUInt64BE(0) << 64n) | b.readBigUInt64BE(8);
  }
}
