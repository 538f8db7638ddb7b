// The x87 80-bit `long double` that redis-server (x86-64 builds, such as Debian's)
// uses for HINCRBYFLOAT and INCRBYFLOAT, emulated exactly with BigInt.
//
// Why: Redis parses both operands with strtold, adds in long double (64-bit
// mantissa, 15-bit exponent), and prints with "%.17Lf" minus trailing zeros. A JS
// double cannot reproduce that text: 0.1 + 200 prints "200.10000000000000001" in
// Redis, 1.5e308 + 1.5e308 is finite there, and values print every integer digit.
// Here a value is mant × 2^exp with mant < 2^64, rounded to nearest-even exactly as
// the FPU does, and formatting works on the exact binary value, as glibc's printf does.
//
// Not modelled: NaN (Redis rejects it before and after every operation anyway).

export type LongDouble =
  | { kind: 'finite'; neg: boolean; mant: bigint; exp: number } // value = ±mant × 2^exp
  | { kind: 'inf'; neg: boolean };

const MANT_BITS = 64;
/** Largest exponent of the leading bit (values below 2^16384). */
const MAX_LEAD_EXP = 16383;
/** Exponent of the lowest bit of the smallest subnormal, 2^-16445. */
const MIN_LSB_EXP = -16445;
/** Redis's MAX_LONG_DOUBLE_CHARS: strings this long or longer are refused. */
const MAX_CHARS = 5 * 1024;

const ZERO: LongDouble = { kind: 'finite', neg: false, mant: 0n, exp: 0 };

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * Rounds the exact positive value num/den to a long double (nearest, ties to even).
 * Returns null on overflow.
 */
function roundRational(neg: boolean, num: bigint, den: bigint): LongDouble | null {
  if (num === 0n) return { kind: 'finite', neg, mant: 0n, exp: 0 };
  // lead = floor(log2(num/den))
  let lead = bitLength(num) - bitLength(den);
  if (lead >= 0 ? num < den << BigInt(lead) : num << BigInt(-lead) < den) lead--;
  if (lead > MAX_LEAD_EXP) return null;
  let lsb = Math.max(lead - (MANT_BITS - 1), MIN_LSB_EXP);
  // mant = round(num / (den × 2^lsb))
  let n = num;
  let d = den;
  if (lsb >= 0) d <<= BigInt(lsb);
  else n <<= BigInt(-lsb);
  let mant = n / d;
  const rem = n - mant * d;
  if (rem * 2n > d || (rem * 2n === d && (mant & 1n) === 1n)) mant++;
  if (mant === 1n << BigInt(MANT_BITS)) {
    mant >>= 1n;
    lsb++;
    if (lsb + MANT_BITS - 1 > MAX_LEAD_EXP) return null;
  }
  return { kind: 'finite', neg, mant, exp: lsb };
}

/** The exact value as a fraction: [numerator, denominator] (both non-negative). */
function toFraction(v: { mant: bigint; exp: number }): [bigint, bigint] {
  return v.exp >= 0 ? [v.mant << BigInt(v.exp), 1n] : [v.mant, 1n << BigInt(-v.exp)];
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF = /^([+-]?)(inf|infinity)$/i;

/**
 * Redis's string2ld: what strtold accepts (decimal, hexadecimal, inf/infinity), with
 * no leading space, nothing left over, and neither overflow nor underflow to zero.
 * Returns null when Redis would refuse the text.
 */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || s.length >= MAX_CHARS) return null;
  let m = INF.exec(s);
  if (m) return { kind: 'inf', neg: m[1] === '-' };
  m = DECIMAL.exec(s);
  if (m) {
    const intDigits = m[2];
    const fracDigits = m[3] ?? '';
    if (intDigits.length + fracDigits.length === 0) return null;
    const neg = m[1] === '-';
    const digits = (intDigits + fracDigits).replace(/^0+/, '');
    if (digits.length === 0) return { kind: 'finite', neg, mant: 0n, exp: 0 };
    let e10 = (m[4] ? Number(m[4]) : 0) - fracDigits.length;
    // Out of range by far: skip building enormous powers of ten.
    if (e10 + digits.length > 4940) return null;
    if (e10 + digits.length < -4960) return null;
    const n = BigInt(digits);
    const r = e10 >= 0 ? roundRational(neg, n * 10n ** BigInt(e10), 1n) : roundRational(neg, n, 10n ** BigInt(-e10));
    return r && !(r.kind === 'finite' && r.mant === 0n) ? r : null;
  }
  m = HEX.exec(s);
  if (m) {
    const intDigits = m[2];
    const fracDigits = m[3] ?? '';
    if (intDigits.length + fracDigits.length === 0) return null;
    const neg = m[1] === '-';
    const n = BigInt('0x' + (intDigits + fracDigits || '0'));
    if (n === 0n) return { kind: 'finite', neg, mant: 0n, exp: 0 };
    const e2 = (m[4] ? Number(m[4]) : 0) - 4 * fracDigits.length;
    if (e2 + bitLength(n) > MAX_LEAD_EXP + 2) return null;
    if (e2 + bitLength(n) < MIN_LSB_EXP - 2) return null;
    const r = e2 >= 0 ? roundRational(neg, n << BigInt(e2), 1n) : roundRational(neg, n, 1n << BigInt(-e2));
    return r && !(r.kind === 'finite' && r.mant === 0n) ? r : null;
  }
  return null;
}

/** a + b in long double; an infinite result (overflow, or inf + -inf) comes back as null. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.kind === 'inf' || b.kind === 'inf') return null;
  if (a.mant === 0n) return b.mant === 0n ? { ...ZERO, neg: a.neg && b.neg } : b;
  if (b.mant === 0n) return a;
  const base = Math.min(a.exp, b.exp);
  const sa = (a.mant << BigInt(a.exp - base)) * (a.neg ? -1n : 1n);
  const sb = (b.mant << BigInt(b.exp - base)) * (b.neg ? -1n : 1n);
  const sum = sa + sb;
  if (sum === 0n) return ZERO; // x + -x is +0 when rounding to nearest
  const neg = sum < 0n;
  const abs = neg ? -sum : sum;
  return base >= 0 ? roundRational(neg, abs << BigInt(base), 1n) : roundRational(neg, abs, 1n << BigInt(-base));
}

/** The nearest long double to a JS number (exact: every double is a long double). */
export function longDoubleFromNumber(d: number): LongDouble {
  if (!Number.isFinite(d)) return { kind: 'inf', neg: d < 0 };
  if (d === 0) return { kind: 'finite', neg: Object.is(d, -0), mant: 0n, exp: 0 };
  return parseLongDouble(d.toExponential(20))!;
}

const TEN_17 = 10n ** 17n;

/**
 * Redis's ld2string(LD_STR_HUMAN): "%.17Lf" of the exact value, rounded to nearest
 * (ties to even), trailing zeros and a bare '.' removed, "-0" written "0";
 * infinities as "inf" and "-inf".
 */
export function formatLongDoubleHuman(v: LongDouble): string {
  if (v.kind === 'inf') return v.neg ? '-inf' : 'inf';
  const [num, den] = toFraction(v);
  const scaled = num * TEN_17;
  let q = scaled / den;
  const rem = scaled - q * den;
  if (rem * 2n > den || (rem * 2n === den && (q & 1n) === 1n)) q++;
  const intPart = q / TEN_17;
  let frac = (q % TEN_17).toString().padStart(17, '0');
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  const body = intPart.toString() + (frac.length > 0 ? '.' + frac : '');
  return v.neg && body !== '0' ? '-' + body : body;
}
