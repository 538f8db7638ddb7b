// memcached's text-protocol tokenizer, over a byte range of the receive buffer.
//
// Same rules as tokenize_command() in proto_text.c, because replies depend on
// them: only ' ' separates tokens (a tab is part of a token), a NUL ends the
// line, and at most 23 tokens are split; the rest of a longer line is kept as
// `rest` (a multi-key get continues from there). `ntokens` counts the terminal
// pseudo-token as memcached's does, so argument checks read like the C ones.

export const MAX_TOKENS = 24;

export class Tokens {
  readonly starts = new Int32Array(MAX_TOKENS);
  readonly ends = new Int32Array(MAX_TOKENS);
  /** memcached's ntokens: real tokens + 1. */
  ntokens = 0;
  /** Where an over-long line continues, or -1 when all of it was split. */
  rest = -1;
  /** End of the line (after NUL truncation). */
  lineEnd = 0;
  buf: Buffer = Buffer.alloc(0);

  len(i: number): number {
    return this.ends[i] - this.starts[i];
  }

  /** Token i equals the ASCII string s. */
  is(i: number, s: string): boolean {
    const start = this.starts[i];
    if (this.ends[i] - start !== s.length) return false;
    const b = this.buf;
    for (let k = 0; k < s.length; k++) if (b[start + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  str(i: number): string {
    return this.buf.latin1Slice(this.starts[i], this.ends[i]);
  }
}

/** Splits buf[start, end) into t. */
export function tokenize(buf: Buffer, start: number, end: number, t: Tokens): void {
  t.buf = buf;
  let n = 0;
  let s = start;
  let i = start;
  t.rest = -1;
  for (; i < end; i++) {
    const c = buf[i];
    if (c === 0) {
      // The C code works on a NUL-terminated string.
      end = i;
      break;
    }
    if (c === 0x20) {
      if (s !== i) {
        t.starts[n] = s;
        t.ends[n] = i;
        n++;
        if (n === MAX_TOKENS - 1) {
          i++;
          s = i;
          if (i < end && buf[i] !== 0) t.rest = i;
          t.lineEnd = end;
          t.ntokens = n + 1;
          t.starts[n] = i;
          t.ends[n] = i;
          return;
        }
      }
      s = i + 1;
    }
  }
  t.lineEnd = end;
  if (s !== i) {
    t.starts[n] = s;
    t.ends[n] = i;
    n++;
  }
  t.starts[n] = i;
  t.ends[n] = i;
  t.ntokens = n + 1;
}
