// The command table: every group's specs gathered, checked once at startup, and
// indexed by name. ACL categories implied by flags are added here, centrally, as
// Redis's setImplicitACLCategories does.

import type { CommandSpec } from './types.js';
import { flagBits } from './types.js';
import type { Argv } from '../protocol/resp/argv.js';
import { connectionCommands } from './groups/connection.js';
import { stringCommands } from './groups/strings.js';
import { keyCommands } from './groups/keys.js';
import { serverCommands } from './groups/server.js';
import { transactionCommands } from './groups/transactions.js';
import { pubsubCommands } from './groups/pubsub.js';
import { extraGroups } from './groups/index.js';

export interface CommandTable {
  /** Top-level commands by lower-case name. */
  byName: Map<string, CommandSpec>;
  /** Subcommands by container name, then subcommand name. */
  subs: Map<string, Map<string, CommandSpec>>;
  all: CommandSpec[];
  /** Finds a top-level command by the bytes of argument i, case-insensitively, without allocating. */
  lookup(argv: Argv, i: number): CommandSpec | undefined;
}

const LOOKUP_SIZE = 2048;

/** Hash of a name's bytes with ASCII letters folded to lower case. */
function nameHash(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    let c = buf[i];
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return (h >>> 0) & (LOOKUP_SIZE - 1);
}

/**
 * An open-addressing table from name bytes to specs: the command name is matched
 * straight from the request buffer (no string per command), then confirmed with
 * Argv.is. Names longer than 32 bytes are never commands.
 */
function byteLookup(specs: CommandSpec[]): (argv: Argv, i: number) => CommandSpec | undefined {
  const slots: (CommandSpec | undefined)[] = new Array(LOOKUP_SIZE);
  for (const spec of specs) {
    const b = Buffer.from(spec.name, 'latin1');
    let h = nameHash(b, 0, b.length);
    while (slots[h]) h = (h + 1) & (LOOKUP_SIZE - 1);
    slots[h] = spec;
  }
  return (argv, i) => {
    const start = argv.starts[i];
    const end = argv.ends[i];
    if (end - start > 32) return undefined;
    let h = nameHash(argv.buf, start, end);
    for (;;) {
      const spec = slots[h];
      if (!spec) return undefined;
      if (argv.is(i, spec.name)) return spec;
      h = (h + 1) & (LOOKUP_SIZE - 1);
    }
  };
}

export function buildTable(specs: CommandSpec[]): CommandTable {
  const byName = new Map<string, CommandSpec>();
  const subs = new Map<string, Map<string, CommandSpec>>();
  for (const spec of specs) {
    check(spec);
    if (byName.has(spec.name)) throw new Error(`command ${spec.name} defined twice`);
    finishCategories(spec);
    byName.set(spec.name, spec);
    if (spec.subcommands) {
      const m = new Map<string, CommandSpec>();
      for (const sub of spec.subcommands) {
        check(sub);
        finishCategories(sub);
        const subName = sub.name.slice(sub.name.indexOf('|') + 1);
        if (m.has(subName)) throw new Error(`subcommand ${sub.name} defined twice`);
        m.set(subName, sub);
      }
      subs.set(spec.name, m);
    }
  }
  return { byName, subs, all: specs, lookup: byteLookup(specs) };
}

function check(spec: CommandSpec): void {
  if (spec.name !== spec.name.toLowerCase()) throw new Error(`command name ${spec.name} must be lower-case`);
  if (spec.arity === 0) throw new Error(`command ${spec.name} has arity 0`);
  if (!spec.handler && !spec.subcommands) throw new Error(`command ${spec.name} has neither handler nor subcommands`);
  if (spec.subcommands) {
    for (const sub of spec.subcommands) {
      if (!sub.name.startsWith(spec.name + '|')) throw new Error(`subcommand ${sub.name} must be named ${spec.name}|...`);
    }
  }
  const f = new Set(spec.flags);
  if (f.has('write') && f.has('readonly')) throw new Error(`command ${spec.name} is both write and readonly`);
}

/** Adds @write/@read/@admin/@dangerous/@pubsub/@fast/@slow/@blocking from flags, and the flag bits. */
function finishCategories(spec: CommandSpec): void {
  spec.bits = flagBits(spec.flags);
  spec.counters = { calls: 0, usec: 0, rejected: 0, failed: 0 };
  const cats = new Set(spec.categories);
  const f = new Set(spec.flags);
  if (f.has('write')) cats.add('write');
  if (f.has('readonly') && !cats.has('scripting')) cats.add('read');
  if (f.has('admin')) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (f.has('pubsub')) cats.add('pubsub');
  if (f.has('fast')) cats.add('fast');
  if (f.has('blocking')) cats.add('blocking');
  if (!f.has('fast')) cats.add('slow');
  spec.categories = [...cats];
}

let table: CommandTable | null = null;

/** The node's command table (built once). */
export function commandTable(): CommandTable {
  if (!table) {
    table = buildTable([
      ...connectionCommands,
      ...stringCommands,
      ...keyCommands,
      ...serverCommands,
      ...transactionCommands,
      ...pubsubCommands,
      ...extraGroups,
    ]);
  }
  return table;
}
