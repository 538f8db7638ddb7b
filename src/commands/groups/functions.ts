// Functions: FCALL FCALL_RO and FUNCTION (LOAD DELETE FLUSH LIST DUMP RESTORE STATS
// KILL HELP). Libraries are registered with redis.register_function when FUNCTION
// LOAD runs their code; the machinery is in src/scripting/.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import type { CommandSpec, Ctx } from '../types.js';
import { NO_KEYS } from '../types.js';
import { globMatch } from '../helpers.js';
import { helpReply } from './server.js';
import { NUMKEYS_KEYS } from './scripting.js';
import { ScriptingEngine } from '../../scripting/engine.js';
import { checkBeforeRun, splitKeys, BUSY_EVAL } from '../../scripting/run.js';
import { SCRIPT_FLAGS } from '../../scripting/vm.js';

function fcallGeneric(ctx: Ctx, ro: boolean): void {
  // FCALL is skip_monitor: it feeds MONITOR itself, so that it shows before its commands.
  if (ctx.node.monitors.size > 0) ctx.node.feedMonitors(ctx.client, ctx.argv, ctx.now);
  const engine = ScriptingEngine.of(ctx.node);
  const fn = engine.functions.get(ctx.argv.str(1).toLowerCase());
  if (!fn) throw new CommandError('ERR Function not found');
  const { keys, args } = splitKeys(ctx, 'ERR Bad number of keys provided');
  const target = { kind: 'function' as const, name: fn.name, ref: fn.ref, flags: fn.flags, compat: false };
  checkBeforeRun(ctx.node, ctx.client, target, ro);
  engine.run(ctx, engine.functionsInterpreter, target, keys, args, ro);
}

function functionLoad(ctx: Ctx): void {
  const { argv } = ctx;
  let replace = false;
  let i = 2;
  for (; i < argv.count - 1; i++) {
    if (argv.is(i, 'replace')) replace = true;
    else throw new CommandError(`ERR Unknown option given: ${argv.str(i)}`);
  }
  if (i >= argv.count) throw new CommandError('ERR Function code is missing');
  const timeout = ctx.client.isPrimaryLink ? 0 : undefined;
  const name = ScriptingEngine.of(ctx.node).loadLibrary(argv.copy(i), replace, timeout);
  ctx.store.dirty++;
  ctx.reply.bulk(name);
}

function functionDelete(ctx: Ctx): void {
  if (!ScriptingEngine.of(ctx.node).deleteLibrary(ctx.argv.str(2))) throw new CommandError('ERR Library not found');
  ctx.store.dirty++;
  ctx.reply.ok();
}

