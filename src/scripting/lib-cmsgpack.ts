// The `cmsgpack` library Redis scripts use (lua-cmsgpack 0.4.0): pack(...) of any
// number of values, unpack / unpack_one / unpack_limit, the same encodings (integral
// numbers as the smallest integer type, other numbers as float32 when exact, else
// float64; tables as arrays when their keys are exactly 1..n), and tables nested
// deeper than 16 levels encoded as nil, which is how it survives cycles.

import { lua, lauxlib, lstr, pushStr, toBuf, setFuncs, raiseWhere } from './lua.js';

type L = unknown;

const MAX_NESTING = 16;

class Out {
  private buf = Buffer.allocUnsafe(256);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.len);
    this.len += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.len);
    this.len += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  take(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

function encodeInt(out: Out, n: number): void {
  if (n >= 0) {
    if (n <= 127) out.byte(n);
    else if (n <= 0xff) {
      out.byte(0xcc);
      out.byte(n);
    } else if (n <= 0xffff) {
      out.byte(0xcd);
      out.u16(n);
    } else if (n <= 0xffffffff) {
      out.byte(0xce);
      out.u32(n);
    } else {
      out.byte(0xcf);
      out.u64(BigInt(n));
    }
  } else if (n >= -32) {
    out.byte(n & 0xff);
  } else if (n >= -128) {
    out.byte(0xd0);
    out.byte(n & 0xff);
  } else if (n >= -32768) {
    out.byte(0xd1);
    out.u16(n & 0xffff);
  } else if (n >= -2147483648) {
    out.byte(0xd2);
    out.u32(n);
  } else {
    out.byte(0xd3);
    out.u64(BigInt(n));
  }
}

function encodeNumber(out: Out, n: number): void {
  if (Number.isFinite(n) && Math.trunc(n) === n && n >= -9223372036854775808 && n < 9223372036854775808) {
    encodeInt(out, n);
    return;
  }
  if (Math.fround(n) === n || Number.isNaN(n)) {
    out.byte(0xca);
    out.ensure(4);
    const b = Buffer.allocUnsafe(4);
    b.writeFloatBE(n);
    out.bytes(b);
  } else {
    out.byte(0xcb);
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(n);
    out.bytes(b);
  }
}

function encodeBytes(out: Out, b: Uint8Array): void {
  const n = b.length;
  if (n < 32) out.byte(0xa0 | n);
  else if (n <= 0xff) {
    out.byte(0xd9);
    out.byte(n);
  } else if (n <= 0xffff) {
    out.byte(0xda);
    out.u16(n);
  } else {
    out.byte(0xdb);
    out.u32(n);
  }
  out.bytes(b);
}

/** True when the table on top has exactly the keys 1..n (numeric-looking keys count, as lua_isnumber does). */
function isArray(L: L): boolean {
  let count = 0;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1);
    if (!lua.lua_isnumber(L, -1)) {
      lua.lua_pop(L, 1);
      return false;
    }
    const n = lua.lua_tonumber(L, -1);
    if (n <= 0 || Math.trunc(n) !== n) {
      lua.lua_pop(L, 1);
      return false;
    }
    if (n > max) max = n;
    count++;
  }
  return count === max;
}

