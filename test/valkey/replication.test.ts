// Replication between nodes: a Cove replica of a Cove primary gets every data type
// (first through the snapshot of a full resync, then through the command stream),
// expiries driven by the primary, FLUSHALL; replicas refuse writes; a dropped link
// resumes with a partial resync from the backlog, or a full one when the backlog no
// longer covers it; WAIT counts acknowledged replicas; ROLE and INFO replication
// show what redis-server 7.0 shows; a promoted replica continues the history (PSYNC2).
// The stream itself is checked byte for byte against what redis-server 7.0 sends
// (commands rewritten to absolute times, pops as what they popped, MULTI/EXEC units).
// Interoperation: a real redis-server 7.0 replicates from a Cove primary, and a Cove
// replica replicates from a real redis-server primary.
//
// Waiting is done by polling a condition with a generous deadline (link up, offsets
// acknowledged); nothing asserts how long anything took.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNode, RawClient, resp } from '../support/valkey.js';
import type { ValkeyNode } from '../../src/server/valkey-node.js';
import { Replication } from '../../src/replication/replication.js';
import { datasetCommands, noRedisServer, runAll, snapshotOf, startRedis } from './rdb-support.js';

const opened: Redis[] = [];

function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => {});
  opened.push(c);
  return c;
}

after(() => {
  for (const c of opened) c.disconnect();
});

