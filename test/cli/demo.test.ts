// `cove up --demo` end to end: the guide's scenario built through the API in a temp
// data dir, every printed connect line used as printed (the telnet and PHP lines as
// raw TCP with what they would send, the redis-cli line with redis-cli itself, the
// `cove why` lines through a shell), a second `cove up --demo` against the running
// control plane and one after `cove down` reusing everything, and no node process left.
//
// Concurrency: the demo listens on the default ports (11211, 6379) of its VPC's
// loopback block and of its Elastic IP. Other scenario tests use VPC numbers 2 and 3
// and Elastic IPs from 127.200/127.201; this one makes four spare VPCs first (its
// VPC is number 6) and takes Elastic IPs from 127.202.0.0/16.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawn, ChildProcess } from 'node:child_process';
import { CreateVpcCommand } from '@aws-sdk/client-ec2';
import { startControlPlane } from '../../src/control/control-plane.js';
import { clients, execFileP, MAIN_JS, nodeProcesses, reap, tempDir, waitFor } from '../control/harness.js';
import { rawExchange } from '../network/support.js';

const POOL = '127.202.0.0/16';
const SPARE_VPCS = 4;
const STRANGER = '127.66.0.7';

interface Up {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function up(dataDir: string): Up {
  const child = spawn(process.execPath, [MAIN_JS, 'up', '--demo', '--data-dir', dataDir, '--api', '127.0.0.1:0', '--public-pool', POOL], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_TEST_CONTEXT: undefined },
  });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => text, exited };
}

/** Waits for the report's last line (or the process's end) and returns the output. */
async function report(u: Up): Promise<string> {
  return waitFor(
    async () => {
      if (u.child.exitCode !== null) throw new Error(`cove up --demo exited with ${u.child.exitCode}:\n${u.out()}`);
      return /brings the same demo back/.test(u.out()) ? u.out() : null;
    },
    'the demo report',
    90_000,
  );
}

function redisCli(line: string, input: string): Promise<string> {
  const args = line.trim().split(/\s+/);
  assert.equal(args[0], 'redis-cli');
  return new Promise((resolve, reject) => {
    const p = spawn('redis-cli', args.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', () => resolve(out));
    p.stdin.end(input);
  });
}

async function shell(line: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await execFileP('sh', ['-c', line], { timeout: 30_000 });
    return { code: 0, stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, stdout: err.stdout };
  }
}

