// The replica side of replication: this node's link to its primary.
//
// connect → handshake (PING, AUTH with masteruser/masterauth when set, REPLCONF
// listening-port [ip-address], REPLCONF capa eof capa psync2) → PSYNC <replid>
// <offset+1> with this node's own history (so a former primary, or a replica that
// lost its link, can continue where it was) → either
// - +FULLRESYNC <replid> <offset>: read the snapshot ($<len> or the diskless
//   $EOF:<mark> framing), replace the whole dataset with it, adopt the primary's
//   replid and offset; or
// - +CONTINUE [<replid>]: keep the dataset, the stream resumes from our offset
// → streaming: every command of the stream runs as the primary's client (flag M,
// no ACL, no read-only check, keys past their TTL still count as present: the
// primary decides what expired), replies discarded. The offset advances by the
// bytes of each applied command, but not inside MULTI until its EXEC, so a link
// that drops mid-transaction resumes before it. REPLCONF ACK <offset> goes back
// once a second and whenever the primary asks (REPLCONF GETACK).
// A lost link (error, close, repl-timeout of silence) is retried every second.

import net from 'node:net';
import type { Argv } from '../protocol/resp/argv.js';
import { Client } from '../server/client.js';
import { call, resolveCommand } from '../commands/dispatch.js';
import type { CommandSpec } from '../commands/types.js';
import { encodingLimits } from '../commands/encoding-limits.js';
import { loadRdb } from '../persistence/rdb-reader.js';
import { ScriptingEngine } from '../scripting/engine.js';
import { ReplBacklog } from './backlog.js';
import { encodeCommand } from './resp-encode.js';
import { StreamParser } from './stream-parser.js';
import { NO_REPLID, Replication } from './replication.js';

export interface LinkOptions {
  /** Dial this unix socket (the management channel) instead of host:port. */
  path?: string;
  /** REPLCONF ip-address: the address the primary reports for this replica. */
  announceIp?: string;
  /** REPLCONF listening-port (default: the port this node listens on). */
  announcePort?: number;
}

export type LinkState = 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

/** Commands the primary's client runs at once even inside MULTI. */
const IMMEDIATE_IN_MULTI = new Set(['exec', 'discard', 'multi']);

interface Transfer {
  replid: string;
  offset: number;
  /** Payload size; -1 for the diskless framing; -2 until the "$" line is read. */
  total: number;
  read: number;
  head: Buffer;
  mark: Buffer | null;
  chunks: Buffer[];
}

export class PrimaryLink {
  state: LinkState = 'connect';
  /** ms when a working link was lost (0: never was, or up now). */
  downSince = 0;
  private lastIo = Date.now();
  private lastAck = 0;
  private socket: net.Socket | null = null;
  /** The primary's client while streaming. */
  private client: Client | null = null;
  /** The database the stream had selected when the link last dropped. */
  private db = 0;
  private inbuf: Buffer = Buffer.alloc(0);
  private lineWaiter: ((line: string) => void) | null = null;
  private transfer: Transfer | null = null;
  private parser: StreamParser | null = null;
  /** Commands of a MULTI the primary has not closed yet: applied but not yet counted. */
  private uncommitted: Buffer[] = [];
  private uncommittedBytes = 0;
  private retry: NodeJS.Timeout | null = null;
  /** Bumped on every (re)connect and teardown: callbacks of an older socket do nothing. */
  private generation = 0;
  private closed = false;

  constructor(
    private readonly repl: Replication,
    readonly host: string,
    readonly port: number,
    private readonly opts: LinkOptions = {},
  ) {}

  private get node() {
    return this.repl.node;
  }

  // ---- connection -------------------------------------------------------------------------

