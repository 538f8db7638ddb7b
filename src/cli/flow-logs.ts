// `cove flow-logs [--follow] [--flow-log-id ID]`: prints the VPC Flow Logs records
// Cove wrote to the data dir (flow-logs/<fl-id>.log), with a header of field names.
// Works whether or not the control plane runs (it is asked only for the record
// format of custom LogFormats); --follow keeps printing records as they are written.
// --json prints one object per record and line (field names as keys, numbers as
// numbers, '-' as null) for scripts.

import fs from 'node:fs';
import path from 'node:path';
import { adminCall } from '../network/admin-client.js';
import { V2_FIELDS } from '../network/flow-log.js';
import type { ViewFlowLog } from '../network/view.js';
import { dataDirOf } from './up.js';

export interface FlowLogFlags {
  dataDir?: string;
  follow?: boolean;
  flowLogId?: string[];
  header?: boolean;
  json?: boolean;
}

/** Fields that are numbers in a record (the account id keeps its leading zeros). */
const NUMERIC = new Set(['version', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'tcp-flags']);

function recordJson(fields: readonly string[], line: string): string {
  const values = line.split(' ');
  const out: Record<string, string | number | null> = {};
  fields.forEach((f, i) => {
    const v = values[i];
    out[f] = v === undefined || v === '-' ? null : NUMERIC.has(f) && /^\d+$/.test(v) ? Number(v) : v;
  });
  return JSON.stringify(out);
}

export async function runFlowLogs(flags: FlowLogFlags): Promise<number> {
  const dir = path.join(dataDirOf(flags.dataDir), 'flow-logs');
  const wanted = flags.flowLogId?.length ? new Set(flags.flowLogId) : null;
  let fields: readonly string[] = V2_FIELDS;
  try {
    const r = await adminCall<{ flowLogs: ViewFlowLog[] }>(dataDirOf(flags.dataDir), 'GET', '/_cove/flow-logs');
    const chosen = r.flowLogs.filter((f) => !wanted || wanted.has(f.id));
    if (chosen.length) fields = chosen[0].fields;
  } catch {
    // not running: the files are still there; the default format is assumed
  }
  const files = (): string[] => {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith('.log'));
    } catch {
      return [];
    }
    return names.filter((n) => !wanted || wanted.has(n.slice(0, -4))).map((n) => path.join(dir, n));
  };
  if (flags.header !== false && !flags.json) process.stdout.write(fields.join(' ') + '\n');
  const offsets = new Map<string, number>();
  const printNew = () => {
    for (const f of files()) {
      let text: string;
      try {
        const size = fs.statSync(f).size;
        const from = offsets.get(f) ?? 0;
        if (size <= from) continue;
        const fd = fs.openSync(f, 'r');
        try {
          const buf = Buffer.alloc(size - from);
          fs.readSync(fd, buf, 0, buf.length, from);
          text = buf.toString('utf8');
        } finally {
          fs.closeSync(fd);
        }
        // Only whole lines: a record being appended is printed once complete.
        const end = text.lastIndexOf('\n') + 1;
        offsets.set(f, from + Buffer.byteLength(text.slice(0, end)));
        if (!flags.json) process.stdout.write(text.slice(0, end));
        else for (const line of text.slice(0, end).split('\n')) if (line) process.stdout.write(recordJson(fields, line) + '\n');
      } catch {
        continue;
      }
    }
  };
  printNew();
  if (!flags.follow) return 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(printNew, 250);
    const stop = () => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
