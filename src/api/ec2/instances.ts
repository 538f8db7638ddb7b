// EC2 instances and their network interfaces: RunInstances DescribeInstances
// TerminateInstances ModifyInstanceAttribute DescribeInstanceAttribute,
// DescribeNetworkInterfaces. An instance runs no code here; it is an identity on the
// network (a private address and groups on an ENI) that the NAT gateway and the
// security-group policy act on. UserData is kept as it arrives: base64.

import { ApiError } from '../errors.js';
import { bool, int, list, str, struct, ts, Operation } from '../shapes.js';
import type { Cloud } from '../../control/cloud.js';
import { IMAGES } from '../../control/cloud.js';
import type { Instance, Eni, Subnet, SecurityGroup, Address, InstanceStateName } from '../../control/model.js';
import { applyFilters } from '../../control/filters.js';
import { newId } from '../../control/ids.js';
import { formatIp, isUsable, nextFreeAddress, parseCidr, parseIp } from '../../network/addressing.js';
import { byIds, describeCommon, dryRun, page, tagSet, tagsFor, tagsOut, TagSpecificationIn } from './common.js';

const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** Raw user data limit (AWS: 16 KB before base64). */
const MAX_USER_DATA = 16 * 1024;

const stateShape = struct({ code: int(), name: str() });
const groupItem = struct({ groupId: str(), groupName: str() });
const value = (t = str()) => struct({ value: t });

export const NetworkInterfaceShape = struct({
  networkInterfaceId: str(),
  subnetId: str(),
  vpcId: str(),
  availabilityZone: str(),
  description: str(),
  ownerId: str(),
  requesterId: str(),
  requesterManaged: bool(),
  status: str(),
  macAddress: str(),
  privateIpAddress: str(),
  privateDnsName: str(),
  sourceDestCheck: bool(),
  groupSet: list(groupItem),
  attachment: struct({
    attachmentId: str(),
    instanceId: str(),
    instanceOwnerId: str(),
    deviceIndex: int(),
    status: str(),
    attachTime: ts(),
    deleteOnTermination: bool(),
  }),
  association: struct({ publicIp: str(), publicDnsName: str(), ipOwnerId: str(), allocationId: str(), associationId: str() }),
  tagSet,
  privateIpAddressesSet: list(
    struct({ privateIpAddress: str(), privateDnsName: str(), primary: bool(), association: struct({ publicIp: str(), ipOwnerId: str() }) }),
  ),
  ipv6AddressesSet: list(struct({ ipv6Address: str() })),
  interfaceType: str(),
});

const InstanceNetworkInterfaceShape = struct({
  networkInterfaceId: str(),
  subnetId: str(),
  vpcId: str(),
  description: str(),
  ownerId: str(),
  status: str(),
  macAddress: str(),
  privateIpAddress: str(),
  sourceDestCheck: bool(),
  groupSet: list(groupItem),
  attachment: struct({ attachmentId: str(), deviceIndex: int(), status: str(), attachTime: ts(), deleteOnTermination: bool() }),
  association: struct({ publicIp: str(), ipOwnerId: str() }),
  privateIpAddressesSet: list(struct({ privateIpAddress: str(), primary: bool(), association: struct({ publicIp: str(), ipOwnerId: str() }) })),
  interfaceType: str(),
});

export const InstanceShape = struct({
  instanceId: str(),
  imageId: str(),
  instanceState: stateShape,
  privateDnsName: str(),
  dnsName: str(),
  reason: str(),
  keyName: str(),
  amiLaunchIndex: int(),
  instanceType: str(),
  launchTime: ts(),
  placement: struct({ availabilityZone: str(), groupName: str(), tenancy: str() }),
  monitoring: struct({ state: str() }),
  subnetId: str(),
  vpcId: str(),
  privateIpAddress: str(),
  ipAddress: str(),
  sourceDestCheck: bool(),
  groupSet: list(groupItem),
  architecture: str(),
  rootDeviceType: str(),
  rootDeviceName: str(),
  blockDeviceMapping: list(struct({ deviceName: str() })),
  virtualizationType: str(),
  clientToken: str(),
  tagSet,
  hypervisor: str(),
  networkInterfaceSet: list(InstanceNetworkInterfaceShape),
  ebsOptimized: bool(),
  enaSupport: bool(),
  cpuOptions: struct({ coreCount: int(), threadsPerCore: int() }),
  metadataOptions: struct({ state: str(), httpTokens: str(), httpPutResponseHopLimit: int(), httpEndpoint: str() }),
  platformDetails: str(),
  usageOperation: str(),
  currentInstanceBootMode: str(),
});