function encodeValue(L: L, out: Out, level: number): void {
  let t = lua.lua_type(L, -1);
  if (t === lua.LUA_TTABLE && level === MAX_NESTING) t = lua.LUA_TNIL;
  switch (t) {
    case lua.LUA_TBOOLEAN:
      out.byte(lua.lua_toboolean(L, -1) ? 0xc3 : 0xc2);
      break;
    case lua.LUA_TNUMBER:
      encodeNumber(out, lua.lua_tonumber(L, -1));
      break;
    case lua.LUA_TSTRING:
      encodeBytes(out, lua.lua_tolstring(L, -1));
      break;
    case lua.LUA_TTABLE:
      lauxlib.luaL_checkstack(L, 4, lstr('cmsgpack nesting'));
      if (isArray(L)) {
        const len = lua.lua_rawlen(L, -1);
        if (len <= 15) out.byte(0x90 | len);
        else if (len <= 0xffff) {
          out.byte(0xdc);
          out.u16(len);
        } else {
          out.byte(0xdd);
          out.u32(len);
        }
        for (let j = 1; j <= len; j++) {
          lua.lua_rawgeti(L, -1, j);
          encodeValue(L, out, level + 1);
        }
      } else {
        let len = 0;
        lua.lua_pushnil(L);
        while (lua.lua_next(L, -2)) {
          lua.lua_pop(L, 1);
          len++;
        }
        if (len <= 15) out.byte(0x80 | len);
        else if (len <= 0xffff) {
          out.byte(0xde);
          out.u16(len);
        } else {
          out.byte(0xdf);
          out.u32(len);
        }
        lua.lua_pushnil(L);
        while (lua.lua_next(L, -2)) {
          lua.lua_pushvalue(L, -2);
          encodeValue(L, out, level + 1); // key
          encodeValue(L, out, level + 1); // value
        }
      }
      break;
    default:
      out.byte(0xc0);
  }
  lua.lua_pop(L, 1);
}

function pack(L: L): number {
  const n = lua.lua_gettop(L);
  if (n === 0) raiseWhere(L, 'MessagePack pack needs input.');
  const out = new Out();
  for (let i = 1; i <= n; i++) {
    lua.lua_pushvalue(L, i);
    encodeValue(L, out, 0);
  }
  pushStr(L, out.take());
  return 1;
}

class BadFormat extends Error {}
class Eof extends Error {}

/** Decodes one value at `pos` and pushes it; returns the position after it. */
function decodeValue(L: L, d: Buffer, pos: number): number {
  const need = (n: number): void => {
    if (pos + n > d.length) throw new Eof();
  };
  need(1);
  const c = d[pos++];
  lauxlib.luaL_checkstack(L, 2, lstr('cmsgpack decoding'));
  if (c <= 0x7f) {
    lua.lua_pushnumber(L, c);
    return pos;
  }
  if (c >= 0xe0) {
    lua.lua_pushnumber(L, c - 256);
    return pos;
  }
  if ((c & 0xe0) === 0xa0) return pushBytes(L, d, pos, c & 0x1f);
  if ((c & 0xf0) === 0x90) return decodeArray(L, d, pos, c & 0x0f);
  if ((c & 0xf0) === 0x80) return decodeMap(L, d, pos, c & 0x0f);
  switch (c) {
    case 0xc0:
      lua.lua_pushnil(L);
      return pos;
    case 0xc2:
      lua.lua_pushboolean(L, false);
      return pos;
    case 0xc3:
      lua.lua_pushboolean(L, true);
      return pos;
    case 0xcc:
      need(1);
      lua.lua_pushnumber(L, d[pos]);
      return pos + 1;
    case 0xcd:
      need(2);
      lua.lua_pushnumber(L, d.readUInt16BE(pos));
      return pos + 2;
    case 0xce:
      need(4);
      lua.lua_pushnumber(L, d.readUInt32BE(pos));
      return pos + 4;
    case 0xcf:
      need(8);
      lua.lua_pushnumber(L, Number(d.readBigUInt64BE(pos)));
      return pos + 8;
    case 0xd0:
      need(1);
      lua.lua_pushnumber(L, d.readInt8(pos));
      return pos + 1;
    case 0xd1:
      need(2);
      lua.lua_pushnumber(L, d.readInt16BE(pos));
      return pos + 2;
    case 0xd2:
      need(4);
      lua.lua_pushnumber(L, d.readInt32BE(pos));
      return pos + 4;
    case 0xd3:
      need(8);
      lua.lua_pushnumber(L, Number(d.readBigInt64BE(pos)));
      return pos + 8;
    case 0xca:
      need(4);
      lua.lua_pushnumber(L, d.readFloatBE(pos));
      return pos + 4;
    case 0xcb:
      need(8);
      lua.lua_pushnumber(L, d.readDoubleBE(pos));
      return pos + 8;
    case 0xc4:
    case 0xd9:
      need(1);
      return pushBytes(L, d, pos + 1, d[pos]);
    case 0xc5:
    case 0xda:
      need(2);
      return pushBytes(L, d, pos + 2, d.readUInt16BE(pos));
    case 0xc6:
    case 0xdb:
      need(4);
      return pushBytes(L, d, pos + 4, d.readUInt32BE(pos));
    case 0xdc:
      need(2);
      return decodeArray(L, d, pos + 2, d.readUInt16BE(pos));
    case 0xdd:
      need(4);
      return decodeArray(L, d, pos + 4, d.readUInt32BE(pos));
    case 0xde:
      need(2);
      return decodeMap(L, d, pos + 2, d.readUInt16BE(pos));
    case 0xdf:
      need(4);
      return decodeMap(L, d, pos + 4, d.readUInt32BE(pos));
    default:
      throw new BadFormat();
  }
}

