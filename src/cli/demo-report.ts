// What `cove up --demo` prints once the scenario answers: the forwarding table, the
// connect lines (telnet, redis-cli, PHP), the console's address and `cove why`
// examples, all spelled so that they work when pasted into a shell on this host.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DemoResult } from './demo.js';
import { table } from './format.js';

/** A stranger: a loopback address that is no interface and not the trusted client. */
export const STRANGER = '127.66.0.1';

/**
 * How the user runs `cove` here, for the printed commands: `npx cove` under npx,
 * `cove` when that name on PATH is this program, else `node PATH/main.js`.
 */
export function coveInvocation(): string {
  if (process.env.npm_command === 'exec') return 'npx cove';
  const self = safeRealpath(process.argv[1] ?? '');
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && self && safeRealpath(path.join(dir, 'cove')) === self) return 'cove';
  }
  const rel = path.relative(process.cwd(), process.argv[1] ?? '');
  return `node ${rel.startsWith('..') || path.isAbsolute(rel) ? process.argv[1] : rel}`;
}

function safeRealpath(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

/** ` --data-dir DIR` unless DIR is what a bare `cove` would find. */
export function dataDirArg(dataDir: string): string {
  const bare = path.resolve(process.env.COVE_HOME ?? path.join(os.homedir(), '.cove'));
  return path.resolve(dataDir) === bare ? '' : ` --data-dir ${shellQuote(dataDir)}`;
}

function shellQuote(s: string): string {
  return /^[\w./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ReportContext {
  /** `cove` as the user runs it. */
  cove: string;
  dataDir: string;
  /** host:port of the API (the console is served at its `/`). */
  api: string;
  logFile?: string;
}

export function demoReport(r: DemoResult, ctx: ReportContext): string {
  const dd = dataDirArg(ctx.dataDir);
  const cove = ctx.cove;
  const eip = r.eip;
  const mcPort = r.memcached.nodes[0]?.publicPort ?? 11211;
  // A replication group's primary endpoint (it follows failover), else the primary node.
  const vkPort =
    r.valkey.nodes.find((n) => n.id.endsWith('primary endpoint'))?.publicPort ?? r.valkey.nodes.find((n) => n.role === 'primary')?.publicPort ?? r.valkey.nodes[0]?.publicPort ?? 6379;
  const rows: string[][] = [];
  for (const n of [...r.memcached.nodes, ...r.valkey.nodes]) {
    rows.push([n.publicPort ? `${eip}:${n.publicPort}` : '(no port)', '->', n.id + (n.role ? ` (${n.role})` : ''), `${n.privateIp}:${n.endpoint.split(':')[1]}`, n.endpoint]);
  }
  const lines = [
    '',
    `Cove demo is up: first PONG through the NAT instance ${(r.firstPongMs / 1000).toFixed(2)} s after cove started.`,
    '',
    `VPC ${r.vpcId} 10.0.0.0/16; NAT instance ${r.natInstanceId} at 10.0.0.55 with Elastic IP ${eip}.`,
    `Only this host (127.0.0.1/32) may use the Elastic IP; the cache nodes admit only the NAT instance.`,
    '',
    ...table([['ELASTIC IP:PORT', '', 'NODE', 'PRIVATE', 'SERVES ON'], ...rows]).map((l) => '  ' + l),
    '',
    'Connect from this host:',
    `  telnet ${eip} ${mcPort}`,
    `      set greeting 0 0 5⏎ hello⏎ get greeting⏎ quit⏎`,
    `  redis-cli -h ${eip} -p ${vkPort}`,
    `      ping, set greeting hello, get greeting`,
    `  php -r '$m = new Memcached(); $m->addServer("${eip}", ${mcPort}); $m->set("greeting", "hello"); echo $m->get("greeting"), "\\n";'`,
    '',
    `Console: http://${ctx.api}/`,
    '',
    'Why a connection is allowed, or not:',
    ...commented([
      [`${cove} why host ${eip}:${vkPort}${dd}`, 'allowed: this host, through the NAT instance'],
      [`${cove} why ${STRANGER} ${eip}:${vkPort}${dd}`, 'denied: a stranger is not in 127.0.0.1/32'],
      [`${cove} why host ${r.memcached.nodes[0]?.id ?? 'demo-mc/0001'}${dd}`, 'denied: nodes have no public address'],
      [`${cove} nat status ${r.natInstanceId}${dd}`, 'the forwarding table'],
    ]),
    '',
    `Cove runs in the foreground: Ctrl-C or \`${cove} down${dd}\` stops it, and \`${cove} up --demo${dd}\``,
    `brings the same demo back.${ctx.logFile ? ` Log: ${ctx.logFile}` : ''}`,
    '',
  ];
  return lines.join('\n');
}

/** Shell lines with aligned trailing comments. */
function commented(lines: [string, string][]): string[] {
  const width = Math.max(...lines.map(([cmd]) => cmd.length));
  return lines.map(([cmd, note]) => `  ${cmd.padEnd(width)}   # ${note}`);
}
