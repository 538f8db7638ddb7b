// Benchmark: Cove's Valkey node against redis-server 7.0, side by side in one run.
//
// redis-benchmark drives both servers with the same load, interleaved (redis, cove,
// redis, cove, ...) so that background noise hits both alike: -c 50, -P 1 and -P 16,
// SET GET INCR LPUSH LPOP SADD HSET ZADD, with -r 1000000 (a realistic keyspace) and
// without. It prints requests/s, server CPU per request (from /proc) and the
// Cove/redis ratio, then memory per key after loading 1M keys into each.
//
// Not a test: nothing is asserted. Usage:
//   npm run build && node dist/bench/valkey.js [--quick] [--rounds N] [--tests set,get]

import { spawn, execFileSync, ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const coveMain = path.resolve(here, '../src/cli/main.js');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const rounds = Number(argValue('--rounds') ?? (quick ? 1 : 2));
const tests = (argValue('--tests') ?? 'set,get,incr,lpush,lpop,sadd,hset,zadd').split(',');
const requests = quick ? 200_000 : 1_000_000;

function argValue(name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

interface Server {
  name: string;
  port: number;
  proc: ChildProcess;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} never opened`);
}

async function startRedis(): Promise<Server> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitPort(port);
  return { name: 'redis', port, proc };
}

async function startCove(): Promise<Server> {
  const port = await freePort();
  const proc = spawn(process.execPath, [coveMain, 'server', '--engine', 'valkey', '--port', String(port)], { stdio: 'ignore' });
  await waitPort(port);
  return { name: 'cove', port, proc };
}

/** user+system CPU seconds of a process, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

function cli(port: number, ...cmd: string[]): string {
  return execFileSync('redis-cli', ['-p', String(port), ...cmd], { encoding: 'utf8' });
}

function runBenchmark(server: Server, test: string, pipeline: number, keyspace: boolean): { rps: number; cpuUsPerOp: number } {
  const bargs = ['-p', String(server.port), '-c', '50', '-n', String(requests), '-P', String(pipeline), '-t', test, '--csv', '-q'];
  if (keyspace) bargs.push('-r', '1000000');
  const before = cpuSeconds(server.proc.pid!);
  const out = execFileSync('redis-benchmark', bargs, { encoding: 'utf8' });
  const after = cpuSeconds(server.proc.pid!);
  const line = out.trim().split('\n').filter((l) => l.startsWith('"') && !l.startsWith('"test"')).pop() ?? '';
  const rps = Number(line.split(',')[1]?.replace(/"/g, ''));
  return { rps, cpuUsPerOp: ((after - before) * 1e6) / requests };
}

function fmt(n: number): string {
  return n >= 1e6 ? (n / 1e6).toFixed(2) + 'M' : (n / 1e3).toFixed(0) + 'k';
}

async function loadKeys(server: Server, n: number): Promise<void> {
  // SET key:<i> with a 3-byte value, pipelined through one connection.
  await new Promise<void>((resolve, reject) => {
    const sock = net.connect(server.port, '127.0.0.1');
    let pending = 0;
    let sent = 0;
    let buffered = '';
    const batch = 1000;
    const sendBatch = () => {
      let s = '';
      const end = Math.min(sent + batch, n);
      for (let i = sent; i < end; i++) {
        const key = 'key:' + String(i).padStart(12, '0');
        s += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$3\r\nxxx\r\n`;
      }
      pending += end - sent;
      sent = end;
      sock.write(s);
    };
    sock.on('connect', sendBatch);
    sock.on('data', (d) => {
      buffered += d.toString('latin1');
      let idx;
      while ((idx = buffered.indexOf('\r\n')) !== -1) {
        buffered = buffered.slice(idx + 2);
        pending--;
      }
      if (pending === 0) {
        if (sent >= n) {
          sock.end();
          resolve();
        } else sendBatch();
      }
    });
    sock.on('error', reject);
  });
}

async function memoryPerKey(): Promise<void> {
  const n = quick ? 200_000 : 1_000_000;
  console.log(`\nMemory per key after loading ${n} keys (16-byte keys, 3-byte values):`);
  const results: Record<string, number> = {};
  for (const start of [startRedis, startCove]) {
    const s = await start();
    await new Promise((r) => setTimeout(r, 300));
    const before = rssBytes(s.proc.pid!);
    await loadKeys(s, n);
    await new Promise((r) => setTimeout(r, 500));
    const after = rssBytes(s.proc.pid!);
    const dbsize = cli(s.port, 'dbsize').trim();
    const used = /used_memory:(\d+)/.exec(cli(s.port, 'info', 'memory'))?.[1];
    results[s.name] = (after - before) / n;
    console.log(`  ${s.name.padEnd(6)} dbsize=${dbsize} RSS growth ${((after - before) / 1e6).toFixed(1)} MB = ${((after - before) / n).toFixed(1)} B/key (used_memory ${used})`);
    s.proc.kill('SIGTERM');
  }
  console.log(`  cove/redis memory per key: ${(results.cove / results.redis).toFixed(2)}x`);
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const cove = await startCove();
  const version = cli(redis.port, 'info', 'server').match(/redis_version:(\S+)/)?.[1];
  console.log(`redis-server ${version} vs Cove (node ${process.version}); -c 50, -n ${requests}, ${rounds} round(s), interleaved; CPU/op is server CPU.`);
  console.log('test        P  keyspace   redis rps (cpu/op)      cove rps (cpu/op)      cove/redis rps  cpu');
  try {
    for (const keyspace of [false, true]) {
      for (const pipeline of [1, 16]) {
        for (const test of tests) {
          const best: Record<string, { rps: number; cpuUsPerOp: number }> = {};
          for (let r = 0; r < rounds; r++) {
            for (const s of [redis, cove]) {
              cli(s.port, 'flushall');
              const res = runBenchmark(s, test, pipeline, keyspace);
              if (!best[s.name] || res.rps > best[s.name].rps) best[s.name] = res;
            }
          }
          const a = best.redis;
          const b = best.cove;
          console.log(
            `${test.padEnd(10)} ${String(pipeline).padStart(2)}  ${keyspace ? '1M keys ' : '1 key   '}  ` +
              `${fmt(a.rps).padStart(7)} (${a.cpuUsPerOp.toFixed(2)} us)     ${fmt(b.rps).padStart(7)} (${b.cpuUsPerOp.toFixed(2)} us)     ` +
              `${(b.rps / a.rps).toFixed(2)}x          ${(b.cpuUsPerOp / a.cpuUsPerOp).toFixed(2)}x`,
          );
        }
      }
    }
  } finally {
    redis.proc.kill('SIGTERM');
    cove.proc.kill('SIGTERM');
  }
  await memoryPerKey();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
