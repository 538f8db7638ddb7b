// Addresses for the loopback network driver (DESIGN.md §3): IPv4 and CIDR arithmetic,
// the mapping of a private address in VPC number k onto the loopback block
// (a.b.c.d → 127.k.c.d), and handing out subnet addresses the way AWS does (the first
// four and the last address of every subnet are reserved).
//
// Pure functions, no I/O: the control plane stores which addresses are taken.

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

/** Parses dotted-quad IPv4; null when malformed (no leading zeros games, 0-255 per octet). */
export function parseIp(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

export function formatIp(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Parses "a.b.c.d/n"; null when malformed. The base is masked (AWS stores canonical CIDRs). */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  if (slash === -1) return null;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (ip === null || !/^\d{1,2}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > 32) return null;
  return { base: (ip & mask(prefix)) >>> 0, prefix };
}

/** True when the text names the network exactly (no host bits set). */
export function isCanonicalCidr(text: string): boolean {
  const c = parseCidr(text);
  return c !== null && formatCidr(c) === text;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.base;
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.base);
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return cidrWithin(a, b) || cidrWithin(b, a);
}

/** Addresses AWS keeps in every subnet: network, router, DNS, future use, broadcast. */
export const RESERVED_PER_SUBNET = 5;

/** The usable host range of a subnet: first four and last reserved. */
export function usableRange(c: Cidr): { first: number; last: number } {
  return { first: c.base + 4, last: c.base + cidrSize(c) - 2 };
}

export function isUsable(c: Cidr, ip: number): boolean {
  const { first, last } = usableRange(c);
  return ip >= first && ip <= last;
}

/** The lowest free usable address of a subnet, or null when it is full. */
export function nextFreeAddress(c: Cidr, taken: ReadonlySet<number>): number | null {
  const { first, last } = usableRange(c);
  for (let ip = first; ip <= last; ip++) if (!taken.has(ip)) return ip;
  return null;
}

export function availableCount(c: Cidr, takenInSubnet: number): number {
  return Math.max(0, cidrSize(c) - RESERVED_PER_SUBNET - takenInSubnet);
}

/** Highest VPC number the loopback block holds (127.k.0.0/16, k = 1..199; 127.200/16 is the EIP pool). */
export const MAX_VPC_NUMBER = 199;

/**
 * The loopback address that serves private address `ip` of VPC number `k`:
 * a.b.c.d → 127.k.c.d. A VPC is at most a /16, so the last two octets identify a host.
 */
export function loopbackFor(k: number, ip: number): string {
  if (!Number.isInteger(k) || k < 1 || k > MAX_VPC_NUMBER) throw new RangeError(`VPC number ${k} out of range`);
  return `127.${k}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** The inverse of loopbackFor for one VPC: which private address a loopback address stands for. */
export function privateFor(vpcCidr: Cidr, loopback: string): { k: number; ip: number } | null {
  const n = parseIp(loopback);
  if (n === null || n >>> 24 !== 127) return null;
  const k = (n >>> 16) & 255;
  if (k < 1 || k > MAX_VPC_NUMBER) return null;
  const ip = ((vpcCidr.base & 0xffff0000) | (n & 0xffff)) >>> 0;
  return cidrContains(vpcCidr, ip) ? { k, ip } : null;
}

/** Parses an IPv6 CIDR loosely (for security-group rules); null when malformed. */
export function isIpv6Cidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash === -1) return false;
  const prefix = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > 128) return false;
  const addr = text.slice(0, slash);
  if (!/^[0-9a-fA-F:]+$/.test(addr) || !addr.includes(':')) return false;
  const doubles = addr.split('::').length - 1;
  if (doubles > 1) return false;
  const groups = addr.split(':').filter((g) => g !== '');
  if (groups.some((g) => g.length > 4)) return false;
  return doubles === 1 ? groups.length < 8 : groups.length === 8;
}
