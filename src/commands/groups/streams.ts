// Stream commands: XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID XREAD XREADGROUP
// XGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO, with Redis 7.0's replies and errors.
//
// Blocking reads (XREAD/XREADGROUP BLOCK) use the node's blocking machinery: the
// command is re-run when XADD signals the key. XREAD's "$" is resolved to concrete IDs
// the first time, and the resolved IDs ride along in the block state, so a retry
// reads what arrived after the call, not after the retry.
//
// Replication (what replicas receive, as redis-server 7.0 sends it): XADD with the ID
// it generated; approximate trims (~) as exact ones with the threshold they reached
// (MAXLEN = <length> / MINID = <first ID>); XREADGROUP as one XCLAIM ... FORCE JUSTID
// LASTID per delivered entry (with NOACK: XGROUP SETID ... ENTRIESREAD, after an XGROUP
// CREATECONSUMER for a new consumer), history reads not at all; XCLAIM and XAUTOCLAIM
// as one XCLAIM per claimed (or found deleted) entry, XCLAIM's LASTID as XGROUP SETID.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { ValueType } from '../../engine/keyspace.js';
import {
  ConsumerGroup,
  Consumer,
  PendingEntry,
  StreamEntry,
  StreamId,
  StreamValue,
  TrimStrategy,
  U64_MAX,
  ID_MAX,
  INVALID_ENTRIES_READ,
  formatId,
  makeId,
  nextId,
  prevId,
} from '../../engine/types/stream.js';
import type { CommandSpec, Ctx, KeySpec } from '../types.js';
import { Argv } from '../../protocol/resp/argv.js';
import type { Reply } from '../../protocol/resp/writer.js';
import { lookupRead, lookupWrite, written, writeObject, isScriptClient } from '../helpers.js';
import { helpReply } from './server.js';

const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

// ---- ID parsing -------------------------------------------------------------------

/** Parses an unsigned 64-bit decimal (string2ull): digits only. */
function parseU64(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !/^\d+$/.test(s)) return null;
  const v = BigInt(s);
  return v > U64_MAX ? null : v;
}

interface ParsedId {
  id: StreamId;
  /** False for "ms-*" (XADD auto sequence) and for '*'. */
  seqGiven: boolean;
  auto: boolean;
}

/**
 * streamGenericParseIDOrReply: "ms-seq", "ms" (seq = missingSeq), and when not
 * strict "-" / "+". With `allowAutoSeq`, "ms-*" and "*" are accepted (XADD).
 */
function parseIdFull(s: string, missingSeq: bigint, strict: boolean, allowAutoSeq = false): ParsedId {
  if (allowAutoSeq && s === '*') return { id: 0n, seqGiven: false, auto: true };
  if (!strict) {
    if (s === '-') return { id: 0n, seqGiven: true, auto: false };
    if (s === '+') return { id: ID_MAX, seqGiven: true, auto: false };
  }
  const dash = s.indexOf('-');
  if (dash === -1) {
    const ms = parseU64(s);
    if (ms === null) throw new CommandError(INVALID_ID);
    return { id: makeId(ms, missingSeq), seqGiven: true, auto: false };
  }
  const ms = parseU64(s.slice(0, dash));
  const seqText = s.slice(dash + 1);
  if (ms === null) throw new CommandError(INVALID_ID);
  if (allowAutoSeq && seqText === '*') return { id: makeId(ms, 0n), seqGiven: false, auto: false };
  const seq = parseU64(seqText);
  if (seq === null) throw new CommandError(INVALID_ID);
  return { id: makeId(ms, seq), seqGiven: true, auto: false };
}

function parseId(s: string, missingSeq = 0n, strict = false): StreamId {
  return parseIdFull(s, missingSeq, strict).id;
}

/** A range bound: "(" makes it exclusive (XRANGE, XPENDING). */
function parseIntervalId(s: string, missingSeq: bigint): { id: StreamId; exclusive: boolean } {
  if (s.length > 1 && s[0] === '(') return { id: parseId(s.slice(1), missingSeq, true), exclusive: true };
  return { id: parseId(s, missingSeq, false), exclusive: false };
}

// ---- replies ---------------------------------------------------------------------

function replyEntry(r: Reply, e: StreamEntry): void {
  r.array(2);
  r.bulk(formatId(e.id));
  r.array(e.fields.length);
  for (const f of e.fields) r.bulk(f);
}

function replyEntries(r: Reply, entries: StreamEntry[]): void {
  r.array(entries.length);
  for (const e of entries) replyEntry(r, e);
}

// ---- lookups ---------------------------------------------------------------------

function readStream(ctx: Ctx, i: number): StreamValue | undefined {
  const id = lookupRead(ctx, i);
  if (id === -1) return undefined;
  if (ctx.db.type(id) !== ValueType.Stream) throw new CommandError(Errors.wrongType);
  return ctx.db.object<StreamValue>(id);
}

function writeStream(ctx: Ctx, i: number): StreamValue | undefined {
  const id = lookupWrite(ctx, i);
  if (id === -1) return undefined;
  if (ctx.db.type(id) !== ValueType.Stream) throw new CommandError(Errors.wrongType);
  return ctx.db.object<StreamValue>(id);
}

function nodeLimits(ctx: Ctx) {
  return { maxEntries: ctx.node.config.int('stream-node-max-entries'), maxBytes: ctx.node.config.int('stream-node-max-bytes') };
}

// ---- XADD / XTRIM argument parsing --------------------------------------------------

interface TrimArgs {
  strategy: TrimStrategy | null;
  approx: boolean;
  limit: number;
  nomkstream: boolean;
  /** Index of the ID argument (XADD). */
  idPos: number;
  /** Where the "~" and the MAXLEN/MINID threshold are (for the replicas' rewrite), -1 if absent. */
  approxPos: number;
  thresholdPos: number;
}

