// A hand-built network view for the policy contract tests: three VPCs (A peered with
// B, a pending peering with C, D alone), the guide's groups (cache nodes admitting
// the NAT group, a NAT group admitting one trusted /32), an application group with
// a narrowed egress, and groups for the edge cases (all traffic, IPv6, odd protocols,
// prefix lists, the default group referencing itself).

import type { SgRule } from '../../src/control/model.js';
import type { NetworkView, ViewEni, ViewGroup } from '../../src/network/view.js';
import { emptyView } from '../../src/network/view.js';

let ruleSeq = 0;
const rid = () => `sgr-${String(++ruleSeq).padStart(17, '0')}`;

export function tcp(from: number, to: number, peer: Partial<SgRule>, egress = false): SgRule {
  return { ruleId: rid(), egress, protocol: 'tcp', fromPort: from, toPort: to, ...peer };
}
export function all(peer: Partial<SgRule>, egress = false): SgRule {
  return { ruleId: rid(), egress, protocol: '-1', ...peer };
}
const egressAll = () => all({ cidrIpv4: '0.0.0.0/0' }, true);

function group(id: string, vpcId: string, name: string, rules: SgRule[]): ViewGroup {
  return { id, account: '000000000000', vpcId, name, rules };
}

const K: Record<string, number> = { 'vpc-a': 2, 'vpc-b': 3, 'vpc-c': 4, 'vpc-d': 5 };

function eni(id: string, vpcId: string, ip: string, groupIds: string[], extra: Partial<ViewEni> = {}): ViewEni {
  const [, , c, d] = ip.split('.');
  return {
    id,
    account: '000000000000',
    vpcId,
    subnetId: `subnet-${vpcId}`,
    privateIp: ip,
    address: `127.${K[vpcId]}.${c}.${d}`,
    groupIds,
    sourceDestCheck: true,
    kind: 'instance',
    ...extra,
  };
}

