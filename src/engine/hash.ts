// A seeded 32-bit hash over bytes (MurmurHash3 x86_32), for the keyspace index.
//
// Seeded per process so that an attacker cannot precompute colliding keys
// (Redis uses SipHash with a random seed for the same reason).

let seed = (Math.random() * 0x100000000) >>> 0;

export function setHashSeed(s: number): void {
  seed = s >>> 0;
}

export function hashBytes(buf: Buffer, start: number, end: number): number {
  let h = seed;
  const len = end - start;
  const blocks = start + (len & ~3);
  let i = start;
  for (; i < blocks; i += 4) {
    let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (len & 3) {
    case 3:
      k ^= buf[i + 2] << 16;
    // falls through
    case 2:
      k ^= buf[i + 1] << 8;
    // falls through
    case 1:
      k ^= buf[i];
      k = Math.imul(k, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
