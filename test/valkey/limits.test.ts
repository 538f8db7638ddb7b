// The limits of security-and-robustness.md §5 against a running node: the tighter
// framing limits before AUTH, the query buffer limit, proto-max-bulk-len, maxclients,
// the idle timeout, and protected mode. Each test starts its own node, since these
// tests change server-wide settings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, RawClient, resp } from '../support/valkey.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';
import type { ValkeyNodeOptions } from '../../src/server/valkey-node.js';
import { RespParser } from '../../src/protocol/resp/parser.js';

type Connect = (localAddress?: string) => Promise<RawClient>;

/** Runs fn against a fresh node; every client opened through `connect` is closed after. */
async function withNode(opts: ValkeyNodeOptions, fn: (node: ValkeyNode, connect: Connect) => Promise<void>): Promise<void> {
  const node = await startNode(opts);
  const opened: RawClient[] = [];
  const connect: Connect = async (localAddress) => {
    const c = await RawClient.connect(node.port, '127.0.0.1', localAddress);
    opened.push(c);
    return c;
  };
  try {
    await fn(node, connect);
  } finally {
    for (const c of opened) c.close();
    await node.close();
  }
}

/** Reads until the server closes (or the timeout passes): what was said, and whether it closed. */
async function untilClosed(c: RawClient, ms = 3000): Promise<{ text: string; closed: boolean }> {
  const text = await c.readUntil(() => false, ms);
  return { text, closed: c.closed };
}

// ---- before AUTH -------------------------------------------------------------------------

test('unauthenticated: more than 10 arguments is a protocol error and a close', () =>
  withNode({ config: { requirepass: 'pw' } }, async (_node, connect) => {
    const c = await connect();
    c.write('*11\r\n');
    assert.deepEqual(await untilClosed(c), { text: '-ERR Protocol error: unauthenticated multibulk length\r\n', closed: true });
  }));

test('unauthenticated: a bulk over 16384 bytes is a protocol error and a close', () =>
  withNode({ config: { requirepass: 'pw' } }, async (_node, connect) => {
    const c = await connect();
    c.write('*1\r\n$16385\r\n');
    assert.deepEqual(await untilClosed(c), { text: '-ERR Protocol error: unauthenticated bulk length\r\n', closed: true });
  }));

test('unauthenticated: 10 arguments and a 16384-byte bulk are still fine (NOAUTH, connection open)', () =>
  withNode({ config: { requirepass: 'pw' } }, async (_node, connect) => {
    const c = await connect();
    assert.equal(await c.request(resp('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e')), '-NOAUTH Authentication required.\r\n');
    assert.equal(await c.request(resp('GET', 'x'.repeat(16384))), '-NOAUTH Authentication required.\r\n');
    assert.equal(c.closed, false);
  }));

test('after AUTH the 10-argument and 16 KB limits no longer apply', () =>
  withNode({ config: { requirepass: 'pw' } }, async (_node, connect) => {
    const c = await connect();
    assert.equal(await c.request(resp('AUTH', 'pw')), '+OK\r\n');
    const args = ['MSET'];
    for (let i = 0; i < 20; i++) args.push(`k${i}`, 'v');
    assert.equal(await c.request(resp(...args)), '+OK\r\n');
    assert.equal(await c.request(resp('SET', 'big', 'x'.repeat(100000))), '+OK\r\n');
    assert.equal(await c.request(resp('STRLEN', 'big')), ':100000\r\n');
  }));

test('requirepass set at run time: clients already connected stay in, new ones are held to the unauthenticated limits', () =>
  withNode({}, async (_node, connect) => {
    const before = await connect();
    const admin = await connect();
    assert.equal(await admin.request(resp('CONFIG', 'SET', 'requirepass', 'pw')), '+OK\r\n');
    // A connection made while no password was needed stays authenticated (Redis 7.0).
    assert.equal(await before.request(resp('PING')), '+PONG\r\n');
    const after = await connect();
    assert.equal(await after.request(resp('PING')), '-NOAUTH Authentication required.\r\n');
    after.write('*11\r\n');
    assert.equal((await untilClosed(after)).text, '-ERR Protocol error: unauthenticated multibulk length\r\n');
  }));

test('unauthenticated: more than 1 MB of unread input is dropped (parser level: the node never stops reading such a client)', () => {
  // Over a socket this limit cannot be reached: an unauthenticated command is at most
  // 10 bulks of 16 KB or a 64 KB line, and gets NOAUTH at once. The parser enforces it
  // anyway for input it holds while stopped; this drives that path directly.
  for (const unauthenticated of [true, false]) {
    const events: string[] = [];
    const parser = new RespParser(
      {
        onCommand: () => false, // stop after the first command, as a blocked client does
        onProtocolError: (m) => events.push(m),
        onQueryBufferOverflow: () => events.push('overflow'),
        unauthenticated: () => unauthenticated,
      },
      { maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 },
    );
    parser.feed(resp('PING'));
    for (let i = 0; i < 20; i++) parser.feed(Buffer.from(resp('SET', 'k', 'x'.repeat(60000))));
    assert.deepEqual(events, unauthenticated ? ['overflow'] : [], `unauthenticated=${unauthenticated}`);
  }
});

// ---- query buffer and bulk size -----------------------------------------------------------

