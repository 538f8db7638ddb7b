// The security-group policy: pure functions that decide one flow (who connects, to
// which interface, which port) from the network view, and say why. Both the cache
// nodes (at accept time), the NAT gateways and `cove why` call these; nothing here
// does I/O.
//
// Semantics (reference/security-and-robustness.md §1):
//  - rules only allow; the rules of every group on an interface form one set;
//  - a source is a CIDR (IPv4 or IPv6), a prefix list (never resolved here: Cove has
//    no prefix lists, so such a rule admits nothing) or a referenced group, which
//    admits the private addresses of the interfaces in that group, when the group is
//    in the same VPC or in a VPC joined by an active peering;
//  - protocol -1, or a protocol number other than tcp/udp/icmp/icmpv6, means every port;
//  - a flow that starts inside a VPC also needs an egress rule of its own groups;
//  - traffic between VPCs needs an active peering; the host and any address that maps
//    to no interface are outside every VPC, and a cache node has no public address,
//    so the outside never reaches one directly, whatever the rules say.

import type { NetworkView, ViewEni, ViewGroup, ViewInstance, ViewPeering, ViewVpc } from './view.js';
import type { SgRule } from '../control/model.js';
import { cidrContains, parseCidr, parseIp, MAX_VPC_NUMBER } from './addressing.js';

/** Who is at one end of a flow. */
export type Endpoint =
  | { kind: 'eni'; eni: ViewEni }
  /** The host, the internet, or a loopback address that stands for no interface. */
  | { kind: 'external'; address: string };

/** Why a flow is denied: the missing piece, as Reachability Analyzer would name it. */
export type DenyCode =
  | 'no-public-address'
  | 'not-routed'
  | 'peering-not-active'
  | 'egress-denied'
  | 'no-inbound-rules'
  | 'no-rule-for-port'
  | 'group-not-referenced'
  | 'source-not-in-cidr'
  | 'no-interface';

export interface MatchedRule {
  groupId: string;
  groupName: string;
  ruleId: string;
  egress: boolean;
  /** "sg-1 (cluster) inbound sgr-2: tcp 6379 from sg-3 (nat)". */
  text: string;
}

export interface Verdict {
  allowed: boolean;
  /** The inbound rule that admits the flow. */
  rule?: MatchedRule;
  /** The outbound rule of the source that lets it leave (flows from inside a VPC). */
  egressRule?: MatchedRule;
  code?: DenyCode;
  /** One sentence: the rule that allows, or the missing piece. */
  reason: string;
}

export const PROTO_TCP = 6;

const PROTOCOL_NUMBERS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 };

// ---- the index: the view with lookups ------------------------------------------------

export class PolicyIndex {
  readonly vpcById = new Map<string, ViewVpc>();
  readonly vpcByK = new Map<number, ViewVpc>();
  readonly groupById = new Map<string, ViewGroup>();
  readonly eniById = new Map<string, ViewEni>();
  /** Loopback address (127.k.c.d) → interface. */
  readonly eniByAddress = new Map<string, ViewEni>();
  readonly instanceById = new Map<string, ViewInstance>();
  readonly instanceByPublicIp = new Map<string, ViewInstance>();
  private readonly peerings: ViewPeering[];

  constructor(readonly view: NetworkView) {
    for (const v of view.vpcs) {
      this.vpcById.set(v.id, v);
      this.vpcByK.set(v.k, v);
    }
    for (const g of view.groups) this.groupById.set(g.id, g);
    for (const e of view.enis) {
      this.eniById.set(e.id, e);
      this.eniByAddress.set(e.address, e);
    }
    for (const i of view.instances) {
      this.instanceById.set(i.id, i);
      if (i.publicIp) this.instanceByPublicIp.set(i.publicIp, i);
    }
    this.peerings = view.peerings;
  }

  /** The peering joining two VPCs, the active one first. */
  peeringBetween(a: string, b: string): ViewPeering | undefined {
    let found: ViewPeering | undefined;
    for (const p of this.peerings) {
      if (!((p.requesterVpcId === a && p.accepterVpcId === b) || (p.requesterVpcId === b && p.accepterVpcId === a))) continue;
      if (p.status === 'active') return p;
      if (p.status !== 'deleted') found ??= p;
    }
    return found;
  }

  /** Same VPC, or joined by an active peering. */
  connected(a: string, b: string): boolean {
    return a === b || this.peeringBetween(a, b)?.status === 'active';
  }

