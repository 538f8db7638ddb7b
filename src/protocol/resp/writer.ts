// The reply side of RESP: one writer per connection that encodes replies straight into
// a growable output buffer, in RESP2 or RESP3 as the client negotiated with HELLO.
//
// Handlers call these methods instead of building reply objects: on the hot path
// (GET at 1M ops/s) an allocation per reply is measurable, and the whole batch of
// replies for one read leaves in a single socket write (`take`). `ValueReply` (below)
// implements the same interface for callers that need replies as data: scripting,
// tests, the management channel.

import { errorLine, errorCode } from './errors.js';
import { formatDouble } from './numbers.js';

export type RespVersion = 2 | 3;

/** What handlers write replies to. Two implementations: bytes (RespWriter) and values (ValueReply). */
export interface Reply {
  resp: RespVersion;
  ok(): void;
  simple(s: string): void;
  /** An error; the message may start with a code (WRONGTYPE ...), else "ERR " is added. */
  error(message: string): void;
  int(n: number | bigint): void;
  /** A bulk string: a Buffer, or a latin1 (one byte per char) string. */
  bulk(b: Buffer | string): void;
  bulkRange(buf: Buffer, start: number, end: number): void;
  /** The null bulk string ($-1 in RESP2, _ in RESP3). */
  nil(): void;
  /** The null array (*-1 in RESP2, _ in RESP3). */
  nilArray(): void;
  array(n: number): void;
  /** A map of n pairs (RESP3 %, RESP2 a flat array of 2n). */
  map(n: number): void;
  /** A set (RESP3 ~, RESP2 an array). */
  set(n: number): void;
  /** An out-of-band push (RESP3 >, RESP2 an array). */
  push(n: number): void;
  /** A double (RESP3 ',', RESP2 a bulk string in %.17g), or in the given text (GEOPOS's long doubles). */
  double(d: number, text?: string): void;
  /** A boolean (RESP3 #, RESP2 integer 1/0). */
  bool(b: boolean): void;
  /** Verbatim text (RESP3 =txt:, RESP2 bulk). */
  verbatim(text: string, format?: string): void;
  bigNumber(digits: string): void;
  /** Pre-encoded RESP bytes (used for replaying a recorded reply). */
  raw(bytes: Buffer): void;
}

export interface ErrorCounter {
  onErrorReply(code: string): void;
}

const CRLF = 0x0d0a;
const INITIAL_SIZE = 16 * 1024;

/** Small integers' "\r\n"-terminated decimal text, cached (lengths and counts hit this a lot). */
const SMALL_INTS: Buffer[] = [];
for (let i = 0; i < 1024; i++) SMALL_INTS.push(Buffer.from(String(i) + '\r\n', 'latin1'));

