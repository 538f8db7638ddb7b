// The EC2 API through @aws-sdk/client-ec2 against an in-process control plane:
// VPCs, subnets, security groups and rules, tags, instances, ENIs, Elastic IPs,
// peering and the catalog. Parsed objects are asserted (the SDK drops mis-named
// list items silently, so a wrong element name shows up as a missing value).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  EC2Client,
  CreateVpcCommand,
  DescribeVpcsCommand,
  DeleteVpcCommand,
  CreateSubnetCommand,
  DescribeSubnetsCommand,
  DeleteSubnetCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DeleteSecurityGroupCommand,
  AuthorizeSecurityGroupIngressCommand,
  AuthorizeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  RevokeSecurityGroupEgressCommand,
  DescribeSecurityGroupRulesCommand,
  ModifySecurityGroupRulesCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeTagsCommand,
  RunInstancesCommand,
  DescribeInstancesCommand,
  TerminateInstancesCommand,
  ModifyInstanceAttributeCommand,
  DescribeInstanceAttributeCommand,
  AllocateAddressCommand,
  AssociateAddressCommand,
  DisassociateAddressCommand,
  ReleaseAddressCommand,
  DescribeAddressesCommand,
  CreateVpcPeeringConnectionCommand,
  AcceptVpcPeeringConnectionCommand,
  DescribeVpcPeeringConnectionsCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeNetworkInterfacesCommand,
} from '@aws-sdk/client-ec2';
import { inProcess } from '../control/harness.js';

let cove: Awaited<ReturnType<typeof inProcess>>;
let ec2: EC2Client;

before(async () => {
  cove = await inProcess();
  ec2 = new EC2Client({ endpoint: cove.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 's' }, maxAttempts: 1 });
});

after(async () => {
  ec2.destroy();
  await cove.close();
});

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: any) => {
    assert.equal(e.name, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

async function newVpc(cidr: string): Promise<string> {
  const r = await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }));
  return r.Vpc!.VpcId!;
}

test('a new account has a default VPC with a default subnet in each of three AZs', async () => {
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
  assert.equal(vpcs.Vpcs!.length, 1);
  const vpc = vpcs.Vpcs![0];
  assert.equal(vpc.CidrBlock, '172.31.0.0/16');
  assert.equal(vpc.IsDefault, true);
  assert.equal(vpc.OwnerId, '000000000000');
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] }));
  assert.deepEqual(subnets.Subnets!.map((s) => s.AvailabilityZone).sort(), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
  assert.ok(subnets.Subnets!.every((s) => s.DefaultForAz === true && s.AvailableIpAddressCount === 4091));
  const azs = await ec2.send(new DescribeAvailabilityZonesCommand({}));
  assert.deepEqual(azs.AvailabilityZones!.map((z) => [z.ZoneName, z.State, z.RegionName]), [
    ['us-east-1a', 'available', 'us-east-1'],
    ['us-east-1b', 'available', 'us-east-1'],
    ['us-east-1c', 'available', 'us-east-1'],
  ]);
});

test('VPC and subnet lifecycle with tags, filters and AWS errors', async () => {
  const created = await ec2.send(
    new CreateVpcCommand({ CidrBlock: '10.20.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'v1' }] }] }),
  );
  const vpcId = created.Vpc!.VpcId!;
  assert.match(vpcId, /^vpc-[0-9a-f]{17}$/);
  assert.deepEqual(created.Vpc!.Tags, [{ Key: 'Name', Value: 'v1' }]);
  const byTag = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['v*'] }] }));
  assert.deepEqual(byTag.Vpcs!.map((v) => v.VpcId), [vpcId]);

  await rejects(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/8' })), 'InvalidVpc.Range', /The CIDR '10.0.0.0\/8' is invalid/);
  await rejects(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/33' })), 'InvalidParameterValue');

  const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.1.0/24', AvailabilityZone: 'us-east-1b' }));
  assert.equal(subnet.Subnet!.AvailableIpAddressCount, 251);
  assert.equal(subnet.Subnet!.AvailabilityZone, 'us-east-1b');
  await rejects(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.1.128/25' })), 'InvalidSubnet.Conflict');
  await rejects(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.99.0.0/24' })), 'InvalidSubnet.Range');
  await rejects(ec2.send(new CreateSubnetCommand({ VpcId: 'vpc-00000000000000000', CidrBlock: '10.20.2.0/24' })), 'InvalidVpcID.NotFound');

  // A VPC with a subnet has dependencies; its default security group does not count.
  await rejects(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation', /has dependencies and cannot be deleted/);
  await ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.Subnet!.SubnetId! }));
  await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
  await rejects(ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })), 'InvalidVpcID.NotFound', new RegExp(`The vpc ID '${vpcId}' does not exist`));
  const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
  assert.equal(groups.SecurityGroups!.length, 0, 'the default group goes with its VPC');
});

