// CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR, CLIENT TRACKINGINFO: the commands
// of client-side caching (the machinery is src/server/tracking.ts).

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import type { CommandSpec, Ctx } from '../types.js';
import { NO_KEYS } from '../types.js';
import type { TrackingState } from '../../server/tracking.js';

function overlaps(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** CLIENT TRACKING <ON | OFF> [REDIRECT client-id] [PREFIX prefix ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP] */
function clientTracking(ctx: Ctx): void {
  const { argv, client, node } = ctx;
  let redirect = 0;
  let bcast = false;
  let optin = false;
  let optout = false;
  let noloop = false;
  const prefixes: string[] = [];
  for (let j = 3; j < argv.count; j++) {
    const more = argv.count - 1 - j;
    if (argv.is(j, 'redirect') && more) {
      j++;
      if (redirect !== 0) throw new CommandError('ERR A client can only redirect to a single other client');
      const id = argv.int(j);
      if (id === null) throw new CommandError(Errors.notInteger);
      if (!node.clients.has(Number(id))) throw new CommandError('ERR The client ID you want redirect to does not exist');
      redirect = Number(id);
    } else if (argv.is(j, 'bcast')) bcast = true;
    else if (argv.is(j, 'optin')) optin = true;
    else if (argv.is(j, 'optout')) optout = true;
    else if (argv.is(j, 'noloop')) noloop = true;
    else if (argv.is(j, 'prefix') && more) prefixes.push(argv.str(++j));
    else throw new CommandError(Errors.syntax);
  }
  if (argv.is(2, 'on')) {
    const current = client.tracking;
    if (!bcast && prefixes.length) throw new CommandError('ERR PREFIX option requires BCAST mode to be enabled');
    if (current && current.bcast !== bcast) {
      throw new CommandError('ERR You can\'t switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.');
    }
    if (bcast && (optin || optout)) throw new CommandError('ERR OPTIN and OPTOUT are not compatible with BCAST');
    if (optin && optout) throw new CommandError('ERR You can\'t specify both OPTIN mode and OPTOUT mode');
    if (current && ((optin && current.optout) || (optout && current.optin))) {
      throw new CommandError('ERR You can\'t switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.');
    }
    if (bcast) {
      for (let i = 0; i < prefixes.length; i++) {
        for (const existing of current?.prefixes ?? []) {
          if (overlaps(existing, prefixes[i])) {
            throw new CommandError(`ERR Prefix '${prefixes[i]}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`);
          }
        }
        for (let k = i + 1; k < prefixes.length; k++) {
          if (overlaps(prefixes[i], prefixes[k])) {
            throw new CommandError(`ERR Prefix '${prefixes[i]}' overlaps with another provided prefix '${prefixes[k]}'. Prefixes for a single client must not overlap.`);
          }
        }
      }
    }
    const state: TrackingState = { redirect, bcast, optin, optout, noloop, caching: false, prefixes: new Set(), brokenRedirect: false };
    node.tracking.enable(client, state, prefixes);
  } else if (argv.is(2, 'off')) {
    node.tracking.disable(client);
  } else {
    throw new CommandError(Errors.syntax);
  }
  node.updateWatching();
  ctx.reply.ok();
}

/** CLIENT CACHING <YES | NO> */
function clientCaching(ctx: Ctx): void {
  const t = ctx.client.tracking;
  if (!t) throw new CommandError('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  if (ctx.argv.is(2, 'yes')) {
    if (!t.optin) throw new CommandError('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (ctx.argv.is(2, 'no')) {
    if (!t.optout) throw new CommandError('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else {
    throw new CommandError(Errors.syntax);
  }
  t.caching = true;
  ctx.reply.ok();
}

function clientGetredir(ctx: Ctx): void {
  const t = ctx.client.tracking;
  ctx.reply.int(t ? t.redirect : -1);
}

function clientTrackingInfo(ctx: Ctx): void {
  const t = ctx.client.tracking;
  const r = ctx.reply;
  const flags = [t ? 'on' : 'off'];
  if (t?.bcast) flags.push('bcast');
  if (t?.optin) flags.push('optin', ...(t.caching ? ['caching-yes'] : []));
  if (t?.optout) flags.push('optout', ...(t.caching ? ['caching-no'] : []));
  if (t?.noloop) flags.push('noloop');
  if (t?.brokenRedirect) flags.push('broken_redirect');
  r.map(3);
  r.bulk('flags');
  r.set(flags.length);
  for (const f of flags) r.bulk(f);
  r.bulk('redirect');
  r.int(t ? t.redirect : -1);
  r.bulk('prefixes');
  const prefixes = t ? [...t.prefixes].sort() : [];
  r.array(prefixes.length);
  for (const p of prefixes) r.bulk(p);
}

const c = (name: string, arity: number, summary: string, since: string, handler: CommandSpec['handler']): CommandSpec => ({
  name,
  arity,
  flags: ['noscript', 'loading', 'stale'],
  keys: NO_KEYS,
  categories: ['connection'],
  group: 'connection',
  summary,
  since,
  handler,
});

export const trackingSubcommands: CommandSpec[] = [
  c('client|tracking', -3, 'Controls server-assisted client-side caching for the connection.', '6.0.0', clientTracking),
  c('client|caching', 3, 'Instructs the server whether to track the keys in the next request.', '6.0.0', clientCaching),
  c('client|getredir', 2, 'Returns the client ID to which the connection\'s tracking notifications are redirected.', '6.0.0', clientGetredir),
  c('client|trackinginfo', 2, 'Returns information about server-assisted client-side caching for the connection.', '6.2.0', clientTrackingInfo),
];
