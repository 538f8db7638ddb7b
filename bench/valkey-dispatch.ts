// Micro-benchmark of the Valkey node's per-command CPU cost without sockets: a real
// node, a real client connection, but commands fed straight to the parser and
// replies taken from the writer, so syscalls don't drown the JS cost. Prints
// nanoseconds per command for pipelined SET and GET over a 1M-key keyspace.
//
//   npm run build && node dist/bench/valkey-dispatch.js

import net from 'node:net';
import { ValkeyNode } from '../src/server/valkey-node.js';

function frames(cmd: string, n: number, keys: number): Buffer {
  let s = '';
  for (let i = 0; i < n; i++) {
    const key = 'key:' + String((i * 7919) % keys).padStart(12, '0');
    s += cmd === 'SET' ? `*3\r\n$3\r\nSET\r\n$16\r\n${key}\r\n$3\r\nxxx\r\n` : `*2\r\n$3\r\nGET\r\n$16\r\n${key}\r\n`;
  }
  return Buffer.from(s, 'latin1');
}

async function main(): Promise<void> {
  const node = new ValkeyNode({ port: 0, logger: () => {} });
  const port = await node.listen();
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  await new Promise((r) => setTimeout(r, 50));
  const client = [...node.clients.values()][0];
  const keys = 1_000_000;
  const batch = 16; // like redis-benchmark -P 16
  for (const cmd of ['SET', 'GET', 'SET', 'GET']) {
    const n = 2_000_000;
    const chunks: Buffer[] = [];
    const all = frames(cmd, 16 * 4096, keys);
    // Split into 16-command chunks, as a pipelined client's reads arrive.
    const per = all.length / 4096;
    for (let i = 0; i < 4096; i++) chunks.push(all.subarray(i * per, (i + 1) * per));
    const t0 = process.hrtime.bigint();
    for (let done = 0; done < n; done += batch) {
      client.parser.feed(chunks[(done / batch) % 4096]);
      client.writer.take();
    }
    const ns = Number(process.hrtime.bigint() - t0) / n;
    console.log(`${cmd}: ${ns.toFixed(0)} ns/command (${(1e3 / ns).toFixed(2)}M commands/s of JS work), dbsize ${node.store.dbs[0].size}`);
  }
  sock.destroy();
  await node.close();
}

main();
