// Resumable RESP request parser: multibulk (`*N\r\n$L\r\n...`) and inline commands.
//
// Hand-written because it is the hot path: commands are parsed straight out of the
// Buffer the socket delivered and handed to the sink without copying. Only the tail
// of a read that holds an incomplete command is copied, into a growable pending
// buffer, and parsing resumes where it stopped (the state lives here, as Valkey keeps
// multibulklen/bulklen on the client), so a frame fed byte by byte costs O(n).
//
// Limits and their error strings follow redis-server 7.0 (networking.c): see
// ../errors.ts. A protocol error is reported to the sink, which replies and closes.

import { Argv } from './argv.js';
import { ProtocolErrors } from './errors.js';

export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
const UNAUTH_MAX_MULTIBULK = 10;
const UNAUTH_MAX_BULK = 16384;
const UNAUTH_MAX_QUERYBUF = 1024 * 1024;
const INT_MAX = 2147483647;

export interface ParserSink {
  /** Runs one command; returns false to stop parsing until `resume()` (blocked, paused, closing). */
  onCommand(argv: Argv): boolean;
  /** A protocol error: the sink replies with it and closes the connection. */
  onProtocolError(message: string): void;
  /** The query buffer grew past its limit: close without a reply. */
  onQueryBufferOverflow(): void;
  /** True while the client has not authenticated and a password is required. */
  unauthenticated(): boolean;
}

export interface ParserLimits {
  maxBulkLen: number; // proto-max-bulk-len
  maxQueryBuffer: number; // client-query-buffer-limit
}

export class RespParser {
  private readonly argv = new Argv(16);
  private readonly sink: ParserSink;
  limits: ParserLimits;

  // Pending bytes: the unparsed tail of earlier reads.
  private pending: Buffer = Buffer.allocUnsafe(0);
  private pendingEnd = 0;
  /** Parse position inside `pending` where the current (incomplete) command resumes. */
  private resumeAt = 0;
  /** Bytes `pending` must hold before parsing can progress (a large bulk in flight). */
  private need = 0;

  // Multibulk state of the command being parsed.
  private multibulkRemaining = 0; // args still to read; 0 = at a command boundary
  private bulkLen = -1; // length of the bulk being read; -1 = at its "$" line

  private stopped = false;
  private dead = false;

  constructor(sink: ParserSink, limits: ParserLimits) {
    this.sink = sink;
    this.limits = limits;
  }

  /** Bytes received but not yet executed (INFO's query buffer, limits). */
  get pendingBytes(): number {
    return this.inflight > 0 ? this.inflight : this.pendingEnd;
  }

  /** While a command runs: the bytes from its start to the end of the batch (Redis's qbuf then). */
  private inflight = 0;

  feed(chunk: Buffer): void {
    if (this.dead) return;
    if (this.pendingEnd === 0 && !this.stopped) {
      this.parse(chunk, 0, chunk.length);
      return;
    }
    this.append(chunk);
    if (this.overLimit()) return;
    if (this.stopped) return;
    if (this.pendingEnd < this.need) return; // a big bulk is still arriving: don't re-scan
    this.parse(this.pending, this.resumeAt, this.pendingEnd);
  }

  /** Continues with buffered input after the sink returned false. */
  resume(): void {
    if (this.dead || !this.stopped) return;
    this.stopped = false;
    if (this.pendingEnd > 0) this.parse(this.pending, this.resumeAt, this.pendingEnd);
  }

  /** Stops for good: nothing more is parsed (connection closing). */
  kill(): void {
    this.dead = true;
    this.pending = Buffer.allocUnsafe(0);
    this.pendingEnd = 0;
  }

  private overLimit(): boolean {
    const limit = this.sink.unauthenticated()
      ? Math.min(UNAUTH_MAX_QUERYBUF, this.limits.maxQueryBuffer)
      : this.limits.maxQueryBuffer;
    // Redis counts the bytes not yet parsed (the argument being read and what follows
    // it); arguments already parsed out of an incomplete command do not count.
    if (this.pendingEnd - this.resumeAt > limit) {
      this.dead = true;
      this.sink.onQueryBufferOverflow();
      return true;
    }
    return false;
  }

  private append(chunk: Buffer): void {
    const required = this.pendingEnd + chunk.length;
    if (required > this.pending.length) {
      let size = Math.max(this.pending.length * 2, 4096);
      while (size < required) size *= 2;
      if (this.need > required && this.need - required < 64 * 1024 * 1024) size = Math.max(size, this.need);
      const next = Buffer.allocUnsafe(size);
      this.pending.copy(next, 0, 0, this.pendingEnd);
      this.pending = next;
    }
    chunk.copy(this.pending, this.pendingEnd);
    this.pendingEnd += chunk.length;
  }

