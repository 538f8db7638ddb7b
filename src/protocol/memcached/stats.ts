// memcached's stats reports (general, settings, items, slabs, sizes, conns), as
// name/value pairs: the text protocol prints them as "STAT name value" lines, the
// binary protocol as one packet each. Names and order are memcached 1.6.18's.

import type { McNodeContext } from './context.js';
import { MAX_CLASSES } from '../../engine/items/slab-classes.js';

export type Emit = (name: string, value: string | number) => void;

const ITEM_UPDATE_INTERVAL = 60;

export function generalStats(node: McNodeContext, emit: Emit): void {
  const store = node.store;
  const c = store.counters;
  const hits = store.hits;
  const conns = node.connectionStats();
  const cpu = process.cpuUsage();
  const sum = (a: Float64Array): number => {
    let n = 0;
    for (let i = 0; i < a.length; i++) n += a[i];
    return n;
  };
  emit('pid', process.pid);
  emit('uptime', store.now - ITEM_UPDATE_INTERVAL);
  emit('time', store.now + store.processStarted);
  emit('version', node.version);
  // memcached names its event library here; Cove's is Node's libuv.
  emit('libevent', `libuv-${process.versions.uv}`);
  emit('pointer_size', 64);
  emit('rusage_user', seconds(cpu.user));
  emit('rusage_system', seconds(cpu.system));
  emit('max_connections', node.settings.maxConns);
  emit('curr_connections', conns.curr);
  emit('total_connections', conns.total);
  emit('rejected_connections', c.rejectedConns);
  emit('connection_structures', conns.structures);
  emit('response_obj_oom', 0);
  emit('response_obj_count', 1);
  emit('response_obj_bytes', 16384);
  emit('read_buf_count', conns.curr);
  emit('read_buf_bytes', conns.curr * 16384);
  emit('read_buf_bytes_free', 0);
  emit('read_buf_oom', 0);
  emit('reserved_fds', 20);
  emit('cmd_get', c.getCmds);
  emit('cmd_set', sum(hits.setCmds));
  emit('cmd_flush', c.flushCmds);
  emit('cmd_touch', c.touchCmds);
  emit('cmd_meta', c.metaCmds);
  emit('get_hits', sum(hits.getHits));
  emit('get_misses', c.getMisses);
  emit('get_expired', c.getExpired);
  emit('get_flushed', c.getFlushed);
  emit('delete_misses', c.deleteMisses);
  emit('delete_hits', sum(hits.deleteHits));
  emit('incr_misses', c.incrMisses);
  emit('incr_hits', sum(hits.incrHits));
  emit('decr_misses', c.decrMisses);
  emit('decr_hits', sum(hits.decrHits));
  emit('cas_misses', c.casMisses);
  emit('cas_hits', sum(hits.casHits));
  emit('cas_badval', sum(hits.casBadval));
  emit('touch_hits', sum(hits.touchHits));
  emit('touch_misses', c.touchMisses);
  emit('store_too_large', c.storeTooLarge);
  emit('store_no_memory', c.storeNoMemory);
  emit('auth_cmds', c.authCmds);
  emit('auth_errors', c.authErrors);
  emit('bytes_read', c.bytesRead);
  emit('bytes_written', c.bytesWritten);
  emit('limit_maxbytes', node.settings.maxBytes);
  emit('accepting_conns', 1);
  emit('listen_disabled_num', c.listenDisabled);
  emit('time_in_listen_disabled_us', 0);
  emit('threads', 1);
  emit('conn_yields', c.connYields);
  emit('hash_power_level', Math.log2(store.indexSize));
  emit('hash_bytes', store.indexSize * 4);
  emit('hash_is_expanding', 0);
  emit('slab_reassign_rescues', 0);
  emit('slab_reassign_chunk_rescues', 0);
  emit('slab_reassign_evictions_nomem', 0);
  emit('slab_reassign_inline_reclaim', 0);
  emit('slab_reassign_busy_items', 0);
  emit('slab_reassign_busy_deletes', 0);
  emit('slab_reassign_running', 0);
  emit('slabs_moved', store.pages.moved);
  emit('lru_crawler_running', 0);
  emit('lru_crawler_starts', c.crawlerStarts);
  emit('lru_maintainer_juggles', 0);
  emit('malloc_fails', 0);
  emit('log_worker_dropped', 0);
  emit('log_worker_written', 0);
  emit('log_watcher_skipped', 0);
  emit('log_watcher_sent', 0);
  emit('log_watchers', 0);
  emit('unexpected_napi_ids', 0);
  emit('round_robin_fallback', 0);
  emit('bytes', store.currBytes);
  emit('curr_items', store.currItems);
  emit('total_items', c.totalItems);
  emit('slab_global_page_pool', store.pages.poolPages);
  const lru = store.lru;
  emit('expired_unfetched', lru.total(lru.expiredUnfetched));
  emit('evicted_unfetched', lru.total(lru.evictedUnfetched));
  emit('evicted_active', lru.total(lru.evictedActive));
  emit('evictions', lru.total(lru.evicted));
  emit('reclaimed', lru.total(lru.reclaimed));
  emit('crawler_reclaimed', lru.total(lru.crawlerReclaimed));
  emit('crawler_items_checked', lru.total(lru.crawlerItemsChecked));
  emit('lrutail_reflocked', 0);
  emit('moves_to_cold', 0);
  emit('moves_to_warm', lru.total(lru.movesToWarm));
  emit('moves_within_lru', 0);
  emit('direct_reclaims', lru.total(lru.directReclaims));
  emit('lru_bumps_dropped', 0);
}

