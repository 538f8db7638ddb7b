// A Valkey/Redis-compatible cache node: the TCP listener, its clients, and the
// node-wide machinery commands reach through `ctx.node` (config, pub/sub, blocking,
// WATCH, client pause, MONITOR, slowlog, stats, replication hook).
//
// One read from a socket → parse every complete command → run each → one write of
// all their replies. Nothing here knows a particular command; they live in
// ../commands/.

import net from 'node:net';
import { Argv } from '../protocol/resp/argv.js';
import { RespParser, ParserSink } from '../protocol/resp/parser.js';
import { ProtocolErrors, Errors } from '../protocol/resp/errors.js';
import { Store, EvictionPolicy } from '../engine/store.js';
import { ValueType } from '../engine/keyspace.js';
import type { Clock } from '../engine/clock.js';
import { commandTable, CommandTable } from '../commands/table.js';
import { processCommand, call } from '../commands/dispatch.js';
import type { CommandSpec } from '../commands/types.js';
import { Flag } from '../commands/types.js';
import type { Reply } from '../protocol/resp/writer.js';
import { Client, BlockState } from './client.js';
import { Config } from './config.js';
import { PubSub } from './pubsub.js';
import { BlockingRegistry } from './blocking.js';
import { WatchRegistry, watchKey } from './watch.js';
import { Stats } from './stats.js';
import { Slowlog } from './slowlog.js';
import { Acl } from './acl.js';
import { Tracking } from './tracking.js';
import { clientInfoLine } from '../commands/groups/connection.js';
import { recordLatencyEvent } from '../commands/groups/introspection.js';
import { declaredScriptFlags } from '../scripting/declared-flags.js';

export type EngineName = 'valkey' | 'redis';

export interface ValkeyNodeOptions {
  engine?: EngineName;
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  bind?: string;
  /** CONFIG parameters to start with (redis.conf names): maxmemory, requirepass, ... */
  config?: Record<string, string>;
  clock?: Clock;
  /** Allows DEBUG (redis's enable-debug-command). */
  enableDebugCommand?: boolean;
  /**
   * Called for every accepted connection before any byte is read: false drops it
   * with no reply (the network layer's security-group decision).
   */
  admit?: (socket: net.Socket) => boolean;
  /** Where log lines go (default: stderr with a Redis-like prefix). */
  logger?: (level: string, message: string) => void;
}

export const VERSION = '7.2.4';
export const REDIS_COMPAT_VERSION = '7.0.15';

type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';

export class ValkeyNode {
  readonly engine: EngineName;
  readonly store: Store;
  readonly config: Config;
  readonly table: CommandTable = commandTable();
  readonly clients = new Map<number, Client>();
  readonly pubsub = new PubSub();
  readonly blocking = new BlockingRegistry();
  readonly watches = new WatchRegistry();
  readonly stats = new Stats();
  readonly slowlog = new Slowlog();
  readonly acl = new Acl();
  readonly monitors = new Set<Client>();
  readonly tracking: Tracking = new Tracking(
    (id) => this.clients.get(id),
    (c) => this.wake(c),
  );
  readonly runId = randomHex(40);
  readonly enableDebugCommand: boolean;
  /** Extension slots for command groups that keep node-wide state (scripts, tracking, replication...). */
  readonly ext = new Map<string, unknown>();
  /** Set while a script runs past busy-reply-threshold: the error other clients get (BUSY ...). */
  busyReply: string | null = null;
  lastSave = Math.floor(Date.now() / 1000);
  port = 0;
  bind: string;

  private server: net.Server | null = null;
  private cron: NodeJS.Timeout | null = null;
  private readonly admit?: (socket: net.Socket) => boolean;
  private readonly logger: (level: string, message: string) => void;
  /** Clients that got replies outside their own read batch (unblocked, published to). */
  private readonly pendingFlush = new Set<Client>();

  // CLIENT PAUSE.
  private pauseUntil = 0;
  private pauseAll = false;
  private readonly postponed: Client[] = [];
  private pauseTimer: NodeJS.Timeout | null = null;

  /** The time snapshot commands of the current batch see (ms), set by tick(). */
  now = Date.now();
  /** performance.now() at the end of the last command (or the start of the batch). */
  stamp = performance.now();

  /** Takes a new time snapshot: at each read batch, timer and retry of blocked clients. */
  tick(): void {
    this.now = this.store.clock.now();
    this.stamp = performance.now();
  }