function functionFlush(ctx: Ctx): void {
  const { argv } = ctx;
  if (argv.count > 3) throw new CommandError(Errors.unknownSubcommandOrWrongArity(argv.str(1), 'FUNCTION'));
  if (argv.count === 3 && !argv.is(2, 'sync') && !argv.is(2, 'async')) {
    throw new CommandError('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  ScriptingEngine.of(ctx.node).flushLibraries();
  ctx.store.dirty++;
  ctx.reply.ok();
}

function functionList(ctx: Ctx): void {
  const { argv, reply } = ctx;
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.count; i++) {
    if (!withCode && argv.is(i, 'withcode')) {
      withCode = true;
      continue;
    }
    if (pattern === null && argv.is(i, 'libraryname')) {
      if (i >= argv.count - 1) throw new CommandError('ERR library name argument was not given');
      pattern = argv.str(++i);
      continue;
    }
    throw new CommandError(`ERR Unknown argument ${argv.str(i)}`);
  }
  const libs = [...ScriptingEngine.of(ctx.node).libraries.values()].filter((l) => pattern === null || globMatch(pattern, l.name, true));
  reply.array(libs.length);
  for (const lib of libs) {
    reply.map(withCode ? 4 : 3);
    reply.bulk('library_name');
    reply.bulk(lib.name);
    reply.bulk('engine');
    reply.bulk('LUA');
    reply.bulk('functions');
    reply.array(lib.functions.size);
    for (const fn of lib.functions.values()) {
      reply.map(3);
      reply.bulk('name');
      reply.bulk(fn.name);
      reply.bulk('description');
      if (fn.description === null) reply.nil();
      else reply.bulk(fn.description);
      reply.bulk('flags');
      const flags = SCRIPT_FLAGS.filter((f) => fn.flags.includes(f));
      reply.set(flags.length);
      for (const f of flags) reply.simple(f);
    }
    if (withCode) {
      reply.bulk('library_code');
      reply.bulk(lib.code);
    }
  }
}

function functionDump(ctx: Ctx): void {
  ctx.reply.bulk(ScriptingEngine.of(ctx.node).dump());
}

function functionRestore(ctx: Ctx): void {
  const { argv } = ctx;
  if (argv.count > 4) throw new CommandError(Errors.unknownSubcommandOrWrongArity(argv.str(1), 'FUNCTION'));
  let policy: 'append' | 'replace' | 'flush' = 'append';
  if (argv.count === 4) {
    if (argv.is(3, 'append')) policy = 'append';
    else if (argv.is(3, 'replace')) policy = 'replace';
    else if (argv.is(3, 'flush')) policy = 'flush';
    else throw new CommandError('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  }
  ScriptingEngine.of(ctx.node).restore(argv.copy(2), policy);
  ctx.store.dirty++;
  ctx.reply.ok();
}

function functionKill(ctx: Ctx): void {
  const run = ScriptingEngine.of(ctx.node).current;
  if (!run) throw new CommandError('NOTBUSY No scripts in execution right now.');
  const err = run.kill(false);
  if (err) throw new CommandError(err);
  ctx.reply.ok();
}

function functionStats(ctx: Ctx): void {
  const engine = ScriptingEngine.of(ctx.node);
  const run = engine.current;
  if (run && run.isEval) throw new CommandError(BUSY_EVAL);
  const { reply } = ctx;
  reply.map(2);
  reply.bulk('running_script');
  if (!run) {
    reply.nil();
  } else {
    reply.map(3);
    reply.bulk('name');
    reply.bulk(run.target.name);
    reply.bulk('command');
    reply.array(run.commandLine.length);
    for (const a of run.commandLine) reply.bulk(a);
    reply.bulk('duration_ms');
    reply.int(Math.floor(performance.now() - run.startedAt));
  }
  reply.bulk('engines');
  reply.map(1);
  reply.bulk('LUA');
  reply.map(2);
  reply.bulk('libraries_count');
  reply.int(engine.libraries.size);
  reply.bulk('functions_count');
  reply.int(engine.functions.size);
}

function functionHelp(ctx: Ctx): void {
  helpReply(ctx, 'FUNCTION', [
    'LOAD [REPLACE] <FUNCTION CODE>',
    '    Create a new library with the given library name and code.',
    'DELETE <LIBRARY NAME>',
    '    Delete the given library.',
    'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
    '    Return general information on all the libraries:',
    '    * Library name',
    '    * The engine used to run the Library',
    '    * Library description',
    '    * Functions list',
    '    * Library code (if WITHCODE is given)',
    '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
    'STATS',
    '    Return information about the current function running:',
    '    * Function name',
    '    * Command used to run the function',
    '    * Duration in MS that the function is running',
    '    If no function is running, return nil',
    '    In addition, returns a list of available engines.',
    'KILL',
    '    Kill the current running function.',
    'FLUSH [ASYNC|SYNC]',
    '    Delete all the libraries.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the libraries.',
    '    * SYNC: Synchronously flush the libraries.',
    'DUMP',
    '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
    'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
    '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
    '    control how to handle existing libraries (default APPEND):',
    '    * FLUSH: delete all existing libraries.',
    '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
    '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
    '      libraries with the new libraries (notice that even on this option there is a chance of failure',
    '      in case of functions name collision with another library).',
  ]);
}

const f = (name: string, arity: number, flags: CommandSpec['flags'], summary: string, since: string, handler: CommandSpec['handler'], syntax?: string): CommandSpec => ({
  name,
  arity,
  flags,
  keys: NO_KEYS,
  categories: ['scripting'],
  group: 'scripting',
  summary,
  since,
  handler,
  syntax,
});

export const functionCommands: CommandSpec[] = [
  { ...f('fcall', -3, ['noscript', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'stale'], 'Invokes a function.', '7.0.0', (ctx) => fcallGeneric(ctx, false), 'function numkeys [key [key ...]] [arg [arg ...]]'), keys: NUMKEYS_KEYS },
  { ...f('fcall_ro', -3, ['noscript', 'skip_monitor', 'no_mandatory_keys', 'stale', 'readonly'], 'Invokes a read-only function.', '7.0.0', (ctx) => fcallGeneric(ctx, true), 'function numkeys [key [key ...]] [arg [arg ...]]'), keys: NUMKEYS_KEYS },
  {
    name: 'function',
    arity: -2,
    flags: [],
    keys: NO_KEYS,
    categories: ['scripting'],
    group: 'scripting',
    summary: 'A container for function commands.',
    since: '7.0.0',
    subcommands: [
      f('function|load', -3, ['noscript', 'write', 'denyoom'], 'Creates a library.', '7.0.0', functionLoad, '[REPLACE] function-code'),
      f('function|delete', 3, ['noscript', 'write'], 'Deletes a library and its functions.', '7.0.0', functionDelete, 'library-name'),
      f('function|flush', -2, ['noscript', 'write'], 'Deletes all libraries and functions.', '7.0.0', functionFlush, '[ASYNC | SYNC]'),
      f('function|list', -2, ['noscript'], 'Returns information about all libraries.', '7.0.0', functionList, '[LIBRARYNAME library-name-pattern] [WITHCODE]'),
      f('function|dump', 2, ['noscript'], 'Dumps all libraries into a serialized binary payload.', '7.0.0', functionDump),
      f('function|restore', -3, ['noscript', 'write', 'denyoom'], 'Restores all libraries from a payload.', '7.0.0', functionRestore, 'serialized-value [FLUSH | APPEND | REPLACE]'),
      f('function|stats', 2, ['noscript', 'allow_busy'], 'Returns information about a function during execution.', '7.0.0', functionStats),
      f('function|kill', 2, ['noscript', 'allow_busy'], 'Terminates a function during execution.', '7.0.0', functionKill),
      f('function|help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands.', '7.0.0', functionHelp),
    ],
  },
];