export class RespWriter implements Reply {
  resp: RespVersion = 2;
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);
  private pos = 0;
  /** Set by the server to count error replies (INFO errorstats); optional. */
  errors: ErrorCounter | null = null;

  get length(): number {
    return this.pos;
  }

  /** Takes the bytes written since the last take, as a Buffer the caller may keep. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    if (this.buf.length > 1024 * 1024) this.buf = Buffer.allocUnsafe(INITIAL_SIZE); // give big buffers back
    return out;
  }

  /** Drops everything written after `mark` (used to discard a partial reply). */
  truncate(mark: number): void {
    this.pos = mark;
  }

  /** A copy of the bytes written since `mark`, e.g. to record one command's reply. */
  since(mark: number): Buffer {
    return Buffer.from(this.buf.subarray(mark, this.pos));
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  private crlf(): void {
    this.buf.writeUInt16BE(CRLF, this.pos);
    this.pos += 2;
  }

  private ascii(s: string): void {
    // Caller ensured room. latin1 write: one byte per char, no validation.
    this.pos += this.buf.latin1Write(s, this.pos, s.length);
  }

  /** Writes a type byte, a decimal integer and CRLF. */
  private header(type: number, n: number): void {
    this.ensure(24);
    this.buf[this.pos++] = type;
    if (n >= 0 && n < 1024) {
      const t = SMALL_INTS[n];
      if (t.length <= 3) {
        for (let i = 0; i < t.length; i++) this.buf[this.pos + i] = t[i];
        this.pos += t.length;
      } else {
        this.pos += t.copy(this.buf, this.pos);
      }
      return;
    }
    this.ascii(String(n));
    this.crlf();
  }

  ok(): void {
    this.ensure(5);
    this.buf[this.pos] = 43; // +OK\r\n
    this.buf[this.pos + 1] = 79;
    this.buf[this.pos + 2] = 75;
    this.buf[this.pos + 3] = 13;
    this.buf[this.pos + 4] = 10;
    this.pos += 5;
  }

  simple(s: string): void {
    this.ensure(s.length + 3);
    this.byte(43);
    this.ascii(s);
    this.crlf();
  }

  error(message: string): void {
    const line = errorLine(message);
    if (this.errors) this.errors.onErrorReply(errorCode(line));
    const bytes = Buffer.byteLength(line, 'utf8');
    this.ensure(bytes + 3);
    this.byte(45);
    this.pos += this.buf.utf8Write(line, this.pos, bytes);
    this.crlf();
  }

  int(n: number | bigint): void {
    if (typeof n === 'number' && n >= 0 && n < 1024) {
      this.header(58, n);
      return;
    }
    const s = String(n);
    this.ensure(s.length + 3);
    this.byte(58);
    this.ascii(s);
    this.crlf();
  }

  bulk(b: Buffer | string): void {
    if (typeof b === 'string') {
      this.header(36, b.length);
      this.ensure(b.length + 2);
      if (b.length < 64) {
        for (let i = 0; i < b.length; i++) this.buf[this.pos + i] = b.charCodeAt(i);
        this.pos += b.length;
      } else {
        this.pos += this.buf.latin1Write(b, this.pos, b.length);
      }
      this.crlf();
      return;
    }
    this.bulkRange(b, 0, b.length);
  }

  bulkRange(src: Buffer, start: number, end: number): void {
    const len = end - start;
    this.header(36, len);
    this.ensure(len + 2);
    if (len < 32) {
      const dst = this.buf;
      const p = this.pos;
      for (let i = 0; i < len; i++) dst[p + i] = src[start + i];
      this.pos += len;
    } else {
      this.pos += src.copy(this.buf, this.pos, start, end);
    }
    this.crlf();
  }

  nil(): void {
    this.ensure(5);
    if (this.resp === 3) {
      this.byte(95);
    } else {
      this.byte(36);
      this.byte(45);
      this.byte(49);
    }
    this.crlf();
  }

  nilArray(): void {
    this.ensure(5);
    if (this.resp === 3) {
      this.byte(95);
    } else {
      this.byte(42);
      this.byte(45);
      this.byte(49);
    }
    this.crlf();
  }

  array(n: number): void {
    this.header(42, n);
  }

  map(n: number): void {
    if (this.resp === 3) this.header(37, n);
    else this.header(42, n * 2);
  }

  set(n: number): void {
    this.header(this.resp === 3 ? 126 : 42, n);
  }

  push(n: number): void {
    this.header(this.resp === 3 ? 62 : 42, n);
  }

  double(d: number, text?: string): void {
    const s = text ?? formatDouble(d);
    if (this.resp === 3) {
      this.ensure(s.length + 3);
      this.byte(44);
      this.ascii(s);
      this.crlf();
    } else {
      this.bulk(s);
    }
  }

  bool(b: boolean): void {
    if (this.resp === 3) {
      this.ensure(4);
      this.byte(35);
      this.byte(b ? 116 : 102);
      this.crlf();
    } else {
      this.int(b ? 1 : 0);
    }
  }

  verbatim(text: string, format = 'txt'): void {
    if (this.resp === 3) {
      const body = Buffer.from(format + ':' + text, 'utf8');
      this.header(61, body.length);
      this.ensure(body.length + 2);
      this.pos += body.copy(this.buf, this.pos);
      this.crlf();
    } else {
      this.bulk(Buffer.from(text, 'utf8'));
    }
  }

  bigNumber(digits: string): void {
    if (this.resp === 3) {
      this.ensure(digits.length + 3);
      this.byte(40);
      this.ascii(digits);
      this.crlf();
    } else {
      this.bulk(digits);
    }
  }

  raw(bytes: Buffer): void {
    this.ensure(bytes.length);
    this.pos += bytes.copy(this.buf, this.pos);
  }
}

