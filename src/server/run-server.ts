// `cove server`: one standalone cache node in the foreground until SIGINT/SIGTERM.

import { ValkeyNode, EngineName } from './valkey-node.js';

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
  for (const kv of flags.config ?? []) {
    const eq = kv.indexOf('=');
    if (eq === -1) throw new Error(`--config expects name=value, got '${kv}'`);
    config[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const node = new ValkeyNode({
    engine: flags.engine as EngineName,
    port: flags.port !== undefined ? Number(flags.port) : 6379,
    bind: flags.bind ?? '127.0.0.1',
    config,
    enableDebugCommand: flags.enableDebugCommand ?? false,
  });
  const port = await node.listen();
  if (flags.managementSocket !== undefined) await node.listenUnix(flags.managementSocket);
  node.log('notice', `Cove ${flags.engine} node ready to accept connections on ${node.bind}:${port}`);
  const stop = async (signal: string) => {
    node.log('warning', `Received ${signal}, shutting down.`);
    await node.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return node;
}