  /** The interface holding private address `ip` in VPC `vpcId`. */
  eniByPrivate(vpcId: string, ip: string): ViewEni | undefined {
    for (const e of this.view.enis) if (e.vpcId === vpcId && e.privateIp === ip) return e;
    return undefined;
  }

  groupLabel(id: string): string {
    const g = this.groupById.get(id);
    return g ? `${id} (${g.name})` : `${id} (deleted)`;
  }
}

// ---- addresses ------------------------------------------------------------------------

/** Strips the IPv4-mapped IPv6 prefix a dual-stack socket reports. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Who a connection's source address is: the interface its loopback address stands
 * for (127.k.c.d, VPC number k), or outside every VPC (127.0.0.1, any unmapped address).
 */
export function resolveAddress(index: PolicyIndex, address: string): Endpoint {
  const a = normalizeAddress(address);
  const n = parseIp(a);
  if (n !== null && n >>> 24 === 127) {
    const k = (n >>> 16) & 255;
    if (k >= 1 && k <= MAX_VPC_NUMBER) {
      const eni = index.eniByAddress.get(a);
      if (eni) return { kind: 'eni', eni };
    }
  }
  return { kind: 'external', address: a };
}

export function endpointLabel(index: PolicyIndex, e: Endpoint): string {
  if (e.kind === 'external') return e.address === '127.0.0.1' || e.address === '::1' ? `the host (${e.address})` : `${e.address} (outside every VPC)`;
  const owner = e.eni.kind === 'cache-node' ? `cache node ${e.eni.clusterId}/${e.eni.nodeId}` : e.eni.instanceId ? `instance ${e.eni.instanceId}` : e.eni.id;
  return `${owner} ${e.eni.privateIp} (${e.eni.id}, groups ${e.eni.groupIds.map((g) => index.groupLabel(g)).join(', ') || 'none'})`;
}

/** The address a rule's CIDR is compared with: the private one inside a VPC. */
function ipOf(e: Endpoint): string {
  return e.kind === 'eni' ? e.eni.privateIp : e.address;
}

// ---- IPv6 -------------------------------------------------------------------------------

/** Parses an IPv6 address (with ::, and an embedded IPv4 tail) into a 128-bit integer. */
export function parseIpv6(text: string): bigint | null {
  const zone = text.indexOf('%');
  const addr = zone === -1 ? text : text.slice(0, zone);
  if (!addr.includes(':') || !/^[0-9a-fA-F:.]+$/.test(addr)) return null;
  const halves = addr.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIp(g);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const words = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  let n = 0n;
  for (const w of words) n = (n << 16n) | BigInt(w);
  return n;
}

export function ipv6CidrContains(cidr: string, address: string): boolean {
  const slash = cidr.indexOf('/');
  if (slash === -1) return false;
  const base = parseIpv6(cidr.slice(0, slash));
  const bits = Number(cidr.slice(slash + 1));
  const ip = parseIpv6(address);
  if (base === null || ip === null || !Number.isInteger(bits) || bits < 0 || bits > 128) return false;
  if (bits === 0) return true;
  const shift = BigInt(128 - bits);
  return base >> shift === ip >> shift;
}

// ---- rule matching ---------------------------------------------------------------------

function protocolMatches(rule: SgRule, protocol: number): boolean {
  if (rule.protocol === '-1') return true;
  const n = PROTOCOL_NUMBERS[rule.protocol] ?? Number(rule.protocol);
  return n === protocol;
}

/** Ports only restrict tcp and udp rules (icmp's "ports" are type and code). */
function portMatches(rule: SgRule, port: number): boolean {
  if (rule.protocol !== 'tcp' && rule.protocol !== 'udp') return true;
  const from = rule.fromPort ?? 0;
  const to = rule.toPort ?? 65535;
  return port >= from && port <= to;
}

function cidrMatches(cidr: string, address: string): boolean {
  const c = parseCidr(cidr);
  const ip = parseIp(address);
  return c !== null && ip !== null && cidrContains(c, ip);
}

type PeerMatch = 'match' | 'no' | 'peering-not-active';

/**
 * Does the rule's peer (source of an inbound rule, destination of an outbound one)
 * cover `peer`? `localVpc` is the VPC of the interface whose group holds the rule.
 */
