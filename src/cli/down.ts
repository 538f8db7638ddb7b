// `cove down`: asks the running control plane of a data dir to stop its nodes and
// itself, and waits until it has.

import { readRuntime } from '../control/control-plane.js';
import { processAlive } from '../control/supervisor.js';
import { dataDirOf } from './up.js';

export async function runDown(flags: { dataDir?: string; timeout?: string }): Promise<number> {
  const dir = dataDirOf(flags.dataDir);
  const info = readRuntime(dir);
  if (!info) {
    process.stdout.write(`cove is not running (data dir ${dir})\n`);
    return 0;
  }
  const res = await fetch(`http://${info.api}/_cove/down`, { method: 'POST', headers: { 'x-cove-token': info.token } });
  if (!res.ok) throw new Error(`down: the control plane answered HTTP ${res.status}`);
  const deadline = Date.now() + Number(flags.timeout ?? 60) * 1000;
  while (Date.now() < deadline) {
    if (!processAlive(info.pid)) {
      process.stdout.write(`cove stopped (pid ${info.pid})\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`cove: pid ${info.pid} is still running after the timeout\n`);
  return 1;
}
