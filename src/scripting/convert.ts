// Reply conversion between Redis and Lua, both ways, with Redis 7.0's rules.
//
// Redis → Lua (what redis.call returns), by the protocol the script chose with
// redis.setresp (RESP2 unless it asked for 3):
//   integer → number; bulk → string; null bulk / null array → false (RESP2) or nil
//   (RESP3 null); array → table; status → {ok=...}; error → {err=...};
//   RESP3 only: map → {map={...}}, set → {set={member=true}}, double → {double=n},
//   boolean → boolean, big number → {big_number=s}, verbatim →
//   {verbatim_string={string=s, format=f}}. Under RESP2 those arrive as their RESP2
//   forms (flat arrays, bulk strings, integers).
// Lua → Redis (what the script returns), written to the caller's connection in the
// caller's protocol:
//   number → integer (truncated); string → bulk; true → 1 (RESP3 #t when the script
//   used RESP3), false → null (#f); table with err → error, ok → status, double,
//   big_number, verbatim_string, map, set → those; other tables → array of t[1..n]
//   up to the first nil; anything else → null. Nesting past a limit becomes the error
//   "reached lua stack limit" in place, as Redis's stack check does.

import { lua, lauxlib, lstr, pushStr, toBuf, setField, getField } from './lua.js';
import type { Reply, ReplyValue } from '../protocol/resp/writer.js';
import { formatDouble } from '../protocol/resp/numbers.js';

type L = unknown;

/** How deep returned tables may nest before the reply turns into "reached lua stack limit". */
const MAX_REPLY_DEPTH = 1000;

// ---- Redis → Lua ----------------------------------------------------------------------

/** Pushes a command reply as a Lua value, seen through the script's protocol version. */
export function pushReply(L: L, v: ReplyValue, resp: 2 | 3): void {
  lauxlib.luaL_checkstack(L, 4, lstr('reply conversion'));
  switch (v.t) {
    case 'int':
      lua.lua_pushnumber(L, Number(v.v));
      return;
    case 'bulk':
      pushStr(L, v.v);
      return;
    case 'simple':
      lua.lua_newtable(L);
      pushStr(L, v.v);
      setField(L, -2, 'ok');
      return;
    case 'error':
      pushErrorTable(L, '-' + v.v, true);
      return;
    case 'nil':
    case 'nilArray':
      if (resp === 3) lua.lua_pushnil(L);
      else lua.lua_pushboolean(L, false);
      return;
    case 'array':
    case 'push':
      pushArray(L, v.v, resp);
      return;
    case 'set':
      if (resp === 2) return pushArray(L, v.v, resp);
      lua.lua_newtable(L);
      lua.lua_newtable(L);
      for (const m of v.v) {
        pushReply(L, m, resp);
        lua.lua_pushboolean(L, true);
        lua.lua_settable(L, -3);
      }
      setField(L, -2, 'set');
      return;
    case 'map':
      if (resp === 2) return pushArray(L, v.v, resp);
      lua.lua_newtable(L);
      lua.lua_newtable(L);
      for (let i = 0; i + 1 < v.v.length; i += 2) {
        pushReply(L, v.v[i], resp);
        pushReply(L, v.v[i + 1], resp);
        if (lua.lua_isnil(L, -2)) lua.lua_pop(L, 2);
        else lua.lua_settable(L, -3);
      }
      setField(L, -2, 'map');
      return;
    case 'double':
      if (resp === 2) {
        pushStr(L, formatDouble(v.v));
        return;
      }
      lua.lua_newtable(L);
      lua.lua_pushnumber(L, v.v);
      setField(L, -2, 'double');
      return;
    case 'bool':
      if (resp === 2) lua.lua_pushnumber(L, v.v ? 1 : 0);
      else lua.lua_pushboolean(L, v.v);
      return;
    case 'bignum':
      if (resp === 2) {
        pushStr(L, v.v);
        return;
      }
      lua.lua_newtable(L);
      pushStr(L, v.v);
      setField(L, -2, 'big_number');
      return;
    case 'verbatim':
      if (resp === 2) {
        pushStr(L, Buffer.from(v.v, 'utf8'));
        return;
      }
      lua.lua_newtable(L);
      lua.lua_newtable(L);
      pushStr(L, Buffer.from(v.v, 'utf8'));
      setField(L, -2, 'string');
      pushStr(L, v.format);
      setField(L, -2, 'format');
      setField(L, -2, 'verbatim_string');
      return;
  }
}

