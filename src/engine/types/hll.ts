// HyperLogLog in Redis's own byte format, so that an HLL is an ordinary string value:
// GET/SET/GETRANGE/APPEND see exactly the bytes redis-server would hold, and bytes
// written here are accepted by redis-server (and the other way round).
//
// Layout (16-byte header, then registers):
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality,
//   8 bytes little endian, whose top bit set means "stale, recompute".
// - dense: 16384 registers of 6 bits, packed little endian (12288 bytes);
// - sparse: run-length opcodes ZERO 00xxxxxx (1-64 zero registers), XZERO
//   01xxxxxx xxxxxxxx (1-16384 zero registers) and VAL 1vvvvvxx (1-4 registers of
//   value 1-32). A sparse HLL turns dense when a register needs a value above 32 or
//   the string would grow past hll-sparse-max-bytes.
// Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the
// register, the run of zeros above them (plus one) is the candidate value. The
// estimate is Ertl's improved estimator over the register histogram, as Redis 7.0.
//
// Sparse updates follow Redis's steps exactly (split the opcode covering the
// register, then merge equal neighbouring VAL opcodes within a 5-opcode window), so
// the same adds give the same bytes as redis-server. This module is pure byte work
// over Buffers: no keys, no replies.

export const HLL_HDR_SIZE = 16;
export const HLL_REGISTERS = 16384;
const HLL_P = 14;
const HLL_Q = 64 - HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8; // 12304
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.721347520444481703680; // 0.5 / ln(2)

/** Result of a sparse update that needs the dense encoding to go on. */
export const PROMOTE = 2;

// ---- MurmurHash64A over 32-bit halves ----------------------------------------------------

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
let rHi = 0;
let rLo = 0;

/** (ah:al) * (bh:bl) mod 2^64 into rHi:rLo. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const lo = a0 * b0 + (mid % 65536) * 65536;
  const hi = a1 * b1 + Math.floor(mid / 65536) + Math.floor(lo / 4294967296);
  rLo = lo >>> 0;
  rHi = (hi + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0;
}

/**
 * Hashes buf[start, end) and returns the register index and the candidate value
 * packed as index * 64 + count (Redis hllPatLen).
 */
