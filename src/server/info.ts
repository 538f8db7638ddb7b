// INFO: the sections and field names that clients, exporters and the upstream test
// suite parse, filled from the node's real state. Sections are functions so that
// other modules (replication, scripting) can add or replace theirs.

import os from 'node:os';
import type { ValkeyNode } from './valkey-node.js';
import { REDIS_COMPAT_VERSION, VERSION } from './valkey-node.js';
import type { Replication } from '../replication/replication.js';

/** The node's replication state, once anything set it up (INFO shows a fresh master before). */
function repl(node: ValkeyNode): Replication | undefined {
  return node.ext.get('replication') as Replication | undefined;
}

type Section = (node: ValkeyNode) => [string, string | number][];

const startedAt = Date.now();

function humanBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)}K`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)}M`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)}G`;
}

export const infoSections: Record<string, Section> = {
  server: (node) => {
    const uptime = Math.floor((Date.now() - node.stats.startedAt) / 1000);
    const fields: [string, string | number][] = [
      ['redis_version', node.engine === 'redis' ? REDIS_COMPAT_VERSION : VERSION],
      ['redis_git_sha1', '00000000'],
      ['redis_git_dirty', 0],
      ['redis_build_id', 'c0ve'],
      ['redis_mode', 'standalone'],
      ['os', `${os.type()} ${os.release()} ${os.machine()}`],
      ['arch_bits', 64],
      ['monotonic_clock', 'POSIX clock_gettime'],
      ['multiplexing_api', 'epoll'],
      ['atomicvar_api', 'c11-builtin'],
      ['gcc_version', '0.0.0'],
      ['process_id', process.pid],
      ['process_supervised', 'no'],
      ['run_id', node.runId],
      ['tcp_port', node.port],
      ['server_time_usec', Date.now() * 1000],
      ['uptime_in_seconds', uptime],
      ['uptime_in_days', Math.floor(uptime / 86400)],
      ['hz', node.config.int('hz')],
      ['configured_hz', node.config.int('hz')],
      ['lru_clock', Math.floor(Date.now() / 1000) & 0xffffff],
      ['executable', process.argv[1] ?? ''],
      ['config_file', ''],
      ['io_threads_active', 0],
      ['cove_engine', node.engine],
      ['node_version', process.version],
    ];
    if (node.engine === 'valkey') {
      fields.splice(1, 0, ['server_name', 'valkey'], ['valkey_version', VERSION]);
    }
    return fields;
  },
  clients: (node) => {
    let pubsub = 0;
    let watching = 0;
    let maxIn = 0;
    let maxOut = 0;
    for (const c of node.clients.values()) {
      if (c.subscriptionCount > 0) pubsub++;
      if (c.watched.size > 0) watching++;
      maxIn = Math.max(maxIn, c.parser ? c.parser.pendingBytes : 0);
      maxOut = Math.max(maxOut, c.outputPending);
    }
    return [
      ['connected_clients', node.clients.size],
      ['cluster_connections', 0],
      ['maxclients', node.config.int('maxclients')],
      ['client_recent_max_input_buffer', maxIn],
      ['client_recent_max_output_buffer', maxOut],
      ['blocked_clients', node.blocking.blockedCount],
      ['tracking_clients', node.tracking.clients.size],
      ['clients_in_timeout_table', node.blocking.blockedCount],
      ['pubsub_clients', pubsub],
      ['watching_clients', watching],
      ['total_watched_keys', node.watches.size],
      ['total_blocking_keys', node.blocking.blockedCount],
    ];
  },
  memory: (node) => {
    const mem = process.memoryUsage();
    const used = node.store.totalMemory();
    const maxmemory = node.store.maxmemory;
    const top = Math.max(used, peak(used));
    const dataset = node.store.usedMemory();
    const rssRatio = (mem.rss / Math.max(used, 1)).toFixed(2);
    // Redis 7.0's fields in its order; the allocator ones describe Cove's own accounting
    // (there is no jemalloc underneath), so their ratios are the RSS one or 1.
    return [
      ['used_memory', used],
      ['used_memory_human', humanBytes(used)],
      ['used_memory_rss', mem.rss],
      ['used_memory_rss_human', humanBytes(mem.rss)],
      ['used_memory_peak', top],
      ['used_memory_peak_human', humanBytes(top)],
      ['used_memory_peak_perc', `${((used * 100) / top).toFixed(2)}%`],
      ['used_memory_overhead', used - dataset],
      ['used_memory_startup', node.store.startupBytes],
      ['used_memory_dataset', dataset],
      ['used_memory_dataset_perc', `${((dataset * 100) / Math.max(1, used - node.store.startupBytes)).toFixed(2)}%`],
      ['allocator_allocated', used],
      ['allocator_active', used],
      ['allocator_resident', mem.rss],
      ['total_system_memory', os.totalmem()],
      ['total_system_memory_human', humanBytes(os.totalmem())],
      ['used_memory_lua', 0],
      ['used_memory_scripts', 0],
      ['number_of_cached_scripts', 0],
      ['maxmemory', maxmemory],
      ['maxmemory_human', humanBytes(maxmemory)],
      ['maxmemory_policy', node.store.policy],
      ['allocator_frag_ratio', '1.00'],
      ['allocator_frag_bytes', 0],
      ['allocator_rss_ratio', rssRatio],
      ['allocator_rss_bytes', mem.rss - used],
      ['rss_overhead_ratio', '1.00'],
      ['rss_overhead_bytes', 0],
      ['mem_fragmentation_ratio', rssRatio],
      ['mem_fragmentation_bytes', mem.rss - used],
      ['mem_not_counted_for_evict', 0],
      ['mem_replication_backlog', repl(node)?.backlogBytes ?? 0],
      ['mem_total_replication_buffers', 0],
      ['mem_clients_slaves', 0],
      ['mem_clients_normal', node.store.externalBytes],
      ['mem_cluster_links', 0],
      ['mem_aof_buffer', 0],
      ['mem_allocator', 'cove-slab'],
      ['active_defrag_running', 0],
      ['lazyfree_pending_objects', 0],
      ['lazyfreed_objects', 0],
      ['js_heap_used', mem.heapUsed],
      ['js_heap_total', mem.heapTotal],
      ['arena_reserved', node.store.arena.reservedBytes],
    ];
  },
  persistence: (node) => [
    ['loading', 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'],
    ['current_save_keys_processed', 0],
    ['current_save_keys_total', 0],
    ['rdb_changes_since_last_save', node.store.dirty],
    ['rdb_bgsave_in_progress', 0],
    ['rdb_last_save_time', node.lastSave],
    ['rdb_last_bgsave_status', 'ok'],
    ['rdb_last_bgsave_time_sec', -1],
    ['rdb_current_bgsave_time_sec', -1],
    ['rdb_saves', 0],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', 0],
    ['rdb_last_load_keys_loaded', 0],
    ['aof_enabled', 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ],
  stats: (node) => {
    const s = node.stats;
    let pubsubPatterns = 0;
    for (const set of node.pubsub.patterns.values()) pubsubPatterns += set.size;
    return [
      ['total_connections_received', s.connectionsReceived],
      ['total_commands_processed', s.commandsProcessed],
      ['instantaneous_ops_per_sec', s.opsPerSec()],
      ['total_net_input_bytes', s.netInputBytes],
      ['total_net_output_bytes', s.netOutputBytes],
      ['total_net_repl_input_bytes', repl(node)?.replInputBytes ?? 0],
      ['total_net_repl_output_bytes', repl(node)?.replOutputBytes ?? 0],
      ['instantaneous_input_kbps', '0.00'],
      ['instantaneous_output_kbps', '0.00'],
      ['instantaneous_input_repl_kbps', '0.00'],
      ['instantaneous_output_repl_kbps', '0.00'],
      ['rejected_connections', s.rejectedConnections],
      ['sync_full', repl(node)?.syncFull ?? 0],
      ['sync_partial_ok', repl(node)?.syncPartialOk ?? 0],
      ['sync_partial_err', repl(node)?.syncPartialErr ?? 0],
      ['expired_keys', node.store.expiredKeys],
      ['expired_stale_perc', (node.store.expiredStalePerc * 100).toFixed(2)],
      ['expired_time_cap_reached_count', 0],
      ['expire_cycle_cpu_milliseconds', node.store.expireCycleCpuMs],
      ['evicted_keys', node.store.evictedKeys],
      ['evicted_clients', 0],
      ['total_eviction_exceeded_time', 0],
      ['current_eviction_exceeded_time', 0],
      ['keyspace_hits', node.store.hits],
      ['keyspace_misses', node.store.misses],
      ['pubsub_channels', node.pubsub.channels.size],
      ['pubsub_patterns', node.pubsub.patterns.size],
      ['pubsubshard_channels', node.pubsub.shardChannels.size],
      ['latest_fork_usec', 0],
      ['total_forks', 0],
      ['migrate_cached_sockets', 0],
      ['slave_expires_tracked_keys', 0],
      ['active_defrag_hits', 0],
      ['active_defrag_misses', 0],
      ['active_defrag_key_hits', 0],
      ['active_defrag_key_misses', 0],
      ['total_active_defrag_time', 0],
      ['current_active_defrag_time', 0],
      ['tracking_total_keys', node.tracking.totalKeys],
      ['tracking_total_items', node.tracking.totalItems],
      ['tracking_total_prefixes', node.tracking.prefixes.size],
      ['unexpected_error_replies', 0],
      ['total_error_replies', s.errorReplies],
      ['dump_payload_sanitizations', 0],
      ['total_reads_processed', s.commandsProcessed],
      ['total_writes_processed', s.commandsProcessed],
      ['io_threaded_reads_processed', 0],
      ['io_threaded_writes_processed', 0],
      ['reply_buffer_shrinks', 0],
      ['reply_buffer_expands', 0],
      ['pubsub_pattern_subscriptions', pubsubPatterns],
    ];
  },
  replication: (node) => repl(node)?.infoFields() ?? [
    ['role', node.replicaOf ? 'slave' : 'master'],
    ['connected_slaves', 0],
    ['master_failover_state', 'no-failover'],
    ['master_replid', node.runId],
    ['master_replid2', '0000000000000000000000000000000000000000'],
    ['master_repl_offset', 0],
    ['second_repl_offset', -1],
    ['repl_backlog_active', 0],
    ['repl_backlog_size', node.config.int('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', 0],
    ['repl_backlog_histlen', 0],
  ],
  cpu: () => {
    const u = process.cpuUsage();
    return [
      ['used_cpu_sys', (u.system / 1e6).toFixed(6)],
      ['used_cpu_user', (u.user / 1e6).toFixed(6)],
      ['used_cpu_sys_children', '0.000000'],
      ['used_cpu_user_children', '0.000000'],
      ['used_cpu_sys_main_thread', (u.system / 1e6).toFixed(6)],
      ['used_cpu_user_main_thread', (u.user / 1e6).toFixed(6)],
    ];
  },
  modules: () => [],
  commandstats: (node) => {
    const out: [string, string][] = [];
    for (const [name, c] of node.stats.commands) {
      if (c.calls === 0 && c.rejected === 0 && c.failed === 0) continue;
      out.push([
        `cmdstat_${name}`,
        `calls=${c.calls},usec=${c.usec},usec_per_call=${(c.calls ? c.usec / c.calls : 0).toFixed(2)},rejected_calls=${c.rejected},failed_calls=${c.failed}`,
      ]);
    }
    return out;
  },
  errorstats: (node) => [...node.stats.errors].map(([code, n]) => [`errorstat_${code}`, `count=${n}`]),
  cluster: () => [['cluster_enabled', 0]],
  keyspace: (node) => {
    const out: [string, string][] = [];
    node.store.dbs.forEach((ks, i) => {
      if (ks.size > 0) out.push([`db${i}`, `keys=${ks.size},expires=${ks.volatileSize},avg_ttl=0`]);
    });
    return out;
  },
};

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
const ALL_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];

let peakSeen = 0;
function peak(used: number): number {
  peakSeen = Math.max(peakSeen, used);
  return peakSeen;
}


/** Renders INFO for the requested section names ("default", "all", "everything" or names). */
export function renderInfo(node: ValkeyNode, requested: string[]): string {
  let names: string[];
  if (requested.length === 0 || requested.includes('default')) names = [...DEFAULT_SECTIONS];
  else if (requested.includes('all') || requested.includes('everything')) names = [...ALL_SECTIONS];
  else names = [];
  for (const r of requested) if (!['default', 'all', 'everything'].includes(r) && !names.includes(r)) names.push(r);
  const parts: string[] = [];
  for (const name of names) {
    const section = infoSections[name];
    if (!section) continue;
    const title = name === 'cpu' ? 'CPU' : name.charAt(0).toUpperCase() + name.slice(1);
    const lines = section(node).map(([k, v]) => `${k}:${v}`);
    parts.push(`# ${title}\r\n` + lines.map((l) => l + '\r\n').join(''));
  }
  return parts.join('\r\n');
}

export { startedAt };
