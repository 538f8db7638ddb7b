// Benchmark: the NAT gateway's forwarding cost, against a direct connection and
// against HAProxy (Debian's, `mode tcp`, one thread), in one run.
//
// Setup, all through the AWS SDK against `cove up`: a VPC, a NAT instance with an
// Elastic IP whose user data DNATs EIP:PORT to an application instance at 10.0.1.10,
// whose groups admit the NAT group. The backend is redis-server bound to that
// instance's mapped address (a process "on" the instance), so all three paths hit the
// same server and only the hop in between differs:
//   direct   redis-benchmark → 127.2.1.10:PORT
//   cove     redis-benchmark → EIP:PORT → (gateway in `cove up`, SNAT) → 127.2.1.10:PORT
//   haproxy  redis-benchmark → 127.0.0.1:H → 127.2.1.10:PORT
// Runs are interleaved (direct, cove, haproxy, direct, ...) so background load hits
// all alike. Printed: requests/s, ratio to direct, CPU per request of the proxy (the
// whole `cove up` process for Cove), of the backend and of the client, and the
// background CPU of everything else on the machine during the run.
//
// A fourth path, "node pipe", is the runtime's floor for a forwarding hop: a bare
// process that joins each accepted socket to the backend with Node's own C++ StreamPipe
// (node --expose-internals), so no JavaScript runs per chunk at all. It is not
// something Cove can ship (a testing-only internal of Node), only a yardstick: what
// any Node gateway costs at best against HAProxy (docs/networking.md, Performance).
//
// Not a test: nothing is asserted. Usage:
//   node .build/<you>/bench/nat.js [--quick] [--rounds N] [--tests set,get] [--pipelines 1,16]

import { spawn, execFileSync, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { nodeProcesses } from '../src/control/supervisor.js';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateCacheClusterCommand, CreateCacheSubnetGroupCommand, DescribeCacheClustersCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';

const here = path.dirname(fileURLToPath(import.meta.url));
const coveMain = path.resolve(here, '../src/cli/main.js');
const NAT_IMAGE = 'ami-0c0fe0000000000a7';
const APP_IMAGE = 'ami-0c0fe000000000001';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const rounds = Number(argValue('--rounds') ?? (quick ? 1 : 3));
const tests = (argValue('--tests') ?? 'set,get').split(',');
const pipelines = (argValue('--pipelines') ?? '1,16').split(',').map(Number);

function argValue(name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(host: string): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, host, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitFor<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch {
      // retry
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, host);
    let got = '';
    c.on('connect', () => c.write('PING\r\n'));
    c.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) {
        c.destroy();
        resolve(got.startsWith('+PONG'));
      }
    });
    c.on('error', () => resolve(false));
    c.on('close', () => resolve(false));
  });
}

