// Introspection against a running node: MEMORY, LATENCY (with DEBUG SLEEP to make real
// spikes), the INFO fields clients parse, CONFIG GET/SET and its errors word for word,
// CLIENT LIST/INFO/KILL/SETNAME/NO-EVICT/PAUSE/UNPAUSE, and keyspace notifications
// seen by a subscriber.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNode, RawClient, resp } from '../support/valkey.js';
import { cmd } from '../support/resp-wire.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';

let node: ValkeyNode;
let admin: RawClient;
const opened: RawClient[] = [];

before(async () => {
  node = await startNode({ enableDebugCommand: true });
  admin = await connect();
});
after(async () => {
  for (const c of opened) c.close();
  await node.close();
});

async function connect(): Promise<RawClient> {
  const c = await RawClient.connect(node.port);
  opened.push(c);
  return c;
}

/** The strings and integers of a RESP2 reply, flattened (nil bulks left out). */
function items(reply: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < reply.length) {
    const nl = reply.indexOf('\r\n', i);
    const type = reply[i];
    const head = reply.slice(i + 1, nl);
    i = nl + 2;
    if (type === '$') {
      const n = Number(head);
      if (n >= 0) {
        out.push(reply.slice(i, i + n));
        i += n + 2;
      }
    } else if (type === ':' || type === '+') {
      out.push(head);
    }
  }
  return out;
}

/** INFO as a field → value map. */
async function info(section?: string): Promise<Map<string, string>> {
  const text = items(await cmd(admin, 'INFO', ...(section ? [section] : [])))[0];
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) m.set(line.slice(0, at), line.slice(at + 1));
  }
  return m;
}

// ---- MEMORY ---------------------------------------------------------------------------------

