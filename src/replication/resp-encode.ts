// The replication stream is RESP multibulk requests, the same bytes a client would
// send. These helpers turn a command (an Argv, or plain strings and Buffers) into
// those bytes in one allocation, so a propagated command costs one Buffer.

import type { Argv } from '../protocol/resp/argv.js';

const CRLF = 0x0d0a;

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Writes "<prefix><n>\r\n" at pos; returns the next position. */
function header(out: Buffer, pos: number, prefix: number, n: number): number {
  out[pos++] = prefix;
  const s = String(n);
  pos += out.latin1Write(s, pos, s.length);
  out.writeUInt16BE(CRLF, pos);
  return pos + 2;
}

/** An Argv as a RESP multibulk request. */
export function encodeArgv(argv: Argv): Buffer {
  let size = 1 + digits(argv.count) + 2;
  for (let i = 0; i < argv.count; i++) {
    const len = argv.ends[i] - argv.starts[i];
    size += 1 + digits(len) + 2 + len + 2;
  }
  const out = Buffer.allocUnsafe(size);
  let pos = header(out, 0, 42 /* '*' */, argv.count);
  for (let i = 0; i < argv.count; i++) {
    const len = argv.ends[i] - argv.starts[i];
    pos = header(out, pos, 36 /* '$' */, len);
    argv.buf.copy(out, pos, argv.starts[i], argv.ends[i]);
    pos += len;
    out.writeUInt16BE(CRLF, pos);
    pos += 2;
  }
  return out;
}

/** A command given as latin1 strings and/or Buffers, as a RESP multibulk request. */
export function encodeCommand(args: (string | Buffer)[]): Buffer {
  const parts = args.map((a) => (typeof a === 'string' ? Buffer.from(a, 'latin1') : a));
  let size = 1 + digits(parts.length) + 2;
  for (const p of parts) size += 1 + digits(p.length) + 2 + p.length + 2;
  const out = Buffer.allocUnsafe(size);
  let pos = header(out, 0, 42, parts.length);
  for (const p of parts) {
    pos = header(out, pos, 36, p.length);
    p.copy(out, pos);
    pos += p.length;
    out.writeUInt16BE(CRLF, pos);
    pos += 2;
  }
  return out;
}
