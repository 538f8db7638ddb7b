// Blocking list pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP with timeouts, first-come
// fairness, chains of moves, wake-ups from MULTI/EXEC, blocking inside MULTI,
// CLIENT UNBLOCK, and the client libraries' blocking calls.
//
// A test waits for "blocked_clients:N" in INFO before it pushes, so the order in
// which clients blocked is known; no assertion depends on how long anything took.
// COVE_TWIN_PORT=6379 runs the same tests against another server (redis-server 7.0).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RawClient, resp } from '../support/valkey.js';
import { target, cmd, replies, bulks } from '../support/resp-wire.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';

let node: ValkeyNode | null = null;
let port = 0;
let control: RawClient;
/** Only asks INFO (control may be inside MULTI). */
let observer: RawClient;

before(async () => {
  ({ port, node } = await target());
  control = await RawClient.connect(port);
  observer = await RawClient.connect(port);
});
after(async () => {
  control.close();
  observer.close();
  await node?.close();
});

/** Sends a (blocking) command without waiting for its reply. */
function send(c: RawClient, ...args: string[]): void {
  c.write(resp(...args));
}

async function blockedClients(): Promise<number> {
  const info = await cmd(observer, 'INFO', 'clients');
  return Number(/blocked_clients:(\d+)/.exec(info)![1]);
}