  /**
   * Parses commands from buf[pos, end). `buf` is either a fresh chunk or `pending`.
   * The current command starts at `cmdStart`; argv offsets point into `buf`.
   */
  private parse(buf: Buffer, pos: number, end: number): void {
    const argv = this.argv;
    let cmdStart = this.multibulkRemaining > 0 ? 0 : pos;
    if (this.multibulkRemaining > 0) argv.buf = buf; // resuming: offsets already point into pending
    this.need = 0;

    while (pos < end) {
      if (this.multibulkRemaining === 0) {
        cmdStart = pos;
        argv.count = 0;
        argv.buf = buf;
        if (buf[pos] === 42 /* '*' */) {
          const r = this.readMultibulkCount(buf, pos, end);
          if (r === INCOMPLETE) break;
          if (r === ERROR) return;
          pos = r;
          if (this.multibulkRemaining === 0) continue; // "*0" or "*-1": nothing to run
        } else {
          const r = this.readInline(buf, pos, end);
          if (r === INCOMPLETE) break;
          if (r === ERROR) return;
          pos = r;
          if (argv.count === 0) continue; // empty line
          this.inflight = end - cmdStart;
          if (!this.dispatch()) {
            this.saveTail(buf, pos, end, pos);
            return;
          }
          continue;
        }
      }

      // Read bulk arguments.
      while (this.multibulkRemaining > 0) {
        if (this.bulkLen === -1) {
          const cr = indexOfCR(buf, pos, end);
          if (cr === -1) {
            if (end - pos > PROTO_INLINE_MAX_SIZE) return this.fail(ProtocolErrors.tooBigBulkCount);
            break;
          }
          if (cr + 1 >= end) break; // need the '\n' too
          if (buf[pos] !== 36 /* '$' */) {
            return this.fail(ProtocolErrors.expectedDollar(String.fromCharCode(buf[pos])));
          }
          const n = parseLength(buf, pos + 1, cr);
          if (n < 0 || n > this.limits.maxBulkLen) return this.fail(ProtocolErrors.invalidBulkLength);
          if (n > UNAUTH_MAX_BULK && this.sink.unauthenticated()) return this.fail(ProtocolErrors.unauthBulk);
          this.bulkLen = n;
          pos = cr + 2;
        }
        if (end - pos < this.bulkLen + 2) {
          this.need = this.bulkLen + 2 - (end - pos); // extra bytes needed beyond what we have
          break;
        }
        argv.push(pos, pos + this.bulkLen);
        pos += this.bulkLen + 2;
        this.bulkLen = -1;
        this.multibulkRemaining--;
      }
      if (this.multibulkRemaining > 0) break; // incomplete

      this.inflight = end - cmdStart;
      if (!this.dispatch()) {
        this.saveTail(buf, pos, end, pos);
        return;
      }
    }

    this.saveTail(buf, cmdStart, end, pos);
  }

  /** Runs the parsed command; false when the sink asked to stop. */
  private dispatch(): boolean {
    const go = this.sink.onCommand(this.argv);
    this.inflight = 0;
    if (this.dead) return false;
    if (!go) this.stopped = true;
    return go;
  }

  /**
   * Keeps buf[from, end) for later (the incomplete command, or input left after a stop),
   * with the parse position `resume` inside it, rebasing argv offsets to the new buffer.
   */
  private saveTail(buf: Buffer, from: number, end: number, resume: number): void {
    if (this.dead) return;
    const inProgress = this.multibulkRemaining > 0;
    if (from >= end && !inProgress) {
      this.pendingEnd = 0;
      this.resumeAt = 0;
      return;
    }
    if (buf === this.pending) {
      if (from > 0) {
        buf.copy(buf, 0, from, end);
        if (inProgress) this.argv.rebase(-from);
      }
      this.pendingEnd = end - from;
    } else {
      const len = end - from;
      const size = Math.max(len + (this.need > 0 && this.need < 64 * 1024 * 1024 ? this.need : 0), 4096);
      if (this.pending.length < size || this.pending.length > 4 * size + 65536) this.pending = Buffer.allocUnsafe(size);
      buf.copy(this.pending, 0, from, end);
      this.pendingEnd = len;
      if (inProgress) this.argv.rebase(-from);
    }
    this.resumeAt = resume - from;
    if (inProgress) {
      this.argv.buf = this.pending;
      // `need` counted bytes beyond `end`; express it as a total pending length.
      this.need = this.need > 0 ? this.pendingEnd + this.need : 0;
    } else {
      this.need = 0;
    }
    this.overLimit();
  }

  /** Parses "*N\r\n". Returns the position after it, INCOMPLETE or ERROR. */
  private readMultibulkCount(buf: Buffer, pos: number, end: number): number {
    const cr = indexOfCR(buf, pos, end);
    if (cr === -1) {
      if (end - pos > PROTO_INLINE_MAX_SIZE) {
        this.fail(ProtocolErrors.tooBigMbulkCount);
        return ERROR;
      }
      return INCOMPLETE;
    }
    if (cr + 1 >= end) return INCOMPLETE;
    const n = parseSignedLength(buf, pos + 1, cr);
    if (n === null || n > INT_MAX) {
      this.fail(ProtocolErrors.invalidMultibulkLength);
      return ERROR;
    }
    if (n > UNAUTH_MAX_MULTIBULK && this.sink.unauthenticated()) {
      this.fail(ProtocolErrors.unauthMultibulk);
      return ERROR;
    }
    this.multibulkRemaining = n > 0 ? n : 0;
    this.bulkLen = -1;
    if (n > 0 && this.argv.starts.length < Math.min(n, 1024)) this.argv.grow(Math.min(n, 1024));
    return cr + 2;
  }

