// The stream value type: entries ordered by ID, consumer groups with their pending
// entries lists (PEL), and the bookkeeping Redis 7.0 keeps (last ID, max deleted ID,
// entries added) so that XINFO lag and XSETID behave the same.
//
// An ID is two unsigned 64-bit numbers (ms-seq); here it is one bigint
// ms << 64 | seq, so comparisons are plain `<`. Entries are grouped into nodes the
// way Redis groups them into listpacks (at most stream-node-max-entries entries and
// about stream-node-max-bytes bytes per node), because approximate trimming
// (MAXLEN ~ / MINID ~) removes whole nodes only, and clients see the difference.
// A deleted entry stays in its node as a tombstone until the node empties.

import { ChargedValue, Collection, ELEMENT_OVERHEAD, MemoryAccount } from '../memory.js';

export type StreamId = bigint;

export const U64_MAX = (1n << 64n) - 1n;
export const ID_MAX: StreamId = (U64_MAX << 64n) | U64_MAX;
export const ID_MIN: StreamId = 0n;

export function makeId(ms: bigint, seq: bigint): StreamId {
  return (ms << 64n) | seq;
}

export function idMs(id: StreamId): bigint {
  return id >> 64n;
}

export function idSeq(id: StreamId): bigint {
  return id & U64_MAX;
}

export function formatId(id: StreamId): string {
  return `${id >> 64n}-${id & U64_MAX}`;
}

/** The next ID after `id`, or null past the largest (streamIncrID). */
export function nextId(id: StreamId): StreamId | null {
  return id === ID_MAX ? null : id + 1n;
}

export function prevId(id: StreamId): StreamId | null {
  return id === ID_MIN ? null : id - 1n;
}

export interface StreamEntry {
  id: StreamId;
  /** field1, value1, field2, value2, ... (latin1 strings). */
  fields: string[];
  deleted: boolean;
}

interface StreamNode {
  entries: StreamEntry[];
  live: number;
  bytes: number;
}

export interface PendingEntry {
  id: StreamId;
  consumer: Consumer;
  /** When it was last delivered (ms). */
  deliveryTime: number;
  deliveryCount: number;
}

export interface Consumer {
  name: string;
  /** Last time the consumer was seen (any interaction), ms. */
  seenTime: number;
  /** Last successful read or claim, ms (Valkey 7.2 "active-time"); -1 = never. */
  activeTime: number;
  /** IDs this consumer has pending. */
  pending: Map<StreamId, PendingEntry>;
}

/** entries_read when unknown (SCG_INVALID_ENTRIES_READ). */
export const INVALID_ENTRIES_READ = -1;

export class ConsumerGroup {
  lastId: StreamId;
  entriesRead: number;
  /** The group's PEL by ID; `sortedIds` gives the order. */
  readonly pending = new Map<StreamId, PendingEntry>();
  private order: StreamId[] = [];
  private orderDirty = false;
  readonly consumers = new Map<string, Consumer>();

  constructor(
    readonly name: string,
    lastId: StreamId,
    entriesRead: number,
  ) {
    this.lastId = lastId;
    this.entriesRead = entriesRead;
  }

  addPending(p: PendingEntry): void {
    const last = this.order.length ? this.order[this.order.length - 1] : -1n;
    this.pending.set(p.id, p);
    p.consumer.pending.set(p.id, p);
    if (p.id > last && !this.orderDirty) this.order.push(p.id);
    else this.orderDirty = true;
  }

  removePending(id: StreamId): PendingEntry | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    p.consumer.pending.delete(id);
    this.orderDirty = true;
    return p;
  }

  /** The PEL's IDs in order. */
  sortedIds(): StreamId[] {
    if (this.orderDirty) {
      this.order = [...this.pending.keys()].sort(compareIds);
      this.orderDirty = false;
    }
    return this.order;
  }

  consumer(name: string, now: number, create: boolean): Consumer | undefined {
    let c = this.consumers.get(name);
    if (!c && create) {
      c = { name, seenTime: now, activeTime: -1, pending: new Map() };
      this.consumers.set(name, c);
    }
    return c;
  }
}

