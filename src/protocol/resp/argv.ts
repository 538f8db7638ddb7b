// A command's arguments as one Buffer plus start/end offsets.
//
// The parser hands commands over without copying: `buf` is usually the very Buffer
// the socket delivered, valid only while the command runs. Whatever a command keeps
// (a stored value, a MULTI queue entry, a blocked client's request) it copies first;
// `clone()` makes a self-contained Argv for that.

import { parseInteger } from './numbers.js';

export class Argv {
  buf: Buffer = EMPTY;
  starts: Int32Array;
  ends: Int32Array;
  count = 0;

  constructor(capacity = 16) {
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  /** Builds an Argv that owns its bytes, from strings (latin1) or Buffers. */
  static of(args: (string | Buffer)[]): Argv {
    const parts = args.map((a) => (typeof a === 'string' ? Buffer.from(a, 'latin1') : a));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const argv = new Argv(Math.max(parts.length, 1));
    argv.buf = Buffer.allocUnsafe(total);
    let pos = 0;
    for (let i = 0; i < parts.length; i++) {
      parts[i].copy(argv.buf, pos);
      argv.starts[i] = pos;
      pos += parts[i].length;
      argv.ends[i] = pos;
    }
    argv.count = parts.length;
    return argv;
  }

  /** Appends an argument's offsets (used by the parser). */
  push(start: number, end: number): void {
    if (this.count === this.starts.length) this.grow(this.count * 2);
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  grow(capacity: number): void {
    const s = new Int32Array(capacity);
    const e = new Int32Array(capacity);
    s.set(this.starts.subarray(0, this.count));
    e.set(this.ends.subarray(0, this.count));
    this.starts = s;
    this.ends = e;
  }

  /** Shifts all offsets by `delta` (when the parser moves its pending bytes). */
  rebase(delta: number): void {
    for (let i = 0; i < this.count; i++) {
      this.starts[i] += delta;
      this.ends[i] += delta;
    }
  }

  /** A copy that owns its bytes and survives the current read batch. */
  clone(): Argv {
    const argv = new Argv(Math.max(this.count, 1));
    if (this.count === 0) return argv;
    let total = 0;
    for (let i = 0; i < this.count; i++) total += this.ends[i] - this.starts[i];
    argv.buf = Buffer.allocUnsafe(total);
    let pos = 0;
    for (let i = 0; i < this.count; i++) {
      this.buf.copy(argv.buf, pos, this.starts[i], this.ends[i]);
      argv.starts[i] = pos;
      pos += this.ends[i] - this.starts[i];
      argv.ends[i] = pos;
    }
    argv.count = this.count;
    return argv;
  }

  /** A new Argv with the arguments from `from` on (e.g. the command inside EXEC-less wrappers). */
  slice(from: number): Argv {
    const out = new Argv(Math.max(this.count - from, 1));
    out.buf = this.buf;
    for (let i = from; i < this.count; i++) out.push(this.starts[i], this.ends[i]);
    return out;
  }

  len(i: number): number {
    return this.ends[i] - this.starts[i];
  }

  /** The argument as a latin1 string: binary-safe, one char per byte. */
  str(i: number): string {
    return this.buf.latin1Slice(this.starts[i], this.ends[i]);
  }

  /** The argument decoded as UTF-8 (for text meant for people: names, messages). */
  utf8(i: number): string {
    return this.buf.toString('utf8', this.starts[i], this.ends[i]);
  }

  /** A view of the argument's bytes; valid only while the command runs. */
  view(i: number): Buffer {
    return this.buf.subarray(this.starts[i], this.ends[i]);
  }

  /** A copy of the argument's bytes. */
  copy(i: number): Buffer {
    return Buffer.from(this.buf.subarray(this.starts[i], this.ends[i]));
  }

  /** The argument lower-cased (ASCII), for matching options and subcommands. */
  lower(i: number): string {
    return this.str(i).toLowerCase();
  }

  /** Case-insensitive comparison with a lower-case ASCII token, without allocating. */
  is(i: number, token: string): boolean {
    const s = this.starts[i];
    if (this.ends[i] - s !== token.length) return false;
    const b = this.buf;
    for (let k = 0; k < token.length; k++) {
      let c = b[s + k];
      if (c >= 65 && c <= 90) c += 32;
      if (c !== token.charCodeAt(k)) return false;
    }
    return true;
  }

  /** The argument as a signed 64-bit integer (Redis string2ll), or null. */
  int(i: number): number | bigint | null {
    return parseInteger(this.buf, this.starts[i], this.ends[i]);
  }

  /** All arguments as latin1 strings (slow path: logging, MONITOR, scripts). */
  strings(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.str(i));
    return out;
  }
}

const EMPTY = Buffer.alloc(0);
