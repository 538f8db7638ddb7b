// The replication backlog: the last repl-backlog-size bytes of the replication
// stream, kept in a ring so that a replica whose link dropped can resume with a
// partial resync (PSYNC replid offset) instead of reloading the whole dataset.
//
// Offsets are Redis's: the stream's bytes are numbered from 1, `endOffset` is the
// number of the last byte written (master_repl_offset), and the backlog holds bytes
// endOffset-histlen+1 .. endOffset. A fresh backlog starts empty at the current
// master_repl_offset, so its first byte offset reads endOffset+1.

export class ReplBacklog {
  private buf: Buffer;
  /** Where the next byte goes in `buf`. */
  private idx = 0;
  /** Bytes held (at most buf.length). */
  histlen = 0;
  /** Offset of the last byte written. */
  endOffset: number;

  constructor(size: number, endOffset: number) {
    this.buf = Buffer.alloc(Math.max(16, size));
    this.endOffset = endOffset;
  }

  get size(): number {
    return this.buf.length;
  }

  /** Replication offset of the oldest byte held (endOffset+1 when empty). */
  get firstOffset(): number {
    return this.endOffset - this.histlen + 1;
  }

  append(data: Buffer): void {
    const size = this.buf.length;
    this.endOffset += data.length;
    let src = data;
    // Only the last `size` bytes can survive.
    if (src.length > size) src = src.subarray(src.length - size);
    const first = Math.min(src.length, size - this.idx);
    src.copy(this.buf, this.idx, 0, first);
    if (first < src.length) src.copy(this.buf, 0, first);
    this.idx = (this.idx + src.length) % size;
    this.histlen = Math.min(size, this.histlen + data.length);
  }

  /** True when a replica asking to continue from byte `offset` can be served from here. */
  covers(offset: number): boolean {
    return offset >= this.firstOffset && offset <= this.endOffset + 1;
  }

  /** The bytes from replication offset `offset` to the end (covers(offset) must hold). */
  from(offset: number): Buffer {
    const n = this.endOffset - offset + 1;
    if (n <= 0) return Buffer.alloc(0);
    const size = this.buf.length;
    const start = (this.idx - n + size * 2) % size;
    if (start + n <= size) return Buffer.from(this.buf.subarray(start, start + n));
    return Buffer.concat([this.buf.subarray(start), this.buf.subarray(0, n - (size - start))]);
  }

  /** CONFIG SET repl-backlog-size: a new ring keeping as much recent history as fits. */
  resize(size: number): void {
    size = Math.max(16, size);
    if (size === this.buf.length) return;
    const keep = Math.min(this.histlen, size);
    const recent = this.from(this.endOffset - keep + 1);
    this.buf = Buffer.alloc(size);
    recent.copy(this.buf, 0);
    this.idx = keep % size;
    this.histlen = keep;
  }
}
