// `cove why SOURCE DESTINATION:PORT`: may this source open a connection there, and
// if not, what is missing, like VPC Reachability Analyzer. The answer walks the
// path hop by hop: straight to an interface (routing, egress, inbound rules), or
// through a NAT instance's Elastic IP (the instance's groups against the outside
// address, the forwarding entry for the port, IP forwarding, the source/dest check,
// then the NAT instance's own flow to the node).
//
// Names accepted for SOURCE: `host`, any IPv4/IPv6 address (a 127.k.c.d address
// stands for the interface it maps to), a private address (when one interface has
// it), i-..., eni-.... For DESTINATION: the same, an Elastic IP, or CLUSTER/NODE
// (a cache node, e.g. mc/0002); the port defaults to the node's.

import { PolicyIndex, Endpoint, evaluateFlow, endpointLabel, resolveAddress, checkIngress, normalizeAddress, DenyCode } from './policy.js';
import type { ViewEni } from './view.js';
import { forwardingTable, sourceAllowed, targetEni } from '../gateway/forwarding.js';

export interface WhyHop {
  from: string;
  to: string;
  port: number;
  allowed: boolean;
  /** The inbound rule that admits this hop. */
  rule?: string;
  /** The source's outbound rule, for hops that start inside a VPC. */
  egressRule?: string;
  /** What forwards this hop (a DNAT rule or the cove:forward tag). */
  forwarding?: string;
  reason: string;
  code?: DenyCode | 'no-forwarding' | 'source-dest-check' | 'ip-forward-off' | 'not-a-nat-instance' | 'not-running';
}

export interface WhyAnswer {
  allowed: boolean;
  source: string;
  destination: string;
  hops: WhyHop[];
  /** The decisive sentence: the rule that allows, or the missing piece. */
  summary: string;
}

export class WhyError extends Error {}

function findEni(index: PolicyIndex, text: string): ViewEni | undefined {
  if (text.startsWith('eni-')) return index.eniById.get(text);
  if (text.startsWith('i-')) {
    const inst = index.instanceById.get(text);
    return inst ? index.eniById.get(inst.eniId) : undefined;
  }
  return undefined;
}

/** A private address named on its own: the one interface that has it. */
function byPrivate(index: PolicyIndex, ip: string): ViewEni | undefined {
  const hits = index.view.enis.filter((e) => e.privateIp === ip);
  if (hits.length > 1) {
    throw new WhyError(`${ip} is the private address of ${hits.length} interfaces (${hits.map((h) => `${h.id} in ${h.vpcId}`).join(', ')}): name the loopback address (127.k.c.d) or the interface instead`);
  }
  return hits[0];
}

export function parseSource(index: PolicyIndex, text: string): Endpoint {
  if (text === 'host') return { kind: 'external', address: '127.0.0.1' };
  const named = findEni(index, text);
  if (named) return { kind: 'eni', eni: named };
  if (text.startsWith('i-') || text.startsWith('eni-')) throw new WhyError(`${text} does not exist (or is terminated)`);
  const addr = normalizeAddress(text);
  const resolved = resolveAddress(index, addr);
  if (resolved.kind === 'eni') return resolved;
  if (!addr.startsWith('127.')) {
    const eni = byPrivate(index, addr);
    if (eni) return { kind: 'eni', eni };
  }
  if (!/^[0-9.]+$/.test(addr) && !addr.includes(':')) throw new WhyError(`cannot read '${text}' as a source (host, an address, i-... or eni-...)`);
  return { kind: 'external', address: addr };
}

/** Splits "ADDR:PORT", "[v6]:PORT" or a bare name. */
export function splitDestination(text: string): { name: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { name: v6[1], port: v6[2] !== undefined ? Number(v6[2]) : undefined };
  const i = text.lastIndexOf(':');
  if (i !== -1 && /^\d+$/.test(text.slice(i + 1)) && !text.slice(0, i).includes(':')) {
    return { name: text.slice(0, i), port: Number(text.slice(i + 1)) };
  }
  return { name: text };
}

export function why(index: PolicyIndex, sourceText: string, destText: string): WhyAnswer {
  const src = parseSource(index, sourceText);
  const { name, port: givenPort } = splitDestination(destText);
  const srcLabel = endpointLabel(index, src);

  // Through an Elastic IP: the NAT instance's path.
  const viaEip = index.instanceByPublicIp.get(name);
  if (viaEip) {
    if (givenPort === undefined) throw new WhyError('give the port: DESTINATION:PORT');
    return throughNat(index, src, srcLabel, viaEip.id, givenPort, destText);
  }

  let dst: ViewEni | undefined = findEni(index, name);
  const node = /^([A-Za-z][A-Za-z0-9-]*)\/(\d{4})$/.exec(name);
  let defaultPort: number | undefined;
  if (node) {
    const c = index.view.clusters.find((x) => x.id === node[1].toLowerCase());
    const n = c?.nodes.find((x) => x.nodeId === node[2]);
    if (!c || !n) throw new WhyError(`no cache node ${name}`);
    dst = index.eniById.get(n.eniId);
    defaultPort = n.port;
  }
  if (!dst) {
    const r = resolveAddress(index, name);
    if (r.kind === 'eni') dst = r.eni;
    else if (!name.startsWith('127.')) dst = byPrivate(index, name);
  }
  if (!dst) {
    const hop: WhyHop = {
      from: srcLabel,
      to: name,
      port: givenPort ?? 0,
      allowed: false,
      code: 'no-interface',
      reason: `${name} is no interface of any VPC and no Elastic IP of a NAT instance: nothing there to reach`,
    };
    return { allowed: false, source: srcLabel, destination: destText, hops: [hop], summary: hop.reason };
  }
  if (dst.kind === 'cache-node' && defaultPort === undefined) {
    defaultPort = index.view.clusters.find((c) => c.id === dst!.clusterId && c.account === dst!.account)?.port;
  }
  const port = givenPort ?? defaultPort;
  if (port === undefined) throw new WhyError('give the port: DESTINATION:PORT');
  const dstLabel = endpointLabel(index, { kind: 'eni', eni: dst });
  const v = evaluateFlow(index, src, dst, port);
  const hop: WhyHop = { from: srcLabel, to: dstLabel, port, allowed: v.allowed, rule: v.rule?.text, egressRule: v.egressRule?.text, reason: v.reason, code: v.code };
  return { allowed: v.allowed, source: srcLabel, destination: dstLabel, hops: [hop], summary: v.reason };
}

