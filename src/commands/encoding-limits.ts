// The CONFIG thresholds that decide Redis's compact encodings (listpack, intset),
// read once per node and refreshed on CONFIG SET, so that write commands on the hot
// path (HSET, SADD) do not parse config strings on every call.

import type { EncodingLimits } from '../engine/memory.js';
import type { Config } from '../server/config.js';
import type { ValkeyNode } from '../server/valkey-node.js';

const cache = new WeakMap<ValkeyNode, EncodingLimits>();

function read(c: Config): EncodingLimits {
  return {
    hashMaxListpackEntries: c.int('hash-max-listpack-entries'),
    hashMaxListpackValue: c.int('hash-max-listpack-value'),
    listMaxListpackSize: c.int('list-max-listpack-size'),
    setMaxIntsetEntries: c.int('set-max-intset-entries'),
    setMaxListpackEntries: c.int('set-max-listpack-entries'),
    setMaxListpackValue: c.int('set-max-listpack-value'),
    zsetMaxListpackEntries: c.int('zset-max-listpack-entries'),
    zsetMaxListpackValue: c.int('zset-max-listpack-value'),
  };
}

/** The node's current encoding limits (cached; CONFIG SET refreshes them). */
export function encodingLimits(node: ValkeyNode): EncodingLimits {
  let limits = cache.get(node);
  if (!limits) {
    limits = read(node.config);
    cache.set(node, limits);
    node.config.onChange(() => cache.set(node, read(node.config)));
  }
  return limits;
}