export function settingsStats(node: McNodeContext, emit: Emit): void {
  const s = node.settings;
  const classes = node.store.classes;
  emit('maxbytes', s.maxBytes);
  emit('maxconns', s.maxConns);
  emit('tcpport', s.port);
  emit('udpport', 0);
  emit('inter', s.bind || 'NULL');
  emit('verbosity', s.verbosity);
  emit('oldest', node.store.oldestLive);
  emit('evictions', s.evictions ? 'on' : 'off');
  emit('domain_socket', s.domainSocket ?? 'NULL');
  emit('umask', '700');
  emit('shutdown_command', 'no');
  emit('growth_factor', classes.factor.toFixed(2));
  emit('chunk_size', classes.chunkSize);
  emit('num_threads', 1);
  emit('num_threads_per_udp', 1);
  emit('stat_key_prefix', ':');
  emit('detail_enabled', node.store.prefixes.enabled ? 'yes' : 'no');
  emit('reqs_per_event', 20);
  emit('cas_enabled', 'yes');
  emit('tcp_backlog', 1024);
  emit('binding_protocol', s.sasl ? 'binary' : 'auto-negotiate');
  emit('auth_enabled_sasl', s.sasl ? 'yes' : 'no');
  emit('auth_enabled_ascii', 'no');
  emit('item_size_max', s.itemSizeMax);
  emit('maxconns_fast', 'yes');
  emit('hashpower_init', 0);
  emit('slab_reassign', 'yes');
  emit('slab_automove', s.slabAutomove);
  emit('slab_automove_ratio', s.slabAutomoveRatio.toFixed(2));
  emit('slab_automove_window', 30);
  emit('slab_chunk_max', classes.chunkMax);
  emit('lru_crawler', s.lruCrawler ? 'yes' : 'no');
  emit('lru_crawler_sleep', s.lruCrawlerSleep);
  emit('lru_crawler_tocrawl', s.lruCrawlerTocrawl);
  emit('tail_repair_time', 0);
  emit('flush_enabled', 'yes');
  emit('dump_enabled', 'yes');
  emit('hash_algorithm', 'murmur3');
  emit('lru_maintainer_thread', 'yes');
  emit('lru_segmented', s.lruSegmented ? 'yes' : 'no');
  emit('hot_lru_pct', s.hotLruPct);
  emit('warm_lru_pct', s.warmLruPct);
  emit('hot_max_factor', s.hotMaxFactor.toFixed(2));
  emit('warm_max_factor', s.warmMaxFactor.toFixed(2));
  emit('temp_lru', s.tempLru ? 'yes' : 'no');
  emit('temporary_ttl', s.temporaryTtl);
  emit('idle_timeout', 0);
  emit('watcher_logbuf_size', 262144);
  emit('worker_logbuf_size', 65536);
  emit('read_buf_mem_limit', 0);
  emit('track_sizes', node.store.sizesCasMin >= 0 ? 'yes' : 'no');
  emit('inline_ascii_response', 'no');
  // Debian's memcached is built with extstore and TLS and reports their settings
  // even when they are off; Cove has neither configured, so it reports them off
  // with memcached's defaults (clients and tests read the same field list).
  emit('ext_item_size', 512);
  emit('ext_item_age', 4294967295);
  emit('ext_low_ttl', 0);
  emit('ext_recache_rate', 2000);
  emit('ext_wbuf_size', 4194304);
  emit('ext_compact_under', 0);
  emit('ext_drop_under', 0);
  emit('ext_max_sleep', 1000000);
  emit('ext_max_frag', '0.80');
  emit('slab_automove_freeratio', '0.010');
  emit('ext_drop_unread', 'no');
  emit('ssl_enabled', 'no');
  emit('ssl_chain_cert', '(null)');
  emit('ssl_key', '(null)');
  emit('ssl_verify_mode', 0);
  emit('ssl_keyformat', 1);
  emit('ssl_ciphers', 'NULL');
  emit('ssl_ca_cert', 'NULL');
  emit('ssl_wbuf_size', 16384);
  emit('ssl_session_cache', 'no');
  emit('ssl_kernel_tls', 'no');
  emit('ssl_min_version', 'tlsv1.2');
  emit('num_napi_ids', '(null)');
  emit('memory_file', '(null)');
}

