// CONFIG parameters as one declarative table: name, type, default, limits, and what
// applying a value does. CONFIG GET/SET read and write it, the CLI flags of
// `cove server` seed it, and INFO reads it.
//
// Parameters Cove does not act on (persistence, cluster, TLS file paths) are still
// accepted and stored with redis-server 7.0's defaults, so that tools and the
// upstream test harness that read or set them work; docs/ lists which ones act.

import { CommandError } from '../protocol/resp/errors.js';
import { globMatch } from '../commands/helpers.js';

export type ParamType = 'int' | 'memory' | 'bool' | 'enum' | 'string' | 'float' | 'special';

export interface ConfigParam {
  name: string;
  aliases?: string[];
  type: ParamType;
  default: string;
  values?: string[]; // enum values
  min?: number;
  max?: number;
  /** Set only at startup. */
  immutable?: boolean;
  /** Refused by CONFIG SET unless enable-protected-configs (Redis "protected" configs). */
  protectedConfig?: boolean;
  /** Left out of CONFIG GET patterns (a test/debug knob), shown only when asked by name. */
  hidden?: boolean;
  /** True when several enum values may be given, space-separated (e.g. notify flags handled as string). */
  multi?: boolean;
  /** Validates and canonicalizes a 'special' value; throws Error(reason) as Redis words it. */
  normalize?: (value: string, current: string) => string;
  /** Values above this are stored as this (Redis clamps hz to 500). */
  clamp?: number;
  /** A memory value that may also be a percentage of maxmemory ("10%"). */
  percent?: boolean;
}

const GB = 1024 * 1024 * 1024;
const MB = 1024 * 1024;