function peerMatches(index: PolicyIndex, rule: SgRule, peer: Endpoint, localVpc: string): PeerMatch {
  if (rule.cidrIpv4 !== undefined) return cidrMatches(rule.cidrIpv4, ipOf(peer)) ? 'match' : 'no';
  if (rule.cidrIpv6 !== undefined) return ipv6CidrContains(rule.cidrIpv6, ipOf(peer)) ? 'match' : 'no';
  if (rule.groupId !== undefined) {
    if (peer.kind !== 'eni' || !peer.eni.groupIds.includes(rule.groupId)) return 'no';
    const ref = index.groupById.get(rule.groupId);
    if (!ref) return 'no';
    // The referenced group must live where the flow can come from: this VPC or an active peer.
    if (ref.vpcId === localVpc) return 'match';
    return index.connected(ref.vpcId, localVpc) ? 'match' : 'peering-not-active';
  }
  return 'no'; // prefix lists: Cove resolves none
}

export function describeRule(index: PolicyIndex, group: ViewGroup, rule: SgRule): string {
  let what: string;
  if (rule.protocol === '-1') what = 'all traffic';
  else if (rule.protocol === 'tcp' || rule.protocol === 'udp') {
    what = rule.fromPort === rule.toPort ? `${rule.protocol} ${rule.fromPort}` : `${rule.protocol} ${rule.fromPort}-${rule.toPort}`;
  } else what = `protocol ${rule.protocol}`;
  const peer =
    rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.prefixListId ?? (rule.groupId !== undefined ? index.groupLabel(rule.groupId) : '?');
  return `${group.id} (${group.name}) ${rule.egress ? 'outbound' : 'inbound'} ${rule.ruleId}: ${what} ${rule.egress ? 'to' : 'from'} ${peer}`;
}

function matched(index: PolicyIndex, group: ViewGroup, rule: SgRule): MatchedRule {
  return { groupId: group.id, groupName: group.name, ruleId: rule.ruleId, egress: rule.egress, text: describeRule(index, group, rule) };
}

interface Candidate {
  group: ViewGroup;
  rule: SgRule;
}

function rulesOf(index: PolicyIndex, eni: ViewEni, egress: boolean): Candidate[] {
  const out: Candidate[] = [];
  for (const id of eni.groupIds) {
    const group = index.groupById.get(id);
    if (!group) continue;
    for (const rule of group.rules) if (rule.egress === egress) out.push({ group, rule });
  }
  return out;
}

function portText(port: number, protocol: number): string {
  return protocol === PROTO_TCP ? `tcp ${port}` : `protocol ${protocol} port ${port}`;
}

/**
 * Inbound check at `dst`: the union of the allow rules of every group on it. Does not
 * look at routing (see evaluateFlow); the NAT gateway calls this directly for the
 * outside traffic that reaches an instance through its Elastic IP.
 */
