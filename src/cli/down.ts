// `cove down`: asks the running control plane of a data dir to stop its nodes and
// itself, and waits until it has (progress on stderr). Exit status 0 when it stopped
// or was not running, 1 when it still runs after --timeout seconds.

import { readRuntime } from '../control/control-plane.js';
import { processAlive } from '../control/supervisor.js';
import { dataDirOf } from './up.js';
import { progress } from './format.js';
import { EXIT } from './errors.js';

export async function runDown(flags: { dataDir?: string; timeout?: number | string }): Promise<number> {
  const dir = dataDirOf(flags.dataDir);
  const info = readRuntime(dir);
  if (!info) {
    process.stdout.write(`cove is not running (data dir ${dir})\n`);
    return EXIT.ok;
  }
  const res = await fetch(`http://${info.api}/_cove/down`, { method: 'POST', headers: { 'x-cove-token': info.token } });
  if (!res.ok) throw new Error(`down: the control plane answered HTTP ${res.status}`);
  const started = Date.now();
  const deadline = started + Number(flags.timeout ?? 60) * 1000;
  const p = progress();
  while (Date.now() < deadline) {
    if (!processAlive(info.pid)) {
      p.done();
      process.stdout.write(`cove stopped (pid ${info.pid})\n`);
      return EXIT.ok;
    }
    const s = Math.floor((Date.now() - started) / 1000);
    if (s >= 1) p.update(`stopping cove (pid ${info.pid}) and its nodes... ${s}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  p.done();
  process.stderr.write(`cove: pid ${info.pid} is still running after ${flags.timeout ?? 60} s\n`);
  return EXIT.no;
}
