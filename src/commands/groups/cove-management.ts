// COVE.REPLICAOF: how the control plane points a managed node at its replication
// group's primary. Replication between members is the service's own traffic, not the
// customer's (DESIGN.md §3): the replica dials the primary's management socket, which
// no security group sees, while ROLE and INFO still show the primary's address.
//
//   COVE.REPLICAOF host port socket-path [announce-ip]   replicate from that primary
//   COVE.REPLICAOF NO ONE                                  become a primary (as REPLICAOF NO ONE)
//
// Only the management channel (the node's unix socket) knows this command: it is not
// in the node's command table (src/commands/dispatch.ts looks it up for management
// clients only), so a customer gets `unknown command` and COMMAND never lists it.

import { CommandError } from '../../protocol/resp/errors.js';
import { Errors } from '../../protocol/resp/errors.js';
import type { CommandSpec, Ctx } from '../types.js';
import { NO_KEYS } from '../types.js';
import { Replication } from '../../replication/replication.js';

function coveReplicaof(ctx: Ctx): void {
  const { argv, node, client } = ctx;
  if (!client.management) {
    let args = '';
    for (let i = 1; i < argv.count && args.length < 128; i++) args += `'${argv.utf8(i).slice(0, 128 - args.length)}' `;
    throw new CommandError(Errors.unknownCommand(argv.utf8(0).slice(0, 128), args));
  }
  const repl = Replication.of(node);
  if (argv.count === 3 && argv.is(1, 'no') && argv.is(2, 'one')) {
    if (repl.isReplica) {
      repl.promote();
      node.log('notice', 'MASTER MODE enabled (control plane request)');
    }
    ctx.reply.ok();
    return;
  }
  if (argv.count !== 4 && argv.count !== 5) throw new CommandError(Errors.wrongArity('cove.replicaof'));
  const port = argv.int(2);
  if (port === null || port < 0 || port > 65535) throw new CommandError('ERR Invalid master port');
  const host = argv.str(1);
  const path = argv.str(3);
  const announceIp = argv.count === 5 ? argv.str(4) : undefined;
  if (!repl.replicaOf(host, Number(port), { path, announceIp })) {
    ctx.reply.simple('OK Already connected to specified master');
    return;
  }
  node.log('notice', `REPLICAOF ${host}:${port} enabled (control plane request, via ${path})`);
  ctx.reply.ok();
}

export const coveManagementCommands: CommandSpec[] = [
  {
    name: 'cove.replicaof',
    arity: -3,
    flags: ['admin', 'noscript', 'stale', 'no_async_loading'],
    keys: NO_KEYS,
    categories: [],
    group: 'server',
    summary: "Cove's control plane: replicate from a primary over its management socket (management channel only).",
    since: '7.0.0',
    syntax: 'host port socket-path [announce-ip] | NO ONE',
    complexity: 'O(1)',
    handler: coveReplicaof,
  },
];
