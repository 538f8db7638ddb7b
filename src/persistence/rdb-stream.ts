// Streams in RDB_TYPE_STREAM_LISTPACKS_2, the format redis-server 7.0 writes, and
// the older (15) and newer (21, Redis/Valkey 7.2) variants for reading.
//
// Layout: the node count; per node its master ID (16 bytes, big endian) and a
// listpack; then length, last ID, first ID, max deleted ID, entries added; then the
// consumer groups, each with its name, last delivered ID, entries read, the group's
// PEL (raw ID, delivery time, delivery count) and its consumers (name, seen time,
// [active time in 21], and the raw IDs of their own PEL).
//
// A node's listpack starts with a master entry: live count, deleted count, the
// field names of the node's first entry, and a 0 terminator. Each entry follows as
// flags (1 deleted, 2 same fields as the master), ms and seq as deltas from the
// master ID, then either just the values (same fields) or a field count and
// field/value pairs, and finally the number of listpack elements the entry used
// before this one (so the node can be walked backwards).
//
// Cove's StreamValue keeps Redis's node boundaries and tombstones, so both survive
// a round trip: approximate trimming (whole nodes) acts the same after a reload, in
// Cove and in redis-server. Nodes are read through a structural view of the value
// (its `nodes` field is private to the engine type).

import { ConsumerGroup, INVALID_ENTRIES_READ, StreamValue, idMs, idSeq, makeId } from '../engine/types/stream.js';
import type { StreamEntry, StreamId, Consumer } from '../engine/types/stream.js';
import type { MemoryAccount } from '../engine/memory.js';
import { ListpackBuilder, LpValue, lpDecode, lpString } from './listpack.js';
import type { RdbInput } from './rdb-input.js';
import type { RdbOutput } from './rdb-output.js';
import { RdbError, RdbType, STREAM_ITEM_DELETED, STREAM_ITEM_SAMEFIELDS } from './rdb-types.js';

interface NodeView {
  entries: StreamEntry[];
}

const U64_MAX = (1n << 64n) - 1n;

function nodesOf(s: StreamValue): NodeView[] {
  const nodes = (s as unknown as { nodes: NodeView[] }).nodes;
  if (!Array.isArray(nodes)) throw new Error('StreamValue no longer keeps its entries in `nodes`: update rdb-stream.ts');
  return nodes;
}

function rawId(id: StreamId): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(idMs(id), 0);
  b.writeBigUInt64BE(idSeq(id), 8);
  return b;
}

function sameFields(fields: string[], master: string[]): boolean {
  if (fields.length / 2 !== master.length) return false;
  for (let i = 0; i < master.length; i++) if (fields[2 * i] !== master[i]) return false;
  return true;
}

/** One node as Redis lays it out in its listpack. */
function nodeListpack(entries: StreamEntry[]): Buffer {
  const master = entries[0].id;
  const masterMs = idMs(master);
  const masterSeq = idSeq(master);
  const masterFields: string[] = [];
  for (let i = 0; i < entries[0].fields.length; i += 2) masterFields.push(entries[0].fields[i]);
  let live = 0;
  for (const e of entries) if (!e.deleted) live++;
  const lp = new ListpackBuilder(256);
  lp.appendInt(live).appendInt(entries.length - live).appendInt(masterFields.length);
  for (const f of masterFields) lp.append(f);
  lp.appendInt(0);
  for (const e of entries) {
    const n = e.fields.length / 2;
    const same = sameFields(e.fields, masterFields);
    lp.appendInt((e.deleted ? STREAM_ITEM_DELETED : 0) | (same ? STREAM_ITEM_SAMEFIELDS : 0));
    lp.appendInt(BigInt.asIntN(64, idMs(e.id) - masterMs));
    lp.appendInt(BigInt.asIntN(64, idSeq(e.id) - masterSeq));
    if (same) {
      for (let i = 1; i < e.fields.length; i += 2) lp.append(e.fields[i]);
    } else {
      lp.appendInt(n);
      for (const f of e.fields) lp.append(f);
    }
    lp.appendInt(same ? n + 3 : 2 * n + 4);
  }
  return lp.finish();
}