  connect(): void {
    if (this.closed) return;
    const gen = ++this.generation;
    this.state = 'connecting';
    this.lastIo = Date.now();
    const socket = this.opts.path ? net.connect({ path: this.opts.path }) : net.connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (gen !== this.generation) return;
      this.node.log('notice', 'MASTER <-> REPLICA sync started');
      this.state = 'handshake';
      this.lastIo = Date.now();
      this.handshake().catch((e: Error) => this.lost(gen, e.message));
    });
    socket.on('data', (chunk: Buffer) => {
      if (gen === this.generation) this.onData(chunk);
    });
    socket.on('error', (e) => this.lost(gen, `Error condition on socket for SYNC: ${e.message}`));
    socket.on('close', () => this.lost(gen, 'Connection with master lost.'));
  }

  private async handshake(): Promise<void> {
    const cfg = this.node.config;
    const pong = await this.request(['PING']);
    if (pong.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(pong)) {
      throw new Error(`Error reply to PING from master: '${pong}'`);
    }
    const pass = cfg.get('masterauth');
    if (pass) {
      const user = cfg.get('masteruser');
      const ok = await this.request(user ? ['AUTH', user, pass] : ['AUTH', pass]);
      if (ok.startsWith('-')) throw new Error(`Unable to AUTH to MASTER: ${ok}`);
    }
    const port = await this.request(['REPLCONF', 'listening-port', String(this.opts.announcePort ?? this.node.port)]);
    if (port.startsWith('-')) this.node.log('notice', `(Non critical) Master does not understand REPLCONF listening-port: ${port}`);
    if (this.opts.announceIp) await this.request(['REPLCONF', 'ip-address', this.opts.announceIp]);
    const capa = await this.request(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    if (capa.startsWith('-')) this.node.log('notice', `(Non critical) Master does not understand REPLCONF capa: ${capa}`);
    const replid = this.repl.replid;
    const offset = this.repl.offset + 1;
    this.node.log('notice', `Trying a partial resynchronization (request ${replid}:${offset}).`);
    this.psyncReply(await this.request(['PSYNC', replid, String(offset)]));
  }

  /** Sends a handshake command and resolves with its one-line reply. */
  private request(args: string[]): Promise<string> {
    return new Promise((resolve) => {
      this.lineWaiter = resolve;
      this.socket?.write(encodeCommand(args));
      this.pumpLines();
    });
  }

  private pumpLines(): void {
    while (this.lineWaiter) {
      const nl = this.inbuf.indexOf(10);
      if (nl === -1) {
        if (this.inbuf.length > 64 * 1024) this.lost(this.generation, 'Handshake reply too long');
        return;
      }
      const end = nl > 0 && this.inbuf[nl - 1] === 13 ? nl - 1 : nl;
      const line = this.inbuf.latin1Slice(0, end);
      this.inbuf = this.inbuf.subarray(nl + 1);
      if (line.length === 0) continue; // a primary's keepalive newline
      const w = this.lineWaiter;
      this.lineWaiter = null;
      w(line);
    }
  }

  private onData(chunk: Buffer): void {
    this.lastIo = Date.now();
    this.repl.replInputBytes += chunk.length;
    switch (this.state) {
      case 'handshake':
        this.inbuf = this.inbuf.length === 0 ? chunk : Buffer.concat([this.inbuf, chunk]);
        this.pumpLines();
        return;
      case 'sync':
        this.transferData(chunk);
        return;
      case 'connected':
        this.node.tick();
        this.parser!.feed(chunk);
        return;
    }
  }

  // ---- PSYNC outcome --------------------------------------------------------------------------

  private psyncReply(line: string): void {
    if (line.startsWith('+FULLRESYNC')) {
      const [, replid, off] = line.split(' ');
      const offset = Number(off);
      if (!replid || replid.length !== 40 || !Number.isSafeInteger(offset)) throw new Error(`Master replied with wrong +FULLRESYNC syntax: ${line}`);
      this.node.log('notice', `Full resync from master: ${replid}:${offset}`);
      this.state = 'sync';
      this.transfer = { replid, offset, total: -2, read: 0, head: Buffer.alloc(0), mark: null, chunks: [] };
      const rest = this.inbuf;
      this.inbuf = Buffer.alloc(0);
      if (rest.length > 0) this.transferData(rest);
      return;
    }
    if (line.startsWith('+CONTINUE')) {
      const replid = line.slice('+CONTINUE'.length).trim();
      const repl = this.repl;
      if (replid.length === 40 && replid !== repl.replid) {
        // The primary's history continues under a new ID (it was promoted): adopt it,
        // and let our own replicas reconnect to learn it too.
        repl.replid2 = repl.replid;
        repl.secondOffset = repl.offset + 1;
        repl.replid = replid;
        repl.primary.dropAll();
      }
      repl.ensureBacklog();
      this.node.log('notice', 'MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      const rest = this.inbuf;
      this.inbuf = Buffer.alloc(0);
      this.startStreaming(rest);
      repl.emit('partial-sync');
      return;
    }
    // -NOMASTERLINK, -LOADING, or a primary that knows no PSYNC: try again later.
    throw new Error(`Unexpected reply to PSYNC from master: ${line}`);
  }

  /** Bytes of the snapshot transfer. */
  private transferData(chunk: Buffer): void {
    const t = this.transfer!;
    if (t.total === -2) {
      let head = t.head.length === 0 ? chunk : Buffer.concat([t.head, chunk]);
      let start = 0;
      while (start < head.length && head[start] === 10) start++; // keepalives before the payload
      head = head.subarray(start);
      const nl = head.indexOf('\r\n');
      if (nl === -1) {
        if (head.length > 1024) this.lost(this.generation, 'Bad protocol from MASTER, the first byte is not \'$\'');
        else t.head = head;
        return;
      }
      const line = head.latin1Slice(0, nl);
      chunk = head.subarray(nl + 2);
      t.head = Buffer.alloc(0);
      if (line.startsWith('$EOF:') && line.length === 45) {
        t.mark = Buffer.from(line.slice(5), 'latin1');
        t.total = -1;
      } else if (/^\$\d+$/.test(line)) {
        t.total = Number(line.slice(1));
      } else {
        this.lost(this.generation, `Bad protocol from MASTER, the first byte is not '$' (we received '${line.slice(0, 64)}'), are you sure the host and port are right?`);
        return;
      }
    }
    if (t.total >= 0) {
      const need = t.total - t.read;
      if (chunk.length < need) {
        t.chunks.push(chunk);
        t.read += chunk.length;
        return;
      }
      t.chunks.push(chunk.subarray(0, need));
      t.read += need;
      this.load(Buffer.concat(t.chunks), chunk.subarray(need));
      return;
    }
    if (chunk.length > 0) {
      t.chunks.push(chunk);
      t.read += chunk.length;
    }
    if (t.read < 40) return;
    const all = tail(t.chunks, 40);
    if (!all.equals(t.mark!)) return;
    const payload = Buffer.concat(t.chunks);
    this.load(payload.subarray(0, payload.length - 40), Buffer.alloc(0));
  }

  /** Replaces the dataset with the snapshot and starts applying the stream. */
  private load(payload: Buffer, rest: Buffer): void {
    const t = this.transfer!;
    const repl = this.repl;
    const node = this.node;
    this.node.log('notice', `MASTER <-> REPLICA sync: receiving ${payload.length} bytes from master to disk`);
    node.log('notice', 'MASTER <-> REPLICA sync: Flushing old data');
    node.watches.touchDb(-1);
    node.store.flushAll();
    ScriptingEngine.peek(node)?.flushLibraries();
    node.log('notice', 'MASTER <-> REPLICA sync: Loading DB in memory');
    try {
      // A replica keeps keys the snapshot says have expired: the primary's DELs remove them.
      const result = loadRdb(node.store, payload, {
        limits: encodingLimits(node),
        skipExpired: false,
        verifyChecksum: node.config.bool('rdbchecksum'),
      });
      if (result.functions.length > 0) {
        const engine = ScriptingEngine.of(node);
        for (const code of result.functions) engine.loadLibrary(code, true, 0);
      }
      const db = Number(result.aux.get('repl-stream-db') ?? 0);
      this.db = Number.isInteger(db) && db >= 0 && db < node.store.dbs.length ? db : 0;
    } catch (e) {
      node.store.flushAll();
      this.lost(this.generation, `Failed trying to load the MASTER synchronization DB from socket: ${(e as Error).message}`);
      return;
    }
    node.store.dirty++;
    node.signalAllBlocked();
    repl.replid = t.replid;
    repl.replid2 = NO_REPLID;
    repl.secondOffset = -1;
    repl.offset = t.offset;
    repl.backlog = new ReplBacklog(node.config.int('repl-backlog-size'), t.offset);
    // Our own replicas hold the old dataset: they must resync from us.
    repl.primary.dropAll();
    this.transfer = null;
    node.log('notice', 'MASTER <-> REPLICA sync: Finished with success');
    this.startStreaming(rest);
    repl.emit('full-sync');
  }

  private startStreaming(rest: Buffer): void {
    const node = this.node;
    this.state = 'connected';
    this.downSince = 0;
    const s = this.socket;
    const peer = this.opts.path ? this.opts.path : `${this.host}:${this.port}`;
    const local = s && s.localAddress ? `${s.localAddress}:${s.localPort}` : '';
    const c = new Client(null, peer, local);
    c.authenticated = true;
    c.isPrimaryLink = true;
    c.db = this.db;
    node.clients.set(c.id, c);
    this.client = c;
    const gen = this.generation;
    this.parser = new StreamParser({
      command: (argv, bytes, raw) => this.apply(argv, bytes, raw),
      error: (message) => this.lost(gen, `Protocol error from master: ${message}`),
    });
    this.sendAck();
    this.repl.emit('link-up');
    if (rest.length > 0) {
      node.tick();
      this.parser.feed(rest);
    }
  }

  // ---- the stream -----------------------------------------------------------------------------

  /** Runs one command of the primary's stream. */
  private apply(argv: Argv, bytes: number, raw: Buffer): void {
    const c = this.client;
    if (!c) return;
    const node = this.node;
    const spec = resolveCommand(node, argv);
    if (typeof spec === 'string') {
      node.log('warning', `Command from master failed: ${spec}`);
    } else if (!arityOk(spec, argv.count)) {
      node.log('warning', `Command from master with wrong arity: ${spec.name}`);
    } else if (c.inMulti && !IMMEDIATE_IN_MULTI.has(spec.name)) {
      c.multiQueue.push({ argv: argv.clone(), spec });
    } else {
      node.store.fromPrimary = true;
      try {
        call(node, c, argv, spec, c.writer, false);
      } finally {
        node.store.fromPrimary = false;
      }
      node.afterCommand();
    }
    c.writer.truncate(0);
    if (this.client !== c) return; // the link went away during the command
    if (c.inMulti) {
      this.uncommitted.push(Buffer.from(raw));
      this.uncommittedBytes += bytes;
      return;
    }
    const applied = this.uncommitted.length > 0 ? Buffer.concat([...this.uncommitted, raw]) : raw;
    this.uncommitted = [];
    this.uncommittedBytes = 0;
    // The same bytes go on to our backlog and our own replicas.
    this.repl.feed(applied);
  }

  /** REPLCONF ACK <offset> to the primary. */
  sendAck(): void {
    if (this.state !== 'connected' || !this.socket) return;
    this.lastAck = Date.now();
    this.socket.write(encodeCommand(['REPLCONF', 'ACK', String(this.repl.offset)]));
  }

  // ---- upkeep -----------------------------------------------------------------------------

  tick(now: number): void {
    if (this.closed || this.state === 'connect') return;
    const timeoutMs = this.node.config.int('repl-timeout') * 1000;
    if (now - this.lastIo > timeoutMs) {
      const what =
        this.state === 'connected'
          ? 'MASTER timeout: no data nor PING received...'
          : this.state === 'sync'
            ? 'Timeout receiving bulk data from MASTER... If the problem persists try to set the \'repl-timeout\' parameter in redis.conf to a larger value.'
            : 'Timeout connecting to the MASTER...';
      this.lost(this.generation, what);
      return;
    }
    if (this.state === 'connected' && now - this.lastAck >= 1000) this.sendAck();
  }

  /** The connection is gone or unusable: tear it down and try again in a second. */
  private lost(gen: number, reason: string): void {
    if (gen !== this.generation || this.closed) return;
    const wasConnected = this.state === 'connected';
    this.teardown();
    this.node.log('warning', reason);
    this.state = 'connect';
    if (wasConnected) {
      this.downSince = Date.now();
      this.repl.emit('link-down');
    }
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect();
    }, 1000);
    this.retry.unref();
  }

  private teardown(): void {
    this.generation++;
    this.lineWaiter = null;
    this.inbuf = Buffer.alloc(0);
    this.transfer = null;
    this.parser?.stop();
    this.parser = null;
    // A MULTI the primary had not closed is dropped with its bytes, so PSYNC resumes before it.
    this.uncommitted = [];
    this.uncommittedBytes = 0;
    const c = this.client;
    this.client = null;
    if (c) {
      this.db = c.db;
      if (!c.closed) this.node.closeClient(c, true);
    }
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.removeAllListeners('data');
      s.on('error', () => {});
      s.destroy();
    }
  }

  /** The node closes the primary's client (CLIENT KILL TYPE master): reconnect. */
  clientClosed(client: Client): void {
    if (client === this.client) this.lost(this.generation, 'Connection with master lost (client killed).');
  }

  /** Stops for good (REPLICAOF NO ONE, another primary, node shutdown). */
  close(): void {
    if (this.closed) return;
    this.teardown();
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.state = 'connect';
  }

  // ---- reporting ----------------------------------------------------------------------------

  /** ROLE's state word. */
  roleState(): string {
    return this.state === 'connect' ? 'connect' : this.state;
  }

  lastIoSecondsAgo(): number {
    return Math.floor((Date.now() - this.lastIo) / 1000);
  }

  /** Bytes received from the primary and not yet applied (slave_read_repl_offset - slave_repl_offset). */
  unappliedBytes(): number {
    return (this.parser ? this.parser.buffered : 0) + this.uncommittedBytes;
  }

  transferProgress(): { total: number; read: number } | null {
    const t = this.transfer;
    if (this.state !== 'sync' || !t) return null;
    return { total: t.total < 0 ? -1 : t.total, read: t.read };
  }

  /** The database the stream has selected (repl-stream-db of a snapshot we serve to our replicas). */
  streamDb(): number {
    return this.client ? this.client.db : this.db;
  }
}

function arityOk(spec: CommandSpec, argc: number): boolean {
  return !((spec.arity > 0 && spec.arity !== argc) || argc < -spec.arity);
}

/** The last n bytes of a list of chunks. */
function tail(chunks: Buffer[], n: number): Buffer {
  const last = chunks[chunks.length - 1];
  if (last.length >= n) return last.subarray(last.length - n);
  const parts: Buffer[] = [];
  let have = 0;
  for (let i = chunks.length - 1; i >= 0 && have < n; i--) {
    parts.unshift(chunks[i]);
    have += chunks[i].length;
  }
  const joined = Buffer.concat(parts);
  return joined.subarray(joined.length - n);
}
