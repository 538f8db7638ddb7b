// The Lua runtime for scripts and functions: fengari (a Lua 5.3 VM written in plain
// JavaScript, MIT) loaded with patches that bring it to the Lua 5.1 that Redis embeds.
//
// Why fengari: calls from Lua into JS are ordinary synchronous calls (redis.call runs
// the command inside the script), strings are byte arrays (binary-safe, as Redis
// values are), and being JS its number formatting and table writes can be patched.
// A WebAssembly build of reference Lua (wasmoon) is faster but is Lua 5.4, whose
// integer/float split cannot be patched from outside ("5.0" for 10/2).
//
// Gaps to Lua 5.1 closed here (the ones scripts notice):
//  - Numbers are doubles, as in 5.1: numerals, tonumber() and string coercions yield
//    floats, library functions push floats (fengari's integers are 32-bit and wrap,
//    so 1700000000 * 1000 would overflow). Hex numerals are unsigned (0xffffffff is
//    4294967295, as glibc's strtod gives 5.1).
//  - tostring() and concatenation format numbers with "%.14g" and no ".0" suffix
//    (tostring(10/2) is "5", 1e15 is "1e+15", 0/0 is "-nan").
//  - Read-only tables (Redis's lua_enablereadonlytable): every table write, rawset and
//    setmetatable on a protected table raises "Attempt to modify a readonly table".
//  - String comparison (<, <=) is by bytes (fengari compared its own hash strings).
// The 5.1 library surface (unpack, loadstring, getfenv/setfenv, table.getn, math.mod,
// string.format with 5.1's %d ...) is in lib-compat51.ts.
//
// Remaining differences from Redis's Lua 5.1 (documented, rarely visible):
//  - The parser accepts 5.3 syntax too (goto, //, bitwise operators, integer division).
//  - `#t` and a few VM-internal counters are 32-bit integers; a product of two of them
//    beyond 2^31 wraps.
//  - Library functions that take an integer argument (string.sub, string.rep, unpack,
//    table.insert position ...) reject values beyond 2^31 with "number has no integer
//    representation" where 5.1 would clamp or truncate.
//  - Error message wording comes from 5.3 in places ("attempt to index a nil value
//    (field 'x')" vs 5.1's "attempt to index field 'x' (a nil value)").
//  - collectgarbage() cannot report real memory (the JS heap is shared); "count" is
//    an estimate.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
/** fengari's API objects (untyped JS). Only this directory uses them. */
type Api = any;

// Load order matters: fengari's modules copy each other's exports when they load,
// so each patch goes in before the modules that would copy the original.
require('fengari/src/defs.js');
const luaconf: Api = require('fengari/src/luaconf.js');
luaconf.LUA_COMPAT_FLOATSTRING = true;
luaconf.lua_number2str = (n: number): string => formatG(n, 14);

const lstring: Api = require('fengari/src/lstring.js');
// Strings become table keys through this hash; latin1 text keeps it cheap for long
// strings and makes string ordering (which fengari derives from it) byte order.
lstring.luaS_hash = (str: Uint8Array): string => '|' + latin1(str);
lstring.luaS_hashlongstr = (ts: { hash: string | null; realstring: Uint8Array }): string => {
  if (ts.hash === null) ts.hash = '|' + latin1(ts.realstring);
  return ts.hash;
};

const luaMod: Api = require('fengari/src/lua.js');
const pushNumber = luaMod.lua_pushnumber;
// Lua 5.1 has no integer subtype: whatever a library pushes is a double.
luaMod.lua_pushinteger = (L: Api, n: number): void => pushNumber(L, n);
const rawSetMetatable = luaMod.lua_setmetatable;
luaMod.lua_setmetatable = (L: Api, idx: number): number => {
  const target = luaMod.lua_topointer(L, idx);
  if (target && target.readonly === true) readonlyError(L);
  return rawSetMetatable(L, idx);
};

