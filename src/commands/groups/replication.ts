// Replication commands: REPLICAOF / SLAVEOF, ROLE, and the ones replicas send their
// primary (REPLCONF, PSYNC, SYNC), with redis-server 7.0's replies and errors. WAIT
// lives in server.ts and reaches replication through the node's 'wait' extension.
// The machinery is in ../../replication/.
//
// Not done: FAILOVER (a coordinated switch is promote() on the replica plus
// replicaOf() on the old primary, which the control plane drives).

import { CommandError } from '../../protocol/resp/errors.js';
import type { CommandSpec, Ctx } from '../types.js';
import { NO_KEYS } from '../types.js';
import { Replication } from '../../replication/replication.js';

/** REPLICAOF host port | NO ONE (and SLAVEOF, its old name). */
function replicaof(ctx: Ctx): void {
  const { argv, node, client } = ctx;
  const repl = Replication.of(node);
  if (argv.is(1, 'no') && argv.is(2, 'one')) {
    if (repl.isReplica) {
      repl.promote();
      node.log('notice', `MASTER MODE enabled (user request from '${client.addr}')`);
    }
    ctx.reply.ok();
    return;
  }
  if (client.isReplica) throw new CommandError('ERR Command is not valid when client is a replica.');
  const port = argv.int(2);
  if (port === null || port < 0 || port > 65535) throw new CommandError('ERR Invalid master port');
  const host = argv.str(1);
  if (!repl.replicaOf(host, Number(port))) {
    ctx.reply.simple('OK Already connected to specified master');
    return;
  }
  node.log('notice', `REPLICAOF ${host}:${port} enabled (user request from '${client.addr}')`);
  ctx.reply.ok();
}

/**
 * ROLE: ["master", offset, [[ip, port, acked offset], ...]] or
 * ["slave", host, port, state, offset (-1 until the link is up)].
 */
function role(ctx: Ctx): void {
  const r = ctx.reply;
  const repl = Replication.of(ctx.node);
  const st = repl.status();
  if (st.primary) {
    r.array(5);
    r.bulk('slave');
    r.bulk(st.primary.host);
    r.int(st.primary.port);
    r.bulk(st.primary.state);
    r.int(st.primary.linkStatus === 'up' ? st.offset : -1);
    return;
  }
  const online = st.replicas.filter((x) => x.state === 'online');
  r.array(3);
  r.bulk('master');
  r.int(st.offset);
  r.array(online.length);
  for (const x of online) {
    r.array(3);
    r.bulk(x.ip);
    r.bulk(String(x.port));
    r.bulk(String(x.offset));
  }
}

function replconf(ctx: Ctx): void {
  Replication.of(ctx.node).primary.replconf(ctx);
}

function psync(ctx: Ctx): void {
  Replication.of(ctx.node).primary.psync(ctx);
}

function sync(ctx: Ctx): void {
  Replication.of(ctx.node).primary.sync(ctx);
}

const spec = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  summary: string,
  since: string,
  handler: CommandSpec['handler'],
  categories: string[] = [],
): CommandSpec => ({ name, arity, flags, keys: NO_KEYS, categories, group: 'server', summary, since, handler });

const REPLICAOF_SUMMARY = 'Configures a server as replica of another, or promotes it to a master.';

export const replicationCommands: CommandSpec[] = [
  { ...spec('replicaof', 3, ['admin', 'noscript', 'stale', 'no_async_loading'], REPLICAOF_SUMMARY, '5.0.0', replicaof), syntax: 'host port', complexity: 'O(1)' },
  { ...spec('slaveof', 3, ['admin', 'noscript', 'stale', 'no_async_loading'], REPLICAOF_SUMMARY, '1.0.0', replicaof), syntax: 'host port', complexity: 'O(1)' },
  { ...spec('role', 1, ['noscript', 'loading', 'stale', 'fast'], 'Returns the replication role.', '2.8.12', role, ['admin', 'dangerous']), complexity: 'O(1)' },
  spec('replconf', -1, ['admin', 'noscript', 'loading', 'stale', 'allow_busy'], 'An internal command for configuring the replication stream.', '3.0.0', replconf),
  { ...spec('psync', -3, ['admin', 'noscript', 'no_async_loading', 'no_multi'], 'An internal command used in replication.', '2.8.0', psync), syntax: 'replicationid offset' },
  spec('sync', 1, ['admin', 'noscript', 'no_async_loading', 'no_multi'], 'An internal command used in replication.', '1.0.0', sync),
];
