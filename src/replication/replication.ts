// Replication for one Valkey/Redis node: its identity in the replication history
// (replid, replid2, master_repl_offset), the stream of writes it sends replicas, and
// the switch between the two roles. The primary side (replicas, PSYNC, WAIT) is in
// primary.ts, the replica side (the link to a primary) in replica-link.ts.
//
// The stream. Every command that changed the dataset reaches propagate() (the
// node's propagateHook), possibly rewritten (rewrite.ts, or the handler's
// ctx.propagateAs), and is queued; at the end of each top-level command the node
// calls flush(), which emits the queue as one unit: a SELECT whenever the database
// changes, and MULTI/EXEC around it when one command produced several (EXEC,
// scripts, a DEL for a key that expired under the command), as Redis 7.0's
// propagatePendingCommands does. Keys the store expires or evicts become DELs.
// Nothing is recorded until a replica first connects (then the backlog exists),
// exactly when Redis starts counting master_repl_offset.
//
// On a replica the node's own writes are not propagated at all: the primary's
// stream is applied and the same bytes are passed on to this node's backlog and
// its own replicas, so a chain of replicas shares one replid and one offset space.
//
// Library API (what the control plane drives): Replication.of(node), then
// replicaOf(host, port, { path }) (path: dial the primary's management socket),
// promote(), status(); events: 'link-up', 'link-down', 'full-sync', 'partial-sync'
// (replica side), 'replica-online', 'replica-offline' (primary side), 'promoted'.
//
// Not done: FAILOVER, min-replicas-to-write, replica-serve-stale-data no, TLS links,
// repl-diskless-sync-delay (snapshots are taken at once), per-client WAIT offsets
// (WAIT waits for the node's last write, which covers the caller's).

import { EventEmitter } from 'node:events';
import type { ValkeyNode } from '../server/valkey-node.js';
import type { Argv } from '../protocol/resp/argv.js';
import type { CommandSpec, Ctx } from '../commands/types.js';
import { Flag } from '../commands/types.js';
import { ReplBacklog } from './backlog.js';
import { encodeArgv, encodeCommand } from './resp-encode.js';
import { rewriteForReplicas } from './rewrite.js';
import { PrimarySide } from './primary.js';
import { PrimaryLink, LinkOptions } from './replica-link.js';

export const NO_REPLID = '0000000000000000000000000000000000000000';

const MULTI = encodeCommand(['MULTI']);
const EXEC = encodeCommand(['EXEC']);

