// Reads the Prometheus text format that /metrics serves into samples, and turns two
// scrapes of a node into the figures the console charts (rates need two points).

/** Parses `name{a="b",...} value` lines; comments and blank lines are skipped. */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    let l;
    while ((l = re.exec(m[3] ?? '')) !== null) labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

/**
 * Commands the control plane and replication send on their own (health checks, INFO
 * probes, the replication stream): left out of the ops/s chart, which is about clients.
 */
const BACKGROUND = new Set(['ping', 'info', 'replconf', 'psync', 'sync', 'version']);
const background = (command) => BACKGROUND.has(command) || command.startsWith('cove.');

/** Per node (key account/cluster/node): its figures in one scrape. */
export function nodeFigures(samples) {
  const nodes = new Map();
  for (const s of samples) {
    if (!s.name.startsWith('cove_node_')) continue;
    const key = `${s.labels.account}/${s.labels.cluster}/${s.labels.node}`;
    let n = nodes.get(key);
    if (!n) nodes.set(key, (n = { key, cluster: s.labels.cluster, node: s.labels.node, engine: s.labels.engine, commands: 0, byCommand: {} }));
    const f = s.name.slice('cove_node_'.length);
    if (f === 'commands_total') {
      if (!background(s.labels.command)) n.commands += s.value;
      n.byCommand[s.labels.command] = s.value;
    } else n[f] = s.value;
  }
  return nodes;
}

/** What the charts plot at one point: gauges as they are, counters as per-second rates since `prev`. */
export function chartPoint(cur, prev, seconds) {
  const rate = (k) => (prev && seconds > 0 && cur[k] >= prev[k] ? (cur[k] - prev[k]) / seconds : 0);
  const dh = prev ? cur.hits_total - prev.hits_total : 0;
  const dm = prev ? cur.misses_total - prev.misses_total : 0;
  return {
    connections: cur.connections ?? 0,
    ops: prev && seconds > 0 && cur.commands >= prev.commands ? (cur.commands - prev.commands) / seconds : 0,
    memory: cur.memory_bytes ?? 0,
    // Hit ratio over the interval; with no lookups in it, the ratio since the node started.
    hitRatio: dh + dm > 0 ? dh / (dh + dm) : cur.hits_total + cur.misses_total > 0 ? cur.hits_total / (cur.hits_total + cur.misses_total) : 0,
    evictions: rate('evictions_total'),
  };
}