function throughNat(index: PolicyIndex, src: Endpoint, srcLabel: string, instanceId: string, port: number, destText: string): WhyAnswer {
  const inst = index.instanceById.get(instanceId)!;
  const natEni = index.eniById.get(inst.eniId);
  // Traffic to a public address comes from outside: the client's own address is what the NAT instance sees.
  const clientAddr = src.kind === 'eni' ? src.eni.address : src.address;
  const client: Endpoint = { kind: 'external', address: clientAddr };
  const first: WhyHop = { from: srcLabel, to: `NAT instance ${inst.id} (Elastic IP ${inst.publicIp}, private ${inst.privateIp})`, port, allowed: false, reason: '' };
  const answer = (hops: WhyHop[]): WhyAnswer => {
    const failed = hops.find((h) => !h.allowed);
    return { allowed: !failed, source: srcLabel, destination: destText, hops, summary: failed ? failed.reason : hops[hops.length - 1].reason };
  };
  if (!inst.nat) {
    return answer([{ ...first, code: 'not-a-nat-instance', reason: `${inst.id} was not launched from the Cove NAT image: nothing listens on its Elastic IP` }]);
  }
  if (inst.state !== 'running' || !natEni) {
    return answer([{ ...first, code: 'not-running', reason: `${inst.id} is ${inst.state}` }]);
  }
  const table = forwardingTable(index, inst, index.view.nat.find((n) => n.instanceId === inst.id));
  const entry = table.entries.find((e) => e.publicPort === port);
  const inbound = checkIngress(index, natEni, client, port);
  if (!inbound.allowed) return answer([{ ...first, code: inbound.code, reason: `at the NAT instance: ${inbound.reason}` }]);
  first.rule = inbound.rule?.text;
  if (!entry) {
    const ports = table.entries.map((e) => e.publicPort);
    return answer([
      {
        ...first,
        code: 'no-forwarding',
        reason: `${inst.id} has no forwarding for port ${port} (no DNAT rule in PREROUTING and no cove:forward entry; forwarded ports: ${ports.length ? ports.join(', ') : 'none'})`,
      },
    ]);
  }
  first.forwarding = entry.text;
  if (!sourceAllowed(entry, clientAddr)) {
    return answer([{ ...first, code: 'no-forwarding', reason: `the DNAT rule for port ${port} only forwards ${entry.source!.negate ? 'sources outside ' : ''}${entry.source!.cidr} (${entry.text})` }]);
  }
  if (table.sourceDestCheck) {
    return answer([{ ...first, code: 'source-dest-check', reason: `${inst.id} has its source/destination check on: it drops traffic it would forward; turn it off (modify-instance-attribute --no-source-dest-check)` }]);
  }
  if (!table.ipForward) {
    return answer([{ ...first, code: 'ip-forward-off', reason: `${inst.id} has IP forwarding off (net.ipv4.ip_forward=0)` }]);
  }
  first.allowed = true;
  first.reason = `allowed by ${inbound.rule!.text}; forwarded by ${entry.text}`;
  const target = targetEni(index, inst, entry.ip);
  const natSide: Endpoint = { kind: 'eni', eni: natEni };
  if (!target) {
    return answer([first, { from: endpointLabel(index, natSide), to: `${entry.ip}:${entry.port}`, port: entry.port, allowed: false, code: 'no-interface', reason: `no interface has address ${entry.ip} in ${inst.vpcId} or a peered VPC` }]);
  }
  const v = evaluateFlow(index, natSide, target, entry.port);
  const second: WhyHop = {
    from: `${endpointLabel(index, natSide)} (source NAT)`,
    to: endpointLabel(index, { kind: 'eni', eni: target }),
    port: entry.port,
    allowed: v.allowed,
    rule: v.rule?.text,
    egressRule: v.egressRule?.text,
    reason: v.allowed ? v.reason : `from the NAT instance to ${entry.ip}:${entry.port}: ${v.reason}`,
    code: v.code,
  };
  return answer([first, second]);
}

/** Text for the terminal. */
export function formatWhy(a: WhyAnswer): string {
  const lines = [`${a.allowed ? 'ALLOWED' : 'DENIED'}: ${a.source} → ${a.destination}`];
  a.hops.forEach((h, i) => {
    lines.push(`  ${i + 1}. ${h.from} → ${h.to} port ${h.port}: ${h.allowed ? 'allowed' : 'denied'}`);
    if (h.egressRule) lines.push(`     outbound: ${h.egressRule}`);
    if (h.rule) lines.push(`     inbound:  ${h.rule}`);
    if (h.forwarding) lines.push(`     forwarding: ${h.forwarding}`);
    if (!h.allowed) lines.push(`     missing (${h.code}): ${h.reason}`);
  });
  return lines.join('\n') + '\n';
}