const ReservationShape = struct({ reservationId: str(), ownerId: str(), groupSet: list(groupItem), instancesSet: list(InstanceShape) });

function groupItems(cloud: Cloud, account: string, ids: string[]) {
  return ids.map((id) => ({ groupId: id, groupName: cloud.state.get<SecurityGroup>('security-group', account, id)?.name }));
}

function addressOf(cloud: Cloud, eniId: string): Address | undefined {
  return cloud.state.list<Address>('address', null).find((a) => a.eniId === eniId);
}

export function instanceOut(cloud: Cloud, i: Instance, stateOverride?: InstanceStateName) {
  const eni = cloud.state.get<Eni>('eni', i.account, i.eniId);
  const eip = eni ? addressOf(cloud, eni.id) : undefined;
  const st = stateOverride ?? i.state;
  const live = st !== 'terminated';
  const privateDns = `ip-${i.privateIp.replace(/\./g, '-')}.ec2.internal`;
  return {
    instanceId: i.id,
    imageId: i.imageId,
    instanceState: { code: STATE_CODES[st], name: st },
    privateDnsName: live ? privateDns : '',
    dnsName: '',
    reason: st === 'terminated' ? 'User initiated' : '',
    keyName: i.keyName,
    amiLaunchIndex: i.amiLaunchIndex,
    instanceType: i.instanceType,
    launchTime: i.created,
    placement: { availabilityZone: i.az, groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: live ? i.subnetId : undefined,
    vpcId: live ? i.vpcId : undefined,
    privateIpAddress: live ? i.privateIp : undefined,
    ipAddress: eip?.publicIp,
    sourceDestCheck: i.sourceDestCheck,
    groupSet: live ? groupItems(cloud, i.account, i.groupIds) : [],
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    blockDeviceMapping: [],
    virtualizationType: 'hvm',
    clientToken: i.clientToken,
    tagSet: tagsOut(i.tags),
    hypervisor: 'xen',
    networkInterfaceSet:
      eni && live
        ? [
            {
              networkInterfaceId: eni.id,
              subnetId: eni.subnetId,
              vpcId: eni.vpcId,
              description: eni.description,
              ownerId: eni.account,
              status: 'in-use',
              macAddress: eni.macAddress,
              privateIpAddress: eni.privateIp,
              sourceDestCheck: i.sourceDestCheck,
              groupSet: groupItems(cloud, i.account, eni.groupIds),
              attachment: {
                attachmentId: eni.attachment?.attachmentId,
                deviceIndex: 0,
                status: 'attached',
                attachTime: eni.attachment?.attachTime,
                deleteOnTermination: true,
              },
              association: eip ? { publicIp: eip.publicIp, ipOwnerId: eip.account } : undefined,
              privateIpAddressesSet: [
                { privateIpAddress: eni.privateIp, primary: true, association: eip ? { publicIp: eip.publicIp, ipOwnerId: eip.account } : undefined },
              ],
              interfaceType: 'interface',
            },
          ]
        : [],
    ebsOptimized: false,
    enaSupport: true,
    cpuOptions: { coreCount: 1, threadsPerCore: 2 },
    metadataOptions: { state: 'applied', httpTokens: 'optional', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' },
    platformDetails: 'Linux/UNIX',
    usageOperation: 'RunInstances',
    currentInstanceBootMode: 'legacy-bios',
  };
}

export function eniOut(cloud: Cloud, e: Eni) {
  const eip = addressOf(cloud, e.id);
  const assoc = eip ? { publicIp: eip.publicIp, ipOwnerId: eip.account, allocationId: eip.id, associationId: eip.associationId } : undefined;
  return {
    networkInterfaceId: e.id,
    subnetId: e.subnetId,
    vpcId: e.vpcId,
    availabilityZone: e.az,
    description: e.description,
    ownerId: e.account,
    requesterId: e.requesterId,
    requesterManaged: e.requesterManaged,
    status: 'in-use',
    macAddress: e.macAddress,
    privateIpAddress: e.privateIp,
    privateDnsName: `ip-${e.privateIp.replace(/\./g, '-')}.ec2.internal`,
    sourceDestCheck: e.sourceDestCheck,
    groupSet: groupItems(cloud, e.account, e.groupIds),
    attachment: e.attachment
      ? {
          attachmentId: e.attachment.attachmentId,
          instanceId: e.attachment.instanceId,
          instanceOwnerId: e.attachment.instanceOwnerId,
          deviceIndex: e.attachment.deviceIndex,
          status: 'attached',
          attachTime: e.attachment.attachTime,
          deleteOnTermination: true,
        }
      : undefined,
    association: assoc,
    tagSet: tagsOut(e.tags),
    privateIpAddressesSet: [{ privateIpAddress: e.privateIp, privateDnsName: `ip-${e.privateIp.replace(/\./g, '-')}.ec2.internal`, primary: true, association: assoc }],
    ipv6AddressesSet: [],
    interfaceType: e.interfaceType,
  };
}

function instanceNotFound(missing: string[]): ApiError {
  return new ApiError(
    'InvalidInstanceID.NotFound',
    missing.length === 1 ? `The instance ID '${missing[0]}' does not exist` : `The instance IDs '${missing.join(', ')}' do not exist`,
  );
}

export function instanceOperations(cloud: Cloud): Operation[] {
  const { state } = cloud;

  /** Instances of an account; terminated ones stay visible for an hour, as on AWS. */
  function visible(account: string): Instance[] {
    const cutoff = Date.now() - 3600_000;
    return state
      .list<Instance>('instance', account)
      .filter((i) => i.state !== 'terminated' || (i.terminatedAt !== undefined && Date.parse(i.terminatedAt) > cutoff));
  }

  function instance(account: string, id: string): Instance {
    const i = state.get<Instance>('instance', account, id);
    if (!i) throw instanceNotFound([id]);
    return i;
  }

  function setGroups(account: string, i: Instance, groupIds: string[]): void {
    for (const g of groupIds) {
      const sg = cloud.group(account, g);
      if (sg.vpcId !== i.vpcId) throw new ApiError('InvalidGroup.NotFound', `The security group '${g}' does not exist in VPC '${i.vpcId}'`);
    }
    i.groupIds = groupIds;
    const eni = state.get<Eni>('eni', account, i.eniId);
    if (eni) {
      eni.groupIds = groupIds;
      state.put('eni', eni);
    }
  }

  return [
    {
      name: 'RunInstances',
      input: struct(
        {
          ImageId: str(),
          InstanceType: str(),
          MinCount: int(),
          MaxCount: int(),
          SubnetId: str(),
          SecurityGroupId: list(str()),
          SecurityGroup: list(str()),
          PrivateIpAddress: str(),
          UserData: str(),
          KeyName: str(),
          ClientToken: str(),
          TagSpecification: TagSpecificationIn,
          Placement: struct({ AvailabilityZone: str() }),
          NetworkInterface: list(
            struct({
              DeviceIndex: int(),
              SubnetId: str(),
              PrivateIpAddress: str(),
              SecurityGroupId: list(str(), 'SecurityGroupId'),
              AssociatePublicIpAddress: bool(),
            }),
          ),
          DryRun: bool(),
        },
        ['MinCount', 'MaxCount'],
      ),
      output: ReservationShape,
      errors: ['InvalidAMIID.NotFound', 'InvalidSubnetID.NotFound', 'InvalidGroup.NotFound', 'InvalidIPAddress.InUse', 'InsufficientFreeAddressesInSubnet'],
      handler(ctx, input) {
        if (input.ClientToken) {
          const same = state.list<Instance>('instance', ctx.account).filter((i) => i.clientToken === input.ClientToken);
          if (same.length) {
            return {
              reservationId: same[0].reservationId,
              ownerId: ctx.account,
              groupSet: [],
              instancesSet: same.map((i) => instanceOut(cloud, i)),
            };
          }
        }
        if (!input.ImageId) throw new ApiError('MissingParameter', 'The request must contain the parameter ImageId');
        const image = IMAGES.find((im) => im.imageId === input.ImageId);
        if (!image) {
          if (!/^ami-[0-9a-f]{8,17}$/.test(input.ImageId)) {
            throw new ApiError('InvalidAMIID.Malformed', `Invalid id: "${input.ImageId}" (expecting "ami-...")`);
          }
          throw new ApiError('InvalidAMIID.NotFound', `The image id '[${input.ImageId}]' does not exist`);
        }
        const min: number = input.MinCount;
        const max: number = input.MaxCount;
        if (min < 1 || max < min) throw new ApiError('InvalidParameterValue', `Invalid value '${min}' for minCount. Must be between 1 and maxCount.`);
        if (max > 20) throw new ApiError('InstanceLimitExceeded', `You have requested more instances (${max}) than your current instance limit of 20 allows for the specified instance type.`);
        const nic = input.NetworkInterface?.[0] ?? {};
        const subnetId: string | undefined = input.SubnetId ?? nic.SubnetId;
        let subnet: Subnet;
        if (subnetId) subnet = cloud.subnet(ctx.account, subnetId);
        else {
          const vpc = cloud.defaultVpc(ctx.account);
          const az = input.Placement?.AvailabilityZone ?? cloud.azs[0];
          const s = vpc && state.list<Subnet>('subnet', ctx.account).find((x) => x.vpcId === vpc.id && x.defaultForAz && x.az === az);
          if (!s) throw new ApiError('VPCIdNotSpecified', 'No default VPC for this user');
          subnet = s;
        }
        let groupIds: string[] = [...(input.SecurityGroupId ?? []), ...(nic.SecurityGroupId ?? [])];
        for (const name of input.SecurityGroup ?? []) groupIds.push(cloud.groupByName(ctx.account, name, subnet.vpcId).id);
        for (const g of groupIds) {
          const sg = cloud.group(ctx.account, g);
          if (sg.vpcId !== subnet.vpcId) {
            throw new ApiError('InvalidParameter', `Security group ${g} and subnet ${subnet.id} belong to different networks.`);
          }
        }
        if (groupIds.length === 0) groupIds = [cloud.defaultGroup(ctx.account, subnet.vpcId)!.id];
        groupIds = [...new Set(groupIds)];
        if (input.UserData !== undefined) {
          const raw = Buffer.from(input.UserData, 'base64');
          if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(input.UserData)) {
            throw new ApiError('InvalidParameterValue', 'Invalid BASE64 encoding of user data.');
          }
          if (raw.length > MAX_USER_DATA) throw new ApiError('InvalidParameterValue', 'User data is limited to 16384 bytes');
        }
        const c = parseCidr(subnet.cidr)!;
        const taken = cloud.takenIn(subnet.id);
        const addresses: number[] = [];
        const fixed: string | undefined = input.PrivateIpAddress ?? nic.PrivateIpAddress;
        if (fixed !== undefined) {
          const ip = parseIp(fixed);
          if (ip === null) throw new ApiError('InvalidParameterValue', `Invalid value '${fixed}' for privateIpAddress`);
          if (!isUsable(c, ip)) {
            throw new ApiError('InvalidParameterValue', `Address ${fixed} does not fall within the subnet's address range`);
          }
          if (taken.has(ip)) throw new ApiError('InvalidIPAddress.InUse', `Address ${fixed} is in use.`);
          if (max > 1) throw new ApiError('InvalidParameterCombination', 'Cannot specify a private IP address when launching more than one instance');
          addresses.push(ip);
        } else {
          for (let n = 0; n < max; n++) {
            const ip = nextFreeAddress(c, taken);
            if (ip === null) break;
            taken.add(ip);
            addresses.push(ip);
          }
          if (addresses.length < min) {
            throw new ApiError('InsufficientFreeAddressesInSubnet', 'There are not enough free addresses in subnet to satisfy the requested number of instances.');
          }
        }
        const tags = tagsFor(input.TagSpecification, 'instance');
        const eniTags = tagsFor(input.TagSpecification?.filter((s: any) => s.ResourceType === 'network-interface'), 'network-interface');
        dryRun(input);
        const reservationId = newId('r');
        const created = state.tx(() =>
          addresses.map((ip, n) => {
            const id = newId('i');
            const eni = cloud.createEni(ctx.account, subnet, ip, groupIds, '', {
              tags: eniTags,
              attachment: { attachmentId: newId('eni-attach'), instanceId: id, deviceIndex: 0, attachTime: cloud.now(), instanceOwnerId: ctx.account },
            });
            return state.put<Instance>('instance', {
              id,
              account: ctx.account,
              tags,
              created: cloud.now(),
              imageId: image.imageId,
              instanceType: input.InstanceType ?? 'm1.small',
              subnetId: subnet.id,
              vpcId: subnet.vpcId,
              az: subnet.az,
              privateIp: formatIp(ip),
              eniId: eni.id,
              groupIds,
              // Nothing boots: the instance is running as soon as it exists. The response still says pending, as AWS's does.
              state: 'running',
              sourceDestCheck: true,
              userData: input.UserData,
              keyName: input.KeyName,
              reservationId,
              clientToken: input.ClientToken,
              amiLaunchIndex: n,
            });
          }),
        );
        cloud.networkChanged();
        return { reservationId, ownerId: ctx.account, groupSet: [], instancesSet: created.map((i) => instanceOut(cloud, i, 'pending')) };
      },
    },
    {
      name: 'DescribeInstances',
      input: struct({ InstanceId: list(str()), ...describeCommon }),
      output: struct({ reservationSet: list(ReservationShape), nextToken: str() }),
      errors: ['InvalidInstanceID.NotFound'],
      handler(ctx, input) {
        let instances = byIds(visible(ctx.account), input.InstanceId, instanceNotFound);
        instances = applyFilters(instances, input.Filter, {
          'instance-id': (i) => i.id,
          'instance-state-name': (i) => i.state,
          'instance-state-code': (i) => STATE_CODES[i.state],
          'instance-type': (i) => i.instanceType,
          'image-id': (i) => i.imageId,
          'vpc-id': (i) => i.vpcId,
          'subnet-id': (i) => i.subnetId,
          'availability-zone': (i) => i.az,
          'private-ip-address': (i) => i.privateIp,
          'network-interface.addresses.private-ip-address': (i) => i.privateIp,
          'ip-address': (i) => addressOf(cloud, i.eniId)?.publicIp,
          'instance.group-id': (i) => i.groupIds,
          'group-id': (i) => i.groupIds,
          'instance.group-name': (i) => i.groupIds.map((g) => state.get<SecurityGroup>('security-group', i.account, g)?.name),
          'reservation-id': (i) => i.reservationId,
          'client-token': (i) => i.clientToken,
          'key-name': (i) => i.keyName,
          'network-interface.network-interface-id': (i) => i.eniId,
        });
        const p = page(instances, input);
        const reservations = new Map<string, Instance[]>();
        for (const i of p.items) {
          const list = reservations.get(i.reservationId) ?? [];
          list.push(i);
          reservations.set(i.reservationId, list);
        }
        return {
          reservationSet: [...reservations.entries()].map(([rid, list]) => ({
            reservationId: rid,
            ownerId: ctx.account,
            groupSet: [],
            instancesSet: list.map((i) => instanceOut(cloud, i)),
          })),
          nextToken: p.nextToken,
        };
      },
    },
    {
      name: 'TerminateInstances',
      input: struct({ InstanceId: list(str()), DryRun: bool() }, ['InstanceId']),
      output: struct({
        instancesSet: list(struct({ instanceId: str(), currentState: stateShape, previousState: stateShape })),
      }),
      errors: ['InvalidInstanceID.NotFound'],
      handler(ctx, input) {
        const instances = byIds(state.list<Instance>('instance', ctx.account), input.InstanceId, instanceNotFound);
        dryRun(input);
        const out = state.tx(() =>
          instances.map((i) => {
            const previous = i.state;
            if (i.state !== 'terminated') {
              for (const a of state.list<Address>('address', ctx.account)) {
                if (a.eniId === i.eniId) {
                  delete a.associationId;
                  delete a.instanceId;
                  delete a.eniId;
                  delete a.privateIp;
                  state.put('address', a);
                }
              }
              state.remove('eni', ctx.account, i.eniId);
              i.state = 'terminated';
              i.terminatedAt = cloud.now();
              state.put('instance', i);
            }
            return {
              instanceId: i.id,
              currentState: { code: STATE_CODES[i.state], name: i.state },
              previousState: { code: STATE_CODES[previous], name: previous },
            };
          }),
        );
        cloud.networkChanged();
        return { instancesSet: out };
      },
    },
    {
      name: 'ModifyInstanceAttribute',
      input: struct(
        {
          InstanceId: str(),
          Attribute: str(),
          Value: str(),
          SourceDestCheck: struct({ Value: bool() }),
          InstanceType: struct({ Value: str() }),
          UserData: struct({ Value: str() }),
          DisableApiTermination: struct({ Value: bool() }),
          GroupId: list(str()),
          DryRun: bool(),
        },
        ['InstanceId'],
      ),
      output: null,
      errors: ['InvalidInstanceID.NotFound'],
      handler(ctx, input) {
        const i = instance(ctx.account, input.InstanceId);
        if (i.state === 'terminated') {
          throw new ApiError('IncorrectInstanceState', `The instance '${i.id}' is not in a state from which it can be modified.`);
        }
        let sdc: boolean | undefined = input.SourceDestCheck?.Value;
        if (input.Attribute === 'sourceDestCheck' && input.Value !== undefined) sdc = input.Value === 'true';
        dryRun(input);
        state.tx(() => {
          if (sdc !== undefined) {
            i.sourceDestCheck = sdc;
            const eni = state.get<Eni>('eni', ctx.account, i.eniId);
            if (eni) {
              eni.sourceDestCheck = sdc;
              state.put('eni', eni);
            }
          }
          if (input.InstanceType?.Value) i.instanceType = input.InstanceType.Value;
          if (input.UserData?.Value !== undefined) i.userData = input.UserData.Value;
          if (input.GroupId?.length) setGroups(ctx.account, i, input.GroupId);
          state.put('instance', i);
        });
        cloud.networkChanged();
        return undefined;
      },
    },
    {
      name: 'DescribeInstanceAttribute',
      input: struct({ InstanceId: str(), Attribute: str(), DryRun: bool() }, ['InstanceId', 'Attribute']),
      output: struct({
        instanceId: str(),
        userData: value(),
        sourceDestCheck: value(bool()),
        instanceType: value(),
        disableApiTermination: value(bool()),
        instanceInitiatedShutdownBehavior: value(),
        groupSet: list(groupItem),
      }),
      errors: ['InvalidInstanceID.NotFound'],
      handler(ctx, input) {
        const i = instance(ctx.account, input.InstanceId);
        switch (input.Attribute) {
          case 'userData':
            return { instanceId: i.id, userData: i.userData !== undefined ? { value: i.userData } : '' };
          case 'sourceDestCheck':
            return { instanceId: i.id, sourceDestCheck: { value: i.sourceDestCheck } };
          case 'instanceType':
            return { instanceId: i.id, instanceType: { value: i.instanceType } };
          case 'disableApiTermination':
            return { instanceId: i.id, disableApiTermination: { value: false } };
          case 'instanceInitiatedShutdownBehavior':
            return { instanceId: i.id, instanceInitiatedShutdownBehavior: { value: 'stop' } };
          case 'groupSet':
            return { instanceId: i.id, groupSet: groupItems(cloud, ctx.account, i.groupIds) };
          default:
            throw new ApiError('InvalidParameterValue', `Value (${input.Attribute}) for parameter attribute is invalid. Unknown attribute.`);
        }
      },
    },
    {
      name: 'DescribeNetworkInterfaces',
      input: struct({ NetworkInterfaceId: list(str()), ...describeCommon }),
      output: struct({ networkInterfaceSet: list(NetworkInterfaceShape), nextToken: str() }),
      errors: ['InvalidNetworkInterfaceID.NotFound'],
      handler(ctx, input) {
        let enis = byIds(state.list<Eni>('eni', ctx.account), input.NetworkInterfaceId, (m) =>
          new ApiError('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${m[0]}' does not exist`),
        );
        enis = applyFilters(enis, input.Filter, {
          'network-interface-id': (e) => e.id,
          'subnet-id': (e) => e.subnetId,
          'vpc-id': (e) => e.vpcId,
          'availability-zone': (e) => e.az,
          'group-id': (e) => e.groupIds,
          'group-name': (e) => e.groupIds.map((g) => state.get<SecurityGroup>('security-group', e.account, g)?.name),
          'private-ip-address': (e) => e.privateIp,
          'addresses.private-ip-address': (e) => e.privateIp,
          'attachment.instance-id': (e) => e.attachment?.instanceId,
          'attachment.status': (e) => (e.attachment ? 'attached' : undefined),
          description: (e) => e.description,
          status: () => 'in-use',
          'requester-id': (e) => e.requesterId,
          'requester-managed': (e) => e.requesterManaged,
          'interface-type': (e) => e.interfaceType,
          'owner-id': (e) => e.account,
          'mac-address': (e) => e.macAddress,
          'association.public-ip': (e) => addressOf(cloud, e.id)?.publicIp,
        });
        const p = page(enis, input);
        return { networkInterfaceSet: p.items.map((e) => eniOut(cloud, e)), nextToken: p.nextToken };
      },
    },
  ];
}
