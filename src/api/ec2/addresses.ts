// Elastic IPs: AllocateAddress AssociateAddress DisassociateAddress ReleaseAddress
// DescribeAddresses. Public addresses come from the host pool (127.200.0.0/16 by
// default); the NAT gateway (issue 5) listens on the ones associated with NAT instances.

import { ApiError } from '../errors.js';
import { bool, list, str, struct, Operation } from '../shapes.js';
import type { Cloud } from '../../control/cloud.js';
import type { Address, Eni, Instance } from '../../control/model.js';
import { applyFilters } from '../../control/filters.js';
import { newId } from '../../control/ids.js';
import { describeCommon, dryRun, tagSet, tagsFor, tagsOut, TagSpecificationIn } from './common.js';

export const AddressShape = struct({
  publicIp: str(),
  allocationId: str(),
  domain: str(),
  instanceId: str(),
  associationId: str(),
  networkInterfaceId: str(),
  networkInterfaceOwnerId: str(),
  privateIpAddress: str(),
  tagSet,
  publicIpv4Pool: str(),
  networkBorderGroup: str(),
});

export function addressOut(cloud: Cloud, a: Address) {
  return {
    publicIp: a.publicIp,
    allocationId: a.id,
    domain: a.domain,
    instanceId: a.instanceId,
    associationId: a.associationId,
    networkInterfaceId: a.eniId,
    networkInterfaceOwnerId: a.eniId ? a.account : undefined,
    privateIpAddress: a.privateIp,
    tagSet: tagsOut(a.tags),
    publicIpv4Pool: 'amazon',
    networkBorderGroup: cloud.region,
  };
}

