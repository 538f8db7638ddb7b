// The node's basics over raw sockets: framing, errors, pipelining.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, RawClient, resp } from '../support/valkey.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';

let node: ValkeyNode;
before(async () => {
  node = await startNode();
});
after(async () => {
  await node.close();
});

test('PING answers PONG, and PING with an argument echoes it', async () => {
  const c = await RawClient.connect(node.port);
  assert.equal(await c.request(resp('PING')), '+PONG\r\n');
  assert.equal(await c.request(resp('PING', 'hi'), 2), '$2\r\nhi\r\n');
  c.close();
});

test('SET then GET returns the value; a missing key is a null bulk', async () => {
  const c = await RawClient.connect(node.port);
  assert.equal(await c.request(resp('SET', 'k1', 'v1')), '+OK\r\n');
  assert.equal(await c.request(resp('GET', 'k1'), 2), '$2\r\nv1\r\n');
  assert.equal(await c.request(resp('GET', 'nope')), '$-1\r\n');
  c.close();
});

test('an unknown command names itself and its first arguments, and the connection stays open', async () => {
  const c = await RawClient.connect(node.port);
  assert.equal(await c.request(resp('FOO', 'bar')), "-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n");
  assert.equal(await c.request(resp('PING')), '+PONG\r\n');
  c.close();
});

test('wrong arity is reported with the lower-case command name', async () => {
  const c = await RawClient.connect(node.port);
  assert.equal(await c.request(resp('GET')), "-ERR wrong number of arguments for 'get' command\r\n");
  c.close();
});

test('a frame fed one byte at a time gives the same reply as when fed whole', async () => {
  const c = await RawClient.connect(node.port);
  const frame = resp('SET', 'bytewise', 'x'.repeat(300));
  for (const b of frame) {
    c.write(Buffer.from([b]));
  }
  assert.equal(await c.readUntil((t) => t.includes('\r\n')), '+OK\r\n');
  const get = await c.request(resp('GET', 'bytewise'), 2);
  assert.equal(get, `$300\r\n${'x'.repeat(300)}\r\n`);
  c.close();
});

test('10,000 pipelined commands in one write get 10,000 replies in order', async () => {
  const c = await RawClient.connect(node.port);
  const frames: Buffer[] = [];
  for (let i = 0; i < 10000; i++) frames.push(resp('SET', `p${i}`, String(i)));
  for (let i = 0; i < 10000; i += 1000) frames.push(resp('GET', `p${i}`));
  c.write(Buffer.concat(frames));
  const out = await c.readUntil((t) => t.split('\r\n').length > 10000 + 20, 10000);
  const lines = out.split('\r\n');
  assert.equal(lines.filter((l) => l === '+OK').length, 10000);
  assert.equal(lines[10000], '$1');
  assert.equal(lines[10001], '0');
  assert.equal(lines[10002], '$4');
  assert.equal(lines[10003], '1000');
  c.close();
});

test('inline commands work, with quoted arguments', async () => {
  const c = await RawClient.connect(node.port);
  assert.equal(await c.request('SET greeting "hello world"\r\n'), '+OK\r\n');
  assert.equal(await c.request('GET greeting\r\n', 2), '$11\r\nhello world\r\n');
  c.close();
});
