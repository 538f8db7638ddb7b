// The Lua 5.1 library surface on top of fengari's 5.3 libraries: what 5.1 scripts
// call that 5.3 dropped or changed (unpack, loadstring, getfenv/setfenv, gcinfo,
// newproxy, table.getn/maxn/foreach/foreachi, math.mod/pow/log10/ldexp/frexp/cosh/
// sinh/tanh/atan2, string.gfind, and string.format with 5.1's conversions, where %d
// truncates a fractional number instead of raising), minus what 5.1 does not have
// (table.pack/unpack/move, string.pack, math.type/tointeger, utf8 ...), and Redis's
// own math.random/randomseed (a 48-bit LCG, the same sequence on every platform).

import { lua, lauxlib, lstr, latin1, pushStr, toStr, setField, getField, setFuncs, raise, raiseWhere, formatG } from './lua.js';

type L = unknown;

/** Installs the 5.1 surface into a state whose base/table/string/math libraries are open. */
export function installCompat51(L: L, random: Lrand48): void {
  lua.lua_pushglobaltable(L);

  // base
  getField(L, -1, 'table');
  getField(L, -1, 'unpack');
  setField(L, -3, 'unpack');
  lua.lua_pop(L, 1);
  setFuncs(L, { loadstring, load: loadText, getfenv, setfenv, gcinfo, newproxy, error: error51 });
  for (const name of ['rawlen', 'require', 'dofile', 'loadfile', 'print', 'package', 'utf8', 'io', 'os']) {
    lua.lua_pushnil(L);
    setField(L, -2, name);
  }
  pushStr(L, 'Lua 5.1');
  setField(L, -2, '_VERSION');

  // table
  getField(L, -1, 'table');
  setFuncs(L, { getn, maxn, foreach, foreachi, setn });
  for (const name of ['pack', 'unpack', 'move']) {
    lua.lua_pushnil(L);
    setField(L, -2, name);
  }
  lua.lua_pop(L, 1);

  // string
  getField(L, -1, 'string');
  setFuncs(L, { format: stringFormat });
  getField(L, -1, 'gmatch');
  setField(L, -2, 'gfind');
  for (const name of ['pack', 'unpack', 'packsize']) {
    lua.lua_pushnil(L);
    setField(L, -2, name);
  }
  lua.lua_pop(L, 1);

  // math
  getField(L, -1, 'math');
  getField(L, -1, 'fmod');
  setField(L, -2, 'mod');
  setFuncs(L, {
    pow: (S) => num1(S, Math.pow(lauxlib.luaL_checknumber(S, 1), lauxlib.luaL_checknumber(S, 2))),
    log10: (S) => num1(S, Math.log10(lauxlib.luaL_checknumber(S, 1))),
    cosh: (S) => num1(S, Math.cosh(lauxlib.luaL_checknumber(S, 1))),
    sinh: (S) => num1(S, Math.sinh(lauxlib.luaL_checknumber(S, 1))),
    tanh: (S) => num1(S, Math.tanh(lauxlib.luaL_checknumber(S, 1))),
    atan2: (S) => num1(S, Math.atan2(lauxlib.luaL_checknumber(S, 1), lauxlib.luaL_checknumber(S, 2))),
    ldexp: (S) => num1(S, lauxlib.luaL_checknumber(S, 1) * Math.pow(2, Math.trunc(lauxlib.luaL_checknumber(S, 2)))),
    frexp,
    random: (S) => mathRandom(S, random),
    randomseed: (S) => {
      random.seed(Math.trunc(lauxlib.luaL_checknumber(S, 1)));
      return 0;
    },
  });
  for (const name of ['type', 'tointeger', 'ult', 'maxinteger', 'mininteger']) {
    lua.lua_pushnil(L);
    setField(L, -2, name);
  }
  lua.lua_pop(L, 1);

  // coroutine
  getField(L, -1, 'coroutine');
  if (lua.lua_istable(L, -1)) {
    lua.lua_pushnil(L);
    setField(L, -2, 'isyieldable');
  }
  lua.lua_pop(L, 2);
}

function num1(L: L, n: number): number {
  lua.lua_pushnumber(L, n);
  return 1;
}