describe('MEMORY', () => {
  test("USAGE of strings adds up as redis-server 7.0 reports it (robj, sds headers, jemalloc classes, dict entry)", async () => {
    const cases: [string, string, number][] = [
      ['k', '1', 48],
      ['k', 'bar', 64],
      ['k', 'x'.repeat(40), 96],
      ['k', 'x'.repeat(50), 112],
      ['k', 'x'.repeat(200), 272],
      ['k'.repeat(42), 'bar', 104],
    ];
    for (const [key, value, bytes] of cases) {
      assert.equal(await cmd(admin, 'SET', key, value), '+OK\r\n');
      assert.equal(await cmd(admin, 'MEMORY', 'USAGE', key), `:${bytes}\r\n`, `${key.length}-byte key, ${value.length}-byte value`);
    }
  });

  test('USAGE of a collection grows with its elements; a missing key is nil', async () => {
    await cmd(admin, 'DEL', 'musage:h');
    await cmd(admin, 'HSET', 'musage:h', 'f', 'v');
    const small = Number(items(await cmd(admin, 'MEMORY', 'USAGE', 'musage:h'))[0]);
    const fields: string[] = [];
    for (let i = 0; i < 100; i++) fields.push(`field${i}`, 'v'.repeat(20));
    await cmd(admin, 'HSET', 'musage:h', ...fields);
    const big = Number(items(await cmd(admin, 'MEMORY', 'USAGE', 'musage:h', 'SAMPLES', '0'))[0]);
    assert.ok(small > 0 && big > small + 100 * 20, `${small} then ${big}`);
    assert.equal(await cmd(admin, 'MEMORY', 'USAGE', 'musage:none'), '$-1\r\n');
  });

  test('USAGE errors are the reference ones', async () => {
    assert.equal(await cmd(admin, 'MEMORY', 'USAGE', 'k', 'SAMPLES', 'x'), '-ERR value is not an integer or out of range\r\n');
    assert.equal(await cmd(admin, 'MEMORY', 'USAGE', 'k', 'SAMPLES', '-1'), '-ERR syntax error\r\n');
    assert.equal(await cmd(admin, 'MEMORY', 'USAGE', 'k', 'FOO'), '-ERR syntax error\r\n');
    assert.equal(await cmd(admin, 'MEMORY', 'USAGE'), "-ERR wrong number of arguments for 'memory|usage' command\r\n");
    assert.equal(await cmd(admin, 'MEMORY', 'FOO'), "-ERR unknown subcommand 'FOO'. Try MEMORY HELP.\r\n");
  });

  test("STATS has Redis 7.0's fields, with the key count and a db entry for each database in use", async () => {
    const reply = await cmd(admin, 'MEMORY', 'STATS');
    const it = items(reply);
    for (const field of ['peak.allocated', 'total.allocated', 'startup.allocated', 'replication.backlog', 'clients.slaves', 'clients.normal', 'overhead.total', 'keys.count', 'keys.bytes-per-key', 'dataset.bytes', 'dataset.percentage', 'peak.percentage', 'fragmentation', 'fragmentation.bytes', 'db.0', 'overhead.hashtable.main', 'overhead.hashtable.expires']) {
      assert.ok(it.includes(field), field);
    }
    const dbsize = items(await cmd(admin, 'DBSIZE'))[0];
    assert.equal(it[it.indexOf('keys.count') + 1], dbsize);
    assert.equal(it[it.indexOf('total.allocated') + 1], (await info('memory')).get('used_memory'));
  });

  test('DOCTOR, MALLOC-STATS, PURGE and HELP answer', async () => {
    assert.match(items(await cmd(admin, 'MEMORY', 'DOCTOR'))[0], /^Hi Sam, /);
    assert.equal(await cmd(admin, 'MEMORY', 'PURGE'), '+OK\r\n');
    assert.equal(items(await cmd(admin, 'MEMORY', 'MALLOC-STATS'))[0], 'Stats not supported for the current allocator');
    const help = items(await cmd(admin, 'MEMORY', 'HELP'));
    assert.equal(help[0], 'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.ok(help.includes('USAGE <key> [SAMPLES <count>]'));
  });
});

// ---- LATENCY --------------------------------------------------------------------------------

describe('LATENCY', () => {
  test('DOCTOR says monitoring is off while latency-monitor-threshold is 0 and nothing was recorded', async () => {
    assert.equal(await cmd(admin, 'LATENCY', 'RESET'), ':0\r\n');
    assert.match(items(await cmd(admin, 'LATENCY', 'DOCTOR'))[0], /^I'm sorry, Dave, I can't do that\. Latency monitoring is disabled/);
  });

  test('a command over the threshold is a "command" event: LATEST, HISTORY, GRAPH and DOCTOR show it; RESET drops it', async () => {
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'latency-monitor-threshold', '100'), '+OK\r\n');
    try {
      assert.equal(await cmd(admin, 'DEBUG', 'SLEEP', '0.2'), '+OK\r\n');
      assert.equal(await cmd(admin, 'PING'), '+PONG\r\n', 'a fast command is not an event');
      const latest = items(await cmd(admin, 'LATENCY', 'LATEST'));
      assert.equal(latest.length, 4);
      const [event, time, last, max] = latest;
      assert.equal(event, 'command');
      assert.ok(Math.abs(Number(time) - Date.now() / 1000) < 5);
      assert.ok(Number(last) >= 200 && Number(last) < 1000, last);
      assert.equal(max, last);
      assert.deepEqual(items(await cmd(admin, 'LATENCY', 'HISTORY', 'command')), [time, last]);
      const graph = items(await cmd(admin, 'LATENCY', 'GRAPH', 'command'))[0];
      assert.equal(graph.split('\n')[0], `command - high ${last} ms, low ${last} ms (all time high ${last} ms)`);
      assert.equal(graph.split('\n')[1], '-'.repeat(80));
      assert.match(graph, /\n_\n \n\d\ns\n$/, 'one sample at the bottom row, labelled with its age');
      const doctor = items(await cmd(admin, 'LATENCY', 'DOCTOR'))[0];
      assert.match(doctor, /^Dave, I have observed latency spikes in this Redis instance\./);
      assert.match(doctor, new RegExp(`1\\. command: 1 latency spikes \\(average ${last}ms, mean deviation 0ms, period \\d+\\.\\d\\d sec\\)\\. Worst all time event ${last}ms\\.`));
      assert.equal(await cmd(admin, 'LATENCY', 'RESET', 'nosuch'), ':0\r\n');
      assert.equal(await cmd(admin, 'LATENCY', 'RESET'), ':1\r\n');
      assert.equal(await cmd(admin, 'LATENCY', 'LATEST'), '*0\r\n');
    } finally {
      await cmd(admin, 'CONFIG', 'SET', 'latency-monitor-threshold', '0');
    }
  });

  test('unknown events: an empty HISTORY, and GRAPH says there are no samples', async () => {
    assert.equal(await cmd(admin, 'LATENCY', 'HISTORY', 'blabla'), '*0\r\n');
    assert.equal(await cmd(admin, 'LATENCY', 'GRAPH', 'blabla'), "-ERR No samples available for event 'blabla'\r\n");
  });

  test('HISTOGRAM: CONFIG RESETSTAT empties it (and is itself recorded); calls are counted per command', async () => {
    assert.equal(await cmd(admin, 'CONFIG', 'RESETSTAT'), '+OK\r\n');
    assert.deepEqual(items(await cmd(admin, 'LATENCY', 'HISTOGRAM')).slice(0, 3), ['config|resetstat', 'calls', '1']);
    assert.equal(items(await cmd(admin, 'LATENCY', 'HISTOGRAM')).filter((x) => x === 'calls').length, 2, 'config|resetstat and latency|histogram');
    await cmd(admin, 'SET', 'ha', 'b');
    await cmd(admin, 'SET', 'hc', 'd');
    await cmd(admin, 'GET', 'ha');
    const h = items(await cmd(admin, 'LATENCY', 'HISTOGRAM', 'set', 'get', 'blabla', 'zadd'));
    assert.deepEqual(h.slice(0, 3), ['set', 'calls', '2']);
    assert.equal(h[3], 'histogram_usec');
    assert.deepEqual(h.slice(h.indexOf('get'), h.indexOf('get') + 3), ['get', 'calls', '1']);
    assert.equal(h.filter((x) => x === 'calls').length, 2, 'unknown and unused commands are skipped');
    // Buckets are powers of two of 1024 ns labelled in µs (1, 2, 4, 8, 16, 33, 66, ...) with cumulative counts.
    const setBuckets = h.slice(4, h.indexOf('get'));
    const labels = setBuckets.filter((_, i) => i % 2 === 0).map(Number);
    const counts = setBuckets.filter((_, i) => i % 2 === 1).map(Number);
    const allowed = [1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33816, 67633, 135266, 270532, 541065, 1082130];
    for (const l of labels) assert.ok(allowed.includes(l), `bucket ${l}`);
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b));
    assert.equal(counts[counts.length - 1], 2);
  });

  test('HISTOGRAM of a container reports its subcommands; a subcommand can be asked for by name', async () => {
    assert.equal(await cmd(admin, 'CONFIG', 'RESETSTAT'), '+OK\r\n');
    await cmd(admin, 'CLIENT', 'ID');
    await cmd(admin, 'CLIENT', 'LIST');
    const all = items(await cmd(admin, 'LATENCY', 'HISTOGRAM', 'client'));
    assert.ok(all.includes('client|id') && all.includes('client|list'));
    assert.equal(all.filter((x) => x === 'calls').length, 2);
    const one = items(await cmd(admin, 'LATENCY', 'HISTOGRAM', 'client|id'));
    assert.deepEqual(one.slice(0, 3), ['client|id', 'calls', '1']);
    assert.equal(one.filter((x) => x === 'calls').length, 1);
  });

  test('INFO latencystats gives percentiles per command, and HELP takes no arguments', async () => {
    await cmd(admin, 'GET', 'ha');
    const stats = await info('latencystats');
    assert.match(stats.get('latency_percentiles_usec_get') ?? '', /^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
    assert.equal(await cmd(admin, 'LATENCY', 'HELP', 'xxx'), "-ERR wrong number of arguments for 'latency|help' command\r\n");
    assert.equal(items(await cmd(admin, 'LATENCY', 'HELP'))[0], 'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  });
});

// ---- INFO -----------------------------------------------------------------------------------

describe('INFO', () => {
  test('the default sections, titled as Redis titles them', async () => {
    const text = items(await cmd(admin, 'INFO'))[0];
    const titles = text.split('\r\n').filter((l) => l.startsWith('# '));
    assert.deepEqual(titles, ['# Server', '# Clients', '# Memory', '# Persistence', '# Stats', '# Replication', '# CPU', '# Modules', '# Errorstats', '# Cluster', '# Keyspace']);
    const everything = items(await cmd(admin, 'INFO', 'everything'))[0];
    assert.ok(everything.includes('# Commandstats\r\n') && everything.includes('# Latencystats\r\n'));
  });

  test('the fields clients and exporters parse are there, with values of the right shape', async () => {
    const m = await info('all');
    const numeric = [
      'tcp_port', 'uptime_in_seconds', 'connected_clients', 'blocked_clients', 'maxclients', 'used_memory', 'used_memory_rss',
      'used_memory_peak', 'maxmemory', 'total_connections_received', 'total_commands_processed', 'instantaneous_ops_per_sec',
      'rejected_connections', 'expired_keys', 'evicted_keys', 'keyspace_hits', 'keyspace_misses', 'total_error_replies',
      'connected_slaves', 'master_repl_offset', 'loading', 'rdb_changes_since_last_save', 'aof_enabled', 'pubsub_channels',
    ];
    for (const f of numeric) assert.match(m.get(f) ?? '', /^\d+$/, f);
    assert.match(m.get('redis_version') ?? '', /^\d+\.\d+\.\d+$/);
    assert.equal(m.get('redis_mode'), 'standalone');
    assert.equal(m.get('role'), 'master');
    assert.equal(m.get('tcp_port'), String(node.port));
    assert.match(m.get('used_memory_human') ?? '', /^\d+(\.\d\d)?[BKMG]$/);
    assert.match(m.get('mem_fragmentation_ratio') ?? '', /^\d+\.\d\d$/);
    assert.match(m.get('used_memory_peak_perc') ?? '', /^\d+\.\d\d%$/);
    assert.equal(m.get('maxmemory_policy'), 'noeviction');
    assert.match(m.get('used_cpu_sys') ?? '', /^\d+\.\d{6}$/);
    assert.match(m.get('db0') ?? '', /^keys=\d+,expires=\d+,avg_ttl=\d+$/);
    assert.match(m.get('cmdstat_info') ?? '', /^calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=\d+,failed_calls=\d+$/);
  });

  test('errorstats and rejected/failed call counts follow the errors clients got', async () => {
    assert.equal(await cmd(admin, 'CONFIG', 'RESETSTAT'), '+OK\r\n');
    await cmd(admin, 'GET');
    await cmd(admin, 'SET', 'wt', 'v');
    await cmd(admin, 'LPUSH', 'wt', 'x');
    const m = await info('everything');
    assert.equal(m.get('errorstat_ERR'), 'count=1');
    assert.equal(m.get('errorstat_WRONGTYPE'), 'count=1');
    assert.equal(m.get('total_error_replies'), '2');
    assert.match(m.get('cmdstat_get') ?? '', /rejected_calls=1,failed_calls=0$/);
    assert.match(m.get('cmdstat_lpush') ?? '', /rejected_calls=0,failed_calls=1$/);
  });

  test('one section, several sections, and an unknown one', async () => {
    const one = items(await cmd(admin, 'INFO', 'clients'))[0];
    assert.match(one, /^# Clients\r\nconnected_clients:\d+\r\n/);
    const two = items(await cmd(admin, 'INFO', 'server', 'CLIENTS'))[0];
    assert.ok(two.startsWith('# Server\r\n') && two.includes('\r\n# Clients\r\n'));
    assert.equal(await cmd(admin, 'INFO', 'nosuch'), '$0\r\n\r\n');
  });

  test('ioredis connects (its ready check reads INFO) and parses it', async () => {
    const r = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: true });
    await r.connect();
    try {
      const text = await r.info('server');
      assert.match(text, /redis_version:/);
      assert.equal(r.status, 'ready');
    } finally {
      r.disconnect();
    }
  });
});

// ---- CONFIG ---------------------------------------------------------------------------------

describe('CONFIG GET/SET', () => {
  const failed = (name: string, why: string) => `-ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}\r\n`;

  test("errors are redis-server 7.0's, word for word", async () => {
    const cases: [string[], string][] = [
      [['nosuch', '1'], "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"],
      [['maxmemory', 'abc'], failed('maxmemory', 'argument must be a memory value')],
      [['maxmemory', '-1'], failed('maxmemory', 'argument must be a memory value')],
      [['maxclients', '0'], failed('maxclients', 'argument must be between 1 and 4294967295 inclusive')],
      [['maxclients', 'x'], failed('maxclients', "argument couldn't be parsed into an integer")],
      [['appendonly', 'maybe'], failed('appendonly', "argument must be 'yes' or 'no'")],
      [['maxmemory-policy', 'foo'], failed('maxmemory-policy', 'argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction')],
      [['timeout', '1', 'timeout', '2'], failed('timeout', 'duplicate parameter')],
      [['dir', '/tmp'], failed('dir', "can't set protected config")],
      [['databases', '4'], failed('databases', "can't set immutable config")],
      [['notify-keyspace-events', 'Z'], failed('notify-keyspace-events', "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")],
      [['save', '100'], failed('save', 'Invalid save parameters')],
      [['client-output-buffer-limit', 'foo 0 0 0'], failed('client-output-buffer-limit', 'Invalid client class specified in buffer limit configuration.')],
      [['latency-tracking-info-percentiles', '50 abc'], failed('latency-tracking-info-percentiles', 'Invalid latency-tracking-info-percentiles parameters')],
      [['timeout'], "-ERR wrong number of arguments for 'config|set' command\r\n"],
    ];
    for (const [args, error] of cases) assert.equal(await cmd(admin, 'CONFIG', 'SET', ...args), error, args.join(' '));
    assert.equal(await cmd(admin, 'CONFIG', 'GET'), "-ERR wrong number of arguments for 'config|get' command\r\n");
    assert.equal(await cmd(admin, 'CONFIG', 'RESETSTAT', 'x'), "-ERR wrong number of arguments for 'config|resetstat' command\r\n");
    assert.equal(await cmd(admin, 'CONFIG', 'REWRITE'), '-ERR The server is running without a config file\r\n');
    assert.equal(await cmd(admin, 'CONFIG', 'FOO'), "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n");
  });

  test('a multi-parameter SET is all or nothing', async () => {
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'timeout', '7', 'maxmemory', 'abc'), failed('maxmemory', 'argument must be a memory value'));
    assert.deepEqual(items(await cmd(admin, 'CONFIG', 'GET', 'timeout')), ['timeout', '0']);
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'timeout', '0', 'maxmemory', '1GB'), '+OK\r\n');
    assert.deepEqual(items(await cmd(admin, 'CONFIG', 'GET', 'maxmemory')), ['maxmemory', '1073741824']);
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'maxmemory', '0'), '+OK\r\n');
  });

  test('values are stored the way Redis stores them: hz clamped, notify flags canonical, buffer limits merged', async () => {
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'hz', '1000'), '+OK\r\n');
    assert.deepEqual(items(await cmd(admin, 'CONFIG', 'GET', 'hz')), ['hz', '500']);
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'hz', '10'), '+OK\r\n');
    for (const [given, stored] of [['KEA', 'AKE'], ['Egx$', 'g$xE'], ['g$lshzxetdnm', 'Am'], ['', '']]) {
      assert.equal(await cmd(admin, 'CONFIG', 'SET', 'notify-keyspace-events', given), '+OK\r\n');
      assert.deepEqual(items(await cmd(admin, 'CONFIG', 'GET', 'notify-keyspace-events')), ['notify-keyspace-events', stored], given);
    }
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 2kb 3'), '+OK\r\n');
    assert.deepEqual(items(await cmd(admin, 'CONFIG', 'GET', 'client-output-buffer-limit')), [
      'client-output-buffer-limit',
      'normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2048 3',
    ]);
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60'), '+OK\r\n');
  });

  test('GET takes globs and several names; an exact name comes back as it was asked', async () => {
    const m = items(await cmd(admin, 'CONFIG', 'GET', 'maxmemory*'));
    for (const name of ['maxmemory', 'maxmemory-policy', 'maxmemory-samples']) assert.ok(m.includes(name), name);
    assert.deepEqual(items(await cmd(admin, 'CONFIG', 'GET', 'MAXMEMORY')), ['MAXMEMORY', '0']);
    const two = items(await cmd(admin, 'CONFIG', 'GET', 'timeout', 'databases'));
    assert.deepEqual(new Map([[two[0], two[1]], [two[2], two[3]]]), new Map([['timeout', '0'], ['databases', '16']]));
    assert.deepEqual(items(await cmd(admin, 'CONFIG', 'GET', 'bind')), ['bind', '127.0.0.1']);
    assert.deepEqual(items(await cmd(admin, 'CONFIG', 'GET', 'nosuch')), []);
  });

  test('RESETSTAT zeroes the statistics', async () => {
    await cmd(admin, 'GET', 'nosuchkey');
    assert.equal(await cmd(admin, 'CONFIG', 'RESETSTAT'), '+OK\r\n');
    const m = await info('stats');
    assert.equal(m.get('keyspace_misses'), '0');
    assert.equal(m.get('total_error_replies'), '0');
  });
});

