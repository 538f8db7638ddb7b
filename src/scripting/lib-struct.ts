// The `struct` library Redis scripts use (Roberto Ierusalimschy's struct 0.2 as
// Redis ships it): struct.pack(fmt, ...), struct.unpack(fmt, s [, pos]) and
// struct.size(fmt), with C type sizes of 64-bit Linux (long and size_t are 8 bytes)
// and native little-endian byte order.

import { lua, lauxlib, lstr, pushStr, toBuf, setFuncs, raiseWhere } from './lua.js';

type L = unknown;

const MAXINTSIZE = 32;
const MAXALIGN = 8;

interface Header {
  little: boolean;
  align: number;
}

class Cursor {
  i = 0;
  constructor(readonly fmt: string) {}
  /** Reads digits after an option; `def` when there are none. */
  num(L: L, def: number): number {
    if (!(this.fmt[this.i] >= '0' && this.fmt[this.i] <= '9')) return def;
    let a = 0;
    do {
      if (a > (0x7fffffff - 9) / 10) raiseWhere(L, 'integral size overflow');
      a = a * 10 + (this.fmt.charCodeAt(this.i++) - 48);
    } while (this.fmt[this.i] >= '0' && this.fmt[this.i] <= '9');
    return a;
  }
}

function optsize(L: L, opt: string, c: Cursor): number {
  switch (opt) {
    case 'B':
    case 'b':
    case 'x':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'L':
    case 'l':
    case 'T':
    case 'd':
      return 8;
    case 'f':
      return 4;
    case 'c':
      return c.num(L, 1);
    case 'i':
    case 'I': {
      const sz = c.num(L, 4);
      if (sz > MAXINTSIZE) raiseWhere(L, `integral size ${sz} is larger than limit of ${MAXINTSIZE}`);
      return sz;
    }
    default:
      return 0;
  }
}

function toAlign(len: number, h: Header, opt: string, size: number): number {
  if (size === 0 || opt === 'c') return 0;
  if (size > h.align) size = h.align;
  return (size - (len & (size - 1))) & (size - 1);
}

/** Handles the options that only change the header; raises on unknown ones. */
function control(L: L, opt: string, c: Cursor, h: Header): void {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h.little = false;
      return;
    case '<':
    case '=':
      h.little = true;
      return;
    case '!': {
      const a = c.num(L, MAXALIGN);
      if ((a & (a - 1)) !== 0) raiseWhere(L, `alignment ${a} is not a power of 2`);
      h.align = a;
      return;
    }
    default:
      raiseWhere(L, `invalid format option '${opt}'`);
  }
}

function putInteger(out: number[], n: number, little: boolean, size: number): void {
  let v = BigInt.asUintN(64, BigInt(Number.isFinite(n) ? Math.trunc(n) : 0));
  const bytes: number[] = [];
  for (let i = 0; i < size; i++) {
    bytes.push(Number(v & 0xffn));
    v >>= 8n;
  }
  if (!little) bytes.reverse();
  out.push(...bytes);
}

function getInteger(data: Buffer, pos: number, little: boolean, signed: boolean, size: number): number {
  let v = 0n;
  for (let i = 0; i < size; i++) {
    const b = data[little ? pos + size - 1 - i : pos + i];
    v = (v << 8n) | BigInt(b);
  }
  if (signed && size > 0 && size <= 8) v = BigInt.asIntN(size * 8, v);
  return Number(v);
}

function pack(L: L): number {
  lauxlib.luaL_checkstring(L, 1);
  const c = new Cursor(toLatin1(L, 1));
  const h: Header = { little: true, align: 1 };
  const out: number[] = [];
  let arg = 2;
  let total = 0;
  while (c.i < c.fmt.length) {
    const opt = c.fmt[c.i++];
    let size = optsize(L, opt, c);
    const pad = toAlign(total, h, opt, size);
    total += pad;
    for (let k = 0; k < pad; k++) out.push(0);
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        putInteger(out, lauxlib.luaL_checknumber(L, arg++), h.little, size);
        break;
      case 'x':
        out.push(0);
        break;
      case 'f':
      case 'd': {
        const b = Buffer.alloc(size);
        const n = lauxlib.luaL_checknumber(L, arg++);
        if (size === 4) {
          if (h.little) b.writeFloatLE(n);
          else b.writeFloatBE(n);
        } else if (h.little) b.writeDoubleLE(n);
        else b.writeDoubleBE(n);
        out.push(...b);
        break;
      }
      case 'c':
      case 's': {
        lauxlib.luaL_checklstring(L, arg);
        const s = toBuf(L, arg)!;
        if (size === 0) size = s.length;
        if (s.length < size) lauxlib.luaL_argerror(L, arg, lstr('string too short'));
        arg++;
        for (let k = 0; k < size; k++) out.push(s[k]);
        if (opt === 's') {
          out.push(0);
          size++;
        }
        break;
      }
      default:
        control(L, opt, c, h);
    }
    total += size;
  }
  pushStr(L, Buffer.from(out));
  return 1;
}

