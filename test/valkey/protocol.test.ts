// The RESP framing over raw sockets: every protocol error of redis-server 7.0, word for
// word, sent and then the connection closed; the inputs Redis quietly ignores; HTTP
// dropped without a word; inline commands. Each malformed frame is fed whole and one
// byte at a time (large ones in 1 KB pieces), over the socket and straight into the
// parser, since the kernel may merge small socket writes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, RawClient, resp } from '../support/valkey.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';
import { RespParser } from '../../src/protocol/resp/parser.js';

let node: ValkeyNode;
before(async () => {
  node = await startNode();
});
after(async () => {
  await node.close();
});

const BIG = 70000;

interface BadFrame {
  name: string;
  input: string;
  reply: string;
}

const BAD_FRAMES: BadFrame[] = [
  { name: 'a multibulk count over INT_MAX', input: '*3000000000\r\n', reply: 'ERR Protocol error: invalid multibulk length' },
  { name: 'a multibulk count that is not a number', input: '*abc\r\n', reply: 'ERR Protocol error: invalid multibulk length' },
  { name: 'a multibulk count of -0', input: '*-0\r\n', reply: 'ERR Protocol error: invalid multibulk length' },
  { name: "an argument that does not start with '$'", input: '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n', reply: "ERR Protocol error: expected '$', got 'f'" },
  { name: 'a multibulk count not followed by bulks', input: '*1\r\nfoo\r\n', reply: "ERR Protocol error: expected '$', got 'f'" },
  { name: 'a negative bulk length', input: '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n', reply: 'ERR Protocol error: invalid bulk length' },
  { name: 'a bulk length of two billion', input: '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n', reply: 'ERR Protocol error: invalid bulk length' },
  { name: 'a bulk length one over proto-max-bulk-len', input: '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$536870913\r\n', reply: 'ERR Protocol error: invalid bulk length' },
  { name: 'a bulk length that is not a number', input: '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n', reply: 'ERR Protocol error: invalid bulk length' },
  { name: 'a bulk length with a leading zero', input: '*1\r\n$04\r\nPING\r\n', reply: 'ERR Protocol error: invalid bulk length' },
  { name: 'unbalanced double quotes', input: 'set """test-key""" test-value\r\n', reply: 'ERR Protocol error: unbalanced quotes in request' },
  { name: 'an unclosed single quote', input: "GET 'abc\r\n", reply: 'ERR Protocol error: unbalanced quotes in request' },
  { name: 'a closing quote followed by a letter', input: 'ECHO "a"b\r\n', reply: 'ERR Protocol error: unbalanced quotes in request' },
  { name: '70000 bytes without a newline', input: 'x'.repeat(BIG), reply: 'ERR Protocol error: too big inline request' },
  { name: 'a multibulk count of 70000 digits', input: '*' + '1'.repeat(BIG), reply: 'ERR Protocol error: too big mbulk count string' },
  { name: 'a bulk count of 70000 digits', input: '*1\r\n$' + '1'.repeat(BIG), reply: 'ERR Protocol error: too big bulk count string' },
];

/** Writes `data` in pieces of `size` bytes, letting the event loop turn between them. */
async function writeInPieces(c: RawClient, data: Buffer, size: number): Promise<void> {
  c.socket.setNoDelay(true);
  for (let i = 0; i < data.length; i += size) {
    c.write(data.subarray(i, i + size));
    await new Promise((r) => setImmediate(r));
  }
}

async function sendAndWaitClose(data: Buffer, pieceSize: number): Promise<{ text: string; closed: boolean }> {
  const c = await RawClient.connect(node.port);
  if (pieceSize >= data.length) c.write(data);
  else await writeInPieces(c, data, pieceSize);
  const text = await c.readUntil(() => false, 3000);
  const closed = c.closed;
  c.close();
  return { text, closed };
}

for (const f of BAD_FRAMES) {
  test(`${f.name}: the error is sent, then the connection closes (frame fed whole)`, async () => {
    const { text, closed } = await sendAndWaitClose(Buffer.from(f.input, 'latin1'), Infinity);
    assert.equal(text, `-${f.reply}\r\n`);
    assert.ok(closed, 'the server closed the connection');
  });

  test(`${f.name}: the same error when the frame arrives in pieces`, async () => {
    const data = Buffer.from(f.input, 'latin1');
    const { text, closed } = await sendAndWaitClose(data, data.length > 1000 ? 1024 : 1);
    assert.equal(text, `-${f.reply}\r\n`);
    assert.ok(closed);
  });

  test(`${f.name}: the parser reports it whether given the bytes at once or one at a time`, () => {
    const data = Buffer.from(f.input, 'latin1');
    for (const step of [data.length, 1]) {
      const errors: string[] = [];
      const parser = new RespParser(
        {
          onCommand: () => true,
          onProtocolError: (m) => errors.push(m),
          onQueryBufferOverflow: () => errors.push('overflow'),
          unauthenticated: () => false,
        },
        { maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 },
      );
      for (let i = 0; i < data.length; i += step) parser.feed(data.subarray(i, i + step));
      assert.deepEqual(errors, [f.reply], `step ${step}`);
    }
  });
}

test('commands before a protocol error in the same write still get their replies', async () => {
  const { text, closed } = await sendAndWaitClose(Buffer.concat([resp('PING'), Buffer.from('*1\r\nfoo\r\n')]), Infinity);
  assert.equal(text, "+PONG\r\n-ERR Protocol error: expected '$', got 'f'\r\n");
  assert.ok(closed);
});

