// Test support for the control plane: start `cove up` as a child process (or
// in-process) on a random port with its own temp data dir, build AWS SDK clients
// for it, and make sure every node process it started is gone afterwards.

import { spawn, ChildProcess, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { nodeProcessBoundTo, nodeProcesses as nodeProcessesIn, processAlive } from '../../src/control/supervisor.js';
import { promisify } from 'node:util';
import { EC2Client, CreateVpcCommand, CreateSubnetCommand, CreateSecurityGroupCommand, AuthorizeSecurityGroupIngressCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { startControlPlane, ControlPlane } from '../../src/control/control-plane.js';

export const execFileP = promisify(execFile);

/** The compiled CLI of this build. */
export const MAIN_JS = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** True once the memcached engine (src/server/memcached-node.ts) is part of the build. */
export const MEMCACHED_ENGINE = fs.existsSync(fileURLToPath(new URL('../../src/server/memcached-node.js', import.meta.url)));

export function tempDir(prefix = 'cove-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' };

export function clients(endpoint: string, credentials = CREDENTIALS) {
  const cfg = { endpoint, region: 'us-east-1', credentials, maxAttempts: 1 };
  return { ec2: new EC2Client(cfg), ec: new ElastiCacheClient(cfg) };
}

/** A free TCP port on 127.0.0.1 (for cluster ports, so concurrent tests never collide). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Live `cove server` processes whose management socket lies in this data dir. */
export function nodeProcesses(dataDir: string): number[] {
  return [...nodeProcessesIn(path.join(dataDir, 'run')).values()];
}

/** The pid of this data dir's node process bound to `address` (its --bind), if any. */
export function nodeBoundTo(dataDir: string, address: string): number | undefined {
  return nodeProcessBoundTo(path.join(dataDir, 'run'), address);
}

/** A live process, not a zombie. */
export const alive = processAlive;

/** `cove up` in a child process. */
export class CoveProcess {
  child!: ChildProcess;
  endpoint = '';
  output = '';

  constructor(
    readonly dataDir: string,
    private readonly extraArgs: string[] = [],
  ) {}

  async start(): Promise<this> {
    try {
      fs.unlinkSync(path.join(this.dataDir, 'cove.json'));
    } catch {
      // first start
    }
    this.child = spawn(process.execPath, [MAIN_JS, 'up', '--data-dir', this.dataDir, '--api', '127.0.0.1:0', ...this.extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_TEST_CONTEXT: undefined },
    });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    const info = await waitFor(
      async () => {
        if (this.child.exitCode !== null) throw new Error(`cove up exited: ${this.output}`);
        const text = fs.readFileSync(path.join(this.dataDir, 'cove.json'), 'utf8');
        const j = JSON.parse(text) as { api: string; pid: number };
        return j.pid === this.child.pid ? j : null;
      },
      'cove up to listen',
      15_000,
    );
    this.endpoint = `http://${info.api}`;
    return this;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** `kill -9`: the control plane dies, its nodes stay. */
  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await new Promise<void>((r) => (this.child.exitCode !== null || this.child.signalCode !== null ? r() : this.child.once('exit', () => r())));
  }

  /** `cove down`, then checks that no node process of this data dir is left. */
  async down(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await execFileP(process.execPath, [MAIN_JS, 'down', '--data-dir', this.dataDir], { timeout: 30_000 });
      await new Promise<void>((r) => (this.child.exitCode !== null ? r() : this.child.once('exit', () => r())));
    }
  }
}

/** Stops whatever node processes of a data dir are still running (test cleanup) and says how many there were. */
export async function reap(dataDir: string): Promise<number> {
  const left = nodeProcesses(dataDir);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return left.length;
}

/** An in-process control plane (API-only tests: no node processes are started unless a cluster is created). */
export async function inProcess(opts: { credentialsFile?: string } = {}): Promise<{ plane: ControlPlane; endpoint: string; dataDir: string; close: () => Promise<void> }> {
  const dataDir = tempDir();
  const plane = await startControlPlane({ dataDir, api: '127.0.0.1:0', credentialsFile: opts.credentialsFile, mainJs: MAIN_JS });
  return {
    plane,
    endpoint: plane.endpoint,
    dataDir,
    close: async () => {
      await plane.stop({ nodes: true });
      await reap(dataDir);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's AWS CLI (another `aws` may come first on PATH). */
export const AWS_CLI = '/usr/bin/aws';

/** Runs /usr/bin/aws against an endpoint with test credentials; the parsed JSON output. */
export function awsCli(endpoint: string, timeoutMs = 200_000) {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'dummy',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  return async (...args: string[]): Promise<any> => {
    const { stdout } = await execFileP(AWS_CLI, ['--endpoint-url', endpoint, '--output', 'json', ...args], { env, timeout: timeoutMs });
    return stdout.trim() ? JSON.parse(stdout) : null;
  };
}

/**
 * A VPC 10.0.0.0/16 with subnets 10.0.1.0/24 (a) and 10.0.2.0/24 (b), a group `cache`
 * admitting everything from group `client`, and an application instance at `clientIp`
 * in the second subnet with group `client`: clients act as it (test/network/support.ts).
 */
export async function vpcWithClient(ec2: EC2Client, clientIp: string): Promise<{ vpcId: string; subnets: string[]; cacheSg: string; clientSg: string }> {
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  const subnets: string[] = [];
  for (const [cidr, az] of [
    ['10.0.1.0/24', 'us-east-1a'],
    ['10.0.2.0/24', 'us-east-1b'],
  ]) {
    subnets.push((await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }))).Subnet!.SubnetId!);
  }
  const cacheSg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'cache', Description: 'cache', VpcId: vpcId }))).GroupId!;
  const clientSg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'client', Description: 'client', VpcId: vpcId }))).GroupId!;
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: cacheSg, IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: clientSg }] }] }));
  await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0c0fe000000000001', MinCount: 1, MaxCount: 1, SubnetId: subnets[1], PrivateIpAddress: clientIp, SecurityGroupIds: [clientSg] }));
  return { vpcId, subnets, cacheSg, clientSg };
}
