// The `bit` library Redis scripts use (LuaBitOp 1.0): 32-bit operations on Lua
// numbers, results as signed 32-bit values (bit.tobit(0xffffffff) == -1).

import { lua, lauxlib, pushStr, setFuncs } from './lua.js';

type L = unknown;

/** A number to its 32-bit pattern: rounded half-to-even, then taken modulo 2^32 (LuaBitOp's barg). */
export function toBit(x: number): number {
  if (!Number.isFinite(x)) return 0;
  const f = Math.floor(x);
  const d = x - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return r | 0;
}

function arg(L: L, i: number): number {
  return toBit(lauxlib.luaL_checknumber(L, i));
}

function ret(L: L, v: number): number {
  lua.lua_pushnumber(L, v | 0);
  return 1;
}

function fold(L: L, op: (a: number, b: number) => number): number {
  let v = arg(L, 1);
  const n = lua.lua_gettop(L);
  for (let i = 2; i <= n; i++) v = op(v, arg(L, i));
  return ret(L, v);
}

/** Opens `bit` as a global table. */
export function openBit(L: L): void {
  lua.lua_newtable(L);
  setFuncs(L, {
    tobit: (S) => ret(S, arg(S, 1)),
    bnot: (S) => ret(S, ~arg(S, 1)),
    band: (S) => fold(S, (a, b) => a & b),
    bor: (S) => fold(S, (a, b) => a | b),
    bxor: (S) => fold(S, (a, b) => a ^ b),
    lshift: (S) => ret(S, arg(S, 1) << (arg(S, 2) & 31)),
    rshift: (S) => ret(S, arg(S, 1) >>> (arg(S, 2) & 31)),
    arshift: (S) => ret(S, arg(S, 1) >> (arg(S, 2) & 31)),
    rol: (S) => {
      const b = arg(S, 1);
      const n = arg(S, 2) & 31;
      return ret(S, (b << n) | (b >>> ((32 - n) & 31)));
    },
    ror: (S) => {
      const b = arg(S, 1);
      const n = arg(S, 2) & 31;
      return ret(S, (b >>> n) | (b << ((32 - n) & 31)));
    },
    bswap: (S) => {
      const b = arg(S, 1);
      return ret(S, ((b >>> 24) & 0xff) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24));
    },
    tohex: (S) => {
      let b = arg(S, 1);
      let n = lua.lua_isnoneornil(S, 2) ? 8 : arg(S, 2);
      let digits = '0123456789abcdef';
      if (n < 0) {
        n = n === -2147483648 ? 2147483647 : -n;
        digits = '0123456789ABCDEF';
      }
      if (n > 8) n = 8;
      let out = '';
      for (let i = 0; i < n; i++) {
        out = digits[b & 15] + out;
        b >>>= 4;
      }
      pushStr(S, out);
      return 1;
    },
  });
  lua.lua_setglobal(L, Buffer.from('bit'));
}
