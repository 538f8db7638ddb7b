// Security groups inside a cache node process. The control plane publishes the
// network view to a file (run/network.json) and starts the node with
// `--network-policy FILE --eni ID`; this module reads that file, follows its changes
// (inotify, with a slow stat poll as a safety net), and decides each accepted TCP
// connection in the node's `admit` hook, before the engine reads a byte:
//
//  - denied: the connection is reset at once (RST) and a REJECT flow record written.
//    AWS drops such packets silently and the client times out; Cove answers at once
//    so that neither users nor tests wait for a timeout. Either way no byte flows.
//  - allowed: the connection is tracked (AWS's connection tracking): a rule revoked
//    later does not cut it; it ends when the group that admitted it leaves the
//    node's interface and no other rule admits it, or when the node is deleted.
//    ACCEPT records are written when it closes and at each aggregation interval.
//
// Until the node's interface appears in the view, every connection is refused: the
// node fails closed.

import fs from 'node:fs';
import path from 'node:path';
import type net from 'node:net';
import { emptyView, NetworkView, ViewEni, ViewFlowLog } from './view.js';
import { PolicyIndex, Verdict, evaluateFlow, normalizeAddress, resolveAddress, Endpoint } from './policy.js';
import { FlowCounter, FlowLogWriter, subscriptionsFor, unixSeconds } from './flow-log.js';

/** How often the policy file's mtime is checked in case an inotify event was missed. */
const POLL_MS = 1000;

export interface EnforcerStats {
  accepted: number;
  rejected: number;
  /** Connections ended because the group that admitted them left the interface. */
  ended: number;
  viewVersion: number;
}

interface Tracked {
  socket: net.Socket;
  src: Endpoint;
  srcAddr: string;
  srcPort: number;
  port: number;
  /** The group whose rule admitted the connection. */
  groupId: string;
  counter: FlowCounter;
}

export function readViewFile(file: string): NetworkView | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as NetworkView;
  } catch {
    return null;
  }
}

