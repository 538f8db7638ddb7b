// Test support for the Valkey/Redis node: start a node in-process on a free port,
// talk raw RESP over a socket, and run redis-cli against it.

import net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ValkeyNode, ValkeyNodeOptions } from '../../src/server/valkey-node.js';

const execFileP = promisify(execFile);

/** Starts a node on 127.0.0.1 and a random port; quiet logs. */
export async function startNode(opts: ValkeyNodeOptions = {}): Promise<ValkeyNode> {
  const node = new ValkeyNode({ port: 0, logger: () => {}, ...opts });
  await node.listen();
  return node;
}

/**
 * A raw socket client: send bytes, read what comes back. `read` waits until at
 * least `min` bytes (or a matching predicate) arrive, or the timeout passes.
 */
export class RawClient {
  private chunks: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d) => {
      this.chunks.push(d);
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawClient> {
    const socket = net.connect({ port, host, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Everything received so far (and clears it). */
  take(): string {
    const s = Buffer.concat(this.chunks).toString('latin1');
    this.chunks = [];
    return s;
  }

  peek(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  /** Waits until the received text satisfies `done` (or the socket closes / timeout), then takes it. */
  async readUntil(done: (text: string) => boolean, timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.peek()) && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.take();
  }

  /** Sends and waits for a reply ending in CRLF (count CRLF-terminated lines if given). */
  async request(data: string | Buffer, lines = 1, timeoutMs = 2000): Promise<string> {
    this.write(data);
    return this.readUntil((t) => countLines(t) >= lines, timeoutMs);
  }

  async waitClosed(timeoutMs = 2000): Promise<boolean> {
    await this.readUntil(() => false, timeoutMs);
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

function countLines(t: string): number {
  let n = 0;
  let i = -1;
  while ((i = t.indexOf('\r\n', i + 1)) !== -1) n++;
  return n;
}

/** Encodes a command as a RESP multibulk frame. */
export function resp(...args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Runs redis-cli (Debian redis-tools) against a port; resolves with stdout. */
export async function redisCli(port: number, args: string[], input?: string): Promise<string> {
  const child = execFileP('redis-cli', ['-p', String(port), ...args], { timeout: 10000 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  const { stdout } = await child;
  return stdout;
}