export function checkIngress(index: PolicyIndex, dst: ViewEni, src: Endpoint, port: number, protocol = PROTO_TCP): Verdict {
  const candidates = rulesOf(index, dst, false);
  let peeringBlocked: Candidate | undefined;
  for (const c of candidates) {
    if (!protocolMatches(c.rule, protocol) || !portMatches(c.rule, port)) continue;
    const m = peerMatches(index, c.rule, src, dst.vpcId);
    if (m === 'match') {
      const rule = matched(index, c.group, c.rule);
      return { allowed: true, rule, reason: `allowed by ${rule.text}` };
    }
    if (m === 'peering-not-active') peeringBlocked ??= c;
  }
  const groups = dst.groupIds.map((g) => index.groupLabel(g)).join(', ') || 'no security group';
  const what = portText(port, protocol);
  if (candidates.length === 0) {
    return { allowed: false, code: 'no-inbound-rules', reason: `${groups} on ${dst.id} has no inbound rules` };
  }
  if (peeringBlocked) {
    const ref = index.groupById.get(peeringBlocked.rule.groupId!);
    const p = ref ? index.peeringBetween(ref.vpcId, dst.vpcId) : undefined;
    return {
      allowed: false,
      code: 'peering-not-active',
      reason: `${describeRule(index, peeringBlocked.group, peeringBlocked.rule)} names a group of ${ref?.vpcId ?? 'another VPC'}, but ${p ? `peering ${p.id} is ${p.status}` : 'no peering connection joins the VPCs'}`,
    };
  }
  // The source is known to some rule, on other ports: the port is what is missing.
  const forSource = candidates.filter((c) => peerMatches(index, c.rule, src, dst.vpcId) === 'match');
  if (forSource.length) {
    const allowedWhat = forSource.map((c) => describeRule(index, c.group, c.rule).replace(/^.*?: /, '')).join('; ');
    return { allowed: false, code: 'no-rule-for-port', reason: `no inbound rule of ${groups} allows ${what} from ${ipOf(src)}; for this source they allow only ${allowedWhat}` };
  }
  const forPort = candidates.filter((c) => protocolMatches(c.rule, protocol) && portMatches(c.rule, port));
  if (forPort.length === 0) {
    return { allowed: false, code: 'no-rule-for-port', reason: `no inbound rule of ${groups} allows ${what}` };
  }
  const refs = forPort.filter((c) => c.rule.groupId !== undefined);
  if (refs.length && src.kind === 'eni') {
    const names = [...new Set(refs.map((c) => index.groupLabel(c.rule.groupId!)))].join(', ');
    const mine = src.eni.groupIds.map((g) => index.groupLabel(g)).join(', ') || 'none';
    return {
      allowed: false,
      code: 'group-not-referenced',
      reason: `the rules of ${groups} for ${what} admit members of ${names}; the source's groups (${mine}) are not referenced`,
    };
  }
  const cidrs = [...new Set(forPort.map((c) => c.rule.cidrIpv4 ?? c.rule.cidrIpv6 ?? c.rule.prefixListId ?? (c.rule.groupId ? index.groupLabel(c.rule.groupId) : '')))].join(', ');
  return { allowed: false, code: 'source-not-in-cidr', reason: `the rules of ${groups} for ${what} admit ${cidrs}, which does not include ${ipOf(src)}` };
}

/** Outbound check at `src` towards `dst`: the union of the egress rules of its groups. */
export function checkEgress(index: PolicyIndex, src: ViewEni, dst: Endpoint, port: number, protocol = PROTO_TCP): Verdict {
  for (const c of rulesOf(index, src, true)) {
    if (!protocolMatches(c.rule, protocol) || !portMatches(c.rule, port)) continue;
    if (peerMatches(index, c.rule, dst, src.vpcId) === 'match') {
      const rule = matched(index, c.group, c.rule);
      return { allowed: true, egressRule: rule, reason: `leaves by ${rule.text}` };
    }
  }
  const groups = src.groupIds.map((g) => index.groupLabel(g)).join(', ') || 'no security group';
  return {
    allowed: false,
    code: 'egress-denied',
    reason: `no outbound rule of ${groups} on ${src.id} allows ${portText(port, protocol)} to ${ipOf(dst)}`,
  };
}

/**
 * The whole decision for a connection from `src` to interface `dst` on `port`:
 * reachability (public address, VPC, peering), then the source's egress rules (when
 * it is inside a VPC), then the destination's inbound rules.
 */
export function evaluateFlow(index: PolicyIndex, src: Endpoint, dst: ViewEni, port: number, protocol = PROTO_TCP): Verdict {
  if (src.kind === 'external') {
    const what = dst.kind === 'cache-node' ? `cache node ${dst.clusterId}/${dst.nodeId}` : dst.id;
    return {
      allowed: false,
      code: 'no-public-address',
      reason: `${src.address} is outside every VPC and ${what} has no public address: outside traffic enters through a NAT instance's Elastic IP or \`cove tunnel\`, whatever the security group rules say`,
    };
  }
  if (src.eni.vpcId !== dst.vpcId) {
    const p = index.peeringBetween(src.eni.vpcId, dst.vpcId);
    if (!p) {
      return { allowed: false, code: 'not-routed', reason: `${src.eni.vpcId} and ${dst.vpcId} are not peered: no route between them` };
    }
    if (p.status !== 'active') {
      return { allowed: false, code: 'peering-not-active', reason: `peering ${p.id} between ${src.eni.vpcId} and ${dst.vpcId} is ${p.status}, not active` };
    }
  }
  const out = checkEgress(index, src.eni, { kind: 'eni', eni: dst }, port, protocol);
  if (!out.allowed) return out;
  const inbound = checkIngress(index, dst, src, port, protocol);
  if (!inbound.allowed) return { ...inbound, egressRule: out.egressRule };
  return { allowed: true, rule: inbound.rule, egressRule: out.egressRule, reason: inbound.reason };
}
