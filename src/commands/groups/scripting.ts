// Lua scripting: EVAL EVALSHA EVAL_RO EVALSHA_RO and SCRIPT (LOAD EXISTS FLUSH KILL
// DEBUG HELP). The interpreter, the redis.* API and the run machinery are in
// src/scripting/; this file parses the commands and replies.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import type { Argv } from '../../protocol/resp/argv.js';
import type { CommandSpec, Ctx, KeySpec } from '../types.js';
import { NO_KEYS } from '../types.js';
import { helpReply } from './server.js';
import { ScriptingEngine } from '../../scripting/engine.js';
import { checkBeforeRun, splitKeys } from '../../scripting/run.js';

/** Keys of EVAL-like commands: numkeys at argument 2, then that many keys. */
export const NUMKEYS_KEYS: KeySpec = {
  first: 0,
  last: 0,
  step: 0,
  find: (argv: Argv): number[] => {
    if (argv.count < 3) return [];
    const n = argv.int(2);
    if (n === null || n < 0 || Number(n) > argv.count - 3) return [];
    const out: number[] = [];
    for (let i = 0; i < Number(n); i++) out.push(3 + i);
    return out;
  },
};

function evalGeneric(ctx: Ctx, bySha: boolean, ro: boolean): void {
  // EVAL is skip_monitor: it feeds MONITOR itself, so that it shows before its commands.
  if (ctx.node.monitors.size > 0) ctx.node.feedMonitors(ctx.client, ctx.argv, ctx.now);
  const engine = ScriptingEngine.of(ctx.node);
  const { argv } = ctx;
  let sha: string;
  if (bySha) {
    sha = argv.str(1).toLowerCase();
    // Checked before numkeys, as Redis does for a SHA of the wrong length.
    if (sha.length !== 40) throw new CommandError(Errors.noScript);
  }
  const { keys, args } = splitKeys(ctx, Errors.notInteger);
  if (bySha) {
    if (!engine.scripts.has(sha!)) throw new CommandError(Errors.noScript);
  } else {
    sha = engine.loadScript(argv.copy(1));
  }
  const target = engine.scripts.get(sha!)!.target;
  checkBeforeRun(ctx.node, ctx.client, target, ro);
  engine.run(ctx, engine.evalInterpreter, target, keys, args, ro);
}

function scriptLoad(ctx: Ctx): void {
  ctx.reply.bulk(ScriptingEngine.of(ctx.node).loadScript(ctx.argv.copy(2)));
}

function scriptExists(ctx: Ctx): void {
  const engine = ScriptingEngine.of(ctx.node);
  const { argv, reply } = ctx;
  reply.array(argv.count - 2);
  for (let i = 2; i < argv.count; i++) reply.int(engine.scripts.has(argv.str(i).toLowerCase()) ? 1 : 0);
}

function scriptFlush(ctx: Ctx): void {
  const { argv } = ctx;
  if (argv.count > 3 || (argv.count === 3 && !argv.is(2, 'sync') && !argv.is(2, 'async'))) {
    throw new CommandError('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  }
  ScriptingEngine.of(ctx.node).flushScripts();
  ctx.reply.ok();
}

function scriptKill(ctx: Ctx): void {
  const run = ScriptingEngine.of(ctx.node).current;
  if (!run) throw new CommandError('NOTBUSY No scripts in execution right now.');
  const err = run.kill(true);
  if (err) throw new CommandError(err);
  ctx.reply.ok();
}

function scriptDebug(ctx: Ctx): void {
  const { argv } = ctx;
  if (argv.is(2, 'no')) {
    ctx.reply.ok();
    return;
  }
  if (argv.is(2, 'yes') || argv.is(2, 'sync')) throw new CommandError('ERR The Lua debugger is not supported by this server');
  throw new CommandError('ERR Use SCRIPT DEBUG YES/SYNC/NO');
}

function scriptHelp(ctx: Ctx): void {
  helpReply(ctx, 'SCRIPT', [
    'DEBUG (YES|SYNC|NO)',
    '    Set the debug mode for subsequent scripts executed.',
    'EXISTS <sha1> [<sha1> ...]',
    '    Return information about the existence of the scripts in the script cache.',
    'FLUSH [ASYNC|SYNC]',
    '    Flush the Lua scripts cache. Very dangerous on replicas.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the scripts cache.',
    '    * SYNC: Synchronously flush the scripts cache.',
    'KILL',
    '    Kill the currently executing Lua script.',
    'LOAD <script>',
    '    Load a script into the scripts cache without executing it.',
  ]);
}

const s = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  summary: string,
  since: string,
  handler: CommandSpec['handler'],
  syntax?: string,
  keys: KeySpec = NO_KEYS,
): CommandSpec => ({ name, arity, flags, keys, categories: ['scripting'], group: 'scripting', summary, since, handler, syntax });

export const scriptingCommands: CommandSpec[] = [
  s('eval', -3, ['noscript', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'stale'], 'Executes a server-side Lua script.', '2.6.0', (ctx) => evalGeneric(ctx, false, false), 'script numkeys [key [key ...]] [arg [arg ...]]', NUMKEYS_KEYS),
  s('evalsha', -3, ['noscript', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'stale'], 'Executes a server-side Lua script by SHA1 digest.', '2.6.0', (ctx) => evalGeneric(ctx, true, false), 'sha1 numkeys [key [key ...]] [arg [arg ...]]', NUMKEYS_KEYS),
  s('eval_ro', -3, ['noscript', 'skip_monitor', 'no_mandatory_keys', 'stale', 'readonly'], 'Executes a read-only server-side Lua script.', '7.0.0', (ctx) => evalGeneric(ctx, false, true), 'script numkeys [key [key ...]] [arg [arg ...]]', NUMKEYS_KEYS),
  s('evalsha_ro', -3, ['noscript', 'skip_monitor', 'no_mandatory_keys', 'stale', 'readonly'], 'Executes a read-only server-side Lua script by SHA1 digest.', '7.0.0', (ctx) => evalGeneric(ctx, true, true), 'sha1 numkeys [key [key ...]] [arg [arg ...]]', NUMKEYS_KEYS),
  {
    name: 'script',
    arity: -2,
    flags: [],
    keys: NO_KEYS,
    categories: ['scripting'],
    group: 'scripting',
    summary: 'A container for Lua scripts management commands.',
    since: '2.6.0',
    subcommands: [
      s('script|load', 3, ['noscript', 'stale'], 'Loads a server-side Lua script to the script cache.', '2.6.0', scriptLoad, 'script'),
      s('script|exists', -3, ['noscript'], 'Determines whether server-side Lua scripts exist in the script cache.', '2.6.0', scriptExists, 'sha1 [sha1 ...]'),
      s('script|flush', -2, ['noscript'], 'Removes all server-side Lua scripts from the script cache.', '2.6.0', scriptFlush, '[ASYNC | SYNC]'),
      s('script|kill', 2, ['noscript', 'allow_busy'], 'Terminates a server-side Lua script during execution.', '2.6.0', scriptKill),
      s('script|debug', 3, ['noscript'], 'Sets the debug mode of server-side Lua scripts.', '3.2.0', scriptDebug, 'YES | SYNC | NO'),
      s('script|help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands.', '5.0.0', scriptHelp),
    ],
  },
];
