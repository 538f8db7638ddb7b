// NAT gateways: for every running instance of the Cove NAT image that holds an
// Elastic IP, a listener on EIP:port for each entry of its forwarding table
// (forwarding.ts), and for each connection the path of a packet through a NAT
// instance on AWS:
//
//   1. the NAT instance's security groups, against the client's real address;
//   2. the DNAT rule (its -s, if any), IP forwarding on and the source/dest check off
//      (otherwise the instance drops what is not addressed to itself);
//   3. the NAT instance's egress rules towards the node;
//   4. a connection to the node *from the NAT instance's own address* (SNAT), so the
//      node's groups see the NAT instance, never the client.
//
// Ports forwarded over plain TCP to a cache node's own address and port are not
// relayed here: the node's process answers them itself (node-ingress.ts), so only
// TLS ports and ports to instances or to a group's primary endpoint pass through.
//
// A refused connection is reset before any byte is read, with a REJECT flow record
// and, for a misconfigured instance, an event saying why. Listeners follow the
// table; established connections survive rule changes (conntrack keeps a NAT'ed
// flow), and end when the instance stops being a gateway (terminated, Elastic IP
// gone). The gateway runs inside the control plane and is rebuilt from its state
// on restart.

import net from 'node:net';
import tls from 'node:tls';
import type { PolicyIndex } from '../network/policy.js';
import { checkEgress, checkIngress, normalizeAddress } from '../network/policy.js';
import type { ViewEni, ViewFlowLog, ViewInstance } from '../network/view.js';
import { FlowLogWriter, FlowRecord, subscriptionsFor, unixSeconds } from '../network/flow-log.js';
import { ForwardEntry, ForwardingTable, forwardingTable, servedByNode, sourceAllowed, targetEni } from './forwarding.js';
import { relay, RelayStats } from './relay.js';
import { addCounters, nodeIngressCounters, zeroCounters } from './node-ingress.js';
import type { TlsStore } from './tls.js';

export interface GatewayEvent {
  time: string;
  instanceId: string;
  message: string;
}

export interface GatewayHost {
  log(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
  flowLogs: FlowLogWriter;
  tls: TlsStore;
  /** Where node processes publish the counters of the NAT ports they answer (node-ingress.ts). */
  runDir?: string;
}

/** The same event for the same instance is recorded at most this often. */
const EVENT_EVERY_MS = 10_000;
const MAX_EVENTS = 200;

export interface GatewayCounters {
  accepted: number;
  rejected: number;
  active: number;
  /** Bytes from clients to nodes, and back (added when a forwarded connection ends). */
  bytesIn: number;
  bytesOut: number;
}

export class GatewayManager {
  private readonly gateways = new Map<string, NatGateway>();
  private readonly events: GatewayEvent[] = [];
  private readonly lastEvent = new Map<string, number>();
  private index: PolicyIndex | null = null;

  constructor(private readonly host: GatewayHost) {}

  /** Brings the listeners in line with a new view. */
  update(index: PolicyIndex): void {
    this.index = index;
    const seen = new Set<string>();
    for (const inst of index.view.instances) {
      if (!inst.nat || inst.state !== 'running') continue;
      const config = index.view.nat.find((n) => n.instanceId === inst.id);
      const table = forwardingTable(index, inst, config);
      let gw = this.gateways.get(inst.id);
      if (!gw) {
        gw = new NatGateway(inst.id, this.host, (id, m) => this.event(id, m));
        this.gateways.set(inst.id, gw);
      }
      gw.update(index, inst, table);
      seen.add(inst.id);
    }
    for (const [id, gw] of this.gateways) {
      if (seen.has(id)) continue;
      gw.close();
      this.gateways.delete(id);
    }
  }

  event(instanceId: string, message: string): void {
    const key = `${instanceId}|${message}`;
    const now = Date.now();
    if ((this.lastEvent.get(key) ?? 0) > now - EVENT_EVERY_MS) return;
    this.lastEvent.set(key, now);
    this.events.push({ time: new Date(now).toISOString(), instanceId, message });
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    this.host.log('warn', `NAT instance ${instanceId}: ${message}`);
  }

  eventsOf(instanceId?: string): GatewayEvent[] {
    return this.events.filter((e) => !instanceId || e.instanceId === instanceId);
  }