test('client-query-buffer-limit: an argument growing past it closes the connection without a reply', () =>
  withNode({ config: { 'client-query-buffer-limit': '1mb' } }, async (_node, connect) => {
    const c = await connect();
    c.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n');
    c.write(Buffer.alloc(1500000, 'x'));
    assert.deepEqual(await untilClosed(c), { text: '', closed: true });
    // Other clients are unaffected.
    const other = await connect();
    assert.equal(await other.request(resp('PING')), '+PONG\r\n');
  }));

test('client-query-buffer-limit counts unparsed bytes only: two 600 KB arguments pass a 1 MB limit', () =>
  withNode({ config: { 'client-query-buffer-limit': '1mb' } }, async (_node, connect) => {
    const c = await connect();
    assert.equal(await c.request(resp('MSET', 'a', 'x'.repeat(600000), 'b', 'y'.repeat(600000)), 1, 5000), '+OK\r\n');
    assert.equal(await c.request(resp('STRLEN', 'b')), ':600000\r\n');
  }));

test('client-query-buffer-limit can be lowered at run time with CONFIG SET', () =>
  withNode({}, async (_node, connect) => {
    const c = await connect();
    assert.equal(await c.request(resp('CONFIG', 'SET', 'client-query-buffer-limit', '1mb')), '+OK\r\n');
    c.write('*2\r\n$4\r\nECHO\r\n$3000000\r\n');
    c.write(Buffer.alloc(1200000, 'z'));
    assert.deepEqual(await untilClosed(c), { text: '', closed: true });
  }));

test('proto-max-bulk-len: a bulk one byte over the configured size is an invalid bulk length', () =>
  withNode({}, async (_node, connect) => {
    const admin = await connect();
    assert.equal(await admin.request(resp('CONFIG', 'SET', 'proto-max-bulk-len', '1mb')), '+OK\r\n');
    const ok = await connect();
    assert.equal(await ok.request(resp('SET', 'exact', Buffer.alloc(1048576, 'a'))), '+OK\r\n');
    const bad = await connect();
    bad.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n');
    assert.deepEqual(await untilClosed(bad), { text: '-ERR Protocol error: invalid bulk length\r\n', closed: true });
  }));

// ---- connections -----------------------------------------------------------------------

test('maxclients: the client over the limit gets the error and is closed; the others keep working', () =>
  withNode({ config: { maxclients: '3' } }, async (_node, connect) => {
    const clients = [await connect(), await connect(), await connect()];
    for (const c of clients) assert.equal(await c.request(resp('PING')), '+PONG\r\n');
    const fourth = await connect();
    assert.deepEqual(await untilClosed(fourth), { text: '-ERR max number of clients reached\r\n', closed: true });
    assert.equal(await clients[0].request(resp('PING')), '+PONG\r\n');
    // A slot freed is a slot usable again.
    clients[2].close();
    await clients[2].waitClosed(100);
    let again: RawClient | null = null;
    for (let tries = 0; tries < 20; tries++) {
      const c = await connect();
      const reply = await c.request(resp('PING'));
      if (reply === '+PONG\r\n') {
        again = c;
        break;
      }
      c.close();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(again, 'a new client is accepted once one left');
    clients[0].write(resp('INFO', 'stats'));
    assert.match(await clients[0].readUntil((t) => t.includes('rejected_connections:')), /rejected_connections:[1-9]/);
  }));

test('timeout: an idle client is closed without a message; a subscriber and a busy client are not', () =>
  withNode({ config: { timeout: '1' } }, async (_node, connect) => {
    const idle = await connect();
    const subscriber = await connect();
    assert.match(await subscriber.request(resp('SUBSCRIBE', 'news'), 3), /subscribe/);
    const busy = await connect();
    const deadline = Date.now() + 4000;
    while (!idle.closed && Date.now() < deadline) {
      assert.equal(await busy.request(resp('PING')), '+PONG\r\n');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(idle.closed, 'the idle client was closed');
    assert.equal(idle.take(), '');
    assert.equal(busy.closed, false);
    assert.equal(subscriber.closed, false);
  }));

// ---- protected mode ------------------------------------------------------------------------
// Redis 7.0 lets in only peers whose address is exactly 127.0.0.1 or ::1 while protected
// mode is on and the default user has no password. Binding the client to 127.0.0.2 makes
// a real non-local peer on any Linux host, with no special privileges.

const DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

test('protected mode: a client from 127.0.0.2 is told DENIED and disconnected', () =>
  withNode({}, async (_node, connect) => {
    const c = await connect('127.0.0.2');
    assert.deepEqual(await untilClosed(c), { text: DENIED, closed: true });
    const local = await connect();
    assert.equal(await local.request(resp('PING')), '+PONG\r\n');
  }));

test('protected mode lets the outside in once the default user has a password, or when it is off', () =>
  withNode({}, async (_node, connect) => {
    const admin = await connect();
    assert.equal(await admin.request(resp('CONFIG', 'SET', 'requirepass', 'pw')), '+OK\r\n');
    const withPassword = await connect('127.0.0.2');
    assert.equal(await withPassword.request(resp('PING')), '-NOAUTH Authentication required.\r\n');
    assert.equal(await withPassword.request(resp('AUTH', 'pw')), '+OK\r\n');
    assert.equal(await admin.request(resp('CONFIG', 'SET', 'requirepass', '')), '+OK\r\n');
    assert.equal(await admin.request(resp('CONFIG', 'SET', 'protected-mode', 'no')), '+OK\r\n');
    const modeOff = await connect('127.0.0.2');
    assert.equal(await modeOff.request(resp('PING')), '+PONG\r\n');
  }));
