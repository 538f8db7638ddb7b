// MEMORY (USAGE STATS DOCTOR MALLOC-STATS PURGE HELP) and LATENCY (LATEST HISTORY RESET
// GRAPH DOCTOR HISTOGRAM HELP), with the latency monitor behind them.
//
// The dispatcher times every command (microseconds) and calls the hooks in
// `commandTimingHooks`; the one here feeds two things per node, as redis-server does
// in call(): a per-command latency histogram (latency-tracking, reported in the
// power-of-two buckets of Redis's HDR histogram), and, when a command took at least
// latency-monitor-threshold ms, a sample of the "command" or "fast-command" event
// (at most one per second, the worst, 160 kept). `recordLatencyEvent` lets other
// parts of the node report their own events (expire-cycle, eviction-cycle, ...).
//
// MEMORY USAGE follows Redis's accounting for strings exactly (robj + sds headers +
// jemalloc size classes + dict entry); collections report what they charge to the
// node's memory account. MEMORY DOCTOR leaves out the RSS/fragmentation checks: a
// JavaScript heap makes RSS incomparable with used_memory.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { parseInteger } from '../../protocol/resp/numbers.js';
import type { CommandSpec, Ctx } from '../types.js';
import { NO_KEYS } from '../types.js';
import { lookupQuiet } from '../helpers.js';
import { commandTimingHooks } from '../dispatch.js';
import { helpReply, resetStatHooks } from './server.js';
import { ValueType } from '../../engine/keyspace.js';
import type { Charged } from '../../engine/memory.js';
import { infoSections } from '../../server/info.js';
import type { Client } from '../../server/client.js';
import type { ValkeyNode } from '../../server/valkey-node.js';

// ---- latency state -----------------------------------------------------------------

/** Samples kept per event (Redis's LATENCY_TS_LEN). */
const SERIES_LEN = 160;
const GRAPH_COLS = 80;

interface Sample {
  time: number; // unix seconds
  latency: number; // ms
}

interface Series {
  samples: Sample[]; // ring buffer of SERIES_LEN, oldest overwritten
  idx: number;
  max: number;
}

/**
 * A per-command latency histogram laid out as Redis's HDR histogram (values 1 ns..1 s,
 * 2 significant figures: 256 sub-buckets per power of two, the lower half shared), so
 * that LATENCY HISTOGRAM's buckets and INFO latencystats' percentiles come out as
 * redis-server prints them.
 */
const HDR_MAX_NS = 1000000000;
const HDR_SUB_HALF_MAGNITUDE = 7; // 128 = half of 256 sub-buckets
const HDR_BUCKETS = 23; // enough powers of two to hold 1e9 with 256 sub-buckets
const HDR_LEN = (HDR_BUCKETS + 1) << HDR_SUB_HALF_MAGNITUDE;

class Histogram {
  calls = 0;
  readonly counts = new Uint32Array(HDR_LEN);

  record(ns: number): void {
    const v = Math.min(Math.max(ns, 1), HDR_MAX_NS);
    this.calls++;
    this.counts[hdrIndex(v)]++;
  }

  /** LATENCY HISTOGRAM's buckets: [µs label, cumulative calls] at 1024·2^k ns, skipping empty ones. */
  buckets(): [number, number][] {
    const out: [number, number][] = [];
    let cumulative = 0;
    let previous = 0;
    let idx = 0;
    for (let level = 1024; cumulative < this.calls || idx === 0; level *= 2) {
      const limit = hdrHighest(level);
      for (; idx < HDR_LEN && hdrValue(idx) <= limit; idx++) cumulative += this.counts[idx];
      if (cumulative > previous) out.push([Math.floor(limit / 1000), cumulative]);
      previous = cumulative;
      if (level > HDR_MAX_NS) break;
    }
    return out;
  }

  /** hdr_value_at_percentile, in ns. */
  percentile(p: number): number {
    const wanted = Math.max(1, Math.floor((Math.min(p, 100) / 100) * this.calls + 0.5));
    let seen = 0;
    for (let idx = 0; idx < HDR_LEN; idx++) {
      seen += this.counts[idx];
      if (seen >= wanted) return p === 0 ? hdrValue(idx) : hdrHighest(hdrValue(idx));
    }
    return 0;
  }
}

