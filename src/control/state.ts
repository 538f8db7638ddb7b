// Durable state of the control plane: every resource as a JSON document in one
// SQLite file (better-sqlite3, WAL), mirrored in memory for reads.
//
// Writes go to memory and to SQLite in the same synchronous call, so a `kill -9` at
// any instant leaves the file describing everything that any API caller was told
// about. `tx()` groups writes that must land together (a cluster and its ENIs); if
// the function throws, neither the file nor memory keep any of them.

import Database from 'better-sqlite3';
import type { EventRecord } from './model.js';

export type Kind =
  | 'vpc'
  | 'subnet'
  | 'security-group'
  | 'instance'
  | 'address'
  | 'eni'
  | 'peering'
  | 'cache-subnet-group'
  | 'cache-cluster'
  | 'replication-group'
  | 'flow-log'
  | 'nat-config';

export interface Doc {
  id: string;
  account: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS resources (
  kind TEXT NOT NULL,
  account TEXT NOT NULL,
  id TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (kind, account, id)
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account TEXT NOT NULL,
  source_type TEXT NOT NULL,
  source_id TEXT NOT NULL,
  message TEXT NOT NULL,
  date TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Events older than this are dropped (DescribeEvents reaches back 14 days). */
const EVENT_RETENTION_MS = 14 * 24 * 3600 * 1000;

export class State {
  private readonly db: Database.Database;
  private readonly maps = new Map<Kind, Map<string, Doc>>();
  private readonly upsert: Database.Statement;
  private readonly del: Database.Statement;
  private readonly insertEvent: Database.Statement;
  /** Keys written by the transaction in progress: reloaded from the file if it rolls back. */
  private touched: Map<string, { kind: Kind; account: string; id: string }> | null = null;
  private readonly selectOne: Database.Statement;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a crash of the process (not of the machine), which is what kill -9 tests.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 2000');
    this.db.exec(SCHEMA);
    this.upsert = this.db.prepare('INSERT OR REPLACE INTO resources (kind, account, id, doc) VALUES (?, ?, ?, ?)');
    this.del = this.db.prepare('DELETE FROM resources WHERE kind = ? AND account = ? AND id = ?');
    this.selectOne = this.db.prepare('SELECT doc FROM resources WHERE kind = ? AND account = ? AND id = ?');
    this.insertEvent = this.db.prepare(
      'INSERT INTO events (account, source_type, source_id, message, date) VALUES (?, ?, ?, ?, ?)',
    );
    for (const row of this.db.prepare('SELECT kind, doc FROM resources').iterate() as Iterable<{ kind: Kind; doc: string }>) {
      const doc = JSON.parse(row.doc) as Doc;
      this.map(row.kind).set(key(doc.account, doc.id), doc);
    }
    this.db.prepare('DELETE FROM events WHERE date < ?').run(new Date(Date.now() - EVENT_RETENTION_MS).toISOString());
  }

  private map(kind: Kind): Map<string, Doc> {
    let m = this.maps.get(kind);
    if (!m) {
      m = new Map();
      this.maps.set(kind, m);
    }
    return m;
  }

  get<T extends Doc>(kind: Kind, account: string, id: string): T | undefined {
    return this.map(kind).get(key(account, id)) as T | undefined;
  }

  /** Every document of a kind in one account (or in all accounts when account is null), in creation order. */
  list<T extends Doc>(kind: Kind, account: string | null): T[] {
    const out: T[] = [];
    for (const doc of this.map(kind).values()) if (account === null || doc.account === account) out.push(doc as T);
    return out;
  }

  /** Stores a document (insert or replace). Callers mutate a copy or the object itself and put it back. */
  put<T extends Doc>(kind: Kind, doc: T): T {
    const k = key(doc.account, doc.id);
    this.remember(kind, doc.account, doc.id);
    this.map(kind).set(k, doc);
    this.upsert.run(kind, doc.account, doc.id, JSON.stringify(doc));
    return doc;
  }

  remove(kind: Kind, account: string, id: string): void {
    this.remember(kind, account, id);
    this.map(kind).delete(key(account, id));
    this.del.run(kind, account, id);
  }

  private remember(kind: Kind, account: string, id: string): void {
    this.touched?.set(`${kind}\u0000${account}\u0000${id}`, { kind, account, id });
  }

  /**
   * Runs fn so that all its writes land together or not at all. Nested calls join the
   * outer one. Documents are mutated in place and then put, so on a rollback the
   * touched ones are read back from the file, which never saw the failed writes.
   */
  tx<R>(fn: () => R): R {
    if (this.touched) return fn();
    const touched = new Map<string, { kind: Kind; account: string; id: string }>();
    this.touched = touched;
    try {
      return this.db.transaction(fn)();
    } catch (e) {
      for (const { kind, account, id } of touched.values()) {
        const row = this.selectOne.get(kind, account, id) as { doc: string } | undefined;
        if (row) this.map(kind).set(key(account, id), JSON.parse(row.doc));
        else this.map(kind).delete(key(account, id));
      }
      throw e;
    } finally {
      this.touched = null;
    }
  }

  addEvent(account: string, sourceType: string, sourceId: string, message: string, date = new Date()): void {
    this.insertEvent.run(account, sourceType, sourceId, message, date.toISOString());
  }

  events(account: string, since: Date, until: Date): EventRecord[] {
    const rows = this.db
      .prepare(
        'SELECT seq, source_type, source_id, message, date FROM events WHERE account = ? AND date >= ? AND date <= ? ORDER BY seq',
      )
      .all(account, since.toISOString(), until.toISOString()) as {
      seq: number;
      source_type: string;
      source_id: string;
      message: string;
      date: string;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      sourceType: r.source_type,
      sourceId: r.source_id,
      message: r.message,
      date: r.date,
    }));
  }

  getMeta(k: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(k: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(k, value);
  }

  close(): void {
    this.db.close();
  }
}

function key(account: string, id: string): string {
  return `${account}/${id}`;
}