function pushArray(L: L, items: ReplyValue[], resp: 2 | 3): void {
  lua.lua_createtable(L, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    pushReply(L, items[i], resp);
    lua.lua_rawseti(L, -2, i + 1);
  }
}

/**
 * Pushes an error table {err="CODE message"} as redis.pcall returns it (Redis's
 * luaPushErrorBuff): "-CODE message" keeps its code, any other message gets "ERR ",
 * trailing CR/LF are trimmed. `counted` marks an error already counted in the error
 * stats (it came from a command), so the script's final reply does not count it again.
 */
export function pushErrorTable(L: L, message: string, counted: boolean): void {
  lua.lua_newtable(L);
  pushStr(L, normalizeError(message));
  setField(L, -2, 'err');
  if (counted) {
    lua.lua_pushboolean(L, true);
    setField(L, -2, 'ignore_error_stats_update');
  }
}

export function normalizeError(message: string): string {
  let code = 'ERR';
  let msg = message;
  if (message.startsWith('-')) {
    const sp = message.indexOf(' ');
    if (sp === -1) {
      msg = message.slice(1);
    } else {
      code = message.slice(1, sp);
      msg = message.slice(sp + 1);
    }
  }
  return code + ' ' + msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
}

// ---- Lua → Redis ----------------------------------------------------------------------

/** What the final error of a script says and whether it was already counted. */
export interface LuaErrorInfo {
  message: string;
  counted: boolean;
}

/**
 * Writes the Lua value at idx as a reply. `scriptResp` is the protocol the script
 * selected (booleans follow it); the writer's own protocol decides the encoding.
 * Returns error info when the value was an error table (the caller writes it, so
 * that it can decide about stats), else null.
 */
export function writeLuaValue(L: L, idx: number, reply: Reply, scriptResp: 2 | 3, depth = 0): LuaErrorInfo | null {
  idx = lua.lua_absindex(L, idx);
  if (depth > MAX_REPLY_DEPTH || !lua.lua_checkstack(L, 4)) {
    reply.error('ERR reached lua stack limit');
    return null;
  }
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TSTRING:
      reply.bulk(toBuf(L, idx)!);
      return null;
    case lua.LUA_TBOOLEAN:
      if (scriptResp === 2) {
        if (lua.lua_toboolean(L, idx)) reply.int(1);
        else reply.nil();
      } else {
        reply.bool(lua.lua_toboolean(L, idx));
      }
      return null;
    case lua.LUA_TNUMBER:
      reply.int(toLongLong(lua.lua_tonumber(L, idx)));
      return null;
    case lua.LUA_TTABLE:
      return writeTable(L, idx, reply, scriptResp, depth);
    default:
      reply.nil();
      return null;
  }
}