test('every VPC gets an undeletable default group; a new group has no inbound and one outbound rule', async () => {
  const vpcId = await newVpc('10.30.0.0/16');
  const [def] = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: ['default'] }] })))
    .SecurityGroups!;
  assert.equal(def.GroupName, 'default');
  assert.deepEqual(def.IpPermissions, [
    { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: def.GroupId, UserId: '000000000000' }], IpRanges: [], Ipv6Ranges: [], PrefixListIds: [] },
  ]);
  assert.deepEqual(def.IpPermissionsEgress, [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], UserIdGroupPairs: [], Ipv6Ranges: [], PrefixListIds: [] }]);
  await rejects(ec2.send(new DeleteSecurityGroupCommand({ GroupId: def.GroupId })), 'CannotDelete');

  const sg = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: 'cache', Description: 'cache sg', VpcId: vpcId, TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'Name', Value: 'c' }] }] }),
  );
  assert.match(sg.GroupId!, /^sg-/);
  assert.deepEqual(sg.Tags, [{ Key: 'Name', Value: 'c' }]);
  const [g] = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [sg.GroupId!] }))).SecurityGroups!;
  assert.equal(g.Description, 'cache sg');
  assert.equal(g.VpcId, vpcId);
  assert.deepEqual(g.IpPermissions, []);
  assert.equal(g.IpPermissionsEgress!.length, 1);
  await rejects(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'cache', Description: 'again', VpcId: vpcId })), 'InvalidGroup.Duplicate');
  await rejects(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-nope'] })), 'InvalidGroup.NotFound', /The security group 'sg-nope' does not exist/);
});

test('authorize and revoke: IpPermissions, legacy form, rule ids, duplicates and not-found', async () => {
  const vpcId = await newVpc('10.40.0.0/16');
  const app = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'app', VpcId: vpcId }))).GroupId!;
  const cache = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'cache', Description: 'cache', VpcId: vpcId }))).GroupId!;

  const auth = await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: cache,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 11211, ToPort: 11211, IpRanges: [{ CidrIp: '10.40.0.0/16', Description: 'vpc' }, { CidrIp: '192.168.7.9/24' }] },
        { IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ GroupId: app, Description: 'app' }] },
        { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
      ],
    }),
  );
  assert.equal(auth.Return, true);
  assert.equal(auth.SecurityGroupRules!.length, 4);
  assert.ok(auth.SecurityGroupRules!.every((r) => /^sgr-/.test(r.SecurityGroupRuleId!) && r.GroupId === cache && r.IsEgress === false));
  assert.equal(auth.SecurityGroupRules![1].CidrIpv4, '192.168.7.0/24', 'CIDRs are stored canonical');

  // The legacy top-level form.
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: cache, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '203.0.113.5/32' }));

  const [g] = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [cache] }))).SecurityGroups!;
  const byPort = Object.fromEntries(g.IpPermissions!.map((p) => [`${p.IpProtocol}:${p.FromPort ?? ''}`, p]));
  assert.deepEqual(byPort['tcp:11211'].IpRanges, [{ CidrIp: '10.40.0.0/16', Description: 'vpc' }, { CidrIp: '192.168.7.0/24' }]);
  assert.deepEqual(byPort['tcp:6379'].UserIdGroupPairs, [{ GroupId: app, UserId: '000000000000', Description: 'app' }]);
  assert.deepEqual(byPort['-1:'].Ipv6Ranges, [{ CidrIpv6: '::/0' }]);
  assert.deepEqual(byPort['tcp:22'].IpRanges, [{ CidrIp: '203.0.113.5/32' }]);

  await rejects(
    ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: cache, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.5/32' }] }] })),
    'InvalidPermission.Duplicate',
    /the specified rule "peer: 203.0.113.5\/32, TCP, from port: 22, to port: 22, ALLOW" already exists/,
  );
  await rejects(
    ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: cache, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 23, ToPort: 23, IpRanges: [{ CidrIp: '203.0.113.5/32' }] }] })),
    'InvalidPermission.NotFound',
  );

  const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [cache] }] }));
  const ssh = rules.SecurityGroupRules!.find((r) => r.FromPort === 22)!;
  assert.equal(ssh.IpProtocol, 'tcp');
  assert.equal(ssh.CidrIpv4, '203.0.113.5/32');
  const ref = rules.SecurityGroupRules!.find((r) => r.ReferencedGroupInfo)!;
  assert.equal(ref.ReferencedGroupInfo!.GroupId, app);
  const egress = rules.SecurityGroupRules!.filter((r) => r.IsEgress);
  assert.equal(egress.length, 1);

  // Modify a rule in place: the id stays.
  await ec2.send(
    new ModifySecurityGroupRulesCommand({
      GroupId: cache,
      SecurityGroupRules: [{ SecurityGroupRuleId: ssh.SecurityGroupRuleId, SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 2222, ToPort: 2222, CidrIpv4: '203.0.113.6/32' } }],
    }),
  );
  const [modified] = (await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [ssh.SecurityGroupRuleId!] }))).SecurityGroupRules!;
  assert.deepEqual([modified.FromPort, modified.CidrIpv4], [2222, '203.0.113.6/32']);

  // Revoke by id, and Terraform's way of removing the default egress rule.
  const revoked = await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: cache, SecurityGroupRuleIds: [ssh.SecurityGroupRuleId!] }));
  assert.equal(revoked.Return, true);
  await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: cache, IpPermissions: [{ IpProtocol: '-1', FromPort: 0, ToPort: 0, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
  await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: cache, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
  const [after] = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [cache] }))).SecurityGroups!;
  assert.deepEqual(after.IpPermissionsEgress!.map((p) => [p.IpProtocol, p.FromPort]), [['tcp', 443]]);
  assert.ok(!after.IpPermissions!.some((p) => p.FromPort === 2222));

  // A group referenced by another group's rule is in use.
  await rejects(ec2.send(new DeleteSecurityGroupCommand({ GroupId: app })), 'DependencyViolation', new RegExp(`resource ${app} has a dependent object`));
  await ec2.send(new DeleteSecurityGroupCommand({ GroupId: cache }));
  await ec2.send(new DeleteSecurityGroupCommand({ GroupId: app }));
});

