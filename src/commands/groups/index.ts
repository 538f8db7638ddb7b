// The command groups beyond the core ones imported by ../table.ts. A new group is
// registered by adding its spec list here.

import type { CommandSpec } from '../types.js';
import { streamCommands } from './streams.js';
import { geoCommands } from './geo.js';
import { listCommands } from './lists.js';
import { hashCommands } from './hashes.js';
import { setCommands } from './sets.js';
import { bitmapCommands } from './bitops.js';
import { sortCommands } from './sort.js';
import { zsetCommands } from './zsets.js';
import { hllCommands } from './hll.js';
import { aclCommands } from './acl.js';
import { introspectionCommands } from './introspection.js';
import { scriptingCommands } from './scripting.js';
import { functionCommands } from './functions.js';
import { persistenceCommands } from './persistence.js';
import { replicationCommands } from './replication.js';

export const extraGroups: CommandSpec[] = [
  ...streamCommands,
  ...geoCommands,...listCommands, ...hashCommands, ...setCommands, ...bitmapCommands, ...sortCommands, ...zsetCommands, ...hllCommands, ...aclCommands, ...introspectionCommands, ...scriptingCommands, ...functionCommands, ...persistenceCommands, ...replicationCommands];
