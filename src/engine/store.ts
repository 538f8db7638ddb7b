// The Valkey/Redis engine's data: its databases, expiry, eviction and counters.
//
// Everything a command needs from storage goes through here: lookups that expire
// keys lazily and count hits and misses, key deletion with notification, the
// active expire cycle, maxmemory eviction under the eight ElastiCache policies,
// and used_memory. It raises events (key modified, keyspace notification, key
// ready for a blocked client) through `hooks`, which the server fills in; the
// store itself knows no clients and no protocol.

import { Clock, systemClock } from './clock.js';
import { Keyspace, ValueType } from './keyspace.js';
import { MemoryAccount } from './memory.js';
import { SlabArena } from './slab-arena.js';

export type EvictionPolicy =
  | 'noeviction'
  | 'allkeys-lru'
  | 'volatile-lru'
  | 'allkeys-lfu'
  | 'volatile-lfu'
  | 'allkeys-random'
  | 'volatile-random'
  | 'volatile-ttl';

export const EVICTION_POLICIES: EvictionPolicy[] = [
  'noeviction',
  'allkeys-lru',
  'volatile-lru',
  'allkeys-lfu',
  'volatile-lfu',
  'allkeys-random',
  'volatile-random',
  'volatile-ttl',
];

/** Events the store raises; the server wires them to WATCH, tracking, pub/sub and blocking. */
export interface StoreHooks {
  /** A key was written or deleted (Redis signalModifiedKey). Only called when `watching` is true. */
  keyModified(db: number, key: string): void;
  /** A keyspace event (notify-keyspace-events), with its class letter. */
  keyspaceEvent(cls: string, event: string, key: string, db: number): void;
  /** A key that blocked clients may be waiting on now has data. */
  keyReady(db: number, key: string): void;
}

const noHooks: StoreHooks = {
  keyModified: () => {},
  keyspaceEvent: () => {},
  keyReady: () => {},
};

export interface StoreOptions {
  databases?: number;
  clock?: Clock;
  maxmemory?: number;
  policy?: EvictionPolicy;
}

const LFU_INIT_VAL = 5;

export class Store {
  readonly arena = new SlabArena();
  readonly account = new MemoryAccount();
  dbs: Keyspace[];
  clock: Clock;
  hooks: StoreHooks = noHooks;
  /** True when someone needs keyModified (WATCH, client tracking). */
  watching = false;
  /** True when keyspace notifications are enabled. */
  notifying = false;
  /** True while some client is blocked on keys: writes and deletes then signal them. */
  blockedWaiting = false;
  /** Replicas do not expire keys on their own: the primary sends DELs. */
  isReplica = false;
  /** Set while a replica runs its primary's commands: only the primary decides what expired. */
  fromPrimary = false;

  maxmemory = 0;
  policy: EvictionPolicy = 'noeviction';
  samples = 5;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  activeExpire = true;

  // Counters for INFO stats.
  expiredKeys = 0;
  evictedKeys = 0;
  hits = 0;
  misses = 0;
  dirty = 0;
  expiredStalePerc = 0;
  expireCycleCpuMs = 0;

  constructor(opts: StoreOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.dbs = [];
    for (let i = 0; i < (opts.databases ?? 16); i++) this.dbs.push(new Keyspace(this.arena, this.account));
    if (opts.maxmemory) this.maxmemory = opts.maxmemory;
    if (opts.policy) this.policy = opts.policy;
  }

  // ---- lookups --------------------------------------------------------------

  /**
   * Finds a key for reading: expires it if due, counts a hit or miss, refreshes its
   * LRU/LFU stamp. Returns the id or -1.
   */
  lookupRead(db: number, buf: Buffer, start: number, end: number, now: number): number {
    const ks = this.dbs[db];
    const id = ks.find(buf, start, end);
    if (id === -1 || (ks.expireAt(id) !== 0 && this.expireIfNeeded(db, id, now))) {
      this.misses++;
      return -1;
    }
    this.hits++;
    this.touch(ks, id, now);
    return id;
  }

  /** Finds a key for writing: expires it if due and refreshes LRU; no hit/miss counting. */
  lookupWrite(db: number, buf: Buffer, start: number, end: number, now: number): number {
    const ks = this.dbs[db];
    const id = ks.find(buf, start, end);
    if (id === -1 || (ks.expireAt(id) !== 0 && this.expireIfNeeded(db, id, now))) return -1;
    this.touch(ks, id, now);
    return id;
  }

  /** Finds a key without side effects beyond expiry (TYPE-less peeks, OBJECT, TTL). */
  lookupQuiet(db: number, buf: Buffer, start: number, end: number, now: number): number {
    const ks = this.dbs[db];
    const id = ks.find(buf, start, end);
    if (id === -1 || (ks.expireAt(id) !== 0 && this.expireIfNeeded(db, id, now))) return -1;
    return id;
  }

  lookupKey(db: number, key: string | Buffer, now: number, mode: 'read' | 'write' | 'quiet' = 'quiet'): number {
    const b = typeof key === 'string' ? Buffer.from(key, 'latin1') : key;
    if (mode === 'read') return this.lookupRead(db, b, 0, b.length, now);
    if (mode === 'write') return this.lookupWrite(db, b, 0, b.length, now);
    return this.lookupQuiet(db, b, 0, b.length, now);
  }

