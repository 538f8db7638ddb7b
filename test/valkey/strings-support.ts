// Helpers shared by the string, bitmap and generic-key tests: one raw RESP connection
// that sends a command and waits for its complete reply, and builders for the exact
// reply bytes redis-server 7.0 sends.
//
// COVE_TWIN_PORT=PORT runs these tests' wire checks against another server (e.g. a
// redis-server 7.0 started by hand) instead of an in-process node, to check that the
// expectations are the reference server's own; tests that look inside the node skip.

import { RawClient, resp, startNode } from '../support/valkey.js';
import type { ValkeyNode, ValkeyNodeOptions } from '../../src/server/valkey-node.js';

export const TWIN = Number(process.env.COVE_TWIN_PORT ?? 0);
export const inNodeOnly = { skip: TWIN ? 'looks inside the in-process node' : false };

/** A node to test against: in-process, or the twin server when COVE_TWIN_PORT is set. */
export async function target(opts: ValkeyNodeOptions = {}): Promise<{ port: number; node: ValkeyNode | null }> {
  if (TWIN) return { port: TWIN, node: null };
  const node = await startNode(opts);
  return { port: node.port, node };
}

/** End offset of the RESP reply starting at i, or -1 if it is incomplete. */
export function replyEnd(s: string, i: number): number {
  const e = s.indexOf('\r\n', i);
  if (e < 0) return -1;
  const t = s[i];
  const n = Number(s.slice(i + 1, e));
  if ('+-:_,#('.includes(t)) return e + 2;
  if (t === '$' || t === '=' || t === '!') {
    if (n < 0) return e + 2;
    return s.length >= e + 4 + n ? e + 4 + n : -1;
  }
  if ('*~>%|'.includes(t)) {
    if (n < 0) return e + 2;
    let j = e + 2;
    for (let k = 0; k < (t === '%' || t === '|' ? 2 * n : n); k++) {
      j = replyEnd(s, j);
      if (j < 0) return -1;
    }
    return j;
  }
  return -1;
}

/** A raw connection: `call` sends one command and resolves with its whole reply text. */
export class Conn {
  private constructor(readonly raw: RawClient) {}

  static async open(port: number): Promise<Conn> {
    return new Conn(await RawClient.connect(port));
  }

  async call(...args: (string | Buffer)[]): Promise<string> {
    this.raw.write(resp(...args));
    return this.raw.readUntil((t) => t.length > 0 && replyEnd(t, 0) === t.length, 10000);
  }

  /** Waits for one more complete reply (a push message) without sending anything. */
  async next(): Promise<string> {
    return this.raw.readUntil((t) => t.length > 0 && replyEnd(t, 0) === t.length, 2000);
  }

  close(): void {
    this.raw.close();
  }
}

// ---- expected reply bytes -----------------------------------------------------------

export const OK = '+OK\r\n';
export const NIL = '$-1\r\n';
export const int = (n: number | bigint | string): string => `:${n}\r\n`;
export const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
export const err = (message: string): string => `-${message}\r\n`;
/** An array of bulk strings (null for a nil element). */
export const bulks = (...xs: (string | null)[]): string => `*${xs.length}\r\n` + xs.map((x) => (x === null ? NIL : bulk(x))).join('');
/** An array of already-encoded replies. */
export const arr = (...parts: string[]): string => `*${parts.length}\r\n` + parts.join('');

export const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');
export const NOT_INTEGER = err('ERR value is not an integer or out of range');
export const SYNTAX = err('ERR syntax error');
export const arity = (cmd: string): string => err(`ERR wrong number of arguments for '${cmd}' command`);