// fengari bug: a yieldable pcall (one with a continuation) inside a coroutine records
// "hooks allowed" with `&= ~OAH | allowhook`, which never sets the bit, so after the
// first error it catches, hooks stay off for good, and with them the busy-script
// check and SCRIPT KILL. Setting the bit first gives the intended result.
const rawPcallk = luaMod.lua_pcallk;
luaMod.lua_pcallk = (L: Api, nargs: number, nresults: number, errfunc: number, ctx: unknown, k: unknown): number => {
  if (k !== null && k !== undefined && L.allowhook) L.ci.callstatus |= 1; // CIST_OAH
  return rawPcallk(L, nargs, nresults, errfunc, ctx, k);
};

const fengari: Api = require('fengari');
const lobject: Api = require('fengari/src/lobject.js');
const ltable: Api = require('fengari/src/ltable.js');
const ldebug: Api = require('fengari/src/ldebug.js');

export const lua: Api = fengari.lua;
export const lauxlib: Api = fengari.lauxlib;
export const lualib: Api = fengari.lualib;

const rawStr2num = lobject.luaO_str2num;
lobject.luaO_str2num = (s: Uint8Array, o: Api): number => {
  const r = rawStr2num(s, o);
  if (r !== 0 && o.ttisinteger()) o.setfltvalue(isHexNumeral(s) ? hexValue(s) : o.value);
  return r;
};

const rawSetFrom = ltable.luaH_setfrom;
ltable.luaH_setfrom = (L: Api, t: { readonly?: boolean }, key: Api, value: Api): void => {
  if (t.readonly === true) readonlyError(L);
  rawSetFrom(L, t, key, value);
};
const rawSetInt = ltable.luaH_setint;
ltable.luaH_setint = (t: { readonly?: boolean }, key: number, value: Api): void => {
  // No lua_State here: raise on the thread that is running (set by the runner).
  if (t.readonly === true && runningThread !== null) readonlyError(runningThread);
  rawSetInt(t, key, value);
};

// Runtime type errors in 5.1's words: "attempt to call field 'f' (a nil value)"
// where 5.3 says "attempt to call a nil value (field 'f')". Scripts and tests match
// on these, so the message is reworded as it is raised.
for (const name of ['luaG_typeerror', 'luaG_concaterror', 'luaG_opinterror']) {
  const raw = ldebug[name];
  ldebug[name] = (L: Api, ...rest: unknown[]): void => {
    try {
      raw(L, ...rest);
    } catch (e) {
      rewordTopError(L);
      throw e;
    }
  };
}

function rewordTopError(L: Api): void {
  const tv = L.stack[L.top - 1];
  if (!tv || !tv.ttisstring()) return;
  const s = latin1(tv.svalue());
  const m = /^(.*)attempt to (.+?) an? (\S+) value \((\S+) '(.*)'\)$/s.exec(s);
  if (m) tv.setsvalue(lstring.luaS_bless(L, Buffer.from(`${m[1]}attempt to ${m[2]} ${m[4]} '${m[5]}' (a ${m[3]} value)`, 'latin1')));
}

/** The thread currently executing script code (for errors raised without a state at hand). */
let runningThread: Api = null;
export function setRunningThread(L: Api): Api {
  const prev = runningThread;
  runningThread = L;
  return prev;
}

function readonlyError(L: Api): never {
  ldebug.luaG_runerror(L, lstr('Attempt to modify a readonly table'));
  throw new Error('unreachable');
}

/** Marks (or unmarks) a table as read-only; `obj` is what lua_topointer returns. */
export function setReadonly(L: Api, idx: number, on: boolean): void {
  const t = lua.lua_topointer(L, idx);
  if (t) t.readonly = on;
}

export function isReadonly(L: Api, idx: number): boolean {
  const t = lua.lua_topointer(L, idx);
  return !!t && t.readonly === true;
}

// ---- strings: Lua strings are Uint8Arrays; ours are latin1 JS strings or Buffers ----

/** A JS string (one char per byte) or bytes as a Lua string value. */
export function lstr(s: string | Uint8Array): Uint8Array {
  return typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
}

export function latin1(a: Uint8Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).latin1Slice(0, a.byteLength);
}

