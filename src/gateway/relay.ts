// The gateway's byte pump between a client and a cache node.
//
// Fast path (plain TCP on Node 20): the two sockets' libuv handles are driven
// directly, as net.Socket drives them internally, without the stream machinery:
// each handle reads into its own 16 KiB buffer (HAProxy's default tune.bufsize),
// and each read is written to the other handle at once, with one write request
// object reused while writes complete synchronously. That is one read and one write
// per batch, no allocation per chunk beyond a view, and no stream events. Measured
// on the 2-vCPU box (bench/nat.ts) it cuts the user-space CPU of a forwarded request
// by about a third compared with 'data' events and write(). When the other side
// cannot take everything at once, the data still points into the buffer: reading
// from the source stops until the write completes (backpressure).
//
// Slow path (TLS sockets, or a Node without those internals): 'data' events and
// write(), pausing on backpressure. Both pass a FIN on as a FIN; an error or reset
// on either side ends both.

import type net from 'node:net';

export interface RelayEnds {
  client: net.Socket;
  upstream: net.Socket;
}

export interface RelayStats {
  /** Bytes from the client to the node, and back. */
  up: number;
  down: number;
  hadError: boolean;
}

interface StreamInternals {
  WriteWrap: new () => WriteReq;
  ShutdownWrap: new () => { handle: unknown; oncomplete: (status: number) => void };
  state: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

interface WriteReq {
  handle: unknown;
  oncomplete: (status: number) => void;
  async: boolean;
  buffer?: unknown;
}

interface Handle {
  onread: () => void;
  readStart(): number;
  readStop(): number;
  useUserBuffer(buf: Uint8Array): void;
  writeBuffer(req: WriteReq, buf: Uint8Array): number;
  shutdown(req: unknown): number;
  writeQueueSize: number;
}

const UV_EOF = -4095;
const ignoreRead = () => {};
const BUFFER_SIZE = 16 * 1024;
/** Views up to this length are kept per direction (at most this many of them). */
const MAX_CACHED_VIEW = 512;

function loadInternals(): StreamInternals | null {
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding('stream_wrap');
    const i = {
      WriteWrap: binding.WriteWrap as StreamInternals['WriteWrap'],
      ShutdownWrap: binding.ShutdownWrap as StreamInternals['ShutdownWrap'],
      state: binding.streamBaseState as Int32Array,
      kReadBytesOrError: binding.kReadBytesOrError as number,
      kLastWriteWasAsync: binding.kLastWriteWasAsync as number,
    };
    if (typeof i.WriteWrap !== 'function' || typeof i.ShutdownWrap !== 'function' || !(i.state instanceof Int32Array)) return null;
    return i;
  } catch {
    return null;
  }
}

const internals = process.env.COVE_SLOW_RELAY ? null : loadInternals();

function handleOf(s: net.Socket): Handle | null {
  const h = (s as unknown as { _handle?: Handle | null })._handle;
  if (!h || typeof h.useUserBuffer !== 'function' || typeof h.writeBuffer !== 'function' || typeof h.readStart !== 'function') return null;
  // TLS sockets wrap their TCP handle: their bytes are not the plaintext.
  if ((s as unknown as { encrypted?: boolean }).encrypted) return null;
  return h;
}

/**
 * Starts relaying between two connected sockets; `onClose` runs once, after both are
 * closed. Neither socket may have started reading (pauseOnConnect / pause()).
 */
export function relay(ends: RelayEnds, onClose: (stats: RelayStats) => void): void {
  const a = internals && handleOf(ends.client);
  const b = internals && handleOf(ends.upstream);
  if (internals && a && b) fastRelay(internals, ends, a, b, onClose);
  else streamRelay(ends, onClose);
}

function fastRelay(i: StreamInternals, ends: RelayEnds, ha: Handle, hb: Handle, onClose: (stats: RelayStats) => void): void {
  const stats: RelayStats = { up: 0, down: 0, hadError: false };
  let finished = false;
  let open = 2;
  const finish = (error: boolean) => {
    if (finished) return;
    finished = true;
    if (error) stats.hadError = true;
    // (onread must stay a function: the handle asserts it.)
    ha.onread = ignoreRead;
    hb.onread = ignoreRead;
    let closed = 0;
    const both = () => {
      if (++closed === 2) onClose(stats);
    };
    ends.client.once('close', both);
    ends.upstream.once('close', both);
    ends.client.destroy();
    ends.upstream.destroy();
  };
  // A socket error (e.g. from a write the kernel refused) ends both.
  ends.client.on('error', () => finish(true));
  ends.upstream.on('error', () => finish(true));

  const direction = (from: Handle, to: Handle, up: boolean) => {
    const buf = Buffer.allocUnsafe(BUFFER_SIZE);
    // Views of `buf` by length, made once: request/response traffic repeats its sizes,
    // so the hot path allocates nothing.
    const views: Buffer[] = [];
    let req: WriteReq | null = null;
    let eof = false;
    const onWritten = (status: number) => {
      if (status < 0) return finish(true);
      if (!finished && !eof) from.readStart();
    };
    from.useUserBuffer(buf);
    from.onread = () => {
      const n = i.state[i.kReadBytesOrError];
      if (n > 0) {
        if (up) stats.up += n;
        else stats.down += n;
        if (!req) {
          req = new i.WriteWrap();
          req.handle = to;
          req.oncomplete = onWritten;
        }
        req.async = false;
        let view = n <= MAX_CACHED_VIEW ? views[n] : undefined;
        if (view === undefined) {
          view = buf.subarray(0, n);
          if (n <= MAX_CACHED_VIEW) views[n] = view;
        }
        const err = to.writeBuffer(req, view);
        if (err !== 0) return finish(true);
        if (i.state[i.kLastWriteWasAsync]) {
          // The rest of the data still lives in `buf`: read no more until it is out.
          req.async = true;
          req.buffer = buf;
          req = null;
          from.readStop();
        }
        return;
      }
      if (n === 0) return;
      if (n !== UV_EOF) return finish(true);
      // FIN from this side: pass it on once what is queued is written.
      eof = true;
      from.readStop();
      const s = new i.ShutdownWrap();
      s.handle = to;
      s.oncomplete = () => {
        if (--open === 0) finish(false);
      };
      if (to.shutdown(s) !== 0) finish(false);
    };
    from.readStart();
  };
  direction(ha, hb, true);
  direction(hb, ha, false);
}

function streamRelay(ends: RelayEnds, onClose: (stats: RelayStats) => void): void {
  const { client, upstream } = ends;
  let open = 2;
  let failed = false;
  const closed = (hadError: boolean) => {
    if (hadError) failed = true;
    if (--open === 0) onClose({ up: upstream.bytesWritten, down: client.bytesWritten, hadError: failed });
  };
  pump(client, upstream);
  pump(upstream, client);
  const fail = () => {
    failed = true;
    client.destroy();
    upstream.destroy();
  };
  client.on('error', fail);
  upstream.on('error', fail);
  client.once('close', (hadError) => {
    closed(hadError);
    // The client went away without a FIN having been passed on (reset, destroy).
    if (!upstream.writableEnded) upstream.destroy();
  });
  upstream.once('close', (hadError) => {
    closed(hadError);
    if (!client.writableEnded) client.end();
  });
  client.resume();
  upstream.resume();
}

function pump(from: net.Socket, to: net.Socket): void {
  from.on('data', (chunk: Buffer) => {
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => to.end());
}