// ---- CLIENT ---------------------------------------------------------------------------------

describe('CLIENT', () => {
  test("LIST and INFO: one line per client with Redis 7.0's fields; cmd= is the command being run", async () => {
    const c = await connect();
    assert.equal(await cmd(c, 'CLIENT', 'SETNAME', 'lister'), '+OK\r\n');
    const mine = items(await cmd(c, 'CLIENT', 'INFO'))[0];
    assert.match(
      mine,
      /^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=-?\d+ name=lister age=\d+ idle=\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=\d+ rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+ events=r cmd=client\|info user=default redir=-1 resp=2/,
    );
    const id = /^id=(\d+)/.exec(mine)![1];
    const all = items(await cmd(admin, 'CLIENT', 'LIST'))[0];
    assert.ok(all.split('\n').some((l) => l.startsWith(`id=${id} `) && l.includes(' name=lister ')));
    assert.equal(items(await cmd(admin, 'CLIENT', 'LIST', 'ID', id))[0].split('\n').length, 2, 'one line and the final newline');
    assert.equal(items(await cmd(admin, 'CLIENT', 'LIST', 'ID', '0'))[0], '');
    assert.equal(await cmd(admin, 'CLIENT', 'LIST', 'ID', 'x'), '-ERR Invalid client ID\r\n');
    assert.equal(await cmd(admin, 'CLIENT', 'LIST', 'TYPE', 'foo'), "-ERR Unknown client type 'foo'\r\n");
    assert.match(items(await cmd(admin, 'CLIENT', 'LIST', 'TYPE', 'normal'))[0], new RegExp(`id=${id} `));
  });

  test('SETNAME/GETNAME: names without spaces; an empty name clears it', async () => {
    const c = await connect();
    assert.equal(await cmd(c, 'CLIENT', 'GETNAME'), '$-1\r\n');
    assert.equal(await cmd(c, 'CLIENT', 'SETNAME', 'a b'), '-ERR Client names cannot contain spaces, newlines or special characters.\r\n');
    assert.equal(await cmd(c, 'CLIENT', 'SETNAME', 'foo'), '+OK\r\n');
    assert.equal(await cmd(c, 'CLIENT', 'GETNAME'), '$3\r\nfoo\r\n');
    assert.equal(await cmd(c, 'CLIENT', 'SETNAME', ''), '+OK\r\n');
    assert.equal(await cmd(c, 'CLIENT', 'GETNAME'), '$-1\r\n');
  });

  test('KILL by address, by ID, by TYPE and USER with SKIPME; errors as Redis words them', async () => {
    const victim = await connect();
    const info1 = items(await cmd(victim, 'CLIENT', 'INFO'))[0];
    const addr = /addr=(\S+)/.exec(info1)![1];
    assert.equal(await cmd(admin, 'CLIENT', 'KILL', addr), '+OK\r\n');
    assert.ok(await victim.waitClosed(2000));
    const v2 = await connect();
    const id = /^id=(\d+)/.exec(items(await cmd(v2, 'CLIENT', 'INFO'))[0])![1];
    assert.equal(await cmd(admin, 'CLIENT', 'KILL', 'ID', id), ':1\r\n');
    assert.ok(await v2.waitClosed(2000));
    assert.equal(await cmd(admin, 'CLIENT', 'KILL', '1.2.3.4:5'), '-ERR No such client\r\n');
    assert.equal(await cmd(admin, 'CLIENT', 'KILL', 'ID', 'x'), '-ERR client-id should be greater than 0\r\n');
    assert.equal(await cmd(admin, 'CLIENT', 'KILL', 'ID', '999999'), ':0\r\n');
    assert.equal(await cmd(admin, 'CLIENT', 'KILL', 'TYPE', 'foo'), "-ERR Unknown client type 'foo'\r\n");
    assert.equal(await cmd(admin, 'CLIENT', 'KILL', 'USER', 'nouser'), "-ERR No such user 'nouser'\r\n");
    assert.equal(await cmd(admin, 'CLIENT', 'KILL', 'FOO', 'bar'), '-ERR syntax error\r\n');
    assert.equal(await cmd(admin, 'CLIENT', 'KILL', 'SKIPME', 'maybe'), '-ERR syntax error\r\n');
    // TYPE pubsub kills subscribers only; SKIPME yes (the default) spares the caller.
    const sub = await connect();
    sub.write(resp('SUBSCRIBE', 'killme'));
    await sub.readUntil((t) => t.includes(':1\r\n'));
    const bystander = await connect();
    assert.equal(await cmd(admin, 'CLIENT', 'KILL', 'TYPE', 'pubsub'), ':1\r\n');
    assert.ok(await sub.waitClosed(2000));
    assert.equal(await cmd(bystander, 'PING'), '+PONG\r\n');
    assert.equal(await cmd(admin, 'ACL', 'SETUSER', 'killable', 'on', 'nopass', '+@all', '~*'), '+OK\r\n');
    const k = await connect();
    assert.equal(await cmd(k, 'AUTH', 'killable', 'x'), '+OK\r\n');
    assert.equal(await cmd(k, 'CLIENT', 'KILL', 'USER', 'killable', 'SKIPME', 'no'), ':1\r\n');
    assert.ok(await k.waitClosed(2000), 'killing itself: the reply, then the close');
  });

  test('NO-EVICT sets the e flag and takes only ON or OFF', async () => {
    const c = await connect();
    assert.equal(await cmd(c, 'CLIENT', 'NO-EVICT', 'on'), '+OK\r\n');
    assert.match(items(await cmd(c, 'CLIENT', 'INFO'))[0], / flags=e /);
    assert.equal(await cmd(c, 'CLIENT', 'NO-EVICT', 'off'), '+OK\r\n');
    assert.match(items(await cmd(c, 'CLIENT', 'INFO'))[0], / flags=N /);
    assert.equal(await cmd(c, 'CLIENT', 'NO-EVICT', 'maybe'), '-ERR syntax error\r\n');
  });

  test('PAUSE WRITE holds writes but not reads until UNPAUSE; PAUSE ALL holds everything until it expires', async () => {
    const writer = await connect();
    const reader = await connect();
    assert.equal(await cmd(admin, 'SET', 'paused', 'before'), '+OK\r\n');
    assert.equal(await cmd(admin, 'CLIENT', 'PAUSE', '20000', 'WRITE'), '+OK\r\n');
    writer.write(resp('SET', 'paused', 'after'));
    assert.equal(await cmd(reader, 'GET', 'paused'), '$6\r\nbefore\r\n', 'reads go on');
    assert.equal(await writer.readUntil(() => false, 200), '', 'the write waits');
    assert.equal(await cmd(admin, 'CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await writer.readUntil((t) => t.length > 0), '+OK\r\n');
    assert.equal(await cmd(reader, 'GET', 'paused'), '$5\r\nafter\r\n');
    // ALL holds every command, CLIENT UNPAUSE included (as in Redis), until the time is up.
    assert.equal(await cmd(admin, 'CLIENT', 'PAUSE', '400'), '+OK\r\n');
    reader.write(resp('GET', 'paused'));
    assert.equal(await reader.readUntil(() => false, 100), '', 'ALL holds reads too');
    assert.equal(await reader.readUntil((t) => t.endsWith('after\r\n'), 5000), '$5\r\nafter\r\n');
  });

  test('PAUSE errors', async () => {
    assert.equal(await cmd(admin, 'CLIENT', 'PAUSE', 'x'), '-ERR timeout is not an integer or out of range\r\n');
    assert.equal(await cmd(admin, 'CLIENT', 'PAUSE', '-1'), '-ERR timeout is negative\r\n');
    assert.equal(await cmd(admin, 'CLIENT', 'PAUSE', '10', 'FOO'), '-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n');
    assert.equal(await cmd(admin, 'CLIENT', 'PAUSE', '10', 'ALL', 'x'), "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n");
    assert.equal(await cmd(admin, 'CLIENT', 'UNPAUSE'), '+OK\r\n');
  });
});

// ---- keyspace notifications --------------------------------------------------------------

describe('keyspace notifications', () => {
  /** Subscribes to every keyspace channel, runs `work`, returns [channel, message] pairs seen. */
  async function events(flags: string, work: (c: RawClient) => Promise<void>, settle: (seen: [string, string][]) => boolean = () => true): Promise<[string, string][]> {
    assert.equal(await cmd(admin, 'CONFIG', 'SET', 'notify-keyspace-events', flags), '+OK\r\n');
    const sub = await connect();
    sub.write(resp('PSUBSCRIBE', '__key*__:*'));
    await sub.readUntil((t) => t.endsWith(':1\r\n'));
    try {
      const c = await connect();
      await work(c);
      assert.equal(await cmd(c, 'PING'), '+PONG\r\n');
      let seen: [string, string][] = [];
      const deadline = Date.now() + 3000;
      do {
        await new Promise((r) => setTimeout(r, 30));
        const lines = sub.peek().split('\r\n');
        seen = [];
        for (let i = 0; i + 6 < lines.length; i++) {
          if (lines[i] === 'pmessage') seen.push([lines[i + 4], lines[i + 6]]);
        }
      } while (!settle(seen) && Date.now() < deadline);
      return seen;
    } finally {
      await cmd(admin, 'CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  }

  test('KEA: each write raises a keyspace and a keyevent message', async () => {
    const seen = await events('KEA', async (c) => {
      await cmd(c, 'SET', 'ne:a', '1');
      await cmd(c, 'INCR', 'ne:a');
      await cmd(c, 'DEL', 'ne:a', 'ne:none');
    });
    assert.deepEqual(seen, [
      ['__keyspace@0__:ne:a', 'set'],
      ['__keyevent@0__:set', 'ne:a'],
      ['__keyspace@0__:ne:a', 'incrby'],
      ['__keyevent@0__:incrby', 'ne:a'],
      ['__keyspace@0__:ne:a', 'del'],
      ['__keyevent@0__:del', 'ne:a'],
    ]);
  });

  test('K alone gives keyspace channels only, E alone keyevent channels only; classes filter events', async () => {
    const work = async (c: RawClient) => {
      await cmd(c, 'SET', 'ne:b', 'v');
      await cmd(c, 'EXPIRE', 'ne:b', '100');
      await cmd(c, 'LPUSH', 'ne:l', 'x');
      await cmd(c, 'DEL', 'ne:l');
    };
    assert.deepEqual(await events('K$', work), [['__keyspace@0__:ne:b', 'set']]);
    assert.deepEqual(await events('Eg', work), [
      ['__keyevent@0__:expire', 'ne:b'],
      ['__keyevent@0__:del', 'ne:l'],
    ]);
    assert.deepEqual(await events('El', work), [['__keyevent@0__:lpush', 'ne:l']]);
    assert.deepEqual(await events('g$', work), [], 'without K or E nothing is published');
  });

  test('x: keys that expire raise "expired"', async () => {
    const seen = await events(
      'Ex',
      async (c) => {
        await cmd(c, 'SET', 'ne:short', 'v', 'PX', '20');
      },
      (s) => s.length > 0,
    );
    assert.deepEqual(seen, [['__keyevent@0__:expired', 'ne:short']]);
  });

  test('e: keys evicted under maxmemory raise "evicted"', async () => {
    const seen = await events(
      'Ee',
      async (c) => {
        await cmd(c, 'FLUSHALL');
        await cmd(c, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
        for (let i = 0; i < 50; i++) await cmd(c, 'SET', `ne:ev${i}`, 'x'.repeat(10000));
        // 100 KB is well under the 500 KB of values: the next write has to evict.
        await cmd(c, 'CONFIG', 'SET', 'maxmemory', '100000');
        await cmd(c, 'SET', 'ne:trigger', 'v');
        await cmd(c, 'CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction');
      },
      (s) => s.length > 0,
    );
    assert.ok(seen.length > 0);
    for (const [channel, key] of seen) {
      assert.equal(channel, '__keyevent@0__:evicted');
      assert.match(key, /^ne:(ev\d+|trigger)$/);
    }
  });
});
