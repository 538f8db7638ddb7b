// `cove server --engine memcached`: one standalone Memcached-compatible node in
// the foreground until SIGINT/SIGTERM, with memcached's flags (-m, -I, -c, -M).

import { MemcachedNode } from './memcached-node.js';
import { enforcerFromFlags } from '../network/enforcer.js';
import { NodeIngress } from '../gateway/node-ingress.js';

export interface MemcachedFlags {
  port?: string;
  bind?: string;
  /** -m, megabytes. */
  memoryLimit?: string;
  /** -I, bytes with an optional k/m suffix (memcached's spelling: 1m, 512k). */
  maxItemSize?: string;
  /** -c. */
  connLimit?: string;
  /** -M. */
  disableEvictions?: boolean;
  saslPwdb?: string;
  /** Also listen on this unix socket (the control plane's management channel). */
  managementSocket?: string;
  /** The control plane's network view file and this node's interface: security groups apply. */
  networkPolicy?: string;
  eni?: string;
}

/** Parses -I the way memcached does: a number with an optional k/K/m/M suffix. */
export function parseItemSize(text: string): number {
  const unit = text.slice(-1);
  const mult = unit === 'k' || unit === 'K' ? 1024 : unit === 'm' || unit === 'M' ? 1024 * 1024 : 1;
  const digits = mult === 1 ? text : text.slice(0, -1);
  const n = Number.parseInt(digits, 10);
  if (!Number.isFinite(n)) throw new Error(`invalid item size '${text}'`);
  return n * mult;
}

function intFlag(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number.parseInt(text, 10);
  if (!Number.isFinite(n)) throw new Error(`${name} expects a number, got '${text}'`);
  return n;
}

export async function runMemcachedServer(flags: MemcachedFlags): Promise<MemcachedNode> {
  const logTo: { node?: MemcachedNode } = {};
  const enforcer = enforcerFromFlags(flags, (level, msg) => logTo.node?.log(level, msg));
  const node = new MemcachedNode({
    port: intFlag('--port', flags.port, 11211),
    bind: flags.bind ?? '127.0.0.1',
    memoryLimitMb: intFlag('-m', flags.memoryLimit, 64),
    itemSizeMax: flags.maxItemSize !== undefined ? parseItemSize(flags.maxItemSize) : undefined,
    maxConns: intFlag('-c', flags.connLimit, 1024),
    noEvict: flags.disableEvictions ?? false,
    saslPwdb: flags.saslPwdb,
    admit: enforcer?.admit,
  });
  logTo.node = node;
  const port = await node.listen();
  if (flags.managementSocket) await node.listenUnix(flags.managementSocket);
  node.log('notice', `Cove memcached node ready to accept connections on ${node.settings.bind}:${port}`);
  // NAT instances' public ports that forward here are answered by this process.
  const ingress = enforcer ? new NodeIngress(enforcer, node, (level, msg) => node.log(level, msg)) : undefined;
  const stop = async (signal: string) => {
    node.log('notice', `Received ${signal}, shutting down.`);
    ingress?.close();
    await node.close();
    enforcer?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return node;
}
