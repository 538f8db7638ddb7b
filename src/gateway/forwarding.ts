// A NAT instance's forwarding table: which public port of its Elastic IP goes to
// which private address and port. Two sources, in this order:
//  1. the nat table's PREROUTING DNAT rules (the guide's iptables lines), first match
//     wins per port as in netfilter;
//  2. the `cove:forward` tag: `CLUSTER[:BASEPORT]` (a cache cluster id or a
//     replication group id; several separated by commas): one public port per node
//     in node order from BASEPORT (default: the cluster's port), recomputed whenever
//     the membership changes, so a replaced node is reached again without editing rules.
//     A replication group gets its primary endpoint first (BASEPORT), then its nodes.
// Pure: computed from the network view.

import type { PolicyIndex } from '../network/policy.js';
import type { ViewInstance, ViewNatConfig } from '../network/view.js';
import { cidrContains, parseCidr, parseIp } from '../network/addressing.js';
import { IptRule, formatRule, parseSavedRule } from './iptables.js';

export const FORWARD_TAG = 'cove:forward';
export const TLS_TAG = 'cove:tls';
/** A DNAT rule over a port range forwards at most this many ports (one listener each). */
export const MAX_PORTS_PER_RULE = 256;
/** The interface name the NAT instance's ENI has inside the guest. */
export const NAT_IFACE = 'eth0';

export interface ForwardEntry {
  publicPort: number;
  /** Private destination (DNAT target). */
  ip: string;
  port: number;
  via: 'iptables' | 'tag';
  /** The rule or tag that made it. */
  text: string;
  /** `-s` of the DNAT rule: only these clients are forwarded. */
  source?: { cidr: string; negate: boolean };
  node?: { clusterId: string; nodeId: string };
}

export interface ForwardingTable {
  instanceId: string;
  entries: ForwardEntry[];
  /** A POSTROUTING SNAT/MASQUERADE rule exists (Cove source-NATs either way). */
  snat: boolean;
  ipForward: boolean;
  sourceDestCheck: boolean;
  tls: boolean;
  /** Things the table could not honour, for `cove nat status` and `cove why`. */
  notes: string[];
}

export function natRules(config: ViewNatConfig | undefined): IptRule[] {
  const out: IptRule[] = [];
  for (const line of config?.rules ?? []) {
    try {
      out.push(parseSavedRule(line));
    } catch {
      // Stored rules were parsed once already; a bad one is skipped.
    }
  }
  return out;
}

function tag(inst: ViewInstance, key: string): string | undefined {
  return inst.tags.find((t) => t.Key === key)?.Value;
}

export function tlsEnabled(inst: ViewInstance): boolean {
  return /^(on|true|yes|1)$/i.test(tag(inst, TLS_TAG) ?? '');
}

function matchesAddress(match: { cidr: string; negate: boolean } | undefined, addresses: string[]): boolean {
  if (!match) return true;
  const c = parseCidr(match.cidr.includes('/') ? match.cidr : `${match.cidr}/32`);
  const hit = c !== null && addresses.some((a) => {
    const ip = parseIp(a);
    return ip !== null && cidrContains(c, ip);
  });
  return hit !== match.negate;
}

