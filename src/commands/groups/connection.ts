// Connection commands: PING ECHO QUIT HELLO AUTH SELECT RESET CLIENT.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import type { CommandSpec, Ctx } from '../types.js';
import { NO_KEYS } from '../types.js';
import { intArg } from '../helpers.js';
import type { Client } from '../../server/client.js';
import { trackingSubcommands } from './tracking.js';
import { REDIS_COMPAT_VERSION, VERSION, type ValkeyNode } from '../../server/valkey-node.js';

function ping(ctx: Ctx): void {
  const { argv, reply, client } = ctx;
  if (argv.count > 2) throw new CommandError(Errors.wrongArity('ping'));
  if (client.inPubSubContext) {
    // Subscribed RESP2 clients get PING's answer as a pub/sub-shaped array.
    reply.array(2);
    reply.bulk('pong');
    if (argv.count === 2) reply.bulkRange(argv.buf, argv.starts[1], argv.ends[1]);
    else reply.bulk('');
    return;
  }
  if (argv.count === 2) reply.bulkRange(argv.buf, argv.starts[1], argv.ends[1]);
  else reply.simple('PONG');
}

function echo(ctx: Ctx): void {
  ctx.reply.bulkRange(ctx.argv.buf, ctx.argv.starts[1], ctx.argv.ends[1]);
}

function quit(ctx: Ctx): void {
  ctx.reply.ok();
  ctx.client.closeAfterReply = true;
}

export function serverVersion(node: ValkeyNode): string {
  return node.engine === 'redis' ? REDIS_COMPAT_VERSION : VERSION;
}

/** HELLO [protover [AUTH username password] [SETNAME clientname]] */
function hello(ctx: Ctx): void {
  const { argv, reply, client, node } = ctx;
  let ver = 0;
  let i = 1;
  if (argv.count >= 2) {
    const v = argv.int(1);
    if (v === null) throw new CommandError('ERR Protocol version is not an integer or out of range');
    ver = Number(v);
    i = 2;
    if (ver < 2 || ver > 3) throw new CommandError('NOPROTO unsupported protocol version');
  }
  let setName: string | null = null;
  for (; i < argv.count; i++) {
    const more = argv.count - i - 1;
    if (argv.is(i, 'auth') && more >= 2) {
      const user = node.acl.authenticate(argv.str(i + 1), argv.view(i + 2));
      if (!user) {
        node.acl.logAuthFailure(client, argv.str(i + 1));
        throw new CommandError(Errors.wrongPass);
      }
      client.user = user.name;
      client.authenticated = true;
      i += 2;
    } else if (argv.is(i, 'setname') && more >= 1) {
      setName = argv.str(i + 1);
      checkClientName(setName);
      i += 1;
    } else {
      throw new CommandError(`ERR Syntax error in HELLO option '${argv.str(i)}'`);
    }
  }
  if (!client.authenticated && node.authRequired()) {
    throw new CommandError('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
  }
  if (setName !== null) client.name = setName;
  if (ver) client.writer.resp = ver as 2 | 3;
  reply.map(7);
  reply.bulk('server');
  reply.bulk('redis');
  reply.bulk('version');
  reply.bulk(serverVersion(node));
  reply.bulk('proto');
  reply.int(client.resp);
  reply.bulk('id');
  reply.int(client.id);
  reply.bulk('mode');
  reply.bulk('standalone');
  reply.bulk('role');
  reply.bulk(node.replicaOf ? 'replica' : 'master');
  reply.bulk('modules');
  reply.array(0);
}

/** AUTH [username] password */
function auth(ctx: Ctx): void {
  const { argv, reply, client, node } = ctx;
  if (argv.count > 3) throw new CommandError(Errors.syntax);
  let username = 'default';
  let pwIndex = 1;
  if (argv.count === 3) {
    username = argv.str(1);
    pwIndex = 2;
  } else if (!node.authRequired() && node.acl.defaultUser.nopass) {
    throw new CommandError(Errors.authNotConfigured);
  }
  const user = node.acl.authenticate(username, argv.view(pwIndex));
  if (!user) {
    node.acl.logAuthFailure(client, username);
    throw new CommandError(Errors.wrongPass);
  }
  client.user = user.name;
  client.authenticated = true;
  reply.ok();
}

function select(ctx: Ctx): void {
  const id = intArg(ctx, 1, 'ERR value is not an integer or out of range');
  if (id < 0 || id >= ctx.store.dbs.length) throw new CommandError(Errors.invalidDbIndex);
  ctx.client.db = id;
  ctx.reply.ok();
}

/** RESET: back to a fresh connection's state. */
function reset(ctx: Ctx): void {
  const { client, node } = ctx;
  client.inMulti = false;
  client.multiQueue = [];
  client.multiError = false;
  node.watches.unwatchAll(client);
  node.pubsub.removeClient(client);
  node.monitors.delete(client);
  client.db = 0;
  client.writer.resp = 2;
  client.name = '';
  client.noEvict = false;
  client.noTouch = false;
  client.user = 'default';
  client.authenticated = !node.authRequired();
  node.tracking.disable(client);
  for (const fn of resetHooks) fn(ctx);
  node.updateWatching();
  ctx.reply.simple('RESET');
}

/** Other modules (tracking) register what RESET must also undo. */
export const resetHooks: ((ctx: Ctx) => void)[] = [];

function checkClientName(name: string): void {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) throw new CommandError('ERR Client names cannot contain spaces, newlines or special characters.');
  }
}

