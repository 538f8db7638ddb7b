// One execution of a script (EVAL) or function (FCALL), from the checks before it
// starts to the reply after it ends.
//
// The script runs as a Lua coroutine. A count hook checks the clock every few
// thousand instructions; once the run is older than busy-reply-threshold it is "timed
// out": the hook yields the coroutine, the handler returns without a reply, the
// caller's connection is held (its pipelined input waits), and the run continues in
// slices from setImmediate. Between slices the event loop serves other clients, who
// get BUSY (the dispatcher refuses everything not flagged allow_busy while
// node.busyReply is set) except SCRIPT KILL / FUNCTION KILL / FUNCTION STATS. A kill
// makes the hook raise an error on every line, so pcall cannot swallow it. While the
// run is paused nothing else touches the dataset: clients blocked on keys the script
// made ready are served only after it ends, and active expiry is held off.
//
// Runs that cannot pause (inside MULTI/EXEC, or with busy-reply-threshold 0) run to
// completion synchronously, as the hook cannot hand control back from there. Code
// that cannot yield at a given moment (inside a metamethod called from JS, a
// table.sort comparator, a coroutine of the script's own) is paused at the next
// point where it can.
//
// Commands the script runs go through node.callNested with a client of the script's
// own (so SELECT inside the script does not move the caller, MONITOR shows "lua",
// ACL rules of the caller's user apply), and their effects are propagated one by one
// by call(): scripts are replicated as their effects.

import { lua, lauxlib, setRunningThread, latin1 } from './lua.js';
import { type LuaVM, type ActiveRun, pushArray, collectArgs } from './vm.js';
import { pushReply, pushErrorTable, writeLuaValue, writeError, type LuaErrorInfo } from './convert.js';
import { Argv } from '../protocol/resp/argv.js';
import { ValueReply, type Reply } from '../protocol/resp/writer.js';
import { CommandError, Errors, errorCode, errorLine } from '../protocol/resp/errors.js';
import { resolveCommand } from '../commands/dispatch.js';
import { Flag, type Ctx, type CommandSpec } from '../commands/types.js';
import type { Client } from '../server/client.js';
import type { ValkeyNode } from '../server/valkey-node.js';
import type { Stats } from '../server/stats.js';

type L = unknown;

/** A compiled script or registered function, ready to run. */
export interface Target {
  kind: 'eval' | 'function';
  /** The SHA1 (EVAL) or the function name (FCALL): what errors and FUNCTION STATS name. */
  name: string;
  /** Registry reference of the Lua function. */
  ref: number;
  /** Flags from the shebang or register_function ('no-writes', 'allow-oom', ...). */
  flags: string[];
  /** An EVAL script without a shebang: no flags declared, checks happen per command. */
  compat: boolean;
}

/** What a run needs from the node-wide scripting state. */
export interface RunHost {
  readonly node: ValkeyNode;
  current: ScriptRun | null;
  /** The client scripts run their commands as (one per interpreter). */
  scriptClient(vm: LuaVM): Client;
}

/** Instructions between two clock checks (Redis uses 100000 for a C interpreter). */
const HOOK_COUNT = 5000;
/** Once timed out, how long a slice runs before the event loop gets a turn. */
const SLICE_MS = 5;

export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';

/** Replies as values, counting error replies the way the client writer would. */
class CountingReply extends ValueReply {
  constructor(
    resp: 2 | 3,
    private readonly stats: Stats,
  ) {
    super(resp);
  }
  override error(message: string): void {
    this.stats.onErrorReply(errorCode(errorLine(message)));
    super.error(message);
  }
}

/**
 * Checks done before a script starts (Redis's scriptPrepareForRun) from its declared
 * flags; throws the error to reply with. Scripts without a shebang skip them.
 */
export function checkBeforeRun(node: ValkeyNode, caller: Client, target: Target, ro: boolean): void {
  if (target.compat) return;
  const f = target.flags;
  if (!f.includes('no-writes')) {
    if (node.isReadOnlyReplica() && !caller.isPrimaryLink) throw new CommandError(Errors.readOnlyReplica);
    if (ro) throw new CommandError('ERR Can not execute a script with write flag using *_ro command.');
    if (!enoughReplicas(node)) throw new CommandError(NO_REPLICAS);
  }
  if (!f.includes('allow-oom') && !f.includes('no-writes') && outOfMemory(node)) {
    throw new CommandError(Errors.oom);
  }
}