/** Writes a stream's value (after its type byte) as RDB_TYPE_STREAM_LISTPACKS_2. */
export function writeStream(out: RdbOutput, s: StreamValue): void {
  const nodes = nodesOf(s).filter((n) => n.entries.length > 0);
  out.len(nodes.length);
  for (const node of nodes) {
    out.stringBytes(rawId(node.entries[0].id));
    out.stringBytes(nodeListpack(node.entries));
  }
  out.len(s.length);
  out.len(idMs(s.lastId));
  out.len(idSeq(s.lastId));
  const first = s.firstId;
  out.len(idMs(first));
  out.len(idSeq(first));
  out.len(idMs(s.maxDeletedId));
  out.len(idSeq(s.maxDeletedId));
  out.len(s.entriesAdded);
  // Groups and consumers in name order, as Redis's radix trees keep them.
  const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  out.len(s.groups.size);
  for (const g of [...s.groups.values()].sort(byName)) {
    out.string(g.name);
    out.len(idMs(g.lastId));
    out.len(idSeq(g.lastId));
    out.len(g.entriesRead === INVALID_ENTRIES_READ ? U64_MAX : BigInt(g.entriesRead));
    const pel = g.sortedIds();
    out.len(pel.length);
    for (const id of pel) {
      const p = g.pending.get(id)!;
      out.raw(rawId(id));
      out.millis(p.deliveryTime);
      out.len(p.deliveryCount);
    }
    out.len(g.consumers.size);
    for (const c of [...g.consumers.values()].sort(byName)) {
      out.string(c.name);
      out.millis(c.seenTime);
      const ids = [...c.pending.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      out.len(ids.length);
      for (const id of ids) out.raw(rawId(id));
    }
  }
}

// ---- reading -----------------------------------------------------------------------

const NEW_NODE = { maxEntries: 0, maxBytes: 0 };
const SAME_NODE = { maxEntries: Number.MAX_SAFE_INTEGER, maxBytes: 0 };

function corrupt(what: string): never {
  throw new RdbError(what);
}

function int(v: LpValue | undefined, what = 'Stream listpack integrity check failed'): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'bigint') return v;
  return corrupt(what);
}

/** The entries of one node's listpack, IDs resolved against the master ID. */
function parseNode(master: StreamId, lp: Buffer): StreamEntry[] {
  const items = lpDecode(lp);
  if (items.length === 0) corrupt('Empty listpack inside stream');
  let i = 0;
  const next = (): LpValue => (i < items.length ? items[i++] : corrupt('Stream listpack integrity check failed'));
  const count = int(next());
  const deleted = int(next());
  const nFields = Number(int(next()));
  if (nFields < 0) corrupt('Stream listpack integrity check failed');
  const masterFields: string[] = [];
  for (let k = 0; k < nFields; k++) masterFields.push(lpString(next()));
  if (int(next()) !== 0n) corrupt('Stream listpack integrity check failed');
  const total = Number(count + deleted);
  const out: StreamEntry[] = [];
  const masterMs = idMs(master);
  const masterSeq = idSeq(master);
  for (let e = 0; e < total; e++) {
    const flags = Number(int(next()));
    const ms = BigInt.asUintN(64, masterMs + int(next()));
    const seq = BigInt.asUintN(64, masterSeq + int(next()));
    const fields: string[] = [];
    let used: number;
    if (flags & STREAM_ITEM_SAMEFIELDS) {
      for (const f of masterFields) fields.push(f, lpString(next()));
      used = nFields + 3;
    } else {
      const n = Number(int(next()));
      if (n < 0) corrupt('Stream listpack integrity check failed');
      for (let k = 0; k < 2 * n; k++) fields.push(lpString(next()));
      used = 2 * n + 4;
    }
    if (Number(int(next())) !== used) corrupt('Stream listpack integrity check failed');
    const id = makeId(ms, seq);
    if (out.length > 0 && id <= out[out.length - 1].id) corrupt('Stream entries out of order');
    out.push({ id, fields, deleted: (flags & STREAM_ITEM_DELETED) !== 0 });
  }
  if (i !== items.length) corrupt('Stream listpack integrity check failed');
  let live = 0;
  for (const e of out) if (!e.deleted) live++;
  if (BigInt(live) !== count) corrupt('Stream listpack integrity check failed');
  return out;
}

