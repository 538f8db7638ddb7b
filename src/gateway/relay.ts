// The gateway's byte pump between a client and a cache node. The hot path is one
// `write` of each received chunk as it is (no copy, no concatenation, no per-chunk
// closure): Node hands over a Buffer per read and the other socket takes it whole.
// Backpressure pauses the reading side until the writing side drains. A FIN is
// passed on as a FIN; an error or reset on either side ends both.

import type net from 'node:net';

export interface RelayEnds {
  client: net.Socket;
  upstream: net.Socket;
}

/**
 * Starts relaying between two connected sockets; `onClose` runs once, when both are
 * closed. The client socket may be paused (pauseOnConnect): it is resumed here.
 */
export function relay(ends: RelayEnds, onClose: (hadError: boolean) => void): void {
  const { client, upstream } = ends;
  let open = 2;
  let failed = false;
  const closed = (hadError: boolean) => {
    if (hadError) failed = true;
    if (--open === 0) onClose(failed);
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