export function fixture(): NetworkView {
  const v = emptyView();
  v.version = 1;
  v.vpcs = [
    { id: 'vpc-a', account: '000000000000', cidr: '10.0.0.0/16', k: 2 },
    { id: 'vpc-b', account: '000000000000', cidr: '10.1.0.0/16', k: 3 },
    { id: 'vpc-c', account: '000000000000', cidr: '10.2.0.0/16', k: 4 },
    { id: 'vpc-d', account: '000000000000', cidr: '10.3.0.0/16', k: 5 },
  ];
  v.peerings = [
    { id: 'pcx-ab', requesterVpcId: 'vpc-a', accepterVpcId: 'vpc-b', status: 'active' },
    { id: 'pcx-ac', requesterVpcId: 'vpc-a', accepterVpcId: 'vpc-c', status: 'pending-acceptance' },
    { id: 'pcx-ad', requesterVpcId: 'vpc-a', accepterVpcId: 'vpc-d', status: 'deleted' },
  ];
  v.groups = [
    group('sg-cache', 'vpc-a', 'cache', [
      tcp(11211, 11211, { groupId: 'sg-nat' }),
      tcp(6379, 6379, { groupId: 'sg-app' }),
      tcp(6379, 6379, { groupId: 'sg-peer' }),
      tcp(6379, 6379, { groupId: 'sg-c' }),
      egressAll(),
    ]),
    group('sg-nat', 'vpc-a', 'nat', [tcp(11211, 11213, { cidrIpv4: '127.55.0.1/32' }), tcp(6379, 6381, { cidrIpv4: '127.55.0.1/32' }), tcp(22, 22, { cidrIpv4: '127.55.0.1/32' }), egressAll()]),
    // The application group lost its default egress: only tcp 6379 into the private subnet may leave.
    group('sg-app', 'vpc-a', 'app', [tcp(6379, 6379, { cidrIpv4: '10.0.1.0/24' }, true)]),
    group('sg-other', 'vpc-a', 'other', [egressAll()]),
    group('sg-open', 'vpc-a', 'open', [all({ cidrIpv4: '0.0.0.0/0' }), egressAll()]),
    group('sg-v6', 'vpc-a', 'v6', [tcp(6379, 6379, { cidrIpv6: '2001:db8::/32' }), tcp(11211, 11211, { cidrIpv6: '::/0' })]),
    group('sg-proto', 'vpc-a', 'proto', [
      { ruleId: rid(), egress: false, protocol: '50', fromPort: 6379, toPort: 6379, cidrIpv4: '0.0.0.0/0' },
      { ruleId: rid(), egress: false, protocol: 'udp', fromPort: 6379, toPort: 6379, cidrIpv4: '0.0.0.0/0' },
    ]),
    group('sg-pl', 'vpc-a', 'prefix', [tcp(6379, 6379, { prefixListId: 'pl-0123456789abcdef0' })]),
    group('sg-empty', 'vpc-a', 'empty', [egressAll()]),
    group('sg-default', 'vpc-a', 'default', [all({ groupId: 'sg-default' }), egressAll()]),
    group('sg-peer', 'vpc-b', 'peer-app', [egressAll()]),
    group('sg-c', 'vpc-c', 'c-app', [egressAll()]),
    group('sg-d', 'vpc-d', 'd-app', [egressAll()]),
  ];
  v.enis = [
    eni('eni-node', 'vpc-a', '10.0.1.230', ['sg-cache'], { kind: 'cache-node', clusterId: 'mc', nodeId: '0001' }),
    eni('eni-nat', 'vpc-a', '10.0.0.55', ['sg-nat'], { instanceId: 'i-nat', sourceDestCheck: false }),
    eni('eni-app', 'vpc-a', '10.0.2.10', ['sg-app'], { instanceId: 'i-app' }),
    eni('eni-other', 'vpc-a', '10.0.2.11', ['sg-other'], { instanceId: 'i-other' }),
    eni('eni-open', 'vpc-a', '10.0.1.240', ['sg-open'], { kind: 'cache-node', clusterId: 'open', nodeId: '0001' }),
    eni('eni-v6', 'vpc-a', '10.0.1.241', ['sg-v6'], { kind: 'cache-node', clusterId: 'v6', nodeId: '0001' }),
    eni('eni-proto', 'vpc-a', '10.0.1.242', ['sg-proto'], { kind: 'cache-node', clusterId: 'proto', nodeId: '0001' }),
    eni('eni-pl', 'vpc-a', '10.0.1.243', ['sg-pl'], { kind: 'cache-node', clusterId: 'pl', nodeId: '0001' }),
    eni('eni-empty', 'vpc-a', '10.0.1.244', ['sg-empty'], { kind: 'cache-node', clusterId: 'empty', nodeId: '0001' }),
    eni('eni-def1', 'vpc-a', '10.0.3.1', ['sg-default'], { instanceId: 'i-def1' }),
    eni('eni-def2', 'vpc-a', '10.0.3.2', ['sg-default'], { instanceId: 'i-def2' }),
    eni('eni-peer', 'vpc-b', '10.1.0.10', ['sg-peer'], { instanceId: 'i-peer' }),
    eni('eni-c', 'vpc-c', '10.2.0.10', ['sg-c'], { instanceId: 'i-c' }),
    eni('eni-d', 'vpc-d', '10.3.0.10', ['sg-d'], { instanceId: 'i-d' }),
  ];
  v.instances = [
    {
      id: 'i-nat',
      account: '000000000000',
      vpcId: 'vpc-a',
      subnetId: 'subnet-vpc-a',
      eniId: 'eni-nat',
      privateIp: '10.0.0.55',
      state: 'running',
      imageId: 'ami-0c0fe0000000000a7',
      nat: true,
      sourceDestCheck: false,
      tags: [],
      publicIp: '127.200.0.1',
      allocationId: 'eipalloc-1',
    },
  ];
  v.clusters = [
    { account: '000000000000', id: 'mc', engine: 'memcached', port: 11211, nodes: [{ nodeId: '0001', eniId: 'eni-node', privateIp: '10.0.1.230', address: '127.2.1.230', port: 11211, status: 'available' }] },
  ];
  return v;
}
