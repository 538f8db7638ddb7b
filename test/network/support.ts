// Test clients that connect from a chosen source address: that is how a client acts
// as an instance (its mapped address 127.k.c.d) or as an outside machine (any other
// loopback address) in the loopback driver. Raw sockets, ioredis (through its
// Connector option), node-redis (socket.localAddress) and memjs (which has no such
// option: its sockets are made to bind the address while it runs).

import net from 'node:net';
import { AbstractConnector, Redis } from 'ioredis';
import { createClient } from 'redis';

export interface RawResult {
  /** Everything received. */
  data: string;
  /** How the exchange ended: the reply was complete, the peer closed, or reset. */
  end: 'done' | 'closed' | 'reset' | 'timeout';
}

/**
 * Connects from `localAddress`, sends `request`, collects bytes until `until`
 * matches (then closes) or the peer ends the connection.
 */
export function rawExchange(opts: { host: string; port: number; localAddress?: string; request: string; until?: RegExp; timeoutMs?: number }): Promise<RawResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: opts.host, port: opts.port, localAddress: opts.localAddress });
    let data = '';
    let settled = false;
    const finish = (end: RawResult['end']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ data, end });
    };
    const timer = setTimeout(() => finish('timeout'), opts.timeoutMs ?? 3000);
    sock.on('connect', () => sock.write(opts.request));
    sock.on('data', (d) => {
      data += d.toString('latin1');
      if (opts.until?.test(data)) finish('done');
    });
    sock.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNRESET' || e.code === 'EPIPE' ? 'reset' : 'closed'));
    sock.on('close', () => finish('closed'));
  });
}

/** An ioredis connector that binds the client's side of the connection to an address. */
function boundConnector(localAddress: string) {
  return class BoundConnector extends AbstractConnector {
    private readonly target: { host: string; port: number };
    constructor(options: unknown) {
      super(1000);
      const o = options as { host: string; port: number };
      this.target = { host: o.host, port: o.port };
    }
    connect() {
      this.connecting = true;
      this.stream = net.createConnection({ ...this.target, localAddress });
      return Promise.resolve(this.stream);
    }
  };
}

export function boundRedis(host: string, port: number, localAddress: string): Redis {
  return new Redis({
    host,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    Connector: boundConnector(localAddress),
  });
}

export function boundNodeRedis(host: string, port: number, localAddress: string) {
  return createClient({ socket: { host, port, localAddress, reconnectStrategy: false } });
}

/**
 * Runs `fn` while every `net.connect`/`net.createConnection` without a localAddress
 * binds `localAddress` (for client libraries with no such option, like memjs).
 */
export async function withSourceAddress<T>(localAddress: string, fn: () => Promise<T>): Promise<T> {
  const original = { connect: net.connect, createConnection: net.createConnection };
  const wrap =
    (f: typeof net.connect) =>
    (...args: unknown[]) => {
      if (typeof args[0] === 'object' && args[0] !== null) return (f as (...a: unknown[]) => net.Socket)({ localAddress, ...(args[0] as object) }, ...args.slice(1));
      const [port, host, cb] = args as [number, string | undefined, (() => void) | undefined];
      return f({ port, host: typeof host === 'string' ? host : undefined, localAddress }, typeof host === 'function' ? host : cb);
    };
  (net as { connect: unknown }).connect = wrap(original.connect);
  (net as { createConnection: unknown }).createConnection = wrap(original.createConnection as typeof net.connect);
  try {
    return await fn();
  } finally {
    (net as { connect: unknown }).connect = original.connect;
    (net as { createConnection: unknown }).createConnection = original.createConnection;
  }
}

/** A free port on an address. */
export async function freePortOn(host: string): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, host, () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function until<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * The loopback address an instance acts from: its private a.b.c.d in VPC number k is
 * 127.k.c.d; k is read from any endpoint (127.k.x.y) in the same VPC.
 */
export function actAs(privateIp: string, endpointInVpc: string): string {
  const k = endpointInVpc.split('.')[1];
  const [, , c, d] = privateIp.split('.');
  return `127.${k}.${c}.${d}`;
}