async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** INFO <section> as a field map. */
async function info(c: Redis, section = 'replication'): Promise<Record<string, string>> {
  const text = (await c.call('INFO', section)) as string;
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** INFO replication's field names in order (slaveN lines folded). */
async function infoFieldNames(c: Redis): Promise<string[]> {
  const text = (await c.call('INFO', 'replication')) as string;
  return text
    .split('\r\n')
    .filter((l) => l.includes(':') && !l.startsWith('#'))
    .map((l) => l.slice(0, l.indexOf(':')).replace(/^slave\d+$/, 'slaveN'));
}

async function linkUp(replica: Redis): Promise<void> {
  await until('the replication link', async () => (await info(replica)).master_link_status === 'up');
}

/** Waits until every replica of `primary` has applied everything written so far. */
async function synced(primary: Redis, replicas = 1): Promise<void> {
  await until('replicas to acknowledge', async () => Number(await primary.call('WAIT', String(replicas), '1000')) >= replicas);
}

/**
 * The dataset as snapshotOf sees it, minus a stream group's entries-read and lag: a
 * replica learns deliveries through XCLAIM, which does not carry the counter (the
 * same is true of redis-server's replicas).
 */
async function dataset(c: Redis): Promise<Record<string, unknown>> {
  const snap = await snapshotOf(c);
  for (const v of Object.values(snap)) {
    const [type, , value] = v as [string, string, { groups?: unknown[][] }];
    if (type !== 'stream' || !value.groups) continue;
    value.groups = value.groups.map((g) => {
      const out: unknown[] = [];
      for (let i = 0; i < g.length; i += 2) if (g[i] !== 'entries-read' && g[i] !== 'lag') out.push(g[i], g[i + 1]);
      return out;
    });
  }
  return snap;
}

/** Writes after the sync that exercise the stream's rewrites (run on any primary). */
async function streamWrites(c: Redis, tag: string): Promise<void> {
  await c.set(`${tag}:ex`, 'v', 'EX', 1000);
  await c.call('SET', `${tag}:px`, 'v', 'PX', '900000', 'GET');
  await c.setex(`${tag}:setex`, 500, 'v');
  await c.set(`${tag}:f`, '10.5');
  await c.incrbyfloat(`${tag}:f`, '0.1');
  await c.set(`${tag}:exp`, 'v');
  await c.expire(`${tag}:exp`, 3000);
  await c.set(`${tag}:getex`, 'v');
  await c.call('GETEX', `${tag}:getex`, 'PX', '700000');
  await c.set(`${tag}:gone`, 'v');
  await c.call('GETDEL', `${tag}:gone`);
  await c.hset(`${tag}:h`, 'f', '1');
  await c.hincrbyfloat(`${tag}:h`, 'f', '2.25');
  await c.sadd(`${tag}:s`, 'a', 'b', 'c', 'd', 'e');
  await c.spop(`${tag}:s`);
  await c.spop(`${tag}:s`, 2);
  await c.sadd(`${tag}:all`, 'a', 'b');
  await c.spop(`${tag}:all`, 5);
  await c.rpush(`${tag}:l`, 'a', 'b', 'c', 'd', 'e');
  await c.blpop(`${tag}:l`, 0);
  await c.call('LMPOP', '1', `${tag}:l`, 'RIGHT', 'COUNT', '2');
  await c.call('BLMOVE', `${tag}:l`, `${tag}:l2`, 'LEFT', 'RIGHT', '0');
  await c.zadd(`${tag}:z`, 1, 'a', 2, 'b', 3, 'c', 4, 'd');
  await c.call('BZPOPMIN', `${tag}:z`, '0');
  await c.call('ZMPOP', '1', `${tag}:z`, 'MAX', 'COUNT', '2');
  await c.xadd(`${tag}:x`, '*', 'f', 'v');
  await c.xadd(`${tag}:x`, 'MAXLEN', '~', '1', '*', 'f', 'v2');
  await c.xadd(`${tag}:x`, '*', 'f', 'v3');
  await c.xgroup('CREATE', `${tag}:x`, 'g', '0');
  await c.call('XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'STREAMS', `${tag}:x`, '>');
  await c.call('XREADGROUP', 'GROUP', 'g', 'c2', 'NOACK', 'COUNT', '1', 'STREAMS', `${tag}:x`, '>');
  await c.call('XAUTOCLAIM', `${tag}:x`, 'g', 'c3', '0', '0-0');
  await c.pfadd(`${tag}:hll`, 'x', 'y');
  await c.setbit(`${tag}:bits`, 9, 1);
  await c.multi().set(`${tag}:m1`, '1').incr(`${tag}:m1`).rpush(`${tag}:m2`, 'x').exec();
  await c.eval("redis.call('set', KEYS[1], 'lua'); redis.call('append', KEYS[1], '!')", 1, `${tag}:lua`);
  await c.select(5);
  await c.set(`${tag}:db5`, 'five');
  await c.select(0);
}

describe('a Cove replica of a Cove primary', () => {
  let primaryNode: ValkeyNode;
  let replicaNode: ValkeyNode;
  let primary: Redis;
  let replica: Redis;

  before(async () => {
    primaryNode = await startNode();
    replicaNode = await startNode();
    primary = client(primaryNode.port);
    replica = client(replicaNode.port);
    await runAll(primary, datasetCommands());
  });
  after(async () => {
    await replicaNode.close();
    await primaryNode.close();
  });

  test('a full resync copies every data type, then the stream carries every write', async () => {
    assert.equal(await replica.call('REPLICAOF', '127.0.0.1', String(primaryNode.port)), 'OK');
    await linkUp(replica);
    await synced(primary);
    assert.deepEqual(await dataset(replica), await dataset(primary));
    await streamWrites(primary, 'after');
    await synced(primary);
    assert.deepEqual(await dataset(replica), await dataset(primary));
    const stats = await info(primary, 'stats');
    assert.equal(stats.sync_full, '1');
  });

  test('REPLICAOF the same primary again is a no-op', async () => {
    assert.equal(await replica.call('REPLICAOF', '127.0.0.1', String(primaryNode.port)), 'OK Already connected to specified master');
  });

  test('a replica refuses writes with READONLY', async () => {
    await assert.rejects(replica.set('x', '1'), { message: "READONLY You can't write against a read only replica." });
    await assert.rejects(replica.eval("return redis.call('set', 'x', '1')", 0), /READONLY You can't write against a read only replica/);
  });

  test('keys expire on the replica only through the primary, and read as missing meanwhile', async () => {
    primaryNode.store.activeExpire = false; // only a lookup on the primary will expire it
    try {
      await primary.set('short', 'v', 'PX', 50);
      await synced(primary);
      assert.notEqual(replicaNode.store.dbs[0].findString('short'), -1);
      await until('the TTL to pass', async () => (await replica.exists('short')) === 0);
      // Reported missing, but still there: only the primary's DEL removes it.
      assert.equal(await replica.get('short'), null);
      assert.equal(await replica.pttl('short'), -2);
      assert.notEqual(replicaNode.store.dbs[0].findString('short'), -1);
      assert.equal(await primary.get('short'), null); // expires it on the primary: DEL goes out
      await synced(primary);
      assert.equal(replicaNode.store.dbs[0].findString('short'), -1);
    } finally {
      primaryNode.store.activeExpire = true;
    }
  });

  test('FLUSHALL reaches the replica', async () => {
    await primary.select(5);
    await primary.set('in5', 'x');
    await primary.select(0);
    await primary.set('in0', 'x');
    await synced(primary);
    assert.equal(await replica.exists('in0'), 1);
    await primary.flushall();
    await synced(primary);
    assert.equal(await replica.dbsize(), 0);
    await replica.select(5);
    assert.equal(await replica.dbsize(), 0);
    await replica.select(0);
  });

  test('ROLE and INFO replication on both sides show what redis-server 7.0 shows', async () => {
    await primary.set('k', 'v');
    await synced(primary);
    // The ACK that answers a GETACK does not count the GETACK itself; the next one does.
    await until('the acknowledged offset to catch up', async () => {
      const p = await info(primary);
      return p.slave0.includes(`offset=${p.master_repl_offset},`);
    });
    const p = await info(primary);
    const r = await info(replica);
    assert.equal(p.role, 'master');
    assert.equal(p.connected_slaves, '1');
    assert.match(p.slave0, new RegExp(`^ip=127\\.0\\.0\\.1,port=${replicaNode.port},state=online,offset=${p.master_repl_offset},lag=\\d+$`));
    assert.equal(p.repl_backlog_active, '1');
    assert.equal(r.role, 'slave');
    assert.equal(r.master_host, '127.0.0.1');
    assert.equal(r.master_port, String(primaryNode.port));
    assert.equal(r.master_link_status, 'up');
    assert.match(r.master_last_io_seconds_ago, /^\d+$/);
    assert.equal(r.master_sync_in_progress, '0');
    assert.equal(r.slave_repl_offset, p.master_repl_offset);
    assert.equal(r.slave_read_repl_offset, p.master_repl_offset);
    assert.equal(r.master_repl_offset, p.master_repl_offset);
    assert.equal(r.master_replid, p.master_replid);
    assert.equal(r.slave_read_only, '1');
    assert.deepEqual(await primary.call('ROLE'), ['master', Number(p.master_repl_offset), [['127.0.0.1', String(replicaNode.port), p.master_repl_offset]]]);
    assert.deepEqual(await replica.call('ROLE'), ['slave', '127.0.0.1', primaryNode.port, 'connected', Number(p.master_repl_offset)]);
  });

  test('WAIT counts the replicas that acknowledged, and times out with fewer', async () => {
    await primary.set('w', '1');
    assert.equal(await primary.call('WAIT', '1', '0'), 1);
    assert.equal(await primary.call('WAIT', '0', '0'), 1);
    assert.equal(await primary.call('WAIT', '2', '100'), 1);
    await assert.rejects(replica.call('WAIT', '1', '0'), /^ReplyError: ERR WAIT cannot be used with replica instances\./);
  });

  test('a dropped link resumes with a partial resync from the backlog', async () => {
    const before = await info(primary, 'stats');
    assert.equal(await primary.call('CLIENT', 'KILL', 'TYPE', 'replica'), 1);
    await primary.set('while-down', 'yes');
    await primary.rpush('while-down:l', 'a', 'b');
    await linkUp(replica);
    await synced(primary);
    assert.equal(await replica.get('while-down'), 'yes');
    assert.deepEqual(await dataset(replica), await dataset(primary));
    const afterStats = await info(primary, 'stats');
    assert.equal(afterStats.sync_full, before.sync_full);
    assert.equal(Number(afterStats.sync_partial_ok), Number(before.sync_partial_ok) + 1);
  });

  test('a link dropped for longer than the backlog covers ends in a full resync', async () => {
    await primary.call('CONFIG', 'SET', 'repl-backlog-size', '16384');
    await until('the backlog to shrink', async () => (await info(primary)).repl_backlog_size === '16384');
    const before = await info(primary, 'stats');
    await primary.call('CLIENT', 'KILL', 'TYPE', 'replica');
    const big = 'x'.repeat(1000);
    const pipe = primary.pipeline();
    for (let i = 0; i < 100; i++) pipe.set(`fill:${i}`, big);
    await pipe.exec();
    await linkUp(replica);
    await synced(primary);
    assert.deepEqual(await dataset(replica), await dataset(primary));
    const afterStats = await info(primary, 'stats');
    assert.equal(Number(afterStats.sync_full), Number(before.sync_full) + 1);
    assert.equal(Number(afterStats.sync_partial_err), Number(before.sync_partial_err) + 1);
    await primary.call('CONFIG', 'SET', 'repl-backlog-size', '1mb');
  });

  test('CLIENT KILL TYPE master on the replica reconnects it', async () => {
    assert.equal(await replica.call('CLIENT', 'KILL', 'TYPE', 'master'), 1);
    await primary.set('after-kill', '1');
    await linkUp(replica);
    await synced(primary);
    assert.equal(await replica.get('after-kill'), '1');
  });
});

describe('the replication stream, byte for byte', () => {
  let node: ValkeyNode;
  let fake: RawClient;
  let c: Redis;

  before(async () => {
    // No PINGs or timeouts in the middle of a comparison.
    node = await startNode({ config: { 'repl-ping-replica-period': '3600', 'repl-timeout': '3600' } });
    c = client(node.port);
    fake = await RawClient.connect(node.port);
    // A replica without "capa eof" gets the snapshot as one bulk.
    fake.write(resp('REPLCONF', 'listening-port', '7777'));
    await fake.readUntil((t) => t === '+OK\r\n');
    fake.write(resp('PSYNC', '?', '-1'));
    const head = await fake.readUntil((t) => {
      const m = /^\+FULLRESYNC [0-9a-f]{40} 0\r\n\$(\d+)\r\n/.exec(t);
      return m !== null && t.length >= m[0].length + Number(m[1]);
    });
    assert.match(head, /^\+FULLRESYNC [0-9a-f]{40} 0\r\n\$\d+\r\nREDIS0010/);
  });
  after(async () => {
    fake.close();
    await node.close();
  });

  /** Whether t is a whole number of RESP multibulk commands. */
  function whole(t: string): boolean {
    let i = 0;
    while (i < t.length) {
      const m = /^\*(\d+)\r\n/.exec(t.slice(i, i + 24));
      if (!m) return false;
      i += m[0].length;
      for (let k = 0; k < Number(m[1]); k++) {
        const b = /^\$(\d+)\r\n/.exec(t.slice(i, i + 24));
        if (!b) return false;
        i += b[0].length + Number(b[1]) + 2;
        if (i > t.length) return false;
      }
    }
    return t.length > 0;
  }

  /** What the replica received since the last call (complete commands). */
  function received(): Promise<string> {
    return fake.readUntil(whole, 2000);
  }

  /** Runs a command on the primary and returns what the replica received for it. */
  async function streamOf(...args: string[]): Promise<string> {
    await c.call(args[0], ...args.slice(1));
    return received();
  }

  const cmd = (...a: string[]) => a.length ? resp(...a).toString('latin1') : '';

  test('SELECT comes first, then the command as it came', async () => {
    assert.equal(await streamOf('SET', 'a', '1'), cmd('SELECT', '0') + cmd('SET', 'a', '1'));
  });

  test('relative expire times become absolute ones', async () => {
    assert.match(await streamOf('SET', 'b', '2', 'EX', '100'), /^\*5\r\n\$3\r\nSET\r\n\$1\r\nb\r\n\$1\r\n2\r\n\$4\r\nPXAT\r\n\$13\r\n\d{13}\r\n$/);
    assert.match(await streamOf('EXPIRE', 'a', '100'), /^\*3\r\n\$9\r\nPEXPIREAT\r\n\$1\r\na\r\n\$13\r\n\d{13}\r\n$/);
    assert.equal(await streamOf('EXPIRE', 'a', '-1'), cmd('DEL', 'a'));
    assert.equal(await streamOf('GETEX', 'b', 'PERSIST'), cmd('PERSIST', 'b'));
    assert.equal(await streamOf('GETDEL', 'b'), cmd('DEL', 'b'));
    await streamOf('SET', 'src', 'hello');
    const payload = (await c.callBuffer('DUMP', 'src')) as Buffer;
    await c.callBuffer('RESTORE', 'r', '5000', payload, 'REPLACE');
    const restore = await received();
    assert.match(restore, /^\*6\r\n\$7\r\nRESTORE\r\n\$1\r\nr\r\n\$13\r\n\d{13}\r\n\$\d+\r\n[^]*\r\n\$7\r\nREPLACE\r\n\$6\r\nABSTTL\r\n$/);
  });

  test('float increments travel as their results', async () => {
    await streamOf('SET', 'f', '5');
    assert.equal(await streamOf('INCRBYFLOAT', 'f', '1.5'), cmd('SET', 'f', '6.5', 'KEEPTTL'));
    assert.equal(await streamOf('HINCRBYFLOAT', 'h', 'x', '1.5'), cmd('HSET', 'h', 'x', '1.5'));
  });

  test('random and blocking pops travel as what they popped', async () => {
    await streamOf('SADD', 's', 'only');
    assert.equal(await streamOf('SPOP', 's'), cmd('SREM', 's', 'only'));
    await streamOf('SADD', 's', 'a', 'b');
    assert.equal(await streamOf('SPOP', 's', '5'), cmd('DEL', 's'));
    await streamOf('RPUSH', 'l', 'a', 'b', 'c');
    assert.equal(await streamOf('BLPOP', 'nothing', 'l', '0'), cmd('LPOP', 'l'));
    assert.equal(await streamOf('LMPOP', '1', 'l', 'RIGHT', 'COUNT', '5'), cmd('RPOP', 'l', '2'));
    await streamOf('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    assert.equal(await streamOf('BZPOPMAX', 'z', '0'), cmd('ZPOPMAX', 'z'));
    assert.equal(await streamOf('ZMPOP', '1', 'z', 'MIN', 'COUNT', '1'), cmd('ZPOPMIN', 'z', '1'));
  });

  test('XADD carries the ID it generated', async () => {
    const out = await streamOf('XADD', 'x', '*', 'f', 'v');
    assert.match(out, /^\*5\r\n\$4\r\nXADD\r\n\$1\r\nx\r\n\$\d+\r\n\d+-0\r\n\$1\r\nf\r\n\$1\r\nv\r\n$/);
  });

  test('approximate trims travel as exact ones, group deliveries as XCLAIM and XGROUP SETID', async () => {
    await streamOf('XADD', 'xs', '1-1', 'f', 'v');
    await streamOf('XADD', 'xs', '2-1', 'f', 'v');
    assert.equal(await streamOf('XADD', 'xs', 'MINID', '~', '2', '3-1', 'f', 'v'), cmd('XADD', 'xs', 'MINID', '=', '1-1', '3-1', 'f', 'v'));
    assert.equal(await streamOf('XADD', 'xs', 'MAXLEN', '~', '1', '4-1', 'f', 'v'), cmd('XADD', 'xs', 'MAXLEN', '=', '4', '4-1', 'f', 'v'));
    await streamOf('XGROUP', 'CREATE', 'xs', 'g', '0');
    assert.match(
      await streamOf('XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'STREAMS', 'xs', '>'),
      /^\*14\r\n\$6\r\nXCLAIM\r\n\$2\r\nxs\r\n\$1\r\ng\r\n\$2\r\nc1\r\n\$1\r\n0\r\n\$3\r\n1-1\r\n\$4\r\nTIME\r\n\$13\r\n\d{13}\r\n\$10\r\nRETRYCOUNT\r\n\$1\r\n1\r\n\$5\r\nFORCE\r\n\$6\r\nJUSTID\r\n\$6\r\nLASTID\r\n\$3\r\n1-1\r\n$/,
    );
    assert.equal(
      await streamOf('XREADGROUP', 'GROUP', 'g', 'c2', 'NOACK', 'COUNT', '1', 'STREAMS', 'xs', '>'),
      cmd('MULTI') + cmd('XGROUP', 'CREATECONSUMER', 'xs', 'g', 'c2') + cmd('XGROUP', 'SETID', 'xs', 'g', '2-1', 'ENTRIESREAD', '2') + cmd('EXEC'),
    );
    assert.equal(await streamOf('XCLAIM', 'xs', 'g', 'c3', '0', '9-9', 'LASTID', '3-1'), cmd('XGROUP', 'SETID', 'xs', 'g', '3-1', 'ENTRIESREAD', '2'));
    // History reads change delivery counters only; nothing is sent.
    await c.call('XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 'xs', '0');
    assert.equal(await streamOf('SET', 'marker2', '1'), cmd('SET', 'marker2', '1'));
  });

  test('keys the primary expires reach replicas as DEL', async () => {
    await c.set('brief', 'v', 'PX', 1);
    assert.equal(await fake.readUntil((t) => whole(t) && t.includes('DEL')).then((t) => t.slice(t.indexOf('*2\r\n$3\r\nDEL'))), cmd('DEL', 'brief'));
  });

  test('several writes of one command are one MULTI/EXEC unit, a single one is not wrapped', async () => {
    // (ioredis sends command names in lower case; they travel as they came.)
    await c.multi().set('m', '1').incr('m').get('m').exec();
    assert.equal(await fake.readUntil((t) => whole(t) && t.includes('EXEC')), cmd('MULTI') + cmd('set', 'm', '1') + cmd('incr', 'm') + cmd('EXEC'));
    await c.multi().set('m', '2').get('m').exec();
    assert.equal(await received(), cmd('set', 'm', '2'));
  });

  test('reads are not sent, and neither is a command that changed nothing', async () => {
    await c.get('a');
    await c.call('SETNX', 'f', 'x');
    await c.set('marker', '1');
    assert.equal(await received(), cmd('set', 'marker', '1'));
  });

  test('REPLCONF ACK is never answered and sets the offset INFO shows', async () => {
    const offset = (await info(c)).master_repl_offset;
    fake.write(resp('REPLCONF', 'ACK', offset));
    await until('the ACK', async () => (await info(c)).slave0?.includes(`offset=${offset},`) ?? false);
    assert.match((await info(c)).slave0, /^ip=127\.0\.0\.1,port=7777,state=online,/);
    assert.equal(fake.take(), '');
  });
});

describe('replication commands', () => {
  let node: ValkeyNode;
  let c: Redis;
  before(async () => {
    node = await startNode();
    c = client(node.port);
  });
  after(async () => {
    await node.close();
  });

  test('argument errors are the reference server\'s', async () => {
    await assert.rejects(c.call('REPLICAOF', 'no', 'two'), { message: 'ERR Invalid master port' });
    await assert.rejects(c.call('REPLICAOF', '127.0.0.1', '70000'), { message: 'ERR Invalid master port' });
    await assert.rejects(c.call('REPLCONF', 'a'), { message: 'ERR syntax error' });
    await assert.rejects(c.call('REPLCONF', 'foo', '5'), { message: 'ERR Unrecognized REPLCONF option: foo' });
    await assert.rejects(c.call('REPLCONF', 'listening-port', 'x'), { message: 'ERR value is not an integer or out of range' });
    assert.equal(await c.call('REPLCONF', 'capa', 'eof'), 'OK');
    assert.equal(await c.call('REPLICAOF', 'NO', 'ONE'), 'OK');
  });

  test('a fresh node is a master with no backlog', async () => {
    const r = await info(c);
    assert.equal(r.role, 'master');
    assert.equal(r.connected_slaves, '0');
    assert.equal(r.repl_backlog_active, '0');
    assert.match(r.master_replid, /^[0-9a-f]{40}$/);
    assert.deepEqual(await c.call('ROLE'), ['master', 0, []]);
    assert.equal(await c.call('WAIT', '1', '10'), 0);
  });

  test('a replica whose primary is unreachable says so', async () => {
    const other = await startNode();
    const dead = other.port;
    await other.close();
    assert.equal(await c.call('REPLICAOF', '127.0.0.1', String(dead)), 'OK');
    const r = await info(c);
    assert.equal(r.role, 'slave');
    assert.equal(r.master_link_status, 'down');
    assert.equal(r.master_last_io_seconds_ago, '-1');
    assert.equal(r.master_link_down_since_seconds, '-1');
    const role = (await c.call('ROLE')) as unknown[];
    assert.deepEqual(role.slice(0, 3), ['slave', '127.0.0.1', dead]);
    assert.equal(role[4], -1);
    assert.equal(await c.call('REPLICAOF', 'NO', 'ONE'), 'OK');
    assert.equal((await info(c)).role, 'master');
  });
});

describe('replication through the management channel', () => {
  test('a replica dials the primary\'s unix socket and reports the address it was given', async () => {
    const primaryNode = await startNode();
    const replicaNode = await startNode();
    const path = `/tmp/cove-repl-${process.pid}-${primaryNode.port}.sock`;
    try {
      await primaryNode.listenUnix(path);
      const primary = client(primaryNode.port);
      await primary.set('via', 'unix');
      Replication.of(replicaNode).replicaOf('10.0.1.230', 6379, { path, announceIp: '10.0.1.231', announcePort: 6379 });
      const replica = client(replicaNode.port);
      await linkUp(replica);
      await synced(primary);
      assert.equal(await replica.get('via'), 'unix');
      const r = await info(replica);
      assert.equal(r.master_host, '10.0.1.230');
      assert.equal(r.master_port, '6379');
      assert.match((await info(primary)).slave0, /^ip=10\.0\.1\.231,port=6379,state=online,/);
    } finally {
      await replicaNode.close();
      await primaryNode.close();
    }
  });
});

describe('chained replicas', () => {
  test('a replica of a replica follows the primary\'s stream with the same replid and offsets', async () => {
    const a = await startNode();
    const b = await startNode();
    const c = await startNode();
    try {
      const ca = client(a.port);
      const cb = client(b.port);
      const cc = client(c.port);
      await ca.set('one', '1');
      await cb.call('REPLICAOF', '127.0.0.1', String(a.port));
      await linkUp(cb);
      await cc.call('REPLICAOF', '127.0.0.1', String(b.port));
      await linkUp(cc);
      await ca.set('two', '2');
      await ca.select(2);
      await ca.set('three', '3');
      await synced(ca);
      await until('the second hop', async () => (await info(cc)).slave_repl_offset === (await info(ca)).master_repl_offset);
      assert.equal(await cc.get('two'), '2');
      await cc.select(2);
      assert.equal(await cc.get('three'), '3');
      assert.equal((await info(cc)).master_replid, (await info(ca)).master_replid);
    } finally {
      await c.close();
      await b.close();
      await a.close();
    }
  });
});

describe('promotion (PSYNC2)', () => {
  test('a promoted replica takes writes, and the old primary continues from it with a partial resync', async () => {
    // No PING may move the old primary's offset past the point of the switch.
    const quiet = { config: { 'repl-ping-replica-period': '3600' } };
    const a = await startNode(quiet);
    const b = await startNode(quiet);
    try {
      const ca = client(a.port);
      const cb = client(b.port);
      await ca.set('before', '1');
      await cb.call('REPLICAOF', '127.0.0.1', String(a.port));
      await linkUp(cb);
      await synced(ca);
      const oldId = (await info(ca)).master_replid;
      // Failover: B takes over, A follows B.
      assert.equal(await cb.call('REPLICAOF', 'NO', 'ONE'), 'OK');
      const promoted = await info(cb);
      assert.equal(promoted.role, 'master');
      assert.equal(promoted.master_replid2, oldId);
      assert.notEqual(promoted.master_replid, oldId);
      await cb.set('after', '2');
      await ca.call('REPLICAOF', '127.0.0.1', String(b.port));
      await linkUp(ca);
      await synced(cb);
      assert.equal(await ca.get('before'), '1');
      assert.equal(await ca.get('after'), '2');
      const stats = await info(cb, 'stats');
      assert.equal(stats.sync_partial_ok, '1');
      assert.equal(stats.sync_full, '0');
      assert.equal((await info(ca)).master_replid, promoted.master_replid);
      // The library API reports the same.
      const st = Replication.of(a).status();
      assert.equal(st.role, 'slave');
      assert.equal(st.primary?.linkStatus, 'up');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('interoperation with redis-server 7.0', { skip: noRedisServer }, () => {
  test('a redis-server replica of a Cove primary syncs and follows the stream', async () => {
    const node = await startNode();
    const cove = client(node.port);
    await runAll(cove, datasetCommands());
    const redis = await startRedis({ args: ['--replicaof', '127.0.0.1', String(node.port)] });
    try {
      await linkUp(redis.client);
      await synced(cove);
      assert.deepEqual(await dataset(redis.client), await dataset(cove));
      await streamWrites(cove, 'live');
      await synced(cove);
      assert.deepEqual(await dataset(redis.client), await dataset(cove));
      // A Cove replica shows the same INFO replication fields, in the same order.
      const coveReplica = await startNode();
      try {
        const cr = client(coveReplica.port);
        await cr.call('REPLICAOF', '127.0.0.1', String(node.port));
        await linkUp(cr);
        assert.deepEqual(await infoFieldNames(cr), await infoFieldNames(redis.client));
      } finally {
        await coveReplica.close();
      }
    } finally {
      await redis.stop();
      await node.close();
    }
  });

  test('a Cove replica of a redis-server primary syncs and follows the stream', async () => {
    const redis = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    const node = await startNode();
    try {
      await runAll(redis.client, datasetCommands());
      const cove = client(node.port);
      await cove.call('REPLICAOF', '127.0.0.1', String(redis.port));
      await linkUp(cove);
      await synced(redis.client);
      assert.deepEqual(await dataset(cove), await dataset(redis.client));
      await streamWrites(redis.client, 'live');
      await synced(redis.client);
      assert.deepEqual(await dataset(cove), await dataset(redis.client));
      const p = await info(redis.client);
      assert.equal((await info(cove)).master_replid, p.master_replid);
      await until('the same offset', async () => (await info(cove)).slave_repl_offset === (await info(redis.client)).master_repl_offset);
      // A Cove primary with a replica shows the same INFO replication fields, in the same order.
      const coveP = await startNode();
      const coveR = await startNode();
      try {
        const cr = client(coveR.port);
        await cr.call('REPLICAOF', '127.0.0.1', String(coveP.port));
        await linkUp(cr);
        assert.deepEqual(await infoFieldNames(client(coveP.port)), await infoFieldNames(redis.client));
      } finally {
        await coveR.close();
        await coveP.close();
      }
    } finally {
      await node.close();
      await redis.stop();
    }
  });
});