test('cove up --demo builds the guide scenario, prints lines that work as printed, and a second run reuses it', { timeout: 300_000 }, async (t) => {
  const dataDir = tempDir('cove-demo-');
  const ups: Up[] = [];
  try {
    // Spare VPCs first, so the demo's VPC (and its node addresses) are this test's own.
    const seed = await startControlPlane({ dataDir, api: '127.0.0.1:0', mainJs: MAIN_JS });
    const { ec2 } = clients(seed.endpoint);
    for (let i = 0; i < SPARE_VPCS; i++) await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${90 + i}.0.0/16` }));
    ec2.destroy();
    await seed.stop({ nodes: true });

    const first = up(dataDir);
    ups.push(first);
    const text = await report(first);
    t.diagnostic(text.split('\n').find((l) => l.startsWith('Cove demo is up')) ?? '');
    t.diagnostic(/created valkey .*/.exec(text)?.[0] ?? '');
    assert.match(text, /created VPC vpc-[0-9a-f]+ 10\.0\.0\.0\/16/);
    assert.match(text, /created memcached cluster demo-mc \(3 nodes\)/);
    assert.match(text, /created NAT instance i-[0-9a-f]+ at 10\.0\.0\.55/);
    const eip = /created Elastic IP (127\.202\.\d+\.\d+)/.exec(text)![1];
    assert.match(text, /first PONG through 127\.202\.\d+\.\d+:6379 at \d+\.\d\d s/);
    for (const port of [11211, 11212, 11213]) {
      assert.match(text, new RegExp(`${eip.replace(/\./g, '\\.')}:${port} +-> +demo-mc/000${port - 11210} +10\\.0\\.1\\.\\d+:11211 +127\\.6\\.1\\.\\d+:11211`));
    }
    assert.match(text, new RegExp(`${eip.replace(/\./g, '\\.')}:6379 +-> +demo-vk`));

    // telnet EIP PORT, then what the report says to type.
    const telnet = /^ {2}telnet (\S+) (\d+)$/m.exec(text)!;
    assert.equal(telnet[1], eip);
    const typed = await rawExchange({ host: telnet[1], port: Number(telnet[2]), request: 'set greeting 0 0 5\r\nhello\r\nget greeting\r\nquit\r\n', until: /END\r\n$/ });
    assert.equal(typed.data, 'STORED\r\nVALUE greeting 0 5\r\nhello\r\nEND\r\n');
    // Every memcached node through its own public port.
    for (const port of [11212, 11213]) {
      assert.equal((await rawExchange({ host: eip, port, request: 'set n 0 0 1\r\nx\r\nget n\r\n', until: /END\r\n$/ })).data, 'STORED\r\nVALUE n 0 1\r\nx\r\nEND\r\n');
    }

    // redis-cli -h EIP -p 6379, fed the commands the report suggests.
    const cliLine = /^ {2}(redis-cli -h \S+ -p \d+)$/m.exec(text)![1];
    assert.equal(await redisCli(cliLine, 'ping\nset greeting hello\nget greeting\n'), 'PONG\nOK\nhello\n');

    // A replication group: its replicas serve the primary's writes on the next ports.
    if (/\(replica\)/.test(text)) {
      const replica = new RegExp(`${eip.replace(/\./g, '\\.')}:(\\d+) +-> +\\S+ \\(replica\\)`).exec(text)![1];
      await waitFor(async () => (await redisCli(`redis-cli -h ${eip} -p ${replica}`, 'get greeting\n')) === 'hello\n', 'the replica to have the write', 20_000);
    }

    // The PHP line: Memcached::addServer(EIP, PORT) then set/get; PHP is not on the
    // test box, so its address and port get the same set/get as raw text protocol.
    const php = /^ {2}php -r '.*addServer\("([^"]+)", (\d+)\).*'$/m.exec(text)!;
    assert.equal(php[1], eip);
    assert.equal((await rawExchange({ host: php[1], port: Number(php[2]), request: 'get greeting\r\n', until: /END\r\n$/ })).data, 'VALUE greeting 0 5\r\nhello\r\nEND\r\n');

    // A stranger gets nothing through the same ports.
    assert.equal((await rawExchange({ host: eip, port: 6379, localAddress: STRANGER, request: 'PING\r\n', until: /\r\n/ })).data, '');

    // The `cove why` and `cove nat status` lines, through a shell, as printed.
    const whyLines = [...text.matchAll(/^ {2}(\S.* why .*)$/gm)].map((m) => m[1]);
    assert.equal(whyLines.length, 3);
    const answers = await Promise.all(whyLines.map(shell));
    assert.deepEqual(answers.map((a) => a.code), [0, 1, 1]);
    assert.match(answers[0].stdout, /^ALLOWED: the host \(127\.0\.0\.1\)/);
    assert.match(answers[1].stdout, /missing \(source-not-in-cidr\)/);
    assert.match(answers[2].stdout, /missing \(no-public-address\)/);
    const natLine = /^ {2}(\S.* nat status i-\S+.*)$/m.exec(text)![1];
    assert.match(natLine, /# the forwarding table$/);
    const nat = await shell(natLine);
    assert.equal(nat.code, 0);
    assert.match(nat.stdout, new RegExp(`${eip.replace(/\./g, '\\.')}:11213 +-> +10\\.0\\.1\\.\\d+:11211 +\\(demo-mc/0003\\)`));

    // While it runs: another `cove up --demo` builds through it and finds everything.
    const attached = up(dataDir);
    ups.push(attached);
    assert.equal(await attached.exited, 0, attached.out());
    assert.match(attached.out(), /already running/);
    assert.doesNotMatch(attached.out(), /created /);
    assert.match(attached.out(), new RegExp(`reusing Elastic IP ${eip.replace(/\./g, '\\.')}`));

    // `cove down`, then the demo again on the same data dir: everything reused.
    const downLine = new RegExp('Ctrl-C or `([^`]+ down[^`]*)`').exec(text)![1];
    assert.equal((await shell(downLine)).code, 0);
    assert.equal(await first.exited, 0);
    assert.deepEqual(nodeProcesses(dataDir), []);
    const second = up(dataDir);
    ups.push(second);
    const again = await report(second);
    assert.doesNotMatch(again, /created /);
    assert.match(again, /reusing memcached cluster demo-mc/);
    assert.match(again, new RegExp(`reusing Elastic IP ${eip.replace(/\./g, '\\.')}`));
    assert.equal(await redisCli(cliLine, 'ping\n'), 'PONG\n');
    assert.equal((await shell(downLine)).code, 0);
    assert.equal(await second.exited, 0);
    assert.deepEqual(nodeProcesses(dataDir), []);
  } finally {
    for (const u of ups) if (u.child.exitCode === null && u.child.signalCode === null) u.child.kill('SIGTERM');
    await Promise.all(ups.map((u) => u.exited));
    await reap(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
