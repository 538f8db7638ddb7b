// CRC-64 as Redis computes it for RDB files and DUMP payloads: the "Jones"
// polynomial 0xad93d23594c935a9, reflected, initial value 0, no final xor
// (check value for "123456789": 0xe9c6d914c4b8d9ca).
//
// BigInt per byte is far too slow for whole datasets, so the 64-bit register is
// kept as two 32-bit halves, and bytes are taken eight at a time ("slicing-by-8":
// table k gives the effect of a byte followed by k zero bytes), which makes the
// checksum a small part of writing or loading a file.

const POLY_HI = 0x95ac9329; // the polynomial bit-reversed: 0x95ac9329ac4bc9b5
const POLY_LO = 0xac4bc9b5;

/** LO[k * 256 + i], HI[k * 256 + i]: table k, byte i. */
const LO = new Uint32Array(8 * 256);
const HI = new Uint32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      lo = (lo ^ POLY_LO) >>> 0;
      hi = (hi ^ POLY_HI) >>> 0;
    }
  }
  LO[i] = lo;
  HI[i] = hi;
}
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const plo = LO[(k - 1) * 256 + i];
    const phi = HI[(k - 1) * 256 + i];
    const idx = plo & 0xff;
    LO[k * 256 + i] = (((plo >>> 8) | (phi << 24)) ^ LO[idx]) >>> 0;
    HI[k * 256 + i] = ((phi >>> 8) ^ HI[idx]) >>> 0;
  }
}

/** A running CRC-64 over bytes fed in pieces. */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  update(data: Uint8Array, start = 0, end = data.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    for (; i + 8 <= end; i += 8) {
      const a = lo ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
      const b = hi ^ (data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24));
      lo =
        LO[1792 + (a & 0xff)] ^ LO[1536 + ((a >>> 8) & 0xff)] ^ LO[1280 + ((a >>> 16) & 0xff)] ^ LO[1024 + (a >>> 24)] ^
        LO[768 + (b & 0xff)] ^ LO[512 + ((b >>> 8) & 0xff)] ^ LO[256 + ((b >>> 16) & 0xff)] ^ LO[b >>> 24];
      hi =
        HI[1792 + (a & 0xff)] ^ HI[1536 + ((a >>> 8) & 0xff)] ^ HI[1280 + ((a >>> 16) & 0xff)] ^ HI[1024 + (a >>> 24)] ^
        HI[768 + (b & 0xff)] ^ HI[512 + ((b >>> 8) & 0xff)] ^ HI[256 + ((b >>> 16) & 0xff)] ^ HI[b >>> 24];
    }
    for (; i < end; i++) {
      const idx = (lo ^ data[i]) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ LO[idx];
      hi = (hi >>> 8) ^ HI[idx];
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The checksum as Redis stores it: 8 bytes, little-endian. */
  bytes(): Buffer {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32LE(this.lo, 0);
    b.writeUInt32LE(this.hi, 4);
    return b;
  }
}

export function crc64(data: Uint8Array, start = 0, end = data.length): bigint {
  return new Crc64().update(data, start, end).value;
}