/** streamParseAddOrTrimArgsOrReply. */
function parseAddOrTrim(ctx: Ctx, xadd: boolean): TrimArgs {
  const { argv } = ctx;
  const args: TrimArgs = { strategy: null, approx: false, limit: -1, nomkstream: false, idPos: 0, approxPos: -1, thresholdPos: -1 };
  let i = 2;
  let limitGiven = false;
  for (; i < argv.count; i++) {
    const more = argv.count - 1 - i;
    if (xadd && argv.is(i, 'nomkstream')) {
      args.nomkstream = true;
    } else if ((argv.is(i, 'maxlen') || argv.is(i, 'minid')) && more >= 1) {
      const isMaxlen = argv.is(i, 'maxlen');
      if (args.strategy && args.strategy.kind !== (isMaxlen ? 'maxlen' : 'minid')) {
        throw new CommandError('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      }
      let next = argv.str(i + 1);
      if ((next === '~' || next === '=') && more >= 2) {
        args.approx = next === '~';
        args.approxPos = i + 1;
        i++;
        next = argv.str(i + 1);
      }
      args.thresholdPos = i + 1;
      if (isMaxlen) {
        const n = argv.int(i + 1);
        if (n === null) throw new CommandError(Errors.notInteger);
        if (n < 0) throw new CommandError('ERR The MAXLEN argument must be >= 0.');
        args.strategy = { kind: 'maxlen', threshold: Number(n) };
      } else {
        args.strategy = { kind: 'minid', threshold: parseId(next, 0n, false) };
      }
      i++;
    } else if (argv.is(i, 'limit') && more >= 1) {
      const n = argv.int(i + 1);
      if (n === null) throw new CommandError(Errors.notInteger);
      if (n < 0) throw new CommandError('ERR The LIMIT argument must be >= 0.');
      args.limit = Number(n);
      limitGiven = true;
      i++;
    } else if (xadd) {
      break; // the ID
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  args.idPos = i;
  if (args.limit !== -1 && !args.strategy) {
    throw new CommandError('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  }
  if (!xadd && !args.strategy) throw new CommandError('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (args.approx) {
    if (!limitGiven) args.limit = 100 * ctx.node.config.int('stream-node-max-entries');
  } else {
    // A primary sends exact trims with the LIMIT of the approximate one they replace.
    if (limitGiven && !ctx.client.isPrimaryLink) throw new CommandError('ERR syntax error, LIMIT cannot be used without the special ~ option');
    args.limit = 0;
  }
  return args;
}

/**
 * The command as replicas must run it: argv with some arguments replaced (the XADD ID,
 * and for an approximate trim "~" → "=" and the threshold actually reached).
 */
function rewrittenTrim(ctx: Ctx, s: StreamValue, args: TrimArgs, replace: Map<number, string>): Argv {
  if (args.approx && args.strategy) {
    replace.set(args.approxPos, '=');
    let threshold: string;
    if (args.strategy.kind === 'maxlen') threshold = String(s.length);
    else threshold = formatId(s.length > 0 ? s.firstId : (nextId(s.lastId) ?? s.lastId));
    replace.set(args.thresholdPos, threshold);
  }
  const parts: (string | Buffer)[] = [];
  for (let i = 0; i < ctx.argv.count; i++) parts.push(replace.get(i) ?? ctx.argv.copy(i));
  return Argv.of(parts);
}

function xadd(ctx: Ctx): void {
  const { argv } = ctx;
  const args = parseAddOrTrim(ctx, true);
  const fieldPos = args.idPos + 1;
  if (argv.count - fieldPos < 2 || (argv.count - fieldPos) % 2 === 1) throw new CommandError(Errors.wrongArity('xadd'));
  const parsed = parseIdFull(argv.str(args.idPos), 0n, true, true);
  if (!parsed.auto && parsed.seqGiven && parsed.id === 0n) throw new CommandError('ERR The ID specified in XADD must be greater than 0-0');
  const [keyId, s] = writeObject<StreamValue>(ctx, 1, ValueType.Stream, args.nomkstream ? null : () => new StreamValue(ctx.store.account));
  if (!s) {
    ctx.reply.nil();
    return;
  }
  if (s.lastId === ID_MAX) {
    if (s.length === 0 && s.entriesAdded === 0) ctx.store.delete(ctx.dbIndex, keyId);
    throw new CommandError('ERR The stream has exhausted the last possible ID, unable to add more items');
  }
  let id: StreamId;
  if (parsed.auto) {
    const ms = BigInt(Math.floor(ctx.now));
    const lastMs = s.lastId >> 64n;
    if (ms > lastMs) id = makeId(ms, 0n);
    else id = nextId(s.lastId)!;
  } else if (!parsed.seqGiven) {
    const ms = parsed.id >> 64n;
    const lastMs = s.lastId >> 64n;
    if (ms > lastMs) id = makeId(ms, 0n);
    else if (ms === lastMs && (s.lastId & U64_MAX) !== U64_MAX) id = s.lastId + 1n;
    else {
      dropIfFresh(ctx, keyId, s);
      throw new CommandError('ERR The ID specified in XADD is equal or smaller than the target stream top item');
    }
  } else {
    id = parsed.id;
    if (id <= s.lastId) {
      dropIfFresh(ctx, keyId, s);
      throw new CommandError('ERR The ID specified in XADD is equal or smaller than the target stream top item');
    }
  }
  const fields: string[] = [];
  for (let i = fieldPos; i < argv.count; i++) fields.push(argv.str(i));
  s.append(id, fields, nodeLimits(ctx));
  ctx.reply.bulk(formatId(id));
  written(ctx, 1, 't', 'xadd');
  if (args.strategy) {
    if (s.trim(args.strategy, args.approx, args.limit) > 0) ctx.store.notify('t', 'xtrim', argv.str(1), ctx.dbIndex);
  }
  if (parsed.auto || !parsed.seqGiven || args.approx) {
    ctx.propagateAs = [rewrittenTrim(ctx, s, args, new Map([[args.idPos, formatId(id)]]))];
  }
  ctx.store.ready(ctx.dbIndex, argv.str(1));
}

/** A stream created by this very XADD that then failed must not stay behind. */
function dropIfFresh(ctx: Ctx, keyId: number, s: StreamValue): void {
  if (s.length === 0 && s.entriesAdded === 0 && s.groups.size === 0) ctx.store.delete(ctx.dbIndex, keyId);
}

function xtrim(ctx: Ctx): void {
  const args = parseAddOrTrim(ctx, false);
  const s = writeStream(ctx, 1);
  if (!s) return ctx.reply.int(0);
  const n = s.trim(args.strategy!, args.approx, args.limit);
  if (n > 0) written(ctx, 1, 't', 'xtrim');
  if (n > 0 && args.approx) ctx.propagateAs = [rewrittenTrim(ctx, s, args, new Map())];
  ctx.reply.int(n);
}

function xrangeGeneric(ctx: Ctx, rev: boolean): void {
  const { argv } = ctx;
  const startArg = argv.str(rev ? 3 : 2);
  const endArg = argv.str(rev ? 2 : 3);
  const start = parseIntervalId(startArg, 0n);
  let startId = start.id;
  if (start.exclusive) {
    const n = nextId(startId);
    if (n === null) throw new CommandError('ERR invalid start ID for the interval');
    startId = n;
  }
  const end = parseIntervalId(endArg, U64_MAX);
  let endId = end.id;
  if (end.exclusive) {
    const p = prevId(endId);
    if (p === null) throw new CommandError('ERR invalid end ID for the interval');
    endId = p;
  }
  let count = -1;
  for (let j = 4; j < argv.count; j++) {
    if (argv.is(j, 'count') && j + 1 < argv.count) {
      const n = argv.int(j + 1);
      if (n === null) throw new CommandError(Errors.notInteger);
      count = n < 0 ? 0 : Number(n);
      j++;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const s = readStream(ctx, 1);
  if (!s) return ctx.reply.array(0);
  if (count === 0) return ctx.reply.nilArray();
  replyEntries(ctx.reply, s.range(startId, endId, count === -1 ? 0 : count, rev));
}

function xlen(ctx: Ctx): void {
  const s = readStream(ctx, 1);
  ctx.reply.int(s ? s.length : 0);
}

function xdel(ctx: Ctx): void {
  const { argv } = ctx;
  const ids: StreamId[] = [];
  for (let i = 2; i < argv.count; i++) ids.push(parseId(argv.str(i), 0n, true));
  const s = writeStream(ctx, 1);
  if (!s) return ctx.reply.int(0);
  let n = 0;
  for (const id of ids) if (s.delete(id)) n++;
  if (n > 0) written(ctx, 1, 't', 'xdel');
  ctx.reply.int(n);
}

function xsetid(ctx: Ctx): void {
  const { argv } = ctx;
  const id = parseId(argv.str(2), 0n, true);
  let entriesAdded = -1;
  let maxDeleted = 0n;
  for (let i = 3; i < argv.count; i++) {
    const more = argv.count - 1 - i;
    if (argv.is(i, 'entriesadded') && more) {
      const n = argv.int(i + 1);
      if (n === null) throw new CommandError(Errors.notInteger);
      if (n < 0) throw new CommandError('ERR entries_added must be positive');
      entriesAdded = Number(n);
      i++;
    } else if (argv.is(i, 'maxdeletedid') && more) {
      maxDeleted = parseId(argv.str(i + 1), 0n, true);
      if (id < maxDeleted) throw new CommandError('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      i++;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const s = writeStream(ctx, 1);
  if (!s) throw new CommandError(Errors.noSuchKey);
  if (s.length > 0) {
    if (id < s.lastValidId) throw new CommandError('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      throw new CommandError('ERR The entries_added specified in XSETID is smaller than the target stream length');
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (maxDeleted !== 0n) s.maxDeletedId = maxDeleted;
  written(ctx, 1, 't', 'xsetid');
  ctx.reply.ok();
}

// ---- XREAD / XREADGROUP ---------------------------------------------------------------

/** '>' in XREADGROUP: "new messages", kept as the largest ID like Redis does. */
const NEW_MESSAGES = ID_MAX;

interface ReadArgs {
  count: number;
  block: number; // -1 = no BLOCK
  noack: boolean;
  group: string | null;
  consumer: string | null;
  streamsAt: number;
  streams: number;
}

function parseRead(ctx: Ctx, xreadgroup: boolean): ReadArgs {
  const { argv } = ctx;
  const a: ReadArgs = { count: 0, block: -1, noack: false, group: null, consumer: null, streamsAt: 0, streams: 0 };
  const name = xreadgroup ? 'xreadgroup' : 'xread';
  for (let i = 1; i < argv.count; i++) {
    const more = argv.count - 1 - i;
    if (argv.is(i, 'block') && more >= 1) {
      const v = argv.int(i + 1);
      if (v === null) throw new CommandError('ERR timeout is not an integer or out of range');
      if (v < 0) throw new CommandError('ERR timeout is negative');
      // No blocking from a script (Redis keeps this error for compatibility).
      if (isScriptClient(ctx.client)) throw new CommandError(`ERR ${argv.str(0)} command is not allowed with BLOCK option from scripts`);
      a.block = Number(v);
      i++;
    } else if (argv.is(i, 'count') && more >= 1) {
      const v = argv.int(i + 1);
      if (v === null) throw new CommandError(Errors.notInteger);
      a.count = v < 0 ? 0 : Number(v);
      i++;
    } else if (argv.is(i, 'streams') && more >= 1) {
      const rest = argv.count - i - 1;
      if (rest % 2 !== 0) {
        throw new CommandError(
          `ERR Unbalanced '${name}' list of streams: for each stream key an ID or '${xreadgroup ? '>' : '$'}' must be specified.`,
        );
      }
      a.streamsAt = i + 1;
      a.streams = rest / 2;
      break;
    } else if (argv.is(i, 'group') && more >= 2) {
      if (!xreadgroup) throw new CommandError('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      a.group = argv.str(i + 1);
      a.consumer = argv.str(i + 2);
      i += 2;
    } else if (argv.is(i, 'noack')) {
      if (!xreadgroup) throw new CommandError('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      a.noack = true;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  if (a.streamsAt === 0) throw new CommandError(Errors.syntax);
  if (xreadgroup && a.group === null) throw new CommandError('ERR Missing GROUP option for XREADGROUP');
  return a;
}

interface ReadState {
  ids: StreamId[];
}

function xreadGeneric(ctx: Ctx, xreadgroup: boolean): void {
  const { argv, reply } = ctx;
  const a = parseRead(ctx, xreadgroup);
  const retry = ctx.client.blocked?.kind === 'keys' ? (ctx.client.blocked.data as ReadState | undefined) : undefined;
  const streams: (StreamValue | undefined)[] = [];
  const groups: (ConsumerGroup | undefined)[] = [];
  const ids: StreamId[] = [];
  for (let k = 0; k < a.streams; k++) {
    const keyArg = a.streamsAt + k;
    const s = xreadgroup ? writeStream(ctx, keyArg) : readStream(ctx, keyArg);
    streams.push(s);
    let g: ConsumerGroup | undefined;
    if (xreadgroup) {
      g = s?.groups.get(a.group!);
      if (s && !g && retry) throw new CommandError('NOGROUP the consumer group this client was blocked on no longer exists');
      if (!s || !g) {
        throw new CommandError(`NOGROUP No such key '${argv.str(keyArg)}' or consumer group '${a.group}' in XREADGROUP with GROUP option`);
      }
    }
    groups.push(g);
    const idText = argv.str(keyArg + a.streams);
    let id: StreamId;
    if (retry) {
      id = retry.ids[k];
    } else if (idText === '$') {
      if (xreadgroup) {
        throw new CommandError(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The > ID returns messages that were never delivered to any other consumer so far.',
        );
      }
      id = s ? s.lastId : 0n;
    } else if (idText === '>') {
      if (!xreadgroup) throw new CommandError('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      id = NEW_MESSAGES;
    } else {
      id = parseId(idText, 0n, false);
    }
    ids.push(id);
  }

  // Work out what each stream can serve now.
  const served: { key: number; entries: (StreamEntry | { id: StreamId; missing: true })[] }[] = [];
  const effects: Argv[] = [];
  for (let k = 0; k < a.streams; k++) {
    const s = streams[k];
    if (!s) continue;
    const g = groups[k];
    let gt = ids[k];
    let history = false;
    let now = false;
    if (g) {
      if (gt !== NEW_MESSAGES) {
        now = true;
        history = true;
      } else if (s.length && s.lastValidId > g.lastId) {
        now = true;
        gt = g.lastId;
      }
    } else if (s.length && s.lastValidId > gt) {
      now = true;
    }
    if (!now) continue;
    const start = nextId(gt) ?? ID_MAX;
    if (g) {
      const created = !g.consumers.has(a.consumer!);
      const consumer = ensureConsumer(ctx, g, a.consumer!, a.streamsAt + k);
      consumer.seenTime = ctx.now;
      if (history) {
        served.push({ key: a.streamsAt + k, entries: readHistory(s, g, consumer, start, a.count, ctx.now) });
      } else {
        const entries = deliverNew(s, g, consumer, start, a.count, a.noack, ctx.now);
        served.push({ key: a.streamsAt + k, entries });
        deliveryEffects(effects, argv.copy(a.streamsAt + k), a.group!, g, consumer, entries, a.noack, created);
      }
      ctx.store.dirty++;
    } else {
      served.push({ key: a.streamsAt + k, entries: s.range(start, ID_MAX, a.count) });
    }
  }

  // Replicas get what the delivery did (see the header); nothing for history reads.
  if (xreadgroup) ctx.propagateAs = effects;
  if (served.length === 0) {
    if (a.block >= 0) {
      // Nothing yet: wait for XADD (the retry keeps the IDs resolved now).
      const keys: string[] = [];
      for (let k = 0; k < a.streams; k++) keys.push(argv.str(a.streamsAt + k));
      ctx.node.block(ctx, keys, a.block, (c) => c.writer.nilArray(), { ids } as ReadState);
      if (xreadgroup && !ctx.nested) {
        for (let k = 0; k < a.streams; k++) if (groups[k]) ensureConsumer(ctx, groups[k]!, a.consumer!, a.streamsAt + k);
      }
      return;
    }
    reply.nilArray();
    return;
  }
  // RESP3: a map key -> entries; RESP2: an array of [key, entries] pairs.
  if (reply.resp === 3) reply.map(served.length);
  else reply.array(served.length);
  for (const sv of served) {
    if (reply.resp === 2) reply.array(2);
    reply.bulk(argv.str(sv.key));
    reply.array(sv.entries.length);
    for (const e of sv.entries) {
      if ('missing' in e) {
        reply.array(2);
        reply.bulk(formatId(e.id));
        reply.nil();
      } else {
        replyEntry(reply, e);
      }
    }
  }
}

/** XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id: a PEL entry as replicas must set it. */
function xclaimEffect(key: Buffer, group: string, p: PendingEntry, lastId: StreamId): Argv {
  return Argv.of(['XCLAIM', key, group, p.consumer.name, '0', formatId(p.id), 'TIME', String(p.deliveryTime), 'RETRYCOUNT', String(p.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', formatId(lastId)]);
}

/** XGROUP SETID key group id ENTRIESREAD n: the group's position as replicas must set it. */
function setidEffect(key: Buffer, group: string, g: ConsumerGroup): Argv {
  return Argv.of(['XGROUP', 'SETID', key, group, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
}

/** What replicas must do for entries XREADGROUP delivered (streamPropagateXCLAIM / GroupID). */
function deliveryEffects(out: Argv[], key: Buffer, group: string, g: ConsumerGroup, consumer: Consumer, entries: StreamEntry[], noack: boolean, created: boolean): void {
  if (entries.length === 0) return;
  if (noack) {
    if (created) out.push(Argv.of(['XGROUP', 'CREATECONSUMER', key, group, consumer.name]));
    out.push(setidEffect(key, group, g));
    return;
  }
  for (const e of entries) {
    const p = g.pending.get(e.id);
    if (p) out.push(xclaimEffect(key, group, p, e.id));
  }
}

/** New entries for a group: advance last-delivered ID and fill the PEL (streamReplyWithRange with a group). */
function deliverNew(s: StreamValue, g: ConsumerGroup, consumer: Consumer, start: StreamId, count: number, noack: boolean, now: number): StreamEntry[] {
  const entries = s.range(start, ID_MAX, count);
  for (const e of entries) {
    s.advanceGroup(g, e.id);
    if (noack) continue;
    const existing = g.pending.get(e.id);
    if (existing) {
      existing.consumer.pending.delete(e.id);
      existing.consumer = consumer;
      existing.deliveryTime = now;
      existing.deliveryCount = 1;
      consumer.pending.set(e.id, existing);
    } else {
      g.addPending({ id: e.id, consumer, deliveryTime: now, deliveryCount: 1 });
    }
  }
  if (entries.length) consumer.activeTime = now;
  return entries;
}

/** A consumer's own pending entries from `start` (XREADGROUP with an explicit ID). */
function readHistory(s: StreamValue, g: ConsumerGroup, consumer: Consumer, start: StreamId, count: number, now: number): (StreamEntry | { id: StreamId; missing: true })[] {
  const out: (StreamEntry | { id: StreamId; missing: true })[] = [];
  for (const id of g.sortedIds()) {
    if (id < start) continue;
    const p = g.pending.get(id)!;
    if (p.consumer !== consumer) continue;
    const e = s.get(id);
    out.push(e ?? { id, missing: true });
    p.deliveryTime = now;
    p.deliveryCount++;
    if (count && out.length >= count) break;
  }
  return out;
}

function xread(ctx: Ctx): void {
  xreadGeneric(ctx, false);
}

function xreadgroup(ctx: Ctx): void {
  xreadGeneric(ctx, true);
}

// ---- groups ------------------------------------------------------------------------------

/** The named consumer, created on first use with its keyspace event (streamCreateConsumer). */
function ensureConsumer(ctx: Ctx, g: ConsumerGroup, name: string, keyArg: number): Consumer {
  let c = g.consumers.get(name);
  if (!c) {
    c = g.consumer(name, ctx.now, true)!;
    ctx.store.dirty++;
    ctx.store.notify('t', 'xgroup-createconsumer', ctx.argv.str(keyArg), ctx.dbIndex);
  }
  return c;
}

function noGroup(ctx: Ctx, group: string, keyArg: number): CommandError {
  return new CommandError(`NOGROUP No such consumer group '${group}' for key name '${ctx.argv.str(keyArg)}'`);
}

function xgroupCreate(ctx: Ctx): void {
  const { argv } = ctx;
  let mkstream = false;
  let entriesRead = INVALID_ENTRIES_READ;
  for (let i = 5; i < argv.count; i++) {
    if (argv.is(i, 'mkstream')) mkstream = true;
    else if (argv.is(i, 'entriesread') && i + 1 < argv.count) {
      const n = argv.int(i + 1);
      if (n === null) throw new CommandError(Errors.notInteger);
      if (n < 0 && n !== -1) throw new CommandError('ERR value for ENTRIESREAD must be positive or -1');
      entriesRead = Number(n);
      i++;
    } else throw new CommandError(`ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.`);
  }
  if (argv.count > 8) throw new CommandError(`ERR unknown subcommand or wrong number of arguments for 'create'. Try XGROUP HELP.`);
  let s = writeStream(ctx, 2);
  if (!s && !mkstream) {
    throw new CommandError(
      'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
    );
  }
  const idText = argv.str(4);
  const id = idText === '$' ? (s ? s.lastId : 0n) : parseId(idText, 0n, true);
  if (!s) {
    [, s] = writeObject<StreamValue>(ctx, 2, ValueType.Stream, () => new StreamValue(ctx.store.account));
    ctx.store.modified(ctx.dbIndex, argv.str(2));
  }
  const name = argv.str(3);
  if (s!.groups.has(name)) throw new CommandError('BUSYGROUP Consumer Group name already exists');
  s!.groups.set(name, new ConsumerGroup(name, id, entriesRead));
  ctx.store.dirty++;
  ctx.store.notify('t', 'xgroup-create', argv.str(2), ctx.dbIndex);
  ctx.reply.ok();
}

function groupOf(ctx: Ctx, required: boolean): [StreamValue, ConsumerGroup | undefined] {
  const s = writeStream(ctx, 2);
  if (!s) {
    throw new CommandError(
      'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
    );
  }
  const name = ctx.argv.str(3);
  const g = s.groups.get(name);
  if (!g && required) throw noGroup(ctx, name, 2);
  return [s, g];
}

function xgroupSetid(ctx: Ctx): void {
  const { argv } = ctx;
  let entriesRead = INVALID_ENTRIES_READ;
  if (argv.count === 7) {
    if (!argv.is(5, 'entriesread')) throw new CommandError(`ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP.`);
    const n = argv.int(6);
    if (n === null) throw new CommandError(Errors.notInteger);
    if (n < 0 && n !== -1) throw new CommandError('ERR value for ENTRIESREAD must be positive or -1');
    entriesRead = Number(n);
  } else if (argv.count !== 5) {
    throw new CommandError(`ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP.`);
  }
  const [s, g] = groupOf(ctx, true);
  const idText = argv.str(4);
  g!.lastId = idText === '$' ? s.lastId : parseId(idText, 0n, false);
  g!.entriesRead = entriesRead;
  ctx.store.dirty++;
  ctx.store.notify('t', 'xgroup-setid', argv.str(2), ctx.dbIndex);
  ctx.reply.ok();
}

function xgroupDestroy(ctx: Ctx): void {
  const [s, g] = groupOf(ctx, false);
  if (!g) return ctx.reply.int(0);
  s.groups.delete(g.name);
  ctx.store.dirty++;
  ctx.store.notify('t', 'xgroup-destroy', ctx.argv.str(2), ctx.dbIndex);
  ctx.store.ready(ctx.dbIndex, ctx.argv.str(2));
  ctx.reply.int(1);
}

function xgroupCreateConsumer(ctx: Ctx): void {
  const [, g] = groupOf(ctx, true);
  const name = ctx.argv.str(4);
  if (g!.consumers.has(name)) return ctx.reply.int(0);
  g!.consumer(name, ctx.now, true);
  ctx.store.dirty++;
  ctx.store.notify('t', 'xgroup-createconsumer', ctx.argv.str(2), ctx.dbIndex);
  ctx.reply.int(1);
}

function xgroupDelConsumer(ctx: Ctx): void {
  const [, g] = groupOf(ctx, true);
  const c = g!.consumers.get(ctx.argv.str(4));
  if (!c) return ctx.reply.int(0);
  const pending = c.pending.size;
  for (const id of [...c.pending.keys()]) g!.removePending(id);
  g!.consumers.delete(c.name);
  ctx.store.dirty++;
  ctx.store.notify('t', 'xgroup-delconsumer', ctx.argv.str(2), ctx.dbIndex);
  ctx.reply.int(pending);
}

function xack(ctx: Ctx): void {
  const { argv } = ctx;
  const ids: StreamId[] = [];
  for (let i = 3; i < argv.count; i++) ids.push(parseId(argv.str(i), 0n, true));
  const s = writeStream(ctx, 1);
  const g = s?.groups.get(argv.str(2));
  if (!g) return ctx.reply.int(0);
  let n = 0;
  for (const id of ids) if (g.removePending(id)) n++;
  if (n) ctx.store.dirty++;
  ctx.reply.int(n);
}

function xpending(ctx: Ctx): void {
  const { argv, reply } = ctx;
  const justInfo = argv.count === 3;
  let minIdle = 0;
  let startIdx = 3;
  if (argv.count >= 6 && argv.is(3, 'idle')) {
    const v = argv.int(4);
    if (v === null) throw new CommandError(Errors.notInteger);
    minIdle = Number(v);
    startIdx += 2;
  }
  let start = 0n;
  let end = ID_MAX;
  let count = 0;
  let consumerName: string | null = null;
  if (!justInfo) {
    if (argv.count < startIdx + 3 || argv.count > startIdx + 4) throw new CommandError(Errors.syntax);
    const c = argv.int(startIdx + 2);
    if (c === null) throw new CommandError(Errors.notInteger);
    count = c < 0 ? 0 : Number(c);
    const st = parseIntervalId(argv.str(startIdx), 0n);
    start = st.id;
    if (st.exclusive) {
      const n = nextId(start);
      if (n === null) throw new CommandError('ERR invalid start ID for the interval');
      start = n;
    }
    const en = parseIntervalId(argv.str(startIdx + 1), U64_MAX);
    end = en.id;
    if (en.exclusive) {
      const p = prevId(end);
      if (p === null) throw new CommandError('ERR invalid end ID for the interval');
      end = p;
    }
    if (argv.count === startIdx + 4) consumerName = argv.str(startIdx + 3);
  }
  const s = readStream(ctx, 1);
  const g = s?.groups.get(argv.str(2));
  if (!g) throw new CommandError(`NOGROUP No such key '${argv.str(1)}' or consumer group '${argv.str(2)}'`);
  if (justInfo) {
    const ids = g.sortedIds();
    reply.array(4);
    reply.int(ids.length);
    if (ids.length === 0) {
      reply.nil();
      reply.nil();
      reply.nilArray();
      return;
    }
    reply.bulk(formatId(ids[0]));
    reply.bulk(formatId(ids[ids.length - 1]));
    const perConsumer = [...g.consumers.values()].filter((c) => c.pending.size > 0).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    reply.array(perConsumer.length);
    for (const c of perConsumer) {
      reply.array(2);
      reply.bulk(c.name);
      reply.bulk(String(c.pending.size));
    }
    return;
  }
  const out: { id: StreamId; consumer: string; idle: number; count: number }[] = [];
  const consumer = consumerName !== null ? g.consumers.get(consumerName) : undefined;
  if (consumerName !== null && !consumer) return reply.array(0);
  for (const id of g.sortedIds()) {
    if (count && out.length >= count) break;
    if (id < start) continue;
    if (id > end) break;
    const p = g.pending.get(id)!;
    if (consumer && p.consumer !== consumer) continue;
    const idle = Math.max(0, ctx.now - p.deliveryTime);
    if (minIdle && idle < minIdle) continue;
    out.push({ id, consumer: p.consumer.name, idle, count: p.deliveryCount });
  }
  if (count === 0) out.length = 0;
  reply.array(out.length);
  for (const o of out) {
    reply.array(4);
    reply.bulk(formatId(o.id));
    reply.bulk(o.consumer);
    reply.int(o.idle);
    reply.int(o.count);
  }
}

function xclaim(ctx: Ctx): void {
  const { argv, reply } = ctx;
  const s = writeStream(ctx, 1);
  const g = s?.groups.get(argv.str(2));
  const minIdleV = argv.int(4);
  if (minIdleV === null) throw new CommandError('ERR Invalid min-idle-time argument for XCLAIM');
  const minIdle = Math.max(0, Number(minIdleV));
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.count; j++) {
    let id: StreamId;
    try {
      id = parseId(argv.str(j), 0n, true);
    } catch {
      break;
    }
    ids.push(id);
  }
  let deliveryTime = ctx.now;
  let retryCount = -1;
  let force = false;
  let justId = false;
  let lastId = 0n;
  for (; j < argv.count; j++) {
    const more = argv.count - 1 - j;
    if (argv.is(j, 'force')) force = true;
    else if (argv.is(j, 'justid')) justId = true;
    else if (argv.is(j, 'idle') && more) {
      const v = argv.int(++j);
      if (v === null) throw new CommandError('ERR Invalid IDLE option argument for XCLAIM');
      deliveryTime = ctx.now - Number(v);
    } else if (argv.is(j, 'time') && more) {
      const v = argv.int(++j);
      if (v === null) throw new CommandError('ERR Invalid TIME option argument for XCLAIM');
      deliveryTime = Number(v);
    } else if (argv.is(j, 'retrycount') && more) {
      const v = argv.int(++j);
      if (v === null) throw new CommandError('ERR Invalid RETRYCOUNT option argument for XCLAIM');
      retryCount = Number(v);
    } else if (argv.is(j, 'lastid') && more) {
      lastId = parseId(argv.str(++j), 0n, true);
    } else {
      throw new CommandError(`ERR Unrecognized XCLAIM option '${argv.str(j)}'`);
    }
  }
  if (!s || !g) throw new CommandError(`NOGROUP No such key '${argv.str(1)}' or consumer group '${argv.str(2)}'`);
  if (deliveryTime > ctx.now) deliveryTime = ctx.now;
  let lastIdMoved = false;
  if (lastId > g.lastId) {
    g.lastId = lastId;
    lastIdMoved = true;
  }
  const consumer = ensureConsumer(ctx, g, argv.str(3), 1);
  consumer.seenTime = ctx.now;
  const claimed: (StreamEntry | StreamId)[] = [];
  // Replicas get one XCLAIM per entry claimed or dropped, never this command itself.
  const key = argv.copy(1);
  const group = argv.str(2);
  const effects: Argv[] = [];
  for (const id of ids) {
    let p = g.pending.get(id);
    const entry = s.get(id);
    if (force && !p && entry) {
      p = { id, consumer, deliveryTime: ctx.now, deliveryCount: 0 };
      g.addPending(p);
    }
    if (!p) continue;
    if (!entry) {
      // The entry was deleted: it no longer needs processing.
      effects.push(xclaimEffect(key, group, p, g.lastId));
      g.removePending(id);
      continue;
    }
    if (minIdle && ctx.now - p.deliveryTime < minIdle) continue;
    if (p.consumer !== consumer) {
      p.consumer.pending.delete(id);
      p.consumer = consumer;
      consumer.pending.set(id, p);
    }
    p.deliveryTime = deliveryTime;
    if (retryCount >= 0) p.deliveryCount = retryCount;
    else if (!justId) p.deliveryCount++;
    consumer.activeTime = ctx.now;
    claimed.push(justId ? id : entry);
    effects.push(xclaimEffect(key, group, p, g.lastId));
  }
  // A LASTID that moved the group travels with the XCLAIMs, or alone as XGROUP SETID.
  if (lastIdMoved && effects.length === 0) effects.push(setidEffect(key, group, g));
  ctx.propagateAs = effects;
  ctx.store.dirty++;
  reply.array(claimed.length);
  for (const c of claimed) {
    if (typeof c === 'bigint') reply.bulk(formatId(c));
    else replyEntry(reply, c);
  }
}

function xautoclaim(ctx: Ctx): void {
  const { argv, reply } = ctx;
  const minIdleV = argv.int(4);
  if (minIdleV === null) throw new CommandError('ERR Invalid min-idle-time argument for XAUTOCLAIM');
  const minIdle = Math.max(0, Number(minIdleV));
  const start = parseIntervalId(argv.str(5), 0n);
  let startId = start.id;
  if (start.exclusive) {
    const n = nextId(startId);
    if (n === null) throw new CommandError('ERR invalid start ID for the interval');
    startId = n;
  }
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.count; j++) {
    if (argv.is(j, 'count') && j + 1 < argv.count) {
      const v = argv.int(++j);
      if (v === null) throw new CommandError(Errors.notInteger);
      if (v < 1 || v > Number.MAX_SAFE_INTEGER / 10) throw new CommandError('ERR COUNT must be > 0');
      count = Number(v);
    } else if (argv.is(j, 'justid')) {
      justId = true;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const s = writeStream(ctx, 1);
  const g = s?.groups.get(argv.str(2));
  if (!s || !g) throw new CommandError(`NOGROUP No such key '${argv.str(1)}' or consumer group '${argv.str(2)}'`);
  const consumer = ensureConsumer(ctx, g, argv.str(3), 1);
  consumer.seenTime = ctx.now;
  const key = argv.copy(1);
  const group = argv.str(2);
  const effects: Argv[] = [];
  // COUNT bounds the PEL entries claimed or found deleted; attempts bound the scan.
  let attempts = count * 10;
  let budget = count;
  const claimed: (StreamEntry | StreamId)[] = [];
  const deleted: StreamId[] = [];
  let next = 0n;
  const ids = [...g.sortedIds()];
  let i = 0;
  while (i < ids.length && ids[i] < startId) i++;
  for (; i < ids.length && attempts > 0 && budget > 0; i++, attempts--) {
    const id = ids[i];
    const p = g.pending.get(id);
    if (!p) continue;
    const entry = s.get(id);
    if (!entry) {
      effects.push(xclaimEffect(key, group, p, g.lastId));
      g.removePending(id);
      deleted.push(id);
      budget--;
      continue;
    }
    if (minIdle && ctx.now - p.deliveryTime < minIdle) continue;
    if (p.consumer !== consumer) {
      p.consumer.pending.delete(id);
      p.consumer = consumer;
      consumer.pending.set(id, p);
    }
    p.deliveryTime = ctx.now;
    if (!justId) p.deliveryCount++;
    consumer.activeTime = ctx.now;
    claimed.push(justId ? id : entry);
    effects.push(xclaimEffect(key, group, p, g.lastId));
    budget--;
  }
  if (i < ids.length) next = ids[i];
  ctx.propagateAs = effects;
  ctx.store.dirty++;
  reply.array(3);
  reply.bulk(formatId(next));
  reply.array(claimed.length);
  for (const c of claimed) {
    if (typeof c === 'bigint') reply.bulk(formatId(c));
    else replyEntry(reply, c);
  }
  reply.array(deleted.length);
  for (const d of deleted) reply.bulk(formatId(d));
}

// ---- XINFO -------------------------------------------------------------------------------

function xinfoStream(ctx: Ctx): void {
  const { argv, reply } = ctx;
  let full = false;
  let count = 10;
  if (argv.count > 3) {
    if (!argv.is(3, 'full')) throw new CommandError(Errors.syntax);
    full = true;
    if (argv.count === 6 && argv.is(4, 'count')) {
      const v = argv.int(5);
      if (v === null) throw new CommandError(Errors.notInteger);
      count = v < 0 ? 0 : Number(v);
    } else if (argv.count !== 4) {
      throw new CommandError(Errors.syntax);
    }
  }
  const s = readStream(ctx, 2);
  if (!s) throw new CommandError(Errors.noSuchKey);
  reply.map(full ? 9 : 10);
  reply.bulk('length');
  reply.int(s.length);
  reply.bulk('radix-tree-keys');
  reply.int(s.nodeCount);
  reply.bulk('radix-tree-nodes');
  reply.int(s.nodeCount + 1);
  reply.bulk('last-generated-id');
  reply.bulk(formatId(s.lastId));
  reply.bulk('max-deleted-entry-id');
  reply.bulk(formatId(s.maxDeletedId));
  reply.bulk('entries-added');
  reply.int(s.entriesAdded);
  reply.bulk('recorded-first-entry-id');
  reply.bulk(formatId(s.firstId));
  if (!full) {
    reply.bulk('groups');
    reply.int(s.groups.size);
    const first = s.range(0n, ID_MAX, 1);
    const last = s.range(0n, ID_MAX, 1, true);
    reply.bulk('first-entry');
    if (first.length) replyEntry(reply, first[0]);
    else reply.nil();
    reply.bulk('last-entry');
    if (last.length) replyEntry(reply, last[0]);
    else reply.nil();
    return;
  }
  reply.bulk('entries');
  replyEntries(reply, s.range(0n, ID_MAX, count));
  reply.bulk('groups');
  const groups = sortedGroups(s);
  reply.array(groups.length);
  for (const g of groups) {
    reply.map(7);
    reply.bulk('name');
    reply.bulk(g.name);
    reply.bulk('last-delivered-id');
    reply.bulk(formatId(g.lastId));
    reply.bulk('entries-read');
    if (g.entriesRead === INVALID_ENTRIES_READ) reply.nil();
    else reply.int(g.entriesRead);
    reply.bulk('lag');
    const lag = s.lag(g);
    if (lag === null) reply.nil();
    else reply.int(lag);
    reply.bulk('pel-count');
    reply.int(g.pending.size);
    const ids = g.sortedIds().slice(0, count || undefined);
    reply.bulk('pending');
    reply.array(ids.length);
    for (const id of ids) {
      const p = g.pending.get(id)!;
      reply.array(4);
      reply.bulk(formatId(id));
      reply.bulk(p.consumer.name);
      reply.int(p.deliveryTime);
      reply.int(p.deliveryCount);
    }
    const consumers = sortedConsumers(g);
    reply.bulk('consumers');
    reply.array(consumers.length);
    for (const c of consumers) {
      reply.map(4);
      reply.bulk('name');
      reply.bulk(c.name);
      reply.bulk('seen-time');
      reply.int(c.seenTime);
      reply.bulk('pel-count');
      reply.int(c.pending.size);
      const cids = [...c.pending.keys()].sort((a, b) => (a < b ? -1 : 1)).slice(0, count || undefined);
      reply.bulk('pending');
      reply.array(cids.length);
      for (const id of cids) {
        const p = c.pending.get(id)!;
        reply.array(3);
        reply.bulk(formatId(id));
        reply.int(p.deliveryTime);
        reply.int(p.deliveryCount);
      }
    }
  }
}

function sortedGroups(s: StreamValue): ConsumerGroup[] {
  return [...s.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function sortedConsumers(g: ConsumerGroup): Consumer[] {
  return [...g.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function xinfoGroups(ctx: Ctx): void {
  const s = readStream(ctx, 2);
  if (!s) throw new CommandError(Errors.noSuchKey);
  const r = ctx.reply;
  const groups = sortedGroups(s);
  r.array(groups.length);
  for (const g of groups) {
    r.map(6);
    r.bulk('name');
    r.bulk(g.name);
    r.bulk('consumers');
    r.int(g.consumers.size);
    r.bulk('pending');
    r.int(g.pending.size);
    r.bulk('last-delivered-id');
    r.bulk(formatId(g.lastId));
    r.bulk('entries-read');
    if (g.entriesRead === INVALID_ENTRIES_READ) r.nil();
    else r.int(g.entriesRead);
    r.bulk('lag');
    const lag = s.lag(g);
    if (lag === null) r.nil();
    else r.int(lag);
  }
}

function xinfoConsumers(ctx: Ctx): void {
  const s = readStream(ctx, 2);
  if (!s) throw new CommandError(Errors.noSuchKey);
  const g = s.groups.get(ctx.argv.str(3));
  if (!g) throw noGroup(ctx, ctx.argv.str(3), 2);
  const r = ctx.reply;
  const consumers = sortedConsumers(g);
  r.array(consumers.length);
  for (const c of consumers) {
    r.map(3);
    r.bulk('name');
    r.bulk(c.name);
    r.bulk('pending');
    r.int(c.pending.size);
    r.bulk('idle');
    r.int(Math.max(0, ctx.now - c.seenTime));
  }
}

// ---- table ------------------------------------------------------------------------------

/** XREAD/XREADGROUP keys: the first half of the arguments after STREAMS. */
const readKeys: KeySpec = {
  first: 0,
  last: 0,
  step: 0,
  find: (argv: Argv) => {
    for (let i = 1; i < argv.count; i++) {
      if (argv.is(i, 'streams')) {
        const n = Math.floor((argv.count - i - 1) / 2);
        const out: number[] = [];
        for (let k = 0; k < n; k++) out.push(i + 1 + k);
        return out;
      }
    }
    return [];
  },
};

const KEY1: KeySpec = { first: 1, last: 1, step: 1 };
const KEY2: KeySpec = { first: 2, last: 2, step: 1 };

const x = (name: string, arity: number, flags: CommandSpec['flags'], keys: KeySpec, summary: string, since: string, handler: CommandSpec['handler']): CommandSpec => ({
  name,
  arity,
  flags,
  keys,
  categories: ['stream'],
  group: 'stream',
  summary,
  since,
  handler,
});

export const streamCommands: CommandSpec[] = [
  x('xadd', -5, ['write', 'denyoom', 'fast'], KEY1, 'Appends a new message to a stream. Creates the key if it doesn\'t exist.', '5.0.0', xadd),
  x('xrange', -4, ['readonly'], KEY1, 'Returns the messages from a stream within a range of IDs.', '5.0.0', (ctx) => xrangeGeneric(ctx, false)),
  x('xrevrange', -4, ['readonly'], KEY1, 'Returns the messages from a stream within a range of IDs in reverse order.', '5.0.0', (ctx) => xrangeGeneric(ctx, true)),
  x('xlen', 2, ['readonly', 'fast'], KEY1, 'Return the number of messages in a stream.', '5.0.0', xlen),
  x('xdel', -3, ['write', 'fast'], KEY1, 'Returns the number of messages after removing them from a stream.', '5.0.0', xdel),
  x('xtrim', -4, ['write'], KEY1, 'Deletes messages from the beginning of a stream.', '5.0.0', xtrim),
  x('xsetid', -3, ['write', 'denyoom', 'fast'], KEY1, 'An internal command for replicating stream values.', '5.0.0', xsetid),
  x('xread', -4, ['readonly', 'blocking'], readKeys, 'Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.', '5.0.0', xread),
  x('xreadgroup', -7, ['write', 'blocking'], readKeys, 'Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.', '5.0.0', xreadgroup),
  x('xack', -4, ['write', 'fast'], KEY1, 'Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.', '5.0.0', xack),
  x('xpending', -3, ['readonly'], KEY1, 'Returns the information and entries from a stream consumer group\'s pending entries list.', '5.0.0', xpending),
  x('xclaim', -6, ['write', 'fast'], KEY1, 'Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.', '5.0.0', xclaim),
  x('xautoclaim', -6, ['write', 'fast'], KEY1, 'Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.', '6.2.0', xautoclaim),
  {
    ...x('xgroup', -2, [], { first: 0, last: 0, step: 0 }, 'A container for consumer groups commands.', '5.0.0', undefined),
    subcommands: [
      x('xgroup|create', -5, ['write', 'denyoom'], KEY2, 'Creates a consumer group.', '5.0.0', xgroupCreate),
      x('xgroup|setid', -5, ['write'], KEY2, 'Sets the last-delivered ID of a consumer group.', '5.0.0', xgroupSetid),
      x('xgroup|destroy', 4, ['write'], KEY2, 'Destroys a consumer group.', '5.0.0', xgroupDestroy),
      x('xgroup|createconsumer', 5, ['write', 'denyoom'], KEY2, 'Creates a consumer in a consumer group.', '6.2.0', xgroupCreateConsumer),
      x('xgroup|delconsumer', 5, ['write'], KEY2, 'Deletes a consumer from a consumer group.', '5.0.0', xgroupDelConsumer),
      x('xgroup|help', 2, ['loading', 'stale'], { first: 0, last: 0, step: 0 }, 'Returns helpful text about the different subcommands.', '5.0.0', (ctx) =>
        helpReply(ctx, 'XGROUP', [
          'CREATE <key> <groupname> <id|$> [option]',
          '    Create a new consumer group. Options are:',
          '    * MKSTREAM',
          '      Create the empty stream if it does not exist.',
          '    * ENTRIESREAD entries_read',
          "      Set the group's entries_read counter (internal use).",
          'CREATECONSUMER <key> <groupname> <consumer>',
          '    Create a new consumer in the specified group.',
          'DELCONSUMER <key> <groupname> <consumer>',
          '    Remove the specified consumer.',
          'DESTROY <key> <groupname>',
          '    Remove the specified group.',
          'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
          '    Set the current group ID and entries_read counter.',
        ])),
    ],
  },
  {
    ...x('xinfo', -2, [], { first: 0, last: 0, step: 0 }, 'A container for stream introspection commands.', '5.0.0', undefined),
    subcommands: [
      x('xinfo|stream', -3, ['readonly'], KEY2, 'Returns information about a stream.', '5.0.0', xinfoStream),
      x('xinfo|groups', 3, ['readonly'], KEY2, 'Returns a list of the consumer groups of a stream.', '5.0.0', xinfoGroups),
      x('xinfo|consumers', 4, ['readonly'], KEY2, 'Returns a list of the consumers in a consumer group.', '5.0.0', xinfoConsumers),
      x('xinfo|help', 2, ['loading', 'stale'], { first: 0, last: 0, step: 0 }, 'Returns helpful text about the different subcommands.', '5.0.0', (ctx) =>
        helpReply(ctx, 'XINFO', [
          'CONSUMERS <key> <groupname>',
          '    Show consumers of <groupname>.',
          'GROUPS <key>',
          '    Show the stream consumer groups.',
          'STREAM <key> [FULL [COUNT <count>]',
          '    Show information about the stream.',
        ])),
    ],
  },
];
