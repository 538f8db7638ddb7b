// Benchmark: automatic failover of a replication group, measured from outside.
//
// Setup, all through the AWS SDK against `cove up` (a child process): a VPC, an
// application instance (the clients act as it), a replication group of three
// members with automatic failover. Then, for each round:
//   - WRITERS connections write unique keys through the PrimaryEndpoint as fast as the
//     replies come (closed loop), reconnecting at once when a connection ends;
//   - after a warm-up the primary's process is killed (SIGKILL);
//   - failover time = kill → the first write sent after the kill that is acknowledged;
//   - once the group is whole again (the old primary back as a replica), every
//     acknowledged key is read back through the PrimaryEndpoint: missing ones are
//     acknowledged writes lost.
// Two modes: plain SET (acknowledged = +OK), and SET followed by `WAIT 1 <ms>`
// (acknowledged = +OK and WAIT reported at least one replica). Replication is
// asynchronous: without WAIT a write the primary acknowledged but had not yet sent
// to a replica is lost with it (Jepsen's lesson); WAIT 1 narrows that to writes whose
// replica was not the one promoted.
//
// Not a test: nothing is asserted. Usage:
//   node .build/<you>/bench/failover.js [--kills 10] [--writers 8] [--mode plain,wait] [--signal KILL|STOP]

import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateCacheSubnetGroupCommand, CreateReplicationGroupCommand, DescribeReplicationGroupsCommand, ElastiCacheClient, ReplicationGroup } from '@aws-sdk/client-elasticache';
import { encodeCommand, parseReply, RespValue } from '../src/control/node-admin.js';
import { nodeProcessBoundTo } from '../src/control/supervisor.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const coveMain = path.resolve(here, '../src/cli/main.js');
const args = process.argv.slice(2);
const KILLS = Number(argValue('--kills') ?? 10);
const WRITERS = Number(argValue('--writers') ?? 8);
const MODES = (argValue('--mode') ?? 'plain,wait').split(',') as ('plain' | 'wait')[];
/** KILL: the process dies (detected at once); STOP: it hangs (detected by missed pings, then killed). */
const SIGNAL = (argValue('--signal') ?? 'KILL').toUpperCase() as 'KILL' | 'STOP';
const CLIENT_IP = '10.0.1.250';

function argValue(name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn().catch(() => null);
    if (v) return v as T;
    await sleep(50);
  }
  throw new Error(`timed out: ${what}`);
}

/** A RESP connection that sends one command at a time. */
class Conn {
  private buf = '';
  private waiting: ((v: RespValue) => void) | null = null;
  closed = false;
  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      const r = parseReply(this.buf);
      if (r && this.waiting) {
        this.buf = this.buf.slice(r.end);
        const w = this.waiting;
        this.waiting = null;
        w(r.value);
      }
    });
    const end = () => {
      this.closed = true;
      const w = this.waiting;
      this.waiting = null;
      w?.({ error: 'closed' });
    };
    sock.on('error', end);
    sock.on('close', end);
  }

  static open(host: string, port: number, localAddress: string): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port, localAddress, noDelay: true });
      s.once('connect', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  call(args: string[], timeoutMs = 2000): Promise<RespValue> {
    if (this.closed) return Promise.resolve({ error: 'closed' });
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiting = null;
        this.sock.destroy();
        resolve({ error: 'timeout' });
      }, timeoutMs);
      this.waiting = (v) => {
        clearTimeout(t);
        resolve(v);
      };
      this.sock.write(encodeCommand(args));
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

function actAs(privateIp: string, endpoint: string): string {
  const [, , c, d] = privateIp.split('.');
  return `127.${endpoint.split('.')[1]}.${c}.${d}`;
}