export function itemsStats(node: McNodeContext, emit: Emit): void {
  const store = node.store;
  const lru = store.lru;
  for (let n = 1; n < MAX_CLASSES; n++) {
    const count = store.lruCount[n];
    if (count === 0) continue;
    const p = `items:${n}:`;
    emit(p + 'number', count);
    emit(p + 'number_hot', 0);
    emit(p + 'number_warm', 0);
    emit(p + 'number_cold', count);
    emit(p + 'age_hot', 0);
    emit(p + 'age_warm', 0);
    emit(p + 'age', store.tailAge(n));
    emit(p + 'mem_requested', store.lruBytes[n]);
    emit(p + 'evicted', lru.evicted[n]);
    emit(p + 'evicted_nonzero', lru.evictedNonzero[n]);
    emit(p + 'evicted_time', lru.evictedTime[n]);
    emit(p + 'outofmemory', lru.outOfMemory[n]);
    emit(p + 'tailrepairs', 0);
    emit(p + 'reclaimed', lru.reclaimed[n]);
    emit(p + 'expired_unfetched', lru.expiredUnfetched[n]);
    emit(p + 'evicted_unfetched', lru.evictedUnfetched[n]);
    emit(p + 'evicted_active', lru.evictedActive[n]);
    emit(p + 'crawler_reclaimed', lru.crawlerReclaimed[n]);
    emit(p + 'crawler_items_checked', lru.crawlerItemsChecked[n]);
    emit(p + 'lrutail_reflocked', 0);
    emit(p + 'moves_to_cold', 0);
    emit(p + 'moves_to_warm', lru.movesToWarm[n]);
    emit(p + 'moves_within_lru', 0);
    emit(p + 'direct_reclaims', lru.directReclaims[n]);
    emit(p + 'hits_to_hot', 0);
    emit(p + 'hits_to_warm', 0);
    emit(p + 'hits_to_cold', store.hits.getHits[n]);
    emit(p + 'hits_to_temp', 0);
  }
}