  /** Parses one inline command line into a fresh buffer (inline is the telnet path, not hot). */
  private readInline(buf: Buffer, pos: number, end: number): number {
    const nl = buf.indexOf(10, pos);
    if (nl === -1 || nl >= end) {
      if (end - pos > PROTO_INLINE_MAX_SIZE) {
        this.fail(ProtocolErrors.tooBigInline);
        return ERROR;
      }
      return INCOMPLETE;
    }
    let lineEnd = nl;
    if (lineEnd > pos && buf[lineEnd - 1] === 13) lineEnd--;
    const args = splitInlineArgs(buf, pos, lineEnd);
    if (args === null) {
      this.fail(ProtocolErrors.unbalancedQuotes);
      return ERROR;
    }
    const argv = this.argv;
    argv.count = 0;
    if (args.length > 0) {
      const total = args.reduce((n, a) => n + a.length, 0);
      const owned = Buffer.allocUnsafe(total);
      let p = 0;
      for (const a of args) {
        a.copy(owned, p);
        argv.push(p, p + a.length);
        p += a.length;
      }
      argv.buf = owned;
    }
    return nl + 1;
  }

  private fail(message: string): void {
    this.dead = true;
    this.pendingEnd = 0;
    this.sink.onProtocolError(message);
  }
}

const INCOMPLETE = -1;
const ERROR = -2;

function indexOfCR(buf: Buffer, pos: number, end: number): number {
  // Short headers are found faster by a loop than by a native call.
  const limit = Math.min(end, pos + 24);
  for (let i = pos; i < limit; i++) if (buf[i] === 13) return i;
  if (limit === end) return -1;
  const i = buf.indexOf(13, limit);
  return i === -1 || i >= end ? -1 : i;
}

/** A non-negative decimal length; -1 when the text is not one (Redis string2ll + range). */
function parseLength(buf: Buffer, start: number, end: number): number {
  if (start === end || end - start > 18) return -1;
  if (buf[start] === 48 && end - start > 1) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** A signed decimal (multibulk counts may be negative: "*-1" is a null array, ignored). */
function parseSignedLength(buf: Buffer, start: number, end: number): number | null {
  if (start === end) return null;
  if (buf[start] === 45) {
    const n = parseLength(buf, start + 1, end);
    return n <= 0 ? null : -n; // "-0" is not a number to Redis's string2ll either
  }
  const n = parseLength(buf, start, end);
  return n < 0 ? null : n;
}

/**
 * Splits an inline command line the way Redis's sdssplitargs does: spaces separate
 * arguments; "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes; 'single
 * quotes' take \'. A closing quote must be followed by a space or the end of line.
 * Returns null on unbalanced quotes.
 */
export function splitInlineArgs(buf: Buffer, start: number, end: number): Buffer[] | null {
  const args: Buffer[] = [];
  let p = start;
  const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
  while (true) {
    while (p < end && isSpace(buf[p])) p++;
    if (p >= end) return args;
    const bytes: number[] = [];
    let inDq = false;
    let inSq = false;
    let done = false;
    while (!done) {
      if (inDq) {
        if (p >= end) return null;
        const c = buf[p];
        if (c === 92 && p + 3 < end && buf[p + 1] === 120 && isHex(buf[p + 2]) && isHex(buf[p + 3])) {
          bytes.push(hexVal(buf[p + 2]) * 16 + hexVal(buf[p + 3]));
          p += 3;
        } else if (c === 92 && p + 1 < end) {
          p++;
          const e = buf[p];
          bytes.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34) {
          if (p + 1 < end && !isSpace(buf[p + 1])) return null;
          done = true;
        } else {
          bytes.push(c);
        }
      } else if (inSq) {
        if (p >= end) return null;
        const c = buf[p];
        if (c === 92 && p + 1 < end && buf[p + 1] === 39) {
          p++;
          bytes.push(39);
        } else if (c === 39) {
          if (p + 1 < end && !isSpace(buf[p + 1])) return null;
          done = true;
        } else {
          bytes.push(c);
        }
      } else {
        if (p >= end) {
          done = true;
          break;
        }
        const c = buf[p];
        if (isSpace(c)) {
          done = true;
        } else if (c === 34) {
          inDq = true;
        } else if (c === 39) {
          inSq = true;
        } else {
          bytes.push(c);
        }
      }
      if (p < end) p++;
    }
    args.push(Buffer.from(bytes));
  }
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function hexVal(c: number): number {
  if (c <= 57) return c - 48;
  if (c <= 70) return c - 55;
  return c - 87;
}
