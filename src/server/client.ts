// One client connection's state: protocol version, selected database, auth,
// MULTI queue, watched keys, subscriptions, blocking state, and its I/O.

import type { Socket } from 'node:net';
import { Argv } from '../protocol/resp/argv.js';
import { RespParser } from '../protocol/resp/parser.js';
import { RespWriter } from '../protocol/resp/writer.js';
import type { CommandSpec } from '../commands/types.js';
import type { TrackingState } from './tracking.js';

export interface QueuedCommand {
  argv: Argv;
  spec: CommandSpec;
}

/** Why and on what a client is blocked (BLPOP & co., WAIT, CLIENT PAUSE). */
export interface BlockState {
  kind: 'keys' | 'pause' | 'wait' | 'sleep';
  /** db-qualified keys ("db\0key") the client waits on. */
  keys: string[];
  db: number;
  /** The command to run again when a key is ready (owned copy). */
  argv: Argv;
  spec: CommandSpec;
  /** Absolute deadline in ms, 0 = forever. */
  deadline: number;
  /** Replies when the deadline passes (null array for most, nil for BLMOVE ...). */
  onTimeout: (client: Client) => void;
  /** For XREAD-like commands: extra state the handler keeps between attempts. */
  data?: unknown;
}

let nextClientId = 1;

export class Client {
  readonly id: number;
  name = '';
  libName = '';
  libVer = '';
  readonly socket: Socket | null;
  readonly writer = new RespWriter();
  parser!: RespParser;
  /** "ip:port" of the peer and of our side. */
  addr: string;
  laddr: string;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  db = 0;
  user = 'default';
  authenticated = false;
  /** The last command's name (CLIENT LIST cmd=). */
  lastCommand = 'NULL';

  // Transactions.
  inMulti = false;
  multiQueue: QueuedCommand[] = [];
  /** A queued command failed its checks: EXEC must abort. */
  multiError = false;
  /** A watched key changed: EXEC must return a null array. */
  watchDirty = false;
  watched: Set<string> = new Set();

  // Pub/sub.
  channels: Set<string> = new Set();
  patterns: Set<string> = new Set();
  shardChannels: Set<string> = new Set();

  blocked: BlockState | null = null;
  /** CLIENT TRACKING state, null when off. */
  tracking: TrackingState | null = null;
  /** Replies then closes (QUIT, protocol errors, CLIENT KILL). */
  closeAfterReply = false;
  closed = false;
  monitor = false;
  /** CLIENT REPLY: 'off' drops command replies; 'skip' drops the next command's reply only. */
  replyMode: 'on' | 'off' | 'skip' | 'skip-pending' = 'on';
  /**
   * Pub/sub confirmations produced by the client's own command while its replies are muted
   * (subscribe confirmations): Redis delivers pushes whatever CLIENT REPLY says.
   */
  mutedPushes: RespWriter | null = null;

  /** The writer for an out-of-band push to this client during its own command. */
  get pushWriter(): RespWriter {
    if (this.replyMode === 'on') return this.writer;
    if (!this.mutedPushes) {
      this.mutedPushes = new RespWriter();
      this.mutedPushes.resp = this.resp;
    }
    return this.mutedPushes;
  }
  noEvict = false;
  noTouch = false;
  /** A replica's link or the primary's link (replication issue). */
  isReplica = false;
  isPrimaryLink = false;
  /** Bytes written that the socket has not yet flushed (omem). */
  get outputPending(): number {
    return this.socket ? this.socket.writableLength : 0;
  }

  /** Arrived on the control plane's management socket (never a customer). */
  management = false;

  constructor(socket: Socket | null, addr = '', laddr = '') {
    this.id = nextClientId++;
    this.socket = socket;
    this.addr = addr;
    this.laddr = laddr;
  }

  get resp(): 2 | 3 {
    return this.writer.resp;
  }

  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  /** In RESP2, a subscribed client may only run the pub/sub commands. */
  get inPubSubContext(): boolean {
    return this.resp === 2 && this.subscriptionCount > 0;
  }

  /** Sends whatever replies are buffered, in one write. */
  flush(): void {
    if (this.writer.length === 0 || !this.socket || this.closed) return;
    this.socket.write(this.writer.take());
  }
}
