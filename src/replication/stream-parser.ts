// Parses the replication stream a replica receives from its primary: RESP multibulk
// requests, each reported with its exact size in bytes, because a replica's offset
// counts the bytes of the commands it has applied (that is what REPLCONF ACK reports
// and where PSYNC resumes), never those of a command still arriving.
//
// Unlike the client parser this one trusts its peer more (a primary is not hostile)
// but still bounds what it buffers, and any malformed input is reported as an error
// so the link can be dropped and re-established.

import { Argv } from '../protocol/resp/argv.js';

export interface StreamSink {
  /** One complete command; `bytes` is its size on the wire. The Argv is valid only during the call. */
  command(argv: Argv, bytes: number, raw: Buffer): void;
  /** Malformed input: the link must be dropped. */
  error(message: string): void;
}

/** Bulks bigger than proto-max-bulk-len's ceiling are refused. */
const MAX_BULK = 512 * 1024 * 1024;
const MAX_ARGS = 1024 * 1024;

export class StreamParser {
  private pending: Buffer = Buffer.alloc(0);
  /** Chunks received while waiting for `need` bytes (joined once, not per chunk). */
  private waiting: Buffer[] = [];
  private waitingLen = 0;
  /** Bytes the unparsed input must reach before a parse can make progress. */
  private need = 0;
  private dead = false;
  private readonly argv = new Argv(16);
  /** Set while a chunk is being parsed: stop() makes the loop return at the next command. */
  private stopped = false;

  constructor(private readonly sink: StreamSink) {}

  /** Bytes received and not yet handed over as complete commands. */
  get buffered(): number {
    return this.pending.length + this.waitingLen;
  }

  /** Stops parsing for good (the link is going away). */
  stop(): void {
    this.stopped = true;
    this.dead = true;
    this.pending = Buffer.alloc(0);
    this.waiting = [];
    this.waitingLen = 0;
  }

  feed(chunk: Buffer): void {
    if (this.dead) return;
    if (this.pending.length === 0 && this.waitingLen === 0) {
      this.pending = chunk;
    } else {
      this.waiting.push(chunk);
      this.waitingLen += chunk.length;
      if (this.pending.length + this.waitingLen < this.need) return;
      this.pending = Buffer.concat([this.pending, ...this.waiting]);
      this.waiting = [];
      this.waitingLen = 0;
    }
    this.parse();
  }

  private parse(): void {
    const buf = this.pending;
    let pos = 0;
    this.need = 0;
    while (pos < buf.length && !this.stopped) {
      const c = buf[pos];
      // Bare newlines are keepalives some primaries send between commands.
      if (c === 10 || c === 13) {
        pos++;
        continue;
      }
      if (c !== 42 /* '*' */) return this.fail(`expected '*', got '${String.fromCharCode(c)}'`);
      const end = this.command(buf, pos);
      if (end === -2) return; // failed, already reported
      if (end === -1) break;
      this.sink.command(this.argv, end - pos, buf.subarray(pos, end));
      pos = end;
    }
    if (this.dead) return;
    this.pending = pos >= buf.length ? Buffer.alloc(0) : buf.subarray(pos);
  }

  /** Parses one command at pos into this.argv: its end, -1 if incomplete, -2 on error. */
  private command(buf: Buffer, pos: number): number {
    const argv = this.argv;
    const start = pos;
    const line = this.line(buf, pos + 1);
    if (line === null) return this.incomplete(start, buf.length + 1);
    const count = this.number(buf, pos + 1, line);
    if (count === null || count > MAX_ARGS) return this.failAt('invalid multibulk length');
    pos = line + 2;
    argv.buf = buf;
    argv.count = 0;
    for (let k = 0; k < count; k++) {
      if (pos >= buf.length) return this.incomplete(start, pos + 1);
      if (buf[pos] !== 36 /* '$' */) return this.failAt(`expected '$', got '${String.fromCharCode(buf[pos])}'`);
      const l = this.line(buf, pos + 1);
      if (l === null) return this.incomplete(start, buf.length + 1);
      const len = this.number(buf, pos + 1, l);
      if (len === null || len > MAX_BULK) return this.failAt('invalid bulk length');
      const dataStart = l + 2;
      if (dataStart + len + 2 > buf.length) return this.incomplete(start, dataStart + len + 2);
      argv.push(dataStart, dataStart + len);
      pos = dataStart + len + 2;
    }
    return pos;
  }

  /** Remembers how many bytes (from the command's start) are needed before trying again. */
  private incomplete(start: number, needAbsolute: number): number {
    this.need = needAbsolute - start;
    return -1;
  }

  /** Index of the CR ending the line that starts at pos, or null. */
  private line(buf: Buffer, pos: number): number | null {
    const i = buf.indexOf(13, pos);
    if (i === -1 || i + 1 >= buf.length) return null;
    return i;
  }

  private number(buf: Buffer, start: number, end: number): number | null {
    if (start === end || end - start > 12) return null;
    let n = 0;
    for (let i = start; i < end; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) return null;
      n = n * 10 + d;
    }
    return n;
  }

  private failAt(message: string): number {
    this.fail(message);
    return -2;
  }

  private fail(message: string): void {
    this.stop();
    this.sink.error(message);
  }
}
