// The node-wide scripting state: the EVAL interpreter and its script cache, the
// functions interpreter and its libraries, the run in progress, and what INFO
// reports about them. Created on first use and kept in node.ext.

import { createHash } from 'node:crypto';
import { lua, lauxlib, lstr, latin1, toStr } from './lua.js';
import { LuaVM, LOG_LEVELS } from './vm.js';
import { ScriptRun, type RunHost, type Target } from './run.js';
import { evalShebang, libraryMeta, validName } from './shebang.js';
import { dumpFunctions, parseFunctionDump } from './function-dump.js';
import { CommandError } from '../protocol/resp/errors.js';
import type { Client } from '../server/client.js';
import { ScriptClient } from './script-client.js';
import { infoSections } from '../server/info.js';
import { REDIS_COMPAT_VERSION, VERSION, type ValkeyNode } from '../server/valkey-node.js';

export interface CachedScript {
  body: Buffer;
  target: Target;
}

export interface FunctionInfo {
  name: string;
  description: string | null;
  flags: string[];
  ref: number;
  library: Library;
}

export interface Library {
  name: string;
  /** The whole code as loaded, shebang included (FUNCTION LIST WITHCODE, DUMP). */
  code: Buffer;
  /** By exact name, in registration order. */
  functions: Map<string, FunctionInfo>;
}

/** How long FUNCTION LOAD may run a library's top-level code (Redis's LOAD_TIMEOUT_MS). */
const LOAD_TIMEOUT_MS = 500;

export class ScriptingEngine implements RunHost {
  current: ScriptRun | null = null;
  private evalVm: LuaVM | null = null;
  private functionsVm: LuaVM | null = null;
  /** EVAL script cache by lower-case SHA1. */
  readonly scripts = new Map<string, CachedScript>();
  private scriptBytes = 0;
  /** Function libraries by name, and all their functions by lower-case name. */
  readonly libraries = new Map<string, Library>();
  readonly functions = new Map<string, FunctionInfo>();
  private readonly clients = new Map<LuaVM, Client>();

  constructor(readonly node: ValkeyNode) {
    // A node that shuts down ends the script in progress (as SHUTDOWN NOSAVE does),
    // or a paused infinite script would keep running with nobody to serve.
    node?.shutdownHooks?.push(() => this.current?.abort());
  }

  static of(node: ValkeyNode): ScriptingEngine {
    let e = node.ext.get('scripting') as ScriptingEngine | undefined;
    if (!e) {
      e = new ScriptingEngine(node);
      node.ext.set('scripting', e);
    }
    return e;
  }

  /** The engine if scripting was ever used on this node (INFO must not create one). */
  static peek(node: ValkeyNode): ScriptingEngine | undefined {
    return node.ext.get('scripting') as ScriptingEngine | undefined;
  }

  private newVm(mode: 'eval' | 'function'): LuaVM {
    const node = this.node;
    return new LuaVM({
      mode,
      version: node.engine === 'redis' ? REDIS_COMPAT_VERSION : VERSION,
      log: (level, message) => node.log(LOG_LEVELS[level], message),
    });
  }

  get evalInterpreter(): LuaVM {
    if (!this.evalVm) this.evalVm = this.newVm('eval');
    return this.evalVm;
  }

  get functionsInterpreter(): LuaVM {
    if (!this.functionsVm) this.functionsVm = this.newVm('function');
    return this.functionsVm;
  }

  scriptClient(vm: LuaVM): Client {
    let c = this.clients.get(vm);
    if (!c) {
      c = new ScriptClient();
      this.clients.set(vm, c);
    }
    return c;
  }

  /** Starts a run (replying now or when it ends); `ro` for the *_RO commands. */
  run(ctx: import('../commands/types.js').Ctx, vm: LuaVM, target: Target, keys: Buffer[], args: Buffer[], ro: boolean): void {
    const run = new ScriptRun(this, vm, target, ctx, ro);
    run.start(keys, args);
  }

  // ---- EVAL scripts ----------------------------------------------------------------

  /** Compiles a script into the cache (or finds it there); returns its SHA1. Throws the reply's error. */
  loadScript(body: Buffer): string {
    const sha = createHash('sha1').update(body).digest('hex');
    if (this.scripts.has(sha)) return sha;
    const shebang = evalShebang(body);
    if (typeof shebang === 'string') throw new CommandError('ERR ' + shebang);
    const vm = this.evalInterpreter;
    const L = vm.L;
    const code = body.subarray(shebang.skip);
    if (lauxlib.luaL_loadbufferx(L, code, code.length, lstr('@user_script'), lstr('t')) !== lua.LUA_OK) {
      const msg = compileError(L);
      throw new CommandError(`ERR Error compiling script (new function): ${msg}`);
    }
    const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.scripts.set(sha, { body: Buffer.from(body), target: { kind: 'eval', name: sha, ref, flags: shebang.flags, compat: shebang.compat } });
    this.scriptBytes += body.length;
    return sha;
  }

