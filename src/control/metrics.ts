// /metrics: the control plane's view of every cache node, NAT gateway and API action
// in the Prometheus text exposition format 0.0.4.
//
// Node figures come from the node itself (Valkey/Redis `INFO all`, memcached `stats`)
// over its management unix socket, never over its TCP address: that path is customer
// traffic, which security groups guard and a rule could close (management.ts). A
// scrape is kept for a moment and shared by concurrent callers, so a console that
// polls from several tabs costs the nodes one exchange per node per CACHE_MS.
//
// Names follow Prometheus habits (`_total` for counters, base units); the console
// maps them onto ElastiCache's CloudWatch names (CurrConnections, CacheHits, ...).

import { exchange } from './management.js';
import type { CacheCluster, Engine } from './model.js';
import type { GatewayCounters } from '../gateway/gateway.js';

/** How long one scrape answers /metrics. */
export const CACHE_MS = 1000;
/** Per node: a node slower than this counts as down for the scrape. */
const NODE_TIMEOUT_MS = 1000;
/** Distinct (service, action, code) series kept; more are folded into action="other". */
const MAX_API_SERIES = 2000;

// ---- API requests --------------------------------------------------------------------

/** Requests the API answered, by service, action and HTTP status (fed by src/api/http.ts). */
export class ApiRequestCounts {
  private readonly counts = new Map<string, { service: string; action: string; code: number; n: number }>();

  count = (service: string, action: string, code: number): void => {
    let key = `${service}\0${action}\0${code}`;
    let e = this.counts.get(key);
    if (!e && this.counts.size >= MAX_API_SERIES) {
      action = 'other';
      key = `${service}\0${action}\0${code}`;
      e = this.counts.get(key);
    }
    if (e) e.n++;
    else this.counts.set(key, { service, action, code, n: 1 });
  };

  entries(): { service: string; action: string; code: number; n: number }[] {
    return [...this.counts.values()];
  }
}

// ---- node stats ----------------------------------------------------------------------

/** What one node reports, in engine-neutral terms. */
export interface NodeSample {
  account: string;
  cluster: string;
  node: string;
  engine: Engine;
  up: boolean;
  error?: string;
  connections?: number;
  connectionsTotal?: number;
  commands?: Map<string, number>;
  hits?: number;
  misses?: number;
  evictions?: number;
  memoryBytes?: number;
  items?: number;
  /** Valkey/Redis only. */
  role?: 'primary' | 'replica';
  replicationLagSeconds?: number;
  replicationLagBytes?: number;
  /** Internal: for matching a replica to its primary. */
  replOffset?: number;
  primaryOf?: string;
  addresses?: string[];
  /** Internal, primaries: each replica's ip:port and lag (seconds since its last ack). */
  replicaLags?: Map<string, number>;
}

