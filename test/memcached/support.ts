// Test support for the memcached node: start one in-process on a random port,
// and build/parse binary-protocol packets by hand.

import { MemcachedNode, type MemcachedNodeOptions } from '../../src/server/memcached-node.js';
import { RawClient } from '../support/valkey.js';

export { RawClient };

/** Starts a node on 127.0.0.1 and a free port; quiet logs. */
export async function startMemcached(opts: MemcachedNodeOptions = {}): Promise<MemcachedNode> {
  const node = new MemcachedNode({ port: 0, logger: () => {}, ...opts });
  await node.listen();
  return node;
}

/** Sends text and waits for a reply ending with `until` (default: a CRLF-terminated line). */
export async function ask(c: RawClient, text: string | Buffer, until: string | ((s: string) => boolean) = '\r\n', timeoutMs = 5000): Promise<string> {
  c.write(text);
  const done = typeof until === 'string' ? (s: string) => s.endsWith(until) : until;
  return c.readUntil(done, timeoutMs);
}

/** Everything received until the server closes the connection; fails if it does not. */
export async function untilClosed(c: RawClient, timeoutMs = 3000): Promise<string> {
  const text = await c.readUntil(() => false, timeoutMs);
  if (!c.closed) throw new Error(`connection still open after ${timeoutMs} ms; received ${JSON.stringify(text)}`);
  return text;
}

/** "STAT name value" lines to a record. */
export function parseStats(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const m = /^STAT (\S+) (.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Reads replies until the text ends with one of the given terminators. */
export function endsWithAny(...ends: string[]): (s: string) => boolean {
  return (s) => ends.some((e) => s.endsWith(e));
}

export interface Packet {
  magic: number;
  opcode: number;
  keylen: number;
  extlen: number;
  status: number;
  bodylen: number;
  opaque: number;
  cas: bigint;
  extras: Buffer;
  key: Buffer;
  value: Buffer;
}

export interface RequestFields {
  key?: string | Buffer;
  value?: string | Buffer;
  extras?: Buffer;
  opaque?: number;
  cas?: bigint;
  /** Overrides the computed body length (malformed packets). */
  bodylen?: number;
  magic?: number;
}

/** A binary-protocol request packet. */
export function packet(opcode: number, f: RequestFields = {}): Buffer {
  const key = typeof f.key === 'string' ? Buffer.from(f.key, 'latin1') : (f.key ?? Buffer.alloc(0));
  const value = typeof f.value === 'string' ? Buffer.from(f.value, 'latin1') : (f.value ?? Buffer.alloc(0));
  const extras = f.extras ?? Buffer.alloc(0);
  const h = Buffer.alloc(24);
  h[0] = f.magic ?? 0x80;
  h[1] = opcode;
  h.writeUInt16BE(key.length, 2);
  h[4] = extras.length;
  h.writeUInt32BE(f.bodylen ?? key.length + value.length + extras.length, 8);
  h.writeUInt32BE(f.opaque ?? 0, 12);
  h.writeBigUInt64BE(f.cas ?? 0n, 16);
  return Buffer.concat([h, extras, key, value]);
}

/** Extras of set/add/replace: flags and expiration. */
export function setExtras(flags: number, exptime: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(flags, 0);
  b.writeUInt32BE(exptime, 4);
  return b;
}

/** Extras of incr/decr: delta, initial value, expiration. */
export function deltaExtras(delta: bigint, initial: bigint, exptime: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeBigUInt64BE(delta, 0);
  b.writeBigUInt64BE(initial, 8);
  b.writeUInt32BE(exptime, 16);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Splits received bytes into response packets (throws on a truncated one). */
export function parsePackets(data: Buffer): Packet[] {
  const out: Packet[] = [];
  let p = 0;
  while (p < data.length) {
    if (data.length - p < 24) throw new Error(`truncated header at ${p}`);
    const keylen = data.readUInt16BE(p + 2);
    const extlen = data[p + 4];
    const bodylen = data.readUInt32BE(p + 8);
    if (data.length - p < 24 + bodylen) throw new Error(`truncated body at ${p}`);
    const body = data.subarray(p + 24, p + 24 + bodylen);
    out.push({
      magic: data[p],
      opcode: data[p + 1],
      keylen,
      extlen,
      status: data.readUInt16BE(p + 6),
      bodylen,
      opaque: data.readUInt32BE(p + 12),
      cas: data.readBigUInt64BE(p + 16),
      extras: body.subarray(0, extlen),
      key: body.subarray(extlen, extlen + keylen),
      value: body.subarray(extlen + keylen),
    });
    p += 24 + bodylen;
  }
  return out;
}

/** Whether `data` holds at least n complete response packets. */
export function hasPackets(data: Buffer, n: number): boolean {
  let p = 0;
  let count = 0;
  while (data.length - p >= 24) {
    const bodylen = data.readUInt32BE(p + 8);
    if (data.length - p < 24 + bodylen) break;
    p += 24 + bodylen;
    count++;
  }
  return count >= n;
}

/** Sends binary requests and waits for n response packets. */
export async function binAsk(c: RawClient, req: Buffer, n = 1): Promise<Packet[]> {
  c.write(req);
  const text = await c.readUntil((s) => hasPackets(Buffer.from(s, 'latin1'), n));
  return parsePackets(Buffer.from(text, 'latin1'));
}