  /** SCRIPT FLUSH: a fresh interpreter and an empty cache. */
  flushScripts(): void {
    this.scripts.clear();
    this.scriptBytes = 0;
    if (this.evalVm) this.clients.delete(this.evalVm);
    this.evalVm = null;
  }

  // ---- function libraries --------------------------------------------------------------

  /** FUNCTION LOAD: creates (or with replace, replaces) a library; returns its name. Throws the reply's error. */
  loadLibrary(code: Buffer, replace: boolean, timeoutMs = LOAD_TIMEOUT_MS): string {
    const lib = this.createLibrary(code, timeoutMs);
    const old = this.libraries.get(lib.name);
    if (old && !replace) {
      this.dropLibrary(lib);
      throw new CommandError(`ERR Library '${lib.name}' already exists`);
    }
    if (old) this.unlink(old);
    for (const fn of lib.functions.values()) {
      if (this.functions.has(fn.name.toLowerCase())) {
        this.dropLibrary(lib);
        if (old) this.link(old);
        throw new CommandError(`ERR Function ${fn.name} already exists`);
      }
    }
    this.link(lib);
    if (old) this.dropLibrary(old);
    return lib.name;
  }

  /** Compiles and runs a library's code, collecting its functions (not yet visible). */
  private createLibrary(code: Buffer, timeoutMs: number): Library {
    const meta = libraryMeta(code);
    if (typeof meta === 'string') throw new CommandError('ERR ' + meta);
    if (!validName(meta.name)) {
      throw new CommandError('ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long');
    }
    if (meta.engine.toLowerCase() !== 'lua') throw new CommandError(`ERR Engine '${meta.engine}' not found`);
    const vm = this.functionsInterpreter;
    const L = vm.L;
    const lib: Library = { name: meta.name, code: Buffer.from(code), functions: new Map() };
    const body = code.subarray(meta.codeStart);
    if (lauxlib.luaL_loadbufferx(L, body, body.length, lstr('@user_function'), lstr('t')) !== lua.LUA_OK) {
      const msg = compileError(L);
      throw new CommandError(`ERR Error compiling function: ${msg}`);
    }
    vm.loading = {
      register: (name, ref, description, flags) => {
        if (!validName(name)) return 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';
        if (lib.functions.has(name)) return 'Function already exists in the library';
        lib.functions.set(name, { name, description, flags, ref, library: lib });
        return null;
      },
    };
    vm.setLoadMode(true);
    const started = performance.now();
    const hook = (S: unknown): void => {
      if (timeoutMs > 0 && performance.now() - started > timeoutMs) {
        lua.lua_sethook(S, hook, lua.LUA_MASKLINE | lua.LUA_MASKCOUNT, 1);
        lua.lua_newtable(S);
        lua.lua_pushstring(S, lstr('ERR FUNCTION LOAD timeout'));
        lua.lua_setfield(S, -2, lstr('err'));
        lua.lua_error(S);
      }
    };
    lua.lua_sethook(L, hook, lua.LUA_MASKCOUNT, 5000);
    let status: number;
    try {
      status = lua.lua_pcall(L, 0, 0, 0);
    } finally {
      lua.lua_sethook(L, null, 0, 0);
      vm.setLoadMode(false);
      vm.loading = null;
    }
    if (status !== lua.LUA_OK) {
      const msg = errorMessage(L);
      this.dropLibrary(lib);
      throw new CommandError(`ERR Error registering functions: ${msg}`);
    }
    if (lib.functions.size === 0) throw new CommandError('ERR No functions registered');
    return lib;
  }

  private link(lib: Library): void {
    this.libraries.set(lib.name, lib);
    for (const fn of lib.functions.values()) this.functions.set(fn.name.toLowerCase(), fn);
  }

  private unlink(lib: Library): void {
    this.libraries.delete(lib.name);
    for (const fn of lib.functions.values()) this.functions.delete(fn.name.toLowerCase());
  }

  /** Releases a library's compiled functions. */
  private dropLibrary(lib: Library): void {
    const vm = this.functionsVm;
    if (!vm) return;
    for (const fn of lib.functions.values()) vm.unref(fn.ref);
  }

  deleteLibrary(name: string): boolean {
    const lib = this.libraries.get(name);
    if (!lib) return false;
    this.unlink(lib);
    this.dropLibrary(lib);
    return true;
  }

  flushLibraries(): void {
    this.libraries.clear();
    this.functions.clear();
    if (this.functionsVm) this.clients.delete(this.functionsVm);
    this.functionsVm = null;
  }

  dump(): Buffer {
    return dumpFunctions([...this.libraries.values()].map((l) => l.code));
  }

