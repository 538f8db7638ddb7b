// The generated coverage docs (docs/coverage/*.md) match the code: regenerated in
// memory and compared with the checked-in files; the AWS actions they list are the
// ones a running control plane serves; the memcached list is what a running node
// answers (every listed command answers, every other memcached word and binary
// opcode is refused as unknown).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coverageDocs, operationTable } from '../../src/cli/coverage-docs.js';
import { BINARY_OPS, TEXT_COMMANDS, TEXT_NOT_IMPLEMENTED } from '../../src/cli/memcached-commands.js';
import { MemcachedNode } from '../../src/server/memcached-node.js';
import { inProcess } from '../control/harness.js';

/** The repository root: the first parent of this (compiled) file with a package.json. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('no package.json above the test');
    dir = up;
  }
  return dir;
}

test('docs/coverage/*.md are what `cove coverage-docs` generates from the tables', () => {
  const dir = path.join(repoRoot(), 'docs', 'coverage');
  for (const [name, text] of coverageDocs()) {
    const file = path.join(dir, name);
    assert.ok(fs.existsSync(file), `${file} is missing: run \`node dist/src/cli/main.js coverage-docs\``);
    assert.equal(fs.readFileSync(file, 'utf8'), text, `docs/coverage/${name} drifted from the code: run \`node dist/src/cli/main.js coverage-docs\``);
  }
});

test('every AWS action in the coverage table is served by a running control plane, and an unlisted one is not', async () => {
  const cove = await inProcess();
  try {
    const call = async (version: string, action: string) => {
      const res = await fetch(cove.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ Action: action, Version: version }).toString() });
      return res.text();
    };
    for (const s of operationTable()) {
      assert.ok(s.operations.length > 10);
      for (const op of s.operations) assert.doesNotMatch(await call(s.version, op.name), /InvalidAction/, `${s.service} ${op.name}`);
      assert.match(await call(s.version, 'DescribeNothingAtAll'), /InvalidAction/);
    }
  } finally {
    await cove.close();
  }
});

/**
 * One request on a fresh connection: resolves once `complete` says the reply is whole,
 * the server closes, or nothing came for `idleMs` (quiet commands answer nothing).
 */
function exchange(port: number, request: string | Buffer, complete: (b: Buffer) => boolean, idleMs = 100): Promise<Buffer> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    const idle = () => setTimeout(() => sock.destroy(), idleMs);
    let timer = idle();
    sock.on('connect', () => sock.write(request));
    sock.on('data', (d) => {
      data = Buffer.concat([data, d]);
      clearTimeout(timer);
      if (complete(data)) sock.destroy();
      else timer = idle();
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

const TEXT_DONE = (b: Buffer) => /(^|\r\n)(END|ERROR|STORED|NOT_STORED|EXISTS|NOT_FOUND|DELETED|OK|RESET|VERSION [^\r]*|CLIENT_ERROR [^\r]*|SERVER_ERROR [^\r]*|ERROR: [^\r]*|[0-9]+|EN|HD|NF|NS|EX|MN|VA [^\r]*\r\n[^\r]*)\r\n$/.test(b.toString('latin1'));
const BINARY_DONE = (b: Buffer) => b.length >= 24 && b.length >= 24 + b.readUInt32BE(8);

function binaryRequest(opcode: number): Buffer {
  const h = Buffer.alloc(24);
  h[0] = 0x80;
  h[1] = opcode;
  return h;
}

/** Response status of a binary request, or null when the node sent no header (quiet success, quit). */
function binaryStatus(reply: Buffer): number | null {
  return reply.length >= 24 ? reply.readUInt16BE(6) : null;
}

test('the memcached coverage list is what a running node answers', async () => {
  const node = new MemcachedNode({ port: 0, logger: () => {} });
  await node.listen();
  const port = node.port;
  try {
    for (const c of TEXT_COMMANDS) {
      const reply = (await exchange(port, `${c.probe}\r\n`, TEXT_DONE)).toString('latin1');
      assert.notEqual(reply, 'ERROR\r\n', `${c.name} (${c.probe}) is listed but answers ERROR`);
    }
    for (const c of TEXT_NOT_IMPLEMENTED) {
      assert.equal((await exchange(port, `${c.probe}\r\n`, TEXT_DONE)).toString('latin1'), 'ERROR\r\n', `${c.name} answers now: list it in src/cli/memcached-commands.ts`);
    }
    const listed = new Map(BINARY_OPS.map((o) => [o.opcode, o]));
    for (let op = 0; op < 256; op++) {
      const status = binaryStatus(await exchange(port, binaryRequest(op), BINARY_DONE));
      const entry = listed.get(op);
      if (entry && !entry.sasl) assert.notEqual(status, 0x81, `binary opcode 0x${op.toString(16)} (${entry.name}) is listed but unknown to the node`);
      else assert.equal(status, 0x81, `binary opcode 0x${op.toString(16)} answers now: list it in src/cli/memcached-commands.ts`);
    }
  } finally {
    await node.close();
  }
  // The SASL opcodes answer on a node that requires authentication.
  const pwdb = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cove-sasl-')), 'pwdb');
  fs.writeFileSync(pwdb, 'user:secret\n');
  const sasl = new MemcachedNode({ port: 0, logger: () => {}, saslPwdb: pwdb });
  await sasl.listen();
  try {
    for (const o of BINARY_OPS.filter((x) => x.sasl)) assert.notEqual(binaryStatus(await exchange(sasl.port, binaryRequest(o.opcode), BINARY_DONE)), 0x81, o.name);
  } finally {
    await sasl.close();
    fs.rmSync(path.dirname(pwdb), { recursive: true, force: true });
  }
});