  /** Replication hook: called after every command that changed the dataset. */
  propagateHook: ((db: number, argv: Argv, spec: CommandSpec) => void) | null = null;
  /** Replication: emits what one top-level command propagated, as one unit (MULTI/EXEC when several). */
  propagateFlush: (() => void) | null = null;
  /** Called first by close() (replication links, timers owned by extensions). */
  readonly shutdownHooks: (() => void)[] = [];
  /** True on a replica (writes refused unless replica-read-only is off). */
  replicaOf: { host: string; port: number } | null = null;

  constructor(opts: ValkeyNodeOptions = {}) {
    this.engine = opts.engine ?? 'valkey';
    this.bind = opts.bind ?? '127.0.0.1';
    const overrides = { ...(opts.config ?? {}) };
    if (opts.port !== undefined) overrides.port = String(opts.port);
    if (overrides.bind === undefined) overrides.bind = this.bind; // CONFIG GET bind tells the truth
    this.config = new Config(overrides);
    this.enableDebugCommand = opts.enableDebugCommand ?? this.config.get('enable-debug-command') !== 'no';
    this.store = new Store({
      databases: this.config.int('databases'),
      clock: opts.clock,
      maxmemory: this.config.int('maxmemory'),
      policy: this.config.get('maxmemory-policy') as EvictionPolicy,
    });
    this.admit = opts.admit;
    this.acl.clientInfo = (client) => clientInfoLine(this, client);
    this.logger = opts.logger ?? defaultLogger;
    this.applyConfig();
    this.config.onChange(() => this.applyConfig());
    this.store.hooks = {
      keyModified: (db, key) => this.keyModified(db, key),
      keyspaceEvent: (cls, event, key, db) => this.keyspaceEvent(cls, event, key, db),
      keyReady: (db, key) => this.blocking.signal(db, key),
    };
    this.store.expiryPaused = () => this.pauseUntil > Date.now();
  }

  /** Pushes config values into the parts that act on them. */
  private applyConfig(): void {
    const c = this.config;
    this.store.maxmemory = c.int('maxmemory');
    this.store.policy = c.get('maxmemory-policy') as EvictionPolicy;
    this.store.samples = c.int('maxmemory-samples');
    this.store.lfuLogFactor = c.int('lfu-log-factor');
    this.store.lfuDecayTime = c.int('lfu-decay-time');
    this.slowlog.threshold = c.int('slowlog-log-slower-than');
    this.tracking.maxKeys = c.int('tracking-table-max-keys');
    this.tracking.enforceLimit();
    this.slowlog.maxLen = c.int('slowlog-max-len');
    if (this.slowlog.entries.length > this.slowlog.maxLen) this.slowlog.entries.length = this.slowlog.maxLen;
    this.acl.setRequirePass(c.get('requirepass'));
    this.acl.logMaxLen = c.int('acllog-max-len');
    if (this.acl.log.length > this.acl.logMaxLen) this.acl.log.length = this.acl.logMaxLen;
    this.acl.pubsubDefaultAll = c.get('acl-pubsub-default') === 'allchannels';
    this.notifyFlags = parseNotifyFlags(c.get('notify-keyspace-events'));
    this.store.notifying = this.notifyFlags.size > 0;
    for (const client of this.clients.values()) {
      client.parser.limits = this.parserLimits();
    }
  }

  notifyFlags = new Set<string>();

  private parserLimits() {
    return {
      maxBulkLen: this.config.int('proto-max-bulk-len'),
      maxQueryBuffer: this.config.int('client-query-buffer-limit'),
    };
  }

  // ---- lifecycle -----------------------------------------------------------------

