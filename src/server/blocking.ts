// Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, ...).
//
// A blocked client waits in a FIFO per key. When a write makes a key "ready", the
// node re-runs each waiting client's command in arrival order (first come, first
// served, as Redis does); a command that still finds nothing stays blocked in its
// place. Ready keys are handled after each command and after EXEC, so pushes inside
// MULTI wake clients only once the transaction is done.

import type { Client } from './client.js';
import { watchKey } from './watch.js';

export class BlockingRegistry {
  private readonly byKey = new Map<string, Client[]>();
  private readyKeys = new Set<string>();
  /** Clients blocked for any reason (INFO blocked_clients). */
  readonly blocked = new Set<Client>();

  get blockedCount(): number {
    return this.blocked.size;
  }

  /** Clients blocked on keys, in order, for one db-qualified key. */
  waiting(key: string): Client[] | undefined {
    return this.byKey.get(key);
  }

  /** Every db-qualified key some client waits on (FLUSHALL/SWAPDB signal them all). */
  keys(): string[] {
    return [...this.byKey.keys()];
  }

  /** Signals a key given in its db-qualified form. */
  signalQualified(k: string): void {
    if (this.byKey.has(k)) this.readyKeys.add(k);
  }

  get anyWaiting(): boolean {
    return this.byKey.size > 0;
  }

  add(client: Client): void {
    const state = client.blocked!;
    this.blocked.add(client);
    for (const k of state.keys) {
      let q = this.byKey.get(k);
      if (!q) this.byKey.set(k, (q = []));
      q.push(client);
    }
  }

  remove(client: Client): void {
    const state = client.blocked;
    this.blocked.delete(client);
    if (!state) return;
    for (const k of state.keys) {
      const q = this.byKey.get(k);
      if (!q) continue;
      const i = q.indexOf(client);
      if (i !== -1) q.splice(i, 1);
      if (q.length === 0) this.byKey.delete(k);
    }
  }

  /** Called by the store when a key gets data; cheap when nobody waits on it. */
  signal(db: number, key: string): void {
    const k = watchKey(db, key);
    if (this.byKey.has(k)) this.readyKeys.add(k);
  }

  hasReady(): boolean {
    return this.readyKeys.size > 0;
  }

  /** Takes the set of ready keys (the node serves them and may produce more). */
  takeReady(): string[] {
    const keys = [...this.readyKeys];
    this.readyKeys = new Set();
    return keys;
  }
}
