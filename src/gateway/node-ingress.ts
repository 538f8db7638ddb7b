// A NAT instance's forwarding to a cache node, served by that node's own process.
//
// The gateway (gateway.ts) relays: it accepts on the Elastic IP's port, dials the node
// from the NAT instance's address and copies every byte across, in the control plane's
// process. However lean that copy is, a user-space hop in Node costs at least what
// HAProxy's does per request (bench/nat.ts measures even Node's C++ StreamPipe above
// it), so for the case that matters most (a public port DNAT'ed to a cache node's own
// address and port, plain TCP) there is no hop: the node process listens on that
// public port itself and decides every connection as the path through the NAT
// instance would, with the same pure functions and flow records as the gateway:
//
//   1. the NAT instance's groups against the client, the rule's -s, IP forwarding on
//      and the source/dest check off;
//   2. the NAT instance's egress rules towards the node;
//   3. the node's own groups against the NAT instance's address (SNAT), so a node
//      never sees the client, exactly as when the gateway dials it.
//
// A connection let through is served as if it came from the NAT instance (CLIENT LIST,
// `stats conns`). Forwarding then costs no CPU per request beyond the node's own,
// and forwarded connections live on while the control plane is down, like the rest
// of the data plane. Established connections survive rule changes (conntrack) and
// end when the NAT instance stops being one (stopped, terminated, Elastic IP gone).
// The gateway leaves these ports to the nodes (forwarding.ts servedByNode). When a
// port moves between processes (a node replaced, TLS switched on) the new owner may
// find it still bound for a moment and retries.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { PolicyIndex } from '../network/policy.js';
import { checkEgress, checkIngress, normalizeAddress } from '../network/policy.js';
import type { ViewEni, ViewFlowLog, ViewInstance } from '../network/view.js';
import { subscriptionsFor, unixSeconds, type FlowRecord } from '../network/flow-log.js';
import type { NodeEnforcer } from '../network/enforcer.js';
import { processAlive } from '../control/supervisor.js';
import { forwardingTable, servedByNode, sourceAllowed, targetEni, type ForwardEntry, type ForwardingTable } from './forwarding.js';
import type { GatewayCounters } from './gateway.js';

/** How soon a public port that was still bound elsewhere is tried again. */
const RETRY_MS = 100;
/** Counters are published at most this often (`cove nat status`, /metrics). */
const PUBLISH_MS = 100;
const COUNTERS_PREFIX = 'nat-ingress-';

interface Route {
  inst: ViewInstance;
  natEni: ViewEni;
  table: ForwardingTable;
  entry: ForwardEntry;
  /** Flow log subscriptions of the NAT instance's interface. */
  subs: ViewFlowLog[];
}

interface PublicPort {
  address: string;
  port: number;
  route: Route;
  server: net.Server | null;
  retry: NodeJS.Timeout | null;
  /** Failed listen attempts in a row. */
  attempts: number;
}

/** The node process side: serve a connection that was admitted here. */
export interface IngressTarget {
  adopt(socket: net.Socket, as: { remote: string; local: string }): void;
}

/**
 * The NAT counters of every node process in a run dir, per NAT instance: what the
 * gateway's own counters miss (`cove nat status`, /metrics add them up). Each node
 * publishes its file (NodeIngress.publish); files of processes that are gone are
 * removed here.
 */
