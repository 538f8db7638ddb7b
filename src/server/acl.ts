// Users, passwords and permissions (AUTH, ACL SETUSER/GETUSER/LIST/LOG, requirepass).
//
// A user is an on/off flag, passwords (SHA-256 hex, as Redis stores them), "nopass",
// and selectors: the root selector plus any "(...)" ones. A selector holds the
// commands it allows, key patterns (~, %R~, %W~) and channel patterns (&). A command
// is allowed when one selector allows the command, each key it touches (in the mode
// the command touches it) and each channel it publishes or subscribes to; otherwise
// the most specific refusal wins (channel > key > command), as in Redis 7.0.
//
// Differences from redis-server 7.0, on purpose: the command rules of ACL LIST/GETUSER
// keep the order they were given in, minus superseded duplicates (Valkey 7.2's way;
// 7.0 re-derives a "best fit" from its bitmap, in hash order). Per-key read/write
// needs come from the table below because Cove's key specs carry no per-key flags.

import { createHash } from 'node:crypto';
import type { Argv } from '../protocol/resp/argv.js';
import type { CommandSpec } from '../commands/types.js';
import { commandTable } from '../commands/table.js';
import { globMatch } from '../commands/helpers.js';
import { keyPositions } from '../commands/key-positions.js';
import type { Client } from './client.js';
import { Errors } from '../protocol/resp/errors.js';

export function sha256hex(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}

/** ACL categories in Redis 7.0's order (ACL CAT). */
export const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo',
  'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

/** The reasons SETUSER gives for a bad rule (Redis's ACLSetUserStringError texts). */
export const AclRuleErrors = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  keyAfterAll:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  channelAfterAll:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  firstArgOfSub: 'Allowing first-arg of a subcommand is not supported',
} as const;

/** A rule SETUSER cannot apply; `message` is one of AclRuleErrors. */
export class AclRuleError extends Error {}

export const KEY_READ = 1;
export const KEY_WRITE = 2;
const KEY_RW = KEY_READ | KEY_WRITE;

export interface KeyPattern {
  pattern: string;
  flags: number;
}

export type DenyReason = 'command' | 'key' | 'channel';
const REASON_WEIGHT: Record<DenyReason, number> = { command: 1, key: 2, channel: 4 };

export interface Denial {
  reason: DenyReason;
  /** The argument index of the refused key or channel (0 for a command). */
  index: number;
}

// ---- the command universe -------------------------------------------------------------

interface Universe {
  /** Every full name: "get", "config", "config|get", ... */
  names: string[];
  /** Name → the names a +/- of it switches (a container switches its subcommands too). */
  expand: Map<string, string[]>;
  /** Category → names in it (a container in a category brings its subcommands). */
  byCategory: Map<string, string[]>;
  specs: Map<string, CommandSpec>;
}

let universe: Universe | null = null;

function commands(): Universe {
  if (universe) return universe;
  const u: Universe = { names: [], expand: new Map(), byCategory: new Map(), specs: new Map() };
  for (const c of ACL_CATEGORIES) u.byCategory.set(c, []);
  const inCategory = (spec: CommandSpec, group: string[]) => {
    for (const cat of spec.categories) u.byCategory.get(cat)?.push(...group);
  };
  for (const spec of commandTable().all) {
    const subs = spec.subcommands ?? [];
    const group = [spec.name, ...subs.map((s) => s.name)];
    u.names.push(...group);
    u.expand.set(spec.name, group);
    u.specs.set(spec.name, spec);
    inCategory(spec, group);
    for (const s of subs) {
      u.expand.set(s.name, [s.name]);
      u.specs.set(s.name, s);
      inCategory(s, [s.name]);
    }
  }
  for (const [cat, names] of u.byCategory) u.byCategory.set(cat, [...new Set(names)]);
  universe = u;
  return u;
}

/** Names of the commands in a category (ACL CAT <category>); null for an unknown one. */
export function commandsInCategory(category: string): string[] | null {
  return commands().byCategory.get(category.toLowerCase()) ?? null;
}