  /** Deletes the key if its time has come. True when the key is (now) logically gone. */
  expireIfNeeded(db: number, id: number, now: number): boolean {
    const ks = this.dbs[db];
    const at = ks.expireAt(id);
    if (at === 0 || at > now) return false;
    // A replica reports expired keys as missing but leaves deletion to its primary;
    // during a client pause nothing is deleted either (the dataset must not change).
    if (this.isReplica) return !this.fromPrimary;
    if (this.expiryPaused?.()) return true;
    const key = ks.keyString(id);
    ks.delete(id);
    this.expiredKeys++;
    this.dirty++;
    if (this.notifying) this.hooks.keyspaceEvent('x', 'expired', key, db);
    if (this.watching) this.hooks.keyModified(db, key);
    this.onExpired?.(db, key);
    return true;
  }

  /** True while CLIENT PAUSE holds: expired keys read as missing but stay (Redis 7.0). */
  expiryPaused: (() => boolean) | null = null;

  /** Called for each key the store expires (replication propagates a DEL). */
  onExpired: ((db: number, key: string) => void) | null = null;

  private touch(ks: Keyspace, id: number, now: number): void {
    if (this.policy === 'allkeys-lfu' || this.policy === 'volatile-lfu') {
      ks.lru[id] = this.lfuTouch(ks.lru[id], now);
    } else {
      ks.lru[id] = lruClock(now);
    }
  }

  /** The LRU/LFU word a new key starts with. */
  initialLru(now: number): number {
    if (this.policy === 'allkeys-lfu' || this.policy === 'volatile-lfu') {
      return ((lfuMinutes(now) & 0xffff) << 8) | LFU_INIT_VAL;
    }
    return lruClock(now);
  }

  private lfuTouch(word: number, now: number): number {
    let counter = this.lfuDecay(word, now);
    if (counter < 255) {
      const base = Math.max(0, counter - LFU_INIT_VAL);
      if (Math.random() < 1 / (base * this.lfuLogFactor + 1)) counter++;
    }
    return (((lfuMinutes(now) & 0xffff) << 8) | counter) >>> 0;
  }

  /** The LFU counter after decay (Redis LFUDecrAndReturn). */
  lfuDecay(word: number, now: number): number {
    const ldt = word >>> 8;
    const counter = word & 0xff;
    const elapsed = (lfuMinutes(now) - ldt + 0x10000) & 0xffff;
    const periods = this.lfuDecayTime ? Math.floor(elapsed / this.lfuDecayTime) : 0;
    return periods > counter ? 0 : counter - periods;
  }

  /** Seconds since the key was last touched (OBJECT IDLETIME). */
  idleSeconds(db: number, id: number, now: number): number {
    const then = this.dbs[db].lru[id];
    return (lruClock(now) - then + 0x1000000) & 0xffffff;
  }

  // ---- writes that every command shares --------------------------------------

  /** Creates a key (must not exist) with the LRU word set; returns its id. */
  create(db: number, buf: Buffer, start: number, end: number, type: ValueType, valueLen: number, now: number): number {
    const ks = this.dbs[db];
    const id = ks.insert(buf, start, end, type, valueLen);
    ks.lru[id] = this.initialLru(now);
    if (this.notifying) this.hooks.keyspaceEvent('n', 'new', buf.latin1Slice(start, end), db);
    return id;
  }

  /** Deletes a key, telling watchers. Notifications are the caller's (the event name varies). */
  delete(db: number, id: number): void {
    const ks = this.dbs[db];
    if (this.watching || this.blockedWaiting) {
      const key = ks.keyString(id);
      if (this.watching) this.hooks.keyModified(db, key);
      // A blocked XREADGROUP must learn that its stream is gone.
      if (this.blockedWaiting) this.hooks.keyReady(db, key);
    }
    ks.delete(id);
  }

  /** Marks a key modified (WATCH, tracking) and counts a change. */
  modified(db: number, key: Buffer | string, start = 0, end = -1): void {
    this.dirty++;
    if (!this.watching && !this.blockedWaiting) return;
    const k = typeof key === 'string' ? key : key.latin1Slice(start, end < 0 ? key.length : end);
    if (this.watching) this.hooks.keyModified(db, k);
    // A key that changed type (SET over a stream) is re-checked by its blocked clients.
    if (this.blockedWaiting) this.hooks.keyReady(db, k);
  }

  notify(cls: string, event: string, key: string | Buffer, db: number): void {
    if (!this.notifying) return;
    this.hooks.keyspaceEvent(cls, event, typeof key === 'string' ? key : key.latin1Slice(0, key.length), db);
  }

  /** A list/zset/stream key got data: clients blocked on it may be served. */
  ready(db: number, key: string): void {
    this.hooks.keyReady(db, key);
  }

  flushAll(): void {
    for (const ks of this.dbs) ks.clear(true);
    this.arena.reset();
    this.account.bytes = 0;
  }