/** Writes the view so that a reader never sees half a file (write a temp file, then rename). */
export function writeViewFile(file: string, view: NetworkView): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(view), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export class NodeEnforcer {
  readonly stats: EnforcerStats = { accepted: 0, rejected: 0, ended: 0, viewVersion: -1 };
  private index = new PolicyIndex(emptyView());
  private eni: ViewEni | undefined;
  private subs: ViewFlowLog[] = [];
  private readonly verdicts = new Map<string, Verdict>();
  private readonly tracked = new Set<Tracked>();
  private readonly writer: FlowLogWriter;
  private watcher: fs.FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private aggregate: NodeJS.Timeout | null = null;
  private lastMtime = 0;
  private reloadQueued = false;
  private readonly viewListeners: ((index: PolicyIndex, eni: ViewEni | undefined) => void)[] = [];

  constructor(
    readonly policyFile: string,
    readonly eniId: string,
    private readonly log: (level: 'notice' | 'warning', msg: string) => void = () => {},
  ) {
    this.writer = new FlowLogWriter(100, (file, e) => this.log('warning', `flow log ${file}: ${e.message}`));
    this.admit = this.admit.bind(this);
  }

  /** Reads the policy and starts following it. */
  start(): void {
    this.reload();
    try {
      this.watcher = fs.watch(path.dirname(this.policyFile), (_event, name) => {
        if (name === null || name === path.basename(this.policyFile)) this.queueReload();
      });
      this.watcher.on('error', () => {});
      this.watcher.unref();
    } catch {
      // No inotify: the poll below still picks changes up.
    }
    this.poll = setInterval(() => {
      try {
        if (fs.statSync(this.policyFile).mtimeMs !== this.lastMtime) this.queueReload();
      } catch {
        // not written yet
      }
    }, POLL_MS);
    this.poll.unref();
  }

  close(): void {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    if (this.aggregate) clearInterval(this.aggregate);
    for (const t of this.tracked) this.report(t);
    this.tracked.clear();
    this.writer.close();
  }

  private queueReload(): void {
    if (this.reloadQueued) return;
    this.reloadQueued = true;
    setImmediate(() => {
      this.reloadQueued = false;
      this.reload();
    });
  }

  /** Takes the current file (if newer) and applies it to tracked connections. */
  reload(): void {
    let mtime = 0;
    try {
      mtime = fs.statSync(this.policyFile).mtimeMs;
    } catch {
      return;
    }
    const view = readViewFile(this.policyFile);
    if (!view) return; // mid-replace on a filesystem without atomic rename: the next event retries
    this.lastMtime = mtime;
    if (view.version <= this.stats.viewVersion) return;
    this.apply(view);
  }

  /** Applies a view (also used by tests that hand one in directly). */
  apply(view: NetworkView): void {
    const before = this.eni;
    this.stats.viewVersion = view.version;
    this.index = new PolicyIndex(view);
    this.eni = this.index.eniById.get(this.eniId);
    this.subs = this.eni ? subscriptionsFor(view, this.eni) : [];
    this.verdicts.clear();
    if (!this.eni && before) this.log('warning', `interface ${this.eniId} is gone from the network: refusing every connection`);
    this.recheckTracked();
    this.armAggregation();
    for (const f of this.viewListeners) f(this.index, this.eni);
  }

  /** Runs `f` with every view applied from now on (and at once with the current one). */
  onView(f: (index: PolicyIndex, eni: ViewEni | undefined) => void): void {
    this.viewListeners.push(f);
    f(this.index, this.eni);
  }

  /** The flow log writer of this node's records (shared with the NAT ingress). */
  get flowLogs(): FlowLogWriter {
    return this.writer;
  }

  /**
   * AWS's tracked connections survive rule changes; what ends them here is their
   * admitting group leaving the interface (or the interface going) with no other
   * rule admitting them.
   */
  private recheckTracked(): void {
    for (const t of [...this.tracked]) {
      if (this.eni && this.eni.groupIds.includes(t.groupId)) continue;
      const src = this.eni ? resolveAddress(this.index, t.srcAddr) : t.src;
      const v = this.eni ? evaluateFlow(this.index, src, this.eni, t.port) : undefined;
      if (v?.allowed && v.rule) {
        t.groupId = v.rule.groupId;
        continue;
      }
      this.stats.ended++;
      t.socket.destroy();
    }
  }

  private armAggregation(): void {
    if (this.aggregate) clearInterval(this.aggregate);
    this.aggregate = null;
    if (this.subs.length === 0) return;
    const every = Math.min(...this.subs.map((s) => s.maxAggregationInterval)) * 1000;
    this.aggregate = setInterval(() => {
      for (const t of this.tracked) this.report(t);
    }, every);
    this.aggregate.unref();
  }

  /** The node's `admit` hook: true lets the connection in; false after it was reset. */
  admit(socket: net.Socket): boolean {
    return this.admitFrom(socket, normalizeAddress(socket.remoteAddress ?? ''), socket.remotePort ?? 0, socket.localPort ?? 0);
  }

  /**
   * admit() for a connection whose source is not its socket's peer: one the node took
   * on a NAT instance's behalf (gateway/node-ingress.ts), which reaches the node's
   * groups as the NAT instance's address after SNAT, as on AWS.
   */
  admitFrom(socket: net.Socket, srcAddr: string, srcPort: number, port: number): boolean {
    const eni = this.eni;
    let verdict: Verdict;
    let src: Endpoint;
    if (!eni) {
      src = { kind: 'external', address: srcAddr };
      verdict = { allowed: false, code: 'no-interface', reason: `interface ${this.eniId} is not in the network view` };
    } else {
      src = resolveAddress(this.index, srcAddr);
      const key = `${srcAddr}|${port}`;
      let v = this.verdicts.get(key);
      if (!v) {
        v = evaluateFlow(this.index, src, eni, port);
        if (this.verdicts.size > 10_000) this.verdicts.clear();
        this.verdicts.set(key, v);
      }
      verdict = v;
    }
    if (!verdict.allowed) {
      this.stats.rejected++;
      if (eni && this.subs.length) {
        const now = unixSeconds();
        this.writer.write(this.subs, {
          eni,
          srcaddr: src.kind === 'eni' ? src.eni.privateIp : srcAddr,
          dstaddr: eni.privateIp,
          srcport: srcPort,
          dstport: port,
          protocol: 6,
          bytes: 0,
          start: now,
          end: now,
          action: 'REJECT',
          direction: 'ingress',
          tcpFlags: 2,
        });
      }
      // RST, not FIN: nothing was read, and no TIME_WAIT is left behind per attempt.
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
      return false;
    }
    this.stats.accepted++;
    const t: Tracked = { socket, src, srcAddr, srcPort, port, groupId: verdict.rule!.groupId, counter: new FlowCounter() };
    this.tracked.add(t);
    socket.once('close', () => {
      this.tracked.delete(t);
      this.report(t);
    });
    return true;
  }

  /** ACCEPT records for the window that ends now (one per direction with traffic, at least the inbound one). */
  private report(t: Tracked): void {
    const eni = this.eni;
    if (!eni || this.subs.length === 0) {
      t.counter.take(t.socket.bytesRead, t.socket.bytesWritten);
      return;
    }
    const w = t.counter.take(t.socket.bytesRead, t.socket.bytesWritten);
    const peer = t.src.kind === 'eni' ? t.src.eni.privateIp : t.srcAddr;
    this.writer.write(this.subs, {
      eni,
      srcaddr: peer,
      dstaddr: eni.privateIp,
      srcport: t.srcPort,
      dstport: t.port,
      protocol: 6,
      bytes: w.bytesIn,
      start: w.start,
      end: w.end,
      action: 'ACCEPT',
      direction: 'ingress',
    });
    if (w.bytesOut > 0) {
      this.writer.write(this.subs, {
        eni,
        srcaddr: eni.privateIp,
        dstaddr: peer,
        srcport: t.port,
        dstport: t.srcPort,
        protocol: 6,
        bytes: w.bytesOut,
        start: w.start,
        end: w.end,
        action: 'ACCEPT',
        direction: 'egress',
      });
    }
  }

  /** Number of connections currently tracked. */
  get trackedCount(): number {
    return this.tracked.size;
  }
}

/**
 * For `cove server --network-policy FILE --eni ID`: a started enforcer, or undefined
 * when the node runs standalone (no policy: every client is admitted, as before).
 */
export function enforcerFromFlags(
  flags: { networkPolicy?: string; eni?: string },
  log: (level: 'notice' | 'warning', msg: string) => void,
): NodeEnforcer | undefined {
  if (flags.networkPolicy === undefined && flags.eni === undefined) return undefined;
  if (!flags.networkPolicy || !flags.eni) throw new Error('--network-policy and --eni go together');
  const enforcer = new NodeEnforcer(path.resolve(flags.networkPolicy), flags.eni, log);
  enforcer.start();
  return enforcer;
}
