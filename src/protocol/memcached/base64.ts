// Base64 for meta commands' binary keys (the 'b' flag), with memcached's rules:
// characters outside the alphabet are skipped, the rest must come in groups of
// four, and anything else is a decoding failure (memcached returns 0 bytes).
// Node's Buffer.from(s, 'base64') is more forgiving (it accepts missing padding
// and stops silently), so it would accept keys memcached refuses.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d; // '='

/** Decodes src[start, end) into a new Buffer, or null when memcached would fail. */
export function base64Decode(src: Buffer, start: number, end: number): Buffer | null {
  let count = 0;
  for (let i = start; i < end; i++) if (DECODE[src[i]] >= 0 || src[i] === PAD) count++;
  if (count === 0 || count % 4 !== 0) return null;
  const out = Buffer.allocUnsafe((count / 4) * 3);
  let o = 0;
  let n = 0;
  let pad = 0;
  const block = [0, 0, 0, 0];
  for (let i = start; i < end; i++) {
    const c = src[i];
    let v = DECODE[c];
    if (c === PAD) {
      v = 0;
      pad++;
    } else if (v < 0) {
      continue;
    }
    block[n++] = v;
    if (n === 4) {
      out[o++] = (block[0] << 2) | (block[1] >> 4);
      out[o++] = ((block[1] << 4) | (block[2] >> 2)) & 0xff;
      out[o++] = ((block[2] << 6) | block[3]) & 0xff;
      n = 0;
      if (pad > 0) {
        if (pad === 1) o -= 1;
        else if (pad === 2) o -= 2;
        else return null;
        break;
      }
    }
  }
  if (o === 0) return null;
  return out.subarray(0, o);
}

/** Encodes bytes as base64 with padding (what memcached returns for 'k' on binary keys). */
export function base64Encode(src: Buffer, start: number, end: number): string {
  return src.subarray(start, end).toString('base64');
}
