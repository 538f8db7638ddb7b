// LZF, the compression RDB uses for strings longer than 20 bytes (liblzf's format).
//
// A compressed stream is a sequence of items, each led by a control byte:
// - ctrl < 32: a literal run of ctrl + 1 bytes follows;
// - otherwise a back reference: length (ctrl >> 5) + 2, or when those 3 bits are 7,
//   7 + next byte + 2; distance ((ctrl & 31) << 8 | following byte) + 1 back from
//   the output position. Copies may overlap their source (runs).
// The compressor is a plain hash-of-three-bytes matcher; it need not produce the
// same bytes as liblzf, only a stream liblzf's decoder accepts.

import { RdbError } from './rdb-types.js';

const HASH_BITS = 14;
const HASH_SIZE = 1 << HASH_BITS;
const MAX_LITERAL = 32;
const MAX_DISTANCE = 8192;
const MAX_MATCH = 264;

function hash3(b: Uint8Array, i: number): number {
  const v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
  return (Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS)) & (HASH_SIZE - 1);
}

const table = new Int32Array(HASH_SIZE);

/**
 * Compresses src[start, end); returns null unless the result is at most `maxOut`
 * bytes (Redis stores a string compressed only when it saves at least 4 bytes).
 */
export function lzfCompress(src: Uint8Array, start: number, end: number, maxOut: number): Buffer | null {
  const len = end - start;
  if (len === 0 || maxOut <= 0) return null;
  const out = Buffer.allocUnsafe(maxOut + MAX_LITERAL + 4);
  const limit = maxOut;
  table.fill(-1);
  let ip = start;
  let op = 1; // out[0] is the first literal run's control byte
  let lit = 0;
  while (ip < end - 2) {
    const h = hash3(src, ip);
    const ref = table[h];
    table[h] = ip;
    const dist = ip - ref - 1;
    if (ref >= 0 && dist < MAX_DISTANCE && src[ref] === src[ip] && src[ref + 1] === src[ip + 1] && src[ref + 2] === src[ip + 2]) {
      const maxLen = Math.min(MAX_MATCH, end - ip);
      let l = 3;
      while (l < maxLen && src[ref + l] === src[ip + l]) l++;
      // Close the pending literal run (or take back its unused control byte).
      if (lit > 0) out[op - lit - 1] = lit - 1;
      else op--;
      const code = l - 2;
      if (code < 7) {
        out[op++] = (code << 5) | (dist >> 8);
      } else {
        out[op++] = (7 << 5) | (dist >> 8);
        out[op++] = code - 7;
      }
      out[op++] = dist & 0xff;
      lit = 0;
      op++; // control byte of the next literal run
      if (op > limit) return null;
      // Remember the positions the match covered, so later data can refer to them.
      const stop = Math.min(ip + l, end - 2);
      for (let k = ip + 1; k < stop; k++) table[hash3(src, k)] = k;
      ip += l;
      continue;
    }
    out[op++] = src[ip++];
    if (++lit === MAX_LITERAL) {
      out[op - lit - 1] = MAX_LITERAL - 1;
      lit = 0;
      op++;
    }
    if (op > limit) return null;
  }
  while (ip < end) {
    out[op++] = src[ip++];
    if (++lit === MAX_LITERAL) {
      out[op - lit - 1] = MAX_LITERAL - 1;
      lit = 0;
      op++;
    }
  }
  if (lit > 0) out[op - lit - 1] = lit - 1;
  else op--;
  if (op > limit) return null;
  return out.subarray(0, op);
}

/** Decompresses an LZF stream that must expand to exactly `outLen` bytes. */
export function lzfDecompress(src: Uint8Array, outLen: number): Buffer {
  // Two input bytes expand to at most 264 output bytes: a larger claim is a lie, and
  // must not size an allocation.
  if (outLen > src.length * 132 + 32) throw new RdbError('Invalid LZF compressed string');
  const out = Buffer.allocUnsafe(outLen);
  const n = src.length;
  let ip = 0;
  let op = 0;
  while (ip < n) {
    const ctrl = src[ip++];
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (op + run > outLen || ip + run > n) throw new RdbError('Invalid LZF compressed string');
      for (let k = 0; k < run; k++) out[op++] = src[ip++];
      continue;
    }
    let len = ctrl >> 5;
    if (len === 7) {
      if (ip >= n) throw new RdbError('Invalid LZF compressed string');
      len += src[ip++];
    }
    if (ip >= n) throw new RdbError('Invalid LZF compressed string');
    let ref = op - ((ctrl & 0x1f) << 8) - src[ip++] - 1;
    len += 2;
    if (ref < 0 || op + len > outLen) throw new RdbError('Invalid LZF compressed string');
    for (let k = 0; k < len; k++) out[op++] = out[ref++];
  }
  if (op !== outLen) throw new RdbError('Invalid LZF compressed string');
  return out;
}
