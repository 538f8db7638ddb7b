// `cove up`: the control plane in the foreground (AWS API, reconciler, node
// supervisor) until SIGINT/SIGTERM or `cove down`, which stop the nodes cleanly; the
// next `cove up` brings everything back from the data dir.

import os from 'node:os';
import path from 'node:path';
import { startControlPlane } from '../control/control-plane.js';
import { makeLogger, LogFormat } from '../control/logger.js';

export interface UpFlags {
  dataDir?: string;
  api?: string;
  logFormat?: string;
  credentials?: string;
  region?: string;
  publicPool?: string;
}

/** The data dir: --data-dir, else $COVE_HOME, else ~/.cove. */
export function dataDirOf(flag: string | undefined): string {
  return path.resolve(flag ?? process.env.COVE_HOME ?? path.join(os.homedir(), '.cove'));
}

export async function runUp(flags: UpFlags): Promise<void> {
  const format = (flags.logFormat ?? 'text') as LogFormat;
  if (format !== 'text' && format !== 'json') throw new Error(`--log-format must be text or json, got '${flags.logFormat}'`);
  const log = makeLogger(format);
  const plane = await startControlPlane({
    dataDir: dataDirOf(flags.dataDir),
    api: flags.api ?? '127.0.0.1:4599',
    credentialsFile: flags.credentials,
    region: flags.region,
    publicPool: flags.publicPool !== undefined ? publicPoolOf(flags.publicPool, log) : undefined,
    log,
  });
  const stop = (signal: string) => {
    log('info', `received ${signal}`);
    void plane.stop({ nodes: true });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await plane.done;
  process.exit(0);
}

/**
 * --public-pool: a CIDR, or the name of a network interface (its first IPv4 address).
 * Anything but loopback makes NAT gateways reachable from other machines.
 */
export function publicPoolOf(value: string, log: (level: 'info' | 'warn' | 'error', msg: string) => void): string {
  let cidr = value;
  if (!value.includes('/')) {
    const addrs = os.networkInterfaces()[value]?.filter((a) => a.family === 'IPv4');
    if (!addrs?.length) throw new Error(`--public-pool: '${value}' is neither a CIDR nor a network interface with an IPv4 address`);
    cidr = `${addrs[0].address}/32`;
    if (addrs.length > 1) log('warn', `--public-pool ${value}: using ${addrs[0].address} (the interface has ${addrs.length} IPv4 addresses)`);
  }
  if (!cidr.startsWith('127.')) {
    log('warn', `--public-pool ${cidr}: Elastic IPs are real addresses; NAT gateways on them expose cache nodes beyond this host (only the NAT instances' security groups stand in the way)`);
  }
  return cidr;
}