/** `name:value` lines of an INFO reply (sections and blanks skipped). */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/** `STAT name value` lines of a memcached stats reply. */
export function parseStats(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const m = /^STAT (\S+) (.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

const num = (v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** Memcached `stats` → a sample. `cmd_set` counts every storage command, as memcached does. */
export function memcachedSample(base: Pick<NodeSample, 'account' | 'cluster' | 'node' | 'engine'>, s: Map<string, string>): NodeSample {
  const n = (k: string) => num(s.get(k)) ?? 0;
  const commands = new Map<string, number>([
    ['get', n('cmd_get')],
    ['set', n('cmd_set')],
    ['touch', n('cmd_touch')],
    ['flush', n('cmd_flush')],
    ['meta', n('cmd_meta')],
    ['delete', n('delete_hits') + n('delete_misses')],
    ['incr', n('incr_hits') + n('incr_misses')],
    ['decr', n('decr_hits') + n('decr_misses')],
    ['cas', n('cas_hits') + n('cas_misses') + n('cas_badval')],
  ]);
  return {
    ...base,
    up: true,
    // The scrape's own management connection is not a client.
    connections: Math.max(0, n('curr_connections') - 1),
    connectionsTotal: n('total_connections'),
    commands,
    hits: n('get_hits'),
    misses: n('get_misses'),
    evictions: n('evictions'),
    memoryBytes: n('bytes'),
    items: n('curr_items'),
  };
}

/** Valkey/Redis `INFO all` → a sample. */
export function valkeySample(base: Pick<NodeSample, 'account' | 'cluster' | 'node' | 'engine'>, info: Map<string, string>): NodeSample {
  const n = (k: string) => num(info.get(k)) ?? 0;
  const commands = new Map<string, number>();
  for (const [k, v] of info) {
    if (!k.startsWith('cmdstat_')) continue;
    const calls = /(?:^|,)calls=(\d+)/.exec(v);
    // The scrape's own INFO is not a customer command.
    const name = k.slice('cmdstat_'.length);
    if (calls) commands.set(name, Number(calls[1]) - (name === 'info' ? 1 : 0));
  }
  let items = 0;
  for (const [k, v] of info) {
    const m = /^db\d+$/.test(k) ? /(?:^|,)keys=(\d+)/.exec(v) : null;
    if (m) items += Number(m[1]);
  }
  const sample: NodeSample = {
    ...base,
    up: true,
    connections: Math.max(0, n('connected_clients') - 1),
    connectionsTotal: n('total_connections_received'),
    commands,
    hits: n('keyspace_hits'),
    misses: n('keyspace_misses'),
    evictions: n('evicted_keys'),
    memoryBytes: n('used_memory'),
    items,
    role: info.get('role') === 'slave' ? 'replica' : 'primary',
    replOffset: num(info.get('role') === 'slave' ? info.get('slave_repl_offset') : info.get('master_repl_offset')),
  };
  if (sample.role === 'replica') {
    // Without the primary's word (linkReplicas), the replica's own: seconds since the
    // primary was last heard from (it pings every 10 s and streams every write), or
    // since the link went down.
    const up = info.get('master_link_status') === 'up';
    sample.replicationLagSeconds = up ? n('master_last_io_seconds_ago') : Math.max(0, n('master_link_down_since_seconds'));
    sample.primaryOf = `${info.get('master_host') ?? ''}:${info.get('master_port') ?? ''}`;
  } else {
    sample.replicaLags = new Map();
    for (const [k, v] of info) {
      const m = /^slave\d+$/.test(k) ? /ip=([^,]*),port=(\d+),.*lag=(\d+)/.exec(v) : null;
      if (m) sample.replicaLags.set(`${m[1]}:${m[2]}`, Number(m[3]));
    }
  }
  return sample;
}

/** RESP `INFO all` request, and whether a reply is whole (a bulk string, or an error line). */
const INFO_REQUEST = '*2\r\n$4\r\nINFO\r\n$3\r\nall\r\n';
function bulkDone(reply: string): boolean {
  if (reply.startsWith('-')) return reply.includes('\r\n');
  const nl = reply.indexOf('\r\n');
  if (nl === -1 || reply[0] !== '$') return false;
  const len = Number(reply.slice(1, nl));
  return Buffer.byteLength(reply, 'latin1') >= nl + 2 + len + 2;
}

/** AUTH (when the node's group has a token) then INFO all, as one pipeline. */
function infoRequest(auth: string | undefined): { request: string; done: (t: string) => boolean; body: (t: string) => string } {
  if (!auth) return { request: INFO_REQUEST, done: bulkDone, body: (t) => t };
  const request = `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(auth, 'latin1')}\r\n${auth}\r\n` + INFO_REQUEST;
  const rest = (t: string) => {
    const nl = t.indexOf('\r\n');
    return nl === -1 ? null : t.startsWith('-') ? t : t.slice(nl + 2);
  };
  return { request, done: (t) => (rest(t) === null ? false : bulkDone(rest(t)!)), body: (t) => rest(t) ?? t };
}

/** Reads one node's figures over its management socket; `auth` is its replication group's AUTH token. */
export async function sampleNode(cluster: CacheCluster, nodeId: string, socket: string, addresses: string[], auth?: string): Promise<NodeSample> {
  const base = { account: cluster.account, cluster: cluster.id, node: nodeId, engine: cluster.engine };
  try {
    if (cluster.engine === 'memcached') {
      const reply = await exchange({ path: socket }, 'stats\r\n', (t) => t.endsWith('END\r\n') || /^(ERROR|CLIENT_ERROR|SERVER_ERROR)/.test(t), NODE_TIMEOUT_MS);
      if (!reply.endsWith('END\r\n')) return { ...base, up: false, error: reply.trim() };
      return { ...memcachedSample(base, parseStats(reply)), addresses };
    }
    const info = infoRequest(auth);
    const reply = info.body(await exchange({ path: socket }, info.request, info.done, NODE_TIMEOUT_MS));
    if (reply.startsWith('-')) return { ...base, up: false, error: reply.slice(1).trim() };
    const body = reply.slice(reply.indexOf('\r\n') + 2);
    return { ...valkeySample(base, parseInfo(body)), addresses };
  } catch (e) {
    return { ...base, up: false, error: (e as Error).message };
  }
}

/**
 * A replica's lag as its primary sees it, when the primary was scraped too: seconds
 * since the replica last acknowledged (replicas ack every second; what Redis's INFO
 * calls lag), and the bytes of the stream the replica has not applied yet.
 */
export function linkReplicas(samples: NodeSample[]): void {
  const byAddress = new Map<string, NodeSample>();
  for (const s of samples) if (s.role === 'primary') for (const a of s.addresses ?? []) byAddress.set(a, s);
  for (const s of samples) {
    if (s.role !== 'replica' || !s.primaryOf) continue;
    const p = byAddress.get(s.primaryOf);
    if (!p) continue;
    if (p.replOffset !== undefined && s.replOffset !== undefined) s.replicationLagBytes = Math.max(0, p.replOffset - s.replOffset);
    const acked = (s.addresses ?? []).map((a) => p.replicaLags?.get(a)).find((x) => x !== undefined);
    if (acked !== undefined) s.replicationLagSeconds = acked;
  }
}

// ---- exposition ------------------------------------------------------------------------

export interface NatSample {
  account: string;
  instanceId: string;
  publicIp: string;
  counters: GatewayCounters;
}

export interface MetricsSources {
  clusters(): CacheCluster[];
  /** The AUTH token a Valkey/Redis cluster's nodes require, if any. */
  authToken(cluster: CacheCluster): string | undefined;
  nats(): NatSample[];
  api: ApiRequestCounts;
}

/** Escapes a label value (backslash, double quote, newline), as the format requires. */
export function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(l: Record<string, string | number>): string {
  return '{' + Object.entries(l).map(([k, v]) => `${k}="${labelValue(String(v))}"`).join(',') + '}';
}

/** Accumulates families: HELP and TYPE once, then their samples, in first-seen order. */
class Exposition {
  private readonly families = new Map<string, { help: string; type: string; lines: string[] }>();

  add(name: string, type: 'gauge' | 'counter', help: string, l: Record<string, string | number>, value: number | undefined): void {
    if (value === undefined || !Number.isFinite(value)) return;
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { help, type, lines: [] }));
    f.lines.push(`${name}${labels(l)} ${value}`);
  }

  declare(name: string, type: 'gauge' | 'counter', help: string): void {
    if (!this.families.has(name)) this.families.set(name, { help, type, lines: [] });
  }

  text(): string {
    let out = '';
    for (const [name, f] of this.families) {
      out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n`;
      for (const l of f.lines) out += l + '\n';
    }
    return out;
  }
}

export function render(nodes: NodeSample[], nats: NatSample[], api: ApiRequestCounts): string {
  const x = new Exposition();
  for (const s of nodes) {
    const l = { account: s.account, cluster: s.cluster, node: s.node, engine: s.engine };
    x.add('cove_node_up', 'gauge', 'Whether the node answered the scrape over its management socket.', l, s.up ? 1 : 0);
    if (!s.up) continue;
    x.add('cove_node_connections', 'gauge', 'Client connections open now (CurrConnections).', l, s.connections);
    x.add('cove_node_connections_received_total', 'counter', 'Client connections accepted since the node started (NewConnections).', l, s.connectionsTotal);
    for (const [command, n] of s.commands ?? []) {
      x.add('cove_node_commands_total', 'counter', 'Commands processed, by type (Valkey: INFO commandstats; memcached: stats cmd_*).', { ...l, command }, n);
    }
    x.add('cove_node_hits_total', 'counter', 'Successful key lookups (CacheHits).', l, s.hits);
    x.add('cove_node_misses_total', 'counter', 'Unsuccessful key lookups (CacheMisses).', l, s.misses);
    x.add('cove_node_evictions_total', 'counter', 'Keys evicted under the memory limit (Evictions).', l, s.evictions);
    x.add('cove_node_memory_bytes', 'gauge', 'Memory used for the cache (BytesUsedForCache).', l, s.memoryBytes);
    x.add('cove_node_items', 'gauge', 'Keys or items stored (CurrItems).', l, s.items);
    if (s.role) x.add('cove_node_replica', 'gauge', 'Whether the node is a replica (1) or a primary (0).', l, s.role === 'replica' ? 1 : 0);
    x.add('cove_node_replication_lag_seconds', 'gauge', 'Replicas: seconds since the primary was last heard from (ReplicationLag).', l, s.replicationLagSeconds);
    x.add('cove_node_replication_lag_bytes', 'gauge', "Replicas: bytes of the primary's replication stream not yet applied.", l, s.replicationLagBytes);
  }
  for (const n of nats) {
    const l = { account: n.account, instance: n.instanceId, public_ip: n.publicIp };
    x.add('cove_nat_connections', 'gauge', 'Forwarded connections open now.', l, n.counters.active);
    x.add('cove_nat_connections_total', 'counter', 'Connections forwarded to a node.', l, n.counters.accepted);
    x.add('cove_nat_rejected_total', 'counter', 'Connections refused (security group, DNAT source, forwarding off).', l, n.counters.rejected);
    x.add('cove_nat_bytes_total', 'counter', 'Bytes relayed, in (client to node) and out (node to client), counted when a connection ends.', { ...l, direction: 'in' }, n.counters.bytesIn);
    x.add('cove_nat_bytes_total', 'counter', 'Bytes relayed, in (client to node) and out (node to client), counted when a connection ends.', { ...l, direction: 'out' }, n.counters.bytesOut);
  }
  x.declare('cove_api_requests_total', 'counter', 'AWS API requests answered, by service, action and HTTP status code.');
  for (const e of api.entries().sort((a, b) => a.service.localeCompare(b.service) || a.action.localeCompare(b.action) || a.code - b.code)) {
    x.add('cove_api_requests_total', 'counter', '', { service: e.service, action: e.action, code: e.code }, e.n);
  }
  return x.text();
}

/** Scrapes on demand, at most once per CACHE_MS; concurrent callers share one scrape. */
export class MetricsCollector {
  private cached: { at: number; text: string } | null = null;
  private inflight: Promise<string> | null = null;

  constructor(private readonly sources: MetricsSources) {}

  scrape(): Promise<string> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return Promise.resolve(this.cached.text);
    if (!this.inflight) {
      this.inflight = this.collect()
        .then((text) => {
          this.cached = { at: Date.now(), text };
          return text;
        })
        .finally(() => (this.inflight = null));
    }
    return this.inflight;
  }

  private async collect(): Promise<string> {
    const jobs: Promise<NodeSample>[] = [];
    for (const c of this.sources.clusters()) {
      const auth = c.engine === 'memcached' ? undefined : this.sources.authToken(c);
      for (const n of c.nodes) {
        jobs.push(sampleNode(c, n.nodeId, n.socket, [`${n.address}:${n.port}`, `${n.privateIp}:${n.port}`], auth));
      }
    }
    const nodes = await Promise.all(jobs);
    linkReplicas(nodes);
    return render(nodes, this.sources.nats(), this.sources.api);
  }
}
