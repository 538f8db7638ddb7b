// WATCH: which clients watch which keys, and marking them dirty when a key changes.

import type { Client } from './client.js';

export function watchKey(db: number, key: string): string {
  return db + '\0' + key;
}

export class WatchRegistry {
  private readonly byKey = new Map<string, Set<Client>>();

  get size(): number {
    return this.byKey.size;
  }

  watch(client: Client, db: number, key: string): void {
    const k = watchKey(db, key);
    if (client.watched.has(k)) return;
    client.watched.add(k);
    let set = this.byKey.get(k);
    if (!set) this.byKey.set(k, (set = new Set()));
    set.add(client);
  }

  unwatchAll(client: Client): void {
    for (const k of client.watched) {
      const set = this.byKey.get(k);
      if (!set) continue;
      set.delete(client);
      if (set.size === 0) this.byKey.delete(k);
    }
    client.watched.clear();
    client.watchDirty = false;
  }

  /** A key changed: every client watching it will fail its EXEC. */
  touch(db: number, key: string): void {
    const set = this.byKey.get(watchKey(db, key));
    if (set) for (const c of set) c.watchDirty = true;
  }

  /** FLUSHDB/FLUSHALL/SWAPDB: every watched key of the database (or all when db is -1). */
  touchDb(db: number, exists?: (db: number, key: string) => boolean): void {
    for (const [k, set] of this.byKey) {
      const sep = k.indexOf('\0');
      const kdb = Number(k.slice(0, sep));
      if (db !== -1 && kdb !== db) continue;
      if (exists && !exists(kdb, k.slice(sep + 1))) continue;
      for (const c of set) c.watchDirty = true;
    }
  }
}