const NO_REPLICAS = 'NOREPLICAS Not enough good replicas to write.';

/**
 * min-replicas-to-write: whether enough replicas acknowledged recently (within
 * min-replicas-max-lag seconds). Reads the replication module's replica table when
 * there is one; without it there are no replicas.
 */
function enoughReplicas(node: ValkeyNode): boolean {
  const need = node.config.int('min-replicas-to-write');
  const maxLag = node.config.int('min-replicas-max-lag');
  if (need <= 0 || maxLag <= 0 || node.replicaOf !== null) return true;
  const repl = node.ext.get('replication') as { primary?: { replicas?: Map<unknown, { ackTime?: number }> } } | undefined;
  let good = 0;
  for (const r of repl?.primary?.replicas?.values() ?? []) {
    if ((Date.now() - (r.ackTime ?? 0)) / 1000 <= maxLag) good++;
  }
  return good >= need;
}

function outOfMemory(node: ValkeyNode): boolean {
  return node.store.maxmemory > 0 && !node.store.evictIfNeeded(node.now);
}

export class ScriptRun implements ActiveRun {
  private readonly node: ValkeyNode;
  private readonly client: Client;
  private readonly thread: L;
  private readonly threshold: number;
  /** The command that started the run (FUNCTION STATS shows it). */
  readonly commandLine: string[];
  readonly startedAt = performance.now();
  private readonly snapshot: number;
  private readonly readOnly: boolean;
  private readonly allowOom: boolean;
  private readonly preOom: boolean;
  private resp: 2 | 3 = 2;
  /** A write command ran: the run can no longer be killed. */
  writeDirty = false;
  killed = false;
  timedOut = false;
  /** Paused in slices (the handler returned without replying). */
  private async = false;
  private sliceStart = this.startedAt;
  private hookYielded = false;
  private readonly canPause: boolean;
  /** db\0key entries made ready while paused, served after the run. */
  private stashedReady: string[] = [];
  private savedActiveExpire = true;
  private readonly errorsBefore: number;
  private readonly hook = (S: L): void => this.onHook(S);

  private readonly caller: Client;
  /** KEYS of the run: what a tracking caller is said to have read (see command()). */
  private declaredKeys: Buffer[] = [];
  private readonly reply: Reply;
  private readonly spec: CommandSpec;

  constructor(
    private readonly host: RunHost,
    readonly vm: LuaVM,
    readonly target: Target,
    ctx: Ctx,
    ro: boolean,
  ) {
    const node = host.node;
    const { client: caller, reply, nested, argv } = ctx;
    this.caller = caller;
    this.reply = reply;
    this.spec = ctx.spec;
    this.node = node;
    this.commandLine = argv.strings();
    this.snapshot = node.now;
    this.threshold = node.config.int('busy-reply-threshold');
    this.canPause = !nested && this.threshold > 0 && reply === caller.writer;
    this.readOnly = ro || (!target.compat && target.flags.includes('no-writes'));
    this.allowOom = !target.compat && target.flags.includes('allow-oom');
    this.preOom = outOfMemory(node);
    this.errorsBefore = node.stats.errorReplies;
    this.client = host.scriptClient(vm);
    this.client.db = caller.db;
    this.client.user = caller.user;
    this.client.authenticated = true;
    this.client.writer.resp = 2;
    // A coroutine that returned normally can run the next script; one that failed is dead.
    if (vm.spareThread !== null) {
      this.thread = vm.spareThread;
      vm.spareThread = null;
    } else {
      this.thread = lua.lua_newthread(vm.L);
      lua.lua_pop(vm.L, 1);
    }
  }

  get isEval(): boolean {
    return this.target.kind === 'eval';
  }

