// EC2 VPCs and subnets: CreateVpc DescribeVpcs DeleteVpc ModifyVpcAttribute
// DescribeVpcAttribute, CreateSubnet DescribeSubnets DeleteSubnet ModifySubnetAttribute.

import { ApiError } from '../errors.js';
import { bool, int, list, str, struct, Operation } from '../shapes.js';
import type { Cloud } from '../../control/cloud.js';
import type { Vpc, Subnet, SecurityGroup, Eni, Instance, Peering } from '../../control/model.js';
import { applyFilters } from '../../control/filters.js';
import { newId } from '../../control/ids.js';
import { availableCount, cidrOverlaps, cidrWithin, formatCidr, parseCidr } from '../../network/addressing.js';
import { arn, byIds, describeCommon, dryRun, page, tagSet, tagsFor, tagsOut, TagSpecificationIn } from './common.js';

const attrBool = struct({ value: bool() });

export const VpcShape = struct({
  vpcId: str(),
  ownerId: str(),
  state: str(),
  cidrBlock: str(),
  cidrBlockAssociationSet: list(struct({ cidrBlock: str(), associationId: str(), cidrBlockState: struct({ state: str() }) })),
  ipv6CidrBlockAssociationSet: list(struct({ ipv6CidrBlock: str(), associationId: str() })),
  dhcpOptionsId: str(),
  instanceTenancy: str(),
  isDefault: bool(),
  tagSet,
});

export const SubnetShape = struct({
  subnetId: str(),
  subnetArn: str(),
  state: str(),
  ownerId: str(),
  vpcId: str(),
  cidrBlock: str(),
  ipv6CidrBlockAssociationSet: list(struct({ ipv6CidrBlock: str() })),
  availableIpAddressCount: int(),
  availabilityZone: str(),
  availabilityZoneId: str(),
  defaultForAz: bool(),
  mapPublicIpOnLaunch: bool(),
  mapCustomerOwnedIpOnLaunch: bool(),
  assignIpv6AddressOnCreation: bool(),
  enableDns64: bool(),
  ipv6Native: bool(),
  privateDnsNameOptionsOnLaunch: struct({
    hostnameType: str(),
    enableResourceNameDnsARecord: bool(),
    enableResourceNameDnsAAAARecord: bool(),
  }),
  tagSet,
});

export function vpcOut(cloud: Cloud, v: Vpc) {
  return {
    vpcId: v.id,
    ownerId: v.account,
    state: 'available',
    cidrBlock: v.cidr,
    cidrBlockAssociationSet: [{ cidrBlock: v.cidr, associationId: `vpc-cidr-assoc-${v.id.slice(4)}`, cidrBlockState: { state: 'associated' } }],
    ipv6CidrBlockAssociationSet: [],
    dhcpOptionsId: 'default',
    instanceTenancy: 'default',
    isDefault: v.isDefault,
    tagSet: tagsOut(v.tags),
  };
}

export function subnetOut(cloud: Cloud, s: Subnet) {
  const c = parseCidr(s.cidr)!;
  return {
    subnetId: s.id,
    subnetArn: arn(cloud.region, s.account, `subnet/${s.id}`),
    state: 'available',
    ownerId: s.account,
    vpcId: s.vpcId,
    cidrBlock: s.cidr,
    ipv6CidrBlockAssociationSet: [],
    availableIpAddressCount: availableCount(c, cloud.takenIn(s.id).size),
    availabilityZone: s.az,
    availabilityZoneId: cloud.azId(s.az),
    defaultForAz: s.defaultForAz,
    mapPublicIpOnLaunch: s.mapPublicIpOnLaunch,
    mapCustomerOwnedIpOnLaunch: false,
    assignIpv6AddressOnCreation: false,
    enableDns64: false,
    ipv6Native: false,
    privateDnsNameOptionsOnLaunch: { hostnameType: 'ip-name', enableResourceNameDnsARecord: false, enableResourceNameDnsAAAARecord: false },
    tagSet: tagsOut(s.tags),
  };
}

