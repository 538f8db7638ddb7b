// VPC peering: CreateVpcPeeringConnection AcceptVpcPeeringConnection
// RejectVpcPeeringConnection DescribeVpcPeeringConnections DeleteVpcPeeringConnection.
// A peering connection is visible to both owners; an active one lets security-group
// rules name the peer's groups and CIDRs (the policy module reads it).

import { ApiError } from '../errors.js';
import { bool, list, str, struct, ts, Operation } from '../shapes.js';
import type { Cloud } from '../../control/cloud.js';
import type { Peering, Vpc } from '../../control/model.js';
import { applyFilters } from '../../control/filters.js';
import { newId } from '../../control/ids.js';
import { cidrOverlaps, parseCidr } from '../../network/addressing.js';
import { describeCommon, dryRun, page, tagSet, tagsFor, tagsOut, TagSpecificationIn } from './common.js';

const VpcInfo = struct({
  cidrBlock: str(),
  cidrBlockSet: list(struct({ cidrBlock: str() })),
  ownerId: str(),
  peeringOptions: struct({
    allowDnsResolutionFromRemoteVpc: bool(),
    allowEgressFromLocalClassicLinkToRemoteVpc: bool(),
    allowEgressFromLocalVpcToRemoteClassicLink: bool(),
  }),
  vpcId: str(),
  region: str(),
});

export const PeeringShape = struct({
  accepterVpcInfo: VpcInfo,
  expirationTime: ts(),
  requesterVpcInfo: VpcInfo,
  status: struct({ code: str(), message: str() }),
  tagSet,
  vpcPeeringConnectionId: str(),
});

const STATUS_MESSAGES: Record<string, string> = {
  'initiating-request': 'Initiating Request to {owner}',
  'pending-acceptance': 'Pending Acceptance by {owner}',
  active: 'Active',
  deleted: 'Deleted by {owner}',
  rejected: 'Rejected by {owner}',
  failed: 'Overlapping CIDR range',
  expired: 'Expired',
};

export function peeringOut(cloud: Cloud, p: Peering, code: string = p.status) {
  const info = (vpcId: string, owner: string, withOptions: boolean) => {
    const vpc = cloud.state.get<Vpc>('vpc', owner, vpcId);
    return {
      cidrBlock: vpc?.cidr,
      cidrBlockSet: vpc ? [{ cidrBlock: vpc.cidr }] : [],
      ownerId: owner,
      peeringOptions: withOptions
        ? { allowDnsResolutionFromRemoteVpc: false, allowEgressFromLocalClassicLinkToRemoteVpc: false, allowEgressFromLocalVpcToRemoteClassicLink: false }
        : undefined,
      vpcId,
      region: cloud.region,
    };
  };
  const active = p.status === 'active';
  return {
    accepterVpcInfo: info(p.accepterVpcId, p.accepterOwner, active),
    expirationTime: p.status === 'pending-acceptance' ? p.expiration : undefined,
    requesterVpcInfo: info(p.requesterVpcId, p.requesterOwner, active),
    status: { code, message: (STATUS_MESSAGES[code] ?? code).replace('{owner}', code === 'initiating-request' || code === 'pending-acceptance' ? p.accepterOwner : p.requesterOwner) },
    tagSet: tagsOut(p.tags),
    vpcPeeringConnectionId: p.id,
  };
}

