// Node processes: starting a `cove server` per cache node (detached, so that a
// `kill -9` of the control plane leaves the nodes serving), recognising them again
// after a restart, and stopping them.
//
// A node process is identified by its management socket path, which its command line
// carries: after a restart the control plane scans /proc for `cove server` processes
// whose socket lies in this data dir's run directory, and adopts each one whose
// socket belongs to a known node; any other is an orphan and is stopped. A recorded
// pid alone is never trusted: pids get reused.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from './model.js';

export interface NodeSpec {
  engine: Engine;
  bind: string;
  port: number;
  socket: string;
  /** Log file for the node's stdout and stderr. */
  logFile: string;
  /** Security groups: the network view file and the node's interface (src/network/enforcer.ts). */
  network?: { policy: string; eni: string };
  /** Extra environment (secrets and the starting role of a replication group member: run-server.ts). */
  env?: Record<string, string>;
}

/** The compiled CLI next to this module (dist/src/control → dist/src/cli/main.js). */
export const MAIN_JS = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export class Supervisor {
  /** Called when a process this supervisor started exits (the reconciler reacts). */
  onExit: ((pid: number) => void) | null = null;

  constructor(
    readonly runDir: string,
    readonly mainJs = MAIN_JS,
  ) {
    fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
  }

  /** Starts a node process; returns its pid. A stale socket file from a dead process is removed first. */
  start(spec: NodeSpec): number {
    try {
      fs.unlinkSync(spec.socket);
    } catch {
      // not there: fine
    }
    fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
    const fd = fs.openSync(spec.logFile, 'a');
    const env = { ...process.env, ...spec.env };
    delete env.NODE_TEST_CONTEXT;
    delete env.NODE_OPTIONS;
    try {
      const args = [
        this.mainJs,
        'server',
        '--engine',
        spec.engine,
        '--bind',
        spec.bind,
        '--port',
        String(spec.port),
        '--management-socket',
        spec.socket,
      ];
      if (spec.network) args.push('--network-policy', spec.network.policy, '--eni', spec.network.eni);
      // Managed nodes have no public address; the network layer decides who reaches them.
      if (spec.engine !== 'memcached') args.push('--protected-mode', 'no');
      const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env });
      child.on('error', () => {});
      child.on('exit', () => this.onExit?.(child.pid ?? -1));
      child.unref();
      if (child.pid === undefined) throw new Error('spawn failed');
      return child.pid;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** True when `pid` is a live process serving `socket` (not a reused pid, not a zombie). */
  owns(pid: number | undefined, socket: string): boolean {
    if (!pid) return false;
    const cmd = cmdline(pid);
    if (!cmd) return false;
    const i = cmd.indexOf('--management-socket');
    return i !== -1 && cmd[i + 1] === socket;
  }

  /** Every live `cove server` process whose management socket is in this run dir: socket → pid. */
  scan(): Map<string, number> {
    return nodeProcesses(this.runDir);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(pid: number, socket: string, graceMs = 3000): Promise<void> {
    if (!this.owns(pid, socket)) return;
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (this.owns(pid, socket) && Date.now() < deadline) await sleep(25);
    if (this.owns(pid, socket)) {
      signal(pid, 'SIGKILL');
      const hard = Date.now() + 2000;
      while (this.owns(pid, socket) && Date.now() < hard) await sleep(25);
    }
    try {
      fs.unlinkSync(socket);
    } catch {
      // already gone
    }
  }

  /** Ends a hung process at once. */
  kill(pid: number, socket: string): void {
    if (this.owns(pid, socket)) signal(pid, 'SIGKILL');
  }
}

/**
 * True when a process exists and is not a zombie (a killed process whose parent has
 * not reaped it yet still answers kill(pid, 0)).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * Every live `cove server` process whose management socket lies in `runDir`: socket →
 * pid. Used by the supervisor to adopt nodes after a restart, and by tests and
 * benchmarks to find a node's process.
 */
export function nodeProcesses(runDir: string): Map<string, number> {
  const found = new Map<string, number>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return found;
  }
  const prefix = runDir + path.sep;
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    const cmd = cmdline(pid);
    if (!cmd || !cmd.includes('server')) continue;
    const i = cmd.indexOf('--management-socket');
    if (i === -1 || !cmd[i + 1]?.startsWith(prefix)) continue;
    found.set(cmd[i + 1], pid);
  }
  return found;
}

/** The node process of `runDir` bound to `address` (its --bind), for tests and benchmarks. */
export function nodeProcessBoundTo(runDir: string, address: string): number | undefined {
  for (const pid of nodeProcesses(runDir).values()) {
    const cmd = cmdline(pid);
    const i = cmd ? cmd.indexOf('--bind') : -1;
    if (cmd && i !== -1 && cmd[i + 1] === address) return pid;
  }
  return undefined;
}

/** A process's command line, or null (gone, zombie, kernel thread). */
function cmdline(pid: number): string[] | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (raw === '') return null; // zombie or kernel thread
    return raw.split('\0');
  } catch {
    return null;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
