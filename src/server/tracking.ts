// Client-side caching support (CLIENT TRACKING): which clients may have cached which
// keys, and the invalidation messages they get when those keys change.
//
// Default mode remembers, per key, the clients that read it (the tracking table,
// global across databases as in Redis); a write sends each of them one
// invalidation and forgets the key. BCAST mode instead subscribes clients to key
// prefixes; changed keys are collected per prefix and broadcast after the command.
// Messages are RESP3 pushes (["invalidate", [keys]]), or, when a client redirects to
// a RESP2 connection subscribed to __redis__:invalidate, pub/sub messages there.

import type { Client } from './client.js';

export interface TrackingState {
  redirect: number; // client id, 0 = none
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING yes/no given for the next command. */
  caching: boolean;
  prefixes: Set<string>;
  brokenRedirect: boolean;
}

interface Broadcast {
  clients: Set<Client>;
  /** Keys changed since the last broadcast, with the client that changed them. */
  keys: Map<string, Client | null>;
}

export const INVALIDATE_CHANNEL = '__redis__:invalidate';

export class Tracking {
  /** key → ids of clients that may cache it. */
  private readonly table = new Map<string, Set<number>>();
  private items = 0;
  readonly prefixes = new Map<string, Broadcast>();
  /** Clients with tracking on. */
  readonly clients = new Set<Client>();
  /** The client whose command is running: its own invalidations wait for its reply. */
  current: Client | null = null;
  private pendingForCurrent: (string | null)[] = [];
  maxKeys = 1_000_000;

  constructor(
    private readonly lookup: (id: number) => Client | undefined,
    private readonly wake: (c: Client) => void,
  ) {}

  get active(): boolean {
    return this.clients.size > 0;
  }

  get totalKeys(): number {
    return this.table.size;
  }

  get totalItems(): number {
    return this.items;
  }

  enable(client: Client, state: TrackingState, newPrefixes: string[]): void {
    const old = client.tracking;
    if (old) {
      // Re-enabling keeps prefixes already registered (Redis adds to them).
      for (const p of old.prefixes) state.prefixes.add(p);
    }
    client.tracking = state;
    this.clients.add(client);
    if (state.bcast) {
      const list = newPrefixes.length === 0 && state.prefixes.size === 0 ? [''] : newPrefixes;
      for (const p of list) {
        state.prefixes.add(p);
        let b = this.prefixes.get(p);
        if (!b) this.prefixes.set(p, (b = { clients: new Set(), keys: new Map() }));
        b.clients.add(client);
      }
    }
  }

  disable(client: Client): void {
    const state = client.tracking;
    if (!state) return;
    for (const p of state.prefixes) {
      const b = this.prefixes.get(p);
      if (!b) continue;
      b.clients.delete(client);
      if (b.clients.size === 0) this.prefixes.delete(p);
    }
    client.tracking = null;
    this.clients.delete(client);
  }

  /** After a read-only command of a tracking client: remember the keys it read. */
  remember(client: Client, keys: string[]): void {
    const state = client.tracking;
    if (!state || state.bcast) return;
    if ((state.optin && !state.caching) || (state.optout && state.caching)) return;
    for (const key of keys) {
      let ids = this.table.get(key);
      if (!ids) this.table.set(key, (ids = new Set()));
      if (!ids.has(client.id)) {
        ids.add(client.id);
        this.items++;
      }
    }
    this.enforceLimit();
  }

  /**
   * tracking-table-max-keys: forget (and invalidate) keys until under the limit. Run
   * after each remembered read and when the limit is lowered (CONFIG SET), as Redis
   * does before every command and in its cron.
   */
  enforceLimit(): void {
    if (this.maxKeys <= 0 || this.table.size <= this.maxKeys) return;
    let excess = this.table.size - this.maxKeys;
    for (const key of [...this.table.keys()]) {
      if (excess-- <= 0) break;
      this.invalidate(key, null, false);
    }
  }

  /** A key changed: tell the clients that may cache it, and queue it for BCAST prefixes. */
  invalidate(key: string, by: Client | null, bcast = true): void {
    if (bcast && this.prefixes.size > 0) {
      for (const [prefix, b] of this.prefixes) {
        if (key.startsWith(prefix)) b.keys.set(key, by);
      }
    }
    const ids = this.table.get(key);
    if (!ids) return;
    for (const id of ids) {
      const target = this.lookup(id);
      if (!target || !target.tracking || target.tracking.bcast) continue;
      if (target.tracking.noloop && target === by) continue;
      if (target === this.current) {
        this.pendingForCurrent.push(key);
        continue;
      }
      this.send(target, [key]);
    }
    this.items -= ids.size;
    this.table.delete(key);
  }

  /** FLUSHALL/FLUSHDB: every tracking client drops its whole cache (a null invalidation). */
  invalidateAll(): void {
    for (const c of this.clients) {
      if (c === this.current) this.pendingForCurrent.push(null);
      else this.send(c, null);
    }
    this.table.clear();
    this.items = 0;
  }

  /** After the current client's reply: its own invalidations, then BCAST batches. */
  afterCommand(): void {
    const current = this.current;
    if (current && this.pendingForCurrent.length > 0) {
      const pending = this.pendingForCurrent;
      this.pendingForCurrent = [];
      for (const k of pending) this.send(current, k === null ? null : [k]);
    }
    if (this.prefixes.size > 0) this.broadcast();
  }

  private broadcast(): void {
    for (const b of this.prefixes.values()) {
      if (b.keys.size === 0) continue;
      for (const c of b.clients) {
        const keys: string[] = [];
        for (const [k, by] of b.keys) if (!(c.tracking?.noloop && by === c)) keys.push(k);
        if (keys.length) this.send(c, keys);
      }
      b.keys.clear();
    }
  }

  /** Sends one invalidation (keys, or null for "everything") to a client or its redirect. */
  private send(client: Client, keys: string[] | null): void {
    const state = client.tracking;
    if (!state) return;
    let target = client;
    let redirected = false;
    if (state.redirect) {
      const r = this.lookup(state.redirect);
      if (!r) {
        state.brokenRedirect = true;
        if (client.resp === 3) {
          client.writer.push(2);
          client.writer.bulk('tracking-redir-broken');
          client.writer.int(state.redirect);
          this.wake(client);
        }
        return;
      }
      target = r;
      redirected = true;
    }
    // The running client's own pushes respect its CLIENT REPLY state; others get theirs now.
    const w = target === this.current ? target.pushWriter : target.writer;
    if (target.resp === 3) {
      w.push(2);
      w.bulk('invalidate');
    } else if (redirected && target.channels.has(INVALIDATE_CHANNEL)) {
      w.push(3);
      w.bulk('message');
      w.bulk(INVALIDATE_CHANNEL);
    } else {
      return; // RESP2 without a redirect has no way to receive pushes
    }
    if (keys === null) {
      w.nil();
    } else {
      w.array(keys.length);
      for (const k of keys) w.bulk(k);
    }
    this.wake(target);
  }

  /** A client went away. */
  forget(client: Client): void {
    this.disable(client);
  }
}
