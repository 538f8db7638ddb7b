// A Memcached-compatible cache node: the TCP (and management unix-socket)
// listeners, connection admission, the once-a-second clock tick, SASL password
// checks and the ElastiCache auto-discovery answer. The protocols live in
// ../protocol/memcached/ and the items in ../engine/items/.

import net from 'node:net';
import fs from 'node:fs';
import { ItemStore } from '../engine/items/item-store.js';
import type { Clock } from '../engine/clock.js';
import { McConnection } from '../protocol/memcached/connection.js';
import type { McNodeContext, McSettings } from '../protocol/memcached/context.js';

export const MEMCACHED_VERSION = '1.6.18';

export interface MemcachedNodeOptions {
  /** Port to listen on; 0 picks a free one (default 11211). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  bind?: string;
  /** -m: item memory in megabytes (default 64). */
  memoryLimitMb?: number;
  /** -I: largest item in bytes (default 1 MiB). */
  itemSizeMax?: number;
  /** -c: most simultaneous connections (default 1024). */
  maxConns?: number;
  /** -M: answer "out of memory" instead of evicting. */
  noEvict?: boolean;
  /** --sasl-pwdb: a file of "user:password" lines; turns on binary-only SASL auth. */
  saslPwdb?: string;
  clock?: Clock;
  logger?: (level: string, message: string) => void;
  /**
   * Called for every accepted TCP connection before any byte is read: false drops
   * it with no reply (the network layer's security-group decision).
   */
  admit?: (socket: net.Socket) => boolean;
}

/** A node of the cluster for `config get cluster`. */
export interface ClusterNode {
  host: string;
  ip?: string;
  port: number;
}

const SLAB_CHUNK_MAX = 512 * 1024;

export class MemcachedNode implements McNodeContext {
  readonly store: ItemStore;
  readonly settings: McSettings;
  readonly version = MEMCACHED_VERSION;
  readonly saslRequired: boolean;
  port = 0;

  private server: net.Server | null = null;
  private readonly unixServers: net.Server[] = [];
  private readonly conns = new Map<number, McConnection>();
  private nextConnId = 1;
  private peakConns = 0;
  private ticker: NodeJS.Timeout | null = null;
  private readonly admit?: (socket: net.Socket) => boolean;
  private readonly logger: (level: string, message: string) => void;
  private readonly saslPwdb: string | null;
  private cluster: { version: number; nodes: ClusterNode[] } | null = null;
  private listenerAddrs: { addr: string }[] = [];

  constructor(opts: MemcachedNodeOptions = {}) {
    const maxBytes = (opts.memoryLimitMb ?? 64) * 1024 * 1024;
    const itemSizeMax = opts.itemSizeMax ?? 1024 * 1024;
    checkLimits(maxBytes, itemSizeMax);
    const maxConns = opts.maxConns ?? 1024;
    if (!(maxConns > 0)) throw new Error('Maximum connections must be greater than 0');
    this.store = new ItemStore({ maxBytes, itemSizeMax, noEvict: opts.noEvict, clock: opts.clock });
    this.saslPwdb = opts.saslPwdb ?? null;
    this.saslRequired = this.saslPwdb !== null;
    this.settings = {
      port: opts.port ?? 11211,
      bind: opts.bind ?? '127.0.0.1',
      maxConns,
      maxBytes,
      itemSizeMax,
      verbosity: 0,
      evictions: !opts.noEvict,
      slabAutomove: 1,
      slabAutomoveRatio: 0.8,
      lruCrawler: true,
      lruCrawlerSleep: 100,
      lruCrawlerTocrawl: 0,
      lruSegmented: true,
      hotLruPct: 20,
      warmLruPct: 40,
      hotMaxFactor: 0.2,
      warmMaxFactor: 2.0,
      tempLru: false,
      temporaryTtl: 61,
      sasl: this.saslRequired,
      domainSocket: null,
    };
    this.admit = opts.admit;
    this.logger = opts.logger ?? defaultLogger;
  }

  // ---- lifecycle ----------------------------------------------------------------------

