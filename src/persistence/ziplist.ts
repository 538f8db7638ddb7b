// Readers for the containers of older RDB files, which redis-server 7.0 still loads
// (and converts): ziplists (lists, hashes and sorted sets of Redis 3.2 to 6.2, and
// quicklist nodes of RDB_TYPE_LIST_QUICKLIST) and zipmaps (hashes before 2.6).
// Cove never writes them.
//
// Ziplist: total bytes (u32 LE) | tail offset (u32 LE) | count (u16 LE) | entries |
// 0xFF. An entry is the previous entry's length (1 byte, or 0xFE + u32 LE), an
// encoding and the data: 00xxxxxx / 01xxxxxx yyyyyyyy (big endian) / 0x80 + u32 BE
// string lengths; 0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8 (little
// endian); 0xF1..0xFD the immediate values 0..12.
//
// Zipmap: a count byte, then key/value pairs each with a length (1 byte, or 0xFE +
// u32 LE), and a "free" byte counting unused bytes after the value; 0xFF ends it.

import { RdbError } from './rdb-types.js';

function corrupt(what: string): never {
  throw new RdbError(`${what} integrity check failed`);
}

/** Every entry of a ziplist as a latin1 string. */
export function ziplistDecode(buf: Buffer): string[] {
  if (buf.length < 11 || buf.readUInt32LE(0) !== buf.length || buf[buf.length - 1] !== 0xff) corrupt('Ziplist');
  const end = buf.length - 1;
  const out: string[] = [];
  let p = 10;
  while (p < end) {
    p += buf[p] === 0xfe ? 5 : 1;
    if (p >= end) corrupt('Ziplist');
    const e = buf[p];
    const top = e >> 6;
    if (top === 0 || top === 1 || e === 0x80) {
      let len: number;
      if (top === 0) {
        len = e & 0x3f;
        p += 1;
      } else if (top === 1) {
        len = ((e & 0x3f) << 8) | buf[p + 1];
        p += 2;
      } else {
        if (p + 5 > end) corrupt('Ziplist');
        len = buf.readUInt32BE(p + 1);
        p += 5;
      }
      if (p + len > end) corrupt('Ziplist');
      out.push(buf.latin1Slice(p, p + len));
      p += len;
      continue;
    }
    p += 1;
    let size: number;
    let v: string;
    switch (e) {
      case 0xc0:
        size = 2;
        v = p + size <= end ? String(buf.readInt16LE(p)) : corrupt('Ziplist');
        break;
      case 0xd0:
        size = 4;
        v = p + size <= end ? String(buf.readInt32LE(p)) : corrupt('Ziplist');
        break;
      case 0xe0:
        size = 8;
        v = p + size <= end ? String(buf.readBigInt64LE(p)) : corrupt('Ziplist');
        break;
      case 0xf0:
        size = 3;
        v = p + size <= end ? String(buf.readIntLE(p, 3)) : corrupt('Ziplist');
        break;
      case 0xfe:
        size = 1;
        v = p + size <= end ? String(buf.readInt8(p)) : corrupt('Ziplist');
        break;
      default:
        if (e >= 0xf1 && e <= 0xfd) {
          size = 0;
          v = String((e & 0x0f) - 1);
        } else {
          corrupt('Ziplist');
        }
    }
    out.push(v);
    p += size;
  }
  return out;
}

/** The field/value pairs of a zipmap, flattened: field1, value1, field2, ... */
export function zipmapDecode(buf: Buffer): string[] {
  const out: string[] = [];
  let p = 1;
  const len = (): number => {
    if (p >= buf.length) corrupt('Zipmap');
    const b = buf[p];
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      if (p + 5 > buf.length) corrupt('Zipmap');
      const n = buf.readUInt32LE(p + 1);
      p += 5;
      return n;
    }
    corrupt('Zipmap');
  };
  for (;;) {
    if (p >= buf.length) corrupt('Zipmap');
    if (buf[p] === 0xff) break;
    const klen = len();
    if (p + klen > buf.length) corrupt('Zipmap');
    out.push(buf.latin1Slice(p, p + klen));
    p += klen;
    const vlen = len();
    if (p >= buf.length) corrupt('Zipmap');
    const free = buf[p++];
    if (p + vlen + free > buf.length) corrupt('Zipmap');
    out.push(buf.latin1Slice(p, p + vlen));
    p += vlen + free;
  }
  return out;
}
