// What the memcached protocol modules need from the node that runs them: the item
// store, the runtime settings memcached lets clients change, and node-wide facts
// for `stats`. Kept as an interface so the protocol code does not import the
// server (and tests can drive a connection against a fake node).

import type { ItemStore } from '../../engine/items/item-store.js';
import type { McConnection } from './connection.js';

/** Settings memcached reports in `stats settings` and lets some commands change. */
export interface McSettings {
  port: number;
  bind: string;
  maxConns: number;
  maxBytes: number;
  itemSizeMax: number;
  verbosity: number;
  evictions: boolean;
  slabAutomove: number;
  slabAutomoveRatio: number;
  lruCrawler: boolean;
  lruCrawlerSleep: number;
  lruCrawlerTocrawl: number;
  /** `lru mode flat|segmented`: reported only; Cove keeps one LRU per class either way. */
  lruSegmented: boolean;
  hotLruPct: number;
  warmLruPct: number;
  hotMaxFactor: number;
  warmMaxFactor: number;
  tempLru: boolean;
  temporaryTtl: number;
  sasl: boolean;
  domainSocket: string | null;
}

export interface McNodeContext {
  readonly store: ItemStore;
  readonly settings: McSettings;
  /** Version string for `version` and stats. */
  readonly version: string;
  /** True when SASL is on and connections start unauthenticated. */
  readonly saslRequired: boolean;
  /** Checks a SASL PLAIN username/password against the password database. */
  checkPassword(user: string, password: string): boolean;
  /** The body of `config get cluster` (ElastiCache auto discovery). */
  clusterConfig(): string;
  /** `config set cluster` from the management channel: "host|ip|port ..." at a version. */
  setClusterConfigLine(version: number, line: string): void;
  /** Open connections (stats conns, curr_connections). */
  connections(): Iterable<McConnection>;
  /** Node-wide figures for `stats`. */
  connectionStats(): { curr: number; total: number; structures: number; listeners: { addr: string }[] };
  connectionClosed(conn: McConnection): void;
  /** A command threw: logged and counted; the connection is closed. */
  internalError(conn: McConnection, error: unknown): void;
  log(level: 'verbose' | 'notice' | 'warning', message: string): void;
}