// ---- base ------------------------------------------------------------------------

/** loadstring(s [, chunkname]): text chunks only (Redis refuses bytecode). */
function loadstring(L: L): number {
  const s = lauxlib.luaL_checklstring(L, 1) as Uint8Array;
  const name = lua.lua_isnoneornil(L, 2) ? s : lauxlib.luaL_checklstring(L, 2);
  return finishLoad(L, lauxlib.luaL_loadbufferx(L, s, s.length, name, lstr('t')));
}

/** load(chunk [, chunkname]): 5.1 takes a reader function; strings are accepted too. Text only. */
function loadText(L: L): number {
  if (lua.lua_type(L, 1) === lua.LUA_TSTRING) return loadstring(L);
  lauxlib.luaL_checktype(L, 1, lua.LUA_TFUNCTION);
  const chunkname = lua.lua_isnoneornil(L, 2) ? lstr('=(load)') : lauxlib.luaL_checklstring(L, 2);
  // Collect the pieces the reader returns, then load them as one text chunk.
  const parts: Uint8Array[] = [];
  for (;;) {
    lua.lua_pushvalue(L, 1);
    lua.lua_call(L, 0, 1);
    if (lua.lua_isnil(L, -1)) {
      lua.lua_pop(L, 1);
      break;
    }
    if (lua.lua_type(L, -1) !== lua.LUA_TSTRING) raise(L, 'reader function must return a string');
    const piece: Uint8Array = lua.lua_tolstring(L, -1);
    lua.lua_pop(L, 1);
    if (piece.length === 0) break;
    parts.push(Uint8Array.from(piece));
  }
  const all = Buffer.concat(parts);
  return finishLoad(L, lauxlib.luaL_loadbufferx(L, all, all.length, chunkname, lstr('t')));
}

function finishLoad(L: L, status: number): number {
  if (status === lua.LUA_OK) return 1;
  lua.lua_pushnil(L);
  lua.lua_insert(L, -2);
  return 2;
}

/** Pushes the function getfenv/setfenv target (a function or a stack level); false for level 0. */
function pushTarget(L: L): boolean {
  if (lua.lua_type(L, 1) === lua.LUA_TFUNCTION) {
    lua.lua_pushvalue(L, 1);
    return true;
  }
  const level = lua.lua_isnoneornil(L, 1) ? 1 : Math.trunc(lauxlib.luaL_checknumber(L, 1));
  if (level < 0) lauxlib.luaL_argerror(L, 1, lstr('level must be non-negative'));
  if (level === 0) return false;
  const ar = new lua.lua_Debug();
  if (!lua.lua_getstack(L, level, ar)) lauxlib.luaL_argerror(L, 1, lstr('invalid level'));
  lua.lua_getinfo(L, lstr('f'), ar);
  return true;
}

/** The index of a Lua function's _ENV upvalue (its environment in 5.2+), or 0. */
function envUpvalue(L: L, fidx: number): number {
  for (let i = 1; ; i++) {
    const name = lua.lua_getupvalue(L, fidx, i);
    if (name === null || name === undefined) return 0;
    lua.lua_pop(L, 1);
    if (latin1(name) === '_ENV') return i;
  }
}

function getfenv(L: L): number {
  if (pushTarget(L)) {
    const f = lua.lua_gettop(L);
    const up = lua.lua_iscfunction(L, f) ? 0 : envUpvalue(L, f);
    if (up > 0) {
      lua.lua_getupvalue(L, f, up);
      return 1;
    }
  }
  lua.lua_pushglobaltable(L);
  return 1;
}

function setfenv(L: L): number {
  lauxlib.luaL_checktype(L, 2, lua.LUA_TTABLE);
  if (!pushTarget(L)) raiseWhere(L, "'setfenv' cannot change the environment of the running thread");
  const f = lua.lua_gettop(L);
  if (lua.lua_iscfunction(L, f)) raiseWhere(L, "'setfenv' cannot change environment of given object");
  const up = envUpvalue(L, f);
  if (up > 0) {
    // Give the function its own _ENV upvalue holding the table, leaving the one it
    // shared with its enclosing chunk untouched.
    lauxlib.luaL_loadbufferx(L, ENV_HOLDER, ENV_HOLDER.length, lstr('=setfenv'), lstr('t'));
    lua.lua_pushvalue(L, 2);
    lua.lua_call(L, 1, 1);
    lua.lua_upvaluejoin(L, f, up, -1, 1);
    lua.lua_pop(L, 1);
  }
  return 1;
}