export function addressOperations(cloud: Cloud): Operation[] {
  const { state } = cloud;

  function byAllocationOrIp(account: string, input: { AllocationId?: string; PublicIp?: string }): Address {
    if (input.AllocationId) {
      const a = state.get<Address>('address', account, input.AllocationId);
      if (!a) throw new ApiError('InvalidAllocationID.NotFound', `The allocation ID '${input.AllocationId}' does not exist`);
      return a;
    }
    if (input.PublicIp) {
      const a = state.list<Address>('address', account).find((x) => x.publicIp === input.PublicIp);
      if (!a) throw new ApiError('InvalidAddress.NotFound', `Address '${input.PublicIp}' not found.`);
      return a;
    }
    throw new ApiError('MissingParameter', 'Either public IP or allocation id must be specified');
  }

  function detach(a: Address): void {
    delete a.associationId;
    delete a.instanceId;
    delete a.eniId;
    delete a.privateIp;
  }

  return [
    {
      name: 'AllocateAddress',
      input: struct({ Domain: str({ enum: ['vpc', 'standard'] }), Address: str(), PublicIpv4Pool: str(), NetworkBorderGroup: str(), TagSpecification: TagSpecificationIn, DryRun: bool() }),
      output: struct({ publicIp: str(), allocationId: str(), domain: str(), publicIpv4Pool: str(), networkBorderGroup: str() }),
      errors: ['AddressLimitExceeded'],
      handler(ctx, input) {
        const tags = tagsFor(input.TagSpecification, 'elastic-ip');
        dryRun(input);
        const a = state.put<Address>('address', {
          id: newId('eipalloc'),
          account: ctx.account,
          tags,
          created: cloud.now(),
          publicIp: cloud.nextPublicIp(),
          domain: 'vpc',
        });
        cloud.networkChanged();
        return { publicIp: a.publicIp, allocationId: a.id, domain: a.domain, publicIpv4Pool: 'amazon', networkBorderGroup: cloud.region };
      },
    },
    {
      name: 'AssociateAddress',
      input: struct({
        AllocationId: str(),
        PublicIp: str(),
        InstanceId: str(),
        NetworkInterfaceId: str(),
        PrivateIpAddress: str(),
        AllowReassociation: bool(),
        DryRun: bool(),
      }),
      output: struct({ associationId: str() }),
      errors: ['InvalidAllocationID.NotFound', 'InvalidInstanceID.NotFound', 'Resource.AlreadyAssociated'],
      handler(ctx, input) {
        const a = byAllocationOrIp(ctx.account, input);
        let eni: Eni | undefined;
        let instanceId: string | undefined;
        if (input.InstanceId) {
          const i = state.get<Instance>('instance', ctx.account, input.InstanceId);
          if (!i || i.state === 'terminated') {
            throw new ApiError('InvalidInstanceID.NotFound', `The instance ID '${input.InstanceId}' does not exist`);
          }
          eni = state.get<Eni>('eni', ctx.account, i.eniId);
          instanceId = i.id;
        } else if (input.NetworkInterfaceId) {
          eni = state.get<Eni>('eni', ctx.account, input.NetworkInterfaceId);
          if (!eni) throw new ApiError('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${input.NetworkInterfaceId}' does not exist`);
          instanceId = eni.attachment?.instanceId;
        } else {
          throw new ApiError('MissingParameter', 'Either instance ID or network interface id must be specified');
        }
        if (!eni) throw new ApiError('InvalidInstanceID', `The instance '${input.InstanceId}' has no network interface`);
        if (a.associationId && a.eniId !== eni.id && input.AllowReassociation === false) {
          throw new ApiError('Resource.AlreadyAssociated', `resource ${a.id} is already associated with associate-id ${a.associationId}`);
        }
        dryRun(input);
        state.tx(() => {
          // An interface holds one public address: the old one, if any, is let go.
          for (const other of state.list<Address>('address', ctx.account)) {
            if (other.id !== a.id && other.eniId === eni!.id) {
              detach(other);
              state.put('address', other);
            }
          }
          a.associationId = newId('eipassoc');
          a.eniId = eni!.id;
          a.instanceId = instanceId;
          a.privateIp = input.PrivateIpAddress ?? eni!.privateIp;
          state.put('address', a);
        });
        cloud.networkChanged();
        return { associationId: a.associationId };
      },
    },
    {
      name: 'DisassociateAddress',
      input: struct({ AssociationId: str(), PublicIp: str(), DryRun: bool() }),
      output: null,
      errors: ['InvalidAssociationID.NotFound'],
      handler(ctx, input) {
        let a: Address | undefined;
        if (input.AssociationId) {
          a = state.list<Address>('address', ctx.account).find((x) => x.associationId === input.AssociationId);
          if (!a) throw new ApiError('InvalidAssociationID.NotFound', `The association ID '${input.AssociationId}' does not exist`);
        } else if (input.PublicIp) {
          a = state.list<Address>('address', ctx.account).find((x) => x.publicIp === input.PublicIp);
          if (!a) throw new ApiError('InvalidAddress.NotFound', `Address '${input.PublicIp}' not found.`);
        } else throw new ApiError('MissingParameter', 'Either public IP or association id must be specified');
        dryRun(input);
        detach(a);
        state.put('address', a);
        cloud.networkChanged();
        return undefined;
      },
    },
    {
      name: 'ReleaseAddress',
      input: struct({ AllocationId: str(), PublicIp: str(), NetworkBorderGroup: str(), DryRun: bool() }),
      output: null,
      errors: ['InvalidAllocationID.NotFound', 'InvalidIPAddress.InUse'],
      handler(ctx, input) {
        const a = byAllocationOrIp(ctx.account, input);
        if (a.associationId) throw new ApiError('InvalidIPAddress.InUse', `Address ${a.publicIp} is in use.`);
        dryRun(input);
        state.remove('address', ctx.account, a.id);
        cloud.networkChanged();
        return undefined;
      },
    },
    {
      name: 'DescribeAddresses',
      input: struct({ AllocationId: list(str()), PublicIp: list(str()), Filter: describeCommon.Filter, DryRun: bool() }),
      output: struct({ addressesSet: list(AddressShape) }),
      errors: ['InvalidAllocationID.NotFound'],
      handler(ctx, input) {
        let all = state.list<Address>('address', ctx.account);
        for (const id of input.AllocationId ?? []) {
          if (!all.some((a) => a.id === id)) throw new ApiError('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`);
        }
        for (const ip of input.PublicIp ?? []) {
          if (!all.some((a) => a.publicIp === ip)) throw new ApiError('InvalidAddress.NotFound', `Address '${ip}' not found.`);
        }
        if (input.AllocationId?.length) all = all.filter((a) => input.AllocationId.includes(a.id));
        if (input.PublicIp?.length) all = all.filter((a) => input.PublicIp.includes(a.publicIp));
        all = applyFilters(all, input.Filter, {
          'allocation-id': (a) => a.id,
          'association-id': (a) => a.associationId,
          domain: (a) => a.domain,
          'instance-id': (a) => a.instanceId,
          'network-interface-id': (a) => a.eniId,
          'network-interface-owner-id': (a) => (a.eniId ? a.account : undefined),
          'private-ip-address': (a) => a.privateIp,
          'public-ip': (a) => a.publicIp,
          'network-border-group': () => cloud.region,
        });
        return { addressesSet: all.map((a) => addressOut(cloud, a)) };
      },
    },
  ];
}