// The defaults are redis-server 7.0.15's (CONFIG GET * on Debian's package).
export const CONFIG_TABLE: ConfigParam[] = [
  { name: 'bind', type: 'string', default: '127.0.0.1 -::1' },
  { name: 'port', type: 'int', default: '6379', min: 0, max: 65535, immutable: true },
  { name: 'protected-mode', type: 'bool', default: 'yes' },
  { name: 'requirepass', type: 'string', default: '' },
  { name: 'masterauth', type: 'string', default: '' },
  { name: 'masteruser', type: 'string', default: '' },
  { name: 'maxclients', type: 'int', default: '10000', min: 1, max: 4294967295 },
  { name: 'timeout', type: 'int', default: '0', min: 0, max: 2147483647 },
  { name: 'tcp-keepalive', type: 'int', default: '300', min: 0, max: 2147483647 },
  { name: 'tcp-backlog', type: 'int', default: '511', immutable: true },
  { name: 'databases', type: 'int', default: '16', min: 1, max: 2147483647, immutable: true },
  { name: 'maxmemory', type: 'memory', default: '0', min: 0 },
  {
    name: 'maxmemory-policy',
    type: 'enum',
    default: 'noeviction',
    values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
  },
  { name: 'maxmemory-samples', type: 'int', default: '5', min: 1, max: 64 },
  { name: 'maxmemory-eviction-tenacity', type: 'int', default: '10', min: 0, max: 100 },
  { name: 'maxmemory-clients', type: 'memory', default: '0', percent: true },
  { name: 'lfu-log-factor', type: 'int', default: '10', min: 0, max: 2147483647 },
  { name: 'lfu-decay-time', type: 'int', default: '1', min: 0, max: 2147483647 },
  { name: 'proto-max-bulk-len', type: 'memory', default: String(512 * MB), min: 1024 * 1024, max: Number.MAX_SAFE_INTEGER },
  { name: 'client-query-buffer-limit', type: 'memory', default: String(GB), min: 1024 * 1024, max: Number.MAX_SAFE_INTEGER },
  { name: 'client-output-buffer-limit', type: 'special', default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60', normalize: checkOutputBufferLimit },
  { name: 'notify-keyspace-events', type: 'special', default: '', normalize: canonicalNotifyFlags },
  { name: 'slowlog-log-slower-than', type: 'int', default: '10000', min: -1, max: Number.MAX_SAFE_INTEGER },
  { name: 'slowlog-max-len', type: 'int', default: '128', min: 0, max: Number.MAX_SAFE_INTEGER },
  { name: 'latency-monitor-threshold', type: 'int', default: '0', min: 0, max: Number.MAX_SAFE_INTEGER },
  { name: 'latency-tracking', type: 'bool', default: 'yes' },
  { name: 'latency-tracking-info-percentiles', type: 'special', default: '50 99 99.9', normalize: checkPercentiles },
  { name: 'acllog-max-len', type: 'int', default: '128', min: 0, max: 2147483647 },
  { name: 'acl-pubsub-default', type: 'enum', default: 'resetchannels', values: ['allchannels', 'resetchannels'] },
  { name: 'aclfile', type: 'string', default: '', immutable: true },
  { name: 'busy-reply-threshold', aliases: ['lua-time-limit'], type: 'int', default: '5000', min: 0, max: Number.MAX_SAFE_INTEGER },
  { name: 'hash-max-listpack-entries', aliases: ['hash-max-ziplist-entries'], type: 'int', default: '128', min: 0 },
  { name: 'hash-max-listpack-value', aliases: ['hash-max-ziplist-value'], type: 'int', default: '64', min: 0 },
  { name: 'list-max-listpack-size', aliases: ['list-max-ziplist-size'], type: 'int', default: '-2', min: -2147483648, max: 2147483647 },
  { name: 'list-compress-depth', type: 'int', default: '0', min: 0 },
  { name: 'set-max-intset-entries', type: 'int', default: '512', min: 0 },
  { name: 'set-max-listpack-entries', type: 'int', default: '128', min: 0 },
  { name: 'set-max-listpack-value', type: 'int', default: '64', min: 0 },
  { name: 'zset-max-listpack-entries', aliases: ['zset-max-ziplist-entries'], type: 'int', default: '128', min: 0 },
  { name: 'zset-max-listpack-value', aliases: ['zset-max-ziplist-value'], type: 'int', default: '64', min: 0 },
  { name: 'hll-sparse-max-bytes', type: 'memory', default: '3000', min: 0 },
  { name: 'stream-node-max-bytes', type: 'memory', default: '4096', min: 0 },
  { name: 'stream-node-max-entries', type: 'int', default: '100', min: 0 },
  { name: 'activerehashing', type: 'bool', default: 'yes' },
  { name: 'active-expire-effort', type: 'int', default: '1', min: 1, max: 10 },
  { name: 'hz', type: 'int', default: '10', min: 0, max: 2147483647, clamp: 500 },
  { name: 'dynamic-hz', type: 'bool', default: 'yes' },
  { name: 'lazyfree-lazy-eviction', type: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-expire', type: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-server-del', type: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-user-del', type: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-user-flush', type: 'bool', default: 'no' },
  { name: 'replica-lazy-flush', aliases: ['slave-lazy-flush'], type: 'bool', default: 'no' },
  { name: 'replica-read-only', aliases: ['slave-read-only'], type: 'bool', default: 'yes' },
  { name: 'replica-serve-stale-data', aliases: ['slave-serve-stale-data'], type: 'bool', default: 'yes' },
  { name: 'replica-priority', aliases: ['slave-priority'], type: 'int', default: '100', min: 0 },
  { name: 'repl-backlog-size', type: 'memory', default: String(MB), min: 1 },
  { name: 'repl-backlog-ttl', type: 'int', default: '3600', min: 0 },
  { name: 'repl-timeout', type: 'int', default: '60', min: 1 },
  { name: 'repl-ping-replica-period', aliases: ['repl-ping-slave-period'], type: 'int', default: '10', min: 1 },
  { name: 'repl-diskless-sync', type: 'bool', default: 'yes' },
  { name: 'repl-diskless-sync-delay', type: 'int', default: '5', min: 0 },
  { name: 'repl-diskless-sync-max-replicas', type: 'int', default: '0', min: 0 },
  { name: 'repl-diskless-load', type: 'enum', default: 'disabled', values: ['disabled', 'on-empty-db', 'swapdb'] },
  { name: 'repl-disable-tcp-nodelay', type: 'bool', default: 'no' },
  { name: 'min-replicas-to-write', aliases: ['min-slaves-to-write'], type: 'int', default: '0', min: 0 },
  { name: 'min-replicas-max-lag', aliases: ['min-slaves-max-lag'], type: 'int', default: '10', min: 0 },
  { name: 'save', type: 'special', default: '', normalize: checkSave },
  { name: 'appendonly', type: 'bool', default: 'no' },
  { name: 'appendfsync', type: 'enum', default: 'everysec', values: ['always', 'everysec', 'no'] },
  { name: 'appendfilename', type: 'string', default: 'appendonly.aof', immutable: true },
  { name: 'appenddirname', type: 'string', default: 'appendonlydir', immutable: true },
  { name: 'dbfilename', type: 'string', default: 'dump.rdb', protectedConfig: true },
  { name: 'dir', type: 'string', default: '/var/lib/redis', protectedConfig: true },
  { name: 'rdbcompression', type: 'bool', default: 'yes' },
  { name: 'rdbchecksum', type: 'bool', default: 'yes' },
  { name: 'rdb-key-save-delay', type: 'int', default: '0', hidden: true },
  { name: 'key-load-delay', type: 'int', default: '0', hidden: true },
  { name: 'replicaof', aliases: ['slaveof'], type: 'string', default: '', immutable: true },
  { name: 'stop-writes-on-bgsave-error', type: 'bool', default: 'yes' },
  { name: 'sanitize-dump-payload', type: 'enum', default: 'no', values: ['no', 'yes', 'clients'] },
  { name: 'loglevel', type: 'enum', default: 'notice', values: ['debug', 'verbose', 'notice', 'warning', 'nothing'] },
  { name: 'logfile', type: 'string', default: '', immutable: true },
  { name: 'syslog-enabled', type: 'bool', default: 'no', immutable: true },
  { name: 'daemonize', type: 'bool', default: 'no', immutable: true },
  { name: 'pidfile', type: 'string', default: '', immutable: true },
  { name: 'io-threads', type: 'int', default: '1', immutable: true },
  { name: 'io-threads-do-reads', type: 'bool', default: 'no', immutable: true },
  { name: 'enable-debug-command', type: 'enum', default: 'no', values: ['no', 'yes', 'local'], immutable: true },
  { name: 'enable-module-command', type: 'enum', default: 'no', values: ['no', 'yes', 'local'], immutable: true },
  { name: 'enable-protected-configs', type: 'enum', default: 'no', values: ['no', 'yes', 'local'], immutable: true },
  { name: 'cluster-enabled', type: 'bool', default: 'no', immutable: true },
  { name: 'tls-port', type: 'int', default: '0' },
  { name: 'tls-replication', type: 'bool', default: 'no' },
  { name: 'tls-auth-clients', type: 'enum', default: 'yes', values: ['no', 'yes', 'optional'] },
  { name: 'tls-cert-file', type: 'string', default: '' },
  { name: 'tls-key-file', type: 'string', default: '' },
  { name: 'tls-ca-cert-file', type: 'string', default: '' },
  { name: 'tracking-table-max-keys', type: 'int', default: '1000000', min: 0 },
  { name: 'lua-replicate-commands', type: 'bool', default: 'yes' },
  { name: 'oom-score-adj', type: 'enum', default: 'no', values: ['no', 'yes', 'relative', 'absolute'] },
  { name: 'oom-score-adj-values', type: 'string', default: '0 200 800' },
  { name: 'active-defrag-threshold-lower', type: 'int', default: '10' },
  { name: 'active-defrag-threshold-upper', type: 'int', default: '100' },
  { name: 'active-defrag-ignore-bytes', type: 'memory', default: '104857600' },
  { name: 'active-defrag-cycle-min', type: 'int', default: '1' },
  { name: 'active-defrag-cycle-max', type: 'int', default: '25' },
  { name: 'activedefrag', type: 'bool', default: 'no' },
  { name: 'jemalloc-bg-thread', type: 'bool', default: 'yes' },
  { name: 'close-on-replica-write', type: 'bool', default: 'yes' },
  { name: 'crash-log-enabled', type: 'bool', default: 'yes' },
  { name: 'crash-memcheck-enabled', type: 'bool', default: 'yes' },
  { name: 'set-proc-title', type: 'bool', default: 'yes' },
  { name: 'disable-thp', type: 'bool', default: 'yes' },
  { name: 'shutdown-timeout', type: 'int', default: '10' },
  { name: 'shutdown-on-sigint', type: 'string', default: 'default' },
  { name: 'shutdown-on-sigterm', type: 'string', default: 'default' },
  { name: 'propagation-error-behavior', type: 'enum', default: 'ignore', values: ['ignore', 'panic', 'panic-on-replicas'] },
  { name: 'replica-ignore-disk-write-errors', type: 'bool', default: 'no' },
  { name: 'cluster-announce-ip', type: 'string', default: '' },
  { name: 'unixsocket', type: 'string', default: '', immutable: true },
  { name: 'unixsocketperm', type: 'int', default: '0', immutable: true },
  { name: 'supervised', type: 'enum', default: 'no', values: ['upstart', 'systemd', 'auto', 'no'], immutable: true },
  { name: 'always-show-logo', type: 'bool', default: 'no', immutable: true },
  { name: 'locale-collate', type: 'string', default: '' },
];

const BY_NAME = new Map<string, ConfigParam>();
for (const p of CONFIG_TABLE) {
  BY_NAME.set(p.name, p);
  for (const a of p.aliases ?? []) BY_NAME.set(a, p);
}

/** Parses "1gb", "100mb", "512k", "1024" as Redis's memtoull does. Null when invalid. */
export function parseMemory(s: string): number | null {
  const m = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mul: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1000 * 1000, mb: MB, g: 1000 * 1000 * 1000, gb: GB };
  return n * mul[unit];
}