/** Waits until the server reports n blocked clients. */
async function waitBlocked(n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    if ((await blockedClients()) === n) return;
    if (Date.now() > deadline) throw new Error(`blocked_clients never reached ${n}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function clients(n: number): Promise<RawClient[]> {
  const out: RawClient[] = [];
  for (let i = 0; i < n; i++) out.push(await RawClient.connect(port));
  return out;
}

describe('immediate replies and timeouts', () => {
  test('BLPOP with data replies at once from the first non-empty key in argument order', async () => {
    await cmd(control, 'DEL', 'bi:a', 'bi:b', 'bi:c');
    await cmd(control, 'RPUSH', 'bi:b', 'b1', 'b2');
    await cmd(control, 'RPUSH', 'bi:c', 'c1');
    assert.equal(await cmd(control, 'BLPOP', 'bi:a', 'bi:b', 'bi:c', '0'), bulks('bi:b', 'b1'));
    assert.equal(await cmd(control, 'BRPOP', 'bi:a', 'bi:c', 'bi:b', '0'), bulks('bi:c', 'c1'));
    assert.equal(await cmd(control, 'EXISTS', 'bi:c'), ':0\r\n');
  });

  test('each blocking pop times out with a null array, in RESP2 and RESP3', async () => {
    const [c] = await clients(1);
    assert.equal(await cmd(c, 'BLPOP', 'bt:none', '0.01'), '*-1\r\n');
    assert.equal(await cmd(c, 'BRPOP', 'bt:none', 'bt:none2', '0.01'), '*-1\r\n');
    assert.equal(await cmd(c, 'BLMOVE', 'bt:none', 'bt:d', 'LEFT', 'RIGHT', '0.01'), '*-1\r\n');
    assert.equal(await cmd(c, 'BRPOPLPUSH', 'bt:none', 'bt:d', '0.01'), '*-1\r\n');
    assert.equal(await cmd(c, 'BLMPOP', '0.01', '2', 'bt:none', 'bt:none2', 'LEFT'), '*-1\r\n');
    await cmd(c, 'HELLO', '3');
    assert.equal(await cmd(c, 'BLPOP', 'bt:none', '0.01'), '_\r\n');
    assert.equal(await cmd(c, 'BLMOVE', 'bt:none', 'bt:d', 'LEFT', 'RIGHT', '0.01'), '_\r\n');
    assert.equal(await cmd(c, 'EXISTS', 'bt:d'), ':0\r\n');
    c.close();
  });

  test('timeout errors verbatim', async () => {
    const [c] = await clients(1);
    assert.equal(await cmd(c, 'BLPOP', 'be:k', '-1'), '-ERR timeout is negative\r\n');
    assert.equal(await cmd(c, 'BLPOP', 'be:k', 'abc'), '-ERR timeout is not a float or out of range\r\n');
    assert.equal(await cmd(c, 'BRPOPLPUSH', 'be:k', 'be:d', '-0.5'), '-ERR timeout is negative\r\n');
    assert.equal(await cmd(c, 'BLMPOP', 'x', '1', 'be:k', 'LEFT'), '-ERR timeout is not a float or out of range\r\n');
    assert.equal(await cmd(c, 'BLMPOP', '0', '0', 'be:k', 'LEFT'), '-ERR numkeys should be greater than 0\r\n');
    assert.equal(await cmd(c, 'BLMOVE', 'be:k', 'be:d', 'UP', 'LEFT', '0'), '-ERR syntax error\r\n');
    c.close();
  });
});

describe('wake-ups', () => {
  test('BRPOP is woken by a push from another client', async () => {
    const [c] = await clients(1);
    await cmd(control, 'DEL', 'bw:k');
    send(c, 'BRPOP', 'bw:other', 'bw:k', '0');
    await waitBlocked(1);
    await cmd(control, 'RPUSH', 'bw:k', 'x', 'y');
    assert.equal(await replies(c), bulks('bw:k', 'y'));
    assert.equal(await cmd(control, 'LRANGE', 'bw:k', '0', '-1'), bulks('x'));
    c.close();
  });

  test('three clients blocked on one key are served first come, first served', async () => {
    const cs = await clients(3);
    await cmd(control, 'DEL', 'ff:k');
    for (let i = 0; i < 3; i++) {
      send(cs[i], 'BLPOP', 'ff:k', '0');
      await waitBlocked(i + 1);
    }
    // One element at a time: each push serves the longest-waiting client.
    await cmd(control, 'RPUSH', 'ff:k', 'one');
    assert.equal(await replies(cs[0]), bulks('ff:k', 'one'));
    await cmd(control, 'RPUSH', 'ff:k', 'two');
    assert.equal(await replies(cs[1]), bulks('ff:k', 'two'));
    await cmd(control, 'RPUSH', 'ff:k', 'three');
    assert.equal(await replies(cs[2]), bulks('ff:k', 'three'));
    // Several elements in one push go out in the same order.
    for (let i = 0; i < 3; i++) {
      send(cs[i], 'BLPOP', 'ff:k', '0');
      await waitBlocked(i + 1);
    }
    await cmd(control, 'RPUSH', 'ff:k', 'a', 'b', 'c', 'd');
    assert.equal(await replies(cs[0]), bulks('ff:k', 'a'));
    assert.equal(await replies(cs[1]), bulks('ff:k', 'b'));
    assert.equal(await replies(cs[2]), bulks('ff:k', 'c'));
    assert.equal(await cmd(control, 'LRANGE', 'ff:k', '0', '-1'), bulks('d'));
    for (const c of cs) c.close();
  });

  test('a client that found nothing on retry keeps its place in line', async () => {
    const cs = await clients(2);
    await cmd(control, 'DEL', 'fk:k');
    send(cs[0], 'BLPOP', 'fk:k', '0');
    await waitBlocked(1);
    send(cs[1], 'BLPOP', 'fk:k', '0');
    await waitBlocked(2);
    // The pushed element is gone again before anyone is served.
    await cmd(control, 'MULTI');
    await cmd(control, 'RPUSH', 'fk:k', 'gone');
    await cmd(control, 'DEL', 'fk:k');
    await cmd(control, 'EXEC');
    assert.equal(await blockedClients(), 2);
    await cmd(control, 'RPUSH', 'fk:k', 'first');
    assert.equal(await replies(cs[0]), bulks('fk:k', 'first'));
    await cmd(control, 'RPUSH', 'fk:k', 'second');
    assert.equal(await replies(cs[1]), bulks('fk:k', 'second'));
    for (const c of cs) c.close();
  });

  test('BLMOVE moves the pushed element between lists when woken', async () => {
    const [c] = await clients(1);
    await cmd(control, 'DEL', 'bm:s', 'bm:d');
    await cmd(control, 'RPUSH', 'bm:d', 'old');
    send(c, 'BLMOVE', 'bm:s', 'bm:d', 'RIGHT', 'LEFT', '0');
    await waitBlocked(1);
    await cmd(control, 'RPUSH', 'bm:s', 'x', 'y');
    assert.equal(await replies(c), '$1\r\ny\r\n');
    assert.equal(await cmd(control, 'LRANGE', 'bm:d', '0', '-1'), bulks('y', 'old'));
    assert.equal(await cmd(control, 'LRANGE', 'bm:s', '0', '-1'), bulks('x'));
    c.close();
  });

  test('linked BLMOVEs pass an element along the chain', async () => {
    const cs = await clients(2);
    await cmd(control, 'DEL', 'ch:1', 'ch:2', 'ch:3');
    send(cs[0], 'BLMOVE', 'ch:1', 'ch:2', 'LEFT', 'RIGHT', '0');
    await waitBlocked(1);
    send(cs[1], 'BLMOVE', 'ch:2', 'ch:3', 'LEFT', 'RIGHT', '0');
    await waitBlocked(2);
    await cmd(control, 'RPUSH', 'ch:1', 'foo');
    assert.equal(await replies(cs[0]), '$3\r\nfoo\r\n');
    assert.equal(await replies(cs[1]), '$3\r\nfoo\r\n');
    assert.equal(await cmd(control, 'LRANGE', 'ch:1', '0', '-1'), '*0\r\n');
    assert.equal(await cmd(control, 'LRANGE', 'ch:2', '0', '-1'), '*0\r\n');
    assert.equal(await cmd(control, 'LRANGE', 'ch:3', '0', '-1'), bulks('foo'));
    for (const c of cs) c.close();
  });

  test('BLMOVE into a list that another client BLPOPs serves that client', async () => {
    const cs = await clients(2);
    await cmd(control, 'DEL', 'bt2:1', 'bt2:2');
    send(cs[0], 'BLMOVE', 'bt2:1', 'bt2:2', 'RIGHT', 'LEFT', '0');
    await waitBlocked(1);
    send(cs[1], 'BLPOP', 'bt2:2', '0');
    await waitBlocked(2);
    await cmd(control, 'RPUSH', 'bt2:1', 'foo');
    assert.equal(await replies(cs[0]), '$3\r\nfoo\r\n');
    assert.equal(await replies(cs[1]), bulks('bt2:2', 'foo'));
    assert.equal(await cmd(control, 'EXISTS', 'bt2:1', 'bt2:2'), ':0\r\n');
    for (const c of cs) c.close();
  });

  test('circular and self-referential BRPOPLPUSH leave the element in place', async () => {
    const cs = await clients(2);
    await cmd(control, 'DEL', 'cr:1', 'cr:2', 'cr:self');
    send(cs[0], 'BRPOPLPUSH', 'cr:1', 'cr:2', '0');
    await waitBlocked(1);
    send(cs[1], 'BRPOPLPUSH', 'cr:2', 'cr:1', '0');
    await waitBlocked(2);
    await cmd(control, 'RPUSH', 'cr:1', 'foo');
    assert.equal(await replies(cs[0]), '$3\r\nfoo\r\n');
    assert.equal(await replies(cs[1]), '$3\r\nfoo\r\n');
    assert.equal(await cmd(control, 'LRANGE', 'cr:1', '0', '-1'), bulks('foo'));
    assert.equal(await cmd(control, 'EXISTS', 'cr:2'), ':0\r\n');
    send(cs[0], 'BRPOPLPUSH', 'cr:self', 'cr:self', '0');
    await waitBlocked(1);
    await cmd(control, 'RPUSH', 'cr:self', 'bar');
    assert.equal(await replies(cs[0]), '$3\r\nbar\r\n');
    assert.equal(await cmd(control, 'LRANGE', 'cr:self', '0', '-1'), bulks('bar'));
    for (const c of cs) c.close();
  });

  test('a woken BRPOPLPUSH whose destination is not a list gets WRONGTYPE and moves nothing', async () => {
    const [c] = await clients(1);
    await cmd(control, 'DEL', 'wd:s');
    await cmd(control, 'SET', 'wd:d', 'string');
    send(c, 'BRPOPLPUSH', 'wd:s', 'wd:d', '0');
    await waitBlocked(1);
    await cmd(control, 'RPUSH', 'wd:s', 'foo');
    assert.equal(await replies(c), '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    assert.equal(await cmd(control, 'LRANGE', 'wd:s', '0', '-1'), bulks('foo'));
    c.close();
  });

  test('BLMPOP is woken with up to COUNT elements from the key that got data', async () => {
    const [c] = await clients(1);
    await cmd(control, 'DEL', 'mp:1', 'mp:2');
    send(c, 'BLMPOP', '0', '2', 'mp:1', 'mp:2', 'RIGHT', 'COUNT', '2');
    await waitBlocked(1);
    await cmd(control, 'RPUSH', 'mp:2', 'a', 'b', 'c');
    assert.equal(await replies(c), '*2\r\n$4\r\nmp:2\r\n' + bulks('c', 'b'));
    assert.equal(await cmd(control, 'LRANGE', 'mp:2', '0', '-1'), bulks('a'));
    c.close();
  });

  test('BLPOP naming the same key twice is served once', async () => {
    const [c] = await clients(1);
    await cmd(control, 'DEL', 'dup:k');
    send(c, 'BLPOP', 'dup:k', 'dup:k', '0');
    await waitBlocked(1);
    await cmd(control, 'RPUSH', 'dup:k', 'a', 'b');
    assert.equal(await replies(c), bulks('dup:k', 'a'));
    assert.equal(await cmd(control, 'LRANGE', 'dup:k', '0', '-1'), bulks('b'));
    c.close();
  });

  test('a push into the same key name in another database does not wake a client', async () => {
    const [c] = await clients(1);
    await cmd(c, 'SELECT', '9');
    await cmd(c, 'DEL', 'db:k');
    await cmd(control, 'DEL', 'db:k');
    send(c, 'BLPOP', 'db:k', '0');
    await waitBlocked(1);
    await cmd(control, 'RPUSH', 'db:k', 'db0');
    assert.equal(await blockedClients(), 1);
    await cmd(control, 'SELECT', '9');
    await cmd(control, 'RPUSH', 'db:k', 'db9');
    await cmd(control, 'SELECT', '0');
    assert.equal(await replies(c), bulks('db:k', 'db9'));
    assert.equal(await cmd(control, 'LRANGE', 'db:k', '0', '-1'), bulks('db0'));
    c.close();
  });

  test('commands pipelined behind a blocking pop run after it is served', async () => {
    const [c] = await clients(1);
    await cmd(control, 'DEL', 'pl:k');
    c.write(Buffer.concat([resp('BLPOP', 'pl:k', '0'), resp('PING'), resp('LLEN', 'pl:k')]));
    await waitBlocked(1);
    await cmd(control, 'RPUSH', 'pl:k', 'v', 'w');
    assert.equal(await replies(c, 3), bulks('pl:k', 'v') + '+PONG\r\n:1\r\n');
    c.close();
  });

  test('a client that disconnects while blocked leaves the queue and the data in place', async () => {
    const [c] = await clients(1);
    await cmd(control, 'DEL', 'dc:k');
    send(c, 'BLPOP', 'dc:k', '0');
    await waitBlocked(1);
    c.close();
    await waitBlocked(0);
    await cmd(control, 'RPUSH', 'dc:k', 'kept');
    assert.equal(await cmd(control, 'LRANGE', 'dc:k', '0', '-1'), bulks('kept'));
  });
});

describe('transactions', () => {
  test('pushes inside MULTI wake a blocked client only after EXEC, which sees the final list', async () => {
    const [c] = await clients(1);
    await cmd(control, 'DEL', 'mx:k');
    send(c, 'BLPOP', 'mx:k', '0');
    await waitBlocked(1);
    await cmd(control, 'MULTI');
    await cmd(control, 'LPUSH', 'mx:k', 'a');
    await cmd(control, 'LPUSH', 'mx:k', 'b');
    await cmd(control, 'LPUSH', 'mx:k', 'c');
    assert.equal(await blockedClients(), 1, 'still blocked while the transaction is queued');
    assert.equal(await cmd(control, 'EXEC'), '*3\r\n:1\r\n:2\r\n:3\r\n');
    assert.equal(await replies(c), bulks('mx:k', 'c'));
    assert.equal(await cmd(control, 'LRANGE', 'mx:k', '0', '-1'), bulks('b', 'a'));
    c.close();
  });

  test('LPUSH then DEL in one transaction does not wake the client', async () => {
    const [c] = await clients(1);
    await cmd(control, 'DEL', 'md:k');
    send(c, 'BLPOP', 'md:k', '0');
    await waitBlocked(1);
    await cmd(control, 'MULTI');
    await cmd(control, 'LPUSH', 'md:k', 'a');
    await cmd(control, 'DEL', 'md:k');
    await cmd(control, 'EXEC');
    await cmd(control, 'LPUSH', 'md:k', 'b');
    assert.equal(await replies(c), bulks('md:k', 'b'));
    c.close();
  });

  test('LPUSH, DEL and SET in one transaction leave the client blocked, not failed', async () => {
    const [c] = await clients(1);
    await cmd(control, 'DEL', 'ms:k');
    send(c, 'BLPOP', 'ms:k', '0');
    await waitBlocked(1);
    await cmd(control, 'MULTI');
    await cmd(control, 'LPUSH', 'ms:k', 'a');
    await cmd(control, 'DEL', 'ms:k');
    await cmd(control, 'SET', 'ms:k', 'foo');
    await cmd(control, 'EXEC');
    assert.equal(await blockedClients(), 1);
    await cmd(control, 'DEL', 'ms:k');
    await cmd(control, 'LPUSH', 'ms:k', 'b');
    assert.equal(await replies(c), bulks('ms:k', 'b'));
    c.close();
  });

  test('blocking commands inside MULTI return at once: null array, or null bulk for the moves', async () => {
    const [c] = await clients(1);
    await cmd(c, 'DEL', 'mq:none', 'mq:l');
    await cmd(c, 'RPUSH', 'mq:l', 'x');
    await cmd(c, 'MULTI');
    for (const args of [
      ['BLPOP', 'mq:none', '0'],
      ['BRPOP', 'mq:none', '0'],
      ['BLMOVE', 'mq:none', 'mq:d', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'mq:none', 'mq:d', '0'],
      ['BLMPOP', '0', '1', 'mq:none', 'LEFT'],
      ['BLPOP', 'mq:l', '0'],
    ]) {
      assert.equal(await cmd(c, ...args), '+QUEUED\r\n');
    }
    assert.equal(await cmd(c, 'EXEC'), '*6\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n' + bulks('mq:l', 'x'));
    assert.equal(await blockedClients(), 0);
    c.close();
  });
});

describe('CLIENT UNBLOCK', () => {
  test('unblocking ends the wait with the timeout reply, or with an error when asked', async () => {
    const [c] = await clients(1);
    const id = (await cmd(c, 'CLIENT', 'ID')).slice(1, -2);
    send(c, 'BLPOP', 'ub:k', '0');
    await waitBlocked(1);
    assert.equal(await cmd(control, 'CLIENT', 'UNBLOCK', id), ':1\r\n');
    assert.equal(await replies(c), '*-1\r\n');
    send(c, 'BLMOVE', 'ub:k', 'ub:d', 'LEFT', 'LEFT', '0');
    await waitBlocked(1);
    assert.equal(await cmd(control, 'CLIENT', 'UNBLOCK', id, 'TIMEOUT'), ':1\r\n');
    assert.equal(await replies(c), '*-1\r\n');
    send(c, 'BRPOP', 'ub:k', '0');
    await waitBlocked(1);
    assert.equal(await cmd(control, 'CLIENT', 'UNBLOCK', id, 'ERROR'), ':1\r\n');
    assert.equal(await replies(c), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    assert.equal(await cmd(control, 'CLIENT', 'UNBLOCK', id), ':0\r\n', 'not blocked any more');
    assert.equal(await cmd(c, 'PING'), '+PONG\r\n');
    c.close();
  });
});

describe('client libraries', () => {
  test('ioredis: BLPOP, BRPOPLPUSH and BLMOVE block on their own connection until a push', async () => {
    const blocker = new Redis({ port, lazyConnect: true });
    const writer = new Redis({ port, lazyConnect: true });
    await blocker.connect();
    await writer.connect();
    try {
      await writer.del('io:a', 'io:b');
      assert.equal(await blocker.blpop('io:a', 0.01), null);
      const popped = blocker.blpop('io:a', 'io:b', 0);
      await waitBlocked(1);
      await writer.rpush('io:b', 'v');
      assert.deepEqual(await popped, ['io:b', 'v']);
      const moved = blocker.brpoplpush('io:a', 'io:b', 0);
      await waitBlocked(1);
      await writer.rpush('io:a', 'w');
      assert.equal(await moved, 'w');
      const moved2 = blocker.blmove('io:b', 'io:a', 'LEFT', 'RIGHT', 0);
      await waitBlocked(0);
      assert.equal(await moved2, 'w');
      assert.deepEqual(await writer.lrange('io:a', 0, -1), ['w']);
    } finally {
      blocker.disconnect();
      writer.disconnect();
    }
  });

  test('node-redis: blPop and blmPop on a duplicated connection', async () => {
    const client = createClient({ socket: { port, host: '127.0.0.1' } });
    await client.connect();
    const blocker = client.duplicate();
    await blocker.connect();
    try {
      await client.del(['nr:q', 'nr:r']);
      assert.equal(await blocker.blPop('nr:q', 0.01), null);
      const popped = blocker.blPop(['nr:q', 'nr:r'], 0);
      await waitBlocked(1);
      await client.rPush('nr:r', ['1', '2']);
      assert.deepEqual(await popped, { key: 'nr:r', element: '1' });
      const many = blocker.blmPop(0, ['nr:q'], 'LEFT', { COUNT: 5 });
      await waitBlocked(1);
      await client.rPush('nr:q', ['x', 'y']);
      assert.deepEqual(await many, ['nr:q', ['x', 'y']]);
    } finally {
      await blocker.quit();
      await client.quit();
    }
  });
});
