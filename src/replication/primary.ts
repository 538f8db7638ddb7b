// The primary side of replication: the replicas connected to this node.
//
// A replica is an ordinary client until it sends PSYNC (or the pre-2.8 SYNC). Then:
// - partial resync: "+CONTINUE <replid>" and the backlog from the offset it asked
//   for, when its replid is ours (or our previous one, up to where that history
//   ended) and the backlog still holds that offset;
// - full resync: "+FULLRESYNC <replid> <offset>" and an RDB snapshot of the dataset
//   at that offset. Cove encodes snapshots synchronously, so no write can slip in
//   between: the stream continues right after the snapshot's offset. Replicas that
//   announced "capa eof" get the diskless framing ($EOF:<mark> ... <mark>), and as
//   Redis does, the stream is held until their first REPLCONF ACK (a replica reading
//   to the end mark must not receive stream bytes in the same read).
// After that the replica only sends REPLCONF ACK <offset> (once a second, and when
// asked with GETACK), which drives INFO's offset/lag, ROLE and WAIT.
//
// Limits as redis-server: a replica is dropped past the replica output buffer limits
// (client-output-buffer-limit slave: 256mb hard, 64mb for 60 s soft) or after
// repl-timeout seconds without an ACK.

import type { Client } from '../server/client.js';
import type { Ctx } from '../commands/types.js';
import { CommandError, Errors } from '../protocol/resp/errors.js';
import { snapshot } from '../persistence/node-persistence.js';
import type { Replication, ReplicaStatus } from './replication.js';

export type ReplicaState = 'wait_bgsave' | 'send_bulk' | 'online';

export interface ReplicaConn {
  client: Client;
  state: ReplicaState;
  ackOffset: number;
  /** ms of the last REPLCONF ACK (or of the sync). */
  ackTime: number;
  listeningPort: number;
  announcedIp: string | null;
  /** False for SYNC replicas, which never ACK (no timeout, no WAIT). */
  acks: boolean;
  /** Stream bytes held until the first ACK (diskless transfer), else null. */
  held: Buffer[] | null;
  /** When the output buffer went over the soft limit (0 = under it). */
  softSince: number;
}

/** What a client said with REPLCONF before it became a replica. */
interface Handshake {
  listeningPort: number;
  announcedIp: string | null;
  capa: Set<string>;
}

interface Waiter {
  client: Client;
  offset: number;
  needed: number;
}

export const WAIT_ON_REPLICA =
  'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.';

export class PrimarySide {
  readonly replicas = new Map<Client, ReplicaConn>();
  private readonly handshakes = new WeakMap<Client, Handshake>();
  private readonly waiters = new Set<Waiter>();
  private getackQueued = false;
  private hardLimit = 256 * 1024 * 1024;
  private softLimit = 64 * 1024 * 1024;
  private softSeconds = 60;

  constructor(private readonly repl: Replication) {}

  private handshake(client: Client): Handshake {
    let h = this.handshakes.get(client);
    if (!h) {
      h = { listeningPort: 0, announcedIp: null, capa: new Set() };
      this.handshakes.set(client, h);
    }
    return h;
  }

  // ---- REPLCONF ------------------------------------------------------------------------------

  /** REPLCONF option value [option value ...] */
  replconf(ctx: Ctx): void {
    const { argv, client, reply } = ctx;
    if (argv.count % 2 === 0) throw new CommandError(Errors.syntax);
    for (let i = 1; i < argv.count; i += 2) {
      if (argv.is(i, 'listening-port')) {
        const port = argv.int(i + 1);
        if (port === null) throw new CommandError(Errors.notInteger);
        this.handshake(client).listeningPort = Number(port);
      } else if (argv.is(i, 'ip-address')) {
        this.handshake(client).announcedIp = argv.str(i + 1);
      } else if (argv.is(i, 'capa')) {
        this.handshake(client).capa.add(argv.lower(i + 1));
      } else if (argv.is(i, 'ack')) {
        // From a replica: its applied offset. Never answered.
        const off = argv.int(i + 1);
        if (off !== null) this.ack(client, Number(off));
        return;
      } else if (argv.is(i, 'getack')) {
        // From our primary: answer with our offset. Never answered otherwise.
        if (client.isPrimaryLink) this.repl.link?.sendAck();
        return;
      } else if (argv.is(i, 'rdb-only') || argv.is(i, 'rdb-filter-only')) {
        // Snapshot-only consumers (redis-cli --rdb): accepted, nothing to change here.
      } else {
        throw new CommandError(`ERR Unrecognized REPLCONF option: ${argv.utf8(i)}`);
      }
    }
    reply.ok();
  }

  private ack(client: Client, offset: number): void {
    const r = this.replicas.get(client);
    if (!r) return;
    if (offset > r.ackOffset) r.ackOffset = offset;
    r.ackTime = Date.now();
    if (r.held) {
      // The first ACK after a diskless transfer: the replica has loaded the snapshot.
      const held = r.held;
      r.held = null;
      for (const b of held) this.write(r, b);
    }
    if (this.waiters.size > 0) this.serveWaiters();
  }