  /**
   * The table a gateway runs with (or would run with), and its live state. Counters
   * add the connections nodes answered themselves to those relayed here.
   */
  status(instanceId: string): { table: ForwardingTable; listening: Listening[]; counters: GatewayCounters } | null {
    const st = this.ownStatus(instanceId);
    const fromNodes = this.host.runDir ? nodeIngressCounters(this.host.runDir).get(instanceId) : undefined;
    if (st && fromNodes) addCounters(st.counters, fromNodes);
    return st;
  }

  private ownStatus(instanceId: string): { table: ForwardingTable; listening: Listening[]; counters: GatewayCounters } | null {
    const gw = this.gateways.get(instanceId);
    if (gw) return gw.status();
    const inst = this.index?.instanceById.get(instanceId);
    if (!inst || !this.index) return null;
    return {
      table: forwardingTable(this.index, inst, this.index.view.nat.find((n) => n.instanceId === inst.id)),
      listening: [],
      counters: zeroCounters(),
    };
  }

  close(): void {
    for (const gw of this.gateways.values()) gw.close();
    this.gateways.clear();
  }
}

/** A public port in `cove nat status`: relayed here, or answered by the node it forwards to. */
export interface Listening {
  address: string;
  port: number;
  tls: boolean;
  error?: string;
  servedBy?: 'node';
}

/** How soon a public port still bound by a node (handing it over) is tried again. */
const RETRY_MS = 100;

interface Listener {
  server: net.Server;
  address: string;
  port: number;
  tls: boolean;
  error?: string;
}

export class NatGateway {
  private readonly listeners = new Map<number, Listener>();
  /** Ports whose listener could not be opened, with why (retried at the next update). */
  private readonly failed = new Map<number, string>();
  /** EADDRINUSE retries per port since it last listened. */
  private readonly retries = new Map<number, number>();
  private readonly conns = new Set<net.Socket>();
  private index!: PolicyIndex;
  private inst!: ViewInstance;
  private table!: ForwardingTable;
  private entries = new Map<number, ForwardEntry>();
  private eni: ViewEni | undefined;
  private subs: ViewFlowLog[] = [];
  private readonly counters: GatewayCounters = zeroCounters();
  private closed = false;

  constructor(
    readonly instanceId: string,
    private readonly host: GatewayHost,
    private readonly event: (instanceId: string, message: string) => void,
  ) {}

  update(index: PolicyIndex, inst: ViewInstance, table: ForwardingTable): void {
    const previous = this.inst;
    this.index = index;
    this.inst = inst;
    this.table = table;
    this.entries = new Map(table.entries.map((e) => [e.publicPort, e]));
    this.eni = index.eniById.get(inst.eniId);
    this.subs = this.eni ? subscriptionsFor(index.view, this.eni) : [];
    if (previous && previous.publicIp !== inst.publicIp) {
      // The Elastic IP moved away: flows addressed to it have nowhere to go.
      this.closeListeners();
      for (const s of this.conns) s.destroy();
    }
    if (previous && previous.publicIp === inst.publicIp && this.listeners.size && [...this.listeners.values()][0].tls !== table.tls) {
      this.closeListeners();
    }
    const ip = inst.publicIp;
    const wanted = new Set(ip ? table.entries.filter((e) => !servedByNode(table, e)).map((e) => e.publicPort) : []);
    for (const [port, l] of this.listeners) {
      if (!wanted.has(port)) {
        l.server.close();
        this.listeners.delete(port);
      }
    }
    for (const port of wanted) if (!this.listeners.has(port)) this.listen(ip!, port, table.tls);
    if (ip && table.entries.length) {
      if (!table.sourceDestCheck && table.ipForward) return;
      if (table.sourceDestCheck) this.event(inst.id, 'source/destination check is on: the instance drops traffic not addressed to itself; forwarding needs SourceDestCheck=false (aws ec2 modify-instance-attribute --no-source-dest-check)');
      if (!table.ipForward) this.event(inst.id, 'IP forwarding is off (net.ipv4.ip_forward=0): forwarded connections are refused');
    }
  }