  flushDb(db: number): void {
    this.dbs[db].clear(false);
  }

  swapDb(a: number, b: number): void {
    const t = this.dbs[a];
    this.dbs[a] = this.dbs[b];
    this.dbs[b] = t;
  }

  // ---- memory -----------------------------------------------------------------

  /** Bytes the dataset takes, as used_memory reports and maxmemory compares. */
  usedMemory(): number {
    let overhead = 0;
    for (const ks of this.dbs) overhead += ks.overheadBytes;
    return this.arena.usedBytes + this.account.bytes + overhead;
  }

  /** Extra bytes outside the dataset (client buffers) added by the server for used_memory. */
  externalBytes = 0;

  /**
   * What a node uses before it holds any data (redis-server 7.0 reports ~870K at
   * startup). Counted in used_memory and by maxmemory alike, as Redis counts its own
   * startup allocations, so that "used_memory + N" limits behave as on Redis.
   */
  readonly startupBytes = 900 * 1024;

  /** used_memory: the dataset, client buffers and the startup overhead. */
  totalMemory(): number {
    return this.usedMemory() + this.externalBytes + this.startupBytes;
  }

  /** used_memory minus what maxmemory does not count (replica output buffers: none yet). */
  memoryForEviction(): number {
    return this.totalMemory();
  }

  /**
   * Evicts keys by the policy until memory is under maxmemory (performEvictions).
   * Returns false when it cannot get there (noeviction, or nothing evictable).
   */
  evictIfNeeded(now: number): boolean {
    if (this.maxmemory === 0) return true;
    let guard = 0;
    while (this.memoryForEviction() > this.maxmemory) {
      if (this.policy === 'noeviction') return false;
      const victim = this.pickVictim(now);
      if (!victim) return false;
      const ks = this.dbs[victim.db];
      const key = ks.keyString(victim.id);
      this.delete(victim.db, victim.id);
      this.evictedKeys++;
      this.dirty++;
      this.notify('e', 'evicted', key, victim.db);
      this.onEvicted?.(victim.db, key);
      if (++guard > 1_000_000) return false;
    }
    return true;
  }

  /** Called for each evicted key (replication propagates a DEL). */
  onEvicted: ((db: number, key: string) => void) | null = null;

  private pickVictim(now: number): { db: number; id: number } | null {
    const volatileOnly = this.policy.startsWith('volatile-');
    let best: { db: number; id: number; score: number } | null = null;
    for (let db = 0; db < this.dbs.length; db++) {
      const ks = this.dbs[db];
      const population = volatileOnly ? ks.volatileSize : ks.size;
      if (population === 0) continue;
      const n = Math.min(this.samples, population);
      for (let s = 0; s < n; s++) {
        const id = volatileOnly ? ks.randomVolatile() : ks.randomId();
        if (id === -1) continue;
        const score = this.evictionScore(ks, id, now);
        if (!best || score > best.score) best = { db, id, score };
      }
      if (this.policy.endsWith('-random') && best) return best;
    }
    return best;
  }

  /** Higher is a better eviction candidate. */
  private evictionScore(ks: Keyspace, id: number, now: number): number {
    switch (this.policy) {
      case 'allkeys-lru':
      case 'volatile-lru':
        return (lruClock(now) - ks.lru[id] + 0x1000000) & 0xffffff;
      case 'allkeys-lfu':
      case 'volatile-lfu':
        return 255 - this.lfuDecay(ks.lru[id], now);
      case 'volatile-ttl':
        return -ks.expireAt(id);
      default:
        return Math.random();
    }
  }

  // ---- active expiry ------------------------------------------------------------

  /**
   * One active expire cycle (Redis activeExpireCycle, simplified): per database,
   * sample 20 keys with a TTL, delete the expired ones, and repeat while more than
   * a quarter of a sample was expired and the time budget allows.
   */
  activeExpireCycle(now: number, budgetMs = 25): void {
    if (!this.activeExpire || this.isReplica || this.expiryPaused?.()) return;
    const started = Date.now();
    let sampled = 0;
    let expired = 0;
    for (let db = 0; db < this.dbs.length; db++) {
      const ks = this.dbs[db];
      for (;;) {
        if (ks.volatileSize === 0) break;
        const n = Math.min(20, ks.volatileSize);
        let found = 0;
        for (let i = 0; i < n; i++) {
          const id = ks.randomVolatile();
          if (id === -1) break;
          sampled++;
          if (this.expireIfNeeded(db, id, now)) found++;
        }
        expired += found;
        if (found * 4 <= n) break;
        if (Date.now() - started > budgetMs) break;
      }
    }
    this.expireCycleCpuMs += Date.now() - started;
    if (sampled > 0) this.expiredStalePerc = this.expiredStalePerc * 0.95 + (expired / sampled) * 0.05;
  }
}

/** Redis's 24-bit LRU clock, in seconds. */
export function lruClock(now: number): number {
  return Math.floor(now / 1000) & 0xffffff;
}

function lfuMinutes(now: number): number {
  return Math.floor(now / 60000) & 0xffff;
}
