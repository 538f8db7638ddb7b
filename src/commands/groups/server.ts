// Server commands: INFO CONFIG COMMAND DBSIZE FLUSHDB FLUSHALL SWAPDB TIME LASTSAVE
// MONITOR SLOWLOG WAIT DEBUG.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import type { Argv } from '../../protocol/resp/argv.js';
import type { CommandFlag, CommandSpec, Ctx, KeySpec } from '../types.js';
import { NO_KEYS } from '../types.js';
import { globMatch } from '../helpers.js';
import { renderInfo } from '../../server/info.js';
import { resolveCommand } from '../dispatch.js';
import type { Reply } from '../../protocol/resp/writer.js';

function info(ctx: Ctx): void {
  const sections: string[] = [];
  for (let i = 1; i < ctx.argv.count; i++) sections.push(ctx.argv.lower(i));
  ctx.reply.verbatim(renderInfo(ctx.node, sections));
}

function configGet(ctx: Ctx): void {
  const patterns: string[] = [];
  for (let i = 2; i < ctx.argv.count; i++) patterns.push(ctx.argv.str(i));
  const pairs = ctx.node.config.match(patterns);
  ctx.reply.map(pairs.length);
  for (const [k, v] of pairs) {
    ctx.reply.bulk(k);
    ctx.reply.bulk(v);
  }
}

function configSet(ctx: Ctx): void {
  const { argv } = ctx;
  if ((argv.count - 2) % 2 !== 0) throw new CommandError(Errors.wrongArity('config|set'));
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.count; i += 2) pairs.push([argv.str(i), argv.str(i + 1)]);
  ctx.node.config.set(pairs);
  ctx.reply.ok();
}

function configResetStat(ctx: Ctx): void {
  ctx.node.stats.reset();
  ctx.store.hits = 0;
  ctx.store.misses = 0;
  ctx.store.expiredKeys = 0;
  ctx.store.evictedKeys = 0;
  ctx.node.slowlog.reset();
  for (const fn of resetStatHooks) fn(ctx);
  ctx.reply.ok();
}

/** Modules with their own statistics (latency histograms) reset them on CONFIG RESETSTAT. */
export const resetStatHooks: ((ctx: Ctx) => void)[] = [];

function configRewrite(_ctx: Ctx): void {
  throw new CommandError('ERR The server is running without a config file');
}

function configHelp(ctx: Ctx): void {
  helpReply(ctx, 'CONFIG', ['GET <pattern>', 'SET <directive> <value>', 'RESETSTAT', 'REWRITE']);
}

