// One Lua interpreter set up as Redis sets up its own: the libraries scripts may use
// (base, table, string, math, coroutine, cjson, struct, cmsgpack, bit; no io, os,
// debug, package), the `redis` API table, and globals protection: reading an
// undefined global raises "Script attempted to access nonexistent global variable",
// and the globals and every table reachable from them are read-only.
//
// A node has two: one for EVAL (scripts are compiled chunks kept in the registry,
// KEYS and ARGV are globals) and one for functions, whose library code runs with a
// globals table of its own whose fallback is switched between a load-time API (only
// redis.register_function, redis.log and the version fields) and the full run-time
// globals, as Redis's function_lua.c does.

import { lua, lauxlib, lualib, lstr, latin1, pushStr, toStr, toBuf, setField, getField, setFuncs, raise, raiseWhere, setReadonly, isReadonly } from './lua.js';
import { installCompat51, Lrand48 } from './lib-compat51.js';
import { openBit } from './lib-bit.js';
import { openCjson } from './lib-cjson.js';
import { openStruct } from './lib-struct.js';
import { openCmsgpack } from './lib-cmsgpack.js';
import { pushErrorTable } from './convert.js';
import { createHash } from 'node:crypto';

type L = unknown;

/** What the `redis` API needs from the script run in progress. */
export interface ActiveRun {
  /** redis.call (raise = true) / redis.pcall: runs the command whose arguments are on the stack. */
  command(L: L, raise: boolean): number;
  setResp(resp: 2 | 3): void;
  setRepl(flags: number): void;
  /** redis.acl_check_cmd: may the caller's user run this command line? null = no such command. */
  aclCheck(args: Buffer[]): boolean | null;
}

/** What redis.register_function needs while a library loads. */
export interface LibraryLoad {
  register(name: string, ref: number, description: string | null, flags: string[]): string | null;
}

export interface VmOptions {
  mode: 'eval' | 'function';
  /** REDIS_VERSION / REDIS_VERSION_NUM as scripts see them. */
  version: string;
  log: (level: number, message: string) => void;
}

export const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;

/** The known script flags, in the order FUNCTION LIST reports them. */
export const SCRIPT_FLAGS = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'];

const REPL_AOF = 1;
const REPL_REPLICA = 2;

export class LuaVM {
  readonly L: L;
  readonly mode: 'eval' | 'function';
  readonly random = new Lrand48();
  /** The script run in progress (set by the runner), or null. */
  run: ActiveRun | null = null;
  /** A finished coroutine the next run can reuse (creating one costs a stack). */
  spareThread: unknown = null;
  /** The library being loaded by FUNCTION LOAD, or null. */
  loading: LibraryLoad | null = null;
  /** Registry refs of the run-time globals and of the load-time API (function mode). */
  private globalsRef = 0;
  private libraryApiRef = 0;
  private proxyRef = 0;

  constructor(readonly opts: VmOptions) {
    this.mode = opts.mode;
    const L = lauxlib.luaL_newstate();
    this.L = L;
    // A JS exception inside a library function becomes a Lua error, not a crash.
    lua.lua_atnativeerror(L, (S: L) => {
      const e = lua.lua_touserdata(S, -1) as Error;
      pushStr(S, `internal error: ${e && e.message ? e.message : String(e)}`);
      lua.lua_remove(S, -2);
      return 1;
    });
    for (const [name, open] of [
      ['_G', lualib.luaopen_base],
      ['table', lualib.luaopen_table],
      ['string', lualib.luaopen_string],
      ['math', lualib.luaopen_math],
      ['coroutine', lualib.luaopen_coroutine],
    ] as const) {
      lauxlib.luaL_requiref(L, lstr(name), open, 1);
      lua.lua_pop(L, 1);
    }
    installCompat51(L, this.random);
    openCjson(L);
    openStruct(L);
    openCmsgpack(L);
    openBit(L);
    this.installPcall();
    this.installRedisApi();
    // The package library's bookkeeping is not for scripts.
    lua.lua_pushnil(L);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lstr('_LOADED'));