test('instances: private address honoured, user data kept base64, source/dest check, ENI, terminate', async () => {
  const vpcId = await newVpc('10.50.0.0/16');
  const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.50.0.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
  const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'nat', Description: 'nat', VpcId: vpcId }))).GroupId!;
  const images = await ec2.send(new DescribeImagesCommand({}));
  assert.ok(images.Images!.length >= 2);
  const nat = images.Images!.find((i) => /nat/.test(i.Name!))!;
  assert.equal(nat.State, 'available');
  const userData = Buffer.from('#!/bin/sh\niptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE\n').toString('base64');
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: nat.ImageId,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnetId,
      SecurityGroupIds: [sg],
      PrivateIpAddress: '10.50.0.55',
      UserData: userData,
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'nat' }] }],
    }),
  );
  const inst = run.Instances![0];
  assert.equal(inst.PrivateIpAddress, '10.50.0.55');
  assert.equal(inst.State!.Name, 'pending');
  assert.deepEqual(inst.SecurityGroups, [{ GroupId: sg, GroupName: 'nat' }]);
  const id = inst.InstanceId!;

  await rejects(
    ec2.send(new RunInstancesCommand({ ImageId: nat.ImageId, MinCount: 1, MaxCount: 1, SubnetId: subnetId, PrivateIpAddress: '10.50.0.55' })),
    'InvalidIPAddress.InUse',
  );
  await rejects(
    ec2.send(new RunInstancesCommand({ ImageId: nat.ImageId, MinCount: 1, MaxCount: 1, SubnetId: subnetId, PrivateIpAddress: '10.50.0.2' })),
    'InvalidParameterValue',
    /does not fall within the subnet's address range/,
  );

  const described = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['nat'] }] }));
  const d = described.Reservations![0].Instances![0];
  assert.equal(d.InstanceId, id);
  assert.equal(d.State!.Name, 'running');
  assert.equal(d.SourceDestCheck, true);
  assert.equal(d.NetworkInterfaces![0].PrivateIpAddress, '10.50.0.55');

  const ud = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' }));
  assert.equal(ud.UserData!.Value, userData);
  await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, SourceDestCheck: { Value: false } }));
  const sdc = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'sourceDestCheck' }));
  assert.equal(sdc.SourceDestCheck!.Value, false);

  const enis = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [id] }] }));
  assert.equal(enis.NetworkInterfaces!.length, 1);
  assert.equal(enis.NetworkInterfaces![0].PrivateIpAddress, '10.50.0.55');
  assert.equal(enis.NetworkInterfaces![0].SourceDestCheck, false);
  assert.deepEqual(enis.NetworkInterfaces![0].Groups, [{ GroupId: sg, GroupName: 'nat' }]);

  // Elastic IP: allocate from the loopback pool, associate, describe, disassociate, release.
  const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
  assert.match(eip.PublicIp!, /^127\.200\.\d+\.\d+$/);
  assert.match(eip.AllocationId!, /^eipalloc-/);
  const assoc = await ec2.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: id }));
  assert.match(assoc.AssociationId!, /^eipassoc-/);
  const [addr] = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))).Addresses!;
  assert.deepEqual([addr.InstanceId, addr.PrivateIpAddress, addr.AssociationId], [id, '10.50.0.55', assoc.AssociationId]);
  const withIp = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0];
  assert.equal(withIp.PublicIpAddress, eip.PublicIp);
  await rejects(ec2.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId })), 'InvalidIPAddress.InUse');
  await ec2.send(new DisassociateAddressCommand({ AssociationId: assoc.AssociationId }));
  await ec2.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId }));
  await rejects(ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] })), 'InvalidAllocationID.NotFound');

  // The group is in use while the instance lives.
  await rejects(ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg })), 'DependencyViolation');
  const term = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  assert.deepEqual([term.TerminatingInstances![0].PreviousState!.Name, term.TerminatingInstances![0].CurrentState!.Name], ['running', 'terminated']);
  assert.equal((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: undefined, Filters: [{ Name: 'attachment.instance-id', Values: [id] }] }))).NetworkInterfaces!.length, 0);
  await ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg }));
  await rejects(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-00000000000000000'] })), 'InvalidInstanceID.NotFound');
});