export type ConfigListener = (name: string, value: string) => void;

/** A node's configuration values. */
export class Config {
  private readonly values = new Map<string, string>();
  private readonly listeners: ConfigListener[] = [];

  constructor(overrides: Record<string, string> = {}) {
    for (const p of CONFIG_TABLE) this.values.set(p.name, p.default);
    for (const [k, v] of Object.entries(overrides)) {
      const p = BY_NAME.get(k);
      if (!p) throw new Error(`unknown config parameter '${k}'`);
      this.values.set(p.name, this.normalize(p, v));
    }
  }

  onChange(fn: ConfigListener): void {
    this.listeners.push(fn);
  }

  get(name: string): string {
    const p = BY_NAME.get(name);
    if (!p) throw new Error(`unknown config ${name}`);
    return this.values.get(p.name)!;
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /** CONFIG GET: pairs for every parameter (or alias) matching any pattern. */
  match(patterns: string[]): [string, string][] {
    const out = new Map<string, string>();
    for (const pat of patterns) {
      const lp = pat.toLowerCase();
      const exact = BY_NAME.get(lp);
      if (exact && !/[*?[]/.test(lp)) {
        out.set(pat, this.values.get(exact.name)!); // named as asked, as Redis 7.0 does
        continue;
      }
      for (const p of CONFIG_TABLE) {
        if (p.hidden) continue;
        if (globMatch(lp, p.name)) out.set(p.name, this.values.get(p.name)!);
        for (const a of p.aliases ?? []) if (globMatch(lp, a)) out.set(a, this.values.get(p.name)!);
      }
    }
    return [...out.entries()];
  }

  /**
   * CONFIG SET name value [name value ...]: all-or-nothing. Throws CommandError with
   * Redis's wording for unknown, immutable, duplicate or invalid parameters.
   */
  set(pairs: [string, string][], fromStartup = false): void {
    const staged: [ConfigParam, string][] = [];
    const seen = new Set<string>();
    for (const [rawName, value] of pairs) {
      const name = rawName.toLowerCase();
      const p = BY_NAME.get(name);
      if (!p) throw new CommandError(`ERR Unknown option or number of arguments for CONFIG SET - '${rawName}'`);
      if (seen.has(p.name)) throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${rawName}') - duplicate parameter`);
      seen.add(p.name);
      // Setting an immutable parameter to the value it has is a no-op (CONFIG sanity
      // round trips work); changing it is refused.
      if (p.immutable && !fromStartup && value !== this.values.get(p.name)) {
        throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${rawName}') - can't set immutable config`);
      }
      if (p.protectedConfig && !fromStartup && this.get('enable-protected-configs') === 'no') {
        throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${rawName}') - can't set protected config`);
      }
      let normalized: string;
      try {
        normalized = this.normalize(p, value);
      } catch (e) {
        throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${rawName}') - ${(e as Error).message}`);
      }
      staged.push([p, normalized]);
    }
    for (const [p, v] of staged) {
      this.values.set(p.name, v);
      for (const fn of this.listeners) fn(p.name, v);
    }
  }

  private normalize(p: ConfigParam, value: string): string {
    switch (p.type) {
      case 'bool': {
        const v = value.toLowerCase();
        if (v !== 'yes' && v !== 'no') throw new Error('argument must be \'yes\' or \'no\'');
        return v;
      }
      case 'enum': {
        const v = value.toLowerCase();
        if (!p.values!.includes(v)) throw new Error(`argument(s) must be one of the following: ${p.values!.join(', ')}`);
        return v;
      }
      case 'int': {
        if (!/^-?\d+$/.test(value)) throw new Error('argument couldn\'t be parsed into an integer');
        const n = Number(value);
        if ((p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max)) {
          throw new Error(`argument must be between ${p.min ?? -2147483648} and ${p.max ?? 2147483647} inclusive`);
        }
        return String(p.clamp !== undefined && n > p.clamp ? p.clamp : n);
      }
      case 'memory': {
        if (p.percent && /^\d+%$/.test(value)) {
          if (Number(value.slice(0, -1)) > 100) throw new Error('percentage argument must be less or equal to 100');
          return value;
        }
        const n = parseMemory(value);
        if (n === null) throw new Error(p.percent ? 'argument must be a memory or percent value' : 'argument must be a memory value');
        if (p.min !== undefined && n < p.min) throw new Error(`argument must be between ${p.min} and ${p.max ?? 'LLONG_MAX'} inclusive`);
        return String(n);
      }
      case 'float': {
        if (Number.isNaN(Number(value))) throw new Error('argument couldn\'t be parsed into a float');
        return value;
      }
      default:
        return p.normalize ? p.normalize(value, this.values.get(p.name) ?? p.default) : value;
    }
  }
}

/** notify-keyspace-events letters, checked and written back in Redis's canonical order. */
function canonicalNotifyFlags(value: string): string {
  const all = 'g$lshzxetd';
  const seen = new Set<string>();
  for (const ch of value) {
    if (ch === 'A') for (const c of all) seen.add(c);
    else if ('g$lshzxeKEtmdn'.includes(ch)) seen.add(ch);
    else throw new Error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  }
  let out = '';
  if ([...all].every((c) => seen.has(c))) out = 'A';
  else for (const c of 'g$lshzxetdn') if (seen.has(c)) out += c;
  for (const c of 'KEm') if (seen.has(c)) out += c;
  return out;
}

/** save "<seconds> <changes> ...": pairs of non-negative integers, or "". */
function checkSave(value: string): string {
  const parts = value.split(' ').filter((x) => x !== '');
  if (parts.length % 2 !== 0 || parts.some((x) => !/^\d+$/.test(x))) throw new Error('Invalid save parameters');
  return parts.join(' ');
}

/**
 * client-output-buffer-limit "<class> <hard> <soft> <seconds> ...": the classes given
 * replace those in the current value; written back in bytes, in Redis's class order.
 */
function checkOutputBufferLimit(value: string, current: string): string {
  const parts = value.split(' ').filter((x) => x !== '');
  if (parts.length % 4 !== 0) throw new Error('Wrong number of arguments in buffer limit configuration.');
  const classes = new Map<string, string[]>();
  const cur = current.split(' ').filter((x) => x !== '');
  for (let i = 0; i + 3 < cur.length; i += 4) classes.set(cur[i], cur.slice(i + 1, i + 4));
  for (let i = 0; i < parts.length; i += 4) {
    let cls = parts[i].toLowerCase();
    if (cls === 'replica') cls = 'slave';
    if (!['normal', 'slave', 'pubsub'].includes(cls)) throw new Error('Invalid client class specified in buffer limit configuration.');
    const hard = parseMemory(parts[i + 1]);
    const soft = parseMemory(parts[i + 2]);
    if (hard === null || soft === null || !/^\d+$/.test(parts[i + 3])) {
      throw new Error('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    }
    classes.set(cls, [String(hard), String(soft), String(Number(parts[i + 3]))]);
  }
  return ['normal', 'slave', 'pubsub'].map((c) => [c, ...(classes.get(c) ?? ['0', '0', '0'])].join(' ')).join(' ');
}

/** latency-tracking-info-percentiles: space-separated numbers from 0 to 100. */
function checkPercentiles(value: string): string {
  const parts = value.split(' ').filter((x) => x !== '');
  for (const x of parts) {
    const n = Number(x);
    if (Number.isNaN(n)) throw new Error('Invalid latency-tracking-info-percentiles parameters');
    if (n < 0 || n > 100) throw new Error('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
  }
  return parts.map((x) => String(Number(x))).join(' '); // "50.0" reads back as "50", as in Redis
}