export function peeringOperations(cloud: Cloud): Operation[] {
  const { state } = cloud;

  /** Connections the account takes part in (either side). */
  function visible(account: string): Peering[] {
    return state.list<Peering>('peering', null).filter((p) => p.requesterOwner === account || p.accepterOwner === account);
  }

  function find(account: string, id: string): Peering {
    const p = visible(account).find((x) => x.id === id);
    if (!p) throw new ApiError('InvalidVpcPeeringConnectionID.NotFound', `The vpcPeeringConnection ID '${id}' does not exist`);
    return p;
  }

  function transition(p: Peering, to: Peering['status']): void {
    if (p.status !== 'pending-acceptance' && !(to === 'deleted' && p.status === 'active')) {
      throw new ApiError('InvalidStateTransition', `Invalid state transition for ${p.id}, attempted to transition from ${p.status} to ${to}`);
    }
  }

  const pcxIn = struct({ VpcPeeringConnectionId: str(), DryRun: bool() }, ['VpcPeeringConnectionId']);

  return [
    {
      name: 'CreateVpcPeeringConnection',
      input: struct({ VpcId: str(), PeerVpcId: str(), PeerOwnerId: str(), PeerRegion: str(), TagSpecification: TagSpecificationIn, DryRun: bool() }, ['VpcId']),
      output: struct({ vpcPeeringConnection: PeeringShape }),
      errors: ['InvalidVpcID.NotFound'],
      handler(ctx, input) {
        const vpc = cloud.vpc(ctx.account, input.VpcId);
        if (!input.PeerVpcId) throw new ApiError('MissingParameter', 'The request must contain the parameter peerVpcId');
        const peerOwner: string = input.PeerOwnerId ?? ctx.account;
        if (input.PeerRegion && input.PeerRegion !== cloud.region) {
          throw new ApiError('InvalidParameterValue', `Cove has one region (${cloud.region}); peering to ${input.PeerRegion} is not possible`);
        }
        const peer = state.get<Vpc>('vpc', peerOwner, input.PeerVpcId);
        if (!peer) throw new ApiError('InvalidVpcID.NotFound', `The vpc ID '${input.PeerVpcId}' does not exist`);
        const tags = tagsFor(input.TagSpecification, 'vpc-peering-connection');
        dryRun(input);
        const overlap = cidrOverlaps(parseCidr(vpc.cidr)!, parseCidr(peer.cidr)!);
        const p = state.put<Peering>('peering', {
          id: newId('pcx'),
          account: ctx.account,
          tags,
          created: cloud.now(),
          requesterVpcId: vpc.id,
          requesterOwner: ctx.account,
          accepterVpcId: peer.id,
          accepterOwner: peerOwner,
          // AWS fails a request between overlapping networks after creating it.
          status: overlap ? 'failed' : 'pending-acceptance',
          expiration: new Date(Date.now() + 7 * 24 * 3600_000).toISOString(),
        });
        return { vpcPeeringConnection: peeringOut(cloud, p, overlap ? 'failed' : 'initiating-request') };
      },
    },
    {
      name: 'AcceptVpcPeeringConnection',
      input: pcxIn,
      output: struct({ vpcPeeringConnection: PeeringShape }),
      errors: ['InvalidVpcPeeringConnectionID.NotFound', 'InvalidStateTransition'],
      handler(ctx, input) {
        const p = find(ctx.account, input.VpcPeeringConnectionId);
        if (p.accepterOwner !== ctx.account) {
          throw new ApiError('OperationNotPermitted', `User ${ctx.account} cannot accept peering ${p.id}`);
        }
        transition(p, 'active');
        dryRun(input);
        p.status = 'active';
        state.put('peering', p);
        cloud.networkChanged();
        return { vpcPeeringConnection: peeringOut(cloud, p) };
      },
    },
    {
      name: 'RejectVpcPeeringConnection',
      input: pcxIn,
      output: struct({ return: bool() }),
      errors: ['InvalidVpcPeeringConnectionID.NotFound', 'InvalidStateTransition'],
      handler(ctx, input) {
        const p = find(ctx.account, input.VpcPeeringConnectionId);
        transition(p, 'rejected');
        dryRun(input);
        p.status = 'rejected';
        state.put('peering', p);
        return { return: true };
      },
    },
    {
      name: 'DescribeVpcPeeringConnections',
      input: struct({ VpcPeeringConnectionId: list(str()), ...describeCommon }),
      output: struct({ vpcPeeringConnectionSet: list(PeeringShape), nextToken: str() }),
      errors: ['InvalidVpcPeeringConnectionID.NotFound'],
      handler(ctx, input) {
        let all = visible(ctx.account);
        for (const id of input.VpcPeeringConnectionId ?? []) find(ctx.account, id);
        if (input.VpcPeeringConnectionId?.length) all = all.filter((p) => input.VpcPeeringConnectionId.includes(p.id));
        all = applyFilters(all, input.Filter, {
          'vpc-peering-connection-id': (p) => p.id,
          'status-code': (p) => p.status,
          'requester-vpc-info.vpc-id': (p) => p.requesterVpcId,
          'accepter-vpc-info.vpc-id': (p) => p.accepterVpcId,
          'requester-vpc-info.owner-id': (p) => p.requesterOwner,
          'accepter-vpc-info.owner-id': (p) => p.accepterOwner,
          'requester-vpc-info.cidr-block': (p) => state.get<Vpc>('vpc', p.requesterOwner, p.requesterVpcId)?.cidr,
          'accepter-vpc-info.cidr-block': (p) => state.get<Vpc>('vpc', p.accepterOwner, p.accepterVpcId)?.cidr,
        });
        const pg = page(all, input);
        return { vpcPeeringConnectionSet: pg.items.map((p) => peeringOut(cloud, p)), nextToken: pg.nextToken };
      },
    },
    {
      name: 'DeleteVpcPeeringConnection',
      input: pcxIn,
      output: struct({ return: bool() }),
      errors: ['InvalidVpcPeeringConnectionID.NotFound', 'InvalidStateTransition'],
      handler(ctx, input) {
        const p = find(ctx.account, input.VpcPeeringConnectionId);
        if (p.status === 'deleted') {
          throw new ApiError('InvalidStateTransition', `Invalid state transition for ${p.id}, attempted to transition from deleted to deleted`);
        }
        dryRun(input);
        p.status = 'deleted';
        state.put('peering', p);
        cloud.networkChanged();
        return { return: true };
      },
    },
  ];
}
