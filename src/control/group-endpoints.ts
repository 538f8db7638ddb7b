// The endpoints of a replication group: the PrimaryEndpoint, which always reaches the
// current primary, and the ReaderEndpoint, which spreads connections over the
// replicas (over the primary when there are none). Each is a floating address (an
// ENI of its own in the group's subnet, served on 127.k.c.d like any node) with a
// small TCP relay behind it.
//
// Security groups apply as on a node: the endpoint's ENI carries the group's
// security groups and a NodeEnforcer decides each connection at accept time (a
// denied one is reset and logged REJECT). An admitted connection is relayed to the
// chosen node from the client's own address (the whole 127/8 is local), so the node's
// enforcer, CLIENT LIST and flow logs see the real client, as a DNS alias would.
//
// When the primary changes, connections through the PrimaryEndpoint are closed, as
// AWS's DNS flip plus the old primary's demotion end them: clients reconnect and
// reach the new primary.
//
// The relays run in a process of their own (endpoint-process.ts), so they keep
// serving when the control plane dies, as AWS's endpoints do.

import net from 'node:net';
import tls from 'node:tls';
import { NodeEnforcer } from '../network/enforcer.js';
import { TlsStore } from '../gateway/tls.js';

export interface Target {
  address: string;
  port: number;
}

export interface EndpointSpec {
  /** Stable key: account/group/primary|reader. */
  key: string;
  address: string;
  port: number;
  eniId: string;
  /** Where connections go: one target (primary) or a set to spread over (reader). */
  targets: Target[];
  /**
   * In-transit encryption (TransitEncryptionMode preferred): TLS and plaintext on the
   * same port, told apart by the first byte (0x16 opens a TLS handshake). The
   * certificate is issued for the endpoint's address by the data dir's CA (tls/).
   */
  tlsDir?: string;
}

/** The first byte of a TLS record carrying a handshake. */
const TLS_HANDSHAKE = 0x16;

interface Relay {
  client: net.Socket;
  upstream: net.Socket;
  target: string;
}

class Endpoint {
  readonly relays = new Set<Relay>();
  private server: net.Server | null = null;
  private enforcer: NodeEnforcer | null = null;
  private listening = false;
  private retryAt = 0;
  private rr = 0;
  closed = false;

  constructor(
    public spec: EndpointSpec,
    private readonly policyFile: string | null,
    private readonly log: (level: 'info' | 'warn' | 'error', msg: string) => void,
  ) {}

  /** Starts (or retries) listening; an address in use is retried on the next sync. */
  listen(): void {
    if (this.listening || this.closed || Date.now() < this.retryAt) return;
    if (this.policyFile && !this.enforcer) {
      this.enforcer = new NodeEnforcer(this.policyFile, this.spec.eniId);
      this.enforcer.start();
    }
    const server = net.createServer({ noDelay: true }, (sock) => this.accept(sock));
    this.server = server;
    this.listening = true;
    server.on('error', (e) => {
      this.log('warn', `endpoint ${this.spec.key} on ${this.spec.address}:${this.spec.port}: ${e.message}`);
      this.listening = false;
      this.retryAt = Date.now() + 1000;
      server.close();
    });
    server.listen({ host: this.spec.address, port: this.spec.port, backlog: 511 });
  }

  update(spec: EndpointSpec): void {
    const before = new Set(this.spec.targets.map(key));
    this.spec = spec;
    const now = new Set(spec.targets.map(key));
    // Connections to a node that is no longer a target of this endpoint end (the
    // primary endpoint after a failover; the reader endpoint when a replica leaves).
    for (const t of before) if (!now.has(t)) this.dropTarget(t);
  }

  private dropTarget(target: string): void {
    for (const r of [...this.relays]) {
      if (r.target === target) {
        r.client.destroy();
        r.upstream.destroy();
      }
    }
  }

