// A connection's pending reply bytes for the memcached protocols.
//
// Replies to every command of one read are appended here and leave in one socket
// write (performance.md: one write per batch beats cork/uncork and Buffer.concat;
// writing a view and reusing the buffer once the kernel has the bytes avoids a copy).
// Values are copied in when the reply is built, so a later delete or overwrite of
// the item cannot change bytes already queued for a slow reader (t/multiversioning.t).

import { viewOf } from '../../engine/items/byte-copy.js';

const INITIAL = 16 * 1024;
/** Strings up to this length are copied by a JS loop rather than latin1Write. */
const SHORT = 64;

/** Decimal text of small integers, cached (lengths and flags are usually small). */
const SMALL: Buffer[] = [];
for (let i = 0; i < 1024; i++) SMALL.push(Buffer.from(String(i), 'latin1'));

/**
 * Writes a non-negative integer (below 2^53) in decimal at b[o]; returns the end.
 * The caller has made room (20 bytes is always enough).
 */
export function writeUint(b: Buffer, o: number, n: number): number {
  if (n < 10) {
    b[o] = 0x30 + n;
    return o + 1;
  }
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  let p = o + digits;
  for (let t = n; p > o; t = Math.floor(t / 10)) b[--p] = 0x30 + (t % 10);
  return o + digits;
}

export class OutBuffer {
  buf: Buffer = Buffer.allocUnsafe(INITIAL);
  /** A DataView of buf, kept in step with it (word-at-a-time copies, byte-copy.ts). */
  view: DataView = viewOf(this.buf);
  len = 0;

  private setBuffer(b: Buffer): void {
    this.buf = b;
    this.view = viewOf(b);
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < this.len + need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.setBuffer(next);
  }

  /** Appends an ASCII/latin1 string. */
  ascii(s: string): void {
    const n = s.length;
    if (this.len + n > this.buf.length) this.grow(n);
    if (n <= SHORT) {
      // A JS loop beats the native call for the short reply words that dominate.
      const b = this.buf;
      let o = this.len;
      for (let i = 0; i < n; i++) b[o++] = s.charCodeAt(i);
      this.len = o;
      return;
    }
    this.len += this.buf.latin1Write(s, this.len, n);
  }

  /** Appends s + CRLF. */
  line(s: string): void {
    this.ascii(s);
    this.crlf();
  }

  bytes(src: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.len + n > this.buf.length) this.grow(n);
    if (n <= 32) {
      const b = this.buf;
      let o = this.len;
      for (let i = start; i < end; i++) b[o++] = src[i];
    } else {
      src.copy(this.buf, this.len, start, end);
    }
    this.len += n;
  }

  byte(c: number): void {
    if (this.len + 1 > this.buf.length) this.grow(1);
    this.buf[this.len++] = c;
  }

  crlf(): void {
    if (this.len + 2 > this.buf.length) this.grow(2);
    this.buf[this.len++] = 0x0d;
    this.buf[this.len++] = 0x0a;
  }

  /** Appends a non-negative integer (below 2^53) in decimal. */
  uint(n: number): void {
    if (n < 1024) {
      const s = SMALL[n];
      if (this.len + s.length > this.buf.length) this.grow(s.length);
      for (let i = 0; i < s.length; i++) this.buf[this.len++] = s[i];
      return;
    }
    this.ascii(String(n));
  }

  /** Room for n bytes at `len` (the caller writes them and advances len). */
  reserve(n: number): Buffer {
    if (this.len + n > this.buf.length) this.grow(n);
    return this.buf;
  }

  /** Drops everything after `mark`. */
  truncate(mark: number): void {
    this.len = mark;
  }

  /**
   * The pending bytes as a view of the buffer, for one socket write; call sent()
   * right after. Saves the copy take() makes on every batch.
   */
  pending(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /**
   * After writing pending(): when the socket took the bytes at once (nothing left
   * queued) the buffer is free to reuse; otherwise the socket still holds it,
   * and later replies go to a new one.
   */
  sent(released: boolean): void {
    this.len = 0;
    if (!released || this.buf.length > 1024 * 1024) this.setBuffer(Buffer.allocUnsafe(INITIAL));
  }

  /** The pending bytes as a Buffer the caller may keep; the buffer is emptied. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.len = 0;
    if (this.buf.length > 1024 * 1024) this.setBuffer(Buffer.allocUnsafe(INITIAL)); // give big buffers back
    return out;
  }
}