  /** Starts the run; it either finishes (replying) before returning, or continues in slices. */
  start(keys: Buffer[], args: Buffer[]): void {
    this.declaredKeys = keys;
    const T = this.thread;
    this.host.current = this;
    let nargs = 0;
    if (this.isEval) {
      this.vm.setGlobalArray('KEYS', keys);
      this.vm.setGlobalArray('ARGV', args);
    } else {
      this.vm.setLoadMode(false);
    }
    lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, this.target.ref);
    if (!this.isEval) {
      pushArray(T, keys);
      pushArray(T, args);
      nargs = 2;
    }
    if (this.threshold > 0) lua.lua_sethook(T, this.hook, lua.LUA_MASKCOUNT, HOOK_COUNT);
    this.step(nargs);
  }

  /** Runs the coroutine until it ends or pauses. */
  private step(nargs: number): void {
    const prevThread = setRunningThread(this.thread);
    const prevRun = this.vm.run;
    this.vm.run = this;
    this.node.now = this.snapshot;
    this.sliceStart = performance.now();
    let status: number;
    try {
      status = lua.lua_resume(this.thread, null, nargs);
    } finally {
      this.vm.run = prevRun;
      setRunningThread(prevThread);
    }
    if (status === lua.LUA_YIELD && this.hookYielded) {
      this.hookYielded = false;
      this.pause();
      return;
    }
    this.finish(status);
  }

  private onHook(S: L): void {
    if (this.killed) {
      // From now on every instruction raises, so pcall in a loop cannot keep the script alive.
      lua.lua_sethook(S, this.hook, lua.LUA_MASKLINE | lua.LUA_MASKCOUNT, 1);
      pushErrorTable(S, 'Script killed by user with SCRIPT KILL...', false);
      lua.lua_error(S);
      return;
    }
    const now = performance.now();
    if (!this.timedOut) {
      if (now - this.startedAt < this.threshold) return;
      this.enterTimedOut(now);
    }
    if (this.canPause && S === this.thread && now - this.sliceStart >= SLICE_MS && lua.lua_isyieldable(S)) {
      this.hookYielded = true;
      lua.lua_yield(S, 0);
    }
  }

  private enterTimedOut(now: number): void {
    this.timedOut = true;
    this.node.log(
      'warning',
      `Slow script detected: still in execution after ${Math.round(now - this.startedAt)} milliseconds. ` +
        `You can try killing the script using the ${this.isEval ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${this.target.name}.`,
    );
    this.node.busyReply = this.isEval ? BUSY_EVAL : BUSY_FUNCTION;
  }

  /** The run yielded: hold the caller and continue after the event loop had a turn. */
  private pause(): void {
    const node = this.node;
    if (!this.async) {
      this.async = true;
      this.savedActiveExpire = node.store.activeExpire;
      // Hold the caller's connection: its later commands wait for the script's reply.
      this.caller.blocked = { kind: 'sleep', keys: [], db: this.caller.db, argv: Argv.of(this.commandLine), spec: this.spec, deadline: 0, onTimeout: () => {} };
    }
    node.store.activeExpire = false;
    // Keys the script made ready are for after the script (Redis serves blocked
    // clients only when it is done).
    for (const k of node.blocking.takeReady()) this.stashedReady.push(k);
    setImmediate(() => this.step(0));
  }

  /** Kill request (SCRIPT KILL / FUNCTION KILL); returns the error to reply with, or null for OK. */
  kill(byEval: boolean): string | null {
    if (this.caller.isPrimaryLink) {
      return 'UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.';
    }
    if (this.writeDirty) {
      return 'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';
    }
    if (byEval && !this.isEval) return BUSY_FUNCTION;
    if (!byEval && this.isEval) return BUSY_EVAL;
    this.killed = true;
    return null;
  }

  /** Ends the run at its next instruction whatever it did (the node is shutting down). */
  abort(): void {
    this.killed = true;
  }

  // ---- the end of a run ----------------------------------------------------------------

  private finish(status: number): void {
    const T = this.thread;
    const node = this.node;
    lua.lua_sethook(T, null, 0, 0);
    // After an error the thread's frame is left as it was (for the position lookup);
    // make room to work on it.
    lua.lua_checkstack(T, 10);
    const reply = this.async ? this.caller.writer : this.reply;
    let failed = false;
    try {
      if (status === lua.LUA_OK) {
        if (lua.lua_gettop(T) === 0) lua.lua_pushnil(T);
        const err = writeLuaValue(T, 1, reply, this.resp);
        if (err) {
          writeError(reply, err);
          failed = true;
        }
      } else {
        writeError(reply, this.errorInfo(status));
        failed = true;
      }
    } catch (e) {
      node.log('warning', `internal error finishing a script: ${(e as Error).stack ?? e}`);
      reply.error('ERR internal error running the script');
      failed = true;
    }
    if (status === lua.LUA_OK) {
      lua.lua_settop(T, 0);
      this.vm.spareThread = T;
    }
    this.host.current = null;
    if (node.busyReply === BUSY_EVAL || node.busyReply === BUSY_FUNCTION) node.busyReply = null;
    this.fixCommandStats(failed);
    if (this.async) this.release();
  }

  /**
   * The error reply for a failed run: the message, then where the script was when it
   * failed ("script: <name>, on @user_script:3."), as Redis's error handler reports it.
   */
  private errorInfo(status: number): LuaErrorInfo {
    const T = this.thread;
    let message: string;
    let counted = false;
    if (status === lua.LUA_YIELD) {
      message = 'ERR attempt to yield from outside a coroutine';
    } else if (lua.lua_type(T, -1) === lua.LUA_TTABLE) {
      lua.lua_pushstring(T, 'err');
      lua.lua_rawget(T, -2);
      message = lua.lua_isstring(T, -1) ? latin1(lua.lua_tolstring(T, -1)) : 'ERR unknown error';
      lua.lua_pop(T, 1);
      lua.lua_pushstring(T, 'ignore_error_stats_update');
      lua.lua_rawget(T, -2);
      counted = lua.lua_toboolean(T, -1);
      lua.lua_pop(T, 1);
    } else {
      message = 'ERR ' + latin1(lauxlib.luaL_tolstring(T, -1));
      lua.lua_pop(T, 1);
    }
    const where = this.errorPosition();
    if (where) message += ` script: ${this.target.name}, on ${where}.`;
    return { message, counted };
  }

  /** source:line of the Lua code that was running when the error was raised. */
  private errorPosition(): string | null {
    const T = this.thread;
    const ar = new lua.lua_Debug();
    for (let level = 0; level < 2; level++) {
      if (!lua.lua_getstack(T, level, ar)) return null;
      lua.lua_getinfo(T, 'Sl', ar);
      const what = ar.what ? latin1(ar.what) : '';
      if ((what === 'C' || what === 'J') && level === 0) continue;
      if (!ar.source || !(ar.currentline > 0)) return null;
      return `${latin1(ar.source)}:${ar.currentline}`;
    }
    return null;
  }

  /**
   * Redis counts a script as failed only when its own reply is an error: errors of the
   * commands it ran (already counted for those commands) do not fail it. The
   * dispatcher judges by the error counter, so correct its verdict afterwards.
   */
  private fixCommandStats(failed: boolean): void {
    const stats = this.node.stats;
    const name = this.commandLine[0]?.toLowerCase() ?? '';
    if (this.async) {
      if (failed) {
        const c = stats.commands.get(name);
        if (c) c.failed++;
      }
      return;
    }
    if (!failed && stats.errorReplies !== this.errorsBefore) {
      queueMicrotask(() => {
        const c = stats.commands.get(name);
        if (c && c.failed > 0) c.failed--;
      });
    }
  }

  /** After a paused run: release the caller, serve what waited, continue its input. */
  private release(): void {
    const node = this.node;
    node.store.activeExpire = this.savedActiveExpire;
    this.caller.blocked = null;
    for (const k of this.stashedReady) {
      const sep = k.indexOf('\0');
      node.blocking.signal(Number(k.slice(0, sep)), k.slice(sep + 1));
    }
    this.stashedReady = [];
    node.tick();
    node.afterCommand();
    if (this.caller.closed) return;
    const resume = (node as unknown as { resumeClient?: (c: Client) => void }).resumeClient;
    if (typeof resume === 'function') {
      resume.call(node, this.caller);
    } else {
      node.wake(this.caller);
      this.caller.parser.resume();
      this.caller.flush();
    }
  }

  // ---- ActiveRun: what the redis API calls -------------------------------------------------

  setResp(resp: 2 | 3): void {
    this.resp = resp;
    this.client.writer.resp = resp;
  }

  setRepl(_flags: number): void {
    // Effects are propagated by each command as it runs; selective replication is not
    // supported (every write reaches replicas).
  }

  aclCheck(args: Buffer[]): boolean | null {
    const argv = Argv.of(args);
    const spec = resolveCommand(this.node, argv);
    if (typeof spec === 'string') return null;
    return this.node.acl.dryRun(this.node.acl.users.get(this.caller.user)!, spec, argv) === null;
  }

  command(L: L, raise: boolean): number {
    const args = collectArgs(L);
    if (typeof args === 'string') {
      pushErrorTable(L, args, false);
      return raise ? lua.lua_error(L) : 1;
    }
    const argv = Argv.of(args);
    const node = this.node;
    const checked = this.checkCommand(argv);
    if (typeof checked === 'string') {
      // Refused before running: counted as an error and a rejected call, like Redis.
      const line = errorLine(checked);
      node.stats.onErrorReply(errorCode(line));
      const spec = resolveCommand(node, argv);
      if (typeof spec !== 'string') node.stats.rejected(spec);
      pushErrorTable(L, '-' + line, true);
      return raise ? lua.lua_error(L) : 1;
    }
    const spec = checked;
    if (spec.bits! & Flag.write) this.writeDirty = true;
    const reply = new CountingReply(this.resp, node.stats);
    node.callNested(this.client, argv, spec, reply);
    // Client-side caching: a script that reads makes its tracking caller remember the
    // keys it declared (not the ones the script touched), as Redis 7.0 does.
    if (spec.bits! & Flag.readonly && this.caller.tracking && this.declaredKeys.length > 0) {
      node.tracking.remember(this.caller, this.declaredKeys.map((k) => k.toString('latin1')));
    }
    const v = reply.values[0] ?? { t: 'nil' as const };
    pushReply(L, v, this.resp);
    if (raise && v.t === 'error') return lua.lua_error(L);
    return 1;
  }

  /** Redis's scriptCall checks, in its order; the spec to run or the error message. */
  private checkCommand(argv: Argv): CommandSpec | string {
    const node = this.node;
    const resolved = resolveCommand(node, argv);
    if (typeof resolved === 'string') {
      return resolved.startsWith('ERR wrong number') ? 'ERR Wrong number of args calling Redis command from script' : 'ERR Unknown Redis command called from script';
    }
    const spec = resolved;
    if ((spec.arity > 0 && spec.arity !== argv.count) || argv.count < -spec.arity) {
      return 'ERR Wrong number of args calling Redis command from script';
    }
    const bits = spec.bits!;
    if (bits & Flag.noscript) return 'ERR This Redis command is not allowed from script';
    const aclError = node.acl.check(this.client, spec, argv, 'lua');
    if (aclError) {
      if (aclError.includes('keys')) return 'ERR The user executing the script can\'t access at least one of the keys mentioned in the command';
      if (aclError.includes('channels')) return 'ERR The user executing the script can\'t publish to the channel mentioned in the command';
      return 'ERR The user executing the script can\'t run this command or subcommand';
    }
    if (this.readOnly && bits & (Flag.write | Flag.mayReplicate)) return 'ERR Write commands are not allowed from read-only scripts.';
    if (bits & Flag.write && !this.writeDirty) {
      if (node.isReadOnlyReplica() && !this.caller.isPrimaryLink) return Errors.readOnlyReplica;
      if (!enoughReplicas(node)) return NO_REPLICAS;
    }
    if (!this.allowOom && node.store.maxmemory > 0 && !this.writeDirty && this.preOom && bits & Flag.denyoom && !this.caller.isPrimaryLink) {
      return Errors.oom;
    }
    return spec;
  }
}

/** Parses numkeys at argument 2 and splits keys and arguments; throws the reply's error. */
export function splitKeys(ctx: Ctx, badNumkeys: string): { keys: Buffer[]; args: Buffer[] } {
  const { argv } = ctx;
  const n = argv.int(2);
  if (n === null) throw new CommandError(badNumkeys);
  if (n > argv.count - 3) throw new CommandError('ERR Number of keys can\'t be greater than number of args');
  if (n < 0) throw new CommandError('ERR Number of keys can\'t be negative');
  const keys: Buffer[] = [];
  const args: Buffer[] = [];
  for (let i = 3; i < argv.count; i++) (i < 3 + Number(n) ? keys : args).push(argv.copy(i));
  return { keys, args };
}