  /** Starts listening on TCP; resolves with the port. */
  async listen(): Promise<number> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket, false));
    server.maxConnections = Infinity;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.settings.port, host: this.settings.bind, backlog: 1024 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.settings.port = this.port;
    this.listenerAddrs.push({ addr: `tcp:${this.settings.bind}:${this.port}` });
    this.store.counters.totalConns++;
    this.startTicker();
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
    this.settings.domainSocket = path;
    this.listenerAddrs.push({ addr: `unix:${path}` });
    this.store.counters.totalConns++;
    this.startTicker();
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    for (const c of [...this.conns.values()]) c.destroy();
    const servers = [this.server, ...this.unixServers.splice(0)];
    this.server = null;
    await Promise.all(servers.map((s) => (s ? new Promise<void>((resolve) => s.close(() => resolve())) : undefined)));
  }

  /** ElastiCache auto discovery: the cluster's nodes for `config get cluster`. */
  setClusterConfig(version: number, nodes: ClusterNode[]): void {
    this.cluster = { version, nodes: nodes.map((n) => ({ ...n })) };
  }

  /** `config set cluster` over the management channel: "host|ip|port host|ip|port ...". */
  setClusterConfigLine(version: number, line: string): void {
    const nodes: ClusterNode[] = [];
    for (const part of line.trim().split(/\s+/)) {
      if (!part) continue;
      const [host, ip, port] = part.split('|');
      nodes.push({ host, ip, port: Number(port) });
    }
    this.setClusterConfig(version, nodes);
  }

  private startTicker(): void {
    if (this.ticker) return;
    // memcached's clock_handler: the relative clock, delayed flushes, the crawler.
    this.ticker = setInterval(() => this.store.tick(), 1000);
    this.ticker.unref();
  }

  // ---- connections ----------------------------------------------------------------------

  /**
   * Serves a connection accepted and admitted elsewhere: a NAT instance's public port
   * that this node answers itself (gateway/node-ingress.ts). `as` is how it looks from
   * here after the NAT: the NAT instance's address as the peer, the node's own as local.
   */
  adopt(socket: net.Socket, as: { remote: string; local: string }): void {
    this.accept(socket, false, as);
  }

  private accept(socket: net.Socket, management: boolean, as?: { remote: string; local: string }): void {
    if (!management && !as && this.admit && !this.admit(socket)) {
      socket.destroy();
      return;
    }
    socket.on('error', () => {});
    this.store.counters.totalConns++;
    if (this.conns.size >= this.settings.maxConns) {
      this.store.counters.rejectedConns++;
      socket.end('ERROR Too many open connections\r\n');
      return;
    }
    const id = this.nextConnId++;
    const addr = management ? `unix:${this.settings.domainSocket}` : `tcp:${as?.remote ?? `${stripV6(socket.remoteAddress)}:${socket.remotePort}`}`;
    const local = management ? `unix:${this.settings.domainSocket}` : `tcp:${as?.local ?? `${stripV6(socket.localAddress)}:${socket.localPort}`}`;
    const conn = new McConnection(this, socket, id, addr, local, management);
    this.conns.set(id, conn);
    if (this.conns.size > this.peakConns) this.peakConns = this.conns.size;
    socket.on('data', (chunk: Buffer) => conn.onData(chunk));
    socket.on('close', () => conn.onClose());
    if (this.settings.verbosity > 1) this.log('verbose', `<${id} new client connection`);
  }

  /** Commands that threw (a bug): each closed only its own connection. */
  internalErrors = 0;

  internalError(conn: McConnection, error: unknown): void {
    this.internalErrors++;
    this.log('warning', `internal error on connection ${conn.id} (${conn.addr}), closing it: ${error instanceof Error ? error.stack : String(error)}`);
  }

  connectionClosed(conn: McConnection): void {
    this.conns.delete(conn.id);
  }

  connections(): Iterable<McConnection> {
    return this.conns.values();
  }

  connectionStats(): { curr: number; total: number; structures: number; listeners: { addr: string }[] } {
    return {
      curr: this.conns.size,
      total: this.store.counters.totalConns,
      structures: this.peakConns + this.listenerAddrs.length,
      listeners: this.listenerAddrs,
    };
  }

  // ---- SASL and discovery -----------------------------------------------------------------

  /** memcached's pwdb check: the file is read on each attempt, "user:password" per line. */
  checkPassword(user: string, password: string): boolean {
    if (!this.saslPwdb) return false;
    let text: string;
    try {
      text = fs.readFileSync(this.saslPwdb, 'latin1');
    } catch {
      this.log('warning', `WARNING: Failed to open sasl database <${this.saslPwdb}>`);
      return false;
    }
    for (const raw of text.split('\n')) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (!line.startsWith(user + ':')) continue;
      // Extra ":fields" after the password are allowed, as in memcached.
      const rest = line.slice(user.length + 1);
      return rest === password || rest.startsWith(password + ':');
    }
    return false;
  }

  /** "version\nhost|ip|port ...\n": a standalone node lists only itself. */
  clusterConfig(): string {
    const c = this.cluster ?? { version: 1, nodes: [{ host: this.settings.bind, ip: this.settings.bind, port: this.port }] };
    return `${c.version}\n${c.nodes.map((n) => `${n.host}|${n.ip ?? ''}|${n.port}`).join(' ')}\n`;
  }

  log(level: 'verbose' | 'notice' | 'warning', message: string): void {
    this.logger(level, message);
  }
}

/** memcached's start-up checks of -m and -I. */
function checkLimits(maxBytes: number, itemSizeMax: number): void {
  if (itemSizeMax < 1024) throw new Error('Item max size cannot be less than 1024 bytes.');
  if (itemSizeMax > maxBytes / 2) throw new Error('Cannot set item size limit higher than 1/2 of memory max.');
  if (itemSizeMax > 1024 * 1024 * 1024) throw new Error('Cannot set item size limit higher than a gigabyte.');
  if (SLAB_CHUNK_MAX > itemSizeMax)
    throw new Error(`slab_chunk_max (bytes: ${SLAB_CHUNK_MAX}) cannot be larger than -I (item_size_max ${itemSizeMax})`);
  if (itemSizeMax % SLAB_CHUNK_MAX !== 0)
    throw new Error(`-I (item_size_max: ${itemSizeMax}) must be evenly divisible by slab_chunk_max (bytes: ${SLAB_CHUNK_MAX})`);
}

function stripV6(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function defaultLogger(level: string, message: string): void {
  process.stderr.write(`${level === 'warning' ? 'WARNING: ' : ''}${message}\n`);
}