    // The metatable all strings share is reachable without globals ("":upper()):
    // protect it too, so that no script can change string methods for the next one.
    pushStr(L, '');
    lua.lua_getmetatable(L, -1);
    protectRecursively(L, new Set());
    lua.lua_pop(L, 2);

    lua.lua_pushglobaltable(L);
    this.setErrorMetatable();
    protectRecursively(L, new Set());
    if (this.mode === 'function') this.setupFunctionGlobals();
    else lua.lua_pop(L, 1);
  }

  // ---- the redis table -----------------------------------------------------------

  private installRedisApi(): void {
    const L = this.L;
    lua.lua_newtable(L);
    setFuncs(L, {
      call: (S) => this.requireRun(S, 'redis.call/pcall').command(S, true),
      pcall: (S) => this.requireRun(S, 'redis.call/pcall').command(S, false),
      setresp: (S) => this.setresp(S),
      sha1hex: (S) => sha1hex(S),
      error_reply: (S) => errorReply(S),
      status_reply: (S) => statusReply(S),
      set_repl: (S) => this.setRepl(S),
      replicate_commands: (S) => {
        lua.lua_pushboolean(S, true);
        return 1;
      },
      acl_check_cmd: (S) => this.aclCheckCmd(S),
    });
    this.registerLogAndVersion();
    for (const [name, v] of [
      ['REPL_NONE', 0],
      ['REPL_AOF', REPL_AOF],
      ['REPL_SLAVE', REPL_REPLICA],
      ['REPL_REPLICA', REPL_REPLICA],
      ['REPL_ALL', REPL_AOF | REPL_REPLICA],
    ] as const) {
      lua.lua_pushnumber(L, v);
      setField(L, -2, name);
    }
    if (this.mode === 'eval') {
      setFuncs(L, {
        breakpoint: (S) => {
          lua.lua_pushboolean(S, false);
          return 1;
        },
        debug: () => 0,
      });
    }
    lua.lua_setglobal(L, lstr('redis'));
  }

  /** redis.log and LOG_* plus REDIS_VERSION / REDIS_VERSION_NUM, into the table on top. */
  private registerLogAndVersion(): void {
    const L = this.L;
    setFuncs(L, { log: (S) => this.log(S) });
    LOG_LEVELS.forEach((name, i) => {
      lua.lua_pushnumber(L, i);
      setField(L, -2, 'LOG_' + name.toUpperCase());
    });
    const [maj, min, patch] = this.opts.version.split('.').map(Number);
    lua.lua_pushnumber(L, (maj << 16) | (min << 8) | patch);
    setField(L, -2, 'REDIS_VERSION_NUM');
    pushStr(L, this.opts.version);
    setField(L, -2, 'REDIS_VERSION');
  }

  private requireRun(L: L, what: string): ActiveRun {
    if (!this.run) {
      pushErrorTable(L, `${what} can only be called inside a script invocation`, false);
      lua.lua_error(L);
    }
    return this.run!;
  }

  private setresp(L: L): number {
    const run = this.requireRun(L, 'redis.setresp');
    if (lua.lua_gettop(L) !== 1) return raiseTable(L, 'redis.setresp() requires one argument.');
    const resp = Math.trunc(lua.lua_tonumber(L, 1));
    if (resp !== 2 && resp !== 3) return raiseTable(L, 'RESP version must be 2 or 3.');
    run.setResp(resp);
    return 0;
  }

  private setRepl(L: L): number {
    const run = this.requireRun(L, 'redis.set_repl');
    if (lua.lua_gettop(L) !== 1) return raiseTable(L, 'redis.set_repl() requires two arguments.');
    const flags = Math.trunc(lua.lua_tonumber(L, -1));
    if ((flags & ~(REPL_AOF | REPL_REPLICA)) !== 0) {
      return raiseTable(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
    }
    run.setRepl(flags);
    return 0;
  }

  private aclCheckCmd(L: L): number {
    const run = this.requireRun(L, 'redis.acl_check_cmd');
    const args = collectArgs(L);
    if (typeof args === 'string') return raiseTable(L, args);
    const ok = run.aclCheck(args);
    if (ok === null) return raiseTable(L, 'Invalid command passed to redis.acl_check_cmd()');
    lua.lua_pushboolean(L, ok);
    return 1;
  }

  private log(L: L): number {
    const argc = lua.lua_gettop(L);
    if (argc < 2) return raiseTable(L, 'redis.log() requires two arguments or more.');
    if (!lua.lua_isnumber(L, 1)) return raiseTable(L, 'First argument must be a number (log level).');
    const level = Math.trunc(lua.lua_tonumber(L, 1));
    if (level < 0 || level > 3) return raiseTable(L, 'Invalid debug level.');
    const parts: string[] = [];
    for (let i = 2; i <= argc; i++) {
      const s = toStr(L, i);
      if (s !== null) parts.push(s);
    }
    this.opts.log(level, parts.join(' '));
    return 0;
  }

  /**
   * pcall that turns an error table into its message (Redis 7 raises tables from
   * redis.call; pcall users expect strings). Uses a continuation so that a script
   * can still be paused (yielded) inside it.
   */
  private installPcall(): void {
    const L = this.L;
    const finish = (S: L, status: number): number => {
      if (status !== lua.LUA_OK && status !== lua.LUA_YIELD) {
        if (lua.lua_istable(S, -1)) {
          getField(S, -1, 'err');
          if (lua.lua_isstring(S, -1)) lua.lua_replace(S, -2);
          else lua.lua_pop(S, 1);
        }
        lua.lua_pushboolean(S, false);
        lua.lua_insert(S, -2);
        return 2;
      }
      return lua.lua_gettop(S);
    };
    lua.lua_pushcfunction(L, (S: L) => {
      lauxlib.luaL_checkany(S, 1);
      lua.lua_pushboolean(S, true);
      lua.lua_insert(S, 1);
      const status = lua.lua_pcallk(S, lua.lua_gettop(S) - 2, lua.LUA_MULTRET, 0, 0, finish);
      return finish(S, status);
    });
    lua.lua_setglobal(L, lstr('pcall'));
  }

  /** Gives the table on top a metatable whose __index raises the nonexistent-global error. */
  private setErrorMetatable(): void {
    const L = this.L;
    lua.lua_newtable(L);
    lua.lua_pushcfunction(L, (S: L) => raiseWhere(S, `Script attempted to access nonexistent global variable '${toStr(S, 2) ?? '?'}'`));
    setField(L, -2, '__index');
    lua.lua_setmetatable(L, -2);
  }

  // ---- function mode: separate load-time and run-time globals -------------------------

  private setupFunctionGlobals(): void {
    const L = this.L;
    // Stack: real globals (protected).
    this.globalsRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);

    // The load-time API: a globals table with only `redis` = {register_function, log, ...}.
    lua.lua_newtable(L);
    lua.lua_newtable(L);
    setFuncs(L, { register_function: (S) => this.registerFunction(S) });
    this.registerLogAndVersion();
    this.setErrorMetatable();
    setField(L, -2, 'redis');
    this.setErrorMetatable();
    protectRecursively(L, new Set());
    this.libraryApiRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);

    // The globals library code sees: empty and read-only, falling back to one of the two.
    lua.lua_newtable(L);
    lua.lua_newtable(L);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.globalsRef);
    setField(L, -2, '__index');
    setReadonly(L, -1, true);
    lua.lua_setmetatable(L, -2);
    setReadonly(L, -1, true);
    lua.lua_pushvalue(L, -1);
    this.proxyRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
  }

  /** Switches what library code's undefined globals resolve to: the load API or the run-time globals. */
  setLoadMode(loading: boolean): void {
    const L = this.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.proxyRef);
    lua.lua_getmetatable(L, -1);
    setReadonly(L, -1, false);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, loading ? this.libraryApiRef : this.globalsRef);
    setField(L, -2, '__index');
    setReadonly(L, -1, true);
    lua.lua_pop(L, 2);
  }

  private registerFunction(L: L): number {
    const load = this.loading;
    if (!load) return raiseTable(L, 'redis.register_function can only be called on FUNCTION LOAD command');
    const argc = lua.lua_gettop(L);
    if (argc < 1 || argc > 2) return raiseTable(L, 'wrong number of arguments to redis.register_function');
    let name: string | null = null;
    let description: string | null = null;
    let ref = 0;
    const flags: string[] = [];
    if (argc === 1) {
      if (!lua.lua_istable(L, 1)) {
        return raiseTable(L, 'calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
      }
      let error: string | null = null;
      lua.lua_pushnil(L);
      while (!error && lua.lua_next(L, 1)) {
        if (!lua.lua_isstring(L, -2)) {
          error = 'named argument key given to redis.register_function is not a string';
          break;
        }
        const key = (toStr(L, -2) ?? '').toLowerCase();
        if (key === 'function_name') {
          name = lua.lua_isstring(L, -1) ? toStr(L, -1) : null;
          if (name === null) error = 'function_name argument given to redis.register_function must be a string';
        } else if (key === 'description') {
          description = lua.lua_isstring(L, -1) ? toStr(L, -1) : null;
          if (description === null) error = 'description argument given to redis.register_function must be a string';
        } else if (key === 'callback') {
          if (!lua.lua_isfunction(L, -1)) error = 'callback argument given to redis.register_function must be a function';
          else {
            if (ref) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
            lua.lua_pushvalue(L, -1);
            ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
          }
        } else if (key === 'flags') {
          if (!lua.lua_istable(L, -1)) error = 'flags argument to redis.register_function must be a table representing function flags';
          else if (!readFlags(L, flags)) error = 'unknown flag given';
        } else {
          error = 'unknown argument given to redis.register_function';
        }
        lua.lua_pop(L, 1);
      }
      if (!error && name === null) error = 'redis.register_function must get a function name argument';
      if (!error && !ref) error = 'redis.register_function must get a callback argument';
      if (error) {
        if (ref) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
        return raiseTable(L, error);
      }
    } else {
      name = lua.lua_isstring(L, 1) ? toStr(L, 1) : null;
      if (name === null) return raiseTable(L, 'first argument to redis.register_function must be a string');
      if (!lua.lua_isfunction(L, 2)) return raiseTable(L, 'second argument to redis.register_function must be a function');
      lua.lua_pushvalue(L, 2);
      ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    }
    const err = load.register(name!, ref, description, flags);
    if (err) {
      lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
      return raiseTable(L, err);
    }
    return 0;
  }

  /** Drops a registry reference (a compiled script or a registered function). */
  unref(ref: number): void {
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
  }

  /** Sets KEYS or ARGV as a global of the eval interpreter (globals are read-only otherwise). */
  setGlobalArray(name: 'KEYS' | 'ARGV', items: Buffer[]): void {
    const L = this.L;
    lua.lua_pushglobaltable(L);
    setReadonly(L, -1, false);
    pushArray(L, items);
    setField(L, -2, name);
    setReadonly(L, -1, true);
    lua.lua_pop(L, 1);
  }
}