  // ---- PSYNC / SYNC ------------------------------------------------------------------------------

  /** Checks shared by SYNC and PSYNC; false when the client must not become a replica. */
  private canSync(ctx: Ctx): boolean {
    if (ctx.client.isReplica) return false; // already one: ignored, as Redis does
    const link = this.repl.link;
    if (link && link.state !== 'connected') throw new CommandError("NOMASTERLINK Can't SYNC while not connected with my master");
    return true;
  }

  /** PSYNC replicationid offset */
  psync(ctx: Ctx): void {
    if (!this.canSync(ctx)) return;
    const { argv, client } = ctx;
    const replid = argv.str(1);
    const off = argv.int(2);
    if (off === null) throw new CommandError(Errors.notInteger);
    const offset = Number(off);
    const repl = this.repl;
    const known = replid === repl.replid || (replid === repl.replid2 && offset <= repl.secondOffset);
    repl.flush();
    if (known && repl.backlog && repl.backlog.covers(offset)) {
      this.partialResync(client, offset);
      return;
    }
    if (replid !== '?') {
      repl.syncPartialErr++;
      repl.node.log('notice', `Partial resynchronization not accepted: ${known ? 'offset out of the backlog range' : 'replication ID mismatch'} (Replica asked for '${replid}', my replication IDs are '${repl.replid}' and '${repl.replid2}')`);
    }
    this.fullResync(client, true);
  }

  /** SYNC: the pre-PSYNC protocol, a snapshot with no replication ID. */
  sync(ctx: Ctx): void {
    if (!this.canSync(ctx)) return;
    this.repl.flush();
    this.fullResync(ctx.client, false);
  }

  private register(client: Client, acks: boolean): ReplicaConn {
    const h = this.handshake(client);
    client.isReplica = true;
    const r: ReplicaConn = {
      client,
      state: 'online',
      ackOffset: 0,
      ackTime: Date.now(),
      listeningPort: h.listeningPort,
      announcedIp: h.announcedIp,
      acks,
      held: null,
      softSince: 0,
    };
    this.replicas.set(client, r);
    return r;
  }

  private partialResync(client: Client, offset: number): void {
    const repl = this.repl;
    const h = this.handshake(client);
    client.flush(); // replies to the handshake go first
    const r = this.register(client, true);
    r.ackOffset = offset - 1;
    const line = h.capa.has('psync2') ? `+CONTINUE ${repl.replid}\r\n` : '+CONTINUE\r\n';
    client.socket?.write(line);
    const missing = repl.backlog!.from(offset);
    if (missing.length > 0) this.write(r, missing);
    repl.syncPartialOk++;
    repl.node.log('notice', `Partial resynchronization request from ${this.name(r)} accepted. Sending ${missing.length} bytes of backlog starting from offset ${offset}.`);
    repl.emit('replica-online', this.status(r));
  }

  private fullResync(client: Client, psync: boolean): void {
    const repl = this.repl;
    const node = repl.node;
    const h = this.handshake(client);
    repl.ensureBacklog();
    // A primary restarts its stream with a SELECT, so repl-stream-db can say 0; a
    // replica passes its primary's stream on untouched, so it says which database
    // that stream has selected.
    repl.streamDb = -1;
    const data = snapshot(node, [
      ['repl-stream-db', repl.link ? repl.link.streamDb() : 0],
      ['repl-id', repl.replid],
      ['repl-offset', repl.offset],
    ]);
    client.flush();
    const r = this.register(client, psync);
    r.ackOffset = psync ? 0 : repl.offset;
    const socket = client.socket;
    const diskless = psync && h.capa.has('eof') && node.config.bool('repl-diskless-sync');
    if (psync) socket?.write(`+FULLRESYNC ${repl.replid} ${repl.offset}\r\n`);
    if (diskless) {
      const mark = eofMark();
      socket?.write(`$EOF:${mark}\r\n`);
      socket?.write(data);
      socket?.write(mark);
      r.held = [];
    } else {
      socket?.write(`$${data.length}\r\n`);
      socket?.write(data);
    }
    repl.replOutputBytes += data.length;
    repl.syncFull++;
    node.log('notice', `Synchronization with replica ${this.name(r)} succeeded (full resync, ${data.length} bytes, ${diskless ? 'diskless' : 'bulk'}).`);
    repl.emit('replica-online', this.status(r));
  }

  // ---- the stream --------------------------------------------------------------------------------

  /** Sends stream bytes to every replica that is receiving the stream. */
  send(data: Buffer): void {
    for (const r of this.replicas.values()) {
      if (r.held) r.held.push(data);
      else this.write(r, data);
    }
  }

  private write(r: ReplicaConn, data: Buffer): void {
    const socket = r.client.socket;
    if (!socket || r.client.closed) return;
    socket.write(data);
    this.repl.replOutputBytes += data.length;
    if (this.hardLimit > 0 && socket.writableLength > this.hardLimit) this.overLimit(r);
  }