  private listen(address: string, port: number, useTls: boolean): void {
    let server: net.Server;
    if (useTls) {
      const creds = this.host.tls.serverCredentials(address);
      const s = tls.createServer({ key: creds.key, cert: creds.cert, minVersion: 'TLSv1.2' });
      // The security group looks at the raw connection, before any handshake.
      s.on('connection', (raw: net.Socket) => {
        if (!this.precheck(raw, port)) raw.destroy();
      });
      s.on('secureConnection', (sock: tls.TLSSocket) => {
        sock.pause();
        this.forward(sock, port, true);
      });
      s.on('tlsClientError', () => {});
      server = s;
    } else {
      server = net.createServer({ pauseOnConnect: true, noDelay: true }, (sock) => {
        if (this.precheck(sock, port)) this.forward(sock, port, false);
      });
    }
    const l: Listener = { server, address, port, tls: useTls };
    this.listeners.set(port, l);
    server.on('error', (e: NodeJS.ErrnoException) => {
      l.error = e.code ?? e.message;
      if (this.listeners.get(port) === l) this.listeners.delete(port);
      this.failed.set(port, l.error);
      // A node that answered this port itself lets go of it when it sees the same
      // view (TLS switched on, the rule now points elsewhere): try again shortly.
      if (e.code === 'EADDRINUSE' && (this.retries.get(port) ?? 0) < 50) {
        this.retries.set(port, (this.retries.get(port) ?? 0) + 1);
        const t = setTimeout(() => {
          const entry = this.entries.get(port);
          if (!this.closed && entry && !servedByNode(this.table, entry) && !this.listeners.has(port) && this.inst.publicIp === address) this.listen(address, port, this.table.tls);
        }, RETRY_MS);
        t.unref();
        return;
      }
      this.event(this.instanceId, `cannot listen on ${address}:${port}: ${l.error}`);
      // Forget it so that the next change of the network tries again; status keeps the error.
    });
    server.on('listening', () => {
      this.failed.delete(port);
      this.retries.delete(port);
    });
    server.listen({ host: address, port, backlog: 1024 });
  }

  private closeListeners(): void {
    for (const l of this.listeners.values()) l.server.close();
    this.listeners.clear();
  }

  private record(rec: Omit<FlowRecord, 'eni' | 'protocol'>): void {
    if (this.eni && this.subs.length) this.host.flowLogs.write(this.subs, { ...rec, eni: this.eni, protocol: 6 });
  }

  private reject(sock: net.Socket, port: number, message?: string): false {
    this.counters.rejected++;
    const now = unixSeconds();
    if (this.eni) {
      this.record({
        srcaddr: normalizeAddress(sock.remoteAddress ?? ''),
        dstaddr: this.eni.privateIp,
        srcport: sock.remotePort ?? 0,
        dstport: port,
        bytes: 0,
        start: now,
        end: now,
        action: 'REJECT',
        direction: 'ingress',
        pktDstaddr: this.inst.publicIp,
        tcpFlags: 2,
      });
    }
    if (message) this.event(this.instanceId, message);
    if (typeof sock.resetAndDestroy === 'function') sock.resetAndDestroy();
    else sock.destroy();
    return false;
  }

  /** Steps 1-2: the instance's groups against the client, the DNAT rule, forwarding. */
  private precheck(sock: net.Socket, port: number): boolean {
    if (this.closed) return this.reject(sock, port);
    const client = normalizeAddress(sock.remoteAddress ?? '');
    const entry = this.entries.get(port);
    if (!entry || !this.eni) return this.reject(sock, port);
    const inbound = checkIngress(this.index, this.eni, { kind: 'external', address: client }, port);
    if (!inbound.allowed) return this.reject(sock, port);
    if (!sourceAllowed(entry, client)) return this.reject(sock, port);
    if (this.table.sourceDestCheck) {
      return this.reject(sock, port, `connection from ${client} to port ${port} refused: source/destination check is on`);
    }
    if (!this.table.ipForward) return this.reject(sock, port, `connection from ${client} to port ${port} refused: IP forwarding is off`);
    return true;
  }

