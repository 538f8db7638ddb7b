// ACL: WHOAMI LIST USERS SETUSER GETUSER DELUSER CAT LOG DRYRUN GENPASS LOAD SAVE HELP.
//
// The user model and the permission check live in ../../server/acl.ts; this is the
// command surface, with redis-server 7.0's replies and error strings. There is no ACL
// file (LOAD/SAVE say so, as Redis does when started without `aclfile`).

import { randomBytes } from 'node:crypto';
import { CommandError, Errors } from '../../protocol/resp/errors.js';
import type { CommandSpec, Ctx } from '../types.js';
import { NO_KEYS } from '../types.js';
import { ACL_CATEGORIES, commandsInCategory, type Selector, type User } from '../../server/acl.js';
import { resolveCommand } from '../dispatch.js';
import { helpReply } from './server.js';
import type { ValkeyNode } from '../../server/valkey-node.js';

function whoami(ctx: Ctx): void {
  ctx.reply.bulk(ctx.client.user);
}

function sortedUsers(node: ValkeyNode): User[] {
  return [...node.acl.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function list(ctx: Ctx): void {
  const users = sortedUsers(ctx.node);
  ctx.reply.array(users.length);
  for (const u of users) ctx.reply.bulk(u.describe());
}

function users(ctx: Ctx): void {
  const users = sortedUsers(ctx.node);
  ctx.reply.array(users.length);
  for (const u of users) ctx.reply.bulk(u.name);
}

/** ACL SETUSER username [rule ...] */
function setuser(ctx: Ctx): void {
  const { argv, node } = ctx;
  const ops: string[] = [];
  for (let i = 3; i < argv.count; i++) ops.push(argv.str(i));
  const name = argv.str(2);
  let user: User;
  try {
    user = node.acl.setUser(name, ops);
  } catch (e) {
    throw new CommandError((e as Error).message);
  }
  killPubsubClientsIfNeeded(node, user);
  ctx.reply.ok();
}

/**
 * Clients of the user subscribed to channels or patterns the new rules no longer
 * allow are disconnected (Redis 7.0's ACLKillPubsubClientsIfNeeded).
 */
function killPubsubClientsIfNeeded(node: ValkeyNode, user: User): void {
  const selectors = [user.root, ...user.selectors];
  const allowed = (name: string, pattern: boolean) => selectors.some((s) => s.channelAllowed(name, pattern));
  for (const c of [...node.clients.values()]) {
    if (c.user !== user.name || c.subscriptionCount === 0) continue;
    let kill = false;
    for (const p of c.patterns) if (!allowed(p, true)) kill = true;
    for (const ch of c.channels) if (!allowed(ch, false)) kill = true;
    for (const ch of c.shardChannels) if (!allowed(ch, false)) kill = true;
    if (kill) node.closeClient(c, true);
  }
}

function selectorFields(ctx: Ctx, s: Selector): void {
  const r = ctx.reply;
  r.bulk('commands');
  r.bulk(s.describeCommands());
  r.bulk('keys');
  r.bulk(s.describeKeys());
  r.bulk('channels');
  r.bulk(s.describeChannels());
}

function getuser(ctx: Ctx): void {
  const user = ctx.node.acl.users.get(ctx.argv.str(2));
  const r = ctx.reply;
  if (!user) {
    r.nil();
    return;
  }
  r.map(6);
  r.bulk('flags');
  const flags = user.flagNames;
  r.array(flags.length);
  for (const f of flags) r.bulk(f);
  r.bulk('passwords');
  r.array(user.passwords.size);
  for (const p of user.passwords) r.bulk(p);
  selectorFields(ctx, user.root);
  r.bulk('selectors');
  r.array(user.selectors.length);
  for (const s of user.selectors) {
    r.map(3);
    selectorFields(ctx, s);
  }
}

function deluser(ctx: Ctx): void {
  const { argv, node, client } = ctx;
  for (let i = 2; i < argv.count; i++) {
    if (argv.str(i) === 'default') throw new CommandError("ERR The 'default' user cannot be removed");
  }
  let deleted = 0;
  for (let i = 2; i < argv.count; i++) {
    const name = argv.str(i);
    if (!node.acl.deleteUser(name)) continue;
    deleted++;
    // Connections authenticated as a deleted user go; our own after this reply.
    for (const c of [...node.clients.values()]) {
      if (c.user !== name) continue;
      if (c === client) c.closeAfterReply = true;
      else node.closeClient(c, true);
    }
  }
  ctx.reply.int(deleted);
}

function cat(ctx: Ctx): void {
  const { argv, reply } = ctx;
  if (argv.count > 3) throw new CommandError(Errors.unknownSubcommandOrWrongArity(argv.str(1), 'ACL'));
  if (argv.count === 2) {
    reply.array(ACL_CATEGORIES.length);
    for (const c of ACL_CATEGORIES) reply.bulk(c);
    return;
  }
  const names = commandsInCategory(argv.str(2));
  if (!names) throw new CommandError(`ERR Unknown category '${argv.str(2)}'`);
  reply.array(names.length);
  for (const n of names) reply.bulk(n);
}

/** ACL LOG [count | RESET] */
function log(ctx: Ctx): void {
  const { argv, node, reply } = ctx;
  if (argv.count > 3) throw new CommandError(Errors.unknownSubcommandOrWrongArity(argv.str(1), 'ACL'));
  let count = 10;
  if (argv.count === 3) {
    if (argv.is(2, 'reset')) {
      node.acl.log = [];
      reply.ok();
      return;
    }
    const n = argv.int(2);
    if (n === null) throw new CommandError(Errors.notInteger);
    count = Math.max(0, Number(n));
  }
  const entries = node.acl.log.slice(0, count);
  const now = Date.now();
  reply.array(entries.length);
  for (const e of entries) {
    reply.map(7);
    reply.bulk('count');
    reply.int(e.count);
    reply.bulk('reason');
    reply.bulk(e.reason);
    reply.bulk('context');
    reply.bulk(e.context);
    reply.bulk('object');
    reply.bulk(e.object);
    reply.bulk('username');
    reply.bulk(e.username);
    reply.bulk('age-seconds');
    reply.double((now - e.ctime) / 1000);
    reply.bulk('client-info');
    reply.bulk(e.clientInfo);
  }
}

/** ACL DRYRUN username command [arg ...] */
function dryrun(ctx: Ctx): void {
  const { argv, node, reply } = ctx;
  const user = node.acl.users.get(argv.str(2));
  if (!user) throw new CommandError(`ERR User '${argv.str(2)}' not found`);
  const inner = argv.slice(3);
  const spec = resolveCommand(node, inner);
  if (typeof spec === 'string') throw new CommandError(`ERR Command '${argv.str(3)}' not found`);
  if ((spec.arity > 0 && spec.arity !== inner.count) || inner.count < -spec.arity) {
    throw new CommandError(Errors.wrongArity(spec.name));
  }
  const denied = node.acl.dryRun(user, spec, inner);
  if (denied) reply.bulk(denied);
  else reply.ok();
}

/** ACL GENPASS [bits]: random hex, 4 bits per character, 256 bits by default. */
function genpass(ctx: Ctx): void {
  const { argv } = ctx;
  let bits = 256;
  if (argv.count === 3) {
    const n = argv.int(2);
    if (n === null) throw new CommandError(Errors.notInteger);
    bits = Number(n);
    if (bits <= 0 || bits > 4096) {
      throw new CommandError('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
    }
  } else if (argv.count > 3) {
    throw new CommandError(Errors.unknownSubcommandOrWrongArity(argv.str(1), 'ACL'));
  }
  const chars = Math.ceil(bits / 4);
  ctx.reply.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
}

function noAclFile(_ctx: Ctx): void {
  throw new CommandError(
    'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.',
  );
}

function help(ctx: Ctx): void {
  helpReply(ctx, 'ACL', [
    'CAT [<category>]',
    '    List all commands that belong to <category>, or all command categories',
    '    when no category is specified.',
    'DELUSER <username> [<username> ...]',
    '    Delete a list of users.',
    'DRYRUN <username> <command> [<arg> ...]',
    '    Returns whether the user can execute the given command without executing the command.',
    'GETUSER <username>',
    "    Get the user's details.",
    'GENPASS [<bits>]',
    '    Generate a secure 256-bit user password. The optional `bits` argument can',
    '    be used to specify a different size.',
    'LIST',
    '    Show users details in config file format.',
    'LOAD',
    '    Reload users from the ACL file.',
    'LOG [<count> | RESET]',
    '    Show the ACL log entries.',
    'SAVE',
    '    Save the current config to the ACL file.',
    'SETUSER <username> <attribute> [<attribute> ...]',
    '    Create or modify a user with the specified attributes.',
    'USERS',
    '    List all the registered usernames.',
    'WHOAMI',
    '    Return the current connection username.',
  ]);
}

const ADMIN: CommandSpec['flags'] = ['admin', 'noscript', 'loading', 'stale'];
const PLAIN: CommandSpec['flags'] = ['noscript', 'loading', 'stale'];

const a = (name: string, arity: number, flags: CommandSpec['flags'], summary: string, since: string, handler: CommandSpec['handler']): CommandSpec => ({
  name,
  arity,
  flags,
  keys: NO_KEYS,
  categories: [],
  group: 'server',
  summary,
  since,
  handler,
});

export const aclCommands: CommandSpec[] = [
  {
    ...a('acl', -2, ['sentinel'], 'A container for Access List Control commands.', '6.0.0', undefined),
    subcommands: [
      a('acl|cat', -2, PLAIN, 'Lists the ACL categories, or the commands inside a category.', '6.0.0', cat),
      a('acl|deluser', -3, ADMIN, 'Deletes ACL users, and terminates their connections.', '6.0.0', deluser),
      a('acl|dryrun', -4, ADMIN, 'Simulates the execution of a command by a user, without executing the command.', '7.0.0', dryrun),
      a('acl|genpass', -2, PLAIN, 'Generates a pseudorandom, secure password that can be used to identify ACL users.', '6.0.0', genpass),
      a('acl|getuser', 3, ADMIN, 'Lists the ACL rules of a user.', '6.0.0', getuser),
      a('acl|list', 2, ADMIN, 'Dumps the effective rules in ACL file format.', '6.0.0', list),
      a('acl|load', 2, ADMIN, 'Reloads the rules from the configured ACL file.', '6.0.0', noAclFile),
      a('acl|log', -2, ADMIN, 'Lists recent security events generated due to ACL rules.', '6.0.0', log),
      a('acl|save', 2, ADMIN, 'Saves the effective ACL rules in the configured ACL file.', '6.0.0', noAclFile),
      a('acl|setuser', -3, ADMIN, 'Creates and modifies an ACL user and its rules.', '6.0.0', setuser),
      a('acl|users', 2, ADMIN, 'Lists all ACL users.', '6.0.0', users),
      a('acl|whoami', 2, PLAIN, 'Returns the authenticated username of the current connection.', '6.0.0', whoami),
      a('acl|help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands.', '6.0.0', help),
    ],
  },
];