  private overLimit(r: ReplicaConn): void {
    this.repl.node.log('warning', `Client ${this.name(r)} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    this.repl.node.closeClient(r.client, true);
  }

  /** Drops every replica (a role change: they reconnect and learn the new history). */
  dropAll(): void {
    for (const r of [...this.replicas.values()]) this.repl.node.closeClient(r.client, false);
  }

  clientClosed(client: Client): void {
    for (const w of this.waiters) if (w.client === client) this.waiters.delete(w);
    const r = this.replicas.get(client);
    if (!r) return;
    this.replicas.delete(client);
    if (this.replicas.size === 0) this.repl.noReplicasSince = Date.now();
    this.repl.node.log('notice', `Connection with replica ${this.name(r)} lost.`);
    this.repl.emit('replica-offline', this.status(r));
  }

  /** Once every 100 ms: timeouts, soft output limits. */
  tick(now: number): void {
    this.readLimits();
    const timeoutMs = this.repl.node.config.int('repl-timeout') * 1000;
    for (const r of [...this.replicas.values()]) {
      if (r.acks && now - r.ackTime > timeoutMs) {
        this.repl.node.log('warning', `Disconnecting timedout replica (streaming sync): ${this.name(r)}`);
        this.repl.node.closeClient(r.client, true);
        continue;
      }
      const pending = r.client.outputPending;
      if (this.softLimit > 0 && pending > this.softLimit) {
        if (r.softSince === 0) r.softSince = now;
        else if (now - r.softSince > this.softSeconds * 1000) this.overLimit(r);
      } else {
        r.softSince = 0;
      }
    }
  }

  private limitsText = '';

  private readLimits(): void {
    const text = this.repl.node.config.get('client-output-buffer-limit');
    if (text === this.limitsText) return;
    this.limitsText = text;
    const parts = text.split(/\s+/);
    const i = parts.indexOf('slave');
    if (i === -1) return;
    this.hardLimit = Number(parts[i + 1]) || 0;
    this.softLimit = Number(parts[i + 2]) || 0;
    this.softSeconds = Number(parts[i + 3]) || 0;
  }

  // ---- WAIT -------------------------------------------------------------------------------------

  /** Replicas that acknowledged at least `offset`. */
  acked(offset: number): number {
    let n = 0;
    for (const r of this.replicas.values()) if (r.acks && r.ackOffset >= offset) n++;
    return n;
  }

  /**
   * WAIT numreplicas timeout (the 'wait' extension of server.ts, which has checked the
   * timeout): replies at once when enough replicas have acknowledged everything written
   * so far, otherwise asks them for an ACK and blocks until they have or time is up.
   */
  wait(ctx: Ctx): void {
    if (this.repl.link) throw new CommandError(WAIT_ON_REPLICA);
    const n = ctx.argv.int(1);
    if (n === null) throw new CommandError(Errors.notInteger);
    const needed = Number(n);
    const timeout = Number(ctx.argv.int(2));
    this.repl.flush();
    const offset = this.repl.writeOffset;
    const acked = this.acked(offset);
    if (acked >= needed || ctx.nested) {
      ctx.reply.int(acked);
      return;
    }
    const w: Waiter = { client: ctx.client, offset, needed };
    this.waiters.add(w);
    ctx.node.block(ctx, [], timeout, (client) => {
      this.waiters.delete(w);
      client.writer.int(this.acked(offset));
    });
    this.requestAcks();
  }

  /** REPLCONF GETACK * to every replica, once per event-loop turn however many WAITs ask. */
  private requestAcks(): void {
    if (this.getackQueued) return;
    this.getackQueued = true;
    setImmediate(() => {
      this.getackQueued = false;
      if (this.replicas.size > 0 && !this.repl.link) this.repl.feedCommand(['REPLCONF', 'GETACK', '*']);
    });
  }

  private serveWaiters(): void {
    for (const w of [...this.waiters]) {
      if (this.acked(w.offset) < w.needed) continue;
      this.waiters.delete(w);
      // Ends the block through the node (the timeout callback replies with the count),
      // after the ACK's own command is done rather than inside it.
      setImmediate(() => {
        if (!w.client.closed) this.repl.node.unblockWith(w.client, null);
      });
    }
  }

  // ---- reporting -------------------------------------------------------------------------------

  private ipOf(r: ReplicaConn): string {
    if (r.announcedIp) return r.announcedIp;
    const addr = r.client.addr;
    const i = addr.lastIndexOf(':');
    return i === -1 ? addr : addr.slice(0, i);
  }

  private name(r: ReplicaConn): string {
    return `${this.ipOf(r)}:${r.listeningPort}`;
  }

  private status(r: ReplicaConn): ReplicaStatus {
    return {
      ip: this.ipOf(r),
      port: r.listeningPort,
      state: r.state,
      offset: r.ackOffset,
      lag: Math.floor((Date.now() - r.ackTime) / 1000),
    };
  }

  statuses(): ReplicaStatus[] {
    return [...this.replicas.values()].map((r) => this.status(r));
  }
}

/** The 40 random characters that end a diskless transfer. */
function eofMark(): string {
  const chars = 'abcdef0123456789';
  let s = '';
  for (let i = 0; i < 40; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}