/** user+system CPU seconds of a process. */
function cpuOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds of this process's finished children (redis-benchmark runs). */
function childrenCpu(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

/** Busy CPU seconds of the whole machine. */
function busySeconds(): number {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + (cpu[4] ?? 0);
  return (cpu.reduce((a, b) => a + b, 0) - idle) / 100;
}

interface Path {
  name: 'direct' | 'cove' | 'haproxy' | 'node pipe';
  host: string;
  port: number;
  /** The proxy process whose CPU is the price of the hop. */
  proxyPid?: number;
}

interface Result {
  rps: number;
  proxyUs: number;
  backendUs: number;
  clientUs: number;
  bgCores: number;
}

function runOnce(p: Path, backendPid: number, test: string, pipeline: number): Result {
  const n = pipeline === 1 ? (quick ? 50_000 : 200_000) : quick ? 300_000 : 1_000_000;
  const proxy0 = p.proxyPid ? cpuOf(p.proxyPid) : 0;
  const backend0 = cpuOf(backendPid);
  const client0 = childrenCpu();
  const busy0 = busySeconds();
  const t0 = process.hrtime.bigint();
  const out = execFileSync('redis-benchmark', ['-h', p.host, '-p', String(p.port), '-c', '50', '-n', String(n), '-P', String(pipeline), '-t', test, '--csv', '-q'], { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const proxy = p.proxyPid ? cpuOf(p.proxyPid) - proxy0 : 0;
  const backend = cpuOf(backendPid) - backend0;
  const client = childrenCpu() - client0;
  const busy = busySeconds() - busy0;
  const line = out.trim().split('\n').filter((l) => l.startsWith('"') && !l.startsWith('"test"')).pop() ?? '';
  const rps = Number(line.split(',')[1]?.replace(/"/g, ''));
  return {
    rps,
    proxyUs: (proxy * 1e6) / n,
    backendUs: (backend * 1e6) / n,
    clientUs: (client * 1e6) / n,
    bgCores: Math.max(0, (busy - proxy - backend - client) / wall),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function fmt(n: number): string {
  return n >= 1e6 ? (n / 1e6).toFixed(2) + 'M' : (n / 1e3).toFixed(1) + 'k';
}

let stopping = false;

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-bench-nat-'));
  const procs: ChildProcess[] = [];
  try {
    const up = spawn(process.execPath, [coveMain, 'up', '--data-dir', dataDir, '--api', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    procs.push(up);
    let upLog = '';
    up.stderr!.on('data', (d) => (upLog = (upLog + d).slice(-4000)));
    up.once('exit', (code, sig) => {
      if (!stopping) console.error(`cove up exited (${code ?? sig}):\n${upLog}`);
    });
    const info = await waitFor(() => {
      const j = JSON.parse(fs.readFileSync(path.join(dataDir, 'cove.json'), 'utf8')) as { api: string; pid: number };
      return j.pid === up.pid ? j : null;
    }, 'cove up');
    const ec2 = new EC2Client({ endpoint: `http://${info.api}`, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'x' }, maxAttempts: 1 });

    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const pub = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.0.0/24' }))).Subnet!.SubnetId!;
    const priv = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.1.0/24' }))).Subnet!.SubnetId!;
    const natSg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'nat', Description: 'nat', VpcId: vpc }))).GroupId!;
    const appSg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'app', VpcId: vpc }))).GroupId!;
    const app = (await ec2.send(new RunInstancesCommand({ ImageId: APP_IMAGE, MinCount: 1, MaxCount: 1, SubnetId: priv, PrivateIpAddress: '10.0.1.10', SecurityGroupIds: [appSg] }))).Instances![0];
    const backendHost = '127.2.1.10';
    const backendPort = await freePort(backendHost);
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: natSg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: backendPort, ToPort: backendPort, IpRanges: [{ CidrIp: '127.0.0.1/32' }] }] }));
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: appSg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: backendPort, ToPort: backendPort, UserIdGroupPairs: [{ GroupId: natSg }] }] }));
    const userData = `#!/bin/bash\niptables -t nat -A PREROUTING -i eth0 -p tcp --dport ${backendPort} -j DNAT --to ${app.PrivateIpAddress}:${backendPort}\niptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE\n`;
    const nat = (await ec2.send(new RunInstancesCommand({ ImageId: NAT_IMAGE, MinCount: 1, MaxCount: 1, SubnetId: pub, PrivateIpAddress: '10.0.0.55', SecurityGroupIds: [natSg], UserData: Buffer.from(userData).toString('base64') }))).Instances![0];
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: nat.InstanceId, SourceDestCheck: { Value: false } }));
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    await ec2.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: nat.InstanceId }));
    ec2.destroy();

    const redis = spawn('redis-server', ['--port', String(backendPort), '--bind', backendHost, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
    procs.push(redis);
    await waitFor(() => ping(backendHost, backendPort), 'redis-server');
    await waitFor(() => ping(eip.PublicIp!, backendPort), 'the NAT gateway');

    const hport = await freePort('127.0.0.1');
    const cfg = path.join(dataDir, 'haproxy.cfg');
    fs.writeFileSync(
      cfg,
      [
        'global',
        '  nbthread 1',
        '  maxconn 4000',
        'defaults',
        '  mode tcp',
        '  timeout connect 5s',
        '  timeout client 60s',
        '  timeout server 60s',
        'frontend fe',
        `  bind 127.0.0.1:${hport}`,
        '  default_backend be',
        'backend be',
        `  server s1 ${backendHost}:${backendPort}`,
        '',
      ].join('\n'),
    );
    const haproxy = spawn('haproxy', ['-db', '-f', cfg], { stdio: 'ignore' });
    procs.push(haproxy);
    await waitFor(() => ping('127.0.0.1', hport), 'haproxy');

    const paths: Path[] = [
      { name: 'direct', host: backendHost, port: backendPort },
      { name: 'cove', host: eip.PublicIp!, port: backendPort, proxyPid: up.pid },
      { name: 'haproxy', host: '127.0.0.1', port: hport, proxyPid: haproxy.pid },
    ];
    const pport = await freePort('127.0.0.1');
    const pipe = spawn(process.execPath, ['--expose-internals', '--no-warnings', fileURLToPath(import.meta.url), '--pipe-relay', String(pport), backendHost, String(backendPort)], { stdio: 'ignore' });
    procs.push(pipe);
    await waitFor(() => ping('127.0.0.1', pport), 'the StreamPipe relay');
    paths.push({ name: 'node pipe', host: '127.0.0.1', port: pport, proxyPid: pipe.pid });
    const haproxyVersion = execFileSync('haproxy', ['-v'], { encoding: 'utf8' }).split('\n')[0];
    console.log(`NAT gateway benchmark: redis-benchmark -c 50, backend redis-server on ${backendHost}:${backendPort}; ${rounds} round(s) interleaved; node ${process.version}; ${haproxyVersion}`);
    console.log('Medians over rounds. proxy/op = CPU of the hop per request (Cove: the whole `cove up` process); bg = other CPU on the machine, in cores.');
    console.log('test P   path      rps       vs direct  proxy/op   backend/op  client/op  bg');
    const summary: string[] = [];
    for (const pipeline of pipelines) {
      for (const test of tests) {
        const all: Record<string, Result[]> = { direct: [], cove: [], haproxy: [], 'node pipe': [] };
        for (let r = 0; r < rounds; r++) for (const p of paths) all[p.name].push(runOnce(p, redis.pid!, test, pipeline));
        const med = (name: string, k: keyof Result) => median(all[name].map((x) => x[k]));
        const direct = med('direct', 'rps');
        for (const p of paths) {
          console.log(
            `${test.padEnd(4)} ${String(pipeline).padEnd(3)} ${p.name.padEnd(9)} ${fmt(med(p.name, 'rps')).padStart(7)}   ${(med(p.name, 'rps') / direct).toFixed(2).padStart(5)}x    ` +
              `${p.proxyPid ? med(p.name, 'proxyUs').toFixed(2).padStart(6) + ' us' : '     -   '}  ${med(p.name, 'backendUs').toFixed(2).padStart(6)} us  ${med(p.name, 'clientUs').toFixed(2).padStart(6)} us  ${med(p.name, 'bgCores').toFixed(2)}`,
          );
        }
        summary.push(
          `${test} -P ${pipeline}: cove/haproxy rps ${(med('cove', 'rps') / med('haproxy', 'rps')).toFixed(2)}x, CPU per request ${(med('cove', 'proxyUs') / med('haproxy', 'proxyUs')).toFixed(2)}x (${med('cove', 'proxyUs').toFixed(2)} vs ${med('haproxy', 'proxyUs').toFixed(2)} us); node pipe floor ${(med('node pipe', 'proxyUs') / med('haproxy', 'proxyUs')).toFixed(2)}x`,
        );
      }
    }
    console.log('\n' + summary.join('\n'));

    // ---- the NAT's real job: forwarding to a cache node ---------------------------------
    // A Cove valkey node in the private subnet; the NAT instance forwards a public port to
    // it by cove:forward, and HAProxy forwards to it acting as the application instance
    // (its source bound to that instance's address, which the cache group admits). The
    // node answers the NAT's port itself (src/gateway/node-ingress.ts): the hop's CPU is
    // whatever `cove up` and the node spend beyond what the node spends behind HAProxy.
    const creds = { accessKeyId: 'bench', secretAccessKey: 'x' };
    const ec2b = new EC2Client({ endpoint: `http://${info.api}`, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const ec = new ElastiCacheClient({ endpoint: `http://${info.api}`, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const cacheSg = (await ec2b.send(new CreateSecurityGroupCommand({ GroupName: 'cache', Description: 'cache', VpcId: vpc }))).GroupId!;
    await ec2b.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: cacheSg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ GroupId: natSg }, { GroupId: appSg }] }] }));
    await ec.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: 'bench', CacheSubnetGroupDescription: 'bench', SubnetIds: [priv] }));
    await ec.send(new CreateCacheClusterCommand({ CacheClusterId: 'bench-vk', Engine: 'valkey', NumCacheNodes: 1, CacheNodeType: 'cache.t3.micro', CacheSubnetGroupName: 'bench', SecurityGroupIds: [cacheSg] }));
    const cluster = await waitFor(async () => {
      const c = (await ec.send(new DescribeCacheClustersCommand({ CacheClusterId: 'bench-vk', ShowCacheNodeInfo: true }))).CacheClusters![0];
      return c.CacheClusterStatus === 'available' ? c : null;
    }, 'the cache cluster', 60_000);
    const nodeAddr = cluster.CacheNodes![0].Endpoint!.Address!;
    const nodePid = [...nodeProcesses(path.join(dataDir, 'run')).values()][0];
    if (nodePid === undefined) throw new Error('no cache node process found');
    const nodePort = await freePort(eip.PublicIp!);
    await ec2b.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: natSg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: nodePort, ToPort: nodePort, IpRanges: [{ CidrIp: '127.0.0.1/32' }] }] }));
    await ec2b.send(new CreateTagsCommand({ Resources: [nat.InstanceId!], Tags: [{ Key: 'cove:forward', Value: `bench-vk:${nodePort}` }] }));
    ec2b.destroy();
    ec.destroy();
    await waitFor(() => ping(eip.PublicIp!, nodePort), 'the NAT port to the node');
    const h2port = await freePort('127.0.0.1');
    const cfg2 = path.join(dataDir, 'haproxy-node.cfg');
    fs.writeFileSync(cfg2, fs.readFileSync(cfg, 'utf8').replace(`bind 127.0.0.1:${hport}`, `bind 127.0.0.1:${h2port}`).replace(/server s1 .*/, `server s1 ${nodeAddr}:6379 source ${backendHost}`));
    const haproxy2 = spawn('haproxy', ['-db', '-f', cfg2], { stdio: 'ignore' });
    procs.push(haproxy2);
    await waitFor(() => ping('127.0.0.1', h2port), 'haproxy to the node');
    const nodePaths: Path[] = [
      { name: 'cove', host: eip.PublicIp!, port: nodePort, proxyPid: up.pid },
      { name: 'haproxy', host: '127.0.0.1', port: h2port, proxyPid: haproxy2.pid },
    ];
    console.log(`\nTo a Cove valkey node (${nodeAddr}:6379): Cove's NAT port is answered by the node's process; HAProxy forwards as the application instance.`);
    console.log('test P   path      rps       proxy/op   node/op    client/op  bg');
    const nodeSummary: string[] = [];
    for (const pipeline of pipelines) {
      for (const test of tests) {
        const all: Record<string, Result[]> = { cove: [], haproxy: [] };
        for (let r = 0; r < rounds; r++) for (const p of nodePaths) all[p.name].push(runOnce(p, nodePid, test, pipeline));
        const med = (name: string, k: keyof Result) => median(all[name].map((x) => x[k]));
        for (const p of nodePaths) {
          console.log(
            `${test.padEnd(4)} ${String(pipeline).padEnd(3)} ${p.name.padEnd(9)} ${fmt(med(p.name, 'rps')).padStart(7)}   ${med(p.name, 'proxyUs').toFixed(2).padStart(6)} us  ${med(p.name, 'backendUs').toFixed(2).padStart(6)} us  ${med(p.name, 'clientUs').toFixed(2).padStart(6)} us  ${med(p.name, 'bgCores').toFixed(2)}`,
          );
        }
        // The hop: the proxy process, plus what the node spends beyond its cost behind HAProxy.
        const coveHop = med('cove', 'proxyUs') + (med('cove', 'backendUs') - med('haproxy', 'backendUs'));
        nodeSummary.push(
          `${test} -P ${pipeline} to a node: cove/haproxy rps ${(med('cove', 'rps') / med('haproxy', 'rps')).toFixed(2)}x, hop CPU per request: cove ${coveHop.toFixed(2)} us (cove up ${med('cove', 'proxyUs').toFixed(2)}, node ${(med('cove', 'backendUs') - med('haproxy', 'backendUs')).toFixed(2)} beyond HAProxy's path) vs haproxy ${med('haproxy', 'proxyUs').toFixed(2)} us`,
        );
      }
    }
    console.log('\n' + nodeSummary.join('\n'));
  } finally {
    stopping = true;
    for (const p of procs.reverse()) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGTERM');
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            p.kill('SIGKILL');
            r();
          }, 5000);
          p.once('exit', () => {
            clearTimeout(t);
            r();
          });
        });
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Child mode: forwards 127.0.0.1:lport to host:port with StreamPipes (see the header). */
function pipeRelay(lport: number, host: string, port: number): void {
  const require = createRequire(import.meta.url);
  const { internalBinding } = require('internal/test/binding') as { internalBinding(name: string): Record<string, unknown> };
  const StreamPipe = internalBinding('stream_pipe').StreamPipe as new (from: unknown, to: unknown) => { onunpipe?: () => void; start(): void };
  const handle = (s: net.Socket) => (s as unknown as { _handle: unknown })._handle;
  const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (client) => {
    const upstream = net.connect({ host, port, noDelay: true });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    upstream.once('connect', () => {
      upstream.pause();
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ]) {
        const p = new StreamPipe(handle(from), handle(to));
        p.onunpipe = end;
        p.start();
      }
    });
  });
  server.listen(lport, '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[2] === '--pipe-relay') {
  pipeRelay(Number(process.argv[3]), process.argv[4], Number(process.argv[5]));
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