export function pushArray(L: L, items: Buffer[]): void {
  lua.lua_createtable(L, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    pushStr(L, items[i]);
    lua.lua_rawseti(L, -2, i + 1);
  }
}

/** Reads a flags table ({'no-writes', ...}); false on an unknown or non-string flag. */
function readFlags(L: L, out: string[]): boolean {
  const t = lua.lua_absindex(L, -1);
  for (let i = 1; ; i++) {
    lua.lua_pushnumber(L, i);
    lua.lua_gettable(L, t);
    if (lua.lua_isnil(L, -1)) {
      lua.lua_pop(L, 1);
      return true;
    }
    const f = lua.lua_type(L, -1) === lua.LUA_TSTRING || lua.lua_type(L, -1) === lua.LUA_TNUMBER ? toStr(L, -1) : null;
    lua.lua_pop(L, 1);
    const known = f === null ? undefined : SCRIPT_FLAGS.find((k) => k === f.toLowerCase());
    if (!known) return false;
    if (!out.includes(known)) out.push(known);
  }
}

/** Raises an error table {err="ERR message"}, the way Redis API functions fail. */
export function raiseTable(L: L, message: string): never {
  pushErrorTable(L, message, false);
  lua.lua_error(L);
  throw new Error('unreachable');
}

/** Marks the table on top and everything reachable from it (values and metatables) read-only. */
function protectRecursively(L: L, seen: Set<unknown>): void {
  const t = lua.lua_topointer(L, -1);
  if (seen.has(t) || isReadonly(L, -1)) return;
  seen.add(t);
  lauxlib.luaL_checkstack(L, 3, lstr('protect'));
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    if (lua.lua_istable(L, -1)) protectRecursively(L, seen);
    lua.lua_pop(L, 1);
  }
  if (lua.lua_getmetatable(L, -1)) {
    protectRecursively(L, seen);
    lua.lua_pop(L, 1);
  }
  setReadonly(L, -1, true);
}