export function slabsStats(node: McNodeContext, emit: Emit): void {
  const store = node.store;
  const pages = store.pages;
  const classes = store.classes;
  const h = store.hits;
  let active = 0;
  for (let i = 1; i <= classes.largest; i++) {
    if (pages.pages[i] === 0) continue;
    const per = classes.perSlab[i];
    emit(`${i}:chunk_size`, classes.sizes[i]);
    emit(`${i}:chunks_per_page`, per);
    emit(`${i}:total_pages`, pages.pages[i]);
    emit(`${i}:total_chunks`, pages.pages[i] * per);
    emit(`${i}:used_chunks`, pages.usedChunks(i));
    emit(`${i}:free_chunks`, pages.free[i]);
    emit(`${i}:free_chunks_end`, 0);
    emit(`${i}:get_hits`, h.getHits[i]);
    emit(`${i}:cmd_set`, h.setCmds[i]);
    emit(`${i}:delete_hits`, h.deleteHits[i]);
    emit(`${i}:incr_hits`, h.incrHits[i]);
    emit(`${i}:decr_hits`, h.decrHits[i]);
    emit(`${i}:cas_hits`, h.casHits[i]);
    emit(`${i}:cas_badval`, h.casBadval[i]);
    emit(`${i}:touch_hits`, h.touchHits[i]);
    active++;
  }
  emit('active_slabs', active);
  emit('total_malloced', pages.malloced);
}

/** `stats sizes`: items per 32-byte size bucket, counted on demand. */
export function sizesStats(node: McNodeContext, emit: Emit): void {
  const store = node.store;
  if (store.sizesCasMin < 0) {
    emit('sizes_status', 'disabled');
    return;
  }
  const hist = new Map<number, number>();
  store.forEachItem((id) => {
    if (store.casOf(id) < store.sizesCasMin) return;
    const bucket = Math.ceil(store.total(id) / 32);
    hist.set(bucket, (hist.get(bucket) ?? 0) + 1);
  });
  for (const b of [...hist.keys()].sort((x, y) => x - y)) emit(String(b * 32), hist.get(b)!);
}

export function connsStats(node: McNodeContext, emit: Emit): void {
  const now = node.store.now;
  const info = node.connectionStats();
  let fd = 0;
  for (const l of info.listeners) {
    emit(`${fd}:addr`, l.addr);
    emit(`${fd}:state`, 'conn_listening');
    emit(`${fd}:secs_since_last_cmd`, 0);
    fd++;
  }
  for (const c of node.connections()) {
    const n = fd + c.id;
    emit(`${n}:addr`, c.addr);
    emit(`${n}:listen_addr`, c.listenAddr);
    emit(`${n}:state`, c.stateName);
    emit(`${n}:secs_since_last_cmd`, now - c.lastCmdTime);
  }
}

/** memcached's get_stats: the engine-specific reports; false for an unknown name. */
export function engineStats(node: McNodeContext, kind: string, emit: Emit): boolean {
  switch (kind) {
    case 'items':
      itemsStats(node, emit);
      return true;
    case 'slabs':
      slabsStats(node, emit);
      return true;
    case 'sizes':
      sizesStats(node, emit);
      return true;
    case 'sizes_enable':
      if (node.store.sizesCasMin < 0) node.store.sizesCasMin = node.store.nextCas();
      emit('sizes_status', 'enabled');
      return true;
    case 'sizes_disable':
      node.store.sizesCasMin = -1;
      emit('sizes_status', 'disabled');
      return true;
    default:
      return false;
  }
}

function seconds(micros: number): string {
  const s = Math.floor(micros / 1e6);
  return `${s}.${String(Math.floor(micros - s * 1e6)).padStart(6, '0')}`;
}
