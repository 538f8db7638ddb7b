// Benchmark: the same bounded load against Debian's memcached (-t 1) and Cove's
// memcached node, interleaved, printing ratios. Not a test (see DESIGN.md §7).
//
//   node .build/<dir>/bench/memcached.js [--rounds 3] [--seconds 3] [--items 1000000]
//
// Loads (50 connections each, closed loop, text protocol):
//   set P1, get P1      one request per round trip
//   set P16, get P16    16 requests written at once per round trip
//   mget16              one "get" of 16 keys per round trip (counted in keys/s)
// Then memory per item: RSS growth after loading --items items into a fresh server.
//
// A third server, "node floor", runs beside them: a bare Node server that answers
// each request with canned bytes of the right length and keeps no data at all (one
// 'data' event, one scan for line ends, one write per read, as Cove does). Its CPU per
// op is what the runtime costs before any cache work: the budget Cove's own work has
// to fit in to match memcached (docs/memcached.md, Performance).
//
// Each server and the load generator run in their own process (this file in
// another mode), so the load generator does not share an event loop with Cove.
// For every run the server's CPU time is read from /proc, giving CPU µs per op,
// the number that carries across machines (performance.md).

import net from 'node:net';
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const CONNS = 50;
const KEYS = 10000;
const VALUE_LEN = 32;
const TICKS = 100; // clock ticks per second in /proc/<pid>/stat

interface LoadResult {
  ops: number;
  seconds: number;
}

// ---- child mode: Cove server --------------------------------------------------------

async function serveCove(port: number): Promise<void> {
  const { MemcachedNode } = await import('../src/server/memcached-node.js');
  const node = new MemcachedNode({ port, memoryLimitMb: 1024, maxConns: 4096, logger: () => {} });
  await node.listen();
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void node.close().then(() => process.exit(0)));
}

// ---- child mode: the Node floor ----------------------------------------------------

function serveFloor(port: number): void {
  const due = new Set<() => void>();
  const defer = (f: () => void) => {
    if (due.size === 0)
      setImmediate(() => {
        for (const g of due) g();
        due.clear();
      });
    due.add(f);
  };
  // Replies the load generator counts by length only; keys in it are all 11 bytes.
  const value = Buffer.from(`VALUE key:0000000 0 ${VALUE_LEN}\r\n${'v'.repeat(VALUE_LEN)}\r\n`);
  const stored = Buffer.from('STORED\r\n');
  const end = Buffer.from('END\r\n');
  const mn = Buffer.from('MN\r\n');
  const server = net.createServer({ noDelay: true }, (sock) => {
    let rest: Buffer | null = null;
    let out = Buffer.allocUnsafe(64 * 1024);
    let o = 0;
    // Byte loops, not Buffer methods: each native call costs more than these copies.
    const put = (b: Buffer) => {
      if (o + b.length > out.length) {
        const grown = Buffer.allocUnsafe(out.length * 2 + b.length);
        out.copy(grown, 0, 0, o);
        out = grown;
      }
      for (let i = 0; i < b.length; i++) out[o++] = b[i];
    };
    let skipData = false;
    sock.on('data', (chunk: Buffer) => {
      const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
      rest = null;
      let pos = 0;
      let nl = pos;
      const n = buf.length;
      for (;;) {
        while (nl < n && buf[nl] !== 10) nl++;
        if (nl === n) break;
        if (skipData) skipData = false; // a set's data block
        else if (buf[pos] === 0x73 /* s */) {
          skipData = true;
          if (buf[nl - 2] !== 0x79 /* noreply */) put(stored);
        } else if (buf[pos] === 0x67 /* g */) {
          for (let i = pos; i < nl; i++) if (buf[i] === 0x20) put(value);
          put(end);
        } else if (buf[pos] === 0x6d /* mn */) put(mn);
        pos = ++nl;
      }
      if (pos < n) rest = Buffer.from(buf.subarray(pos));
      if (o > 0) defer(flush);
    });
    // Written at the end of the event-loop turn, with every other ready connection's,
    // and the buffer reused when the kernel took it all: as Cove's connection.ts does.
    const flush = () => {
      if (o === 0) return;
      sock.write(out.subarray(0, o));
      if (sock.writableLength > 0) out = Buffer.allocUnsafe(out.length);
      o = 0;
    };
    sock.on('error', () => {});
  });
  server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
  process.on('SIGTERM', () => process.exit(0));
}