function invalidCidr(cidr: string): ApiError {
  return new ApiError('InvalidParameterValue', `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
}

export function vpcOperations(cloud: Cloud): Operation[] {
  const { state } = cloud;
  return [
    {
      name: 'CreateVpc',
      input: struct({ CidrBlock: str(), TagSpecification: TagSpecificationIn, InstanceTenancy: str(), AmazonProvidedIpv6CidrBlock: bool(), DryRun: bool() }),
      output: struct({ vpc: VpcShape }),
      errors: ['InvalidVpc.Range', 'VpcLimitExceeded'],
      handler(ctx, input) {
        if (input.CidrBlock === undefined) throw new ApiError('MissingParameter', 'Either CidrBlock or Ipv4IpamPoolId must be specified');
        const c = parseCidr(input.CidrBlock);
        if (!c) throw invalidCidr(input.CidrBlock);
        if (c.prefix < 16 || c.prefix > 28) throw new ApiError('InvalidVpc.Range', `The CIDR '${input.CidrBlock}' is invalid.`);
        const tags = tagsFor(input.TagSpecification, 'vpc');
        dryRun(input);
        const vpc = cloud.createVpc(ctx.account, formatCidr(c), false, tags);
        cloud.networkChanged();
        return { vpc: vpcOut(cloud, vpc) };
      },
    },
    {
      name: 'DescribeVpcs',
      input: struct({ VpcId: list(str()), ...describeCommon }),
      output: struct({ vpcSet: list(VpcShape), nextToken: str() }),
      errors: ['InvalidVpcID.NotFound'],
      handler(ctx, input) {
        let vpcs = byIds(state.list<Vpc>('vpc', ctx.account), input.VpcId, (m) => vpcNotFound(m));
        vpcs = applyFilters(vpcs, input.Filter, {
          'vpc-id': (v) => v.id,
          cidr: (v) => v.cidr,
          'cidr-block-association.cidr-block': (v) => v.cidr,
          'cidr-block-association.state': () => 'associated',
          'is-default': (v) => v.isDefault,
          isDefault: (v) => v.isDefault,
          state: () => 'available',
          'owner-id': (v) => v.account,
          'dhcp-options-id': () => 'default',
        });
        const p = page(vpcs, input);
        return { vpcSet: p.items.map((v) => vpcOut(cloud, v)), nextToken: p.nextToken };
      },
    },
    {
      name: 'DeleteVpc',
      input: struct({ VpcId: str(), DryRun: bool() }, ['VpcId']),
      output: null,
      errors: ['InvalidVpcID.NotFound', 'DependencyViolation'],
      handler(ctx, input) {
        const vpc = cloud.vpc(ctx.account, input.VpcId);
        const dependent =
          state.list<Subnet>('subnet', ctx.account).some((s) => s.vpcId === vpc.id) ||
          state.list<SecurityGroup>('security-group', ctx.account).some((g) => g.vpcId === vpc.id && g.name !== 'default') ||
          state.list<Eni>('eni', null).some((e) => e.vpcId === vpc.id) ||
          state.list<Peering>('peering', null).some(
            (p) => (p.requesterVpcId === vpc.id || p.accepterVpcId === vpc.id) && p.status === 'active',
          );
        if (dependent) throw new ApiError('DependencyViolation', `The vpc '${vpc.id}' has dependencies and cannot be deleted.`);
        dryRun(input);
        state.tx(() => {
          for (const g of state.list<SecurityGroup>('security-group', ctx.account)) {
            if (g.vpcId === vpc.id) state.remove('security-group', ctx.account, g.id);
          }
          state.remove('vpc', ctx.account, vpc.id);
        });
        cloud.networkChanged();
        return undefined;
      },
    },
    {
      name: 'ModifyVpcAttribute',
      input: struct(
        { VpcId: str(), EnableDnsSupport: struct({ Value: bool() }), EnableDnsHostnames: struct({ Value: bool() }), EnableNetworkAddressUsageMetrics: struct({ Value: bool() }) },
        ['VpcId'],
      ),
      output: null,
      errors: ['InvalidVpcID.NotFound'],
      handler(ctx, input) {
        const vpc = cloud.vpc(ctx.account, input.VpcId);
        if (input.EnableDnsSupport?.Value !== undefined) vpc.enableDnsSupport = input.EnableDnsSupport.Value;
        if (input.EnableDnsHostnames?.Value !== undefined) vpc.enableDnsHostnames = input.EnableDnsHostnames.Value;
        state.put('vpc', vpc);
        return undefined;
      },
    },
    {
      name: 'DescribeVpcAttribute',
      input: struct({ VpcId: str(), Attribute: str({ enum: ['enableDnsSupport', 'enableDnsHostnames', 'enableNetworkAddressUsageMetrics'] }) }, ['VpcId', 'Attribute']),
      output: struct({ vpcId: str(), enableDnsSupport: attrBool, enableDnsHostnames: attrBool, enableNetworkAddressUsageMetrics: attrBool }),
      errors: ['InvalidVpcID.NotFound'],
      handler(ctx, input) {
        const vpc = cloud.vpc(ctx.account, input.VpcId);
        const value =
          input.Attribute === 'enableDnsSupport' ? vpc.enableDnsSupport : input.Attribute === 'enableDnsHostnames' ? vpc.enableDnsHostnames : false;
        return { vpcId: vpc.id, [input.Attribute]: { value } };
      },
    },
    {
      name: 'CreateSubnet',
      input: struct(
        { VpcId: str(), CidrBlock: str(), AvailabilityZone: str(), AvailabilityZoneId: str(), TagSpecification: TagSpecificationIn, DryRun: bool() },
        ['VpcId'],
      ),
      output: struct({ subnet: SubnetShape }),
      errors: ['InvalidVpcID.NotFound', 'InvalidSubnet.Range', 'InvalidSubnet.Conflict'],
      handler(ctx, input) {
        const vpc = cloud.vpc(ctx.account, input.VpcId);
        if (input.CidrBlock === undefined) throw new ApiError('MissingParameter', 'The request must contain the parameter cidrBlock');
        const c = parseCidr(input.CidrBlock);
        if (!c) throw invalidCidr(input.CidrBlock);
        if (c.prefix < 16 || c.prefix > 28 || !cidrWithin(c, parseCidr(vpc.cidr)!)) {
          throw new ApiError('InvalidSubnet.Range', `The CIDR '${input.CidrBlock}' is invalid.`);
        }
        const siblings = state.list<Subnet>('subnet', ctx.account).filter((s) => s.vpcId === vpc.id);
        if (siblings.some((s) => cidrOverlaps(parseCidr(s.cidr)!, c))) {
          throw new ApiError('InvalidSubnet.Conflict', `The CIDR '${input.CidrBlock}' conflicts with another subnet`);
        }
        let az = input.AvailabilityZone;
        if (az === undefined && input.AvailabilityZoneId !== undefined) az = cloud.azs.find((z) => cloud.azId(z) === input.AvailabilityZoneId);
        if (az === undefined && input.AvailabilityZoneId === undefined) az = cloud.azs[siblings.length % cloud.azs.length];
        if (az === undefined || !cloud.azs.includes(az)) {
          throw new ApiError(
            'InvalidParameterValue',
            `Value (${input.AvailabilityZone ?? input.AvailabilityZoneId}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${cloud.azs.join(', ')}.`,
          );
        }
        const tags = tagsFor(input.TagSpecification, 'subnet');
        dryRun(input);
        const subnet = state.put<Subnet>('subnet', {
          id: newId('subnet'),
          account: ctx.account,
          tags,
          created: cloud.now(),
          vpcId: vpc.id,
          cidr: formatCidr(c),
          az,
          defaultForAz: false,
          mapPublicIpOnLaunch: false,
        });
        return { subnet: subnetOut(cloud, subnet) };
      },
    },
    {
      name: 'DescribeSubnets',
      input: struct({ SubnetId: list(str()), ...describeCommon }),
      output: struct({ subnetSet: list(SubnetShape), nextToken: str() }),
      errors: ['InvalidSubnetID.NotFound'],
      handler(ctx, input) {
        let subnets = byIds(state.list<Subnet>('subnet', ctx.account), input.SubnetId, (m) =>
          new ApiError('InvalidSubnetID.NotFound', m.length === 1 ? `The subnet ID '${m[0]}' does not exist` : `The subnet IDs '${m.join(', ')}' do not exist`),
        );
        subnets = applyFilters(subnets, input.Filter, {
          'subnet-id': (s) => s.id,
          'vpc-id': (s) => s.vpcId,
          vpcId: (s) => s.vpcId,
          'availability-zone': (s) => s.az,
          availabilityZone: (s) => s.az,
          'availability-zone-id': (s) => cloud.azId(s.az),
          'cidr-block': (s) => s.cidr,
          cidr: (s) => s.cidr,
          cidrBlock: (s) => s.cidr,
          'default-for-az': (s) => s.defaultForAz,
          defaultForAz: (s) => s.defaultForAz,
          state: () => 'available',
          'owner-id': (s) => s.account,
          'map-public-ip-on-launch': (s) => s.mapPublicIpOnLaunch,
          'subnet-arn': (s) => arn(cloud.region, s.account, `subnet/${s.id}`),
        });
        const p = page(subnets, input);
        return { subnetSet: p.items.map((s) => subnetOut(cloud, s)), nextToken: p.nextToken };
      },
    },
    {
      name: 'DeleteSubnet',
      input: struct({ SubnetId: str(), DryRun: bool() }, ['SubnetId']),
      output: null,
      errors: ['InvalidSubnetID.NotFound', 'DependencyViolation'],
      handler(ctx, input) {
        const subnet = cloud.subnet(ctx.account, input.SubnetId);
        const inUse =
          state.list<Eni>('eni', null).some((e) => e.subnetId === subnet.id) ||
          state.list<Instance>('instance', ctx.account).some((i) => i.subnetId === subnet.id && i.state !== 'terminated');
        if (inUse) throw new ApiError('DependencyViolation', `The subnet '${subnet.id}' has dependencies and cannot be deleted.`);
        dryRun(input);
        state.remove('subnet', ctx.account, subnet.id);
        return undefined;
      },
    },
    {
      name: 'ModifySubnetAttribute',
      input: struct({ SubnetId: str(), MapPublicIpOnLaunch: struct({ Value: bool() }) }, ['SubnetId']),
      output: null,
      errors: ['InvalidSubnetID.NotFound'],
      handler(ctx, input) {
        const subnet = cloud.subnet(ctx.account, input.SubnetId);
        if (input.MapPublicIpOnLaunch?.Value !== undefined) subnet.mapPublicIpOnLaunch = input.MapPublicIpOnLaunch.Value;
        state.put('subnet', subnet);
        return undefined;
      },
    },
  ];
}

export function vpcNotFound(missing: string[]): ApiError {
  return new ApiError(
    'InvalidVpcID.NotFound',
    missing.length === 1 ? `The vpc ID '${missing[0]}' does not exist` : `The vpc IDs '${missing.join(', ')}' do not exist`,
  );
}