export function helpReply(ctx: Ctx, container: string, lines: string[]): void {
  const all = [`${container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, 'HELP', '    Prints this help.'];
  ctx.reply.array(all.length);
  for (const l of all) ctx.reply.simple(l);
}

function dbsize(ctx: Ctx): void {
  ctx.reply.int(ctx.db.size);
}

function flushArgs(ctx: Ctx): void {
  if (ctx.argv.count > 2) throw new CommandError(Errors.syntax);
  if (ctx.argv.count === 2 && !ctx.argv.is(1, 'sync') && !ctx.argv.is(1, 'async')) throw new CommandError(Errors.syntax);
}

function flushdb(ctx: Ctx): void {
  flushArgs(ctx);
  ctx.node.watches.touchDb(ctx.dbIndex, (db, key) => ctx.store.lookupKey(db, key, ctx.now) !== -1);
  ctx.store.flushDb(ctx.dbIndex);
  ctx.store.dirty++;
  ctx.node.tracking.invalidateAll();
  ctx.node.signalAllBlocked();
  ctx.reply.ok();
}

function flushall(ctx: Ctx): void {
  flushArgs(ctx);
  ctx.node.watches.touchDb(-1, (db, key) => ctx.store.lookupKey(db, key, ctx.now) !== -1);
  ctx.store.flushAll();
  ctx.store.dirty++;
  ctx.node.tracking.invalidateAll();
  ctx.node.signalAllBlocked();
  for (const fn of flushHooks) fn(ctx);
  ctx.reply.ok();
}

/** Modules that keep per-key state elsewhere (tracking) clear it on FLUSHALL. */
export const flushHooks: ((ctx: Ctx) => void)[] = [];

function swapdb(ctx: Ctx): void {
  const a = ctx.argv.int(1);
  const b = ctx.argv.int(2);
  if (a === null) throw new CommandError('ERR invalid first DB index');
  if (b === null) throw new CommandError('ERR invalid second DB index');
  const n = ctx.store.dbs.length;
  if (a < 0 || a >= n || b < 0 || b >= n) throw new CommandError(Errors.invalidDbIndex);
  ctx.node.watches.touchDb(Number(a));
  ctx.node.watches.touchDb(Number(b));
  ctx.store.swapDb(Number(a), Number(b));
  ctx.store.dirty++;
  ctx.node.signalAllBlocked();
  ctx.reply.ok();
}

function time(ctx: Ctx): void {
  const us = BigInt(Math.round(performance.timeOrigin * 1000 + performance.now() * 1000));
  ctx.reply.array(2);
  ctx.reply.bulk(String(us / 1000000n));
  ctx.reply.bulk(String(us % 1000000n));
}

function lastsave(ctx: Ctx): void {
  ctx.reply.int(ctx.node.lastSave);
}

function monitor(ctx: Ctx): void {
  if (ctx.client.inMulti) throw new CommandError('ERR MONITOR inside MULTI is not allowed');
  ctx.client.monitor = true;
  ctx.node.monitors.add(ctx.client);
  ctx.reply.ok();
}

function slowlogGet(ctx: Ctx): void {
  let count = 10;
  if (ctx.argv.count === 3) {
    const v = ctx.argv.int(2);
    if (v === null || v < -1) throw new CommandError('ERR count should be greater than or equal to -1');
    count = v === -1 ? Infinity : Number(v);
  }
  const entries = ctx.node.slowlog.entries.slice(0, count);
  const r = ctx.reply;
  r.array(entries.length);
  for (const e of entries) {
    r.array(6);
    r.int(e.id);
    r.int(e.time);
    r.int(e.micros);
    r.array(e.args.length);
    for (const a of e.args) r.bulk(a);
    r.bulk(e.peer);
    r.bulk(e.name);
  }
}

/** WAIT numreplicas timeout: a standalone node has no replicas to wait for. */
function wait(ctx: Ctx): void {
  const timeout = ctx.argv.int(2);
  if (timeout === null) throw new CommandError('ERR timeout is not an integer or out of range');
  if (timeout < 0) throw new CommandError('ERR timeout is negative');
  const waitHook = ctx.node.ext.get('wait') as ((ctx: Ctx) => void) | undefined;
  if (waitHook) return waitHook(ctx);
  ctx.reply.int(0);
}

// ---- COMMAND ------------------------------------------------------------------------

function keySpecOf(spec: CommandSpec): KeySpec {
  return spec.keys;
}

function commandFlags(spec: CommandSpec): string[] {
  const flags: string[] = [...spec.flags];
  if (spec.keys.find && !flags.includes('movablekeys')) flags.push('movablekeys');
  return flags;
}

function writeCommandInfo(ctx: Ctx, spec: CommandSpec): void {
  const r = ctx.reply;
  const ks = keySpecOf(spec);
  r.array(10);
  r.bulk(spec.name);
  r.int(spec.arity);
  const flags = commandFlags(spec);
  r.set(flags.length);
  for (const f of flags) r.simple(f);
  r.int(ks.first);
  r.int(ks.last);
  r.int(ks.step);
  r.set(spec.categories.length);
  for (const c of spec.categories) r.simple('@' + c);
  r.set(0); // tips
  // key specifications
  if (ks.first > 0) {
    r.array(1);
    r.map(4);
    r.bulk('flags');
    const kf = spec.flags.includes('write') ? ['RW', 'UPDATE'] : ['RO', 'ACCESS'];
    r.set(kf.length);
    for (const f of kf) r.simple(f);
    r.bulk('begin_search');
    r.map(2);
    r.bulk('type');
    r.bulk('index');
    r.bulk('spec');
    r.map(1);
    r.bulk('index');
    r.int(ks.first);
    r.bulk('find_keys');
    r.map(2);
    r.bulk('type');
    r.bulk('range');
    r.bulk('spec');
    r.map(3);
    r.bulk('lastkey');
    r.int(ks.last < 0 ? ks.last : ks.last - ks.first);
    r.bulk('keystep');
    r.int(ks.step);
    r.bulk('limit');
    r.int(0);
    r.bulk('notes');
    r.bulk('');
  } else {
    r.array(0);
  }
  const subs = spec.subcommands ?? [];
  r.array(subs.length);
  for (const s of subs) writeCommandInfo(ctx, s);
}

function command(ctx: Ctx): void {
  const all = ctx.node.table.all;
  ctx.reply.array(all.length);
  for (const spec of all) writeCommandInfo(ctx, spec);
}

function commandCount(ctx: Ctx): void {
  ctx.reply.int(ctx.node.table.all.length);
}

function findSpec(ctx: Ctx, name: string): CommandSpec | undefined {
  const lower = name.toLowerCase();
  const bar = lower.indexOf('|');
  if (bar === -1) return ctx.node.table.byName.get(lower);
  return ctx.node.table.subs.get(lower.slice(0, bar))?.get(lower.slice(bar + 1));
}

function commandInfo(ctx: Ctx): void {
  const { argv } = ctx;
  if (argv.count === 2) return command(ctx);
  ctx.reply.array(argv.count - 2);
  for (let i = 2; i < argv.count; i++) {
    const spec = findSpec(ctx, argv.str(i));
    if (spec) writeCommandInfo(ctx, spec);
    else ctx.reply.nilArray();
  }
}

/** One COMMAND DOCS argument: what redis-cli reads to build its hints. */
interface DocArgument {
  name: string;
  type: string;
  token?: string;
  flags: string[];
  arguments?: DocArgument[];
}

const INTEGER_NAMES = new Set(['count', 'offset', 'seconds', 'milliseconds', 'timeout', 'numkeys', 'index', 'start', 'end', 'db']);
const KEY_NAMES = new Set(['key', 'destination', 'source']);

/**
 * Turns a table syntax line ("key [BY pattern] [LIMIT offset count] [ASC | DESC]") into
 * COMMAND DOCS argument maps: UPPER words are tokens, lower words named arguments,
 * [..] optional, a | b one of, "..." repeated. redis-cli asserts this shape.
 */
export function syntaxArguments(syntax: string): DocArgument[] {
  const words = syntax.replace(/\[/g, ' [ ').replace(/\]/g, ' ] ').split(/\s+/).filter((w) => w !== '');
  let at = 0;
  const sequence = (): DocArgument[] => {
    const options: DocArgument[][] = [[]];
    while (at < words.length && words[at] !== ']') {
      const w = words[at++];
      const current = options[options.length - 1];
      if (w === '|') options.push([]);
      else if (w === '...') {
        const last = current[current.length - 1];
        if (last && !last.flags.includes('multiple')) last.flags.push('multiple');
      } else if (w === '[') {
        const inner = sequence();
        at++; // the ']'
        const arg: DocArgument = inner.length === 1 ? inner[0] : { name: inner[0]?.name ?? 'block', type: 'block', flags: [], arguments: inner };
        arg.flags.unshift('optional');
        current.push(arg);
      } else if (/^[A-Z_]+$/.test(w)) {
        const next = words[at];
        if (next !== undefined && /^[a-z][a-z0-9_-]*$/.test(next)) {
          at++;
          current.push({ name: next, type: argumentType(next), token: w, flags: [] });
        } else {
          current.push({ name: w.toLowerCase(), type: 'pure-token', token: w, flags: [] });
        }
      } else {
        current.push({ name: w, type: argumentType(w), flags: [] });
      }
    }
    if (options.length === 1) return options[0];
    return [{ name: options.map((o) => o[0]?.name ?? '').join('-'), type: 'oneof', flags: [], arguments: options.map((o) => (o.length === 1 ? o[0] : { name: o[0]?.name ?? 'block', type: 'block', flags: [], arguments: o })) }];
  };
  return sequence();
}

function argumentType(name: string): string {
  if (KEY_NAMES.has(name)) return 'key';
  if (name === 'pattern') return 'pattern';
  if (INTEGER_NAMES.has(name)) return 'integer';
  return 'string';
}

function writeArguments(r: Reply, args: DocArgument[]): void {
  r.array(args.length);
  for (const a of args) {
    const n = 2 + (a.token ? 1 : 0) + (a.flags.length ? 1 : 0) + (a.arguments ? 1 : 0);
    r.map(n);
    r.bulk('name');
    r.bulk(a.name);
    r.bulk('type');
    r.bulk(a.type);
    if (a.token) {
      r.bulk('token');
      r.bulk(a.token);
    }
    if (a.flags.length) {
      r.bulk('flags');
      r.set(a.flags.length);
      for (const f of a.flags) r.simple(f);
    }
    if (a.arguments) {
      r.bulk('arguments');
      writeArguments(r, a.arguments);
    }
  }
}

function writeDocs(ctx: Ctx, spec: CommandSpec): void {
  const r = ctx.reply;
  const fields: [string, () => void][] = [
    ['summary', () => r.bulk(spec.summary)],
    ['since', () => r.bulk(spec.since)],
    ['group', () => r.bulk(spec.group)],
  ];
  if (spec.complexity) fields.push(['complexity', () => r.bulk(spec.complexity!)]);
  if (spec.syntax) fields.push(['arguments', () => writeArguments(r, syntaxArguments(spec.syntax!))]);
  if (spec.subcommands?.length) {
    fields.push([
      'subcommands',
      () => {
        r.map(spec.subcommands!.length);
        for (const s of spec.subcommands!) {
          r.bulk(s.name);
          writeDocs(ctx, s);
        }
      },
    ]);
  }
  r.map(fields.length);
  for (const [k, write] of fields) {
    r.bulk(k);
    write();
  }
}

function commandDocs(ctx: Ctx): void {
  const { argv } = ctx;
  const specs: CommandSpec[] = [];
  if (argv.count === 2) specs.push(...ctx.node.table.all);
  else {
    for (let i = 2; i < argv.count; i++) {
      const s = findSpec(ctx, argv.str(i));
      if (s) specs.push(s);
    }
  }
  ctx.reply.map(specs.length);
  for (const s of specs) {
    ctx.reply.bulk(s.name);
    writeDocs(ctx, s);
  }
}

function commandList(ctx: Ctx): void {
  const { argv } = ctx;
  let names: string[] = [];
  for (const spec of ctx.node.table.all) {
    names.push(spec.name);
    for (const s of spec.subcommands ?? []) names.push(s.name);
  }
  if (argv.count === 5 && argv.is(2, 'filterby')) {
    const value = argv.str(4);
    if (argv.is(3, 'module')) names = [];
    else if (argv.is(3, 'aclcat')) {
      const cat = value.toLowerCase().replace(/^@/, '');
      names = names.filter((n) => findSpec(ctx, n)?.categories.includes(cat));
    } else if (argv.is(3, 'pattern')) {
      names = names.filter((n) => globMatch(value, n, true));
    } else throw new CommandError(Errors.syntax);
  } else if (argv.count !== 2) {
    throw new CommandError(Errors.syntax);
  }
  ctx.reply.array(names.length);
  for (const n of names) ctx.reply.bulk(n);
}

export { keyPositions } from '../key-positions.js';
import { keyPositions } from '../key-positions.js';

/**
 * Key-spec flags of a command's k-th key, as COMMAND GETKEYSANDFLAGS reports them:
 * RW/RO/OW/RM then the operation (access, update, insert, delete). Commands whose
 * keys differ from the default for their kind are listed here.
 */
const KEY_FLAGS: Record<string, string[][]> = {
  set: [['OW', 'update']],
  mset: [['OW', 'update']],
  msetnx: [['OW', 'insert']],
  setex: [['OW', 'update']],
  psetex: [['OW', 'update']],
  setnx: [['OW', 'insert']],
  getset: [['RW', 'access', 'update']],
  getdel: [['RW', 'access', 'delete']],
  del: [['RM', 'delete']],
  unlink: [['RM', 'delete']],
  lmove: [['RW', 'access', 'delete'], ['RW', 'insert']],
  blmove: [['RW', 'access', 'delete'], ['RW', 'insert']],
  rpoplpush: [['RW', 'access', 'delete'], ['RW', 'insert']],
  brpoplpush: [['RW', 'access', 'delete'], ['RW', 'insert']],
  sort: [['RO', 'access'], ['OW', 'update']],
  rename: [['RW', 'access', 'delete'], ['OW', 'update']],
  renamenx: [['RW', 'access', 'delete'], ['OW', 'insert']],
  copy: [['RO', 'access'], ['OW', 'update']],
};

function keyFlagsAt(spec: CommandSpec, k: number): string[] {
  const table = KEY_FLAGS[spec.name];
  if (table) return table[Math.min(k, table.length - 1)];
  if (spec.flags.includes('write')) return ['RW', 'update'];
  return ['RO', 'access'];
}

function commandGetKeys(ctx: Ctx, withFlags: boolean): void {
  const { argv } = ctx;
  const inner = argv.slice(2);
  const resolved = resolveCommand(ctx.node, inner);
  if (typeof resolved === 'string') throw new CommandError('ERR Invalid command specified');
  const spec = resolved;
  if (spec.keys.first === 0 && !spec.keys.find) throw new CommandError('ERR The command has no key arguments');
  if ((spec.arity > 0 && spec.arity !== inner.count) || inner.count < -spec.arity) {
    throw new CommandError('ERR Invalid number of arguments specified for command');
  }
  const positions = keyPositions(spec, inner);
  ctx.reply.array(positions.length);
  for (let k = 0; k < positions.length; k++) {
    const p = positions[k];
    if (withFlags) {
      ctx.reply.array(2);
      ctx.reply.bulk(inner.str(p));
      const kf = keyFlagsAt(spec, k);
      ctx.reply.set(kf.length);
      for (const f of kf) ctx.reply.simple(f);
    } else {
      ctx.reply.bulk(inner.str(p));
    }
  }
}

// ---- DEBUG ---------------------------------------------------------------------------

function debug(ctx: Ctx): void {
  const { argv, node } = ctx;
  if (!node.enableDebugCommand) {
    throw new CommandError(
      "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
    );
  }
  const sub = argv.lower(1);
  const hook = debugHooks.get(sub);
  if (hook) return hook(ctx);
  switch (sub) {
    case 'sleep': {
      const secs = Number(argv.str(2));
      // performance.now(), not Date.now(): the command must take the full time as timed by
      // the dispatcher, or a 0.2 s sleep shows as 199 ms in LATENCY and SLOWLOG.
      const until = performance.now() + secs * 1000;
      while (performance.now() < until) {
        /* DEBUG SLEEP blocks the server, by design */
      }
      ctx.reply.ok();
      return;
    }
    case 'set-active-expire':
      ctx.store.activeExpire = argv.int(2) !== 0;
      ctx.reply.ok();
      return;
    case 'log':
      node.log('warning', `DEBUG LOG: ${argv.count > 2 ? argv.str(2) : ''}`);
      ctx.reply.ok();
      return;
    case 'jmap':
    case 'quicklist-packed-threshold':
    case 'stringmatch-len':
    case 'set-skip-checksum-validation':
    case 'replybuffer':
    case 'pause-cron':
    case 'dict-resizing':
      ctx.reply.ok();
      return;
    case 'change-repl-id':
      ctx.reply.ok();
      return;
    case 'help':
      helpReply(ctx, 'DEBUG', ['SLEEP <seconds>', 'SET-ACTIVE-EXPIRE <0|1>', 'LOG <message>', 'OBJECT <key>']);
      return;
    default:
      throw new CommandError(`ERR unknown subcommand '${argv.str(1)}'. Try DEBUG HELP.`);
  }
}

/**
 * SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]: stops the node (and, for `cove
 * server`, the process). SAVE writes the dataset first when persistence is built in.
 * A successful shutdown sends no reply: the connection just closes.
 */
function shutdown(ctx: Ctx): void {
  const { argv, node } = ctx;
  let save: boolean | null = null;
  let abort = false;
  for (let i = 1; i < argv.count; i++) {
    if (argv.is(i, 'nosave')) save = false;
    else if (argv.is(i, 'save')) save = true;
    else if (argv.is(i, 'now') || argv.is(i, 'force')) continue;
    else if (argv.is(i, 'abort')) abort = true;
    else throw new CommandError(Errors.syntax);
  }
  if (abort) {
    if (argv.count > 2) throw new CommandError(Errors.syntax);
    throw new CommandError('ERR No shutdown in progress.');
  }
  const saver = node.ext.get('save') as (() => void) | undefined;
  if (save === true && saver) saver();
  node.log('warning', 'User requested shutdown...');
  const hook = node.ext.get('shutdown') as (() => void) | undefined;
  setImmediate(() => (hook ? hook() : void node.close()));
  ctx.client.closeAfterReply = true;
}

/** Other modules add DEBUG subcommands (OBJECT, RELOAD, PROTOCOL, ...). */
export const debugHooks = new Map<string, (ctx: Ctx) => void>();

const s = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  summary: string,
  since: string,
  handler: CommandSpec['handler'],
  categories: string[] = [],
  keys = NO_KEYS,
): CommandSpec => ({ name, arity, flags, keys, categories, group: 'server', summary, since, handler });

/** CLUSTER subcommands with redis-server 7.0's arity and flags (answered as with cluster-enabled no). */
const CLUSTER_SUBCOMMANDS: Record<string, [number, CommandFlag[]]> = {
  addslots: [-3, ['no_async_loading', 'admin', 'stale']],
  addslotsrange: [-4, ['no_async_loading', 'admin', 'stale']],
  bumpepoch: [2, ['no_async_loading', 'admin', 'stale']],
  'count-failure-reports': [3, ['admin', 'stale']],
  countkeysinslot: [3, ['stale']],
  delslots: [-3, ['no_async_loading', 'admin', 'stale']],
  delslotsrange: [-4, ['no_async_loading', 'admin', 'stale']],
  failover: [-2, ['no_async_loading', 'admin', 'stale']],
  flushslots: [2, ['no_async_loading', 'admin', 'stale']],
  forget: [3, ['no_async_loading', 'admin', 'stale']],
  getkeysinslot: [4, ['stale']],
  help: [2, ['loading', 'stale']],
  info: [2, ['stale']],
  keyslot: [3, ['stale']],
  links: [2, ['stale']],
  meet: [-4, ['no_async_loading', 'admin', 'stale']],
  myid: [2, ['stale']],
  nodes: [2, ['stale']],
  replicas: [3, ['admin', 'stale']],
  replicate: [3, ['no_async_loading', 'admin', 'stale']],
  reset: [-2, ['admin', 'stale', 'noscript']],
  saveconfig: [2, ['no_async_loading', 'admin', 'stale']],
  'set-config-epoch': [3, ['no_async_loading', 'admin', 'stale']],
  setslot: [-4, ['no_async_loading', 'admin', 'stale']],
  shards: [2, ['stale']],
  slaves: [3, ['admin', 'stale']],
  slots: [2, ['stale']],
};

export const serverCommands: CommandSpec[] = [
  s('info', -1, ['loading', 'stale', 'sentinel'], 'Returns information and statistics about the server.', '1.0.0', info, ['dangerous']),
  {
    ...s('config', -2, [], 'A container for server configuration commands.', '2.0.0', undefined),
    subcommands: [
      s('config|get', -3, ['admin', 'noscript', 'loading', 'stale'], 'Returns the effective values of configuration parameters.', '2.0.0', configGet),
      s('config|set', -4, ['admin', 'noscript', 'loading', 'stale'], 'Sets configuration parameters in-flight.', '2.0.0', configSet),
      s('config|resetstat', 2, ['admin', 'noscript', 'loading', 'stale'], 'Resets the server\'s statistics.', '2.0.0', configResetStat),
      s('config|rewrite', 2, ['admin', 'noscript', 'loading', 'stale'], 'Persists the effective configuration to file.', '2.8.0', configRewrite),
      s('config|help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands.', '5.0.0', configHelp),
    ],
  },
  {
    ...s('command', -1, ['loading', 'stale'], 'Returns detailed information about all commands.', '2.8.13', command, ['connection']),
    subcommands: [
      s('command|count', 2, ['loading', 'stale'], 'Returns a count of commands.', '2.8.13', commandCount, ['connection']),
      s('command|info', -2, ['loading', 'stale'], 'Returns information about one, multiple or all commands.', '2.8.13', commandInfo, ['connection']),
      s('command|docs', -2, ['loading', 'stale'], 'Returns documentary information about one, multiple or all commands.', '7.0.0', commandDocs, ['connection']),
      s('command|list', -2, ['loading', 'stale'], 'Returns a list of command names.', '7.0.0', commandList, ['connection']),
      s('command|getkeys', -3, ['loading', 'stale'], 'Extracts the key names from an arbitrary command.', '2.8.13', (ctx) => commandGetKeys(ctx, false), ['connection']),
      s('command|getkeysandflags', -3, ['loading', 'stale'], 'Extracts the key names and access flags for an arbitrary command.', '7.0.0', (ctx) => commandGetKeys(ctx, true), ['connection']),
      s('command|help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands.', '5.0.0', (ctx) =>
        helpReply(ctx, 'COMMAND', ['(no subcommand)', 'COUNT', 'DOCS [<command-name> ...]', 'GETKEYS <full-command>', 'GETKEYSANDFLAGS <full-command>', 'INFO [<command-name> ...]', 'LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]']), ['connection']),
    ],
  },
  s('dbsize', 1, ['readonly', 'fast'], 'Returns the number of keys in the database.', '1.0.0', dbsize, ['keyspace']),
  s('flushdb', -1, ['write'], 'Removes all keys from the current database.', '1.0.0', flushdb, ['keyspace', 'dangerous']),
  s('flushall', -1, ['write'], 'Removes all keys from all databases.', '1.0.0', flushall, ['keyspace', 'dangerous']),
  s('swapdb', 3, ['write', 'fast'], 'Swaps two Redis databases.', '4.0.0', swapdb, ['keyspace', 'dangerous']),
  s('time', 1, ['loading', 'stale', 'fast'], 'Returns the server time.', '2.6.0', time),
  s('lastsave', 1, ['loading', 'stale', 'fast'], 'Returns the Unix timestamp of the last successful save to disk.', '1.0.0', lastsave, ['admin', 'dangerous']),
  s('monitor', 1, ['admin', 'noscript', 'loading', 'stale'], 'Listens for all requests received by the server in real-time.', '1.0.0', monitor),
  {
    ...s('slowlog', -2, [], 'A container for slow log commands.', '2.2.12', undefined),
    subcommands: [
      s('slowlog|get', -2, ['admin', 'loading', 'stale'], 'Returns the slow log\'s entries.', '2.2.12', slowlogGet),
      s('slowlog|len', 2, ['admin', 'loading', 'stale'], 'Returns the number of entries in the slow log.', '2.2.12', (ctx) => ctx.reply.int(ctx.node.slowlog.entries.length)),
      s('slowlog|reset', 2, ['admin', 'loading', 'stale'], 'Clears all entries from the slow log.', '2.2.12', (ctx) => {
        ctx.node.slowlog.reset();
        ctx.reply.ok();
      }),
      s('slowlog|help', 2, ['loading', 'stale'], 'Show helpful text about the different subcommands', '6.2.0', (ctx) =>
        helpReply(ctx, 'SLOWLOG', ['GET [<count>]', 'LEN', 'RESET'])),
    ],
  },
  s('wait', 3, ['noscript'], 'Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.', '3.0.0', wait, ['connection']),
  s('debug', -2, ['admin', 'noscript', 'loading', 'stale', 'protected'], 'A container for debugging commands.', '1.0.0', debug),
  {
    ...s('cluster', -2, [], 'A container for Redis Cluster commands.', '3.0.0', undefined),
    // A standalone node answers every CLUSTER subcommand as redis-server does with
    // cluster-enabled no. Cluster mode (hash slots) is not built yet.
    subcommands: Object.entries(CLUSTER_SUBCOMMANDS).map(([sub, [arity, flags]]) =>
      s(`cluster|${sub}`, arity, flags, `CLUSTER ${sub.toUpperCase()} (cluster mode only).`, '3.0.0', () => {
        throw new CommandError('ERR This instance has cluster support disabled');
      }),
    ),
  },
  s('shutdown', -1, ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'sentinel', 'allow_busy'], 'Synchronously saves the database(s) to disk and shuts down the Redis server.', '1.0.0', shutdown),
];
