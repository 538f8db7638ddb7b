// `cove server`: one standalone cache node in the foreground until SIGINT/SIGTERM.

import { ValkeyNode, EngineName } from './valkey-node.js';
import { enforcerFromFlags } from '../network/enforcer.js';
import { NodeIngress } from '../gateway/node-ingress.js';
import { loadFromDisk, saveOnShutdown, startSavePoints } from '../persistence/node-persistence.js';
import { Replication } from '../replication/replication.js';

export interface ServerFlags {
  engine: string;
  port?: string;
  bind?: string;
  requirepass?: string;
  maxmemory?: string;
  maxmemoryPolicy?: string;
  maxclients?: string;
  timeout?: string;
  databases?: string;
  protectedMode?: string;
  enableDebugCommand?: boolean;
  config?: string[];
  /** Unix socket for the control plane's management channel (health checks, configuration). */
  managementSocket?: string;
  /** The control plane's network view file and this node's interface: security groups apply. */
  networkPolicy?: string;
  eni?: string;
}

export async function runValkeyServer(flags: ServerFlags): Promise<ValkeyNode> {
  const config: Record<string, string> = {};
  if (flags.requirepass !== undefined) config.requirepass = flags.requirepass;
  if (flags.maxmemory !== undefined) config.maxmemory = flags.maxmemory;
  if (flags.maxmemoryPolicy !== undefined) config['maxmemory-policy'] = flags.maxmemoryPolicy;
  if (flags.maxclients !== undefined) config.maxclients = flags.maxclients;
  if (flags.timeout !== undefined) config.timeout = flags.timeout;
  if (flags.databases !== undefined) config.databases = flags.databases;
  if (flags.protectedMode !== undefined) config['protected-mode'] = flags.protectedMode;
  // Secrets (requirepass, masterauth) come from the control plane through the
  // environment: a command line is readable by every local user, an environ is not.
  const fromEnv = takeEnv('COVE_NODE_CONFIG');
  if (fromEnv) Object.assign(config, JSON.parse(fromEnv) as Record<string, string>);
  for (const kv of flags.config ?? []) {
    const eq = kv.indexOf('=');
    if (eq === -1) throw new Error(`--config expects name=value, got '${kv}'`);
    config[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  // Like redis-server, a node started by hand keeps its dump in the working directory.
  // The dump is loaded at startup only when dir or dbfilename were named: managed
  // nodes share the control plane's working directory and must not pick up a file there.
  const loadDump = config.dir !== undefined || config.dbfilename !== undefined;
  if (config.dir === undefined) config.dir = process.cwd();
  const logTo: { node?: ValkeyNode } = {};
  const enforcer = enforcerFromFlags(flags, (level, msg) => logTo.node?.log(level, msg));
  const node = new ValkeyNode({
    engine: flags.engine as EngineName,
    port: flags.port !== undefined ? Number(flags.port) : 6379,
    bind: flags.bind ?? '127.0.0.1',
    config,
    enableDebugCommand: flags.enableDebugCommand ?? false,
    admit: enforcer?.admit,
  });
  logTo.node = node;
  if (loadDump) loadFromDisk(node);
  startSavePoints(node);
  // A member of a replication group starts as a replica of the group's current
  // primary (over that primary's management socket), never as an empty primary.
  const replicaOf = takeEnv('COVE_REPLICAOF');
  if (replicaOf) {
    const r = JSON.parse(replicaOf) as { host: string; port: number; path: string; announceIp?: string };
    Replication.of(node).replicaOf(r.host, r.port, { path: r.path, announceIp: r.announceIp });
  }
  const port = await node.listen();
  if (flags.managementSocket !== undefined) await node.listenUnix(flags.managementSocket);
  node.log('notice', `Cove ${flags.engine} node ready to accept connections on ${node.bind}:${port}`);
  // NAT instances' public ports that forward here are answered by this process.
  const ingress = enforcer ? new NodeIngress(enforcer, node, (level, msg) => node.log(level, msg)) : undefined;
  const stop = async (signal: string) => {
    node.log('warning', `Received ${signal}, shutting down.`);
    saveOnShutdown(node);
    ingress?.close();
    await node.close();
    enforcer?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  // SHUTDOWN ends the process, as it does redis-server.
  node.ext.set('shutdown', () => {
    void node.close().then(() => process.exit(0));
  });
  return node;
}

function takeEnv(name: string): string | undefined {
  const v = process.env[name];
  delete process.env[name];
  return v || undefined;
}