interface Round {
  failoverMs: number;
  acked: number;
  lost: number;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cove-failover-'));
  const cove: ChildProcess = spawn(process.execPath, [coveMain, 'up', '--data-dir', dataDir, '--api', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let coveLog = '';
  cove.stderr!.on('data', (d) => (coveLog = (coveLog + d).slice(-20_000)));
  try {
    const info = await waitFor(async () => {
      const j = JSON.parse(fs.readFileSync(path.join(dataDir, 'cove.json'), 'utf8')) as { api: string; pid: number };
      return j.pid === cove.pid ? j : null;
    }, 'cove up');
    const cfg = { endpoint: `http://${info.api}`, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }, maxAttempts: 1 };
    const ec2 = new EC2Client(cfg);
    const ec = new ElastiCacheClient(cfg);
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const subnets: string[] = [];
    for (const [cidr, az] of [
      ['10.0.1.0/24', 'us-east-1a'],
      ['10.0.2.0/24', 'us-east-1b'],
    ]) {
      subnets.push((await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }))).Subnet!.SubnetId!);
    }
    const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'cache', Description: 'cache', VpcId: vpcId }))).GroupId!;
    // A free port rather than 6379: other `cove up`s on this machine number their VPCs alike.
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] }));
    await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0c0fe000000000001', MinCount: 1, MaxCount: 1, SubnetId: subnets[0], PrivateIpAddress: CLIENT_IP, SecurityGroupIds: [sg] }));
    await ec.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: 'bench', CacheSubnetGroupDescription: 'bench', SubnetIds: subnets }));
    await ec.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'bench',
        ReplicationGroupDescription: 'failover bench',
        Engine: 'valkey',
        NumCacheClusters: 3,
        AutomaticFailoverEnabled: true,
        MultiAZEnabled: true,
        Port: port,
        CacheSubnetGroupName: 'bench',
        SecurityGroupIds: [sg],
      }),
    );
    const describe = async () => (await ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'bench' }))).ReplicationGroups![0];
    const whole = async (): Promise<ReplicationGroup> =>
      waitFor(async () => {
        const g = await describe();
        if (g.Status !== 'available') return null;
        // Every replica linked to the current primary.
        for (const m of g.NodeGroups![0].NodeGroupMembers!) {
          if (m.CurrentRole !== 'replica') continue;
          const c = await Conn.open(m.ReadEndpoint!.Address!, m.ReadEndpoint!.Port!, actAs(CLIENT_IP, m.ReadEndpoint!.Address!)).catch(() => null);
          if (!c) return null;
          const info = await c.call(['INFO', 'replication']);
          c.close();
          if (typeof info !== 'string' || !info.includes('master_link_status:up')) return null;
        }
        return g;
      }, 'group whole', 60_000);
    let g = await whole();
    const ep = g.NodeGroups![0].PrimaryEndpoint!;
    const from = actAs(CLIENT_IP, ep.Address!);
    console.log(`replication group bench: 3 members, primary endpoint ${ep.Address}:${ep.Port}, ${WRITERS} writers, primary ended with SIG${SIGNAL}`);

    for (const mode of MODES) {
      const rounds: Round[] = [];
      for (let round = 0; round < KILLS; round++) {
        g = await whole();
        const primary = g.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === 'primary')!;
        const acked = new Map<string, string>();
        let stop = false;
        let killedAt = Infinity;
        let firstAfter = Infinity;
        let seq = 0;
        const writer = async (w: number) => {
          let conn: Conn | null = null;
          while (!stop) {
            if (!conn || conn.closed) {
              conn = await Conn.open(ep.Address!, ep.Port!, from).catch(() => null);
              if (!conn) {
                await sleep(5);
                continue;
              }
            }
            const key = `${mode}:${round}:${w}:${seq++}`;
            const sentAt = Date.now();
            const r = await conn.call(['SET', key, key]);
            if (r !== 'OK') continue;
            if (mode === 'wait') {
              const n = await conn.call(['WAIT', '1', '200']);
              if (typeof n !== 'number' || n < 1) continue;
            }
            acked.set(key, key);
            if (sentAt > killedAt && firstAfter === Infinity) firstAfter = Date.now();
          }
          conn?.close();
        };
        const writers = Array.from({ length: WRITERS }, (_, i) => writer(i));
        await sleep(500);
        const pid = nodeProcessBoundTo(path.join(dataDir, 'run'), primary.ReadEndpoint!.Address!);
        if (!pid) throw new Error('primary process not found');
        killedAt = Date.now();
        process.kill(pid, `SIG${SIGNAL}`);
        await waitFor(async () => firstAfter !== Infinity, 'writes after the kill', 30_000);
        await sleep(200);
        stop = true;
        await Promise.all(writers);
        g = await whole();
        const check = await Conn.open(ep.Address!, ep.Port!, from);
        let lost = 0;
        for (const [k, v] of acked) if ((await check.call(['GET', k])) !== v) lost++;
        check.close();
        const r: Round = { failoverMs: firstAfter - killedAt, acked: acked.size, lost };
        rounds.push(r);
        console.log(`${mode} kill ${round + 1}: writes again after ${r.failoverMs} ms, ${r.acked} acknowledged, ${r.lost} lost`);
      }
      const times = rounds.map((r) => r.failoverMs).sort((a, b) => a - b);
      const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
      const acked = rounds.reduce((s, r) => s + r.acked, 0);
      const lost = rounds.reduce((s, r) => s + r.lost, 0);
      console.log(`${mode}: failover median ${median} ms, worst ${times[times.length - 1]} ms over ${rounds.length} kills; acknowledged writes lost: ${lost} of ${acked} (${rounds.filter((r) => r.lost > 0).length} kills lost some)`);
    }
    ec.destroy();
    ec2.destroy();
  } catch (e) {
    console.error(coveLog);
    throw e;
  } finally {
    // `cove down` equivalent: SIGTERM stops the nodes with the control plane.
    cove.kill('SIGTERM');
    await new Promise((r) => cove.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
