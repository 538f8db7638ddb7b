// Where a command's keys are in one call, from the table's key spec.

import type { Argv } from '../protocol/resp/argv.js';
import type { CommandSpec } from './types.js';

/** The argument positions of the keys in a call, per the table's key spec. */
export function keyPositions(spec: CommandSpec, argv: Argv): number[] {
  const ks = spec.keys;
  if (ks.find) return ks.find(argv);
  if (ks.first === 0) return [];
  const last = ks.last < 0 ? argv.count + ks.last : ks.last;
  const out: number[] = [];
  for (let i = ks.first; i <= last && i < argv.count; i += ks.step) out.push(i);
  return out;
}
