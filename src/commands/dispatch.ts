// Central command processing (Valkey's processCommand + call): every check that the
// table makes possible happens here, in the reference server's order, before any
// handler runs: lookup, arity, authentication, ACL, OOM, read-only replica, pub/sub
// context, client pause, MULTI queuing. Then the handler runs and the bookkeeping
// (stats, slowlog, MONITOR, replication, blocked clients) follows.

import { CommandError, Errors } from '../protocol/resp/errors.js';
import type { Argv } from '../protocol/resp/argv.js';
import type { Client } from '../server/client.js';
import type { ValkeyNode } from '../server/valkey-node.js';
import type { CommandSpec, Ctx } from './types.js';
import { Flag } from './types.js';
import { keyPositions } from './key-positions.js';
import type { Reply } from '../protocol/resp/writer.js';
import { buildTable, type CommandTable } from './table.js';
import { coveManagementCommands } from './groups/cove-management.js';

/** Commands a RESP2 client may run while subscribed. */
const PUBSUB_CONTEXT = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);
/** Commands that run at once even inside MULTI. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
const OOM_EXEMPT_IN_MULTI = new Set(['exec', 'discard', 'quit', 'reset']);
/** Commands that run other commands: those propagate themselves, not the wrapper. */
const WRAPPERS = new Set(['exec', 'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/**
 * Looks up the spec for argv (descending into a container's subcommands).
 * Returns the spec, or an error message to reply with.
 */
export function resolveCommand(node: ValkeyNode, argv: Argv): CommandSpec | string {
  const spec = node.table.lookup(argv, 0);
  if (!spec) return unknownCommandError(argv);
  if (!spec.subcommands) return spec;
  if (argv.count < 2) return Errors.wrongArity(spec.name);
  const sub = node.table.subs.get(spec.name)!.get(argv.lower(1));
  if (!sub) return Errors.unknownSubcommand(truncate(argv.str(1), 128), spec.name.toUpperCase());
  return sub;
}

let managementTable: CommandTable | null = null;

/**
 * Commands only the control plane's management channel knows (COVE.*): kept out of
 * the node's table, so customers, COMMAND and ACL never see them.
 */
function managementCommand(argv: Argv): CommandSpec | undefined {
  managementTable ??= buildTable(coveManagementCommands);
  return managementTable.lookup(argv, 0);
}

function unknownCommandError(argv: Argv): string {
  let args = '';
  for (let i = 1; i < argv.count && args.length < 128; i++) {
    args += `'${truncate(argv.utf8(i), 128 - args.length)}' `;
  }
  return Errors.unknownCommand(truncate(argv.utf8(0), 128), args);
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}

function arityOk(spec: CommandSpec, argc: number): boolean {
  return !((spec.arity > 0 && spec.arity !== argc) || argc < -spec.arity);
}

/**
 * Processes one command from a client. Returns false when the client must stop
 * reading input for now (blocked, paused, or closing).
 */
export function processCommand(node: ValkeyNode, client: Client, argv: Argv): boolean {
  const reply = client.writer;
  const resolved = (client.management && managementCommand(argv)) || resolveCommand(node, argv);

  if (typeof resolved === 'string') {
    // "POST" and "Host:" mean someone is talking HTTP to us: cross-protocol attack.
    if (argv.is(0, 'post') || argv.is(0, 'host:')) {
      node.log('warning', 'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.');
      node.closeClient(client, true); // replies of the same read batch are dropped too, as Redis does
      return false;
    }
    return reject(node, client, reply, resolved, null);
  }
  const spec = resolved;
  client.lastCommand = spec.name; // CLIENT LIST's cmd= is the command being run, even a refused one (Redis)
  if (!arityOk(spec, argv.count)) return reject(node, client, reply, Errors.wrongArity(spec.name), spec);

  const bits = spec.bits!;
  if (!client.authenticated && node.authRequired() && !(bits & Flag.noAuth)) {
    return reject(node, client, reply, Errors.noAuth, spec);
  }

  const aclError = node.acl.check(client, spec, argv);
  if (aclError) return reject(node, client, reply, aclError, spec);

  // A script past busy-reply-threshold is paused between slices: only allow_busy commands run.
  if (node.busyReply !== null && !(bits & Flag.allowBusy)) return reject(node, client, reply, node.busyReply, spec);

  const isWrite = (bits & Flag.write) !== 0;
  if (node.store.maxmemory > 0 && !client.isPrimaryLink) {
    const outOfMemory = !node.store.evictIfNeeded(node.now);
    // Queuing inside MULTI can grow without bound, so it is refused too; EXEC is
    // refused when a queued command is denyoom (Redis processCommand).
    const rejectOnOom =
      (bits & Flag.denyoom) !== 0 ||
      (spec.name === 'exec' && client.multiQueue.some((q) => (q.spec.bits! & Flag.denyoom) !== 0)) ||
      (client.inMulti && !OOM_EXEMPT_IN_MULTI.has(spec.name));
    if (outOfMemory && rejectOnOom) return reject(node, client, reply, Errors.oom, spec);
  }

  if (isWrite && node.isReadOnlyReplica() && !client.isPrimaryLink) {
    return reject(node, client, reply, Errors.readOnlyReplica, spec);
  }

  if (client.inPubSubContext && !PUBSUB_CONTEXT.has(spec.name)) {
    return reject(node, client, reply, Errors.subscribeContext(spec.name), spec);
  }

  // An EXEC waits too when a queued command would (Redis looks at the queue's flags).
  if (node.pausing && (client.inMulti ? spec.name === 'exec' && client.multiQueue.some((q) => node.pausedFor(q.spec, q.argv)) : node.pausedFor(spec, argv))) {
    node.postpone(client, argv, spec);
    return false;
  }

  if (client.inMulti && !MULTI_IMMEDIATE.has(spec.name)) {
    if (bits & Flag.noMulti) return reject(node, client, reply, Errors.notAllowedInMulti(spec.name), spec);
    client.multiQueue.push({ argv: argv.clone(), spec });
    reply.simple('QUEUED');
    return true;
  }

  const mode = client.replyMode;
  if (mode === 'on') {
    call(node, client, argv, spec, reply, false);
  } else {
    // CLIENT REPLY OFF/SKIP: run the command, then drop what it replied.
    const mark = client.writer.length;
    call(node, client, argv, spec, reply, false);
    if ((mode === 'off' && client.replyMode === 'off') || (mode === 'skip' && client.replyMode !== 'on')) client.writer.truncate(mark);
    if (client.mutedPushes && client.mutedPushes.length > 0) client.writer.raw(client.mutedPushes.take());
    if (mode === 'skip' && client.replyMode === 'skip') client.replyMode = 'on';
  }
  // CLIENT REPLY SKIP applies to the command after it.
  if (client.replyMode === 'skip-pending') client.replyMode = 'skip';
  node.afterCommand();
  return !client.blocked && !client.closeAfterReply && !client.closed;
}

/** Replies with a rejection (counted as rejected_calls); inside MULTI it also dooms EXEC. */
function reject(node: ValkeyNode, client: Client, reply: Reply, message: string, spec: CommandSpec | null): boolean {
  if (client.inMulti) client.multiError = true;
  if (spec?.name === 'exec') {
    // A refused EXEC discards the transaction and says why (Redis's execCommandAbort).
    client.inMulti = false;
    client.multiQueue = [];
    client.multiError = false;
    node.watches.unwatchAll(client);
    node.updateWatching();
    message = 'EXECABORT Transaction discarded because of: ' + (message.startsWith('ERR ') ? message.slice(4) : message);
  }
  reply.error(message);
  node.stats.rejected(spec);
  return !client.closeAfterReply;
}

/** EVAL_RO and friends carry the readonly flag but track nothing by themselves. */
const READ_ONLY_SCRIPTS = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);

/** Called with every command's run time in µs (latency monitor and histograms). */
export const commandTimingHooks: ((node: ValkeyNode, client: Client, spec: CommandSpec, micros: number) => void)[] = [];

/**
 * Runs a command's handler and does the bookkeeping. Used for direct commands, for
 * each command of EXEC (nested = true), for scripts and for blocked clients' retries.
 */
export function call(node: ValkeyNode, client: Client, argv: Argv, spec: CommandSpec, reply: Reply, nested: boolean): void {
  // Time is read once per read batch (node.tick), as Redis caches mstime per event.
  const now = node.now;
  const ctx: Ctx = {
    argv,
    reply,
    client,
    node,
    store: node.store,
    db: node.store.dbs[client.db],
    dbIndex: client.db,
    now,
    spec,
    nested,
  };
  const dirtyBefore = node.store.dirty;
  const errorsBefore = node.stats.errorReplies;
  const tracking = node.tracking;
  if (tracking.active && !nested) tracking.current = client;
  // One clock read per command: a command's time runs from the end of the
  // previous one in the same batch (node.tick resets it), parsing included.
  const started = node.stamp;
  node.blockCalled = false;
  try {
    spec.handler!(ctx);
  } catch (e) {
    if (e instanceof CommandError) {
      reply.error(e.message);
    } else {
      node.log('warning', `internal error in ${spec.name}: ${(e as Error).stack ?? e}`);
      reply.error(`ERR internal error running '${spec.name}'`);
    }
  }
  const ended = performance.now();
  node.stamp = ended;
  if (client.tracking) {
    // Client-side caching: remember what a tracking client read; CLIENT CACHING
    // yes/no covers just the next command (or, in MULTI, until EXEC).
    // Read-only scripts are not reads themselves: the commands they run decide.
    if (spec.bits! & Flag.readonly && !READ_ONLY_SCRIPTS.has(spec.name)) {
      const positions = keyPositions(spec, argv);
      if (positions.length) tracking.remember(client, positions.map((i) => argv.str(i)));
    }
    if (spec.name !== 'client|caching' && !client.inMulti) client.tracking.caching = false;
  }
  // Invalidations for the client itself and BCAST batches go out after a top-level
  // command (EXEC and scripts send theirs once, at the end).
  if (tracking.active && !nested) {
    tracking.afterCommand();
    tracking.current = null;
  }
  // A command that blocked is counted once, when it is finally served (as Redis does).
  if (node.blockCalled) return;
  const micros = Math.round((ended - started) * 1000);
  // MONITOR sees a command after it ran (EXEC after its commands; EVAL, flagged
  // skip_monitor, feeds itself before its script runs), a blocked one once.
  if (node.monitors.size > 0 && !(spec.bits! & (Flag.admin | Flag.skipMonitor))) node.feedMonitors(client, argv, now);
  const failed = node.stats.errorReplies !== errorsBefore;
  node.stats.called(spec, micros, failed);
  for (let i = 0; i < commandTimingHooks.length; i++) commandTimingHooks[i](node, client, spec, micros);
  if (!nested) client.lastCommand = spec.name;
  const slowlog = node.slowlog;
  // EXEC itself is not logged (its commands are), as Redis's CMD_SKIP_SLOWLOG does.
  if (micros >= slowlog.threshold && slowlog.threshold >= 0 && !(spec.bits! & Flag.skipSlowlog)) slowlog.maybeLog(client, argv, micros, now);
  if (ctx.propagateAs) {
    for (const p of ctx.propagateAs) node.propagate(ctx.dbIndex, p, spec);
  } else if (node.store.dirty !== dirtyBefore && !WRAPPERS.has(spec.name)) {
    node.propagate(ctx.dbIndex, argv, spec);
  }
}