test('a negative multibulk count and empty lines are ignored', async () => {
  const c = await RawClient.connect(node.port);
  assert.equal(await c.request('*-10\r\nPING\r\n'), '+PONG\r\n');
  assert.equal(await c.request('\r\n\r\n\nPING\r\n'), '+PONG\r\n');
  assert.equal(await c.request('*0\r\n*-1\r\n' + resp('PING').toString()), '+PONG\r\n');
  c.close();
});

test('a multibulk count of 1048577 is accepted: the server waits for the arguments', async () => {
  const c = await RawClient.connect(node.port);
  c.write('*1048577\r\n');
  const text = await c.readUntil(() => false, 300);
  assert.equal(text, '');
  assert.equal(c.closed, false);
  c.close();
});

test('bulk data longer than announced: the length wins and the extra bytes are skipped as Redis does', async () => {
  const c = await RawClient.connect(node.port);
  assert.equal(await c.request('*3\r\n$3\r\nSET\r\n$7\r\noverrun\r\n$1\r\nyy\r\n'), '+OK\r\n');
  assert.equal(await c.request(resp('GET', 'overrun'), 2), '$1\r\ny\r\n');
  c.close();
});

test('HTTP-looking input is dropped without a reply: GET with Host:', async () => {
  const { text, closed } = await sendAndWaitClose(Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'), Infinity);
  assert.equal(text, '');
  assert.ok(closed);
});

test('HTTP-looking input is dropped without a reply: POST', async () => {
  const { text, closed } = await sendAndWaitClose(Buffer.from('POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n'), Infinity);
  assert.equal(text, '');
  assert.ok(closed);
});

test('a Host: line after earlier commands closes the connection; earlier replies were already sent', async () => {
  const c = await RawClient.connect(node.port);
  assert.equal(await c.request('PING\r\n'), '+PONG\r\n');
  c.write('Host: example.com\r\n');
  assert.ok(await c.waitClosed(2000));
  assert.equal(c.take(), '');
  c.close();
});

for (const [i, seq] of ['\x00', '*\x00', '$\x00'].entries()) {
  test(`protocol desync regression #${i + 1}: garbage after ${JSON.stringify(seq)} ends in a protocol error and a close`, async () => {
    const c = await RawClient.connect(node.port);
    c.write(Buffer.from(seq, 'latin1'));
    const chunk = Buffer.from('payload'.repeat(150));
    let sent = 0;
    while (!c.closed && sent < 1024 * 1024) {
      c.write(chunk);
      sent += chunk.length;
      await new Promise((r) => setImmediate(r));
    }
    const text = await c.readUntil(() => false, 2000);
    assert.match(text, /^-ERR Protocol error: /);
    assert.ok(c.closed);
    c.close();
  });
}

test('inline commands: spaces, quotes and escapes split as redis-cli would send them', async () => {
  const c = await RawClient.connect(node.port);
  assert.equal(await c.request('   PING   \r\n'), '+PONG\r\n');
  assert.equal(await c.request('PING\n'), '+PONG\r\n');
  assert.equal(await c.request('ECHO "a\\x41\\n\\tb"\r\n', 2), '$5\r\naA\n\tb\r\n');
  assert.equal(await c.request("ECHO 'it\\'s'\r\n", 2), "$4\r\nit's\r\n");
  assert.equal(await c.request('ECHO ""\r\n', 2), '$0\r\n\r\n');
  assert.equal(await c.request("$3\r\n"), "-ERR unknown command '$3', with args beginning with: \r\n");
  c.close();
});

test('command errors keep the connection open, pipelined or not', async () => {
  const c = await RawClient.connect(node.port);
  c.write(Buffer.concat([resp('SET', 'perr', 'v'), resp('LPUSH', 'perr', 'x'), resp('GET'), resp('NOSUCH', 'a', 'b'), resp('PING')]));
  const text = await c.readUntil((t) => t.includes('+PONG\r\n'));
  assert.equal(
    text,
    '+OK\r\n' +
      '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n' +
      "-ERR wrong number of arguments for 'get' command\r\n" +
      "-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n" +
      '+PONG\r\n',
  );
  assert.equal(c.closed, false);
  c.close();
});

test('every reply of a frame fed byte by byte equals the reply of the frame fed whole', async () => {
  const frame = Buffer.concat([resp('SET', 'bb', 'v'.repeat(100)), resp('GET', 'bb'), Buffer.from('ECHO "x y"\r\n'), resp('HELLO', '3'), resp('GET', 'missing')]);
  const whole = await RawClient.connect(node.port);
  whole.write(frame);
  // The client id in HELLO's reply is the one thing that differs between connections.
  const sameId = (t: string) => t.replace(/\$2\r\nid\r\n:\d+/, '$2\r\nid\r\n:ID');
  const expected = sameId(await whole.readUntil((t) => t.endsWith('_\r\n')));
  whole.close();
  const bytewise = await RawClient.connect(node.port);
  await writeInPieces(bytewise, frame, 1);
  assert.equal(sameId(await bytewise.readUntil((t) => t.endsWith('_\r\n'))), expected);
  bytewise.close();
  assert.match(expected, /^\+OK\r\n\$100\r\nv{100}\r\n\$3\r\nx y\r\n%7\r\n/);
});