  private pick(): Target | undefined {
    const ts = this.spec.targets;
    if (ts.length <= 1) return ts[0];
    // Least connections, round robin among equals.
    const counts = new Map<string, number>();
    for (const r of this.relays) counts.set(r.target, (counts.get(r.target) ?? 0) + 1);
    let best: Target | undefined;
    let bestCount = Infinity;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[(this.rr + i) % ts.length];
      const n = counts.get(key(t)) ?? 0;
      if (n < bestCount) {
        best = t;
        bestCount = n;
      }
    }
    this.rr = (this.rr + 1) % ts.length;
    return best;
  }

  private accept(sock: net.Socket): void {
    if (this.enforcer && !this.enforcer.admit(sock)) return;
    if (!this.spec.tlsDir) {
      this.relay(sock, sock);
      return;
    }
    // Peek at the first bytes: a TLS client speaks first, and so does a RESP client.
    sock.once('data', (first: Buffer) => {
      sock.pause();
      sock.unshift(first);
      if (first[0] !== TLS_HANDSHAKE) {
        this.relay(sock, sock);
        sock.resume();
        return;
      }
      let creds: { key: string; cert: string };
      try {
        creds = new TlsStore(this.spec.tlsDir!).serverCredentials(this.spec.address);
      } catch (e) {
        this.log('error', `endpoint ${this.spec.key}: no certificate: ${(e as Error).message}`);
        sock.destroy();
        return;
      }
      const secure = new tls.TLSSocket(sock, { isServer: true, key: creds.key, cert: creds.cert });
      secure.on('error', () => sock.destroy());
      this.relay(secure, sock);
    });
    sock.on('error', () => sock.destroy());
  }

  /** Relays `client` (the socket or its TLS layer over `raw`) to a chosen target, from the client's own address. */
  private relay(client: net.Socket, raw: net.Socket): void {
    const sock = client;
    const target = this.pick();
    if (!target) {
      sock.destroy();
      return;
    }
    const remote = raw.remoteAddress?.replace(/^::ffff:/, '');
    const upstream = net.connect({ host: target.address, port: target.port, localAddress: remote && remote.startsWith('127.') ? remote : undefined, noDelay: true });
    const relay: Relay = { client: sock, upstream, target: key(target) };
    this.relays.add(relay);
    sock.setNoDelay(true);
    sock.pipe(upstream);
    upstream.pipe(sock);
    const end = () => {
      if (!this.relays.delete(relay)) return;
      sock.destroy();
      raw.destroy();
      upstream.destroy();
    };
    sock.on('error', end);
    sock.on('close', end);
    upstream.on('error', end);
    upstream.on('close', end);
  }

  close(): void {
    this.closed = true;
    this.server?.close();
    this.enforcer?.close();
    for (const r of [...this.relays]) {
      r.client.destroy();
      r.upstream.destroy();
    }
    this.relays.clear();
  }
}

function key(t: Target): string {
  return `${t.address}:${t.port}`;
}

export class EndpointRelays {
  private readonly endpoints = new Map<string, Endpoint>();

  constructor(
    private readonly policyFile: () => string | null,
    private readonly log: (level: 'info' | 'warn' | 'error', msg: string) => void,
  ) {}

  /** Makes the running endpoints match `specs`: new ones listen, changed ones retarget, missing ones close. */
  sync(specs: EndpointSpec[]): void {
    const seen = new Set<string>();
    for (const spec of specs) {
      seen.add(spec.key);
      let ep = this.endpoints.get(spec.key);
      if (ep && (ep.spec.address !== spec.address || ep.spec.port !== spec.port || ep.spec.eniId !== spec.eniId || ep.spec.tlsDir !== spec.tlsDir)) {
        ep.close();
        ep = undefined;
      }
      if (!ep) {
        ep = new Endpoint(spec, this.policyFile(), this.log);
        this.endpoints.set(spec.key, ep);
      } else {
        ep.update(spec);
      }
      ep.listen();
    }
    for (const [k, ep] of this.endpoints) {
      if (!seen.has(k)) {
        ep.close();
        this.endpoints.delete(k);
      }
    }
  }

  /** Connections currently relayed by an endpoint (tests, status). */
  connections(key: string): number {
    return this.endpoints.get(key)?.relays.size ?? 0;
  }

  close(): void {
    for (const ep of this.endpoints.values()) ep.close();
    this.endpoints.clear();
  }
}