  /** FUNCTION RESTORE with a policy; throws the reply's error and leaves libraries as they were on failure. */
  restore(payload: Buffer, policy: 'append' | 'replace' | 'flush'): void {
    const codes = parseFunctionDump(payload);
    if (typeof codes === 'string') throw new CommandError('ERR ' + codes);
    // Compile everything first, so that a bad payload changes nothing.
    const created: Library[] = [];
    try {
      for (const code of codes) {
        const lib = this.createLibrary(code, 0);
        if (created.some((l) => l.name === lib.name)) {
          this.dropLibrary(lib);
          throw new CommandError(`ERR Library ${lib.name} already exists`);
        }
        created.push(lib);
      }
    } catch (e) {
      for (const l of created) this.dropLibrary(l);
      throw e;
    }
    if (policy === 'flush') {
      for (const l of [...this.libraries.values()]) this.deleteLibrary(l.name);
      for (const l of created) this.link(l);
      return;
    }
    const replaced: Library[] = [];
    const fail = (message: string): never => {
      for (const l of replaced) this.link(l);
      for (const l of created) this.dropLibrary(l);
      throw new CommandError(message);
    };
    for (const lib of created) {
      const old = this.libraries.get(lib.name);
      if (!old) continue;
      if (policy !== 'replace') fail(`ERR Library ${lib.name} already exists`);
      this.unlink(old);
      replaced.push(old);
    }
    for (const lib of created) {
      for (const fn of lib.functions.values()) {
        if (this.functions.has(fn.name.toLowerCase())) fail(`ERR Function ${fn.name} already exists`);
      }
    }
    for (const lib of created) this.link(lib);
    for (const old of replaced) this.dropLibrary(old);
  }

  // ---- INFO ------------------------------------------------------------------------------

  memoryFields(): Record<string, number> {
    let functionBytes = 0;
    for (const l of this.libraries.values()) functionBytes += l.code.length + 200 * l.functions.size;
    const vmEval = 32768 + (this.evalVm ? this.scriptBytes * 2 : 0);
    const vmFunctions = 32768 + functionBytes * 2;
    const scriptsEval = this.scriptBytes + 100 * this.scripts.size;
    return {
      used_memory_lua: vmEval,
      used_memory_vm_eval: vmEval,
      used_memory_scripts_eval: scriptsEval,
      number_of_cached_scripts: this.scripts.size,
      number_of_functions: this.functions.size,
      number_of_libraries: this.libraries.size,
      used_memory_vm_functions: vmFunctions,
      used_memory_vm_total: vmEval + vmFunctions,
      used_memory_functions: functionBytes,
      used_memory_scripts: scriptsEval + functionBytes,
    };
  }
}

/** A syntax error's message, pops it; Lua 5.1 quotes every token ("near '<eof>'"). */
function compileError(L: unknown): string {
  const msg = (toStr(L, -1) ?? '').replace(/ near <eof>$/, " near '<eof>'");
  lua.lua_pop(L, 1);
  return msg;
}

/** The message of a failed pcall's error object: an error table's err, else "ERR <value>". */
function errorMessage(L: unknown): string {
  let msg: string;
  if (lua.lua_istable(L, -1)) {
    lua.lua_getfield(L, -1, lstr('err'));
    msg = lua.lua_isstring(L, -1) ? latin1(lua.lua_tolstring(L, -1)) : 'ERR unknown error';
    lua.lua_pop(L, 1);
  } else {
    msg = 'ERR ' + latin1(lauxlib.luaL_tolstring(L, -1));
    lua.lua_pop(L, 1);
  }
  lua.lua_pop(L, 1);
  return msg;
}

// INFO memory: the scripting fields Redis 7.0 reports, from the engine when there is one.
const baseMemory = infoSections.memory;
const EMPTY_FIELDS = new ScriptingEngine(null as unknown as ValkeyNode).memoryFields();
infoSections.memory = (node) => {
  const fields = baseMemory(node);
  const engine = ScriptingEngine.peek(node);
  const ours = engine ? engine.memoryFields() : EMPTY_FIELDS;
  const out: [string, string | number][] = [];
  let inserted = false;
  for (const [k, v] of fields) {
    if (k in ours) {
      if (!inserted) {
        for (const [ok, ov] of Object.entries(ours)) {
          out.push([ok, ov]);
          if (ok === 'used_memory_lua') out.push(['used_memory_lua_human', humanKb(ov)]);
          if (ok === 'used_memory_vm_total') out.push(['used_memory_vm_total_human', humanKb(ov)]);
          if (ok === 'used_memory_scripts') out.push(['used_memory_scripts_human', humanKb(ov)]);
        }
        inserted = true;
      }
      continue;
    }
    out.push([k, v]);
  }
  return out;
};

function humanKb(n: number): string {
  return n < 1024 ? `${n}B` : `${(n / 1024).toFixed(2)}K`;
}