// ---- child mode: load generator -----------------------------------------------------

function keyName(i: number): string {
  return 'key:' + String(i).padStart(7, '0');
}

function request(kind: string, depth: number, seq: number): { bytes: Buffer; replyLen: number } {
  const value = 'v'.repeat(VALUE_LEN);
  const valueReply = (k: string) => `VALUE ${k} 0 ${VALUE_LEN}\r\n${value}\r\n`.length;
  let text = '';
  let replyLen = 0;
  if (kind === 'set') {
    for (let i = 0; i < depth; i++) {
      const k = keyName((seq + i * 7919) % KEYS);
      text += `set ${k} 0 0 ${VALUE_LEN}\r\n${value}\r\n`;
      replyLen += 8; // STORED\r\n
    }
  } else if (kind === 'get') {
    for (let i = 0; i < depth; i++) {
      const k = keyName((seq + i * 7919) % KEYS);
      text += `get ${k}\r\n`;
      replyLen += valueReply(k) + 5;
    }
  } else {
    // mget: one get line with `depth` keys
    const keys: string[] = [];
    for (let i = 0; i < depth; i++) keys.push(keyName((seq + i * 7919) % KEYS));
    text = `get ${keys.join(' ')}\r\n`;
    for (const k of keys) replyLen += valueReply(k);
    replyLen += 5;
  }
  return { bytes: Buffer.from(text, 'latin1'), replyLen };
}

async function runLoad(port: number, kind: string, depth: number, warmMs: number, measureMs: number): Promise<LoadResult> {
  // Precompute a ring of requests per connection so the generator spends its CPU
  // on sockets, not string building.
  const ring: { bytes: Buffer; replyLen: number }[] = [];
  for (let i = 0; i < 64; i++) ring.push(request(kind, depth, i * 131));
  const perOp = kind === 'mget' ? depth : depth;
  let counting = false;
  let ops = 0;
  let stop = false;
  const conns: Promise<void>[] = [];
  for (let c = 0; c < CONNS; c++) {
    conns.push(
      new Promise<void>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1');
        s.setNoDelay(true);
        let idx = c % ring.length;
        let need = 0;
        const send = () => {
          if (stop) {
            s.destroy();
            resolve();
            return;
          }
          const r = ring[idx];
          idx = (idx + 1) % ring.length;
          need = r.replyLen;
          s.write(r.bytes);
        };
        s.on('connect', send);
        s.on('data', (d: Buffer) => {
          need -= d.length;
          if (need <= 0) {
            if (counting) ops += perOp;
            send();
          }
        });
        s.on('error', reject);
      }),
    );
  }
  await new Promise((r) => setTimeout(r, warmMs));
  counting = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, measureMs));
  counting = false;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  stop = true;
  await Promise.race([Promise.all(conns), new Promise((r) => setTimeout(r, 2000))]);
  return { ops, seconds };
}

async function preload(port: number): Promise<void> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => s.once('connect', () => r()));
  let text = '';
  for (let i = 0; i < KEYS; i++) text += `set ${keyName(i)} 0 0 ${VALUE_LEN} noreply\r\n${'v'.repeat(VALUE_LEN)}\r\n`;
  text += 'mn\r\n';
  await new Promise<void>((resolve) => {
    s.on('data', (d: Buffer) => {
      if (d.includes('MN\r\n')) resolve();
    });
    s.write(text);
  });
  s.destroy();
}

/** Loads n items (noreply sets, 200 per write) and waits until the server has them. */
async function loadItems(port: number, n: number): Promise<void> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => s.once('connect', () => r()));
  const value = 'v'.repeat(VALUE_LEN);
  let i = 0;
  let pendingMn = 0;
  await new Promise<void>((resolve) => {
    s.on('data', (d: Buffer) => {
      let at = -1;
      while ((at = d.indexOf('MN\r\n', at + 1)) !== -1) pendingMn--;
      if (i >= n && pendingMn === 0) resolve();
      else if (pendingMn < 4) pump();
    });
    const pump = () => {
      while (i < n && pendingMn < 8) {
        let text = '';
        for (let k = 0; k < 500 && i < n; k++, i++) text += `set item:${String(i).padStart(9, '0')} 0 0 ${VALUE_LEN} noreply\r\n${value}\r\n`;
        text += 'mn\r\n';
        pendingMn++;
        s.write(text);
      }
    };
    pump();
  });
  s.destroy();
}