  /** Steps 3-4: egress towards the node, then the SNAT'ed connection and the relay. */
  private forward(sock: net.Socket, port: number, _viaTls: boolean): void {
    sock.on('error', () => {}); // a reset while the node is being dialled: handled by 'close'
    const entry = this.entries.get(port);
    const eni = this.eni;
    const client = normalizeAddress(sock.remoteAddress ?? '');
    const clientPort = sock.remotePort ?? 0;
    if (!entry || !eni) {
      this.reject(sock, port);
      return;
    }
    const target = targetEni(this.index, this.inst, entry.ip);
    if (!target) {
      this.reject(sock, port, `no interface has address ${entry.ip} in ${this.inst.vpcId} or a peered VPC (${entry.text})`);
      return;
    }
    const out = checkEgress(this.index, eni, { kind: 'eni', eni: target }, entry.port);
    const start = Date.now();
    if (!out.allowed) {
      const now = unixSeconds(start);
      this.record({ srcaddr: eni.privateIp, dstaddr: target.privateIp, srcport: 0, dstport: entry.port, bytes: 0, start: now, end: now, action: 'REJECT', direction: 'egress', pktSrcaddr: client, tcpFlags: 2 });
      this.reject(sock, port);
      return;
    }
    this.counters.accepted++;
    this.counters.active++;
    this.conns.add(sock);
    const upstream = net.connect({ host: target.address, port: entry.port, localAddress: eni.address, noDelay: true });
    upstream.pause();
    this.conns.add(upstream);
    let relaying = false;
    const finish = (bytes: RelayStats) => {
      this.counters.active--;
      this.counters.bytesIn += bytes.up;
      this.counters.bytesOut += bytes.down;
      this.conns.delete(sock);
      this.conns.delete(upstream);
      const end = unixSeconds();
      const s = unixSeconds(start);
      const viaPort = viaPortAtConnect;
      // Four records, as the NAT instance's interface sees them: client in and out, node out and in.
      this.record({ srcaddr: client, dstaddr: eni.privateIp, srcport: clientPort, dstport: port, bytes: bytes.up, start: s, end, action: 'ACCEPT', direction: 'ingress', pktDstaddr: this.inst.publicIp });
      if (bytes.down > 0) {
        this.record({ srcaddr: eni.privateIp, dstaddr: client, srcport: port, dstport: clientPort, bytes: bytes.down, start: s, end, action: 'ACCEPT', direction: 'egress', pktSrcaddr: this.inst.publicIp });
      }
      this.record({ srcaddr: eni.privateIp, dstaddr: target.privateIp, srcport: viaPort, dstport: entry.port, bytes: bytes.up, start: s, end, action: 'ACCEPT', direction: 'egress', pktSrcaddr: client });
      if (bytes.down > 0) {
        this.record({ srcaddr: target.privateIp, dstaddr: eni.privateIp, srcport: entry.port, dstport: viaPort, bytes: bytes.down, start: s, end, action: 'ACCEPT', direction: 'ingress', pktDstaddr: client });
      }
    };
    let viaPortAtConnect = 0;
    upstream.once('connect', () => {
      relaying = true;
      viaPortAtConnect = upstream.localPort ?? 0;
      relay({ client: sock, upstream }, finish);
    });
    let aborted = false;
    const abort = () => {
      if (relaying || aborted) return;
      aborted = true;
      // The node cannot be reached (down, port closed) or the client left first.
      if (typeof sock.resetAndDestroy === 'function') sock.resetAndDestroy();
      else sock.destroy();
      upstream.destroy();
      this.counters.active--;
      this.conns.delete(sock);
      this.conns.delete(upstream);
    };
    upstream.once('error', abort);
    sock.once('close', abort);
  }

  status() {
    return {
      table: this.table,
      listening: [
        ...[...this.listeners.values()].map((l): Listening => ({ address: l.address, port: l.port, tls: l.tls, error: l.error })),
        ...[...this.failed].filter(([p]) => !this.listeners.has(p)).map(([port, error]): Listening => ({ address: this.inst.publicIp ?? '', port, tls: this.table.tls, error })),
        ...(this.inst.publicIp ? this.table.entries : [])
          .filter((e) => servedByNode(this.table, e))
          .map((e): Listening => ({ address: this.inst.publicIp!, port: e.publicPort, tls: false, servedBy: 'node' })),
      ],
      counters: { ...this.counters },
    };
  }

  close(): void {
    this.closed = true;
    this.closeListeners();
    for (const s of this.conns) s.destroy();
    this.conns.clear();
  }
}
