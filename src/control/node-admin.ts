// RESP commands to a Valkey/Redis node over its management channel (its unix socket),
// for what the replication-group controller asks: health (PING), replication state
// (INFO replication), role changes (COVE.REPLICAOF), planned switches (CLIENT PAUSE).
// A node of a group with an AUTH token needs AUTH first, on this channel too.

import { exchange } from './management.js';

export type RespValue = string | number | null | RespValue[] | { error: string };

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return out;
}

/** Parses one reply at `pos`; undefined while incomplete. */
export function parseReply(text: string, pos = 0): { value: RespValue; end: number } | undefined {
  const eol = text.indexOf('\r\n', pos);
  if (eol === -1) return undefined;
  const type = text[pos];
  const line = text.slice(pos + 1, eol);
  switch (type) {
    case '+':
      return { value: line, end: eol + 2 };
    case '-':
      return { value: { error: line }, end: eol + 2 };
    case ':':
      return { value: Number(line), end: eol + 2 };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: eol + 2 };
      if (text.length < eol + 2 + len + 2) return undefined;
      return { value: text.slice(eol + 2, eol + 2 + len), end: eol + 2 + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: RespValue[] = [];
      let at = eol + 2;
      for (let i = 0; i < n; i++) {
        const r = parseReply(text, at);
        if (!r) return undefined;
        items.push(r.value);
        at = r.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`management channel: unexpected reply byte '${type}'`);
  }
}

function parseAll(text: string, count: number): RespValue[] | undefined {
  const out: RespValue[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const r = parseReply(text, pos);
    if (!r) return undefined;
    out.push(r.value);
    pos = r.end;
  }
  return out;
}

/**
 * Sends commands in one pipeline (AUTH first when a token is given) and resolves with
 * the last command's reply; rejects on a timeout or a closed channel.
 */
export async function nodeCommand(socket: string, args: string[], opts: { auth?: string; timeoutMs?: number } = {}): Promise<RespValue> {
  const cmds = opts.auth ? [['AUTH', opts.auth], args] : [args];
  const request = cmds.map(encodeCommand).join('');
  const reply = await exchange({ path: socket }, request, (t) => parseAll(t, cmds.length) !== undefined, opts.timeoutMs ?? 1500);
  const values = parseAll(reply, cmds.length)!;
  return values[values.length - 1];
}

export function isError(v: RespValue): v is { error: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'error' in v;
}

/** What INFO replication says about a node, in the fields the controller uses. */
export interface NodeReplication {
  role: 'master' | 'slave';
  masterHost?: string;
  masterPort?: number;
  linkUp: boolean;
  /** master_repl_offset on a primary, slave_repl_offset on a replica. */
  offset: number;
  connectedReplicas: number;
}

export function parseInfoReplication(text: string): NodeReplication {
  const f = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) f.set(line.slice(0, i), line.slice(i + 1));
  }
  const role = f.get('role') === 'slave' ? 'slave' : 'master';
  return {
    role,
    masterHost: f.get('master_host'),
    masterPort: f.has('master_port') ? Number(f.get('master_port')) : undefined,
    linkUp: f.get('master_link_status') === 'up',
    offset: Number(role === 'slave' ? f.get('slave_repl_offset') : f.get('master_repl_offset')) || 0,
    connectedReplicas: Number(f.get('connected_slaves') ?? 0),
  };
}

export async function replicationInfo(socket: string, auth?: string, timeoutMs = 800): Promise<NodeReplication | null> {
  try {
    const v = await nodeCommand(socket, ['INFO', 'replication'], { auth, timeoutMs });
    return typeof v === 'string' ? parseInfoReplication(v) : null;
  } catch {
    return null;
  }
}

/** PING with AUTH: true when the node answers PONG. */
export async function pingNode(socket: string, auth?: string, timeoutMs = 1500): Promise<boolean> {
  try {
    return (await nodeCommand(socket, ['PING'], { auth, timeoutMs })) === 'PONG';
  } catch {
    return false;
  }
}

/**
 * Liveness without credentials: true when the node answers PING at all, with PONG or
 * with NOAUTH (a node that demands a password is alive). For nodes whose token the
 * caller does not hold, e.g. a cluster kept from a deleted group with an AUTH token.
 */
export async function nodeAnswers(socket: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const v = await nodeCommand(socket, ['PING'], { timeoutMs });
    return v === 'PONG' || (isError(v) && v.error.startsWith('NOAUTH'));
  } catch {
    return false;
  }
}
