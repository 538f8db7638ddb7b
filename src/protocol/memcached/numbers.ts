// Numbers in memcached's text protocol, read the way memcached's safe_strto*
// helpers read them (util.c): leading whitespace and a sign are accepted, the
// digits must be followed by whitespace or the end of the token, and the results
// wrap the way the C conversions do (strtol into a 32-bit int, strtoul of "-1",
// ...). Clients depend on the exact accept/reject boundary (t/issue_70.t,
// t/incrdecr.t), so these are deliberately not Number() or parseInt().
//
// All functions read buf[start, end) and return null when memcached's helper
// would return false. The common case (a short run of digits) takes a fast path
// with no allocation; BigInt only appears past 15 digits.

const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Shared scanner: sign, magnitude and where the digits end; null when no digits. */
interface Scan {
  neg: boolean;
  /** Magnitude when small (<= 15 digits), else -1 and `big` is set. */
  small: number;
  big: bigint;
  end: number;
  hasMinus: boolean;
}

const scan: Scan = { neg: false, small: 0, big: 0n, end: 0, hasMinus: false };

function scanNumber(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end && isSpace(buf[i])) i++;
  scan.neg = false;
  if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) {
    scan.neg = buf[i] === 0x2d;
    i++;
  }
  const d0 = i;
  let v = 0;
  while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39 && i - d0 < 15) {
    v = v * 10 + (buf[i] - 0x30);
    i++;
  }
  if (i === d0) return false;
  if (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) {
    let b = BigInt(v);
    while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) {
      b = b * 10n + BigInt(buf[i] - 0x30);
      i++;
      // Past 2^64 every conversion has failed with ERANGE; stop growing.
      if (b > UINT64_MAX * 2n) b = UINT64_MAX * 2n;
    }
    scan.small = -1;
    scan.big = b;
  } else {
    scan.small = v;
  }
  scan.end = i;
  // The C string goes on to the end of the token (a NUL would end it earlier).
  let minus = false;
  for (let k = start; k < end && buf[k] !== 0; k++) {
    if (buf[k] === 0x2d) {
      minus = true;
      break;
    }
  }
  scan.hasMinus = minus;
  return true;
}

function endsCleanly(buf: Buffer, end: number): boolean {
  const i = scan.end;
  return i === end || isSpace(buf[i]) || buf[i] === 0;
}

/** safe_strtol: a 64-bit strtol stored into an int32 (so it wraps). */
export function parseInt32(buf: Buffer, start: number, end: number): number | null {
  if (!scanNumber(buf, start, end) || !endsCleanly(buf, end)) return null;
  if (scan.small >= 0) return (scan.neg ? -scan.small : scan.small) | 0;
  const v = scan.neg ? -scan.big : scan.big;
  if (v > INT64_MAX || v < -INT64_MAX - 1n) return null; // ERANGE
  return Number(BigInt.asIntN(32, v));
}

/** safe_strtoul: a 64-bit strtoul stored into a uint32. */
export function parseUint32(buf: Buffer, start: number, end: number): number | null {
  const v = parseUint64Big(buf, start, end);
  if (v === null) return null;
  return Number(BigInt.asUintN(32, v));
}

/** safe_strtoull as a number when it fits 2^53, else null (for lengths and such). */
export function parseUint64(buf: Buffer, start: number, end: number): bigint | null {
  return parseUint64Big(buf, start, end);
}

function parseUint64Big(buf: Buffer, start: number, end: number): bigint | null {
  if (!scanNumber(buf, start, end) || !endsCleanly(buf, end)) return null;
  let v: bigint;
  if (scan.small >= 0) {
    if (!scan.neg) return BigInt(scan.small);
    v = scan.small === 0 ? 0n : (UINT64_MAX + 1n - BigInt(scan.small)) & UINT64_MAX;
  } else {
    if (scan.big > UINT64_MAX) return null; // ERANGE
    v = scan.neg ? (UINT64_MAX + 1n - scan.big) & UINT64_MAX : scan.big;
  }
  // The C helpers refuse a result that is negative as a signed value when the
  // text had a '-' in it.
  if (v > INT64_MAX && scan.hasMinus) return null;
  return v;
}

/** Fast path for the common case: a plain unsigned decimal that fits 2^53; else -1. */
export function plainUint(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len === 0 || len > 15) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i] - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** safe_strtod, for the few float arguments (slabs automove ratio, lru tune). */
export function parseDouble(text: string): number | null {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text);
  if (!m) return null;
  const rest = text.slice(m[0].length);
  if (rest.length > 0 && !isSpace(rest.charCodeAt(0))) return null;
  const v = Number(m[0]);
  return Number.isFinite(v) ? v : null;
}
