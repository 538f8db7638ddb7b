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
