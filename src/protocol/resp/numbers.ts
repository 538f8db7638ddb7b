// Number formatting and parsing exactly as redis-server 7.0 does it.
//
// Redis formats doubles with C's "%.17g" (ZSCORE 1.1 -> "1.1000000000000001"), and
// INCRBYFLOAT/HINCRBYFLOAT with long double "%.17Lf" trimmed of trailing zeros. JS has
// neither format, so both are written here from the digits of toExponential.

/** C printf "%.17g" for a finite double; "inf"/"-inf"/"nan" as Redis spells them. */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // Below 2^53 String() prints every digit; above it prints the shortest round-trip
  // text (49999999999999990 for 49999999999999992), which is not what %.17g prints.
  if (Number.isInteger(d) && Math.abs(d) <= Number.MAX_SAFE_INTEGER) return String(d);
  return formatG(d, 17);
}

/** C printf "%.<precision>g". */
export function formatG(d: number, precision: number): string {
  const exp = d.toExponential(precision - 1); // "-d.ddddde+X"
  const eAt = exp.indexOf('e');
  let mantissa = exp.slice(0, eAt);
  const e = parseInt(exp.slice(eAt + 1), 10);
  const negative = mantissa.charCodeAt(0) === 45;
  if (negative) mantissa = mantissa.slice(1);
  const digits = mantissa.replace('.', '');
  let out: string;
  if (e < -4 || e >= precision) {
    let m = digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '');
    m = stripZeros(m);
    const ae = Math.abs(e);
    out = m + 'e' + (e < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
  } else if (e >= 0) {
    const intPart = digits.slice(0, e + 1).padEnd(e + 1, '0');
    const frac = digits.slice(e + 1);
    out = stripZeros(frac.length ? intPart + '.' + frac : intPart);
  } else {
    out = stripZeros('0.' + '0'.repeat(-e - 1) + digits);
  }
  return negative ? '-' + out : out;
}

function stripZeros(s: string): string {
  if (s.indexOf('.') === -1) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}

/**
 * INCRBYFLOAT's reply: Redis prints a long double with "%.17Lf" and trims zeros.
 * A double carries fewer digits than a long double, so 17 places would expose
 * binary noise Redis never shows (0.1+0.2): rounding to 15 significant digits gives
 * the same text Redis gives for every sum of short decimals.
 */
export function formatLongDouble(d: number): string {
  if (d === 0) return '0';
  const rounded = Number(d.toPrecision(15));
  if (Math.abs(rounded) >= 1e21 || Math.abs(rounded) < 1e-6) {
    // Fixed notation, as %Lf never switches to exponent form.
    return fixedNotation(rounded);
  }
  return String(rounded);
}

function fixedNotation(d: number): string {
  const negative = d < 0;
  const exp = Math.abs(d).toExponential(); // shortest digits
  const eAt = exp.indexOf('e');
  const digits = exp.slice(0, eAt).replace('.', '');
  const e = parseInt(exp.slice(eAt + 1), 10);
  let out: string;
  if (e >= 0) {
    out = digits.length > e + 1 ? digits.slice(0, e + 1) + '.' + digits.slice(e + 1) : digits.padEnd(e + 1, '0');
  } else {
    out = '0.' + '0'.repeat(-e - 1) + digits;
    if (out.length > 19) out = stripZeros(out.slice(0, 19)); // %.17Lf keeps 17 places
    if (out === '0') return negative ? '-0' : '0';
  }
  return negative ? '-' + out : out;
}

const MAX_I64 = 9223372036854775807n;
const MIN_I64 = -9223372036854775808n;

/**
 * Redis's string2ll: an optional '-', digits, no leading zeros (except "0"), no spaces,
 * no '+', within signed 64 bits. Returns null when the text is not such an integer.
 * Values beyond 2^53 come back as bigint so nothing is rounded.
 */
export function parseInteger(buf: Buffer, start: number, end: number): number | bigint | null {
  const len = end - start;
  if (len === 0 || len > 20) return null;
  let i = start;
  let negative = false;
  if (buf[i] === 45) {
    negative = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === 48) {
    return i + 1 === end && !negative ? 0 : null; // "0" only; "-0" and "01" are rejected
  }
  if (end - i <= 15) {
    let v = 0;
    for (; i < end; i++) {
      const c = buf[i] - 48;
      if (c < 0 || c > 9) return null;
      v = v * 10 + c;
    }
    return negative ? -v : v;
  }
  let big = 0n;
  for (; i < end; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return null;
    big = big * 10n + BigInt(c);
  }
  if (negative) big = -big;
  if (big > MAX_I64 || big < MIN_I64) return null;
  if (big <= 9007199254740991n && big >= -9007199254740991n) return Number(big);
  return big;
}

/** parseInteger for a JS string (latin1). */
export function parseIntegerString(s: string): number | bigint | null {
  return parseInteger(Buffer.from(s, 'latin1'), 0, s.length);
}

/**
 * Redis's string2ld/strtod for scores and increments: accepts what strtod accepts
 * (decimal, exponent, "inf", "+inf", "-inf", hex floats are rare and rejected here),
 * rejects empty strings, spaces and NaN.
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  const c0 = s.charCodeAt(0);
  const cl = s.charCodeAt(s.length - 1);
  if (c0 === 32 || c0 === 9 || c0 === 10 || c0 === 13 || cl === 32 || cl === 9 || cl === 10 || cl === 13) return null;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return null;
  const v = Number(s);
  if (Number.isNaN(v)) return null;
  return v;
}
