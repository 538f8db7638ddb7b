// The shape of the command table and of what a handler receives.
//
// Every Valkey/Redis command is one `CommandSpec`: data (name, arity, flags, key
// positions, ACL categories, docs) plus a handler. The dispatcher checks existence,
// arity, authentication, permissions, MULTI queuing, OOM and read-only replicas from
// this data before any handler runs, and COMMAND INFO/DOCS/COUNT/LIST/GETKEYS
// report exactly what the table holds.

import type { Argv } from '../protocol/resp/argv.js';
import type { Reply } from '../protocol/resp/writer.js';
import type { Keyspace } from '../engine/keyspace.js';
import type { Store } from '../engine/store.js';
import type { Client } from '../server/client.js';
import type { ValkeyNode } from '../server/valkey-node.js';

/** Command flags, spelled as COMMAND INFO reports them. */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'module'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'asking'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'sentinel'
  | 'only_sentinel'
  | 'no_mandatory_keys'
  | 'protected'
  | 'touches_arbitrary_keys'
  | 'no_async_loading'
  | 'no_multi'
  | 'movablekeys'
  | 'allow_busy';

/**
 * Where a command's keys are: a fixed range (1-based argument positions, negative
 * `last` counts from the end, `step` between keys), or a function for commands whose
 * keys move (numkeys arguments, STREAMS, STORE options). `first: 0` means no keys.
 */
export interface KeySpec {
  first: number;
  last: number;
  step: number;
  /** For movable keys: the argument positions of the keys in this call. */
  find?: (argv: Argv) => number[];
}

export const NO_KEYS: KeySpec = { first: 0, last: 0, step: 0 };
export const ONE_KEY: KeySpec = { first: 1, last: 1, step: 1 };
export const ALL_KEYS: KeySpec = { first: 1, last: -1, step: 1 };

export type Handler = (ctx: Ctx) => void;

export interface CommandSpec {
  /** Lower-case name; a subcommand is written "container|sub" (e.g. "config|get"). */
  name: string;
  /** Redis arity: the argument count including the name; negative means "at least". */
  arity: number;
  flags: CommandFlag[];
  keys: KeySpec;
  /** ACL categories without the '@' (string, keyspace, dangerous, ...); flag-derived ones are added centrally. */
  categories: string[];
  /** COMMAND DOCS group: string, generic, list, hash, set, sorted-set, hyperloglog, pubsub, transactions, connection, server, ... */
  group: string;
  summary: string;
  since: string;
  complexity?: string;
  /** The syntax after the name, for docs: "key value [NX | XX] ...". */
  syntax?: string;
  /** Absent on containers (commands with subcommands only). */
  handler?: Handler;
  subcommands?: CommandSpec[];
  /** Filled in by the table: `flags` as a bit set (Flag.*), for the dispatcher's hot path. */
  bits?: number;
  /** Filled in by the table: commandstats counters, kept on the spec to avoid a map lookup per call. */
  counters?: { calls: number; usec: number; rejected: number; failed: number };
}

/** Bits of CommandSpec.bits, for the flags the dispatcher tests on every command. */
export const Flag = {
  write: 1,
  readonly: 2,
  denyoom: 4,
  admin: 8,
  noAuth: 16,
  noMulti: 32,
  skipMonitor: 64,
  mayReplicate: 128,
  noscript: 256,
  blocking: 512,
  pubsub: 1024,
  loading: 2048,
  stale: 4096,
  allowBusy: 8192,
  skipSlowlog: 16384,
} as const;

const FLAG_BITS: Partial<Record<CommandFlag, number>> = {
  write: Flag.write,
  readonly: Flag.readonly,
  denyoom: Flag.denyoom,
  admin: Flag.admin,
  no_auth: Flag.noAuth,
  no_multi: Flag.noMulti,
  skip_monitor: Flag.skipMonitor,
  may_replicate: Flag.mayReplicate,
  noscript: Flag.noscript,
  blocking: Flag.blocking,
  pubsub: Flag.pubsub,
  loading: Flag.loading,
  stale: Flag.stale,
  allow_busy: Flag.allowBusy,
  skip_slowlog: Flag.skipSlowlog,
};

export function flagBits(flags: CommandFlag[]): number {
  let bits = 0;
  for (const f of flags) bits |= FLAG_BITS[f] ?? 0;
  return bits;
}

/** The command context: what one execution of a handler sees. Reused between commands. */
export interface Ctx {
  argv: Argv;
  reply: Reply;
  client: Client;
  node: ValkeyNode;
  store: Store;
  /** The selected database and its index. */
  db: Keyspace;
  dbIndex: number;
  /** The command's time snapshot (ms since epoch). */
  now: number;
  /** The spec being run (the subcommand's for containers). */
  spec: CommandSpec;
  /** True when running inside MULTI/EXEC or a script: blocking commands must not block. */
  nested: boolean;
  /**
   * What to send to replicas instead of the command as it came (Redis's
   * alsoPropagate/rewriteClientCommandVector): SPOP becomes SREMs, INCRBYFLOAT a SET,
   * a served BLPOP an LPOP, relative expiries absolute ones. Set by the handler.
   */
  propagateAs?: Argv[];
}