function unpack(L: L): number {
  lauxlib.luaL_checkstring(L, 1);
  const c = new Cursor(toLatin1(L, 1));
  lauxlib.luaL_checklstring(L, 2);
  const data = Buffer.from(toBuf(L, 2)!);
  const ld = data.length;
  let pos = (lua.lua_isnoneornil(L, 3) ? 1 : Math.trunc(lauxlib.luaL_checknumber(L, 3))) - 1;
  if (pos < 0 || pos > ld) lauxlib.luaL_argerror(L, 3, lstr('offset must be 1 or greater'));
  const h: Header = { little: true, align: 1 };
  let n = 0;
  while (c.i < c.fmt.length) {
    const opt = c.fmt[c.i++];
    let size = optsize(L, opt, c);
    pos += toAlign(pos, h, opt, size);
    if (!(size <= ld && pos <= ld - size)) lauxlib.luaL_argerror(L, 2, lstr('data string too short'));
    lauxlib.luaL_checkstack(L, 2, lstr('too many results'));
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        lua.lua_pushnumber(L, getInteger(data, pos, h.little, opt === opt.toLowerCase(), size));
        n++;
        break;
      case 'x':
        break;
      case 'f':
        lua.lua_pushnumber(L, h.little ? data.readFloatLE(pos) : data.readFloatBE(pos));
        n++;
        break;
      case 'd':
        lua.lua_pushnumber(L, h.little ? data.readDoubleLE(pos) : data.readDoubleBE(pos));
        n++;
        break;
      case 'c': {
        if (size === 0) {
          if (n === 0 || lua.lua_type(L, -1) !== lua.LUA_TNUMBER) raiseWhere(L, "format 'c0' needs a previous size");
          size = Math.trunc(lua.lua_tonumber(L, -1));
          lua.lua_pop(L, 1);
          n--;
          if (!(size <= ld && pos <= ld - size)) lauxlib.luaL_argerror(L, 2, lstr('data string too short'));
        }
        pushStr(L, data.subarray(pos, pos + size));
        n++;
        break;
      }
      case 's': {
        const end = data.indexOf(0, pos);
        if (end === -1) raiseWhere(L, 'unfinished string in data');
        size = end - pos + 1;
        pushStr(L, data.subarray(pos, end));
        n++;
        break;
      }
      default:
        control(L, opt, c, h);
    }
    pos += size;
  }
  lua.lua_pushnumber(L, pos + 1);
  return n + 1;
}

function size(L: L): number {
  lauxlib.luaL_checkstring(L, 1);
  const c = new Cursor(toLatin1(L, 1));
  const h: Header = { little: true, align: 1 };
  let total = 0;
  while (c.i < c.fmt.length) {
    const opt = c.fmt[c.i++];
    const sz = optsize(L, opt, c);
    total += toAlign(total, h, opt, sz);
    if (opt === 's') lauxlib.luaL_argerror(L, 1, lstr("option 's' has no fixed size"));
    else if (opt === 'c' && sz === 0) lauxlib.luaL_argerror(L, 1, lstr("option 'c0' has no fixed size"));
    if (!'bBhHlLTiIxfdc'.includes(opt)) control(L, opt, c, h);
    total += sz;
  }
  lua.lua_pushnumber(L, total);
  return 1;
}

function toLatin1(L: L, idx: number): string {
  return toBuf(L, idx)!.toString('latin1');
}

/** Opens `struct` as a global table. */
export function openStruct(L: L): void {
  lua.lua_newtable(L);
  setFuncs(L, { pack, unpack, size });
  lua.lua_setglobal(L, Buffer.from('struct'));
}
