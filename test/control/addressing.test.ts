// The loopback driver's address arithmetic (DESIGN.md §3): CIDRs, the reserved
// addresses of a subnet, and the private → loopback mapping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseCidr,
  formatCidr,
  isCanonicalCidr,
  cidrWithin,
  cidrOverlaps,
  nextFreeAddress,
  availableCount,
  loopbackFor,
  privateFor,
  parseIp,
  formatIp,
  isIpv6Cidr,
} from '../../src/network/addressing.js';

test('CIDRs are parsed, masked to canonical form and compared', () => {
  assert.equal(formatCidr(parseCidr('100.68.0.18/18')!), '100.68.0.0/18');
  assert.equal(isCanonicalCidr('10.0.0.0/16'), true);
  assert.equal(isCanonicalCidr('10.0.0.1/16'), false);
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '256.0.0.0/8', '10.0.0/8', 'a.b.c.d/8']) assert.equal(parseCidr(bad), null, bad);
  assert.equal(cidrWithin(parseCidr('10.0.1.0/24')!, parseCidr('10.0.0.0/16')!), true);
  assert.equal(cidrWithin(parseCidr('10.1.1.0/24')!, parseCidr('10.0.0.0/16')!), false);
  assert.equal(cidrOverlaps(parseCidr('10.0.1.0/24')!, parseCidr('10.0.1.128/25')!), true);
  assert.equal(cidrOverlaps(parseCidr('10.0.1.0/24')!, parseCidr('10.0.2.0/24')!), false);
  assert.equal(isIpv6Cidr('::/0'), true);
  assert.equal(isIpv6Cidr('2001:db8::/32'), true);
  assert.equal(isIpv6Cidr('2001:db8::1::/32'), false);
});

test('a subnet hands out addresses after its first four and never its last', () => {
  const c = parseCidr('10.0.1.0/24')!;
  assert.equal(formatIp(nextFreeAddress(c, new Set())!), '10.0.1.4');
  const taken = new Set<number>();
  for (let i = 4; i <= 253; i++) taken.add(parseIp(`10.0.1.${i}`)!);
  assert.equal(formatIp(nextFreeAddress(c, taken)!), '10.0.1.254');
  taken.add(parseIp('10.0.1.254')!);
  assert.equal(nextFreeAddress(c, taken), null, '10.0.1.255 is the broadcast address');
  assert.equal(availableCount(c, 0), 251);
  assert.equal(availableCount(parseCidr('172.31.0.0/20')!, 0), 4091);
});

test('private a.b.c.d in VPC k is served on 127.k.c.d, and maps back', () => {
  assert.equal(loopbackFor(2, parseIp('10.0.1.230')!), '127.2.1.230');
  assert.deepEqual(privateFor(parseCidr('10.0.0.0/16')!, '127.2.1.230'), { k: 2, ip: parseIp('10.0.1.230') });
  assert.equal(privateFor(parseCidr('10.0.0.0/16')!, '127.0.0.1'), null, 'the host is outside every VPC');
  assert.throws(() => loopbackFor(200, 1), RangeError, '127.200/16 is the Elastic IP pool');
});