export function pushStr(L: Api, s: string | Uint8Array): void {
  const b = lstr(s);
  lua.lua_pushlstring(L, b, b.length);
}

/** The string at idx (numbers converted as Lua does), as latin1, or null. */
export function toStr(L: Api, idx: number): string | null {
  const a = lua.lua_tolstring(L, idx);
  return a === null || a === undefined ? null : latin1(a);
}

/** The bytes of the string at idx as a Buffer view (valid while the value lives), or null. */
export function toBuf(L: Api, idx: number): Buffer | null {
  const a: Uint8Array | null = lua.lua_tolstring(L, idx);
  return a === null || a === undefined ? null : Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function setField(L: Api, idx: number, name: string): void {
  lua.lua_setfield(L, idx, lstr(name));
}

export function getField(L: Api, idx: number, name: string): number {
  return lua.lua_getfield(L, idx, lstr(name));
}

export function setGlobal(L: Api, name: string): void {
  lua.lua_setglobal(L, lstr(name));
}

export function getGlobal(L: Api, name: string): number {
  return lua.lua_getglobal(L, lstr(name));
}

/** Raises a Lua error with a plain message (no position prefix). */
export function raise(L: Api, message: string): never {
  pushStr(L, message);
  lua.lua_error(L);
  throw new Error('unreachable');
}

/** Raises a Lua error prefixed with the calling Lua code's position, as luaL_error does. */
export function raiseWhere(L: Api, message: string): never {
  lauxlib.luaL_where(L, 1);
  pushStr(L, message);
  lua.lua_concat(L, 2);
  lua.lua_error(L);
  throw new Error('unreachable');
}

/** Registers JS functions as fields of the table on top of the stack. */
export function setFuncs(L: Api, funcs: Record<string, (L: Api) => number>): void {
  for (const [name, fn] of Object.entries(funcs)) {
    lua.lua_pushcfunction(L, fn);
    setField(L, -2, name);
  }
}

// ---- numbers ------------------------------------------------------------------------

function isHexNumeral(s: Uint8Array): boolean {
  let i = 0;
  while (i < s.length && (s[i] === 32 || (s[i] >= 9 && s[i] <= 13))) i++;
  if (s[i] === 45 || s[i] === 43) i++;
  return s[i] === 48 && (s[i + 1] === 120 || s[i + 1] === 88);
}

/** A hex numeral's value as an unsigned magnitude with its sign (glibc strtod), as a double. */
function hexValue(s: Uint8Array): number {
  let i = 0;
  while (s[i] === 32 || (s[i] >= 9 && s[i] <= 13)) i++;
  let neg = false;
  if (s[i] === 45 || s[i] === 43) neg = s[i++] === 45;
  i += 2;
  let v = 0;
  for (; i < s.length; i++) {
    const c = s[i];
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) break;
    v = v * 16 + d;
  }
  return neg ? -v : v;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * C's "%.<precision>g" for a double (glibc spelling of inf/nan, two-digit exponents).
 * `alt` keeps trailing zeros (the '#' flag).
 */
export function formatG(n: number, precision: number, alt = false): string {
  if (Number.isNaN(n)) {
    f64[0] = n;
    return u32[1] >>> 31 ? '-nan' : 'nan';
  }
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const p = precision === 0 ? 1 : precision;
  if (n === 0) {
    const zero = Object.is(n, -0) ? '-0' : '0';
    return alt ? zero + '.' + '0'.repeat(p - 1) : zero;
  }
  const exp = n.toExponential(p - 1);
  const e = Number(exp.slice(exp.indexOf('e') + 1));
  let out: string;
  if (e < -4 || e >= p) {
    let mant = exp.slice(0, exp.indexOf('e'));
    if (!alt && mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    out = mant + 'e' + (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(2, '0');
  } else {
    out = n.toFixed(Math.max(0, p - 1 - e));
    if (!alt && out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
  }
  return out;
}

/** The Lua number at idx formatted as Lua 5.1's tostring does. */
export function numberToString(n: number): string {
  return formatG(n, 14);
}