  /** Starts listening; resolves with the port. */
  async listen(): Promise<number> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.config.int('port'), host: this.bind, backlog: 511 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.cron = setInterval(() => this.serverCron(), 100);
    this.cron.unref();
    return this.port;
  }

  /**
   * Also accepts connections on a unix socket: the control plane's management
   * channel. These connections are not customer traffic, so `admit` never sees them.
   */
  async listenUnix(path: string): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket, true));
    this.unixServers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private readonly unixServers: net.Server[] = [];

  /** Stops listening and closes every client. */
  async close(): Promise<void> {
    for (const fn of this.shutdownHooks.splice(0)) fn();
    if (this.cron) clearInterval(this.cron);
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    for (const c of [...this.clients.values()]) this.closeClient(c, true);
    const servers = [this.server, ...this.unixServers.splice(0)];
    this.server = null;
    await Promise.all(servers.map((srv) => (srv ? new Promise<void>((resolve) => srv.close(() => resolve())) : undefined)));
  }

  private serverCron(): void {
    this.tick();
    const now = this.now;
    const started = performance.now();
    this.store.activeExpireCycle(now);
    recordLatencyEvent(this, 'expire-cycle', Math.floor(performance.now() - started));
    this.stats.sample(Date.now());
    const timeout = this.config.int('timeout');
    if (timeout > 0) {
      const limit = Date.now() - timeout * 1000;
      for (const c of this.clients.values()) {
        if (c.lastInteraction < limit && !c.blocked && c.subscriptionCount === 0 && !c.isReplica && !c.isPrimaryLink) {
          this.closeClient(c, true);
        }
      }
    }
    if (this.blocking.hasReady()) this.afterCommand();
    // Expiry may have sent keyspace notifications or tracking invalidations.
    if (this.tracking.active) this.tracking.afterCommand();
    this.flushOthers();
  }

  // ---- connections -----------------------------------------------------------------

  /**
   * Serves a connection accepted and admitted elsewhere: a NAT instance's public port
   * that this node answers itself (gateway/node-ingress.ts). `as` is how it looks from
   * here after the NAT: the NAT instance's address as the peer, the node's own as local.
   */
  adopt(socket: net.Socket, as: { remote: string; local: string }): void {
    this.accept(socket, false, as);
  }

  private accept(socket: net.Socket, management = false, as?: { remote: string; local: string }): void {
    if (!management && !as && this.admit && !this.admit(socket)) {
      socket.destroy();
      return;
    }
    this.stats.connectionsReceived++;
    if (this.clients.size >= this.config.int('maxclients')) {
      this.stats.rejectedConnections++;
      refuse(socket, '-' + Errors.maxClients + '\r\n');
      return;
    }
    const addr = management ? '/unixsocket:0' : (as?.remote ?? `${stripV6(socket.remoteAddress)}:${socket.remotePort}`);
    const laddr = management ? '/unixsocket:0' : (as?.local ?? `${stripV6(socket.localAddress)}:${socket.localPort}`);
    // An adopted connection's peer, after the NAT, is the NAT instance's address.
    const peer = as ? as.remote.slice(0, as.remote.lastIndexOf(':')) : socket.remoteAddress;
    if (!management && this.config.bool('protected-mode') && this.acl.defaultUser.nopass && !isLoopback(peer)) {
      refuse(socket, '-' + Errors.protectedMode + '\r\n');
      return;
    }
    if (!management) socket.setKeepAlive(true, this.config.int('tcp-keepalive') * 1000);
    const client = new Client(socket, addr, laddr);
    client.management = management;
    client.authenticated = !this.acl.authRequired();
    client.writer.errors = this.stats;
    client.parser = new RespParser(this.sinkFor(client), this.parserLimits());
    this.clients.set(client.id, client);
    socket.on('data', (chunk: Buffer) => {
      this.stats.netInputBytes += chunk.length;
      this.tick();
      client.lastInteraction = this.now;
      client.parser.feed(chunk);
      this.finishBatch(client);
    });
    socket.on('error', () => this.closeClient(client, true));
    // The peer's FIN ends the client at once (CLIENT LIST must not show it any more).
    socket.on('end', () => this.closeClient(client, true));
    socket.on('close', () => this.closeClient(client, true));
  }

  private sinkFor(client: Client): ParserSink {
    return {
      onCommand: (argv) => processCommand(this, client, argv),
      onProtocolError: (message) => {
        client.writer.error(message);
        this.log('verbose', `Protocol error (${message}) from client: ${client.addr}`);
        client.closeAfterReply = true;
      },
      onQueryBufferOverflow: () => {
        this.log('warning', `Closing client that reached max query buffer length: addr=${client.addr}`);
        this.closeClient(client, true);
      },
      unauthenticated: () => !client.authenticated && this.acl.authRequired(),
    };
  }

  /** Flushes a client's replies (and anyone else's that got some), closing if asked. */
  private finishBatch(client: Client): void {
    if (client.writer.length > 0 && !client.closed) {
      const out = client.writer.take();
      this.stats.netOutputBytes += out.length;
      client.socket!.write(out);
    }
    if (client.closeAfterReply && !client.closed) this.closeClient(client, false);
    this.flushOthers();
  }

  private flushOthers(): void {
    this.pubsub.flushPending();
    if (this.pendingFlush.size === 0) return;
    for (const c of this.pendingFlush) {
      c.flush();
      if (c.closeAfterReply && !c.closed) this.closeClient(c, false);
    }
    this.pendingFlush.clear();
  }

  /** Marks a client whose buffer got replies outside its own batch. */
  wake(client: Client): void {
    this.pendingFlush.add(client);
  }

  /** Closes a client: at once (`now`) or after its pending output is written. */
  closeClient(client: Client, now = false): void {
    if (client.closed) return;
    if (!now && client.writer.length > 0) client.flush();
    client.closed = true;
    client.parser?.kill();
    this.clients.delete(client.id);
    this.pubsub.removeClient(client);
    this.watches.unwatchAll(client);
    this.monitors.delete(client);
    if (client.blocked) this.unblock(client);
    this.updateWatching();
    this.tracking.forget(client);
    for (const fn of this.closeHooks) fn(client);
    const s = client.socket;
    if (s) {
      if (now) s.destroy();
      else s.end(() => s.destroy()); // Redis closes the descriptor once the reply is out
    }
  }

  /** Things to forget when a client goes (tracking, replication links). */
  readonly closeHooks: ((client: Client) => void)[] = [];

  // ---- command support -------------------------------------------------------------------

  authRequired(): boolean {
    return this.acl.authRequired();
  }

  isReadOnlyReplica(): boolean {
    return this.replicaOf !== null && this.config.bool('replica-read-only');
  }

  log(level: LogLevel, message: string): void {
    const order = ['debug', 'verbose', 'notice', 'warning'];
    const configured = this.config.get('loglevel');
    if (configured === 'nothing') return;
    if (order.indexOf(level) < order.indexOf(configured)) return;
    this.logger(level, message);
  }

  /** Called after every top-level command: serve clients whose keys became ready. */
  afterCommand(): void {
    if (this.propagateFlush) this.propagateFlush();
    if (this.blocking.hasReady()) this.serveReadyKeys();
  }

  propagate(db: number, argv: Argv, spec: CommandSpec): void {
    if (this.propagateHook) this.propagateHook(db, argv, spec);
  }

  /** Runs a command on behalf of a client from inside another (EXEC, scripts). */
  callNested(client: Client, argv: Argv, spec: CommandSpec, reply: Reply = client.writer): void {
    call(this, client, argv, spec, reply, true);
  }

  private keyModified(db: number, key: string): void {
    this.watches.touch(db, key);
    if (this.tracking.active) this.tracking.invalidate(key, this.tracking.current);
    for (const fn of this.modifiedHooks) fn(db, key);
  }

  /** Extra listeners for modified keys (client tracking). */
  readonly modifiedHooks: ((db: number, key: string) => void)[] = [];

  /** Recomputes whether the store must report modified keys. */
  updateWatching(): void {
    this.store.watching = this.watches.size > 0 || this.modifiedHooks.length > 0 || this.tracking.active;
  }

  private keyspaceEvent(cls: string, event: string, key: string, db: number): void {
    const f = this.notifyFlags;
    if (!f.has(cls) && !(f.has('A') && 'g$lshzxetd'.includes(cls))) return;
    let delivered = false;
    if (f.has('K')) {
      this.pubsub.publish(`__keyspace@${db}__:${key}`, event);
      delivered = true;
    }
    if (f.has('E')) {
      this.pubsub.publish(`__keyevent@${db}__:${event}`, key);
      delivered = true;
    }
    if (delivered) this.pubsub.flushPending();
  }

  // ---- blocking -------------------------------------------------------------------------

  /**
   * Blocks the client on keys (called by a blocking handler that found nothing).
   * Inside MULTI or a script the command cannot block: it times out at once.
   * On a retry of an already-blocked client it keeps its place in the queues.
   */
  block(ctx: { client: Client; nested: boolean; argv: Argv; spec: CommandSpec; dbIndex: number }, keys: string[], timeoutMs: number, onTimeout: (client: Client) => void, data?: unknown): void {
    const client = ctx.client;
    if (ctx.nested) {
      onTimeout(client);
      return;
    }
    this.blockCalled = true;
    if (client.blocked) {
      client.blocked.data = data;
      return; // a retry that found nothing again: stay in line
    }
    const state: BlockState = {
      kind: 'keys',
      keys: keys.map((k) => watchKey(ctx.dbIndex, k)),
      db: ctx.dbIndex,
      argv: ctx.argv.clone(),
      spec: ctx.spec,
      deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0,
      onTimeout,
      data,
    };
    client.blocked = state;
    this.blocking.add(client);
    this.store.blockedWaiting = true;
    if (timeoutMs > 0) this.armBlockTimer(client, state.deadline);
  }

  /** setTimeout caps delays at 2^31-1 ms (~24.8 days): longer waits re-arm until the deadline. */
  private armBlockTimer(client: Client, deadline: number): void {
    const left = deadline - Date.now();
    const MAX_DELAY = 2147483647;
    const timer =
      left > MAX_DELAY
        ? setTimeout(() => this.armBlockTimer(client, deadline), MAX_DELAY)
        : setTimeout(() => this.timeoutBlocked(client), Math.max(0, left));
    this.blockTimers.set(client, timer);
  }

  /** Set when the running command blocked (call() resets it per command). */
  blockCalled = false;
  private readonly blockTimers = new Map<Client, NodeJS.Timeout>();

  private timeoutBlocked(client: Client): void {
    const state = client.blocked;
    if (!state) return;
    this.tick();
    this.unblock(client);
    state.onTimeout(client);
    this.resumeClient(client);
  }

  /** Removes a client from every blocking queue (served, timed out, killed). */
  unblock(client: Client): void {
    const t = this.blockTimers.get(client);
    if (t) {
      clearTimeout(t);
      this.blockTimers.delete(client);
    }
    this.blocking.remove(client);
    client.blocked = null;
    this.store.blockedWaiting = this.blocking.anyWaiting;
  }

  /** FLUSHALL, FLUSHDB, SWAPDB: every blocked client re-checks its keys. */
  signalAllBlocked(): void {
    for (const k of this.blocking.keys()) this.blocking.signalQualified(k);
  }

  /** CLIENT UNBLOCK: ends a block early with the timeout reply (or an error). */
  unblockWith(client: Client, error: string | null): boolean {
    const state = client.blocked;
    if (!state || state.kind !== 'keys') return false;
    this.unblock(client);
    if (error) client.writer.error(error);
    else state.onTimeout(client);
    this.resumeClient(client);
    return true;
  }

  /** After a client stopped being blocked: flush its reply and run its pipelined input. */
  private resumeClient(client: Client): void {
    if (client.closed) return;
    this.tick();
    client.lastInteraction = Date.now();
    this.wake(client);
    client.parser.resume();
    this.flushOthers();
  }

  /** Re-runs the commands of clients blocked on keys that got data, first come first served. */
  private serveReadyKeys(): void {
    let rounds = 0;
    while (this.blocking.hasReady() && rounds++ < 1000) {
      for (const key of this.blocking.takeReady()) {
        const queue = this.blocking.waiting(key);
        if (!queue) continue;
        const sep = key.indexOf('\0');
        const keyDb = Number(key.slice(0, sep));
        const keyId = this.store.lookupKey(keyDb, key.slice(sep + 1), this.now);
        const keyType = keyId === -1 ? ValueType.None : this.store.dbs[keyDb].type(keyId);
        for (const client of [...queue]) {
          const state = client.blocked;
          if (!state || state.kind !== 'keys') continue;
          // A key that was pushed to and then replaced by another type (MULTI: XADD,
          // DEL, LPUSH) must not wake a client waiting for its own type.
          const expected = BLOCKING_GROUP_TYPES[state.spec.group];
          if (expected !== undefined && keyType !== expected) {
            // XREADGROUP cannot wait for a stream that is gone (its group went with it).
            if (state.spec.name !== 'xreadgroup') continue;
            this.unblock(client);
            client.writer.error('UNBLOCKED the stream key no longer exists');
            this.wake(client);
            setImmediate(() => this.resumeClient(client));
            continue;
          }
          client.db = state.db;
          call(this, client, state.argv, state.spec, client.writer, false);
          if (this.propagateFlush) this.propagateFlush(); // each served client is its own unit
          if (this.blockCalled) continue; // still nothing for it
          this.unblock(client);
          this.wake(client);
          setImmediate(() => this.resumeClient(client));
        }
      }
    }
  }

  // ---- CLIENT PAUSE -------------------------------------------------------------------------

  pause(ms: number, all: boolean): void {
    const until = Date.now() + ms;
    if (until > this.pauseUntil || all !== this.pauseAll) {
      this.pauseUntil = Math.max(until, this.pauseUntil);
      this.pauseAll = this.pauseAll || all;
    }
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => this.unpause(), Math.max(0, this.pauseUntil - Date.now()));
  }

  unpause(): void {
    this.tick();
    this.pauseUntil = 0;
    this.pauseAll = false;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    const waiting = this.postponed.splice(0);
    for (const client of waiting) {
      const state = client.blocked;
      if (!state || client.closed) continue;
      this.blocking.blocked.delete(client);
      client.blocked = null;
      processCommand(this, client, state.argv);
      this.wake(client);
      if (!client.blocked) client.parser.resume();
    }
    this.flushOthers();
  }

  /** Cheap check for the dispatcher: is any pause in force or pending? */
  get pausing(): boolean {
    return this.pauseUntil !== 0;
  }

  get paused(): boolean {
    return this.pauseUntil > Date.now();
  }

  /** Whether the command must wait for CLIENT UNPAUSE. */
  pausedFor(spec: CommandSpec, argv: Argv): boolean {
    if (this.pauseUntil === 0 || this.pauseUntil <= Date.now()) return false;
    if (this.pauseAll) return true;
    // WRITE pause: writes and commands that may replicate (EVAL, PUBLISH, ...) wait;
    // a script that declares its flags is judged by them (no-writes runs).
    const declared = spec.bits! & Flag.mayReplicate ? declaredScriptFlags(this, spec.name, argv) : null;
    if (declared) return !declared.includes('no-writes');
    return (spec.bits! & (Flag.write | Flag.mayReplicate)) !== 0;
  }

  postpone(client: Client, argv: Argv, spec: CommandSpec): void {
    client.blocked = { kind: 'pause', keys: [], db: client.db, argv: argv.clone(), spec, deadline: 0, onTimeout: () => {} };
    this.blocking.blocked.add(client);
    this.postponed.push(client);
  }

  // ---- MONITOR --------------------------------------------------------------------------

  feedMonitors(client: Client, argv: Argv, now: number): void {
    const secs = (now / 1000).toFixed(6);
    let line = `${secs} [${client.db} ${client.addr || 'lua'}]`;
    for (let i = 0; i < argv.count; i++) line += ' ' + reprString(argv.str(i));
    for (const m of this.monitors) {
      if (m === client) continue;
      m.writer.simple(line);
      this.wake(m);
    }
  }
}

