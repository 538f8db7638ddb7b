// Pub/sub channels and patterns: who is subscribed to what, and message delivery.
//
// Messages go into each receiver's reply buffer as RESP2 arrays or RESP3 pushes;
// the node flushes receivers once the publishing command's batch is done.

import type { Client } from './client.js';
import { globMatch } from '../commands/helpers.js';

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();
  /** Receivers whose buffers got messages and need a flush. */
  readonly pendingFlush = new Set<Client>();

  subscribe(client: Client, channel: string): boolean {
    return add(this.channels, client.channels, client, channel);
  }

  unsubscribe(client: Client, channel: string): boolean {
    return remove(this.channels, client.channels, client, channel);
  }

  psubscribe(client: Client, pattern: string): boolean {
    return add(this.patterns, client.patterns, client, pattern);
  }

  punsubscribe(client: Client, pattern: string): boolean {
    return remove(this.patterns, client.patterns, client, pattern);
  }

  ssubscribe(client: Client, channel: string): boolean {
    return add(this.shardChannels, client.shardChannels, client, channel);
  }

  sunsubscribe(client: Client, channel: string): boolean {
    return remove(this.shardChannels, client.shardChannels, client, channel);
  }

  /** Drops every subscription of a client (disconnect, RESET). */
  removeClient(client: Client): void {
    for (const c of [...client.channels]) this.unsubscribe(client, c);
    for (const p of [...client.patterns]) this.punsubscribe(client, p);
    for (const c of [...client.shardChannels]) this.sunsubscribe(client, c);
  }

  /** Delivers a message; returns the number of receivers (PUBLISH's reply). */
  publish(channel: string, message: Buffer | string): number {
    let receivers = 0;
    const subs = this.channels.get(channel);
    if (subs) {
      for (const c of subs) {
        const w = c.writer;
        w.push(3);
        w.bulk('message');
        w.bulk(channel);
        w.bulk(message);
        this.pendingFlush.add(c);
        receivers++;
      }
    }
    if (this.patterns.size > 0) {
      for (const [pattern, clients] of this.patterns) {
        if (!globMatch(pattern, channel)) continue;
        for (const c of clients) {
          const w = c.writer;
          w.push(4);
          w.bulk('pmessage');
          w.bulk(pattern);
          w.bulk(channel);
          w.bulk(message);
          this.pendingFlush.add(c);
          receivers++;
        }
      }
    }
    return receivers;
  }

  spublish(channel: string, message: Buffer | string): number {
    const subs = this.shardChannels.get(channel);
    if (!subs) return 0;
    for (const c of subs) {
      c.writer.push(3);
      c.writer.bulk('smessage');
      c.writer.bulk(channel);
      c.writer.bulk(message);
      this.pendingFlush.add(c);
    }
    return subs.size;
  }

  flushPending(): void {
    if (this.pendingFlush.size === 0) return;
    for (const c of this.pendingFlush) c.flush();
    this.pendingFlush.clear();
  }
}

function add(registry: Map<string, Set<Client>>, own: Set<string>, client: Client, name: string): boolean {
  if (own.has(name)) return false;
  own.add(name);
  let set = registry.get(name);
  if (!set) registry.set(name, (set = new Set()));
  set.add(client);
  return true;
}

function remove(registry: Map<string, Set<Client>>, own: Set<string>, client: Client, name: string): boolean {
  if (!own.delete(name)) return false;
  const set = registry.get(name);
  if (set) {
    set.delete(client);
    if (set.size === 0) registry.delete(name);
  }
  return true;
}