export function randomReplid(): string {
  let s = '';
  while (s.length < 40) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

interface PendingOp {
  db: number;
  data: Buffer;
}

/** A replica as the primary sees it (INFO slaveN, ROLE). */
export interface ReplicaStatus {
  ip: string;
  port: number;
  state: string;
  offset: number;
  /** Seconds since its last REPLCONF ACK. */
  lag: number;
}

export interface ReplicationStatus {
  role: 'master' | 'slave';
  replid: string;
  replid2: string;
  offset: number;
  secondOffset: number;
  replicas: ReplicaStatus[];
  /** On a replica: where it replicates from and how the link is. */
  primary?: {
    host: string;
    port: number;
    linkStatus: 'up' | 'down';
    state: string;
    lastIoSecondsAgo: number;
    syncInProgress: boolean;
  };
}

export class Replication extends EventEmitter {
  readonly node: ValkeyNode;
  /** This node's replication ID, and the one it had before its last promotion. */
  replid: string;
  replid2 = NO_REPLID;
  /** master_repl_offset: bytes of the stream produced (primary) or applied (replica). */
  offset = 0;
  /**
   * The offset just after the last write (not counting PINGs and GETACKs, which
   * replicas acknowledge only later): what WAIT waits for. Redis keeps this per
   * client; one for the node waits for every client's writes, never for fewer.
   */
  writeOffset = 0;
  /** Last offset of the replid2 history (+1), -1 when there is none. */
  secondOffset = -1;
  backlog: ReplBacklog | null = null;
  readonly primary: PrimarySide;
  /** Set while this node is a replica. */
  link: PrimaryLink | null = null;
  /** The database the stream last selected; -1 makes the next unit start with SELECT. */
  streamDb = -1;
  /** INFO stats. */
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  replInputBytes = 0;
  replOutputBytes = 0;

  private pending: PendingOp[] = [];
  private flushQueued = false;
  private cron: NodeJS.Timeout | null = null;
  private lastPing = Date.now();
  /** When the last replica went away (repl-backlog-ttl). */
  noReplicasSince = Date.now();
  private closed = false;

  /** The node's replication, set up on first use. */
  static of(node: ValkeyNode): Replication {
    let r = node.ext.get('replication') as Replication | undefined;
    if (!r) {
      r = new Replication(node);
      node.ext.set('replication', r);
    }
    return r;
  }

  /** The node's replication if anything has set it up (INFO, quick checks). */
  static peek(node: ValkeyNode): Replication | undefined {
    return node.ext.get('replication') as Replication | undefined;
  }

  private constructor(node: ValkeyNode) {
    super();
    this.node = node;
    // The INFO shown before replication was set up uses the run ID as replid: keep it.
    this.replid = node.runId;
    this.primary = new PrimarySide(this);
    node.propagateHook = (db, argv, spec) => this.propagate(db, argv, spec);
    node.propagateFlush = () => this.flush();
    node.store.onExpired = (db, key) => this.deleted(db, key, node.config.bool('lazyfree-lazy-expire'));
    node.store.onEvicted = (db, key) => this.deleted(db, key, node.config.bool('lazyfree-lazy-eviction'));
    node.ext.set('wait', (ctx: Ctx) => this.primary.wait(ctx));
    node.closeHooks.push((client) => {
      this.primary.clientClosed(client);
      this.link?.clientClosed(client);
    });
    node.shutdownHooks.push(() => this.close());
    node.config.onChange(() => this.backlog?.resize(node.config.int('repl-backlog-size')));
    this.cron = setInterval(() => this.tick(), 100);
    this.cron.unref();
  }

  get isReplica(): boolean {
    return this.link !== null;
  }

  // ---- the stream -----------------------------------------------------------------------

  /** The node's propagateHook: one command that changed the dataset (or its rewrite). */
  propagate(db: number, argv: Argv, spec: CommandSpec): void {
    if (this.link || !this.backlog) return;
    // A read that expired a key counts as a change; the DEL already covers it.
    if ((spec.bits! & (Flag.readonly | Flag.write)) === Flag.readonly) return;
    const rewritten = rewriteForReplicas(this.node.store, db, argv, spec.name);
    if (rewritten) for (const parts of rewritten) this.queue(db, encodeCommand(parts));
    else this.queue(db, encodeArgv(argv));
  }

  /** A key the store expired or evicted: replicas delete it when told (they never expire keys themselves). */
  private deleted(db: number, key: string, lazy: boolean): void {
    if (this.link || !this.backlog) return;
    this.queue(db, encodeCommand([lazy ? 'UNLINK' : 'DEL', key]));
  }

  private queue(db: number, data: Buffer): void {
    this.pending.push({ db, data });
    // Commands end with node.afterCommand() → flush(); this catches everything else
    // (keys expired by the active cycle, evictions outside a command).
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
  }

  /** Emits what the last command queued, as one unit (see the header). */
  flush(): void {
    const ops = this.pending;
    if (ops.length === 0) return;
    this.pending = [];
    const parts: Buffer[] = [];
    const transaction = ops.length > 1;
    if (transaction) {
      this.select(parts, ops[0].db);
      parts.push(MULTI);
    }
    for (const op of ops) {
      this.select(parts, op.db);
      parts.push(op.data);
    }
    if (transaction) parts.push(EXEC);
    this.feed(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    this.writeOffset = this.offset;
  }

  private select(parts: Buffer[], db: number): void {
    if (db === this.streamDb) return;
    parts.push(encodeCommand(['SELECT', String(db)]));
    this.streamDb = db;
  }

  /** Appends bytes to the stream: offset, backlog, every online replica. */
  feed(data: Buffer): void {
    this.offset += data.length;
    this.backlog?.append(data);
    this.primary.send(data);
  }

  /** A command (no SELECT, no MULTI) straight into the stream: PING, REPLCONF GETACK. */
  feedCommand(args: string[]): void {
    this.flush();
    this.feed(encodeCommand(args));
  }

  /** The backlog, created when the first replica arrives. */
  ensureBacklog(): ReplBacklog {
    if (!this.backlog) this.backlog = new ReplBacklog(this.node.config.int('repl-backlog-size'), this.offset);
    return this.backlog;
  }

  // ---- roles ----------------------------------------------------------------------------

  /**
   * REPLICAOF host port: become a replica of that primary (or keep replicating from it:
   * returns false when already its replica). `path` dials a unix socket instead (the
   * control plane's management channel) while INFO and ROLE still show host:port.
   */
  replicaOf(host: string, port: number, opts: LinkOptions = {}): boolean {
    if (this.closed) throw new Error('replication is closed');
    if (this.link && this.link.host === host && this.link.port === port) return false;
    this.flush();
    if (this.link) {
      this.link.close();
    } else {
      // From primary to replica: our own replicas must resync with us later (and will
      // learn the new history), clients blocked on keys are told the role changed.
      this.primary.dropAll();
      this.unblockAll();
    }
    this.node.replicaOf = { host, port };
    this.node.store.isReplica = true;
    this.link = new PrimaryLink(this, host, port, opts);
    this.node.log('notice', `Connecting to MASTER ${host}:${port}`);
    this.link.connect();
    return true;
  }

  /** REPLICAOF NO ONE: stop replicating and accept writes, continuing the same history under a new replid. */
  promote(): boolean {
    if (!this.link) return false;
    this.link.close();
    this.link = null;
    this.node.replicaOf = null;
    this.node.store.isReplica = false;
    // Replicas that followed our primary through us can continue (PSYNC2): the old
    // replid stays valid up to the current offset.
    this.replid2 = this.replid;
    this.secondOffset = this.offset + 1;
    this.replid = randomReplid();
    this.streamDb = -1;
    this.writeOffset = this.offset;
    this.noReplicasSince = Date.now(); // the backlog's TTL counts from here
    this.primary.dropAll();
    this.node.log('notice', 'MASTER MODE enabled');
    this.emit('promoted');
    return true;
  }

  private unblockAll(): void {
    for (const c of [...this.node.blocking.blocked]) {
      if (c.blocked?.kind === 'keys') {
        this.node.unblockWith(c, 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
      }
    }
  }

  // ---- upkeep ---------------------------------------------------------------------------

  private tick(): void {
    const now = Date.now();
    const cfg = this.node.config;
    if (!this.link) {
      // Primaries ping their replicas through the stream so that replicas can tell a
      // silent primary from a dead one.
      if (this.primary.replicas.size > 0 && now - this.lastPing >= cfg.int('repl-ping-replica-period') * 1000) {
        this.lastPing = now;
        this.feedCommand(['ping']);
      }
      // With no replica for repl-backlog-ttl seconds the history is dropped: a new one starts.
      const ttl = cfg.int('repl-backlog-ttl');
      if (this.backlog && this.primary.replicas.size === 0 && ttl > 0 && now - this.noReplicasSince > ttl * 1000) {
        this.backlog = null;
        this.replid = randomReplid();
        this.replid2 = NO_REPLID;
        this.secondOffset = -1;
        this.node.log('notice', `Replication backlog freed after ${ttl} seconds without connected replicas.`);
      }
    }
    this.primary.tick(now);
    this.link?.tick(now);
  }

  /** Stops everything (the node is closing). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.cron) clearInterval(this.cron);
    this.link?.close();
  }

  // ---- reporting ------------------------------------------------------------------------

  status(): ReplicationStatus {
    const out: ReplicationStatus = {
      role: this.link ? 'slave' : 'master',
      replid: this.replid,
      replid2: this.replid2,
      offset: this.offset,
      secondOffset: this.secondOffset,
      replicas: this.primary.statuses(),
    };
    if (this.link) {
      out.primary = {
        host: this.link.host,
        port: this.link.port,
        linkStatus: this.link.state === 'connected' ? 'up' : 'down',
        state: this.link.roleState(),
        lastIoSecondsAgo: this.link.lastIoSecondsAgo(),
        syncInProgress: this.link.state === 'sync',
      };
    }
    return out;
  }

  /** INFO replication, field by field as redis-server 7.0 prints it. */
  infoFields(): [string, string | number][] {
    const f: [string, string | number][] = [];
    const link = this.link;
    if (link) {
      f.push(['role', 'slave'], ['master_host', link.host], ['master_port', link.port]);
      f.push(['master_link_status', link.state === 'connected' ? 'up' : 'down']);
      f.push(['master_last_io_seconds_ago', link.state === 'connected' ? link.lastIoSecondsAgo() : -1]);
      f.push(['master_sync_in_progress', link.state === 'sync' ? 1 : 0]);
      f.push(['slave_read_repl_offset', this.offset + link.unappliedBytes()]);
      f.push(['slave_repl_offset', this.offset]);
      const t = link.transferProgress();
      if (t) {
        f.push(['master_sync_total_bytes', t.total], ['master_sync_read_bytes', t.read], ['master_sync_left_bytes', t.total === -1 ? -1 : t.total - t.read]);
        f.push(['master_sync_perc', t.total > 0 ? ((t.read * 100) / t.total).toFixed(2) : '0.00']);
        f.push(['master_sync_last_io_seconds_ago', link.lastIoSecondsAgo()]);
      }
      if (link.state !== 'connected') f.push(['master_link_down_since_seconds', link.downSince ? Math.floor((Date.now() - link.downSince) / 1000) : -1]);
      f.push(['slave_priority', this.node.config.int('replica-priority')]);
      f.push(['slave_read_only', this.node.config.bool('replica-read-only') ? 1 : 0]);
      f.push(['replica_announced', 1]);
    } else {
      f.push(['role', 'master']);
    }
    const replicas = this.primary.statuses();
    f.push(['connected_slaves', replicas.length]);
    replicas.forEach((r, i) => f.push([`slave${i}`, `ip=${r.ip},port=${r.port},state=${r.state},offset=${r.offset},lag=${r.lag}`]));
    f.push(['master_failover_state', 'no-failover']);
    f.push(['master_replid', this.replid], ['master_replid2', this.replid2]);
    f.push(['master_repl_offset', this.offset], ['second_repl_offset', this.secondOffset]);
    const b = this.backlog;
    f.push(['repl_backlog_active', b ? 1 : 0]);
    f.push(['repl_backlog_size', this.node.config.int('repl-backlog-size')]);
    f.push(['repl_backlog_first_byte_offset', b ? b.firstOffset : 0]);
    f.push(['repl_backlog_histlen', b ? b.histlen : 0]);
    return f;
  }

  /** Bytes the backlog holds (INFO memory mem_replication_backlog). */
  get backlogBytes(): number {
    return this.backlog ? this.backlog.size : 0;
  }
}
