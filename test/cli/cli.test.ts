// The `cove` command line as scripts and people meet it (the built CLI, spawned):
// --help with examples on every command, exit statuses (0 done, 1 no/failed, 2 usage
// or unknown id, 3 not running), one-line errors without a stack trace, tables for
// people and JSON for scripts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoveProcess, execFileP, MAIN_JS, reap, tempDir } from '../control/harness.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cove(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [MAIN_JS, ...args], { timeout: 60_000, cwd: opts.cwd, env: { ...process.env, ...opts.env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** A user mistake is reported in words, never with a stack trace. */
function noStack(r: Run): void {
  assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .+\(.*:\d+:\d+\)|internal error/, r.stderr);
}

const COMMANDS = [['server'], ['up'], ['status'], ['down'], ['why'], ['flow-logs'], ['nat'], ['nat', 'iptables'], ['nat', 'save'], ['nat', 'restore'], ['nat', 'status'], ['nat', 'ca'], ['tunnel']];

test('every command has --help with examples, exit status 0', async () => {
  const root = await cove(['--help']);
  assert.equal(root.code, 0);
  assert.match(root.stdout, /Examples:\n {2}cove up --demo/);
  assert.match(root.stdout, /Exit status: 0 done, 1 no \(denied\) or failed, 2 usage error or unknown id, 3 cove is not running/);
  for (const cmd of COMMANDS) {
    const r = await cove([...cmd, '--help']);
    assert.equal(r.code, 0, cmd.join(' '));
    assert.match(r.stdout, new RegExp(`^Usage: cove ${cmd.join(' ')} `), cmd.join(' '));
    assert.match(r.stdout, /\nExamples:\n {2}(cove|redis-cli) /, `${cmd.join(' ')} --help has examples`);
  }
  assert.match((await cove(['--version'])).stdout, /^\d+\.\d+\.\d+\n$/);
});

