// The operations table: every action of both services, as data (name, input shape,
// output shape, documented errors, handler). The HTTP endpoint routes, validates and
// serializes from this table alone; adding an action means adding an entry.

import type { Operation, Protocol } from './shapes.js';
import type { Cloud } from '../control/cloud.js';
import { vpcOperations } from './ec2/vpcs.js';
import { securityGroupOperations } from './ec2/security-groups.js';
import { instanceOperations } from './ec2/instances.js';
import { addressOperations } from './ec2/addresses.js';
import { peeringOperations } from './ec2/peering.js';
import { tagAndCatalogOperations } from './ec2/tags-and-catalog.js';
import { subnetGroupOperations } from './elasticache/subnet-groups.js';
import { clusterOperations } from './elasticache/clusters.js';
import { miscOperations } from './elasticache/misc.js';
import { replicationGroupOperations } from './elasticache/replication-groups.js';

export interface Service {
  /** The signing name (SigV4 credential scope) and the routing key. */
  name: 'ec2' | 'elasticache';
  version: string;
  protocol: Protocol;
  xmlns: string;
  operations: Map<string, Operation>;
}

function table(ops: Operation[]): Map<string, Operation> {
  const m = new Map<string, Operation>();
  for (const op of ops) {
    if (m.has(op.name)) throw new Error(`operation ${op.name} defined twice`);
    m.set(op.name, op);
  }
  return m;
}

/**
 * Both services. `extra` lets later features (replication groups, NAT, flow logs)
 * contribute operations without editing this file's callers.
 */
export function services(cloud: Cloud, runDir: string, extra: { ec2?: Operation[]; elasticache?: Operation[] } = {}): Service[] {
  return [
    {
      name: 'ec2',
      version: '2016-11-15',
      protocol: 'ec2',
      xmlns: 'http://ec2.amazonaws.com/doc/2016-11-15/',
      operations: table([
        ...vpcOperations(cloud),
        ...securityGroupOperations(cloud),
        ...instanceOperations(cloud),
        ...addressOperations(cloud),
        ...peeringOperations(cloud),
        ...tagAndCatalogOperations(cloud),
        ...(extra.ec2 ?? []),
      ]),
    },
    {
      name: 'elasticache',
      version: '2015-02-02',
      protocol: 'query',
      xmlns: 'http://elasticache.amazonaws.com/doc/2015-02-02/',
      operations: table([
        ...subnetGroupOperations(cloud),
        ...clusterOperations(cloud, runDir),
        ...miscOperations(cloud),
        ...replicationGroupOperations(cloud, runDir),
        ...(extra.elasticache ?? []),
      ]),
    },
  ];
}
