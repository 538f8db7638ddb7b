// The byte-level half of RDB writing: a growable buffer that hands full chunks to a
// sink (a socket for replication, a file) or keeps everything (DUMP, SAVE), with
// the running CRC-64 of what it emitted, and the RDB primitives: lengths, strings
// (integer-encoded or LZF-compressed as rdbSaveRawString decides), millisecond
// times and binary doubles.

import { Crc64 } from './crc64.js';
import { lzfCompress } from './lzf.js';
import { ENC_INT16, ENC_INT32, ENC_INT8, ENC_LZF, LEN_32BIT, LEN_64BIT } from './rdb-types.js';
import { isCanonicalInteger } from '../engine/types/set.js';

export interface OutputOptions {
  /** Receives the output in chunks of about `chunkSize` bytes; without it, finish() returns everything. */
  sink?: (chunk: Buffer) => void;
  chunkSize?: number;
  /** LZF-compress strings longer than 20 bytes when that saves space (CONFIG rdbcompression). */
  compress?: boolean;
}

const DEFAULT_CHUNK = 64 * 1024;

export class RdbOutput {
  private buf: Buffer;
  private pos = 0;
  private readonly crc = new Crc64();
  private readonly sink: ((chunk: Buffer) => void) | null;
  private readonly chunkSize: number;
  readonly compress: boolean;
  /** Bytes handed to the sink so far. */
  private flushed = 0;

  constructor(opts: OutputOptions = {}) {
    this.sink = opts.sink ?? null;
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
    this.compress = opts.compress ?? true;
    this.buf = Buffer.allocUnsafe(this.sink ? this.chunkSize + 1024 : 256);
  }

  /** Bytes written so far (flushed or not). */
  get size(): number {
    return this.flushed + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.sink && this.pos > 0) {
      this.flush();
      if (n <= this.buf.length) return;
    }
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Hands the buffered bytes to the sink (no-op without one). */
  flush(): void {
    if (!this.sink || this.pos === 0) return;
    const chunk = Buffer.from(this.buf.subarray(0, this.pos));
    this.crc.update(chunk);
    this.flushed += this.pos;
    this.pos = 0;
    this.sink(chunk);
  }

  private maybeFlush(): void {
    if (this.sink && this.pos >= this.chunkSize) this.flush();
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  raw(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    if (this.sink && n > this.chunkSize) {
      // Big values go straight through rather than through the buffer.
      this.flush();
      const chunk = Buffer.from(src.buffer, src.byteOffset + start, n);
      this.crc.update(chunk);
      this.flushed += n;
      this.sink(Buffer.from(chunk));
      return;
    }
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    if (n <= 32) for (let i = start; i < end; i++) buf[p++] = src[i];
    else if (Buffer.isBuffer(src)) p += src.copy(buf, p, start, end);
    else {
      buf.set(src.subarray(start, end), p);
      p += n;
    }
    this.pos = p;
    this.maybeFlush();
  }

  /** An RDB length: 6, 14, 32 or 64 bits. */
  len(n: number | bigint): void {
    if (typeof n === 'number' && n < 64) {
      this.byte(n);
      return;
    }
    if (typeof n === 'number' && n < 16384) {
      this.ensure(2);
      this.buf[this.pos++] = 0x40 | (n >> 8);
      this.buf[this.pos++] = n & 0xff;
      return;
    }
    const v = BigInt(n);
    if (v < 64n || v < 16384n) return this.len(Number(v));
    if (v <= 0xffffffffn) {
      this.ensure(5);
      this.buf[this.pos++] = LEN_32BIT;
      this.buf.writeUInt32BE(Number(v), this.pos);
      this.pos += 4;
      return;
    }
    this.ensure(9);
    this.buf[this.pos++] = LEN_64BIT;
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }

  /** A string given as bytes (rdbSaveRawString). */
  stringBytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    if (n > 0 && n <= 11 && looksInteger(src, start, end) && this.tryInteger(latin1(src, start, end))) return;
    if (this.compress && n > 20 && this.tryLzf(src, start, end)) return;
    this.len(n);
    this.raw(src, start, end);
  }

  /** A string given as a latin1 JS string (collection elements). */
  string(s: string): void {
    const n = s.length;
    if (n > 0 && n <= 11 && this.tryInteger(s)) return;
    if (this.compress && n > 20) {
      const b = Buffer.from(s, 'latin1');
      if (this.tryLzf(b, 0, n)) return;
      this.len(n);
      this.raw(b);
      return;
    }
    this.len(n);
    this.ensure(n);
    this.buf.latin1Write(s, this.pos, n);
    this.pos += n;
    this.maybeFlush();
  }

  /** An integer-looking string as INT8/16/32 (rdbTryIntegerEncoding); false if it is not one. */
  private tryInteger(s: string): boolean {
    if (!isCanonicalInteger(s)) return false;
    const v = Number(s);
    if (v >= -128 && v <= 127) {
      this.ensure(2);
      this.buf[this.pos++] = 0xc0 | ENC_INT8;
      this.buf.writeInt8(v, this.pos++);
    } else if (v >= -32768 && v <= 32767) {
      this.ensure(3);
      this.buf[this.pos++] = 0xc0 | ENC_INT16;
      this.buf.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      this.ensure(5);
      this.buf[this.pos++] = 0xc0 | ENC_INT32;
      this.buf.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else {
      return false;
    }
    return true;
  }

  /** LZF when it saves at least 4 bytes (rdbSaveLzfStringObject). */
  private tryLzf(src: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    const packed = lzfCompress(src, start, end, n - 4);
    if (!packed) return false;
    this.byte(0xc0 | ENC_LZF);
    this.len(packed.length);
    this.len(n);
    this.raw(packed);
    return true;
  }

  /** Milliseconds as a signed 64-bit little-endian integer (rdbSaveMillisecondTime). */
  millis(ms: number): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(Math.trunc(ms)), this.pos);
    this.pos += 8;
  }

  /** A double as 8 bytes, little endian (ZSET_2 scores). */
  binaryDouble(d: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** The CRC-64 of everything written so far (flushes a sink's buffer into it first). */
  checksum(): Buffer {
    if (this.sink) {
      this.flush();
      return this.crc.bytes();
    }
    return new Crc64().update(this.buf, 0, this.pos).bytes();
  }

  /** Ends the output: flushes to the sink, or returns every byte written. */
  finish(): Buffer {
    if (this.sink) {
      this.flush();
      return Buffer.alloc(0);
    }
    return this.buf.subarray(0, this.pos);
  }
}

/** Cheap pre-check before building a string: only digits and a leading '-'. */
function looksInteger(src: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = src[i];
    if ((c < 48 || c > 57) && !(c === 45 && i === start)) return false;
  }
  return true;
}

function latin1(src: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(src[i]);
  return s;
}