/** The value type a blocking command of each group waits for. */
const BLOCKING_GROUP_TYPES: Record<string, ValueType> = {
  list: ValueType.List,
  'sorted-set': ValueType.ZSet,
  stream: ValueType.Stream,
};

/** Redis's sdscatrepr: a quoted, escaped rendering of a binary string. */
export function reprString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 92:
        out += '\\\\';
        break;
      case 34:
        out += '\\"';
        break;
      case 10:
        out += '\\n';
        break;
      case 13:
        out += '\\r';
        break;
      case 9:
        out += '\\t';
        break;
      case 7:
        out += '\\a';
        break;
      case 8:
        out += '\\b';
        break;
      default:
        out += c >= 32 && c < 127 ? s[i] : '\\x' + c.toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}

/** notify-keyspace-events letters → a set, with "A" kept as given. */
export function parseNotifyFlags(s: string): Set<string> {
  return new Set(s.split(''));
}

/**
 * Sends a last line to a connection we do not keep, then closes it outright: a peer
 * that never hangs up must not hold the socket (and close()) open.
 */
function refuse(socket: net.Socket, line: string): void {
  socket.on('error', () => {});
  socket.end(line, () => socket.destroy());
}

function stripV6(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/**
 * Protected mode's notion of local, as redis-server 7.0 has it: the peer address is
 * exactly 127.0.0.1 or ::1 (so a client from 127.0.0.2 is refused).
 */
function isLoopback(a: string | undefined): boolean {
  if (!a) return true;
  const v = stripV6(a);
  return v === '127.0.0.1' || v === '::1';
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

function defaultLogger(level: string, message: string): void {
  const mark = level === 'warning' ? '#' : level === 'notice' ? '*' : level === 'verbose' ? '-' : '.';
  const d = new Date();
  process.stderr.write(`${process.pid}:M ${d.toISOString()} ${mark} ${message}\n`);
}

export { ProtocolErrors };