export function forwardingTable(index: PolicyIndex, inst: ViewInstance, config: ViewNatConfig | undefined): ForwardingTable {
  const table: ForwardingTable = {
    instanceId: inst.id,
    entries: [],
    snat: false,
    ipForward: config?.ipForward ?? true,
    sourceDestCheck: inst.sourceDestCheck,
    tls: tlsEnabled(inst),
    notes: [],
  };
  const taken = new Set<number>();
  const ownAddresses = [inst.privateIp, ...(inst.publicIp ? [inst.publicIp] : [])];
  for (const rule of natRules(config)) {
    if (rule.chain === 'POSTROUTING' && (rule.target === 'MASQUERADE' || rule.target === 'SNAT')) {
      if (rule.target === 'SNAT' && rule.toSource !== inst.privateIp) {
        table.notes.push(`-j SNAT --to-source ${rule.toSource}: the instance's address is ${inst.privateIp}; connections leave from ${inst.privateIp}`);
      }
      table.snat = true;
      continue;
    }
    if (rule.chain !== 'PREROUTING' || rule.target !== 'DNAT') continue;
    if (rule.inIface && (rule.inIface.name === NAT_IFACE) === rule.inIface.negate) {
      table.notes.push(`${textOf(rule)}: the instance's only interface is ${NAT_IFACE}; the rule never matches`);
      continue;
    }
    if (!matchesAddress(rule.destination, ownAddresses)) {
      table.notes.push(`${textOf(rule)}: -d does not match the instance's addresses (${ownAddresses.join(', ')}); the rule never matches`);
      continue;
    }
    if (!rule.dport) {
      table.notes.push(`${textOf(rule)}: a rule without --dport would forward every port; Cove forwards listed ports only`);
      continue;
    }
    if (rule.protocol !== 'tcp') {
      table.notes.push(`${textOf(rule)}: only TCP is forwarded (give -p tcp --dport PORT)`);
      continue;
    }
    const count = rule.dport.to - rule.dport.from + 1;
    if (count > MAX_PORTS_PER_RULE) {
      table.notes.push(`${textOf(rule)}: forwards ${count} ports; Cove forwards at most ${MAX_PORTS_PER_RULE} per rule`);
      continue;
    }
    const dest = rule.toDestination!;
    for (let p = rule.dport.from; p <= rule.dport.to; p++) {
      if (taken.has(p)) continue; // netfilter: the first matching rule wins
      const targetPort = dest.ports ? dest.ports.from + Math.min(p - rule.dport.from, dest.ports.to - dest.ports.from) : p;
      taken.add(p);
      table.entries.push({ publicPort: p, ip: dest.ip, port: targetPort, via: 'iptables', text: textOf(rule), source: rule.source, node: nodeAt(index, inst, dest.ip, targetPort) });
    }
  }
  const spec = tag(inst, FORWARD_TAG);
  if (spec !== undefined) {
    for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^([A-Za-z][A-Za-z0-9-]*)(?::(\d{1,5}))?$/.exec(part);
      if (!m) {
        table.notes.push(`${FORWARD_TAG}=${spec}: '${part}' is not CLUSTER or CLUSTER:BASEPORT`);
        continue;
      }
      const id = m[1].toLowerCase();
      const clusters = index.view.clusters.filter((c) => c.account === inst.account && (c.id === id || c.replicationGroupId === id));
      if (clusters.length === 0) {
        table.notes.push(`${FORWARD_TAG}=${spec}: no cache cluster or replication group '${id}'`);
        continue;
      }
      const nodes = clusters.flatMap((c) =>
        [...c.nodes].filter((n) => n.status !== 'deleting').sort((a, b) => a.nodeId.localeCompare(b.nodeId)).map((n) => ({ c, n })),
      );
      let port = m[2] !== undefined ? Number(m[2]) : clusters[0].port;
      // A replication group: first its primary endpoint, which follows failover.
      const group = index.view.replicationGroups?.find((g) => g.account === inst.account && g.id === id);
      if (group) {
        const ep = group.primaryEndpoint;
        if (taken.has(port)) {
          table.notes.push(`${FORWARD_TAG}: public port ${port} is already forwarded by an iptables rule; the primary endpoint of ${group.id} gets no port`);
        } else {
          taken.add(port);
          table.entries.push({ publicPort: port, ip: ep.privateIp, port: group.port, via: 'tag', text: `${FORWARD_TAG}=${spec} (primary endpoint)` });
        }
        port++;
      }
      for (const { c, n } of nodes) {
        if (port > 65535) break;
        const vpcOk = index.eniById.get(n.eniId) && index.connected(index.eniById.get(n.eniId)!.vpcId, inst.vpcId);
        if (!vpcOk) {
          table.notes.push(`${FORWARD_TAG}: node ${c.id}/${n.nodeId} is not in the instance's VPC or a peered one`);
        } else if (taken.has(port)) {
          table.notes.push(`${FORWARD_TAG}: public port ${port} is already forwarded by an iptables rule; node ${c.id}/${n.nodeId} gets no port`);
        } else {
          taken.add(port);
          table.entries.push({ publicPort: port, ip: n.privateIp, port: n.port, via: 'tag', text: `${FORWARD_TAG}=${spec}`, node: { clusterId: c.id, nodeId: n.nodeId } });
        }
        port++;
      }
    }
  }
  table.entries.sort((a, b) => a.publicPort - b.publicPort);
  return table;
}

function textOf(rule: IptRule): string {
  return formatRule(rule);
}

/** The cache node listening at a private address and port the instance can route to. */
function nodeAt(index: PolicyIndex, inst: ViewInstance, ip: string, port: number): { clusterId: string; nodeId: string } | undefined {
  for (const e of index.view.enis) {
    if (e.privateIp !== ip || e.kind !== 'cache-node' || !index.connected(e.vpcId, inst.vpcId)) continue;
    const c = index.view.clusters.find((x) => x.id === e.clusterId && x.account === e.account);
    if (c && c.port === port) return { clusterId: c.id, nodeId: e.nodeId! };
  }
  return undefined;
}

/** Resolves a forwarding target (private ip) to the interface it reaches: own VPC first, then active peers. */
export function targetEni(index: PolicyIndex, inst: ViewInstance, ip: string) {
  const own = index.eniByPrivate(inst.vpcId, ip);
  if (own) return own;
  for (const e of index.view.enis) if (e.privateIp === ip && e.vpcId !== inst.vpcId && index.connected(e.vpcId, inst.vpcId)) return e;
  return undefined;
}

/** Does a DNAT rule's -s let this client through? */
export function sourceAllowed(entry: ForwardEntry, client: string): boolean {
  return matchesAddress(entry.source, [client]);
}

/**
 * Whether the cache node an entry forwards to answers the public port itself
 * (node-ingress.ts) instead of the gateway relaying: plain TCP to a cache node's own
 * address and port. TLS ports, and ports to anything else (an instance, a replication
 * group's primary endpoint), stay with the gateway.
 */
export function servedByNode(table: ForwardingTable, entry: ForwardEntry): boolean {
  return !table.tls && entry.node !== undefined;
}