/** A reply as data: what ValueReply builds, and what scripting and tests read. */
export type ReplyValue =
  | { t: 'simple'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: number | bigint }
  | { t: 'bulk'; v: Buffer }
  | { t: 'nil' }
  | { t: 'nilArray' }
  | { t: 'array' | 'set' | 'push'; v: ReplyValue[] }
  | { t: 'map'; v: ReplyValue[] } // flat: k1 v1 k2 v2 ...
  | { t: 'double'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'verbatim'; v: string; format: string }
  | { t: 'bignum'; v: string };

/**
 * Builds replies as values. Aggregates are filled as their elements arrive, so
 * handlers need no changes to be called from scripts or tests.
 */
export class ValueReply implements Reply {
  resp: RespVersion;
  readonly values: ReplyValue[] = [];
  private stack: { value: ReplyValue[]; remaining: number }[] = [];

  constructor(resp: RespVersion = 2) {
    this.resp = resp;
  }

  private add(v: ReplyValue): void {
    const top = this.stack[this.stack.length - 1];
    if (top) {
      top.value.push(v);
      top.remaining--;
      if (top.remaining === 0) this.popFinished();
    } else {
      this.values.push(v);
    }
  }

  private popFinished(): void {
    while (this.stack.length && this.stack[this.stack.length - 1].remaining === 0) this.stack.pop();
  }

  private aggregate(t: 'array' | 'set' | 'push' | 'map', n: number): void {
    const items: ReplyValue[] = [];
    const v = { t, v: items } as ReplyValue;
    this.add(v);
    if (n > 0) this.stack.push({ value: items, remaining: t === 'map' ? n * 2 : n });
  }

  ok(): void {
    this.add({ t: 'simple', v: 'OK' });
  }
  simple(s: string): void {
    this.add({ t: 'simple', v: s });
  }
  error(message: string): void {
    this.add({ t: 'error', v: errorLine(message) });
  }
  int(n: number | bigint): void {
    this.add({ t: 'int', v: n });
  }
  bulk(b: Buffer | string): void {
    this.add({ t: 'bulk', v: typeof b === 'string' ? Buffer.from(b, 'latin1') : Buffer.from(b) });
  }
  bulkRange(buf: Buffer, start: number, end: number): void {
    this.add({ t: 'bulk', v: Buffer.from(buf.subarray(start, end)) });
  }
  nil(): void {
    this.add({ t: 'nil' });
  }
  nilArray(): void {
    this.add({ t: 'nilArray' });
  }
  array(n: number): void {
    this.aggregate('array', n);
  }
  map(n: number): void {
    this.aggregate('map', n);
  }
  set(n: number): void {
    this.aggregate('set', n);
  }
  push(n: number): void {
    this.aggregate('push', n);
  }
  double(d: number): void {
    this.add({ t: 'double', v: d });
  }
  bool(b: boolean): void {
    this.add({ t: 'bool', v: b });
  }
  verbatim(text: string, format = 'txt'): void {
    this.add({ t: 'verbatim', v: text, format });
  }
  bigNumber(digits: string): void {
    this.add({ t: 'bignum', v: digits });
  }
  raw(_bytes: Buffer): void {
    throw new Error('ValueReply cannot take raw RESP bytes');
  }
}