function readId(inp: RdbInput): StreamId {
  return makeId(inp.lenBig(), inp.lenBig());
}

/** Reads a stream value of RDB type 15, 19 or 21 into a new StreamValue. */
export function readStream(inp: RdbInput, rdbType: number, account: MemoryAccount): StreamValue {
  const s = new StreamValue(account);
  const nodeCount = inp.len();
  let lastSeen = -1n;
  for (let n = 0; n < nodeCount; n++) {
    const key = inp.stringBuf();
    if (key.length !== 16) corrupt('Stream node key entry is not the size of a stream ID');
    const master = (key.readBigUInt64BE(0) << 64n) | key.readBigUInt64BE(8);
    if (master <= lastSeen) corrupt('Listpack re-added with existing key');
    const entries = parseNode(master, inp.stringBuf());
    if (entries[0].id < master || entries[0].id <= lastSeen) corrupt('Stream entries out of order');
    entries.forEach((e, i) => s.append(e.id, e.fields, i === 0 ? NEW_NODE : SAME_NODE));
    for (const e of entries) if (e.deleted) s.delete(e.id);
    lastSeen = entries[entries.length - 1].id;
  }
  const length = inp.len();
  if (length !== s.length) corrupt('Stream length inconsistent with rax entries');
  s.lastId = readId(inp);
  if (rdbType >= RdbType.STREAM_LISTPACKS_2) {
    readId(inp); // the first ID: Cove derives it from the entries
    s.maxDeletedId = readId(inp);
    const added = inp.lenBig();
    s.entriesAdded = Number(added);
  } else {
    s.maxDeletedId = 0n;
    s.entriesAdded = s.length;
  }
  if (lastSeen > s.lastId) corrupt('Stream last ID is smaller than an entry ID');
  const groupCount = inp.len();
  for (let g = 0; g < groupCount; g++) {
    const name = inp.string();
    const lastId = readId(inp);
    let entriesRead: number;
    if (rdbType >= RdbType.STREAM_LISTPACKS_2) {
      const v = inp.lenBig();
      entriesRead = v === U64_MAX ? INVALID_ENTRIES_READ : Number(v);
    } else {
      entriesRead = s.estimateDistance(lastId);
    }
    if (s.groups.has(name)) corrupt(`Duplicated consumer group name ${name}`);
    const group = new ConsumerGroup(name, lastId, entriesRead);
    s.groups.set(name, group);
    const nacks = new Map<StreamId, { deliveryTime: number; deliveryCount: number }>();
    const pelSize = inp.len();
    for (let k = 0; k < pelSize; k++) {
      const id = inp.rawStreamId();
      const deliveryTime = inp.millis();
      const deliveryCount = inp.len();
      if (nacks.has(id)) corrupt('Duplicated global PEL entry loading stream consumer group');
      nacks.set(id, { deliveryTime, deliveryCount });
    }
    const consumerCount = inp.len();
    for (let c = 0; c < consumerCount; c++) {
      const cname = inp.string();
      if (group.consumers.has(cname)) corrupt('Duplicate stream consumer detected.');
      const seenTime = inp.millis();
      const activeTime = rdbType >= RdbType.STREAM_LISTPACKS_3 ? inp.millis() : seenTime;
      const consumer: Consumer = { name: cname, seenTime, activeTime, pending: new Map() };
      group.consumers.set(cname, consumer);
      const own = inp.len();
      for (let k = 0; k < own; k++) {
        const id = inp.rawStreamId();
        const nack = nacks.get(id);
        if (!nack) corrupt('Consumer entry not found in group global PEL');
        if (group.pending.has(id)) corrupt('Duplicated consumer PEL entry loading a stream consumer group');
        group.addPending({ id, consumer, deliveryTime: nack.deliveryTime, deliveryCount: nack.deliveryCount });
      }
    }
    // PEL entries that no consumer owns cannot be represented (Redis rejects them
    // when it sanitizes payloads); they are dropped.
  }
  return s;
}