function bitLength(v: number): number {
  return v >= 2 ** 31 ? 32 + bitLength(Math.floor(v / 2 ** 32)) : 32 - Math.clz32(v);
}

/** The counts slot of v (1..1e9, so 31-bit integer arithmetic is exact): on every command's path. */
function hdrIndex(v: number): number {
  const bucket = 32 - (HDR_SUB_HALF_MAGNITUDE + 1) - Math.clz32(v | 255);
  return ((bucket + 1) << HDR_SUB_HALF_MAGNITUDE) + ((v >>> bucket) - (1 << HDR_SUB_HALF_MAGNITUDE));
}

function hdrValue(idx: number): number {
  let bucket = (idx >> HDR_SUB_HALF_MAGNITUDE) - 1;
  let sub = (idx & ((1 << HDR_SUB_HALF_MAGNITUDE) - 1)) + (1 << HDR_SUB_HALF_MAGNITUDE);
  if (bucket < 0) {
    sub -= 1 << HDR_SUB_HALF_MAGNITUDE;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/** The highest value recorded in the same slot as v. */
function hdrHighest(v: number): number {
  const bucket = bitLength(v | 255) - (HDR_SUB_HALF_MAGNITUDE + 1);
  const lowest = Math.floor(v / 2 ** bucket) * 2 ** bucket;
  return lowest + 2 ** bucket - 1;
}

class LatencyState {
  readonly events = new Map<string, Series>();
  readonly histograms = new Map<string, Histogram>();
  threshold: number;
  tracking: boolean;

  constructor(node: ValkeyNode) {
    this.threshold = node.config.int('latency-monitor-threshold');
    this.tracking = node.config.bool('latency-tracking');
    node.config.onChange(() => {
      this.threshold = node.config.int('latency-monitor-threshold');
      this.tracking = node.config.bool('latency-tracking');
    });
  }

  addSample(event: string, latencyMs: number, nowSec: number): void {
    let ts = this.events.get(event);
    if (!ts) {
      ts = { samples: [], idx: 0, max: 0 };
      this.events.set(event, ts);
    }
    if (latencyMs > ts.max) ts.max = latencyMs;
    // One sample per second: a second spike in the same second only raises it.
    const prev = ts.samples[(ts.idx + SERIES_LEN - 1) % SERIES_LEN];
    if (prev && prev.time === nowSec) {
      if (latencyMs > prev.latency) prev.latency = latencyMs;
      return;
    }
    ts.samples[ts.idx] = { time: nowSec, latency: latencyMs };
    ts.idx = (ts.idx + 1) % SERIES_LEN;
  }

  record(name: string, micros: number): void {
    let h = this.histograms.get(name);
    if (!h) {
      h = new Histogram();
      this.histograms.set(name, h);
    }
    h.record(micros * 1000);
  }
}

const states = new WeakMap<ValkeyNode, LatencyState>();
// The last node asked about: on the per-command path that is nearly always the same one.
let lastNode: ValkeyNode | null = null;
let lastState: LatencyState | null = null;

function latencyState(node: ValkeyNode): LatencyState {
  if (node === lastNode) return lastState!;
  let s = states.get(node);
  if (!s) {
    s = new LatencyState(node);
    states.set(node, s);
  }
  lastNode = node;
  lastState = s;
  return s;
}

/** Reports a latency event (ms) for LATENCY, if at or over latency-monitor-threshold. */
export function recordLatencyEvent(node: ValkeyNode, event: string, latencyMs: number): void {
  const s = latencyState(node);
  if (s.threshold > 0 && latencyMs >= s.threshold) s.addSample(event, latencyMs, Math.floor(Date.now() / 1000));
}

// Fed by the dispatcher after every command it runs (a command that blocks is timed
// when it is finally served, as Redis does: the dispatcher does not call us for the park).
commandTimingHooks.push((node: ValkeyNode, _client: Client, spec: CommandSpec, micros: number) => {
  const s = latencyState(node);
  if (s.tracking) s.record(spec.name, micros);
  if (s.threshold > 0) {
    const ms = Math.floor(micros / 1000);
    if (ms >= s.threshold) s.addSample(spec.flags.includes('fast') ? 'fast-command' : 'command', ms, Math.floor(Date.now() / 1000));
  }
});

// CONFIG RESETSTAT clears the histograms along with commandstats.
resetStatHooks.push((ctx) => latencyState(ctx.node).histograms.clear());

// INFO latencystats: latency_percentiles_usec_<command>:p50=..,p99=..,p99.9=..
infoSections.latencystats = (node) => {
  const percentiles = node.config.get('latency-tracking-info-percentiles').split(' ').filter((x) => x !== '').map(Number);
  const out: [string, string][] = [];
  for (const [name, h] of latencyState(node).histograms) {
    if (h.calls === 0) continue;
    out.push([`latency_percentiles_usec_${name}`, percentiles.map((p) => `p${p}=${(h.percentile(p) / 1000).toFixed(3)}`).join(',')]);
  }
  return out;
};

/** An event's samples, oldest first. */
function samplesOf(ts: Series): Sample[] {
  const out: Sample[] = [];
  for (let j = 0; j < SERIES_LEN; j++) {
    const s = ts.samples[(ts.idx + j) % SERIES_LEN];
    if (s) out.push(s);
  }
  return out;
}

// ---- LATENCY -----------------------------------------------------------------------------

function latencyLatest(ctx: Ctx): void {
  const s = latencyState(ctx.node);
  const r = ctx.reply;
  r.array(s.events.size);
  for (const [event, ts] of s.events) {
    const last = ts.samples[(ts.idx + SERIES_LEN - 1) % SERIES_LEN];
    r.array(4);
    r.bulk(event);
    r.int(last.time);
    r.int(last.latency);
    r.int(ts.max);
  }
}

function latencyHistory(ctx: Ctx): void {
  const ts = latencyState(ctx.node).events.get(ctx.argv.str(2));
  const samples = ts ? samplesOf(ts) : [];
  ctx.reply.array(samples.length);
  for (const s of samples) {
    ctx.reply.array(2);
    ctx.reply.int(s.time);
    ctx.reply.int(s.latency);
  }
}

/** LATENCY RESET [event ...]: the number of event series dropped. */
function latencyReset(ctx: Ctx): void {
  const { argv } = ctx;
  const events = latencyState(ctx.node).events;
  let n = 0;
  if (argv.count === 2) {
    n = events.size;
    events.clear();
  } else {
    for (let i = 2; i < argv.count; i++) if (events.delete(argv.str(i))) n++;
  }
  ctx.reply.int(n);
}

function latencyGraph(ctx: Ctx): void {
  const event = ctx.argv.str(2);
  const ts = latencyState(ctx.node).events.get(event);
  if (!ts) throw new CommandError(`ERR No samples available for event '${event}'`);
  ctx.reply.verbatim(graph(event, ts));
}

/** The ASCII graph of Redis's latency.c + sparkline.c: 4 rows, "_o#" fill, age labels. */
function graph(event: string, ts: Series): string {
  const now = Math.floor(Date.now() / 1000);
  const samples = samplesOf(ts);
  let min = 0;
  let max = 0;
  const seq: { value: number; label: string }[] = [];
  for (const s of samples) {
    if (seq.length === 0) min = max = s.latency;
    else {
      max = Math.max(max, s.latency);
      min = Math.min(min, s.latency);
    }
    const elapsed = now - s.time;
    const label =
      elapsed < 60 ? `${elapsed}s` : elapsed < 3600 ? `${Math.floor(elapsed / 60)}m` : elapsed < 86400 ? `${Math.floor(elapsed / 3600)}h` : `${Math.floor(elapsed / 86400)}d`;
    seq.push({ value: s.latency, label });
  }
  let out = `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n` + '-'.repeat(GRAPH_COLS) + '\n';
  for (let j = 0; j < seq.length; j += GRAPH_COLS) {
    if (j !== 0) out += '\n';
    out += sparkline(seq.slice(j, j + GRAPH_COLS), min, max, 4);
  }
  return out;
}

function sparkline(seq: { value: number; label: string }[], min: number, max: number, rows: number): string {
  const fill = '_o#';
  const steps = fill.length * rows;
  const relmax = max - min === 0 ? 1 : max - min;
  const labelMarginTop = 1;
  let out = '';
  for (let row = 0; ; row++) {
    let loop = false;
    const chars: string[] = new Array(seq.length).fill(' ');
    for (let j = 0; j < seq.length; j++) {
      const s = seq[j];
      if (row < rows) {
        let step = Math.trunc(((s.value - min) * steps) / relmax);
        step = Math.max(0, Math.min(steps - 1, step));
        const charidx = step - (rows - row - 1) * fill.length;
        loop = true;
        if (charidx >= 0 && charidx < fill.length) chars[j] = fill[charidx];
        else if (charidx >= fill.length) chars[j] = '|';
      } else {
        if (row - rows < labelMarginTop) {
          loop = true;
          break;
        }
        const labelChar = row - rows - labelMarginTop;
        if (s.label.length > labelChar) {
          loop = true;
          chars[j] = s.label[labelChar];
        }
      }
    }
    if (!loop) break;
    out += chars.join('') + '\n';
  }
  return out;
}

/** LATENCY DOCTOR: Redis's report, limited to the events Cove records. */
function latencyDoctor(ctx: Ctx): void {
  ctx.reply.verbatim(latencyReport(ctx.node));
}

function latencyReport(node: ValkeyNode): string {
  const s = latencyState(node);
  if (s.events.size === 0 && s.threshold === 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
  }
  let report = '';
  let eventnum = 0;
  let advices = 0;
  let slowlogEnabled = false;
  let slowlogTuning = false;
  let slowlogInspect = false;
  let largeObjects = false;
  let scheduler = false;
  const nowSec = Math.floor(Date.now() / 1000);
  const slowlogThreshold = node.config.int('slowlog-log-slower-than');
  const slowlogMaxLen = node.config.int('slowlog-max-len');
  for (const [event, ts] of s.events) {
    eventnum++;
    if (eventnum === 1) report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    const samples = samplesOf(ts);
    const sum = samples.reduce((n, x) => n + x.latency, 0);
    const avg = samples.length ? Math.floor(sum / samples.length) : 0;
    let period = samples.length ? nowSec - Math.min(...samples.map((x) => x.time)) : 0;
    if (samples.length && period === 0) period = 1;
    const mad = samples.length ? Math.floor(samples.reduce((n, x) => n + Math.abs(avg - x.latency), 0) / samples.length) : 0;
    report += `${eventnum}. ${event}: ${samples.length} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${(period / samples.length).toFixed(2)} sec). Worst all time event ${ts.max}ms.`;
    if (event === 'command') {
      if (slowlogThreshold < 0 || slowlogMaxLen === 0) {
        slowlogEnabled = true;
        advices++;
      } else if (Math.floor(slowlogThreshold / 1000) > s.threshold) {
        slowlogTuning = true;
        advices++;
      }
      slowlogInspect = true;
      largeObjects = true;
      advices += 2;
    }
    if (event === 'fast-command') {
      scheduler = true;
      advices++;
    }
    report += '\n';
  }
  if (eventnum === 0 && advices === 0) {
    return report + 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
  }
  if (advices === 0) {
    return report + "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";
  }
  report += '\nI have a few advices for you:\n\n';
  if (slowlogEnabled) {
    report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${s.threshold * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  }
  if (slowlogTuning) {
    report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${s.threshold * 1000}'.\n`;
  }
  if (slowlogInspect) {
    report += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  }
  if (scheduler) {
    report +=
      '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
      '  1) Lower the system load.\n' +
      '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
      '  3) Check if you have a "noisy neighbour" problem.\n' +
      "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
      '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
  }
  if (largeObjects) {
    report +=
      '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  }
  return report;
}

/** LATENCY HISTOGRAM [command ...]: per-command cumulative latency distributions. */
function latencyHistogram(ctx: Ctx): void {
  const { argv, node, reply } = ctx;
  const hists = latencyState(node).histograms;
  const names: string[] = [];
  if (argv.count === 2) {
    for (const [name, h] of hists) if (h.calls > 0) names.push(name);
  } else {
    for (let i = 2; i < argv.count; i++) {
      const asked = argv.lower(i);
      const bar = asked.indexOf('|');
      const spec = bar === -1 ? node.table.byName.get(asked) : node.table.subs.get(asked.slice(0, bar))?.get(asked.slice(bar + 1));
      if (!spec) continue;
      if (hists.has(spec.name)) names.push(spec.name);
      for (const sub of spec.subcommands ?? []) if (hists.has(sub.name)) names.push(sub.name);
    }
  }
  reply.map(names.length);
  for (const name of names) {
    const h = hists.get(name)!;
    reply.bulk(name);
    reply.map(2);
    reply.bulk('calls');
    reply.int(h.calls);
    reply.bulk('histogram_usec');
    const buckets = h.buckets();
    reply.map(buckets.length);
    for (const [usec, count] of buckets) {
      reply.int(usec);
      reply.int(count);
    }
  }
}

function latencyHelp(ctx: Ctx): void {
  helpReply(ctx, 'LATENCY', [
    'DOCTOR',
    '    Return a human readable latency analysis report.',
    'GRAPH <event>',
    '    Return an ASCII latency graph for the <event> class.',
    'HISTORY <event>',
    '    Return time-latency samples for the <event> class.',
    'LATEST',
    '    Return the latest latency samples for all events.',
    'RESET [<event> ...]',
    '    Reset latency data of one or more <event> classes.',
    '    (default: reset all data for all event classes)',
    'HISTOGRAM [COMMAND ...]',
    '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
    '    If no commands are specified then all histograms are replied.',
  ]);
}

// ---- MEMORY ------------------------------------------------------------------------------

/** The jemalloc size class an allocation of n bytes lands in. */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const step = 2 ** Math.floor(Math.log2(n - 1)) / 4;
  return Math.ceil(n / step) * step;
}

/** Header bytes of an sds string of this length (sdsReqType). */
function sdsHeader(len: number, allowType5: boolean): number {
  if (len < 32 && allowType5 && len > 0) return 1;
  if (len < 256) return 3;
  if (len < 65536) return 5;
  if (len < 2 ** 32) return 9;
  return 17;
}

const ROBJ = 16;
const DICT_ENTRY = 24;
const EMBSTR_LIMIT = 44;

/** MEMORY USAGE key [SAMPLES count] */
function memoryUsage(ctx: Ctx): void {
  const { argv, db } = ctx;
  for (let i = 3; i < argv.count; i++) {
    if (argv.is(i, 'samples') && i + 1 < argv.count) {
      const n = argv.int(i + 1);
      if (n === null) throw new CommandError(Errors.notInteger);
      if (n < 0) throw new CommandError(Errors.syntax);
      i++; // every element is counted exactly, so the sample count changes nothing
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const id = lookupQuiet(ctx, 2);
  if (id === -1) {
    ctx.reply.nil();
    return;
  }
  const keyLen = db.keyLength(id);
  let usage = jemallocSize(sdsHeader(keyLen, true) + keyLen + 1) + DICT_ENTRY;
  if (db.type(id) === ValueType.String) {
    const len = db.valueLength(id);
    const off = db.valueOffset(id);
    if (len <= 20 && parseInteger(db.valueBuffer(id), off, off + len) !== null) usage += ROBJ;
    else if (len <= EMBSTR_LIMIT) usage += jemallocSize(ROBJ + 3 + len + 1);
    else usage += ROBJ + jemallocSize(sdsHeader(len, false) + len + 1);
  } else {
    usage += ROBJ + (db.object<Charged>(id)?.memory ?? 0);
  }
  ctx.reply.int(usage);
}

function memoryFields(node: ValkeyNode): Map<string, number> {
  const m = new Map<string, number>();
  for (const [k, v] of infoSections.memory(node)) if (typeof v === 'number') m.set(k, v);
  return m;
}

function clientsMemory(node: ValkeyNode): { normal: number; replicas: number } {
  let normal = 0;
  let replicas = 0;
  for (const c of node.clients.values()) {
    const bytes = (c.parser ? c.parser.pendingBytes : 0) + c.outputPending + c.writer.length;
    if (c.isReplica) replicas += bytes;
    else normal += bytes;
  }
  return { normal, replicas };
}

/** MEMORY STATS: Redis 7.0's fields, filled from the same figures as INFO memory. */
function memoryStats(ctx: Ctx): void {
  const { node, reply } = ctx;
  const mem = memoryFields(node);
  const used = mem.get('used_memory') ?? 0;
  const peak = mem.get('used_memory_peak') ?? used;
  const startup = mem.get('used_memory_startup') ?? 0;
  const rss = mem.get('used_memory_rss') ?? used;
  const clients = clientsMemory(node);
  const dbs: [number, number, number][] = [];
  let keys = 0;
  let dbOverhead = 0;
  node.store.dbs.forEach((ks, i) => {
    if (ks.size === 0) return;
    keys += ks.size;
    const main = ks.overheadBytes;
    dbs.push([i, main, ks.volatileSize * 12]);
    dbOverhead += main;
  });
  const overhead = startup + clients.normal + clients.replicas + dbOverhead;
  const dataset = Math.max(0, used - overhead);
  const net = Math.max(1, used - startup);
  const pairs: [string, () => void][] = [
    ['peak.allocated', () => reply.int(peak)],
    ['total.allocated', () => reply.int(used)],
    ['startup.allocated', () => reply.int(startup)],
    ['replication.backlog', () => reply.int(0)],
    ['clients.slaves', () => reply.int(clients.replicas)],
    ['clients.normal', () => reply.int(clients.normal)],
    ['cluster.links', () => reply.int(0)],
    ['aof.buffer', () => reply.int(0)],
    ['lua.caches', () => reply.int(0)],
    ['functions.caches', () => reply.int(0)],
  ];
  for (const [i, main, expires] of dbs) {
    pairs.push([
      `db.${i}`,
      () => {
        reply.map(3);
        reply.bulk('overhead.hashtable.main');
        reply.int(main);
        reply.bulk('overhead.hashtable.expires');
        reply.int(expires);
        reply.bulk('overhead.hashtable.slot-to-keys');
        reply.int(0);
      },
    ]);
  }
  pairs.push(
    ['overhead.total', () => reply.int(overhead)],
    ['keys.count', () => reply.int(keys)],
    ['keys.bytes-per-key', () => reply.int(keys ? Math.floor(net / keys) : 0)],
    ['dataset.bytes', () => reply.int(dataset)],
    ['dataset.percentage', () => reply.double((dataset * 100) / net)],
    ['peak.percentage', () => reply.double((used * 100) / Math.max(1, peak))],
    ['allocator.allocated', () => reply.int(used)],
    ['allocator.active', () => reply.int(used)],
    ['allocator.resident', () => reply.int(rss)],
    ['allocator-fragmentation.ratio', () => reply.double(1)],
    ['allocator-fragmentation.bytes', () => reply.int(0)],
    ['allocator-rss.ratio', () => reply.double(rss / Math.max(1, used))],
    ['allocator-rss.bytes', () => reply.int(rss - used)],
    ['rss-overhead.ratio', () => reply.double(1)],
    ['rss-overhead.bytes', () => reply.int(0)],
    ['fragmentation', () => reply.double(rss / Math.max(1, used))],
    ['fragmentation.bytes', () => reply.int(rss - used)],
  );
  reply.map(pairs.length);
  for (const [k, write] of pairs) {
    reply.bulk(k);
    write();
  }
}

function memoryDoctor(ctx: Ctx): void {
  const { node } = ctx;
  const mem = memoryFields(node);
  const used = mem.get('used_memory') ?? 0;
  const peak = mem.get('used_memory_peak') ?? used;
  const clients = clientsMemory(node);
  const normalClients = [...node.clients.values()].filter((c) => !c.isReplica).length;
  let report: string;
  if (used < 5 * 1024 * 1024) {
    report =
      "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
  } else {
    const bigPeak = peak / used > 1.5;
    const bigClientBuf = normalClients > 0 && clients.normal / normalClients > 200 * 1024;
    if (!bigPeak && !bigClientBuf) {
      report = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
    } else {
      report = 'Sam, I detected a few issues in this Redis instance memory implants:\n\n';
      if (bigPeak) {
        report +=
          ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n';
      }
      if (bigClientBuf) {
        report +=
          ' * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n';
      }
      report += "I'm here to keep you safe, Sam. I want to help you.\n";
    }
  }
  ctx.reply.verbatim(report);
}

function memoryHelp(ctx: Ctx): void {
  helpReply(ctx, 'MEMORY', [
    'DOCTOR',
    '    Return memory problems reports.',
    'MALLOC-STATS',
    '    Return internal statistics report from the memory allocator.',
    'PURGE',
    '    Attempt to purge dirty pages for reclamation by the allocator.',
    'STATS',
    '    Return information about the memory usage of the server.',
    'USAGE <key> [SAMPLES <count>]',
    '    Return memory in bytes used by <key> and its value. Nested values are',
    '    sampled up to <count> times (default: 5, 0 means sample all).',
  ]);
}

// ---- table ---------------------------------------------------------------------------------

const ADMIN: CommandSpec['flags'] = ['admin', 'noscript', 'loading', 'stale'];

const i = (name: string, arity: number, flags: CommandSpec['flags'], summary: string, since: string, handler: CommandSpec['handler'], keys = NO_KEYS): CommandSpec => ({
  name,
  arity,
  flags,
  keys,
  categories: [],
  group: 'server',
  summary,
  since,
  handler,
});

export const introspectionCommands: CommandSpec[] = [
  {
    ...i('memory', -2, [], 'A container for memory diagnostics commands.', '4.0.0', undefined),
    subcommands: [
      i('memory|doctor', 2, [], 'Outputs a memory problems report.', '4.0.0', memoryDoctor),
      i('memory|help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands.', '4.0.0', memoryHelp),
      i('memory|malloc-stats', 2, [], 'Returns the allocator statistics.', '4.0.0', (ctx) => ctx.reply.bulk('Stats not supported for the current allocator')),
      i('memory|purge', 2, [], 'Asks the allocator to release memory.', '4.0.0', (ctx) => ctx.reply.ok()),
      i('memory|stats', 2, [], 'Returns details about memory usage.', '4.0.0', memoryStats),
      i('memory|usage', -3, ['readonly'], 'Estimates the memory usage of a key.', '4.0.0', memoryUsage, { first: 2, last: 2, step: 1 }),
    ],
  },
  {
    ...i('latency', -2, [], 'A container for latency diagnostics commands.', '2.8.13', undefined),
    subcommands: [
      i('latency|doctor', 2, ADMIN, 'Returns a human-readable latency analysis report.', '2.8.13', latencyDoctor),
      i('latency|graph', 3, ADMIN, 'Returns a latency graph for an event.', '2.8.13', latencyGraph),
      i('latency|help', 2, ['loading', 'stale'], 'Returns helpful text about the different subcommands.', '2.8.13', latencyHelp),
      i('latency|histogram', -2, ADMIN, 'Returns the cumulative distribution of latencies of a subset or all commands.', '7.0.0', latencyHistogram),
      i('latency|history', 3, ADMIN, 'Returns timestamp-latency samples for an event.', '2.8.13', latencyHistory),
      i('latency|latest', 2, ADMIN, 'Returns the latest latency samples for all events.', '2.8.13', latencyLatest),
      i('latency|reset', -2, ADMIN, 'Resets the latency data for one or more events.', '2.8.13', latencyReset),
    ],
  },
];