// ---- selectors -----------------------------------------------------------------------------

export class Selector {
  /** Full names of the allowed commands. */
  allowed = new Set<string>();
  /** "+@all" given (and no "-@all" since): describes as "+@all ...". */
  allFuture = false;
  /** Commands allowed only with given first arguments (+select|0), lower-case. */
  firstArgs = new Map<string, Set<string>>();
  /** Command rules as given after the base, for ACL LIST: "+get", "-@hash", "+select|0". */
  rules: string[] = [];
  allKeys = false;
  keys: KeyPattern[] = [];
  allChannels = false;
  channels: string[] = [];

  clone(): Selector {
    const s = new Selector();
    s.allowed = new Set(this.allowed);
    s.allFuture = this.allFuture;
    for (const [k, v] of this.firstArgs) s.firstArgs.set(k, new Set(v));
    s.rules = [...this.rules];
    s.allKeys = this.allKeys;
    s.keys = this.keys.map((k) => ({ ...k }));
    s.allChannels = this.allChannels;
    s.channels = [...this.channels];
    return s;
  }

  /** Applies one selector rule (keys, channels, commands); throws AclRuleError. */
  apply(op: string): void {
    const lower = op.toLowerCase();
    if (lower === 'allkeys' || op === '~*') {
      this.allKeys = true;
      this.keys = [];
    } else if (lower === 'resetkeys') {
      this.allKeys = false;
      this.keys = [];
    } else if (op[0] === '~' || op[0] === '%') {
      this.addKeyPattern(op);
    } else if (lower === 'allchannels' || op === '&*') {
      this.allChannels = true;
      this.channels = [];
    } else if (lower === 'resetchannels') {
      this.allChannels = false;
      this.channels = [];
    } else if (op[0] === '&') {
      if (this.allChannels) throw new AclRuleError(AclRuleErrors.channelAfterAll);
      const pattern = op.slice(1);
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
    } else if (lower === 'allcommands' || lower === '+@all') {
      this.allowed = new Set(commands().names);
      this.allFuture = true;
      this.firstArgs.clear();
      this.rules = [];
    } else if (lower === 'nocommands' || lower === '-@all') {
      this.allowed.clear();
      this.allFuture = false;
      this.firstArgs.clear();
      this.rules = [];
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const names = commandsInCategory(lower.slice(2));
      if (!names) throw new AclRuleError(AclRuleErrors.unknown);
      this.switch(names, op[0] === '+');
      this.addRule(lower);
    } else if (op[0] === '+' || op[0] === '-') {
      this.commandRule(lower);
    } else {
      throw new AclRuleError(AclRuleErrors.syntax);
    }
  }

  private addKeyPattern(op: string): void {
    if (this.allKeys) throw new AclRuleError(AclRuleErrors.keyAfterAll);
    let flags = KEY_RW;
    let at = 1;
    if (op[0] === '%') {
      flags = 0;
      for (; at < op.length && op[at] !== '~'; at++) {
        const c = op[at].toUpperCase();
        if (c === 'R') flags |= KEY_READ;
        else if (c === 'W') flags |= KEY_WRITE;
        else throw new AclRuleError(AclRuleErrors.syntax);
      }
      if (flags === 0 || op[at] !== '~') throw new AclRuleError(AclRuleErrors.syntax);
      at++;
    }
    const pattern = op.slice(at);
    if (flags === KEY_RW && pattern === '*') {
      this.allKeys = true;
      this.keys = [];
      return;
    }
    const existing = this.keys.find((k) => k.pattern === pattern);
    if (existing) existing.flags |= flags;
    else this.keys.push({ pattern, flags });
  }