// ---- orchestration -----------------------------------------------------------------

interface Target {
  name: string;
  start(port: number): ChildProcess;
}

const targets: Target[] = [
  {
    name: 'memcached',
    start: (port) =>
      spawn('memcached', ['-u', 'nobody', '-t', '1', '-p', String(port), '-U', '0', '-l', '127.0.0.1', '-m', '1024', '-c', '4096'], { stdio: 'ignore' }),
  },
  {
    name: 'cove',
    start: (port) => spawn(process.execPath, [SELF, '--serve-cove', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] }),
  },
  {
    name: 'node floor',
    start: (port) => spawn(process.execPath, [SELF, '--serve-floor', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] }),
  },
];

function cpuTicks(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(parts[11]) + Number(parts[12]); // utime + stime
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** CPU used by everyone (cores) over an interval, from /proc/stat. */
function totalBusyTicks(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  return line[0] + line[1] + line[2] + line[5] + line[6] + line[7];
}

/** Waits for the port to accept; false when the process died or it never opened. */
async function waitPort(port: number, proc: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null || proc.signalCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function randomPort(): number {
  return 30000 + Math.floor(Math.random() * 20000);
}

async function startTarget(t: Target): Promise<{ proc: ChildProcess; port: number }> {
  // A random port can be taken by another engineer's process on this shared box:
  // try a few before giving up.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = randomPort();
    const proc = t.start(port);
    if (await waitPort(port, proc)) return { proc, port };
    await stopTarget(proc);
  }
  throw new Error(`${t.name} did not start`);
}

async function stopTarget(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  if (proc.exitCode === null) proc.kill('SIGKILL');
}

/** Runs the load generator in its own process against a port. */
function loadInChild(port: number, kind: string, depth: number, seconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--load', String(port), kind, String(depth), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`))));
  });
}

interface Cell {
  rates: number[];
  cpuUs: number[];
  bg: number[];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, def: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const rounds = opt('--rounds', 3);
  const seconds = opt('--seconds', 3);
  const items = opt('--items', 1000000);
  const loads: [string, string, number][] = [
    ['set P1', 'set', 1],
    ['get P1', 'get', 1],
    ['set P16', 'set', 16],
    ['get P16', 'get', 16],
    ['mget16 (keys)', 'mget', 16],
  ];
  const cells = new Map<string, Cell>();
  for (const [label] of loads) for (const t of targets) cells.set(`${label}|${t.name}`, { rates: [], cpuUs: [], bg: [] });

  const servers = new Map<string, { proc: ChildProcess; port: number }>();
  for (const t of targets) {
    const s = await startTarget(t);
    await preload(s.port);
    servers.set(t.name, s);
  }
  const nproc = (await import('node:os')).cpus().length;
  for (let r = 0; r < rounds; r++) {
    for (const [label, kind, depth] of loads) {
      for (const t of targets) {
        const { proc, port } = servers.get(t.name)!;
        const cpu0 = cpuTicks(proc.pid!);
        const busy0 = totalBusyTicks();
        const w0 = Date.now();
        const res = await loadInChild(port, kind, depth, seconds);
        const wall = (Date.now() - w0) / 1000;
        const cpu = (cpuTicks(proc.pid!) - cpu0) / TICKS;
        const busy = (totalBusyTicks() - busy0) / TICKS;
        const rate = res.ops / res.seconds;
        const cell = cells.get(`${label}|${t.name}`)!;
        cell.rates.push(rate);
        // Server CPU over the whole child run (warm-up included) per measured op is
        // an overestimate; scale by the measured share of the run.
        cell.cpuUs.push(((cpu * (res.seconds / wall)) / res.ops) * 1e6);
        cell.bg.push(Math.max(0, busy / wall - cpu / wall - 1)); // minus server, minus ~1 core of load generator
        process.stderr.write(
          `round ${r + 1} ${label} ${t.name}: ${Math.round(rate)} /s, ${cell.cpuUs[cell.cpuUs.length - 1].toFixed(2)} µs CPU/op, bg ${cell.bg[cell.bg.length - 1].toFixed(2)}\n`,
        );
      }
    }
  }
  for (const s of servers.values()) await stopTarget(s.proc);

