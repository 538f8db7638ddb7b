// The command table: every group's specs gathered, checked once at startup, and
// indexed by name. ACL categories implied by flags are added here, centrally, as
// Redis's setImplicitACLCategories does.

import type { CommandSpec } from './types.js';
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
  return { byName, subs, all: specs };
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

/** Adds @write/@read/@admin/@dangerous/@pubsub/@fast/@slow/@blocking from flags. */
function finishCategories(spec: CommandSpec): void {
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
