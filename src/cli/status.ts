// `cove status`: asks the running control plane of a data dir what it runs: a table
// of clusters and nodes, or the control plane's answer as JSON with --json. Exit
// status 3 when cove is not running for the data dir (--json then prints
// {"running": false, "dataDir": ...} so that scripts can read it either way).

import { readRuntime } from '../control/control-plane.js';
import { dataDirOf } from './up.js';
import { json, table } from './format.js';
import { EXIT } from './errors.js';

interface StatusReply {
  pid: number;
  api: string;
  dataDir: string;
  started: string;
  clusters: { account: string; id: string; engine: string; status: string; replicationGroupId?: string; nodes: { id: string; status: string; endpoint: string; privateIp: string; pid: number | null }[] }[];
}

export async function runStatus(flags: { dataDir?: string; json?: boolean }): Promise<number> {
  const dir = dataDirOf(flags.dataDir);
  const info = readRuntime(dir);
  if (!info) {
    if (flags.json) process.stdout.write(json({ running: false, dataDir: dir }));
    process.stderr.write(`cove is not running (data dir ${dir}): start it with \`cove up\`\n`);
    return EXIT.notRunning;
  }
  const res = await fetch(`http://${info.api}/_cove/status`, { headers: { 'x-cove-token': info.token } });
  if (!res.ok) throw new Error(`status: the control plane answered HTTP ${res.status}`);
  const s = (await res.json()) as StatusReply;
  if (flags.json) {
    process.stdout.write(json({ running: true, ...s }));
    return EXIT.ok;
  }
  const lines = [`cove is running: pid ${s.pid}, API and console http://${s.api}/, data dir ${s.dataDir}, since ${s.started}`];
  if (s.clusters.length === 0) {
    lines.push('no cache clusters (create some with the AWS CLI, or `cove up --demo`)');
  } else {
    const rows = [['CLUSTER', 'ENGINE', 'STATUS', 'NODE', 'NODE STATUS', 'ENDPOINT', 'PRIVATE IP', 'PID']];
    for (const c of s.clusters) {
      const name = c.id + (c.account !== '000000000000' ? ` (${c.account})` : '');
      if (c.nodes.length === 0) rows.push([name, c.engine, c.status, '-', '-', '-', '-', '-']);
      c.nodes.forEach((n, i) => rows.push([i === 0 ? name : '', i === 0 ? c.engine : '', i === 0 ? c.status : '', n.id, n.status, n.endpoint, n.privateIp, String(n.pid ?? '-')]));
    }
    lines.push('', ...table(rows));
  }
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}