  // Memory per item: fresh servers, RSS before and after loading.
  const mem = new Map<string, number>();
  for (const t of targets.filter((x) => x.name !== 'node floor')) {
    const { proc, port } = await startTarget(t);
    await new Promise((r) => setTimeout(r, 300));
    const before = rssKb(proc.pid!);
    await loadItems(port, items);
    await new Promise((r) => setTimeout(r, 500));
    const after = rssKb(proc.pid!);
    mem.set(t.name, ((after - before) * 1024) / items);
    await stopTarget(proc);
  }

  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const best = (a: number[]) => Math.max(...a);
  const fmt = (n: number) => (n >= 1e6 ? (n / 1e6).toFixed(2) + 'M' : (n / 1e3).toFixed(0) + 'k');
  console.log(`\nmemcached -t 1 vs Cove, ${CONNS} connections, ${rounds} interleaved rounds of ${seconds}s, ${nproc} CPUs`);
  // Two ratios, both "Cove relative to memcached, higher is better": throughput
  // (median and best runs) and CPU per op (memcached's µs/op over Cove's), the latter
  // being the one that survives a loaded box.
  // The last column is the Node floor's CPU per op (a server that stores nothing).
  console.log('load            | memcached med (best)  cpu/op | cove med (best)       cpu/op | rate ratio med (best) | cpu/op ratio | node floor: rate ratio, cpu/op ratio');
  for (const [label] of loads) {
    const m = cells.get(`${label}|memcached`)!;
    const c = cells.get(`${label}|cove`)!;
    const f = cells.get(`${label}|node floor`)!;
    console.log(
      `${label.padEnd(15)} | ${fmt(median(m.rates)).padStart(7)} (${fmt(best(m.rates)).padStart(7)}) ${median(m.cpuUs).toFixed(2).padStart(6)}µs` +
        ` | ${fmt(median(c.rates)).padStart(7)} (${fmt(best(c.rates)).padStart(7)}) ${median(c.cpuUs).toFixed(2).padStart(6)}µs` +
        ` | ${(median(c.rates) / median(m.rates)).toFixed(2)}x (${(best(c.rates) / best(m.rates)).toFixed(2)}x)`.padEnd(24) +
        ` | ${(median(m.cpuUs) / median(c.cpuUs)).toFixed(2).padStart(11)}x` +
        ` | ${(median(f.rates) / median(m.rates)).toFixed(2)}x, ${(median(m.cpuUs) / median(f.cpuUs)).toFixed(2)}x (${median(f.cpuUs).toFixed(2)}µs)`,
    );
  }
  const bgAll = [...cells.values()].flatMap((c) => c.bg);
  console.log(`background load during runs (cores, approx): median ${median(bgAll).toFixed(2)}`);
  const mm = mem.get('memcached')!;
  const cm = mem.get('cove')!;
  console.log(`memory per item after ${items} items (${VALUE_LEN}-byte values): memcached ${mm.toFixed(1)} B, cove ${cm.toFixed(1)} B, ratio ${(cm / mm).toFixed(2)}x`);
}

const mode = process.argv[2];
if (mode === '--serve-cove') {
  void serveCove(Number(process.argv[3]));
} else if (mode === '--serve-floor') {
  serveFloor(Number(process.argv[3]));
} else if (mode === '--fill') {
  void loadItems(Number(process.argv[3]), Number(process.argv[4])).then(() => process.exit(0));
} else if (mode === '--load') {
  const [port, kind, depth, seconds] = process.argv.slice(3);
  void runLoad(Number(port), kind, Number(depth), 1000, Number(seconds) * 1000).then((r) => {
    process.stdout.write(JSON.stringify(r));
    process.exit(0);
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