function pushBytes(L: L, d: Buffer, pos: number, n: number): number {
  if (pos + n > d.length) throw new Eof();
  pushStr(L, d.subarray(pos, pos + n));
  return pos + n;
}

function decodeArray(L: L, d: Buffer, pos: number, n: number): number {
  lua.lua_newtable(L);
  for (let i = 1; i <= n; i++) {
    pos = decodeValue(L, d, pos);
    lua.lua_rawseti(L, -2, i);
  }
  return pos;
}

function decodeMap(L: L, d: Buffer, pos: number, n: number): number {
  lua.lua_newtable(L);
  for (let i = 0; i < n; i++) {
    pos = decodeValue(L, d, pos);
    pos = decodeValue(L, d, pos);
    if (lua.lua_isnil(L, -2)) lua.lua_pop(L, 2); // a nil key cannot be stored
    else lua.lua_rawset(L, -3);
  }
  return pos;
}

/** unpack / unpack_one / unpack_limit: decodes up to `limit` values (0 = all) from `offset`. */
function unpackFull(L: L, limit: number, offset: number): number {
  lauxlib.luaL_checklstring(L, 1);
  const d = Buffer.from(toBuf(L, 1)!);
  const len = d.length;
  const decodeAll = limit === 0 && offset === 0;
  if (offset < 0 || limit < 0) raiseWhere(L, `Invalid request to unpack with offset of ${offset} and limit of ${len}.`);
  else if (offset > len) raiseWhere(L, `Start offset ${offset} greater than input length ${len}.`);
  if (decodeAll) limit = Number.MAX_SAFE_INTEGER;
  let pos = offset;
  let count = 0;
  for (; pos < len && count < limit; count++) {
    try {
      pos = decodeValue(L, d, pos);
    } catch (e) {
      if (e instanceof Eof) raiseWhere(L, 'Missing bytes in input.');
      if (e instanceof BadFormat) raiseWhere(L, 'Bad data format in input.');
      throw e;
    }
  }
  if (!decodeAll) {
    lua.lua_pushnumber(L, pos >= len ? -1 : pos);
    lua.lua_insert(L, 2);
    count++;
  }
  return count;
}

function optInt(L: L, idx: number, def: number): number {
  return lua.lua_isnoneornil(L, idx) ? def : Math.trunc(lauxlib.luaL_checknumber(L, idx));
}

/** Opens `cmsgpack` as a global table. */
export function openCmsgpack(L: L): void {
  lua.lua_newtable(L);
  setFuncs(L, {
    pack,
    unpack: (S) => {
      lua.lua_settop(S, 1);
      return unpackFull(S, 0, 0);
    },
    unpack_one: (S) => {
      const offset = optInt(S, 2, 0);
      lua.lua_settop(S, 1);
      return unpackFull(S, 1, offset);
    },
    unpack_limit: (S) => {
      const limit = Math.trunc(lauxlib.luaL_checknumber(S, 2));
      const offset = optInt(S, 3, 0);
      lua.lua_settop(S, 1);
      return unpackFull(S, limit, offset);
    },
  });
  pushStr(L, 'lua-cmsgpack');
  lua.lua_setfield(L, -2, lstr('_NAME'));
  pushStr(L, 'lua-cmsgpack 0.4.0');
  lua.lua_setfield(L, -2, lstr('_VERSION'));
  lua.lua_setglobal(L, Buffer.from('cmsgpack'));
}
