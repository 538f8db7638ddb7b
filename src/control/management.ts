// The management channel to a node: a unix socket per node in the data dir (the
// node's `--management-socket`). Health checks and configuration travel here, never
// over the node's TCP address, so security groups never see them (DESIGN.md §3) and
// a rule that locks everyone out cannot lock the control plane out.
//
// One short-lived connection per exchange: the control plane talks to nodes rarely.

import net from 'node:net';
import type { Engine } from './model.js';

/** Sends `request` and resolves with what arrives until `done` says the reply is whole. */
export function exchange(
  target: { path: string } | { host: string; port: number },
  request: string,
  done: (reply: string) => boolean,
  timeoutMs = 1500,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = 'path' in target ? net.connect(target.path) : net.connect(target.port, target.host);
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('management channel: timed out'));
    }, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d: string) => {
      reply += d;
      if (done(reply)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (!done(reply)) reject(new Error('management channel: closed before a reply'));
    });
  });
}

/**
 * Is the node serving? Valkey/Redis: PING → +PONG. Memcached: version → VERSION x.
 * `tcp` is the fallback for engines that have no management socket yet.
 */
export async function ping(engine: Engine, socketPath: string, tcp?: { host: string; port: number }): Promise<boolean> {
  const target = tcp ?? { path: socketPath };
  try {
    if (engine === 'memcached') {
      const r = await exchange(target, 'version\r\n', (t) => t.includes('\r\n'));
      return r.startsWith('VERSION ');
    }
    const r = await exchange(target, 'PING\r\n', (t) => t.includes('\r\n'));
    return r.startsWith('+PONG');
  } catch {
    return false;
  }
}

/** Sends one memcached text-protocol line and returns the reply up to its terminator. */
export async function memcachedCommand(socketPath: string, line: string, terminator = '\r\n'): Promise<string> {
  return exchange({ path: socketPath }, line.endsWith('\r\n') ? line : line + '\r\n', (t) => t.endsWith(terminator) || /^(ERROR|CLIENT_ERROR|SERVER_ERROR)/.test(t));
}