  /** +cmd, -cmd, +cmd|sub, -cmd|sub, +cmd|firstarg. */
  private commandRule(rule: string): void {
    const allow = rule[0] === '+';
    const body = rule.slice(1);
    const u = commands();
    const bar = body.indexOf('|');
    if (bar === -1) {
      const group = u.expand.get(body);
      if (!group || body.includes('|')) throw new AclRuleError(AclRuleErrors.unknown);
      this.switch(group, allow);
      this.firstArgs.delete(body);
      this.addRule(rule);
      return;
    }
    const container = u.specs.get(body.slice(0, bar));
    const rest = body.slice(bar + 1);
    if (!container) throw new AclRuleError(AclRuleErrors.unknown);
    if (container.name.includes('|')) throw new AclRuleError(allow ? AclRuleErrors.firstArgOfSub : AclRuleErrors.unknown);
    if (rest === '') throw new AclRuleError(allow ? AclRuleErrors.syntax : AclRuleErrors.unknown);
    if (container.subcommands) {
      if (rest.includes('|')) throw new AclRuleError(AclRuleErrors.firstArgOfSub);
      const sub = u.specs.get(`${container.name}|${rest}`);
      if (!sub) throw new AclRuleError(AclRuleErrors.unknown);
      this.switch([sub.name], allow);
      this.addRule(rule);
      return;
    }
    // A first argument of a plain command (deprecated in Redis, still accepted): only "+".
    if (!allow || rest.includes('|')) throw new AclRuleError(AclRuleErrors.unknown);
    let set = this.firstArgs.get(container.name);
    if (!set) this.firstArgs.set(container.name, (set = new Set()));
    set.add(rest);
    this.addRule(rule);
  }

  private switch(names: string[], allow: boolean): void {
    for (const n of names) {
      if (allow) this.allowed.add(n);
      else this.allowed.delete(n);
    }
  }

  /**
   * Appends a rule, dropping earlier rules it supersedes: the same command or category,
   * and a command's subcommands or first arguments ("+memory" engulfs "+memory|doctor").
   */
  private addRule(rule: string): void {
    const target = rule.slice(1);
    this.rules = this.rules.filter((r) => r.slice(1) !== target && !r.slice(1).startsWith(target + '|'));
    this.rules.push(rule);
  }

  describeCommands(): string {
    return [this.allFuture ? '+@all' : '-@all', ...this.rules].join(' ');
  }

  describeKeys(): string {
    if (this.allKeys) return '~*';
    return this.keys.map((k) => (k.flags === KEY_RW ? '~' : k.flags === KEY_READ ? '%R~' : '%W~') + k.pattern).join(' ');
  }

  describeChannels(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => '&' + c).join(' ');
  }

  /** The selector as ACL LIST writes it: keys, channels, then commands. */
  describe(): string {
    const parts: string[] = [];
    const keys = this.describeKeys();
    if (keys) parts.push(keys);
    if (this.allChannels) parts.push('&*');
    else parts.push(['resetchannels', ...this.channels.map((c) => '&' + c)].join(' '));
    parts.push(this.describeCommands());
    return parts.join(' ');
  }

  get unrestricted(): boolean {
    return this.allKeys && this.allChannels && this.allowed.size === commands().names.length;
  }

  /** Null when this selector allows the call, else why not. */
  check(spec: CommandSpec, argv: Argv, keys: number[]): Denial | null {
    if (!this.allowed.has(spec.name) && !spec.flags.includes('no_auth')) {
      const first = this.firstArgs.get(spec.name);
      if (!first || argv.count < 2 || !first.has(argv.lower(1))) return { reason: 'command', index: 0 };
    }
    if (!this.allKeys && keys.length > 0) {
      const modes = keyModes(spec, argv, keys);
      for (let j = 0; j < keys.length; j++) {
        if (!this.keyAllowed(argv.str(keys[j]), modes[j])) return { reason: 'key', index: keys[j] };
      }
    }
    if (!this.allChannels) {
      const ch = channelArgs(spec, argv);
      if (ch) {
        for (const i of ch.positions) {
          if (!this.channelAllowed(argv.str(i), ch.pattern)) return { reason: 'channel', index: i };
        }
      }
    }
    return null;
  }

  keyAllowed(key: string, need: number): boolean {
    for (const k of this.keys) {
      if ((k.flags & need) === need && globMatch(k.pattern, key)) return true;
    }
    return false;
  }

  /** A channel matches a channel pattern; a subscribed pattern must equal an allowed one. */
  channelAllowed(channel: string, isPattern: boolean): boolean {
    if (this.allChannels) return true;
    for (const p of this.channels) {
      if (isPattern ? p === channel : globMatch(p, channel)) return true;
    }
    return false;
  }
}

