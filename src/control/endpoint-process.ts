// The replication groups' endpoints in a process of their own (`cove endpoints
// --spec FILE`), so that, as on AWS, the data plane does not depend on the control
// plane: after a `kill -9` of `cove up` the PrimaryEndpoint and ReaderEndpoint keep
// relaying to the roles they last had (failover needs the control plane back).
//
// The control plane publishes what to serve to run/endpoints.json (written whole,
// then renamed) and this process follows the file (inotify, plus a slow poll). The
// process is recognised by its command line (the spec file's path), as node
// processes are by their management socket: a restarted control plane adopts it.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EndpointRelays, EndpointSpec } from './group-endpoints.js';

export interface EndpointSpecFile {
  version: number;
  /** The network view the relays enforce security groups from. */
  policy: string | null;
  endpoints: EndpointSpec[];
}

const POLL_MS = 500;

export function writeSpecFile(file: string, spec: EndpointSpecFile): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(spec), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function readSpecFile(file: string): EndpointSpecFile | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as EndpointSpecFile;
  } catch {
    return null;
  }
}

/** `cove endpoints --spec FILE`: serves the endpoints the file lists until SIGTERM. */
export async function runEndpoints(file: string): Promise<void> {
  const log = (level: string, msg: string) => process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${msg}\n`);
  let policy: string | null = null;
  const relays = new EndpointRelays(() => policy, log);
  let version = -1;
  const load = () => {
    const spec = readSpecFile(file);
    if (!spec || spec.version === version) return;
    version = spec.version;
    policy = spec.policy;
    relays.sync(spec.endpoints);
  };
  load();
  try {
    const w = fs.watch(path.dirname(file), (_e, name) => {
      if (name === null || name === path.basename(file)) setImmediate(load);
    });
    w.on('error', () => {});
  } catch {
    // the poll below still follows the file
  }
  setInterval(load, POLL_MS);
  const stop = () => {
    relays.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  log('info', `endpoints following ${file}`);
}

/** The control plane's side: publishes the spec and keeps the process running. */
export class EndpointProcess {
  readonly file: string;
  private pid: number | null = null;
  private version = 0;

  constructor(
    runDir: string,
    private readonly mainJs: string,
    private readonly logFile: string,
  ) {
    this.file = path.join(runDir, 'endpoints.json');
  }

  /** Writes what to serve and makes sure a process serves it. */
  publish(policy: string | null, endpoints: EndpointSpec[]): void {
    this.version = Math.max(this.version + 1, Date.now());
    writeSpecFile(this.file, { version: this.version, policy, endpoints });
    if (endpoints.length > 0) this.ensure();
  }

  /** Adopts the running process of this spec file, or starts one. */
  ensure(): void {
    if (this.pid !== null && serves(this.pid, this.file)) return;
    this.pid = find(this.file);
    if (this.pid !== null) return;
    fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
    const fd = fs.openSync(this.logFile, 'a');
    try {
      const env = { ...process.env };
      delete env.NODE_TEST_CONTEXT;
      delete env.NODE_OPTIONS;
      const child = spawn(process.execPath, [this.mainJs, 'endpoints', '--spec', this.file], { detached: true, stdio: ['ignore', fd, fd], env });
      child.on('error', () => {});
      child.unref();
      this.pid = child.pid ?? null;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Stops the process (cove down); resolves once it is gone. */
  async stop(): Promise<void> {
    const pid = this.pid ?? find(this.file);
    if (pid === null) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + 3000;
    while (serves(pid, this.file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (serves(pid, this.file)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    this.pid = null;
  }
}

function cmdline(pid: number): string[] | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw ? raw.split('\0') : null;
  } catch {
    return null;
  }
}

function serves(pid: number, file: string): boolean {
  const cmd = cmdline(pid);
  if (!cmd) return false;
  const i = cmd.indexOf('--spec');
  return i !== -1 && cmd[i + 1] === file && cmd.includes('endpoints');
}

function find(file: string): number | null {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return null;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid !== process.pid && serves(pid, file)) return pid;
  }
  return null;
}