const ENV_HOLDER = lstr('local e = ... return function() return e end');

/** error(msg [, level]): 5.1 prefixes the position to numbers too, not only strings. */
function error51(L: L): number {
  const level = lua.lua_isnoneornil(L, 2) ? 1 : Math.trunc(lauxlib.luaL_checknumber(L, 2));
  lua.lua_settop(L, 1);
  const t = lua.lua_type(L, 1);
  if ((t === lua.LUA_TSTRING || t === lua.LUA_TNUMBER) && level > 0) {
    lauxlib.luaL_where(L, level);
    lua.lua_pushvalue(L, 1);
    lua.lua_concat(L, 2);
  }
  return lua.lua_error(L);
}

function gcinfo(L: L): number {
  lua.lua_pushnumber(L, 32);
  return 1;
}

function newproxy(L: L): number {
  lua.lua_settop(L, 1);
  lua.lua_newuserdata(L, 0);
  if (lua.lua_toboolean(L, 1) && lua.lua_type(L, 1) === lua.LUA_TBOOLEAN) {
    lua.lua_newtable(L);
    lua.lua_setmetatable(L, -2);
  } else if (lua.lua_type(L, 1) === lua.LUA_TUSERDATA && lua.lua_getmetatable(L, 1)) {
    lua.lua_setmetatable(L, -2);
  }
  return 1;
}

// ---- table -----------------------------------------------------------------------

function getn(L: L): number {
  lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
  lua.lua_pushnumber(L, lua.lua_rawlen(L, 1));
  return 1;
}

function setn(L: L): number {
  return raiseWhere(L, "'setn' is obsolete");
}

function maxn(L: L): number {
  lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, 1)) {
    lua.lua_pop(L, 1);
    if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
      const v = lua.lua_tonumber(L, -1);
      if (v > max) max = v;
    }
  }
  lua.lua_pushnumber(L, max);
  return 1;
}

function foreach(L: L): number {
  lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
  lauxlib.luaL_checktype(L, 2, lua.LUA_TFUNCTION);
  lua.lua_pushnil(L);
  while (lua.lua_next(L, 1)) {
    lua.lua_pushvalue(L, 2);
    lua.lua_pushvalue(L, -3);
    lua.lua_pushvalue(L, -3);
    lua.lua_call(L, 2, 1);
    if (!lua.lua_isnil(L, -1)) return 1;
    lua.lua_pop(L, 2);
  }
  return 0;
}

function foreachi(L: L): number {
  lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
  lauxlib.luaL_checktype(L, 2, lua.LUA_TFUNCTION);
  const n = lua.lua_rawlen(L, 1);
  for (let i = 1; i <= n; i++) {
    lua.lua_pushvalue(L, 2);
    lua.lua_pushnumber(L, i);
    lua.lua_rawgeti(L, 1, i);
    lua.lua_call(L, 2, 1);
    if (!lua.lua_isnil(L, -1)) return 1;
    lua.lua_pop(L, 1);
  }
  return 0;
}

// ---- math ------------------------------------------------------------------------

function frexp(L: L): number {
  const x = lauxlib.luaL_checknumber(L, 1);
  if (x === 0 || !Number.isFinite(x)) {
    lua.lua_pushnumber(L, x);
    lua.lua_pushnumber(L, 0);
    return 2;
  }
  let e = Math.max(-1073, Math.floor(Math.log2(Math.abs(x))) + 1);
  let m = x * Math.pow(2, -e);
  // Correct for rounding in log2 so that 0.5 <= |m| < 1.
  while (Math.abs(m) < 0.5) {
    m *= 2;
    e--;
  }
  while (Math.abs(m) >= 1) {
    m /= 2;
    e++;
  }
  lua.lua_pushnumber(L, m);
  lua.lua_pushnumber(L, e);
  return 2;
}