/** One CLIENT LIST / CLIENT INFO line, with Redis 7.0's fields. */
export function clientInfoLine(node: ValkeyNode, c: Client): string {
  const now = Date.now();
  let flags = '';
  if (c.isReplica) flags += 'S';
  if (c.isPrimaryLink) flags += 'M';
  if (c.subscriptionCount > 0) flags += 'P';
  if (c.inMulti) flags += 'x';
  if (c.blocked) flags += 'b';
  if (c.watchDirty) flags += 'd';
  if (c.closeAfterReply) flags += 'c';
  if (c.noEvict) flags += 'e';
  if (c.noTouch) flags += 'T';
  if (c.monitor) flags += 'O';
  if (c.tracking) {
    flags += 't';
    if (c.tracking.brokenRedirect) flags += 'R';
    if (c.tracking.bcast) flags += 'B';
  }
  if (flags === '') flags = 'N';
  const qbuf = c.parser ? c.parser.pendingBytes : 0;
  const multi = c.inMulti ? c.multiQueue.length : -1;
  const redir = c.tracking ? c.tracking.redirect : -1;
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${(c.socket as unknown as { _handle?: { fd?: number } })?._handle?.fd ?? -1} name=${c.name} ` +
    `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${flags} ` +
    `db=${c.db} sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} multi=${multi} ` +
    `qbuf=${qbuf} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=16384 obl=${c.writer.length} oll=0 ` +
    `omem=${c.outputPending} tot-mem=${qbuf + c.outputPending + 16384} events=r cmd=${c.lastCommand.replace('|', '|')} ` +
    `user=${c.user} redir=${redir} resp=${c.resp} lib-name=${c.libName} lib-ver=${c.libVer}`
  );
}

function clientId(ctx: Ctx): void {
  ctx.reply.int(ctx.client.id);
}

function clientSetName(ctx: Ctx): void {
  const name = ctx.argv.str(2);
  checkClientName(name);
  ctx.client.name = name;
  ctx.reply.ok();
}

function clientGetName(ctx: Ctx): void {
  if (ctx.client.name === '') ctx.reply.nil();
  else ctx.reply.bulk(ctx.client.name);
}

function clientSetInfo(ctx: Ctx): void {
  const { argv, client } = ctx;
  const value = argv.str(3);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 33 || c > 126) {
      throw new CommandError(`ERR ${argv.str(2)} cannot contain spaces, newlines or special characters.`);
    }
  }
  if (argv.is(2, 'lib-name')) client.libName = value;
  else if (argv.is(2, 'lib-ver')) client.libVer = value;
  else throw new CommandError(`ERR Unrecognized option '${argv.str(2)}'`);
  ctx.reply.ok();
}

function clientList(ctx: Ctx): void {
  const { argv, node } = ctx;
  let clients = [...node.clients.values()];
  for (let i = 2; i < argv.count; i++) {
    if (argv.is(i, 'type') && i + 1 < argv.count) {
      const t = argv.lower(i + 1);
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) throw new CommandError(`ERR Unknown client type '${argv.str(i + 1)}'`);
      clients = clients.filter((c) => clientType(c) === (t === 'slave' ? 'replica' : t));
      i++;
    } else if (argv.is(i, 'id') && i + 1 < argv.count) {
      const ids = new Set<number>();
      for (i = i + 1; i < argv.count; i++) {
        const v = argv.int(i);
        if (v === null) throw new CommandError('ERR Invalid client ID');
        ids.add(Number(v));
      }
      clients = clients.filter((c) => ids.has(c.id));
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  ctx.reply.verbatim(clients.map((c) => clientInfoLine(node, c) + '\n').join(''));
}

export function clientType(c: Client): string {
  if (c.isReplica) return 'replica';
  if (c.isPrimaryLink) return 'master';
  if (c.subscriptionCount > 0) return 'pubsub';
  return 'normal';
}

function clientInfo(ctx: Ctx): void {
  ctx.reply.verbatim(clientInfoLine(ctx.node, ctx.client) + '\n');
}

/** CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE t] [USER u] [ADDR a] [LADDR a] [SKIPME yes/no] */
function clientKill(ctx: Ctx): void {
  const { argv, node, client } = ctx;
  if (argv.count === 3) {
    const addr = argv.str(2);
    const target = [...node.clients.values()].find((c) => c.addr === addr);
    if (!target) throw new CommandError('ERR No such client');
    killClient(node, target, target === client);
    ctx.reply.ok();
    return;
  }
  if ((argv.count - 2) % 2 !== 0) throw new CommandError(Errors.syntax);
  const filters: ((c: Client) => boolean)[] = [];
  let skipMe = true;
  for (let i = 2; i < argv.count; i += 2) {
    const v = argv.str(i + 1);
    if (argv.is(i, 'id')) {
      const id = argv.int(i + 1);
      if (id === null || id <= 0) throw new CommandError('ERR client-id should be greater than 0');
      filters.push((c) => c.id === Number(id));
    } else if (argv.is(i, 'type')) {
      const t = v.toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) throw new CommandError(`ERR Unknown client type '${v}'`);
      filters.push((c) => clientType(c) === (t === 'slave' ? 'replica' : t));
    } else if (argv.is(i, 'user')) {
      if (!node.acl.users.has(v)) throw new CommandError(`ERR No such user '${v}'`);
      filters.push((c) => c.user === v);
    } else if (argv.is(i, 'addr')) {
      filters.push((c) => c.addr === v);
    } else if (argv.is(i, 'laddr')) {
      filters.push((c) => c.laddr === v);
    } else if (argv.is(i, 'skipme')) {
      const s = v.toLowerCase();
      if (s !== 'yes' && s !== 'no') throw new CommandError(Errors.syntax);
      skipMe = s === 'yes';
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  let killed = 0;
  for (const c of [...node.clients.values()]) {
    if (skipMe && c === client) continue;
    if (filters.every((f) => f(c))) {
      killClient(node, c, c === client);
      killed++;
    }
  }
  ctx.reply.int(killed);
}

function killClient(node: ValkeyNode, c: Client, self: boolean): void {
  if (self) c.closeAfterReply = true;
  else node.closeClient(c, true);
}

function clientNoEvict(ctx: Ctx): void {
  const on = onOff(ctx, 2);
  ctx.client.noEvict = on;
  ctx.reply.ok();
}

function clientNoTouch(ctx: Ctx): void {
  ctx.client.noTouch = onOff(ctx, 2);
  ctx.reply.ok();
}

function onOff(ctx: Ctx, i: number): boolean {
  if (ctx.argv.is(i, 'on')) return true;
  if (ctx.argv.is(i, 'off')) return false;
  throw new CommandError(Errors.syntax);
}

/** CLIENT PAUSE timeout [WRITE | ALL] */
function clientPause(ctx: Ctx): void {
  const { argv } = ctx;
  const ms = argv.int(2);
  if (ms === null) throw new CommandError('ERR timeout is not an integer or out of range');
  if (ms < 0) throw new CommandError('ERR timeout is negative');
  let all = true;
  if (argv.count === 4) {
    if (argv.is(3, 'write')) all = false;
    else if (!argv.is(3, 'all')) throw new CommandError('ERR CLIENT PAUSE mode must be WRITE or ALL');
  } else if (argv.count > 4) {
    throw new CommandError(Errors.unknownSubcommandOrWrongArity(argv.str(1), 'CLIENT'));
  }
  ctx.node.pause(Number(ms), all);
  ctx.reply.ok();
}

function clientUnpause(ctx: Ctx): void {
  ctx.node.unpause();
  ctx.reply.ok();
}

/** CLIENT UNBLOCK id [TIMEOUT | ERROR] */
function clientUnblock(ctx: Ctx): void {
  const { argv, node } = ctx;
  const id = argv.int(2);
  if (id === null) throw new CommandError(Errors.notInteger);
  let error: string | null = null;
  if (argv.count === 4) {
    if (argv.is(3, 'error')) error = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';
    else if (!argv.is(3, 'timeout')) throw new CommandError('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  } else if (argv.count > 4) {
    throw new CommandError(Errors.syntax);
  }
  const target = node.clients.get(Number(id));
  ctx.reply.int(target && node.unblockWith(target, error) ? 1 : 0);
}

/** CLIENT REPLY ON|OFF|SKIP: the dispatcher drops command replies while OFF, and the next one after SKIP. */
function clientReply(ctx: Ctx): void {
  const c = ctx.client;
  if (ctx.argv.is(2, 'on')) {
    c.replyMode = 'on';
    ctx.reply.ok();
  } else if (ctx.argv.is(2, 'off')) {
    c.replyMode = 'off';
  } else if (ctx.argv.is(2, 'skip')) {
    if (c.replyMode !== 'off') c.replyMode = 'skip-pending';
  } else {
    throw new CommandError(Errors.syntax);
  }
}

function clientHelp(ctx: Ctx): void {
  const lines = [
    'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'CACHING (YES|NO)',
    'GETNAME',
    'GETREDIR',
    'ID',
    'INFO',
    'KILL <ip:port>',
    'KILL <option> <value> [<option> <value> [...]]',
    'LIST [options ...]',
    'UNPAUSE',
    'PAUSE <timeout> [WRITE|ALL]',
    'REPLY (ON|OFF|SKIP)',
    'SETINFO <option> <value>',
    'SETNAME <name>',
    'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]] [OPTIN] [OPTOUT] [NOLOOP]',
    'TRACKINGINFO',
    'UNBLOCK <clientid> [TIMEOUT|ERROR]',
    'NO-EVICT (ON|OFF)',
    'NO-TOUCH (ON|OFF)',
    'HELP',
  ];
  ctx.reply.array(lines.length);
  for (const l of lines) ctx.reply.simple(l);
}

const c = (name: string, arity: number, flags: CommandSpec['flags'], summary: string, since: string, handler: CommandSpec['handler'], categories: string[] = ['connection']): CommandSpec => ({
  name,
  arity,
  flags,
  keys: NO_KEYS,
  categories,
  group: 'connection',
  summary,
  since,
  handler,
});

export const connectionCommands: CommandSpec[] = [
  c('ping', -1, ['fast', 'sentinel'], 'Returns the server\'s liveliness response.', '1.0.0', ping),
  c('echo', 2, ['fast'], 'Returns the given string.', '1.0.0', echo),
  c('quit', -1, ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'], 'Closes the connection.', '1.0.0', quit),
  c('hello', -1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'sentinel', 'allow_busy'], 'Handshakes with the Redis server.', '6.0.0', hello),
  c('auth', -2, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'sentinel', 'allow_busy'], 'Authenticates the connection.', '1.0.0', auth),
  c('select', 2, ['loading', 'stale', 'fast'], 'Changes the selected database.', '1.0.0', select),
  c('reset', 1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], 'Resets the connection.', '6.2.0', reset),
  {
    ...c('client', -2, ['sentinel'], 'A container for client connection commands.', '2.4.0', undefined),
    subcommands: [
      c('client|id', 2, ['noscript', 'loading', 'stale', 'sentinel'], 'Returns the unique client ID of the connection.', '5.0.0', clientId),
      c('client|setname', 3, ['noscript', 'loading', 'stale', 'sentinel'], 'Sets the connection name.', '2.6.9', clientSetName),
      c('client|getname', 2, ['noscript', 'loading', 'stale', 'sentinel'], 'Returns the name of the connection.', '2.6.9', clientGetName),
      c('client|setinfo', 4, ['noscript', 'loading', 'stale', 'sentinel'], 'Sets information specific to the client or connection.', '7.2.0', clientSetInfo),
      c('client|list', -2, ['admin', 'noscript', 'loading', 'stale', 'sentinel'], 'Lists open connections.', '2.4.0', clientList),
      c('client|info', 2, ['noscript', 'loading', 'stale', 'sentinel'], 'Returns information about the connection.', '6.2.0', clientInfo),
      c('client|kill', -3, ['admin', 'noscript', 'loading', 'stale', 'sentinel'], 'Terminates open connections.', '2.4.0', clientKill),
      c('client|no-evict', 3, ['admin', 'noscript', 'loading', 'stale', 'sentinel'], 'Sets the client eviction mode of the connection.', '7.0.0', clientNoEvict),
      c('client|no-touch', 3, ['noscript', 'loading', 'stale'], 'Controls whether commands sent by the client affect the LRU/LFU of accessed keys.', '7.2.0', clientNoTouch),
      c('client|pause', -3, ['admin', 'noscript', 'loading', 'stale', 'sentinel'], 'Suspends commands processing.', '3.0.0', clientPause),
      c('client|unpause', 2, ['admin', 'noscript', 'loading', 'stale', 'sentinel'], 'Resumes processing commands from paused clients.', '6.2.0', clientUnpause),
      c('client|unblock', -3, ['admin', 'noscript', 'loading', 'stale', 'sentinel'], 'Unblocks a client blocked by a blocking command from a different connection.', '5.0.0', clientUnblock),
      c('client|reply', 3, ['noscript', 'loading', 'stale', 'sentinel'], 'Instructs the server whether to reply to commands.', '3.2.0', clientReply),
      ...trackingSubcommands,
      c('client|help', 2, ['loading', 'stale', 'sentinel'], 'Returns helpful text about the different subcommands.', '5.0.0', clientHelp),
    ],
  },
];