export function nodeIngressCounters(runDir: string): Map<string, GatewayCounters> {
  const sum = new Map<string, GatewayCounters>();
  let names: string[];
  try {
    names = fs.readdirSync(runDir).filter((n) => n.startsWith(COUNTERS_PREFIX) && n.endsWith('.json'));
  } catch {
    return sum;
  }
  for (const name of names) {
    const file = path.join(runDir, name);
    let doc: { pid: number; nats: Record<string, GatewayCounters> };
    try {
      doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // being replaced, or gone
    }
    if (!processAlive(doc.pid)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    for (const [id, c] of Object.entries(doc.nats)) {
      const t = sum.get(id) ?? zeroCounters();
      addCounters(t, c);
      sum.set(id, t);
    }
  }
  return sum;
}

export function zeroCounters(): GatewayCounters {
  return { accepted: 0, rejected: 0, active: 0, bytesIn: 0, bytesOut: 0 };
}

/** into += from, field by field. */
export function addCounters(into: GatewayCounters, from: GatewayCounters): void {
  for (const k of Object.keys(into) as (keyof GatewayCounters)[]) into[k] += from[k] ?? 0;
}

export class NodeIngress {
  /** Per NAT instance: connections served, refused, open, and bytes of those that ended. */
  private readonly counters = new Map<string, GatewayCounters>();
  private readonly countersFile: string;
  private publishTimer: NodeJS.Timeout | null = null;
  private readonly ports = new Map<string, PublicPort>();
  /** Forwarded connections being served, and the NAT instance (and its EIP) they came through. */
  private readonly conns = new Map<net.Socket, { instanceId: string; publicIp: string }>();
  private index: PolicyIndex | null = null;
  private eni: ViewEni | undefined;
  private closed = false;

  constructor(
    private readonly enforcer: NodeEnforcer,
    private readonly target: IngressTarget,
    private readonly log: (level: 'notice' | 'warning', msg: string) => void = () => {},
  ) {
    this.countersFile = path.join(path.dirname(enforcer.policyFile), `${COUNTERS_PREFIX}${enforcer.eniId}.json`);
    enforcer.onView((index, eni) => this.update(index, eni));
  }

  /** The counters of one NAT instance's connections served here. */
  countersOf(instanceId: string): GatewayCounters {
    let c = this.counters.get(instanceId);
    if (!c) {
      c = zeroCounters();
      this.counters.set(instanceId, c);
    }
    return c;
  }

  /**
   * Publishes the counters for the control plane: at once when quiet, else at the end
   * of the current 100 ms (a burst of connections writes twice, not once each).
   */
  private changed(): void {
    if (this.publishTimer || this.closed) return;
    const wait = this.lastPublish + PUBLISH_MS - Date.now();
    if (wait <= 0) {
      this.publish();
      return;
    }
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null;
      this.publish();
    }, wait);
    this.publishTimer.unref();
  }
  private lastPublish = 0;

  private publish(): void {
    this.lastPublish = Date.now();
    const tmp = `${this.countersFile}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify({ pid: process.pid, nats: Object.fromEntries(this.counters) }));
      fs.renameSync(tmp, this.countersFile);
    } catch {
      // the run dir is going away with the node
    }
  }

  /** Public ports this node answers, as "EIP:port". */
  listening(): string[] {
    return [...this.ports.values()].filter((p) => p.server?.listening).map((p) => `${p.address}:${p.port}`);
  }

  close(): void {
    this.closed = true;
    if (this.publishTimer) clearTimeout(this.publishTimer);
    fs.rmSync(this.countersFile, { force: true });
    for (const p of this.ports.values()) this.stop(p);
    this.ports.clear();
    for (const s of this.conns.keys()) s.destroy();
    this.conns.clear();
  }

  private update(index: PolicyIndex, eni: ViewEni | undefined): void {
    if (this.closed) return;
    this.index = index;
    this.eni = eni;
    const wanted = new Map<string, Route>();
    if (eni) {
      for (const inst of index.view.instances) {
        if (!inst.nat || inst.state !== 'running' || !inst.publicIp) continue;
        const natEni = index.eniById.get(inst.eniId);
        if (!natEni) continue;
        const table = forwardingTable(index, inst, index.view.nat.find((n) => n.instanceId === inst.id));
        for (const entry of table.entries) {
          if (!servedByNode(table, entry) || targetEni(index, inst, entry.ip)?.id !== eni.id) continue;
          wanted.set(`${inst.publicIp}:${entry.publicPort}`, { inst, natEni, table, entry, subs: subscriptionsFor(index.view, natEni) });
        }
      }
    }
    for (const [key, p] of this.ports) {
      const route = wanted.get(key);
      if (route) p.route = route;
      else {
        this.stop(p);
        this.ports.delete(key);
      }
    }
    for (const [key, route] of wanted) {
      if (this.ports.has(key)) continue;
      const p: PublicPort = { address: route.inst.publicIp!, port: route.entry.publicPort, route, server: null, retry: null, attempts: 0 };
      this.ports.set(key, p);
      this.listen(p);
    }
    for (const [sock, c] of this.conns) {
      const inst = index.instanceById.get(c.instanceId);
      if (!inst || !inst.nat || inst.state !== 'running' || inst.publicIp !== c.publicIp) sock.destroy();
    }
  }

  private listen(p: PublicPort): void {
    const server = net.createServer({ noDelay: true }, (sock) => this.connection(p, sock));
    p.server = server;
    server.on('error', (e: NodeJS.ErrnoException) => {
      if (p.server !== server) return;
      p.server = null;
      // Usually still bound by its previous owner (the gateway or another node) for a
      // moment; said once if it lasts, and tried again until the port is let go.
      p.attempts++;
      if (e.code !== 'EADDRINUSE' || p.attempts === 50) this.log('warning', `NAT ${p.route.inst.id}: cannot listen on ${p.address}:${p.port}: ${e.code ?? e.message}; retrying`);
      p.retry = setTimeout(() => {
        p.retry = null;
        if (!this.closed && this.ports.get(`${p.address}:${p.port}`) === p) this.listen(p);
      }, RETRY_MS);
      p.retry.unref();
    });
    server.on('listening', () => (p.attempts = 0));
    server.listen({ host: p.address, port: p.port, backlog: 1024 });
  }

  private stop(p: PublicPort): void {
    if (p.retry) clearTimeout(p.retry);
    p.retry = null;
    p.server?.close();
    p.server = null;
  }

  private record(r: Route, rec: Omit<FlowRecord, 'eni' | 'protocol'>): void {
    if (r.subs.length) this.enforcer.flowLogs.write(r.subs, { ...rec, eni: r.natEni, protocol: 6 });
  }

  private refuse(sock: net.Socket, natId: string): void {
    this.countersOf(natId).rejected++;
    this.changed();
    if (typeof sock.resetAndDestroy === 'function') sock.resetAndDestroy();
    else sock.destroy();
  }

  private connection(p: PublicPort, sock: net.Socket): void {
    sock.on('error', () => {});
    const r = p.route;
    const index = this.index;
    const eni = this.eni;
    const client = normalizeAddress(sock.remoteAddress ?? '');
    const clientPort = sock.remotePort ?? 0;
    const start = unixSeconds();
    if (!index || !eni) return this.refuse(sock, r.inst.id);
    // 1. Into the NAT instance.
    const inbound = checkIngress(index, r.natEni, { kind: 'external', address: client }, r.entry.publicPort);
    if (!inbound.allowed || !sourceAllowed(r.entry, client) || r.table.sourceDestCheck || !r.table.ipForward) {
      this.record(r, { srcaddr: client, dstaddr: r.natEni.privateIp, srcport: clientPort, dstport: r.entry.publicPort, bytes: 0, start, end: start, action: 'REJECT', direction: 'ingress', pktDstaddr: r.inst.publicIp, tcpFlags: 2 });
      return this.refuse(sock, r.inst.id);
    }
    // 2. Out of it, towards the node.
    if (!checkEgress(index, r.natEni, { kind: 'eni', eni }, r.entry.port).allowed) {
      this.record(r, { srcaddr: r.natEni.privateIp, dstaddr: eni.privateIp, srcport: 0, dstport: r.entry.port, bytes: 0, start, end: start, action: 'REJECT', direction: 'egress', pktSrcaddr: client, tcpFlags: 2 });
      return this.refuse(sock, r.inst.id);
    }
    // 3. Into the node, from the NAT instance's address (the enforcer resets and records a refusal).
    const natId = r.inst.id;
    const counters = this.countersOf(natId);
    if (!this.enforcer.admitFrom(sock, r.natEni.address, clientPort, r.entry.port)) {
      counters.rejected++;
      this.changed();
      return;
    }
    counters.accepted++;
    counters.active++;
    this.changed();
    this.conns.set(sock, { instanceId: natId, publicIp: r.inst.publicIp! });
    sock.once('close', () => {
      this.conns.delete(sock);
      const end = unixSeconds();
      const up = sock.bytesRead;
      const down = sock.bytesWritten;
      counters.active--;
      counters.bytesIn += up;
      counters.bytesOut += down;
      this.changed();
      const nat = r.natEni.privateIp;
      // The four records the NAT instance's interface sees: client in and out, node out and in.
      this.record(r, { srcaddr: client, dstaddr: nat, srcport: clientPort, dstport: r.entry.publicPort, bytes: up, start, end, action: 'ACCEPT', direction: 'ingress', pktDstaddr: r.inst.publicIp });
      if (down > 0) this.record(r, { srcaddr: nat, dstaddr: client, srcport: r.entry.publicPort, dstport: clientPort, bytes: down, start, end, action: 'ACCEPT', direction: 'egress', pktSrcaddr: r.inst.publicIp });
      this.record(r, { srcaddr: nat, dstaddr: eni.privateIp, srcport: clientPort, dstport: r.entry.port, bytes: up, start, end, action: 'ACCEPT', direction: 'egress', pktSrcaddr: client });
      if (down > 0) this.record(r, { srcaddr: eni.privateIp, dstaddr: nat, srcport: r.entry.port, dstport: clientPort, bytes: down, start, end, action: 'ACCEPT', direction: 'ingress', pktDstaddr: client });
    });
    this.target.adopt(sock, { remote: `${r.natEni.address}:${clientPort}`, local: `${eni.address}:${r.entry.port}` });
  }
}