export function hllPattern(buf: Buffer | Uint8Array, start: number, end: number): number {
  const len = end - start;
  // h = seed ^ (len * m)
  mul64(0, len >>> 0, M_HI, M_LO);
  let hHi = rHi;
  let hLo = (rLo ^ 0xadc83b19) >>> 0;
  let p = start;
  const blocks = start + (len - (len & 7));
  while (p < blocks) {
    let kLo = (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)) >>> 0;
    let kHi = (buf[p + 4] | (buf[p + 5] << 8) | (buf[p + 6] << 16) | (buf[p + 7] << 24)) >>> 0;
    mul64(kHi, kLo, M_HI, M_LO);
    kHi = rHi;
    kLo = (rLo ^ (kHi >>> 15)) >>> 0; // k ^= k >> 47
    mul64(kHi, kLo, M_HI, M_LO);
    hHi = (hHi ^ rHi) >>> 0;
    hLo = (hLo ^ rLo) >>> 0;
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
    p += 8;
  }
  const rest = len & 7;
  if (rest > 0) {
    if (rest >= 7) hHi ^= buf[p + 6] << 16;
    if (rest >= 6) hHi ^= buf[p + 5] << 8;
    if (rest >= 5) hHi ^= buf[p + 4];
    if (rest >= 4) hLo ^= buf[p + 3] << 24;
    if (rest >= 3) hLo ^= buf[p + 2] << 16;
    if (rest >= 2) hLo ^= buf[p + 1] << 8;
    hLo ^= buf[p];
    mul64(hHi >>> 0, hLo >>> 0, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mul64(hHi, hLo, M_HI, M_LO);
  hHi = rHi;
  hLo = (rLo ^ (rHi >>> 15)) >>> 0;

  const index = hLo & HLL_P_MASK;
  // Bits 14..63 with bit 50 (of the shifted value) forced on: count = trailing zeros + 1.
  const low18 = hLo >>> HLL_P;
  let count: number;
  if (low18 !== 0) count = ctz(low18) + 1;
  else if (hHi !== 0) count = 18 + ctz(hHi) + 1;
  else count = HLL_Q + 1;
  return index * 64 + count;
}

function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

// ---- header ----------------------------------------------------------------------------------

/** A new empty HLL: sparse, all registers zero (one XZERO opcode), cached cardinality 0. */
export function createHll(): Buffer {
  const n = Math.ceil(HLL_REGISTERS / SPARSE_XZERO_MAX_LEN);
  const b = Buffer.alloc(HLL_HDR_SIZE + n * 2);
  b.write('HYLL', 0, 'latin1');
  b[4] = HLL_SPARSE;
  let left = HLL_REGISTERS;
  let p = HLL_HDR_SIZE;
  while (left > 0) {
    const run = Math.min(left, SPARSE_XZERO_MAX_LEN);
    setXZero(b, p, run);
    p += 2;
    left -= run;
  }
  return b;
}

/** True when buf[off, off+len) has a valid HLL header and, if dense, the exact length. */
export function isHll(buf: Buffer, off: number, len: number): boolean {
  if (len < HLL_HDR_SIZE) return false;
  if (buf[off] !== 0x48 || buf[off + 1] !== 0x59 || buf[off + 2] !== 0x4c || buf[off + 3] !== 0x4c) return false;
  const enc = buf[off + 4];
  if (enc > HLL_SPARSE) return false;
  if (enc === HLL_DENSE && len !== HLL_DENSE_SIZE) return false;
  return true;
}

export function cacheValid(buf: Buffer, off: number): boolean {
  return (buf[off + 15] & 0x80) === 0;
}

export function invalidateCache(buf: Buffer, off: number): void {
  buf[off + 15] |= 0x80;
}

/** The cached cardinality (exact: a corrupted cache may hold any 63-bit value). */
export function readCache(buf: Buffer, off: number): number | bigint {
  let v = 0;
  for (let i = 7; i >= 0; i--) v = v * 256 + buf[off + 8 + i];
  return v <= Number.MAX_SAFE_INTEGER ? v : buf.readBigUInt64LE(off + 8);
}

export function writeCache(buf: Buffer, off: number, card: number): void {
  let v = card;
  for (let i = 0; i < 8; i++) {
    buf[off + 8 + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

// ---- dense registers (reg = offset of the first register byte) -------------------------------

export function denseGet(buf: Buffer | Uint8Array, reg: number, i: number): number {
  const bit = i * 6;
  const byte = reg + (bit >>> 3);
  const fb = bit & 7;
  // With fb <= 2 the register ends inside its first byte; Redis reads one byte past
  // the last register (the string's NUL), which contributes nothing.
  if (fb <= 2) return (buf[byte] >>> fb) & 63;
  return ((buf[byte] >>> fb) | (buf[byte + 1] << (8 - fb))) & 63;
}

export function denseSetRaw(buf: Buffer | Uint8Array, reg: number, i: number, v: number): void {
  const bit = i * 6;
  const byte = reg + (bit >>> 3);
  const fb = bit & 7;
  buf[byte] = (buf[byte] & ~(63 << fb)) | (v << fb);
  if (fb > 2) {
    const fb8 = 8 - fb;
    buf[byte + 1] = (buf[byte + 1] & ~(63 >>> fb8)) | (v >>> fb8);
  }
}

/** Raises register i to v if lower; 1 when it changed. */
export function denseSet(buf: Buffer | Uint8Array, reg: number, i: number, v: number): number {
  if (v > denseGet(buf, reg, i)) {
    denseSetRaw(buf, reg, i, v);
    return 1;
  }
  return 0;
}

// ---- sparse opcodes ------------------------------------------------------------------------------

const isZero = (op: number): boolean => (op & 0xc0) === 0;
const isXZero = (op: number): boolean => (op & 0xc0) === 0x40;
const isVal = (op: number): boolean => (op & 0x80) !== 0;
const zeroLen = (op: number): number => (op & 0x3f) + 1;
const valValue = (op: number): number => ((op >>> 2) & 0x1f) + 1;
const valLen = (op: number): number => (op & 3) + 1;
const valOp = (value: number, len: number): number => 0x80 | ((value - 1) << 2) | (len - 1);

function setXZero(b: Buffer, p: number, len: number): void {
  const l = len - 1;
  b[p] = (l >>> 8) | 0x40;
  b[p + 1] = l & 0xff;
}

/**
 * A growable copy of one HLL string (header included) being updated. Call finish()
 * before reading `buf`/`len`: a long run of sparse updates works on decoded runs
 * (SparseRuns) and only writes the bytes back at the end.
 */
export class HllWork {
  buf: Buffer;
  len: number;
  private runs: SparseRuns | null = null;
  private sparseSets = 0;

  constructor(src: Buffer, off: number, len: number) {
    this.buf = Buffer.allocUnsafe(Math.max(len + 64, 256));
    src.copy(this.buf, 0, off, off + len);
    this.len = len;
  }

  /** Writes decoded runs back as bytes; `buf` and `len` are current afterwards. */
  finish(): void {
    const runs = this.runs;
    if (runs === null) return;
    this.runs = null;
    this.ensure(runs.bytes);
    this.len = runs.encode(this.buf);
  }

  get encoding(): number {
    return this.buf[4];
  }

  private ensure(n: number): void {
    if (n + 1 <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(n + 64, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Converts a sparse HLL to dense in place; false when the sparse data is corrupt. */
  toDense(): boolean {
    if (this.buf[4] === HLL_DENSE) return true;
    this.finish();
    const dense = Buffer.alloc(HLL_DENSE_SIZE + 1);
    this.buf.copy(dense, 0, 0, HLL_HDR_SIZE); // magic and cached cardinality
    dense[4] = HLL_DENSE;
    if (!sparseWalk(this.buf, HLL_HDR_SIZE, this.len, (idx, run, value) => {
      for (let k = 0; k < run; k++) denseSetRaw(dense, HLL_HDR_SIZE, idx + k, value);
    })) {
      return false;
    }
    this.buf = dense;
    this.len = HLL_DENSE_SIZE;
    return true;
  }

  /**
   * Raises register `index` to `count` (Redis hllSparseSet): 1 when changed, 0 when
   * not, -1 when the data is corrupt, PROMOTE when only the dense encoding can hold
   * the result (the caller converts and sets the register again).
   */
  sparseSet(index: number, count: number, maxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return PROMOTE;
    this.ensure(this.len + 3);
    const b = this.buf;
    const start = HLL_HDR_SIZE;
    let end = this.len;

    // Step 1: find the opcode covering the register (the hot loop: opcodes are
    // tested by byte range, ZERO < 0x40 <= XZERO < 0x80 <= VAL).
    let p = start;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const op = b[p];
      let oplen = 1;
      if (op < 0x40) span = (op & 0x3f) + 1;
      else if (op >= 0x80) span = (op & 3) + 1;
      else {
        span = (((op & 0x3f) << 8) | (p + 1 < end ? b[p + 1] : 0)) + 1;
        oplen = 2;
      }
      if (index < first + span) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;

    const op = b[p];
    const kind = op < 0x40 ? ZERO : op >= 0x80 ? VAL : XZERO;
    let next = kind === XZERO ? p + 2 : p + 1;
    if (next >= end) next = -1;

    // Step 2: the cases that need no split.
    let updated = false;
    if (kind === VAL) {
      if (valValue(op) >= count) return 0;
      if (span === 1) {
        b[p] = valOp(count, 1);
        updated = true;
      }
    } else if (kind === ZERO && span === 1) {
      b[p] = valOp(count, 1);
      updated = true;
    }

    if (!updated) {
      // Step 3: split the opcode into up to three (at most 5 bytes).
      const seq = SEQ;
      let n = 0;
      const last = first + span - 1;
      if (kind !== VAL) {
        if (index !== first) n = putZeros(seq, n, index - first);
        seq[n++] = valOp(count, 1);
        if (index !== last) n = putZeros(seq, n, last - index);
      } else {
        const cur = valValue(op);
        if (index !== first) seq[n++] = valOp(cur, index - first);
        seq[n++] = valOp(count, 1);
        if (index !== last) seq[n++] = valOp(cur, last - index);
      }
      const delta = n - (kind === XZERO ? 2 : 1);
      if (delta > 0 && this.len + delta > maxBytes) return PROMOTE;
      if (delta !== 0 && next !== -1) b.copy(b, next + delta, next, end);
      this.len += delta;
      for (let k = 0; k < n; k++) b[p + k] = seq[k];
      end += delta;
    }

    // Step 4: merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes.
    p = prev >= 0 ? prev : start;
    let scan = 5;
    while (p < end && scan-- > 0) {
      const o = b[p];
      if (o < 0x80) {
        p += o >= 0x40 ? 2 : 1; // XZERO or ZERO
        continue;
      }
      if (p + 1 < end && b[p + 1] >= 0x80) {
        const o2 = b[p + 1];
        if (valValue(o) === valValue(o2)) {
          const len = valLen(o) + valLen(o2);
          if (len <= SPARSE_VAL_MAX_LEN) {
            b[p + 1] = valOp(valValue(o), len);
            b.copy(b, p, p + 1, end);
            this.len--;
            end--;
            continue;
          }
        }
      }
      p++;
    }
    invalidateCache(b, 0);
    return 1;
  }

  /** Raises a register whatever the encoding, promoting when needed; -1 if corrupt. */
  set(index: number, count: number, maxBytes: number): number {
    if (this.buf[4] === HLL_DENSE) return denseSet(this.buf, HLL_HDR_SIZE, index, count);
    // Each byte-level update scans the opcodes from the start; past a few updates it
    // pays to decode the runs once and search them (same steps, same bytes).
    if (this.runs === null && ++this.sparseSets > 8) {
      const runs = new SparseRuns();
      if (runs.decode(this.buf, this.len)) this.runs = runs;
    }
    let r: number;
    if (this.runs !== null) {
      r = this.runs.set(index, count, maxBytes);
      if (r === 1) invalidateCache(this.buf, 0);
      if (r !== PROMOTE) return r;
      this.finish();
    } else {
      r = this.sparseSet(index, count, maxBytes);
      if (r !== PROMOTE) return r;
    }
    if (!this.toDense()) return -1;
    return denseSet(this.buf, HLL_HDR_SIZE, index, count);
  }
}

const ZERO = 0;
const XZERO = 1;
const VAL = 2;
/** Scratch for the (at most 5) opcodes replacing a split one. */
const SEQ = new Uint8Array(5);

/** Writes a ZERO or XZERO opcode for a run of len zero registers at seq[n]; returns the new n. */
function putZeros(seq: Uint8Array, n: number, len: number): number {
  if (len > SPARSE_ZERO_MAX_LEN) {
    const l = len - 1;
    seq[n] = (l >>> 8) | 0x40;
    seq[n + 1] = l & 0xff;
    return n + 2;
  }
  seq[n] = len - 1;
  return n + 1;
}

/**
 * Sparse opcodes decoded into parallel arrays (kind, value, length, first register),
 * so the opcode covering a register is found by binary search instead of a scan
 * from the start. Updates follow HllWork.sparseSet step for step (split, promotion
 * test on the byte length, merge window of 5 opcodes from the previous one), so
 * encoding the runs back gives exactly the bytes the byte-level updates would.
 * Only valid sparse data is decoded; corrupt data stays with the byte-level code,
 * which reproduces Redis's behaviour on it.
 */
class SparseRuns {
  private kind = new Uint8Array(64);
  private val = new Uint8Array(64);
  private len = new Uint16Array(64);
  private start = new Int32Array(64);
  private n = 0;
  /** Length of the HLL string these runs encode to, header included. */
  bytes = 0;

  private grow(need: number): void {
    if (need <= this.kind.length) return;
    const cap = Math.max(need, this.kind.length * 2);
    const k = new Uint8Array(cap);
    k.set(this.kind);
    this.kind = k;
    const v = new Uint8Array(cap);
    v.set(this.val);
    this.val = v;
    const l = new Uint16Array(cap);
    l.set(this.len);
    this.len = l;
    const st = new Int32Array(cap);
    st.set(this.start);
    this.start = st;
  }

  decode(buf: Buffer, end: number): boolean {
    let p = HLL_HDR_SIZE;
    let idx = 0;
    let n = 0;
    while (p < end) {
      this.grow(n + 1);
      const op = buf[p];
      this.start[n] = idx;
      if (op < 0x40) {
        this.kind[n] = ZERO;
        this.len[n] = (op & 0x3f) + 1;
        p++;
      } else if (op >= 0x80) {
        this.kind[n] = VAL;
        this.val[n] = valValue(op);
        this.len[n] = valLen(op);
        p++;
      } else {
        if (p + 1 >= end) return false;
        this.kind[n] = XZERO;
        this.len[n] = (((op & 0x3f) << 8) | buf[p + 1]) + 1;
        p += 2;
      }
      idx += this.len[n];
      n++;
      if (idx > HLL_REGISTERS) return false;
    }
    if (idx !== HLL_REGISTERS) return false;
    this.n = n;
    this.bytes = end;
    return true;
  }

  /** Writes header-less opcodes after buf's header; returns the total length. */
  encode(buf: Buffer): number {
    let p = HLL_HDR_SIZE;
    for (let j = 0; j < this.n; j++) {
      const k = this.kind[j];
      if (k === VAL) buf[p++] = valOp(this.val[j], this.len[j]);
      else if (k === ZERO) buf[p++] = this.len[j] - 1;
      else {
        setXZero(buf, p, this.len[j]);
        p += 2;
      }
    }
    return p;
  }

  /** Replaces entry j with `count` entries taken from the PIECE_* scratch. */
  private splice(j: number, count: number): void {
    const n = this.n;
    const shift = count - 1;
    if (shift > 0) {
      this.grow(n + shift);
      this.kind.copyWithin(j + 1 + shift, j + 1, n);
      this.val.copyWithin(j + 1 + shift, j + 1, n);
      this.len.copyWithin(j + 1 + shift, j + 1, n);
      this.start.copyWithin(j + 1 + shift, j + 1, n);
    } else if (shift < 0) {
      this.kind.copyWithin(j + 1 + shift, j + 1, n);
      this.val.copyWithin(j + 1 + shift, j + 1, n);
      this.len.copyWithin(j + 1 + shift, j + 1, n);
      this.start.copyWithin(j + 1 + shift, j + 1, n);
    }
    for (let k = 0; k < count; k++) {
      this.kind[j + k] = PIECE_KIND[k];
      this.val[j + k] = PIECE_VAL[k];
      this.len[j + k] = PIECE_LEN[k];
      this.start[j + k] = PIECE_START[k];
    }
    this.n = n + shift;
  }

  set(index: number, count: number, maxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return PROMOTE;
    // The run whose first register is the last one at or below index.
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.start[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    const j = lo;
    const kind = this.kind[j];
    const first = this.start[j];
    const span = this.len[j];
    let updated = false;
    if (kind === VAL) {
      if (this.val[j] >= count) return 0;
      if (span === 1) {
        this.val[j] = count;
        updated = true;
      }
    } else if (kind === ZERO && span === 1) {
      this.kind[j] = VAL;
      this.val[j] = count;
      updated = true;
    }
    if (!updated) {
      const last = first + span - 1;
      let pieces = 0;
      let newBytes = 0;
      const piece = (k: number, v: number, len: number, at: number): void => {
        PIECE_KIND[pieces] = k;
        PIECE_VAL[pieces] = v;
        PIECE_LEN[pieces] = len;
        PIECE_START[pieces] = at;
        pieces++;
        newBytes += k === XZERO ? 2 : 1;
      };
      const zeros = (len: number, at: number): void => piece(len > SPARSE_ZERO_MAX_LEN ? XZERO : ZERO, 0, len, at);
      if (kind !== VAL) {
        if (index !== first) zeros(index - first, first);
        piece(VAL, count, 1, index);
        if (index !== last) zeros(last - index, index + 1);
      } else {
        const cur = this.val[j];
        if (index !== first) piece(VAL, cur, index - first, first);
        piece(VAL, count, 1, index);
        if (index !== last) piece(VAL, cur, last - index, index + 1);
      }
      const delta = newBytes - (kind === XZERO ? 2 : 1);
      if (delta > 0 && this.bytes + delta > maxBytes) return PROMOTE;
      this.splice(j, pieces);
      this.bytes += delta;
    }
    // Merge equal neighbouring VAL runs within 5 opcodes of the previous one.
    let e = j > 0 ? j - 1 : 0;
    let scan = 5;
    while (e < this.n && scan-- > 0) {
      if (this.kind[e] !== VAL) {
        e++;
        continue;
      }
      if (e + 1 < this.n && this.kind[e + 1] === VAL && this.val[e] === this.val[e + 1]) {
        const len = this.len[e] + this.len[e + 1];
        if (len <= SPARSE_VAL_MAX_LEN) {
          this.len[e] = len;
          this.kind.copyWithin(e + 1, e + 2, this.n);
          this.val.copyWithin(e + 1, e + 2, this.n);
          this.len.copyWithin(e + 1, e + 2, this.n);
          this.start.copyWithin(e + 1, e + 2, this.n);
          this.n--;
          this.bytes--;
          continue;
        }
      }
      e++;
    }
    return 1;
  }
}

const PIECE_KIND = new Uint8Array(3);
const PIECE_VAL = new Uint8Array(3);
const PIECE_LEN = new Uint16Array(3);
const PIECE_START = new Int32Array(3);

/**
 * Walks the opcodes of sparse data in buf[start, end), calling onVal for every VAL
 * run. False when the runs do not cover exactly the 16384 registers (corrupt).
 */
function sparseWalk(buf: Buffer, start: number, end: number, onVal: (idx: number, run: number, value: number) => void): boolean {
  let idx = 0;
  let p = start;
  while (p < end) {
    const op = buf[p];
    if (isZero(op)) {
      idx += zeroLen(op);
      p++;
    } else if (isXZero(op)) {
      idx += (((op & 0x3f) << 8) | (p + 1 < end ? buf[p + 1] : 0)) + 1;
      p += 2;
    } else {
      const run = valLen(op);
      if (idx + run > HLL_REGISTERS) break; // overflow: corrupt
      onVal(idx, run, valValue(op));
      idx += run;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

// ---- counting and merging ------------------------------------------------------------------

/**
 * Merges the HLL in buf[off, off+len) into `max` (one byte per register, the maximum
 * so far). False when sparse data is corrupt.
 */
export function mergeInto(max: Uint8Array, buf: Buffer, off: number, len: number): boolean {
  if (buf[off + 4] === HLL_DENSE) {
    const reg = off + HLL_HDR_SIZE;
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(buf, reg, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  return sparseWalk(buf, off + HLL_HDR_SIZE, off + len, (idx, run, value) => {
    for (let k = 0; k < run; k++) if (value > max[idx + k]) max[idx + k] = value;
  });
}

/** The estimated cardinality of an HLL string, or -1 when sparse data is corrupt. */
export function hllCount(buf: Buffer, off: number, len: number): number {
  const histo = new Float64Array(64);
  if (buf[off + 4] === HLL_DENSE) {
    const reg = off + HLL_HDR_SIZE;
    for (let i = 0; i < HLL_REGISTERS; i++) histo[denseGet(buf, reg, i)]++;
  } else {
    // Unlike the merge walk, the histogram counts VAL runs even past the last
    // register; only the total decides validity (Redis hllSparseRegHisto).
    let idx = 0;
    let p = off + HLL_HDR_SIZE;
    const end = off + len;
    while (p < end) {
      const op = buf[p];
      if (isZero(op)) {
        const run = zeroLen(op);
        idx += run;
        histo[0] += run;
        p++;
      } else if (isXZero(op)) {
        const run = (((op & 0x3f) << 8) | (p + 1 < end ? buf[p + 1] : 0)) + 1;
        idx += run;
        histo[0] += run;
        p += 2;
      } else {
        const run = valLen(op);
        idx += run;
        histo[valValue(op)] += run;
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return -1;
  }
  return estimate(histo);
}

/** The estimated cardinality of raw registers (one byte each), as PFCOUNT of several keys. */
export function hllCountRaw(registers: Uint8Array): number {
  const histo = new Float64Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[registers[i]]++;
  return estimate(histo);
}

/** Ertl's estimator ("New cardinality estimation algorithms for HyperLogLog sketches"). */
function estimate(histo: Float64Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * sigma(histo[0] / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** PFDEBUG DECODE's text for sparse data: "z:N", "Z:N" and "v:value,len" opcodes. */
export function decodeSparse(buf: Buffer, off: number, len: number): string {
  const parts: string[] = [];
  let p = off + HLL_HDR_SIZE;
  const end = off + len;
  while (p < end) {
    const op = buf[p];
    if (isZero(op)) {
      parts.push(`z:${zeroLen(op)}`);
      p++;
    } else if (isXZero(op)) {
      parts.push(`Z:${(((op & 0x3f) << 8) | (p + 1 < end ? buf[p + 1] : 0)) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${valValue(op)},${valLen(op)}`);
      p++;
    }
  }
  return parts.join(' ');
}
