// Contract tests of the security-group policy (src/network/policy.ts): one table of
// flows over the fixture network, each with the expected decision and either the
// rule that allows it or the code of the missing piece. Any network driver must give
// the same answers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './fixture.js';
import {
  PolicyIndex,
  checkIngress,
  evaluateFlow,
  ipv6CidrContains,
  parseIpv6,
  resolveAddress,
  Endpoint,
} from '../../src/network/policy.js';

const index = new PolicyIndex(fixture());
const eni = (id: string): Endpoint => ({ kind: 'eni', eni: index.eniById.get(id)! });
const ext = (address: string): Endpoint => ({ kind: 'external', address });

interface Case {
  name: string;
  src: Endpoint;
  dst: string;
  port: number;
  allowed: boolean;
  /** Substring of the matched inbound rule's text (allowed), or the deny code. */
  expect: string;
}

const flows: Case[] = [
  { name: 'a group reference admits the members of the referenced group', src: eni('eni-nat'), dst: 'eni-node', port: 11211, allowed: true, expect: 'tcp 11211 from sg-nat (nat)' },
  { name: 'a known source on a port no rule opens: the port is missing', src: eni('eni-nat'), dst: 'eni-node', port: 6379, allowed: false, expect: 'no-rule-for-port' },
  { name: 'egress narrowed to tcp 6379 into the private subnet still lets 6379 out', src: eni('eni-app'), dst: 'eni-node', port: 6379, allowed: true, expect: 'tcp 6379 from sg-app (app)' },
  { name: 'a flow from inside a VPC needs an egress rule of the source', src: eni('eni-app'), dst: 'eni-node', port: 11211, allowed: false, expect: 'egress-denied' },
  { name: 'a member of an unreferenced group: the group is not referenced', src: eni('eni-other'), dst: 'eni-node', port: 6379, allowed: false, expect: 'group-not-referenced' },
  { name: 'the host is outside every VPC and a node has no public address', src: ext('127.0.0.1'), dst: 'eni-node', port: 11211, allowed: false, expect: 'no-public-address' },
  { name: 'a 0.0.0.0/0 rule does not expose a node to the outside', src: ext('127.0.0.1'), dst: 'eni-open', port: 6379, allowed: false, expect: 'no-public-address' },
  { name: 'an unmapped loopback address is outside too', src: ext('127.66.0.1'), dst: 'eni-open', port: 6379, allowed: false, expect: 'no-public-address' },
  { name: 'protocol -1 from 0.0.0.0/0 admits every port from inside the VPC', src: eni('eni-other'), dst: 'eni-open', port: 12345, allowed: true, expect: 'all traffic from 0.0.0.0/0' },
  { name: 'across an active peering, a rule naming the peer group admits its members', src: eni('eni-peer'), dst: 'eni-node', port: 6379, allowed: true, expect: 'from sg-peer (peer-app)' },
  { name: 'a pending peering carries nothing', src: eni('eni-c'), dst: 'eni-node', port: 6379, allowed: false, expect: 'peering-not-active' },
  { name: 'a deleted peering leaves the VPCs unrouted', src: eni('eni-d'), dst: 'eni-node', port: 6379, allowed: false, expect: 'not-routed' },
  { name: 'a group with no inbound rules admits nothing', src: eni('eni-other'), dst: 'eni-empty', port: 6379, allowed: false, expect: 'no-inbound-rules' },
  { name: 'a protocol-50 rule and a udp rule do not admit tcp', src: eni('eni-other'), dst: 'eni-proto', port: 6379, allowed: false, expect: 'no-rule-for-port' },
  { name: 'a prefix-list rule admits nothing (Cove has no prefix lists)', src: eni('eni-other'), dst: 'eni-pl', port: 6379, allowed: false, expect: 'source-not-in-cidr' },
  { name: 'the default group admits its own members on every port', src: eni('eni-def1'), dst: 'eni-def2', port: 5000, allowed: true, expect: 'all traffic from sg-default (default)' },
  { name: 'the default group does not admit members of other groups', src: eni('eni-other'), dst: 'eni-def2', port: 5000, allowed: false, expect: 'group-not-referenced' },
];

for (const c of flows) {
  test(`flow: ${c.name}`, () => {
    const v = evaluateFlow(index, c.src, index.eniById.get(c.dst)!, c.port);
    assert.equal(v.allowed, c.allowed, v.reason);
    if (c.allowed) {
      assert.ok(v.rule!.text.includes(c.expect), `${v.rule!.text} should contain ${c.expect}`);
      assert.equal(v.code, undefined);
    } else {
      assert.equal(v.code, c.expect, v.reason);
      assert.equal(v.rule, undefined);
    }
  });
}

interface IngressCase {
  name: string;
  dst: string;
  src: Endpoint;
  port: number;
  protocol?: number;
  allowed: boolean;
  expect: string;
}