// ---- how commands touch keys and channels ---------------------------------------------------


/** Read-only commands that only look at a key's metadata (Redis: RO without ACCESS). */
const NO_ACCESS = new Set([
  'exists', 'type', 'strlen', 'llen', 'scard', 'zcard', 'hlen', 'hstrlen', 'xlen', 'touch', 'sismember', 'smismember',
  'hexists', 'object|encoding', 'object|freq', 'object|idletime', 'object|refcount', 'memory|usage',
]);

/** Writes that never read the old value (Redis: OW/RM, or RW without ACCESS). */
const WRITE_ONLY = new Set([
  'set', 'setnx', 'setex', 'psetex', 'mset', 'msetnx', 'del', 'unlink', 'expire', 'pexpire', 'expireat', 'pexpireat',
  'persist', 'hset', 'hsetnx', 'hmset', 'hdel', 'lpush', 'rpush', 'lpushx', 'rpushx', 'linsert', 'lset', 'lrem', 'ltrim',
  'sadd', 'srem', 'zadd', 'zrem', 'zremrangebyscore', 'zremrangebyrank', 'zremrangebylex', 'pfadd', 'append', 'setrange',
  'restore', 'geoadd', 'xadd', 'xdel', 'xtrim', 'xgroup|create', 'xgroup|destroy', 'xgroup|setid', 'xgroup|delconsumer',
  'xgroup|createconsumer',
]);

/** Commands whose first key is written from the others, which are only read. */
const STORE_FIRST = new Set([
  'sinterstore', 'sunionstore', 'sdiffstore', 'zunionstore', 'zinterstore', 'zdiffstore', 'zrangestore', 'bitop',
  'georadius', 'georadiusbymember', 'geosearchstore',
]);

/** Commands moving data from a source (read and written) to a destination (written). */
const MOVE = new Set(['lmove', 'blmove', 'rpoplpush', 'brpoplpush', 'smove', 'rename', 'renamenx', 'move']);

/** What each key of a call needs: KEY_READ, KEY_WRITE, both, or nothing. */
function keyModes(spec: CommandSpec, argv: Argv, keys: number[]): number[] {
  const name = spec.name;
  if (NO_ACCESS.has(name)) return keys.map(() => 0);
  if (name === 'copy') return keys.map((_, j) => (j === 0 ? KEY_READ : KEY_WRITE));
  if (MOVE.has(name)) return keys.map((_, j) => (j === 0 ? KEY_RW : KEY_WRITE));
  if (name === 'pfmerge') return keys.map((_, j) => (j === 0 ? KEY_RW : KEY_READ));
  if (name === 'bitop') return keys.map((_, j) => (j === 0 ? KEY_WRITE : KEY_READ));
  if (STORE_FIRST.has(name)) {
    // ZRANGESTORE dst src, *STORE dst k1 k2 ...: the destination is the first key.
    return keys.map((_, j) => (j === 0 ? KEY_WRITE : KEY_READ));
  }
  if (name === 'sort' || name === 'sort_ro') {
    // SORT's STORE destination (found by the movable-key finder) is written.
    return keys.map((_, j) => (j === 0 ? KEY_READ : KEY_WRITE));
  }
  if (name === 'set') {
    for (let i = 3; i < argv.count; i++) if (argv.is(i, 'get')) return keys.map(() => KEY_RW);
    return keys.map(() => KEY_WRITE);
  }
  if (WRITE_ONLY.has(name)) return keys.map(() => KEY_WRITE);
  if (spec.flags.includes('write')) return keys.map(() => KEY_RW);
  return keys.map(() => KEY_READ);
}