test('tags: CreateTags, DescribeTags with filters, DeleteTags by key and value', async () => {
  const vpcId = await newVpc('10.60.0.0/16');
  await ec2.send(new CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'env', Value: 'dev' }, { Key: 'team', Value: 'cache' }] }));
  const tags = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [vpcId] }] }));
  assert.deepEqual(
    tags.Tags!.map((t) => [t.ResourceType, t.Key, t.Value]),
    [
      ['vpc', 'env', 'dev'],
      ['vpc', 'team', 'cache'],
    ],
  );
  await ec2.send(new DeleteTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'env', Value: 'prod' }] }));
  assert.equal((await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [vpcId] }] }))).Tags!.length, 2, 'value mismatch: kept');
  await ec2.send(new DeleteTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'env' }] }));
  const left = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [vpcId] }] }));
  assert.deepEqual(left.Tags!.map((t) => t.Key), ['team']);
  await rejects(ec2.send(new CreateTagsCommand({ Resources: ['bogus-123'], Tags: [{ Key: 'a', Value: 'b' }] })), 'InvalidID');
});

test('VPC peering: create, accept, describe, delete', async () => {
  const a = await newVpc('10.70.0.0/16');
  const b = await newVpc('10.71.0.0/16');
  const created = await ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: a, PeerVpcId: b }));
  const pcx = created.VpcPeeringConnection!;
  assert.match(pcx.VpcPeeringConnectionId!, /^pcx-/);
  assert.equal(pcx.RequesterVpcInfo!.VpcId, a);
  assert.equal(pcx.AccepterVpcInfo!.VpcId, b);
  const pending = await ec2.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [pcx.VpcPeeringConnectionId!] }));
  assert.equal(pending.VpcPeeringConnections![0].Status!.Code, 'pending-acceptance');
  const accepted = await ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx.VpcPeeringConnectionId }));
  assert.equal(accepted.VpcPeeringConnection!.Status!.Code, 'active');
  assert.equal(accepted.VpcPeeringConnection!.AccepterVpcInfo!.CidrBlock, '10.71.0.0/16');
  await rejects(ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx.VpcPeeringConnectionId })), 'InvalidStateTransition');

  // An active peering lets a rule name the peer VPC's group.
  const peerGroup = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'peer-app', Description: 'x', VpcId: b }))).GroupId!;
  const local = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'local', Description: 'x', VpcId: a }))).GroupId!;
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: local, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ GroupId: peerGroup }] }] }));
  const [g] = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [local] }))).SecurityGroups!;
  const pair = g.IpPermissions![0].UserIdGroupPairs![0];
  assert.deepEqual([pair.GroupId, pair.VpcId, pair.VpcPeeringConnectionId], [peerGroup, b, pcx.VpcPeeringConnectionId]);

  await ec2.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx.VpcPeeringConnectionId }));
  const gone = await ec2.send(new DescribeVpcPeeringConnectionsCommand({ Filters: [{ Name: 'status-code', Values: ['deleted'] }] }));
  assert.deepEqual(gone.VpcPeeringConnections!.map((p) => p.VpcPeeringConnectionId), [pcx.VpcPeeringConnectionId]);
});

test('an unknown filter name is an error, as on AWS', async () => {
  await rejects(ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })), 'InvalidParameterValue', /The filter 'no-such-filter' is invalid/);
});
