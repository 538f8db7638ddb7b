// `cove status`: asks the running control plane of a data dir what it runs.

import { readRuntime } from '../control/control-plane.js';
import { dataDirOf } from './up.js';

interface StatusReply {
  pid: number;
  api: string;
  dataDir: string;
  started: string;
  clusters: { account: string; id: string; engine: string; status: string; nodes: { id: string; status: string; endpoint: string; privateIp: string; pid: number | null }[] }[];
}

export async function runStatus(flags: { dataDir?: string; json?: boolean }): Promise<number> {
  const dir = dataDirOf(flags.dataDir);
  const info = readRuntime(dir);
  if (!info) {
    process.stdout.write(`cove is not running (data dir ${dir})\n`);
    return 1;
  }
  const res = await fetch(`http://${info.api}/_cove/status`, { headers: { 'x-cove-token': info.token } });
  if (!res.ok) throw new Error(`status: the control plane answered HTTP ${res.status}`);
  const s = (await res.json()) as StatusReply;
  if (flags.json) {
    process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    return 0;
  }
  const lines = [`cove is running: pid ${s.pid}, API http://${s.api}, data dir ${s.dataDir}, since ${s.started}`];
  if (s.clusters.length === 0) lines.push('no cache clusters');
  for (const c of s.clusters) {
    lines.push(`cluster ${c.id} (${c.engine}, account ${c.account}): ${c.status}`);
    for (const n of c.nodes) {
      lines.push(`  node ${n.id}  ${n.status.padEnd(10)} ${n.endpoint.padEnd(22)} private ${n.privateIp.padEnd(15)} pid ${n.pid ?? '-'}`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
