// Pub/sub: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE
// PUBLISH SPUBLISH PUBSUB (CHANNELS NUMSUB NUMPAT SHARDCHANNELS SHARDNUMSUB).

import type { CommandSpec, Ctx } from '../types.js';
import { NO_KEYS } from '../types.js';
import { globMatch } from '../helpers.js';
import type { Client } from '../../server/client.js';

type Kind = 'subscribe' | 'psubscribe' | 'ssubscribe';

function confirm(client: Client, event: string, name: string | null, count: number): void {
  const w = client.pushWriter;
  w.push(3);
  w.bulk(event);
  if (name === null) w.nil();
  else w.bulk(name);
  w.int(count);
}

function subscribeGeneric(ctx: Ctx, kind: Kind): void {
  const { argv, client, node } = ctx;
  for (let i = 1; i < argv.count; i++) {
    const name = argv.str(i);
    if (kind === 'subscribe') node.pubsub.subscribe(client, name);
    else if (kind === 'psubscribe') node.pubsub.psubscribe(client, name);
    else node.pubsub.ssubscribe(client, name);
    confirm(client, kind, name, kind === 'ssubscribe' ? client.shardChannels.size : client.channels.size + client.patterns.size);
  }
}

function unsubscribeGeneric(ctx: Ctx, kind: Kind): void {
  const { argv, client, node } = ctx;
  const event = kind === 'subscribe' ? 'unsubscribe' : kind === 'psubscribe' ? 'punsubscribe' : 'sunsubscribe';
  const own = kind === 'subscribe' ? client.channels : kind === 'psubscribe' ? client.patterns : client.shardChannels;
  const remove = (name: string) => {
    if (kind === 'subscribe') node.pubsub.unsubscribe(client, name);
    else if (kind === 'psubscribe') node.pubsub.punsubscribe(client, name);
    else node.pubsub.sunsubscribe(client, name);
  };
  const count = () => (kind === 'ssubscribe' ? client.shardChannels.size : client.channels.size + client.patterns.size);
  if (argv.count === 1) {
    if (own.size === 0) {
      confirm(client, event, null, count());
      return;
    }
    for (const name of [...own]) {
      remove(name);
      confirm(client, event, name, count());
    }
    return;
  }
  for (let i = 1; i < argv.count; i++) {
    const name = argv.str(i);
    remove(name);
    confirm(client, event, name, count());
  }
}

function publish(ctx: Ctx): void {
  const n = ctx.node.pubsub.publish(ctx.argv.str(1), ctx.argv.copy(2));
  ctx.node.propagateHook?.(ctx.dbIndex, ctx.argv, ctx.spec);
  ctx.reply.int(n);
}

function spublish(ctx: Ctx): void {
  ctx.reply.int(ctx.node.pubsub.spublish(ctx.argv.str(1), ctx.argv.copy(2)));
}

function channels(ctx: Ctx, registry: Map<string, Set<Client>>): void {
  const pattern = ctx.argv.count > 2 ? ctx.argv.str(2) : null;
  const names = [...registry.keys()].filter((c) => pattern === null || globMatch(pattern, c));
  ctx.reply.array(names.length);
  for (const n of names) ctx.reply.bulk(n);
}

function numsub(ctx: Ctx, registry: Map<string, Set<Client>>): void {
  const n = ctx.argv.count - 2;
  ctx.reply.map(n);
  for (let i = 2; i < ctx.argv.count; i++) {
    const name = ctx.argv.str(i);
    ctx.reply.bulk(name);
    ctx.reply.int(registry.get(name)?.size ?? 0);
  }
}

function pubsubHelp(ctx: Ctx): void {
  const lines = [
    'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'CHANNELS [<pattern>]',
    'NUMPAT',
    'NUMSUB [<channel> ...]',
    'SHARDCHANNELS [<pattern>]',
    'SHARDNUMSUB [<shardchannel> ...]',
    'HELP',
  ];
  ctx.reply.array(lines.length);
  for (const l of lines) ctx.reply.simple(l);
}

const p = (name: string, arity: number, flags: CommandSpec['flags'], summary: string, since: string, handler: CommandSpec['handler']): CommandSpec => ({
  name,
  arity,
  flags,
  keys: NO_KEYS,
  categories: [],
  group: 'pubsub',
  summary,
  since,
  handler,
});

const SUB_FLAGS: CommandSpec['flags'] = ['pubsub', 'noscript', 'loading', 'stale'];

export const pubsubCommands: CommandSpec[] = [
  p('subscribe', -2, SUB_FLAGS, 'Listens for messages published to channels.', '2.0.0', (ctx) => subscribeGeneric(ctx, 'subscribe')),
  p('unsubscribe', -1, SUB_FLAGS, 'Stops listening to messages posted to channels.', '2.0.0', (ctx) => unsubscribeGeneric(ctx, 'subscribe')),
  p('psubscribe', -2, SUB_FLAGS, 'Listens for messages published to channels that match one or more patterns.', '2.0.0', (ctx) => subscribeGeneric(ctx, 'psubscribe')),
  p('punsubscribe', -1, SUB_FLAGS, 'Stops listening to messages published to channels that match one or more patterns.', '2.0.0', (ctx) => unsubscribeGeneric(ctx, 'psubscribe')),
  p('ssubscribe', -2, SUB_FLAGS, 'Listens for messages published to shard channels.', '7.0.0', (ctx) => subscribeGeneric(ctx, 'ssubscribe')),
  p('sunsubscribe', -1, SUB_FLAGS, 'Stops listening to messages posted to shard channels.', '7.0.0', (ctx) => unsubscribeGeneric(ctx, 'ssubscribe')),
  p('publish', 3, ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'], 'Posts a message to a channel.', '2.0.0', publish),
  p('spublish', 3, ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'], 'Post a message to a shard channel', '7.0.0', spublish),
  {
    ...p('pubsub', -2, [], 'A container for Pub/Sub commands.', '2.8.0', undefined),
    subcommands: [
      p('pubsub|channels', -2, ['pubsub', 'loading', 'stale'], 'Returns the active channels.', '2.8.0', (ctx) => channels(ctx, ctx.node.pubsub.channels)),
      p('pubsub|numsub', -2, ['pubsub', 'loading', 'stale'], 'Returns a count of subscribers to channels.', '2.8.0', (ctx) => numsub(ctx, ctx.node.pubsub.channels)),
      p('pubsub|numpat', 2, ['pubsub', 'loading', 'stale'], 'Returns a count of unique pattern subscriptions.', '2.8.0', (ctx) => ctx.reply.int(ctx.node.pubsub.patterns.size)),
      p('pubsub|shardchannels', -2, ['pubsub', 'loading', 'stale'], 'Returns the active shard channels.', '7.0.0', (ctx) => channels(ctx, ctx.node.pubsub.shardChannels)),
      p('pubsub|shardnumsub', -2, ['pubsub', 'loading', 'stale'], 'Returns the count of subscribers of shard channels.', '7.0.0', (ctx) => numsub(ctx, ctx.node.pubsub.shardChannels)),
      p('pubsub|help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands.', '6.2.0', pubsubHelp),
    ],
  },
];
