// FUNCTION DUMP / FUNCTION RESTORE payloads in Redis 7.0's format: for each library
// the RDB opcode FUNCTION2 (245) and its code as an RDB string, then the RDB version
// (2 bytes, little-endian) and a CRC-64 (Jones, reflected; 8 bytes little-endian)
// of everything before it. Restore also reads LZF-compressed and integer-encoded RDB
// strings, which redis-server writes when rdbcompression is on.

const RDB_VERSION = 10;
const OPCODE_FUNCTION_PRE_GA = 246;
const OPCODE_FUNCTION2 = 245;

// ---- CRC-64/Jones (Redis's crc64) ---------------------------------------------------

const CRC_TABLE = (() => {
  const poly = 0x95ac9329ac4bc9b5n; // 0xad93d23594c935a9 bit-reversed
  const t: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    t.push(c);
  }
  return t;
})();

export function crc64(data: Uint8Array, crc = 0n): bigint {
  for (let i = 0; i < data.length; i++) {
    crc = CRC_TABLE[Number((crc ^ BigInt(data[i])) & 0xffn)] ^ (crc >> 8n);
  }
  return crc;
}

// ---- RDB lengths and strings -----------------------------------------------------------

function encodeLength(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

/** The payload FUNCTION DUMP replies with, for libraries' full code (shebang included). */
export function dumpFunctions(codes: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const code of codes) {
    parts.push(Buffer.from([OPCODE_FUNCTION2]), encodeLength(code.length), code);
  }
  parts.push(Buffer.from([RDB_VERSION & 0xff, (RDB_VERSION >> 8) & 0xff]));
  const body = Buffer.concat(parts);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(body));
  return Buffer.concat([body, crc]);
}

class PayloadError extends Error {}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  byte(): number {
    if (this.pos >= this.buf.length) throw new PayloadError('can not read data type');
    return this.buf[this.pos++];
  }
  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new PayloadError('failed loading the given functions payload');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  /** An RDB length; `encoded` when the value is a special string encoding. */
  length(): { n: number; encoded: boolean } {
    const first = this.byte();
    const type = first >> 6;
    if (type === 0) return { n: first & 0x3f, encoded: false };
    if (type === 1) return { n: ((first & 0x3f) << 8) | this.byte(), encoded: false };
    if (type === 3) return { n: first & 0x3f, encoded: true };
    if (first === 0x80) return { n: this.take(4).readUInt32BE(0), encoded: false };
    if (first === 0x81) return { n: Number(this.take(8).readBigUInt64BE(0)), encoded: false };
    throw new PayloadError('failed loading the given functions payload');
  }
  string(): Buffer {
    const { n, encoded } = this.length();
    if (!encoded) return Buffer.from(this.take(n));
    switch (n) {
      case 0:
        return Buffer.from(String(this.take(1).readInt8(0)));
      case 1:
        return Buffer.from(String(this.take(2).readInt16LE(0)));
      case 2:
        return Buffer.from(String(this.take(4).readInt32LE(0)));
      case 3: {
        const clen = this.length().n;
        const len = this.length().n;
        return lzfDecompress(this.take(clen), len);
      }
      default:
        throw new PayloadError('failed loading the given functions payload');
    }
  }
}

/** LZF decompression (liblzf's format, as RDB uses it). */
export function lzfDecompress(input: Buffer, outLen: number): Buffer {
  const out = Buffer.alloc(outLen);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    let ctrl = input[ip++];
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > input.length) throw new PayloadError('failed loading the given functions payload');
      input.copy(out, op, ip, ip + ctrl);
      op += ctrl;
      ip += ctrl;
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (len === 7) len += input[ip++];
      ref -= input[ip++];
      len += 2;
      if (op + len > outLen || ref < 0) throw new PayloadError('failed loading the given functions payload');
      for (let k = 0; k < len; k++) out[op++] = out[ref++];
    }
  }
  if (op !== outLen) throw new PayloadError('failed loading the given functions payload');
  return out;
}

/**
 * The libraries' code in a FUNCTION RESTORE payload, or the error to reply with
 * (without "ERR ": the caller adds it).
 */
export function parseFunctionDump(payload: Buffer): Buffer[] | string {
  if (payload.length < 10) return 'DUMP payload version or checksum are wrong';
  const footer = payload.length - 10;
  const version = payload[footer] | (payload[footer + 1] << 8);
  if (version > RDB_VERSION) return 'DUMP payload version or checksum are wrong';
  const expected = payload.readBigUInt64LE(payload.length - 8);
  if (crc64(payload.subarray(0, payload.length - 8)) !== expected) return 'DUMP payload version or checksum are wrong';
  const r = new Reader(payload.subarray(0, footer));
  const codes: Buffer[] = [];
  try {
    while (r.pos < footer) {
      const type = r.byte();
      if (type === OPCODE_FUNCTION_PRE_GA) return 'Pre-GA function format not supported';
      if (type !== OPCODE_FUNCTION2) return 'given type is not a function';
      codes.push(r.string());
    }
  } catch (e) {
    if (e instanceof PayloadError) return e.message;
    throw e;
  }
  return codes;
}