/**
 * The arguments on the stack as command arguments (numbers as "%.17g"), or the error
 * message when there are none or one is neither a string nor a number.
 */
export function collectArgs(L: L): Buffer[] | string {
  const argc = lua.lua_gettop(L);
  if (argc === 0) return 'Please specify at least one argument for this redis lib call';
  const out: Buffer[] = [];
  for (let i = 1; i <= argc; i++) {
    const t = lua.lua_type(L, i);
    if (t === lua.LUA_TNUMBER) out.push(Buffer.from(formatArgNumber(lua.lua_tonumber(L, i)), 'latin1'));
    else if (t === lua.LUA_TSTRING) out.push(Buffer.from(toBuf(L, i)!));
    else return 'Lua redis lib command arguments must be strings or integers';
  }
  lua.lua_settop(L, 0);
  return out;
}

/** A number argument as Redis passes it to commands: printf("%.17g"). */
function formatArgNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e17) return String(n);
  return formatG17(n);
}

function formatG17(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const exp = n.toExponential(16);
  const e = Number(exp.slice(exp.indexOf('e') + 1));
  if (e < -4 || e >= 17) {
    let mant = exp.slice(0, exp.indexOf('e'));
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    return mant + 'e' + (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(2, '0');
  }
  let out = n.toFixed(Math.max(0, 16 - e));
  if (out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
  return out;
}

function sha1hex(L: L): number {
  if (lua.lua_gettop(L) !== 1) return raiseTable(L, 'wrong number of arguments');
  const b = toBuf(L, 1) ?? Buffer.alloc(0);
  pushStr(L, createHash('sha1').update(b).digest('hex'));
  return 1;
}

function errorReply(L: L): number {
  if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
    pushErrorTable(L, 'wrong number or type of arguments', false);
    return 1;
  }
  const s = latin1(lua.lua_tolstring(L, -1));
  pushErrorTable(L, s.startsWith('-') ? s : '-' + s, false);
  return 1;
}

function statusReply(L: L): number {
  if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
    pushErrorTable(L, 'wrong number or type of arguments', false);
    return 1;
  }
  lua.lua_newtable(L);
  lua.lua_pushvalue(L, -2);
  setField(L, -2, 'ok');
  return 1;
}

export { raise };
