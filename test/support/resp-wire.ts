// The raw-RESP side of the Valkey wire tests, shared so each test file holds only its
// own tests: knowing where a complete RESP2/RESP3 reply ends, sending a command on a
// RawClient and reading exactly its reply, builders for the exact reply bytes
// redis-server 7.0 sends (and its common errors), the COVE_TWIN_PORT switch, and a
// throwaway reference redis-server for tests that compare against the real thing.
//
// COVE_TWIN_PORT=PORT runs the wire tests against another server (e.g. a redis-server
// 7.0 started by hand) instead of an in-process node, to check that the expectations
// are the reference server's own; tests that look inside the node skip then.

import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { RawClient, resp, startNode } from './valkey.js';
import type { ValkeyNode, ValkeyNodeOptions } from '../../src/server/valkey-node.js';

// ---- the twin switch ------------------------------------------------------------------

export const TWIN = Number(process.env.COVE_TWIN_PORT ?? 0);
/** Test option for tests that look inside the in-process node: skipped against a twin. */
export const inNode = { skip: TWIN ? 'looks inside the in-process node' : false };

/** A node to test against: in-process, or the twin server when COVE_TWIN_PORT is set. */
export async function target(opts: ValkeyNodeOptions = {}): Promise<{ port: number; node: ValkeyNode | null }> {
  if (TWIN) return { port: TWIN, node: null };
  const node = await startNode(opts);
  return { port: node.port, node };
}

// ---- reading replies ------------------------------------------------------------------

/**
 * End offset of the RESP2/RESP3 reply starting at i, or -1 while it is incomplete.
 * Aggregates (arrays, sets, pushes, maps, attributes) count their elements recursively.
 */
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

/**
 * How long a read waits for a reply that does not come; it then returns what did come,
 * so the test's assertion fails on the actual bytes rather than hanging.
 */
export const REPLY_TIMEOUT_MS = 10_000;

/** Waits for exactly `count` complete replies (default one) and takes their text. */
export async function replies(c: RawClient, count = 1, timeoutMs = REPLY_TIMEOUT_MS): Promise<string> {
  return c.readUntil((t) => {
    let j = 0;
    for (let k = 0; k < count; k++) {
      if (j >= t.length) return false;
      j = replyEnd(t, j);
      if (j < 0) return false;
    }
    return j === t.length;
  }, timeoutMs);
}

/** Sends one command and resolves with its complete raw reply. */
export async function cmd(c: RawClient, ...args: (string | Buffer)[]): Promise<string> {
  c.write(resp(...args));
  return replies(c);
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
export const NOT_INT = err('ERR value is not an integer or out of range');
export const SYNTAX = err('ERR syntax error');
export const arity = (cmd: string): string => err(`ERR wrong number of arguments for '${cmd}' command`);

// ---- reading replies back -------------------------------------------------------------

/** The elements of a flat RESP2/RESP3 aggregate of bulks (no nesting, no nils). */
export function parseBulks(r: string): string[] {
  const lines = r.split('\r\n');
  const out: string[] = [];
  for (let i = 1; i < lines.length - 1; i += 2) out.push(lines[i + 1]);
  return out;
}

/** A HSCAN/SSCAN/ZSCAN reply as [cursor, elements]. */
export function parseScan(r: string): [string, string[]] {
  const lines = r.split('\r\n');
  const n = Number(lines[3].slice(1));
  const out: string[] = [];
  for (let k = 0; k < n; k++) out.push(lines[5 + 2 * k]);
  return [lines[2], out];
}

// ---- a reference redis-server ---------------------------------------------------------

let installed: boolean | undefined;
/** Whether redis-server is installed (asked once, and only by files that want to know). */
export function haveRedis(): boolean {
  installed ??= spawnSync('redis-server', ['--version']).status === 0;
  return installed;
}

/** Starts redis-server 7.0 on a free random port (no persistence); null if it cannot. */
export async function startRedis(): Promise<{ port: number; proc: ChildProcess } | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 40));
      try {
        const c = await RawClient.connect(port);
        const pong = await cmd(c, 'PING');
        c.close();
        if (pong === '+PONG\r\n') return { port, proc };
      } catch {
        // not up yet
      }
      if (proc.exitCode !== null) break;
    }
    proc.kill();
  }
  return null;
}