/** The channel arguments a command publishes or subscribes to (unsubscribing is free). */
function channelArgs(spec: CommandSpec, argv: Argv): { positions: number[]; pattern: boolean } | null {
  switch (spec.name) {
    case 'publish':
    case 'spublish':
      return { positions: [1], pattern: false };
    case 'subscribe':
    case 'ssubscribe':
    case 'psubscribe': {
      const positions: number[] = [];
      for (let i = 1; i < argv.count; i++) positions.push(i);
      return { positions, pattern: spec.name === 'psubscribe' };
    }
    default:
      return null;
  }
}

// ---- users -------------------------------------------------------------------------------

export class User {
  enabled = false;
  nopass = false;
  /** SHA-256 hex digests, in the order they were added. */
  passwords = new Set<string>();
  sanitizePayload: 'sanitize-payload' | 'skip-sanitize-payload' | null = null;
  root = new Selector();
  selectors: Selector[] = [];
  /** Root selector allows everything: the dispatcher's fast path. */
  unrestricted = false;

  constructor(readonly name: string) {}

  clone(name = this.name): User {
    const u = new User(name);
    u.enabled = this.enabled;
    u.nopass = this.nopass;
    u.passwords = new Set(this.passwords);
    u.sanitizePayload = this.sanitizePayload;
    u.root = this.root.clone();
    u.selectors = this.selectors.map((s) => s.clone());
    u.unrestricted = this.unrestricted;
    return u;
  }

  get flagNames(): string[] {
    const f = [this.enabled ? 'on' : 'off'];
    if (this.nopass) f.push('nopass');
    if (this.sanitizePayload) f.push(this.sanitizePayload);
    return f;
  }

  /** One ACL LIST line. */
  describe(): string {
    const parts = ['user', this.name, ...this.flagNames];
    for (const p of this.passwords) parts.push('#' + p);
    parts.push(this.root.describe());
    for (const s of this.selectors) parts.push(`(${s.describe()})`);
    return parts.join(' ');
  }

  /** Null when the user may run the call, else the most specific refusal over its selectors. */
  check(spec: CommandSpec, argv: Argv): Denial | null {
    if (this.unrestricted) return null;
    const keys = keyPositions(spec, argv);
    let worst: Denial | null = null;
    for (const s of [this.root, ...this.selectors]) {
      const d = s.check(spec, argv, keys);
      if (!d) return null;
      if (!worst || REASON_WEIGHT[d.reason] > REASON_WEIGHT[worst.reason]) worst = d;
    }
    return worst;
  }
}

/** Splits a "( ... )" selector body into rules the way sdssplitargs would (no quoting needed here). */
function selectorRules(op: string): string[] {
  return op.slice(1, -1).split(/\s+/).filter((s) => s.length > 0);
}

// ---- the ACL log ---------------------------------------------------------------------------

export interface AclLogEntry {
  count: number;
  reason: DenyReason | 'auth';
  context: 'toplevel' | 'multi' | 'lua';
  object: string;
  username: string;
  /** When the entry was last updated (ms since epoch). */
  ctime: number;
  clientInfo: string;
}

/** Entries for the same thing within this long are one entry with a count (Redis). */
const LOG_GROUPING_MS = 60000;

// ---- the ACL as a whole ----------------------------------------------------------------------

export class Acl {
  readonly users = new Map<string, User>();
  /** Newest first; at most logMaxLen (acllog-max-len). */
  log: AclLogEntry[] = [];
  logMaxLen = 128;
  /** acl-pubsub-default: whether new users start with allchannels. */
  pubsubDefaultAll = false;
  /** CLIENT LIST line of a client, for ACL LOG's client-info (set by the node). */
  clientInfo: (client: Client) => string = () => '';
  /**
   * The permission check the dispatcher runs through `check`: null when allowed, else
   * why not. Replaceable (scripting could wrap it); the default is the user's selectors.
   */
  checker: ((user: User, spec: CommandSpec, argv: Argv) => Denial | null) | null = (user, spec, argv) => user.check(spec, argv);
  private lastRequirePass: string | null = null;
  /** No user has any restriction: the dispatcher's check is one test (the usual case). */
  private everyoneUnrestricted = true;

