// The command groups beyond the core ones imported by ../table.ts. A new group is
// registered by adding its spec list here.

import type { CommandSpec } from '../types.js';

export const extraGroups: CommandSpec[] = [];