export function compareIds(a: StreamId, b: StreamId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Node limits, from stream-node-max-entries / stream-node-max-bytes. */
export interface NodeLimits {
  maxEntries: number;
  maxBytes: number;
}

export type TrimStrategy = { kind: 'maxlen'; threshold: number } | { kind: 'minid'; threshold: StreamId };

export class StreamValue extends ChargedValue implements Collection {
  private nodes: StreamNode[] = [];
  length = 0;
  lastId: StreamId = 0n;
  maxDeletedId: StreamId = 0n;
  /** Entries ever added (XINFO entries-added). */
  entriesAdded = 0;
  readonly groups = new Map<string, ConsumerGroup>();

  constructor(account: MemoryAccount) {
    super(account);
    this.charge(200);
  }

  get size(): number {
    return this.length;
  }

  encoding(): string {
    return 'stream';
  }

  /** ID of the first live entry, or 0 when empty. */
  get firstId(): StreamId {
    for (const n of this.nodes) for (const e of n.entries) if (!e.deleted) return e.id;
    return 0n;
  }

  /** The last live entry's ID (streamLastValidID), or 0 when empty. */
  get lastValidId(): StreamId {
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const es = this.nodes[i].entries;
      for (let j = es.length - 1; j >= 0; j--) if (!es[j].deleted) return es[j].id;
    }
    return 0n;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Appends an entry with an ID the caller checked is greater than lastId. */
  append(id: StreamId, fields: string[], limits: NodeLimits): void {
    let bytes = 8;
    for (const f of fields) bytes += f.length + 2;
    let node = this.nodes[this.nodes.length - 1];
    if (!node || node.entries.length >= limits.maxEntries || (limits.maxBytes > 0 && node.bytes + bytes > limits.maxBytes)) {
      node = { entries: [], live: 0, bytes: 0 };
      this.nodes.push(node);
    }
    node.entries.push({ id, fields, deleted: false });
    node.live++;
    node.bytes += bytes;
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    this.charge(bytes + ELEMENT_OVERHEAD);
  }

  /** XDEL of one ID: true if a live entry was deleted. */
  delete(id: StreamId): boolean {
    for (let n = 0; n < this.nodes.length; n++) {
      const node = this.nodes[n];
      const es = node.entries;
      if (es.length === 0 || es[es.length - 1].id < id || es[0].id > id) continue;
      const i = findIndex(es, id);
      if (i === -1 || es[i].id !== id || es[i].deleted) return false;
      this.kill(node, n, es[i]);
      if (id > this.maxDeletedId) this.maxDeletedId = id;
      return true;
    }
    return false;
  }

  private kill(node: StreamNode, nodeIndex: number, e: StreamEntry): boolean {
    e.deleted = true;
    node.live--;
    this.length--;
    let bytes = 8;
    for (const f of e.fields) bytes += f.length + 2;
    this.charge(-(bytes + ELEMENT_OVERHEAD));
    if (node.live === 0) {
      this.nodes.splice(nodeIndex, 1);
      return true;
    }
    return false;
  }

  /**
   * Trims by MAXLEN or MINID (streamTrim). Approximate trimming removes whole nodes
   * only; `limit` caps the entries removed (0 = none). Returns how many were removed.
   */
  trim(strategy: TrimStrategy, approx: boolean, limit: number): number {
    let deleted = 0;
    while (this.nodes.length > 0) {
      const node = this.nodes[0];
      if (limit && deleted + node.live > limit) break;
      const lastInNode = node.entries[node.entries.length - 1].id;
      const removeNode = strategy.kind === 'maxlen' ? this.length - node.live >= strategy.threshold : lastInNode < strategy.threshold;
      if (removeNode) {
        for (const e of node.entries) {
          if (e.deleted) continue;
          let bytes = 8;
          for (const f of e.fields) bytes += f.length + 2;
          this.charge(-(bytes + ELEMENT_OVERHEAD));
        }
        this.length -= node.live;
        deleted += node.live;
        this.nodes.shift();
        continue;
      }
      if (approx) break;
      // Exact trimming: delete entries of this node one by one.
      for (const e of node.entries) {
        if (e.deleted) continue;
        const stop = strategy.kind === 'maxlen' ? this.length <= strategy.threshold : e.id >= strategy.threshold;
        if (stop) break;
        deleted++;
        if (this.kill(node, 0, e)) break;
      }
      break;
    }
    return deleted;
  }

  /** Live entries with start <= id <= end, ascending (or descending when `rev`), at most `count` (0 = all). */
  range(start: StreamId, end: StreamId, count: number, rev = false): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (start > end) return out;
    if (!rev) {
      for (const node of this.nodes) {
        const es = node.entries;
        if (es[es.length - 1].id < start) continue;
        if (es[0].id > end) break;
        for (let i = findIndex(es, start); i < es.length; i++) {
          const e = es[i];
          if (e.id > end) return out;
          if (e.deleted) continue;
          out.push(e);
          if (count && out.length >= count) return out;
        }
      }
    } else {
      for (let n = this.nodes.length - 1; n >= 0; n--) {
        const es = this.nodes[n].entries;
        if (es[0].id > end) continue;
        if (es[es.length - 1].id < start) break;
        for (let i = es.length - 1; i >= 0; i--) {
          const e = es[i];
          if (e.id > end) continue;
          if (e.id < start) return out;
          if (e.deleted) continue;
          out.push(e);
          if (count && out.length >= count) return out;
        }
      }
    }
    return out;
  }

  /** The live entry with exactly this ID, if any. */
  get(id: StreamId): StreamEntry | undefined {
    const r = this.range(id, id, 1);
    return r[0];
  }

  /** Whether a deleted entry may lie between start and end (streamRangeHasTombstones). */
  hasTombstones(start: StreamId | null, end: StreamId | null): boolean {
    if (this.length === 0 || this.maxDeletedId === 0n) return false;
    const s = start ?? 0n;
    const e = end ?? ID_MAX;
    return s <= this.maxDeletedId && e >= this.maxDeletedId;
  }

  /**
   * The logical read counter of an ID (streamEstimateDistanceFromFirstEverEntry),
   * or INVALID_ENTRIES_READ when it cannot be known.
   */
  estimateDistance(id: StreamId): number {
    if (!this.entriesAdded) return 0;
    if (!this.length && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return INVALID_ENTRIES_READ;
    const first = this.firstId;
    if (this.maxDeletedId === 0n || this.maxDeletedId < first) {
      if (id < first) return this.entriesAdded - this.length;
      if (id === first) return this.entriesAdded - this.length + 1;
    }
    return INVALID_ENTRIES_READ;
  }

  /** A group's lag (XINFO GROUPS), or null when unknown. */
  lag(group: ConsumerGroup): number | null {
    if (!this.entriesAdded) return 0;
    if (group.entriesRead !== INVALID_ENTRIES_READ && !this.hasTombstones(group.lastId, null)) {
      return this.entriesAdded - group.entriesRead;
    }
    const read = this.estimateDistance(group.lastId);
    return read === INVALID_ENTRIES_READ ? null : this.entriesAdded - read;
  }

  /** Moves a group's last-delivered ID forward after delivering `id` (keeps entries_read right). */
  advanceGroup(group: ConsumerGroup, id: StreamId): void {
    if (id <= group.lastId) return;
    if (group.entriesRead !== INVALID_ENTRIES_READ && !this.hasTombstones(id, null)) group.entriesRead++;
    else if (this.entriesAdded) group.entriesRead = this.estimateDistance(id);
    group.lastId = id;
  }

  clone(account: MemoryAccount): StreamValue {
    const c = new StreamValue(account);
    for (const node of this.nodes) {
      const copy: StreamNode = { entries: node.entries.map((e) => ({ id: e.id, fields: [...e.fields], deleted: e.deleted })), live: node.live, bytes: node.bytes };
      c.nodes.push(copy);
    }
    c.length = this.length;
    c.lastId = this.lastId;
    c.maxDeletedId = this.maxDeletedId;
    c.entriesAdded = this.entriesAdded;
    c.charge(this.memory - 200);
    for (const [name, g] of this.groups) {
      const ng = new ConsumerGroup(name, g.lastId, g.entriesRead);
      for (const [cn, con] of g.consumers) ng.consumers.set(cn, { name: cn, seenTime: con.seenTime, activeTime: con.activeTime, pending: new Map() });
      for (const id of g.sortedIds()) {
        const p = g.pending.get(id)!;
        ng.addPending({ id, consumer: ng.consumers.get(p.consumer.name)!, deliveryTime: p.deliveryTime, deliveryCount: p.deliveryCount });
      }
      c.groups.set(name, ng);
    }
    return c;
  }
}

/** Index of the first entry with id >= target in a sorted node (binary search). */
function findIndex(es: StreamEntry[], target: StreamId): number {
  let lo = 0;
  let hi = es.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (es[mid].id < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
