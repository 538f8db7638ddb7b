// Shared by the RDB and DUMP/RESTORE tests: a real redis-server 7.0 on a random port
// and a temp dir (the reference the files and payloads are checked against), a data
// set touching every type and encoding, and a read-only "snapshot" of a server's
// whole keyspace for comparing two servers key by key.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

/** Why the reference tests cannot run here, or false. */
export const noRedisServer: string | false = spawnSync('redis-server', ['--version']).status === 0 ? false : 'redis-server is not installed';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cove-${prefix}-`));
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface RedisServer {
  port: number;
  dir: string;
  client: Redis;
  /** Stops the server (SHUTDOWN NOSAVE, then SIGKILL if needed) and closes the client. */
  stop(): Promise<void>;
}

/**
 * Starts redis-server on 127.0.0.1, a free port and `dir` (by default a new temp dir,
 * removed by stop()), loading dir/dbfilename if present.
 */
export async function startRedis(opts: { dir?: string; dbfilename?: string; args?: string[] } = {}): Promise<RedisServer> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? tempDir('redis');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', '--loglevel', 'warning'];
  if (opts.dbfilename) args.push('--dbfilename', opts.dbfilename);
  args.push(...(opts.args ?? []));
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  for (let i = 0; ; i++) {
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') break;
    } catch {
      if (i > 100) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    dir,
    client,
    async stop() {
      client.disconnect();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Commands that build one of each type and encoding (run them on any server). */
export function datasetCommands(): (string | Buffer)[][] {
  const cmds: (string | Buffer)[][] = [
    ['SET', 'str:short', 'bar'],
    ['SET', 'str:int', '12345'],
    ['SET', 'str:negint', '-2147483648'],
    ['SET', 'str:int64', '9223372036854775807'],
    ['SET', 'str:leadingzero', '0123'],
    ['SET', 'str:long', 'compressible '.repeat(40)],
    ['SET', 'str:binary', Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0])],
    ['SET', 'str:empty', ''],
    ['SET', 'str:ttl', 'lives', 'PX', '500000'],
    ['RPUSH', 'list:small', 'a', 'b', '1', '-7', '300000', '9223372036854775807', ''],
    ['SADD', 'set:intset', '1', '2', '3', '-70000', '5000000000'],
    ['SADD', 'set:table', 'a', 'b', 'c'],
    ['ZADD', 'zset:small', '1', 'a', '2.5', 'b', '-3', 'c', 'inf', 'top', '-inf', 'bottom', '0', 'zero'],
    ['HSET', 'hash:small', 'f1', 'v1', 'f2', '22', 'empty', ''],
    ['PFADD', 'hll', 'a', 'b', 'c', 'd'],
    ['XADD', 'stream', '1-1', 'f', 'v', 'g', 'w'],
    ['XADD', 'stream', '1-2', 'f', 'v2', 'g', 'w2'],
    ['XADD', 'stream', '2-0', 'other', '1'],
    ['XADD', 'stream', '5-0', 'f', 'v5', 'g', 'w5'],
    ['XDEL', 'stream', '1-2'],
    ['XGROUP', 'CREATE', 'stream', 'grp', '0'],
    ['XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', '2', 'STREAMS', 'stream', '>'],
    ['XREADGROUP', 'GROUP', 'grp', 'bob', 'COUNT', '1', 'STREAMS', 'stream', '>'],
    ['XGROUP', 'CREATE', 'stream', 'atend', '$'],
    ['XGROUP', 'CREATECONSUMER', 'stream', 'atend', 'idle'],
    ['XADD', 'stream:empty', '7-7', 'a', 'b'],
    ['XDEL', 'stream:empty', '7-7'],
  ];
  const bigList: string[] = [];
  for (let i = 0; i < 3000; i++) bigList.push(i % 3 ? `element-${i}` : String(i));
  cmds.push(['RPUSH', 'list:big', ...bigList]);
  const bigSet: string[] = [];
  for (let i = 0; i < 600; i++) bigSet.push(String(i * 1000));
  cmds.push(['SADD', 'set:bigints', ...bigSet]);
  const bigZ: string[] = [];
  for (let i = 0; i < 300; i++) bigZ.push(String(i / 3), `member-${i}`);
  cmds.push(['ZADD', 'zset:big', ...bigZ]);
  const bigH: string[] = [];
  for (let i = 0; i < 1000; i++) bigH.push(`field-${i}`, `value-${i}`);
  cmds.push(['HSET', 'hash:big', ...bigH], ['HSET', 'hash:longvalue', 'f', 'x'.repeat(100)]);
  for (let i = 0; i < 300; i++) cmds.push(['XADD', 'stream:big', `${1000 + i}-0`, 'field', `v${i}`, ...(i % 10 ? [] : ['extra', 'e'])]);
  cmds.push(['SELECT', '3'], ['SET', 'in:db3', 'yes'], ['RPUSH', 'list:db3', 'x'], ['SELECT', '0']);
  return cmds;
}

export async function runAll(client: Redis, cmds: (string | Buffer)[][]): Promise<void> {
  for (const [name, ...args] of cmds) await client.call(name as string, ...args);
}

type Snapshot = Record<string, unknown>;

/** Every key of every database with its type, whether it has a TTL, and its whole value. */
export async function snapshotOf(client: Redis, databases = 16): Promise<Snapshot> {
  const out: Snapshot = {};
  for (let db = 0; db < databases; db++) {
    await client.select(db);
    const keys = (await client.keysBuffer('*')).map((k) => k.toString('latin1')).sort();
    for (const k of keys) {
      const type = await client.type(k);
      const ttl = (await client.pttl(k)) > 0 ? 'ttl' : 'persistent';
      let value: unknown;
      if (type === 'string') value = (await client.getBuffer(k))!.toString('hex');
      else if (type === 'list') value = await client.lrange(k, 0, -1);
      else if (type === 'set') value = (await client.smembers(k)).sort();
      else if (type === 'zset') value = await client.call('ZRANGE', k, '0', '-1', 'WITHSCORES');
      else if (type === 'hash') value = Object.entries(await client.hgetall(k)).sort();
      else if (type === 'stream') value = await streamSnapshot(client, k);
      out[`${db}:${k}`] = [type, ttl, value];
    }
  }
  await client.select(0);
  return out;
}

async function streamSnapshot(client: Redis, key: string): Promise<unknown> {
  const info = (await client.call('XINFO', 'STREAM', key)) as unknown[];
  const fields: Record<string, unknown> = {};
  for (let i = 0; i < info.length; i += 2) fields[info[i] as string] = info[i + 1];
  const groups = (await client.call('XINFO', 'GROUPS', key)) as unknown[][];
  const detail: unknown[] = [];
  for (const g of groups) {
    const name = g[1] as string;
    const pending = (await client.call('XPENDING', key, name, '-', '+', '1000')) as unknown[][];
    // Delivery counts and owners, not idle times (they move with the clock).
    detail.push(name, pending.map((p) => [p[0], p[1], p[3]]));
    const consumers = (await client.call('XINFO', 'CONSUMERS', key, name)) as unknown[][];
    detail.push(consumers.map((c) => [c[1], c[3]]));
  }
  return {
    entries: await client.xrange(key, '-', '+'),
    length: fields['length'],
    lastId: fields['last-generated-id'],
    maxDeleted: fields['max-deleted-entry-id'],
    added: fields['entries-added'],
    firstRecorded: fields['recorded-first-entry-id'],
    groups,
    detail,
  };
}
