// MULTI EXEC DISCARD WATCH UNWATCH.
//
// Queuing itself happens in the dispatcher (after all checks, so a bad command
// dooms the transaction with EXECABORT). EXEC runs the queue back to back; keys
// made ready by pushes inside it wake blocked clients only after it ends.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import type { CommandSpec, Ctx } from '../types.js';
import { ALL_KEYS, NO_KEYS } from '../types.js';
import type { Client } from '../../server/client.js';
import type { ValkeyNode } from '../../server/valkey-node.js';

function multi(ctx: Ctx): void {
  if (ctx.client.inMulti) throw new CommandError(Errors.multiNested);
  ctx.client.inMulti = true;
  ctx.client.multiQueue = [];
  ctx.client.multiError = false;
  ctx.reply.ok();
}

function endMulti(node: ValkeyNode, client: Client): void {
  client.inMulti = false;
  client.multiQueue = [];
  client.multiError = false;
  node.watches.unwatchAll(client);
  node.updateWatching();
}

function exec(ctx: Ctx): void {
  const { client, node, reply } = ctx;
  if (!client.inMulti) throw new CommandError(Errors.execWithoutMulti);
  if (client.multiError) {
    endMulti(node, client);
    throw new CommandError(Errors.execAbort);
  }
  if (client.watchDirty) {
    endMulti(node, client);
    reply.nilArray();
    return;
  }
  const queue = client.multiQueue;
  client.inMulti = false;
  client.multiQueue = [];
  // Commands run from here on see nested = true (no blocking), and WATCH ends now.
  node.watches.unwatchAll(client);
  node.updateWatching();
  reply.array(queue.length);
  for (const q of queue) {
    // ACL and read-only checks are made again at EXEC time, as Redis does.
    const aclError = node.acl.check(client, q.spec, q.argv);
    if (aclError) {
      reply.error(aclError);
      continue;
    }
    if (node.isReadOnlyReplica() && q.spec.flags.includes('write') && !client.isPrimaryLink) {
      reply.error(Errors.readOnlyReplica);
      continue;
    }
    node.callNested(client, q.argv, q.spec, reply);
  }
  client.multiError = false;
}

function discard(ctx: Ctx): void {
  if (!ctx.client.inMulti) throw new CommandError(Errors.discardWithoutMulti);
  endMulti(ctx.node, ctx.client);
  ctx.reply.ok();
}

function watch(ctx: Ctx): void {
  const { client, node, argv } = ctx;
  if (client.inMulti) throw new CommandError(Errors.watchInMulti);
  for (let i = 1; i < argv.count; i++) node.watches.watch(client, client.db, argv.str(i));
  node.updateWatching();
  ctx.reply.ok();
}

function unwatch(ctx: Ctx): void {
  ctx.node.watches.unwatchAll(ctx.client);
  ctx.node.updateWatching();
  ctx.reply.ok();
}

const t = (name: string, arity: number, flags: CommandSpec['flags'], summary: string, since: string, handler: CommandSpec['handler'], keys = NO_KEYS): CommandSpec => ({
  name,
  arity,
  flags,
  keys,
  categories: ['transaction'],
  group: 'transactions',
  summary,
  since,
  handler,
});

export const transactionCommands: CommandSpec[] = [
  t('multi', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], 'Starts a transaction.', '1.2.0', multi),
  t('exec', 1, ['noscript', 'loading', 'stale', 'skip_slowlog'], 'Executes all commands in a transaction.', '1.2.0', exec),
  t('discard', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], 'Discards a transaction.', '2.0.0', discard),
  t('watch', -2, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], 'Monitors changes to keys to determine the execution of a transaction.', '2.2.0', watch, ALL_KEYS),
  t('unwatch', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], 'Forgets about watched keys of a transaction.', '2.2.0', unwatch),
];