test('usage mistakes exit 2 with one line of explanation', async () => {
  const unknown = await cove(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^error: unknown command 'frobnicate'/);
  noStack(unknown);

  const badFlag = await cove(['status', '--bogus']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /unknown option '--bogus'/);

  const badNumber = await cove(['down', '--timeout', 'soon']);
  assert.equal(badNumber.code, 2);
  assert.match(badNumber.stderr, /--timeout must be a whole number, got 'soon'/);
  noStack(badNumber);

  const badPort = await cove(['server', '--port', '70000']);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /--port must be a whole number up to 65535, got '70000'/);

  const badChoice = await cove(['up', '--log-format', 'xml']);
  assert.equal(badChoice.code, 2);
  assert.match(badChoice.stderr, /Allowed choices are text, json/);

  const missing = await cove(['tunnel', '--to', '10.0.1.4:6379']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /required option '--via <instance>' not specified/);

  const dataDir = tempDir('cove-cli-');
  try {
    const noPool = await cove(['up', '--public-pool', 'no-such-interface0', '--data-dir', dataDir, '--api', '127.0.0.1:0']);
    assert.equal(noPool.code, 2);
    assert.match(noPool.stderr, /^cove: --public-pool: 'no-such-interface0' is neither a CIDR nor a network interface/);
    noStack(noPool);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('commands that need a control plane exit 3 when none runs for the data dir', async () => {
  const dataDir = tempDir('cove-cli-');
  try {
    const status = await cove(['status', '--data-dir', dataDir]);
    assert.equal(status.code, 3);
    assert.equal(status.stderr, `cove is not running (data dir ${dataDir}): start it with \`cove up\`\n`);
    const statusJson = await cove(['status', '--json', '--data-dir', dataDir]);
    assert.equal(statusJson.code, 3);
    assert.deepEqual(JSON.parse(statusJson.stdout), { running: false, dataDir });
    for (const args of [['why', 'host', '127.200.0.1:6379'], ['nat', 'status', 'i-0123456789abcdef0'], ['nat', 'ca'], ['tunnel', '--via', 'i-0123456789abcdef0', '--to', '10.0.1.4:6379']]) {
      const r = await cove([...args, '--data-dir', dataDir]);
      assert.equal(r.code, 3, args.join(' '));
      assert.match(r.stderr, /^cove: cove is not running \(data dir .*\): start it with `cove up`\n$/, args.join(' '));
    }
    // Stopping what is not running is done, not an error (scripts call it unconditionally).
    const down = await cove(['down', '--data-dir', dataDir]);
    assert.equal(down.code, 0);
    assert.match(down.stdout, /^cove is not running/);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('flow-logs prints the v2 header and records, or one JSON object per record', async () => {
  const dataDir = tempDir('cove-cli-');
  try {
    fs.mkdirSync(path.join(dataDir, 'flow-logs'));
    const record = '2 000000000000 eni-0123456789abcdef0 127.55.0.1 10.0.0.55 40512 11211 6 1 17 1764086400 1764086401 ACCEPT OK';
    fs.writeFileSync(path.join(dataDir, 'flow-logs', 'fl-0123456789abcdef0.log'), record + '\n');
    const text = await cove(['flow-logs', '--data-dir', dataDir]);
    assert.equal(text.code, 0);
    assert.equal(text.stdout, `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n${record}\n`);
    const json = await cove(['flow-logs', '--json', '--data-dir', dataDir]);
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout), {
      version: 2,
      'account-id': '000000000000',
      'interface-id': 'eni-0123456789abcdef0',
      srcaddr: '127.55.0.1',
      dstaddr: '10.0.0.55',
      srcport: 40512,
      dstport: 11211,
      protocol: 6,
      packets: 1,
      bytes: 17,
      start: 1764086400,
      end: 1764086401,
      action: 'ACCEPT',
      'log-status': 'OK',
    });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('against a running control plane: tables, JSON, unknown ids exit 2, a busy port or a second cove up exit 1', { timeout: 120_000 }, async () => {
  const dataDir = tempDir('cove-cli-');
  const plane = await new CoveProcess(dataDir).start();
  try {
    const status = await cove(['status', '--data-dir', dataDir]);
    assert.equal(status.code, 0);
    assert.match(status.stdout, new RegExp(`^cove is running: pid ${plane.pid}, API and console ${plane.endpoint}/, data dir `));
    assert.match(status.stdout, /no cache clusters/);
    const json = JSON.parse((await cove(['status', '--json', '--data-dir', dataDir])).stdout);
    assert.equal(json.running, true);
    assert.equal(json.pid, plane.pid);
    assert.deepEqual(json.clusters, []);

    const nat = await cove(['nat', 'status', 'i-0123456789abcdef0', '--data-dir', dataDir]);
    assert.equal(nat.code, 2);
    assert.equal(nat.stderr, "cove: The instance ID 'i-0123456789abcdef0' does not exist\n");
    const why = await cove(['why', 'host', 'nosuchcluster/0001', '--data-dir', dataDir]);
    assert.equal(why.code, 2);
    assert.match(why.stderr, /^cove: .+\n$/);
    noStack(why);

    const again = await cove(['up', '--data-dir', dataDir, '--api', '127.0.0.1:0']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`^cove: cove is already running for ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(pid ${plane.pid}`));
    noStack(again);

    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const other = tempDir('cove-cli-');
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const inUse = await cove(['up', '--data-dir', other, '--api', `127.0.0.1:${port}`]);
      assert.equal(inUse.code, 1);
      assert.match(inUse.stderr, new RegExp(`^cove: .*127\\.0\\.0\\.1:${port}: the address is in use \\(another cove\\? pick another with --api HOST:PORT\\)\n$`));
    } finally {
      busy.close();
      fs.rmSync(other, { recursive: true, force: true });
    }

    const down = await cove(['down', '--data-dir', dataDir]);
    assert.equal(down.code, 0);
    assert.equal(down.stdout, `cove stopped (pid ${plane.pid})\n`);
  } finally {
    await plane.down();
    await reap(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('cove coverage-docs --check passes on the checked-in docs', async () => {
  // The repository root: the first parent of this compiled file with a package.json.
  let root = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(root, 'package.json'))) root = path.dirname(root);
  const r = await cove(['coverage-docs', '--check'], { cwd: root });
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
});

test('npx cove runs the built CLI as a program (the README first command), and a closed pipe ends it quietly', async () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  // npx runs the package's bin as a program: the built file needs its shebang and exec bit.
  const { stdout } = await execFileP('npx', ['--no-install', 'cove', '--help'], { cwd: root, timeout: 60_000 });
  assert.match(stdout, /cove up/);
  // `cove ... | head -1`: the reader goes away early; no stack trace, exit 0.
  const { stdout: first, stderr } = await execFileP('sh', ['-c', `"${process.execPath}" "${MAIN_JS}" --help | head -1`], { timeout: 20_000 });
  assert.match(first, /^Usage: cove/);
  assert.equal(stderr, '');
});