  constructor() {
    const def = new User('default');
    def.enabled = true;
    def.nopass = true;
    def.root.apply('+@all');
    def.root.apply('~*');
    def.root.apply('&*');
    def.unrestricted = def.root.unrestricted;
    this.users.set('default', def);
  }

  get defaultUser(): User {
    return this.users.get('default')!;
  }

  /**
   * requirepass: sets (or with "" clears) the default user's only password. Applied
   * only when the value changes, so that setting an unrelated parameter does not undo
   * an ACL SETUSER default.
   */
  setRequirePass(password: string): void {
    if (password === this.lastRequirePass) return;
    this.lastRequirePass = password;
    const def = this.defaultUser;
    def.passwords.clear();
    if (password === '') {
      def.nopass = true;
    } else {
      def.nopass = false;
      def.passwords.add(sha256hex(password));
    }
  }

  /** True when new connections must authenticate (default user has a password or is off). */
  authRequired(): boolean {
    const def = this.defaultUser;
    return !def.nopass || !def.enabled;
  }

  /** Checks a username/password pair; returns the user or null. */
  authenticate(username: string, password: Buffer | string): User | null {
    const user = this.users.get(username);
    if (!user || !user.enabled) return null;
    if (user.nopass) return user;
    return user.passwords.has(sha256hex(password)) ? user : null;
  }

  /**
   * Null when the client's user may run the command with these arguments, else the
   * NOPERM error, which is also written to the ACL log.
   */
  check(client: Client, spec: CommandSpec, argv: Argv, context?: AclLogEntry['context']): string | null {
    if (this.everyoneUnrestricted) return null;
    const user = this.users.get(client.user);
    if (user && user.unrestricted) return null;
    if (!this.checker) return null;
    if (!user) return Errors.noPerm(spec.name);
    const denial = this.checker(user, spec, argv);
    if (!denial) return null;
    const object = denial.reason === 'command' ? spec.name : argv.str(denial.index);
    // Queued in MULTI, or re-checked while EXEC runs the queue (EXEC is then the client's
    // current command): both are the "multi" context, as Redis logs them.
    const ctx = context ?? (client.inMulti || client.lastCommand === 'exec' ? 'multi' : 'toplevel');
    this.addLog(client, denial.reason, ctx, object, user.name);
    if (denial.reason === 'command') return Errors.noPerm(spec.name);
    return denial.reason === 'key' ? Errors.noPermKey : Errors.noPermChannel;
  }

  /** ACL DRYRUN's wording of a refusal, or null when allowed. */
  dryRun(user: User, spec: CommandSpec, argv: Argv): string | null {
    const denial = this.checker ? this.checker(user, spec, argv) : null;
    if (!denial) return null;
    if (denial.reason === 'command') return `This user has no permissions to run the '${spec.name}' command`;
    return `This user has no permissions to access the '${argv.str(denial.index)}' ${denial.reason}`;
  }

  /** AUTH / HELLO AUTH failed for `username`. */
  logAuthFailure(client: Client, username: string): void {
    this.addLog(client, 'auth', client.inMulti ? 'multi' : 'toplevel', 'AUTH', username);
  }

  addLog(client: Client, reason: AclLogEntry['reason'], context: AclLogEntry['context'], object: string, username: string): void {
    if (this.logMaxLen <= 0) return;
    const now = Date.now();
    const clientInfo = this.clientInfo(client);
    const at = this.log.findIndex(
      (e) => e.reason === reason && e.context === context && e.object === object && e.username === username && now - e.ctime < LOG_GROUPING_MS,
    );
    if (at !== -1) {
      const e = this.log[at];
      e.count++;
      e.ctime = now;
      e.clientInfo = clientInfo;
      this.log.splice(at, 1);
      this.log.unshift(e);
      return;
    }
    this.log.unshift({ count: 1, reason, context, object, username, ctime: now, clientInfo });
    if (this.log.length > this.logMaxLen) this.log.length = this.logMaxLen;
  }

  /** A fresh user as ACL SETUSER creates it: off, no passwords, no commands, no keys. */
  newUser(name: string): User {
    const u = new User(name);
    if (this.pubsubDefaultAll) u.root.allChannels = true;
    return u;
  }

