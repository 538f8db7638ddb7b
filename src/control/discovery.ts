// ElastiCache auto discovery for memcached clusters: every node answers
// `config get cluster` with a version number and the cluster's node list
// (`host|ip|port` separated by spaces). The control plane keeps that list on each
// node up to date through the node's management channel:
//
//   config set cluster <version> <bytes>\r\n<node list>\r\n   →   STORED\r\n
//
// Host and ip are both the node's loopback address: the name a client on this host
// can dial (AWS's DNS names would resolve nowhere here).

import type { CacheCluster, CacheNode } from './model.js';
import { memcachedCommand } from './management.js';

/** The node list line of `config get cluster`, in node-id order. */
export function clusterConfigLine(c: CacheCluster): string {
  return c.nodes
    .filter((n) => n.status !== 'deleting')
    .sort((a, b) => a.nodeId.localeCompare(b.nodeId))
    .map((n) => `${n.address}|${n.address}|${n.port}`)
    .join(' ');
}

const unsupported = new Set<string>();

/**
 * Sends the current list to one node; true once the node has it (or cannot take it:
 * a node without the command is not asked again until it is replaced).
 */
export async function pushDiscovery(c: CacheCluster, n: CacheNode): Promise<boolean> {
  if (unsupported.has(n.socket)) return true;
  const version = c.discoveryVersion ?? 1;
  const line = clusterConfigLine(c);
  try {
    const reply = await memcachedCommand(n.socket, `config set cluster ${version} ${Buffer.byteLength(line)}\r\n${line}\r\n`);
    if (reply.startsWith('STORED')) return true;
    unsupported.add(n.socket);
    return true;
  } catch {
    return false;
  }
}