// Inbound rules alone, as the NAT gateway applies them to outside clients.
const ingress: IngressCase[] = [
  { name: "the trusted client's /32 may use the forwarded ports", dst: 'eni-nat', src: ext('127.55.0.1'), port: 11212, allowed: true, expect: 'tcp 11211-11213 from 127.55.0.1/32' },
  { name: 'another address is outside the /32', dst: 'eni-nat', src: ext('127.66.0.1'), port: 11212, allowed: false, expect: 'source-not-in-cidr' },
  { name: 'the trusted client on a port the group does not open', dst: 'eni-nat', src: ext('127.55.0.1'), port: 8080, allowed: false, expect: 'no-rule-for-port' },
  { name: 'an IPv6 source inside an IPv6 CIDR', dst: 'eni-v6', src: ext('2001:db8::7'), port: 6379, allowed: true, expect: 'from 2001:db8::/32' },
  { name: '::/0 admits any IPv6 source on its port', dst: 'eni-v6', src: ext('2001:db9::7'), port: 11211, allowed: true, expect: 'from ::/0' },
  { name: 'an IPv6 source outside the CIDR of the port', dst: 'eni-v6', src: ext('2001:db9::7'), port: 6379, allowed: false, expect: 'no-rule-for-port' },
  { name: 'an IPv4 source never matches IPv6 CIDRs', dst: 'eni-v6', src: ext('198.51.100.1'), port: 6379, allowed: false, expect: 'source-not-in-cidr' },
  { name: 'a protocol number other than tcp/udp/icmp opens every port of that protocol', dst: 'eni-proto', src: ext('198.51.100.1'), port: 1, protocol: 50, allowed: true, expect: 'protocol 50' },
  { name: 'a udp rule admits udp on its port', dst: 'eni-proto', src: ext('198.51.100.1'), port: 6379, protocol: 17, allowed: true, expect: 'udp 6379' },
  { name: 'a rule naming a group across a pending peering admits nothing', dst: 'eni-node', src: eni('eni-c'), port: 6379, allowed: false, expect: 'peering-not-active' },
];

for (const c of ingress) {
  test(`inbound: ${c.name}`, () => {
    const v = checkIngress(index, index.eniById.get(c.dst)!, c.src, c.port, c.protocol);
    assert.equal(v.allowed, c.allowed, v.reason);
    if (c.allowed) assert.ok(v.rule!.text.includes(c.expect), `${v.rule!.text} should contain ${c.expect}`);
    else assert.equal(v.code, c.expect, v.reason);
  });
}

test('an allowed flow from inside a VPC names both the egress and the inbound rule', () => {
  const v = evaluateFlow(index, eni('eni-app'), index.eniById.get('eni-node')!, 6379);
  assert.ok(v.egressRule!.text.startsWith('sg-app (app) outbound'));
  assert.ok(v.egressRule!.text.endsWith('tcp 6379 to 10.0.1.0/24'));
  assert.ok(v.rule!.text.startsWith('sg-cache (cache) inbound sgr-'));
  assert.match(v.reason, /^allowed by sg-cache/);
});

test('a denied reason names the groups and the port', () => {
  const v = evaluateFlow(index, eni('eni-other'), index.eniById.get('eni-node')!, 6379);
  assert.match(v.reason, /sg-cache \(cache\)/);
  assert.match(v.reason, /tcp 6379/);
  assert.match(v.reason, /sg-other \(other\)/);
});

test('a source address maps back to its interface; the host and unmapped addresses are outside', () => {
  assert.deepEqual(resolveAddress(index, '127.2.1.230'), { kind: 'eni', eni: index.eniById.get('eni-node') });
  assert.deepEqual(resolveAddress(index, '::ffff:127.2.0.55'), { kind: 'eni', eni: index.eniById.get('eni-nat') });
  assert.deepEqual(resolveAddress(index, '127.2.9.9'), { kind: 'external', address: '127.2.9.9' });
  assert.deepEqual(resolveAddress(index, '127.0.0.1'), { kind: 'external', address: '127.0.0.1' });
  assert.deepEqual(resolveAddress(index, '127.200.0.1'), { kind: 'external', address: '127.200.0.1' }, 'the Elastic IP pool is no VPC');
});

test('IPv6 addresses and CIDRs', () => {
  assert.equal(parseIpv6('::1'), 1n);
  assert.equal(parseIpv6('2001:db8::1'), (0x20010db8n << 96n) | 1n);
  assert.equal(parseIpv6('::ffff:1.2.3.4'), (0xffffn << 32n) | 0x01020304n);
  assert.equal(parseIpv6('1::2::3'), null);
  assert.equal(parseIpv6('12345::'), null);
  assert.equal(parseIpv6('1:2:3:4:5:6:7:8:9'), null);
  assert.ok(ipv6CidrContains('2001:db8::/32', '2001:db8:ffff::1'));
  assert.ok(!ipv6CidrContains('2001:db8::/32', '2001:db9::1'));
  assert.ok(ipv6CidrContains('::/0', '::1'));
  assert.ok(!ipv6CidrContains('::/0', '1.2.3.4'));
});