/** C's (long long) cast of a double, with out-of-range values as x86 gives them. */
function toLongLong(n: number): number | bigint {
  if (!Number.isFinite(n) || n >= 9223372036854775808 || n < -9223372036854775808) return -9223372036854775808n;
  const t = Math.trunc(n);
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

function rawField(L: L, idx: number, name: string): number {
  pushStr(L, name);
  return lua.lua_rawget(L, idx);
}

function writeTable(L: L, idx: number, reply: Reply, scriptResp: 2 | 3, depth: number): LuaErrorInfo | null {
  if (rawField(L, idx, 'err') === lua.LUA_TSTRING) {
    const message = toBuf(L, -1)!.toString('latin1');
    lua.lua_pop(L, 1);
    const counted = rawField(L, idx, 'ignore_error_stats_update') === lua.LUA_TBOOLEAN && lua.lua_toboolean(L, -1);
    lua.lua_pop(L, 1);
    const info = { message, counted: !!counted };
    if (depth > 0) writeError(reply, info);
    return info;
  }
  lua.lua_pop(L, 1);

  if (rawField(L, idx, 'ok') === lua.LUA_TSTRING) {
    reply.simple(toBuf(L, -1)!.toString('latin1').replace(/[\r\n]/g, ' '));
    lua.lua_pop(L, 1);
    return null;
  }
  lua.lua_pop(L, 1);

  if (rawField(L, idx, 'double') === lua.LUA_TNUMBER) {
    reply.double(lua.lua_tonumber(L, -1));
    lua.lua_pop(L, 1);
    return null;
  }
  lua.lua_pop(L, 1);

  if (rawField(L, idx, 'big_number') === lua.LUA_TSTRING) {
    reply.bigNumber(toBuf(L, -1)!.toString('latin1').replace(/[\r\n]/g, ' '));
    lua.lua_pop(L, 1);
    return null;
  }
  lua.lua_pop(L, 1);

  if (rawField(L, idx, 'verbatim_string') === lua.LUA_TTABLE) {
    const v = lua.lua_absindex(L, -1);
    const ft = rawField(L, v, 'format');
    const st = rawField(L, v, 'string');
    if (ft === lua.LUA_TSTRING && st === lua.LUA_TSTRING) {
      const text = toBuf(L, -1)!.toString('utf8');
      const format = toBuf(L, -2)!.toString('latin1').slice(0, 3);
      lua.lua_pop(L, 3);
      reply.verbatim(text, format);
      return null;
    }
    lua.lua_pop(L, 2);
  }
  lua.lua_pop(L, 1);

  if (rawField(L, idx, 'map') === lua.LUA_TTABLE) {
    const m = lua.lua_absindex(L, -1);
    let n = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, m)) {
      n++;
      lua.lua_pop(L, 1);
    }
    reply.map(n);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, m)) {
      writeLuaValue(L, -2, reply, scriptResp, depth + 1);
      writeLuaValue(L, -1, reply, scriptResp, depth + 1);
      lua.lua_pop(L, 1);
    }
    lua.lua_pop(L, 1);
    return null;
  }
  lua.lua_pop(L, 1);

  if (rawField(L, idx, 'set') === lua.LUA_TTABLE) {
    const s = lua.lua_absindex(L, -1);
    let n = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, s)) {
      n++;
      lua.lua_pop(L, 1);
    }
    reply.set(n);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, s)) {
      writeLuaValue(L, -2, reply, scriptResp, depth + 1);
      lua.lua_pop(L, 1);
    }
    lua.lua_pop(L, 1);
    return null;
  }
  lua.lua_pop(L, 1);

  // An array: t[1], t[2] ... up to the first nil.
  let n = 0;
  while (lua.lua_rawgeti(L, idx, n + 1) !== lua.LUA_TNIL) {
    lua.lua_pop(L, 1);
    n++;
  }
  lua.lua_pop(L, 1);
  reply.array(n);
  for (let i = 1; i <= n; i++) {
    lua.lua_rawgeti(L, idx, i);
    writeLuaValue(L, -1, reply, scriptResp, depth + 1);
    lua.lua_pop(L, 1);
  }
  return null;
}

/** Writes a script error reply (an error table's message) to the client. */
export function writeError(reply: Reply, info: LuaErrorInfo): void {
  const line = info.message.startsWith('-') ? info.message.slice(1) : info.message;
  const counter = (reply as unknown as { errors?: unknown }).errors;
  if (info.counted && counter !== undefined) {
    // Already counted when the command failed: write it without counting again.
    (reply as unknown as { errors: unknown }).errors = null;
    try {
      reply.error(line);
    } finally {
      (reply as unknown as { errors: unknown }).errors = counter;
    }
  } else {
    reply.error(line);
  }
}

export { getField };
