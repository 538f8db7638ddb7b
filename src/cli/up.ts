// `cove up`: the control plane in the foreground (AWS API, reconciler, node
// supervisor) until SIGINT/SIGTERM or `cove down`, which stop the nodes cleanly; the
// next `cove up` brings everything back from the data dir. `--demo` also builds the
// guide's scenario through the API (demo.ts) and prints how to connect.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startControlPlane, readRuntime } from '../control/control-plane.js';
import { makeLogger, LogFormat } from '../control/logger.js';
import type { Logger } from '../control/reconciler.js';
import { UsageError } from './errors.js';

export interface UpFlags {
  dataDir?: string;
  api?: string;
  logFormat?: string;
  credentials?: string;
  region?: string;
  publicPool?: string;
  demo?: boolean;
}

/** The data dir: --data-dir, else $COVE_HOME, else ~/.cove. */
export function dataDirOf(flag: string | undefined): string {
  return path.resolve(flag ?? process.env.COVE_HOME ?? path.join(os.homedir(), '.cove'));
}

export async function runUp(flags: UpFlags): Promise<number> {
  const format = (flags.logFormat ?? 'text') as LogFormat;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--log-format must be text or json, got '${flags.logFormat}'`);
  const dataDir = dataDirOf(flags.dataDir);
  if (flags.demo) {
    // Already running for this data dir: build (or find) the demo through its API.
    const running = readRuntime(dataDir);
    if (running) {
      const { runDemo } = await import('./demo-run.js');
      return runDemo({ api: running.api, dataDir, region: flags.region, credentials: flags.credentials, attached: true });
    }
  }
  let logFile: string | undefined;
  let log: Logger;
  if (flags.demo) {
    // The demo's own progress is what the terminal shows; the control plane's log
    // goes to a file, warnings and errors to stderr as well.
    fs.mkdirSync(path.join(dataDir, 'logs'), { recursive: true, mode: 0o700 });
    logFile = path.join(dataDir, 'logs', 'cove.log');
    const toFile = makeLogger(format, fs.createWriteStream(logFile, { flags: 'a' }));
    const toStderr = makeLogger(format);
    log = (level, msg, fields) => {
      toFile(level, msg, fields);
      if (level !== 'info') toStderr(level, msg, fields);
    };
  } else {
    log = makeLogger(format);
  }
  const plane = await startControlPlane({
    dataDir,
    api: flags.api ?? '127.0.0.1:4599',
    credentialsFile: flags.credentials,
    region: flags.region,
    publicPool: flags.publicPool !== undefined ? publicPoolOf(flags.publicPool, log) : undefined,
    log,
  });
  let stopping = false;
  const stop = (signal: string) => {
    stopping = true;
    log('info', `received ${signal}`);
    void plane.stop({ nodes: true });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  if (flags.demo) {
    const { runDemo } = await import('./demo-run.js');
    const code = await runDemo({ api: plane.info.api, dataDir, region: flags.region, credentials: flags.credentials, logFile, attached: false }).catch((e) => {
      // Ctrl-C while the demo is being built: the API went away under it.
      if (stopping) return 0;
      throw e;
    });
    if (code !== 0) {
      await plane.stop({ nodes: true });
      return code;
    }
  }
  await plane.done;
  return 0;
}

/**
 * --public-pool: a CIDR, or the name of a network interface (its first IPv4 address).
 * Anything but loopback makes NAT gateways reachable from other machines.
 */
export function publicPoolOf(value: string, log: (level: 'info' | 'warn' | 'error', msg: string) => void): string {
  let cidr = value;
  if (!value.includes('/')) {
    const addrs = os.networkInterfaces()[value]?.filter((a) => a.family === 'IPv4');
    if (!addrs?.length) throw new UsageError(`--public-pool: '${value}' is neither a CIDR nor a network interface with an IPv4 address`);
    cidr = `${addrs[0].address}/32`;
    if (addrs.length > 1) log('warn', `--public-pool ${value}: using ${addrs[0].address} (the interface has ${addrs.length} IPv4 addresses)`);
  }
  if (!cidr.startsWith('127.')) {
    log('warn', `--public-pool ${cidr}: Elastic IPs are real addresses; NAT gateways on them expose cache nodes beyond this host (only the NAT instances' security groups stand in the way)`);
  }
  return cidr;
}