/** Redis's redisLrand48: the POSIX lrand48 generator, independent of the platform's libc. */
export class Lrand48 {
  private x = 0n;
  constructor(seed = Math.floor(Math.random() * 0x7fffffff)) {
    this.seed(seed);
  }
  seed(s: number): void {
    this.x = ((BigInt.asUintN(32, BigInt(s)) << 16n) | 0x330en) & 0xffffffffffffn;
  }
  next(): number {
    this.x = (this.x * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
    return Number(this.x >> 17n);
  }
}

const LRAND48_MAX = 2147483647;

function mathRandom(L: L, random: Lrand48): number {
  const r = (random.next() % LRAND48_MAX) / LRAND48_MAX;
  switch (lua.lua_gettop(L)) {
    case 0:
      lua.lua_pushnumber(L, r);
      return 1;
    case 1: {
      const u = Math.trunc(lauxlib.luaL_checknumber(L, 1));
      if (!(1 <= u)) lauxlib.luaL_argerror(L, 1, lstr('interval is empty'));
      lua.lua_pushnumber(L, Math.floor(r * u) + 1);
      return 1;
    }
    case 2: {
      const l = Math.trunc(lauxlib.luaL_checknumber(L, 1));
      const u = Math.trunc(lauxlib.luaL_checknumber(L, 2));
      if (!(l <= u)) lauxlib.luaL_argerror(L, 2, lstr('interval is empty'));
      lua.lua_pushnumber(L, Math.floor(r * (u - l + 1)) + l);
      return 1;
    }
    default:
      return raiseWhere(L, 'wrong number of arguments');
  }
}

// ---- string.format ---------------------------------------------------------------

/** string.format with Lua 5.1's conversions (C printf on doubles). */
function stringFormat(L: L): number {
  lauxlib.luaL_checklstring(L, 1);
  const fmt = toStr(L, 1)!;
  let arg = 1;
  let out = '';
  let i = 0;
  while (i < fmt.length) {
    const ch = fmt[i++];
    if (ch !== '%') {
      out += ch;
      continue;
    }
    if (fmt[i] === '%') {
      out += '%';
      i++;
      continue;
    }
    const start = i;
    while (i < fmt.length && '-+ #0'.includes(fmt[i])) i++;
    if (i - start > 5) raiseWhere(L, 'invalid format (repeated flags)');
    const flags = fmt.slice(start, i);
    let digits = 0;
    let width = 0;
    while (fmt[i] >= '0' && fmt[i] <= '9') {
      width = width * 10 + (fmt.charCodeAt(i++) - 48);
      digits++;
    }
    let precision = -1;
    if (fmt[i] === '.') {
      i++;
      precision = 0;
      let pd = 0;
      while (fmt[i] >= '0' && fmt[i] <= '9') {
        precision = precision * 10 + (fmt.charCodeAt(i++) - 48);
        pd++;
      }
      if (pd > 2) raiseWhere(L, 'invalid format (width or precision too long)');
    }
    if (digits > 2) raiseWhere(L, 'invalid format (width or precision too long)');
    const conv = fmt[i++];
    arg++;
    switch (conv) {
      case 'c':
        out += pad(String.fromCharCode(Math.trunc(lauxlib.luaL_checknumber(L, arg)) & 255), width, flags, false);
        break;
      case 'd':
      case 'i':
        out += formatInteger(lauxlib.luaL_checknumber(L, arg), 10, false, flags, width, precision, false);
        break;
      case 'o':
        out += formatInteger(lauxlib.luaL_checknumber(L, arg), 8, true, flags, width, precision, false);
        break;
      case 'u':
        out += formatInteger(lauxlib.luaL_checknumber(L, arg), 10, true, flags, width, precision, false);
        break;
      case 'x':
        out += formatInteger(lauxlib.luaL_checknumber(L, arg), 16, true, flags, width, precision, false);
        break;
      case 'X':
        out += formatInteger(lauxlib.luaL_checknumber(L, arg), 16, true, flags, width, precision, true);
        break;
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
        out += formatFloat(lauxlib.luaL_checknumber(L, arg), conv, flags, width, precision);
        break;
      case 'q':
        lauxlib.luaL_checklstring(L, arg);
        out += quoted(toStr(L, arg)!);
        break;
      case 's': {
        lauxlib.luaL_checklstring(L, arg);
        let s = toStr(L, arg)!;
        if (precision >= 0) s = s.slice(0, precision);
        out += precision < 0 && s.length >= 100 ? s : pad(s, width, flags, false);
        break;
      }
      default:
        raiseWhere(L, `invalid option '%${conv ?? ''}' to 'format'`);
    }
  }
  pushStr(L, out);
  return 1;
}

function pad(s: string, width: number, flags: string, zeroAllowed: boolean): string {
  if (s.length >= width) return s;
  if (flags.includes('-')) return s + ' '.repeat(width - s.length);
  if (zeroAllowed && flags.includes('0')) {
    const signLen = /^[+\- ]/.test(s) ? 1 : /^0[xX]/.test(s) ? 2 : 0;
    return s.slice(0, signLen) + '0'.repeat(width - s.length) + s.slice(signLen);
  }
  return ' '.repeat(width - s.length) + s;
}

function formatInteger(n: number, radix: number, unsigned: boolean, flags: string, width: number, precision: number, upper: boolean): string {
  let v: bigint;
  if (!Number.isFinite(n)) v = -9223372036854775808n;
  else v = BigInt.asIntN(64, BigInt(Math.trunc(n)));
  if (unsigned) v = BigInt.asUintN(64, v);
  const neg = v < 0n;
  let digits = (neg ? -v : v).toString(radix);
  if (upper) digits = digits.toUpperCase();
  if (precision >= 0) {
    if (precision === 0 && v === 0n) digits = '';
    digits = digits.padStart(precision, '0');
  }
  if (flags.includes('#')) {
    if (radix === 8 && !digits.startsWith('0')) digits = '0' + digits;
    if (radix === 16 && v !== 0n) digits = (upper ? '0X' : '0x') + digits;
  }
  const sign = neg ? '-' : !unsigned && flags.includes('+') ? '+' : !unsigned && flags.includes(' ') ? ' ' : '';
  return pad(sign + digits, width, flags, precision < 0);
}

function formatFloat(n: number, conv: string, flags: string, width: number, precision: number): string {
  const p = precision < 0 ? 6 : precision;
  const alt = flags.includes('#');
  const upper = conv === 'E' || conv === 'G' || conv === 'F';
  let body: string;
  if (!Number.isFinite(n)) {
    body = formatG(n, 1);
    const s = !body.startsWith('-') && flags.includes('+') ? '+' + body : !body.startsWith('-') && flags.includes(' ') ? ' ' + body : body;
    return pad(upper ? s.toUpperCase() : s, width, flags, false);
  }
  const neg = n < 0 || Object.is(n, -0);
  const a = Math.abs(n);
  switch (conv) {
    case 'e':
    case 'E':
      body = expForm(a, Math.min(p, 100), alt);
      break;
    case 'f':
    case 'F':
      body = fixedForm(a, Math.min(p, 100));
      if (alt && p === 0) body += '.';
      break;
    default:
      body = formatG(a, Math.min(p, 100), alt);
  }
  if (upper) body = body.toUpperCase();
  const sign = neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  return pad(sign + body, width, flags, true);
}

function expForm(a: number, p: number, alt: boolean): string {
  const s = a.toExponential(p);
  const at = s.indexOf('e');
  let mant = s.slice(0, at);
  if (alt && !mant.includes('.')) mant += '.';
  const e = Number(s.slice(at + 1));
  return mant + 'e' + (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(2, '0');
}

function fixedForm(a: number, p: number): string {
  if (a < 1e21) return a.toFixed(p);
  // toFixed switches to exponent form past 1e21; such doubles are integers.
  return BigInt(a).toString() + (p > 0 ? '.' + '0'.repeat(p) : '');
}

/** %q as Lua 5.1 writes it. */
function quoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === '\\') out += '\\' + c;
    else if (c === '\n') out += '\\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\0') out += '\\000';
    else out += c;
  }
  return out + '"';
}