  /**
   * ACL SETUSER: applies the rules to a copy of the user (created if missing) and
   * commits only when every rule applied. Throws Error with Redis's message.
   */
  setUser(name: string, ops: string[]): User {
    if (name.includes(' ') || name.includes('\0')) throw new Error("ERR Usernames can't contain spaces or null characters");
    const merged = mergeSelectorArgs(ops);
    const existing = this.users.get(name);
    const user = existing ? existing.clone() : this.newUser(name);
    for (const op of merged) {
      try {
        this.applyUserRule(user, op);
      } catch (e) {
        if (e instanceof AclRuleError) throw new Error(`ERR Error in ACL SETUSER modifier '${op}': ${e.message}`);
        throw e;
      }
    }
    user.unrestricted = user.root.unrestricted;
    this.users.set(name, user);
    this.updateFastPath();
    return user;
  }

  private applyUserRule(user: User, op: string): void {
    const lower = op.toLowerCase();
    if (op.startsWith('(') && op.endsWith(')')) {
      const s = new Selector();
      for (const rule of selectorRules(op)) s.apply(rule);
      user.selectors.push(s);
      return;
    }
    switch (lower) {
      case 'on':
        user.enabled = true;
        return;
      case 'off':
        user.enabled = false;
        return;
      case 'nopass':
        user.nopass = true;
        user.passwords.clear();
        return;
      case 'resetpass':
        user.nopass = false;
        user.passwords.clear();
        return;
      case 'sanitize-payload':
      case 'skip-sanitize-payload':
        user.sanitizePayload = lower;
        return;
      case 'clearselectors':
        user.selectors = [];
        return;
      case 'reset':
        user.nopass = false;
        user.passwords.clear();
        user.root = new Selector();
        if (this.pubsubDefaultAll) user.root.allChannels = true;
        user.enabled = false;
        user.sanitizePayload = 'sanitize-payload';
        user.selectors = [];
        return;
    }
    switch (op[0]) {
      case '>':
        user.passwords.add(sha256hex(Buffer.from(op.slice(1), 'latin1')));
        user.nopass = false;
        return;
      case '#':
        user.passwords.add(checkHash(op.slice(1)));
        user.nopass = false;
        return;
      case '<': {
        const h = sha256hex(Buffer.from(op.slice(1), 'latin1'));
        if (!user.passwords.delete(h)) throw new AclRuleError(AclRuleErrors.noSuchPassword);
        return;
      }
      case '!':
        if (!user.passwords.delete(checkHash(op.slice(1)))) throw new AclRuleError(AclRuleErrors.noSuchPassword);
        return;
    }
    user.root.apply(op);
  }

  /** ACL DELUSER: true when the user existed. The default user cannot go (checked by the caller). */
  deleteUser(name: string): boolean {
    const deleted = this.users.delete(name);
    this.updateFastPath();
    return deleted;
  }

  private updateFastPath(): void {
    let all = true;
    for (const u of this.users.values()) all &&= u.unrestricted;
    this.everyoneUnrestricted = all;
  }
}

function checkHash(h: string): string {
  if (!/^[0-9a-f]{64}$/.test(h)) throw new AclRuleError(AclRuleErrors.badHash);
  return h;
}

/**
 * Joins a selector given over several arguments ("(+get", "~x)") into one, as Redis's
 * ACLMergeSelectorArguments does; an unclosed "(" is an error.
 */
function mergeSelectorArgs(ops: string[]): string[] {
  const out: string[] = [];
  let open: string | null = null;
  let opening = '';
  for (const op of ops) {
    if (open !== null) {
      open += ' ' + op;
      if (op.endsWith(')')) {
        out.push(open);
        open = null;
      }
    } else if (op.startsWith('(') && !op.endsWith(')')) {
      open = op;
      opening = op;
    } else {
      out.push(op);
    }
  }
  if (open !== null) throw new Error(`ERR Unmatched parenthesis in acl selector starting at '${opening}'.`);
  return out;
}
