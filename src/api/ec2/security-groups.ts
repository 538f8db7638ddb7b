// EC2 security groups: CreateSecurityGroup DescribeSecurityGroups DeleteSecurityGroup,
// Authorize/Revoke SecurityGroupIngress/Egress (IpPermissions, the legacy top-level
// CidrIp/IpProtocol/FromPort/ToPort/SourceSecurityGroupName form, revoke by rule id),
// DescribeSecurityGroupRules and ModifySecurityGroupRules.
//
// A group stores one rule per source (as AWS numbers them, sgr-...); DescribeSecurityGroups
// folds rules with the same protocol and ports back into IpPermissions.

import { ApiError } from '../errors.js';
import { bool, int, list, str, struct, Operation } from '../shapes.js';
import type { Cloud } from '../../control/cloud.js';
import type { SecurityGroup, SgRule, Eni, Instance, CacheCluster, Peering, Vpc } from '../../control/model.js';
import { applyFilters } from '../../control/filters.js';
import { newId } from '../../control/ids.js';
import { formatCidr, isIpv6Cidr, parseCidr } from '../../network/addressing.js';
import { arn, byIds, describeCommon, dryRun, page, tagSet, tagsFor, tagsOut, TagSpecificationIn } from './common.js';

/** Rules per direction per group (AWS's default quota). */
export const MAX_RULES_PER_DIRECTION = 60;

const UserIdGroupPairOut = struct({
  description: str(),
  userId: str(),
  groupName: str(),
  groupId: str(),
  vpcId: str(),
  vpcPeeringConnectionId: str(),
  peeringStatus: str(),
});

export const IpPermissionShape = struct({
  ipProtocol: str(),
  fromPort: int(),
  toPort: int(),
  groups: list(UserIdGroupPairOut),
  ipRanges: list(struct({ description: str(), cidrIp: str() })),
  ipv6Ranges: list(struct({ description: str(), cidrIpv6: str() })),
  prefixListIds: list(struct({ description: str(), prefixListId: str() })),
});

export const SecurityGroupShape = struct({
  ownerId: str(),
  groupId: str(),
  groupName: str(),
  groupDescription: str(),
  vpcId: str(),
  ipPermissions: list(IpPermissionShape),
  ipPermissionsEgress: list(IpPermissionShape),
  tagSet,
  securityGroupArn: str(),
});

export const SecurityGroupRuleShape = struct({
  securityGroupRuleId: str(),
  groupId: str(),
  groupOwnerId: str(),
  isEgress: bool(),
  ipProtocol: str(),
  fromPort: int(),
  toPort: int(),
  cidrIpv4: str(),
  cidrIpv6: str(),
  prefixListId: str(),
  referencedGroupInfo: struct({ groupId: str(), peeringStatus: str(), userId: str(), vpcId: str(), vpcPeeringConnectionId: str() }),
  description: str(),
  tagSet,
  securityGroupRuleArn: str(),
});

const IpPermissionIn = struct({
  IpProtocol: str(),
  FromPort: int(),
  ToPort: int(),
  IpRanges: list(struct({ CidrIp: str(), Description: str() })),
  Ipv6Ranges: list(struct({ CidrIpv6: str(), Description: str() })),
  PrefixListIds: list(struct({ PrefixListId: str(), Description: str() })),
  Groups: list(struct({ GroupId: str(), GroupName: str(), UserId: str(), VpcId: str(), VpcPeeringConnectionId: str(), Description: str() })),
});

interface IpPermissionInput {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp?: string; Description?: string }[];
  Ipv6Ranges?: { CidrIpv6?: string; Description?: string }[];
  PrefixListIds?: { PrefixListId?: string; Description?: string }[];
  Groups?: { GroupId?: string; GroupName?: string; UserId?: string; Description?: string }[];
}

const ruleChangeInput = {
  GroupId: str(),
  GroupName: str(),
  IpPermissions: list(IpPermissionIn),
  SecurityGroupRuleId: list(str()),
  CidrIp: str(),
  IpProtocol: str(),
  FromPort: int(),
  ToPort: int(),
  SourceSecurityGroupName: str(),
  SourceSecurityGroupOwnerId: str(),
  TagSpecification: TagSpecificationIn,
  DryRun: bool(),
};

const DESCRIPTION_CHARS = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;

// ---- rule normalization -------------------------------------------------------

const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };

function normProtocol(p: string | undefined): string {
  if (p === undefined) throw new ApiError('MissingParameter', 'The request must contain the parameter ipProtocol');
  const lower = p.toLowerCase();
  const named = PROTOCOL_NAMES[lower] ?? lower;
  if (['tcp', 'udp', 'icmp', 'icmpv6', '-1'].includes(named)) return named;
  if (/^\d+$/.test(named) && Number(named) <= 255) return String(Number(named));
  throw new ApiError('InvalidParameterValue', `Invalid value '${p}' for IP protocol. Unknown protocol.`);
}

/** Protocol and port range as AWS stores them (ports dropped where they mean nothing). */
function normPorts(protocol: string, from: number | undefined, to: number | undefined): { fromPort?: number; toPort?: number } {
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from === undefined || to === undefined) {
      throw new ApiError('InvalidParameterValue', `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange`);
    }
    if (from < 0 || to > 65535 || from > to) {
      throw new ApiError('InvalidParameterValue', `Invalid TCP/UDP port range (${from}, ${to})`);
    }
    return { fromPort: from, toPort: to };
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    return { fromPort: from ?? -1, toPort: to ?? -1 };
  }
  return {};
}

function checkDescription(d: string | undefined): string | undefined {
  if (d === undefined) return undefined;
  if (d.length > 255 || !DESCRIPTION_CHARS.test(d)) {
    throw new ApiError(
      'InvalidParameterValue',
      'Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*',
    );
  }
  return d;
}

/** The rules (one per source) an IpPermission stands for, with a referenced group checked. */
function rulesOf(cloud: Cloud, account: string, group: SecurityGroup, egress: boolean, perm: IpPermissionInput): SgRule[] {
  const protocol = normProtocol(perm.IpProtocol);
  const ports = normPorts(protocol, perm.FromPort, perm.ToPort);
  const base = { egress, protocol, ...ports };
  const out: SgRule[] = [];
  for (const r of perm.IpRanges ?? []) {
    const c = r.CidrIp !== undefined ? parseCidr(r.CidrIp) : null;
    if (!c) throw new ApiError('InvalidParameterValue', `CIDR block ${r.CidrIp ?? ''} is malformed`);
    out.push({ ruleId: '', ...base, cidrIpv4: formatCidr(c), description: checkDescription(r.Description) });
  }
  for (const r of perm.Ipv6Ranges ?? []) {
    if (r.CidrIpv6 === undefined || !isIpv6Cidr(r.CidrIpv6)) {
      throw new ApiError('InvalidParameterValue', `CIDR block ${r.CidrIpv6 ?? ''} is malformed`);
    }
    out.push({ ruleId: '', ...base, cidrIpv6: r.CidrIpv6.toLowerCase(), description: checkDescription(r.Description) });
  }
  for (const r of perm.PrefixListIds ?? []) {
    if (!r.PrefixListId) throw new ApiError('InvalidParameterValue', 'The prefix list ID must be specified');
    out.push({ ruleId: '', ...base, prefixListId: r.PrefixListId, description: checkDescription(r.Description) });
  }
  for (const g of perm.Groups ?? []) {
    const owner = g.UserId && g.UserId !== '' ? g.UserId : account;
    let ref: SecurityGroup | undefined;
    if (g.GroupId) {
      ref = cloud.state.get<SecurityGroup>('security-group', owner, g.GroupId);
      if (!ref) throw new ApiError('InvalidGroup.NotFound', `The security group '${g.GroupId}' does not exist`);
    } else if (g.GroupName) {
      ref = cloud.state.list<SecurityGroup>('security-group', owner).find((x) => x.name === g.GroupName && x.vpcId === group.vpcId);
      if (!ref) throw new ApiError('InvalidGroup.NotFound', `The security group '${g.GroupName}' does not exist in VPC '${group.vpcId}'`);
    } else {
      throw new ApiError('InvalidParameterValue', 'A referenced group needs a GroupId or a GroupName');
    }
    if (ref.vpcId !== group.vpcId && !peered(cloud, group.vpcId, ref.vpcId)) {
      throw new ApiError(
        'InvalidGroup.NotFound',
        `You have specified two resources that belong to different networks.`,
      );
    }
    out.push({ ruleId: '', ...base, groupId: ref.id, groupOwner: ref.account, description: checkDescription(g.Description) });
  }
  if (out.length === 0) {
    // A permission with no source (`--protocol -1` alone) means "from anywhere" on AWS's legacy form only.
    throw new ApiError('InvalidParameterValue', 'The request must contain a source: IpRanges, Ipv6Ranges, PrefixListIds or Groups');
  }
  return out;
}

function peered(cloud: Cloud, a: string, b: string): boolean {
  return cloud.state
    .list<Peering>('peering', null)
    .some((p) => p.status === 'active' && ((p.requesterVpcId === a && p.accepterVpcId === b) || (p.requesterVpcId === b && p.accepterVpcId === a)));
}

function sameRule(a: SgRule, b: SgRule): boolean {
  return (
    a.egress === b.egress &&
    a.protocol === b.protocol &&
    (a.fromPort ?? null) === (b.fromPort ?? null) &&
    (a.toPort ?? null) === (b.toPort ?? null) &&
    (a.cidrIpv4 ?? null) === (b.cidrIpv4 ?? null) &&
    (a.cidrIpv6 ?? null) === (b.cidrIpv6 ?? null) &&
    (a.prefixListId ?? null) === (b.prefixListId ?? null) &&
    (a.groupId ?? null) === (b.groupId ?? null)
  );
}

/** AWS's wording of a rule in InvalidPermission.Duplicate. */
function describeRule(r: SgRule): string {
  const peer = r.cidrIpv4 ?? r.cidrIpv6 ?? r.prefixListId ?? r.groupId ?? '';
  let what: string;
  if (r.protocol === '-1') what = 'ALL';
  else if (r.protocol === 'tcp' || r.protocol === 'udp') what = `${r.protocol.toUpperCase()}, from port: ${r.fromPort}, to port: ${r.toPort}`;
  else if (r.protocol === 'icmp' || r.protocol === 'icmpv6') {
    const t = r.fromPort === -1 ? 'ALL' : String(r.fromPort);
    const c = r.toPort === -1 ? 'ALL' : String(r.toPort);
    what = `${r.protocol.toUpperCase()}, type: ${t}, code: ${c}`;
  } else what = r.protocol;
  return `peer: ${peer}, ${what}, ALLOW`;
}

/** The IpPermissions list of a permission-shaped request, including the legacy top-level form. */
function permissionsOf(input: {
  IpPermissions?: IpPermissionInput[];
  CidrIp?: string;
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  SourceSecurityGroupName?: string;
  SourceSecurityGroupOwnerId?: string;
}): IpPermissionInput[] {
  const perms = [...(input.IpPermissions ?? [])];
  if (input.CidrIp !== undefined || input.SourceSecurityGroupName !== undefined || input.IpProtocol !== undefined) {
    const legacy: IpPermissionInput = {
      // The legacy form without a protocol and a source group means "all traffic from that group".
      IpProtocol: input.IpProtocol ?? '-1',
      FromPort: input.FromPort,
      ToPort: input.ToPort,
    };
    if (input.CidrIp !== undefined) legacy.IpRanges = [{ CidrIp: input.CidrIp }];
    if (input.SourceSecurityGroupName !== undefined) {
      legacy.Groups = [{ GroupName: input.SourceSecurityGroupName, UserId: input.SourceSecurityGroupOwnerId }];
      if (input.IpProtocol === undefined) {
        legacy.IpProtocol = '-1';
      }
    }
    if (!legacy.IpRanges && !legacy.Groups) legacy.IpRanges = [{ CidrIp: '0.0.0.0/0' }];
    perms.push(legacy);
  }
  return perms;
}

// ---- output --------------------------------------------------------------------

function pairOut(cloud: Cloud, r: SgRule, own: SecurityGroup) {
  const ref = r.groupId ? cloud.state.get<SecurityGroup>('security-group', r.groupOwner ?? own.account, r.groupId) : undefined;
  // A group across a peering names its VPC and the peering connection, as AWS shows it.
  const across = ref && ref.vpcId !== own.vpcId ? ref : undefined;
  const pcx = across
    ? cloud.state
        .list<Peering>('peering', null)
        .find((p) => [p.requesterVpcId, p.accepterVpcId].includes(own.vpcId) && [p.requesterVpcId, p.accepterVpcId].includes(across.vpcId))
    : undefined;
  return {
    description: r.description,
    userId: r.groupOwner ?? own.account,
    groupId: r.groupId,
    vpcId: across?.vpcId,
    vpcPeeringConnectionId: pcx?.id,
    peeringStatus: pcx ? pcx.status : undefined,
  };
}

function permissionsOut(cloud: Cloud, own: SecurityGroup, rules: SgRule[]) {
  const perms: { key: string; perm: ReturnType<typeof emptyPerm> }[] = [];
  for (const r of rules) {
    const key = `${r.protocol}|${r.fromPort ?? ''}|${r.toPort ?? ''}`;
    let entry = perms.find((p) => p.key === key);
    if (!entry) {
      entry = { key, perm: emptyPerm(r) };
      perms.push(entry);
    }
    if (r.cidrIpv4) entry.perm.ipRanges.push({ cidrIp: r.cidrIpv4, description: r.description });
    else if (r.cidrIpv6) entry.perm.ipv6Ranges.push({ cidrIpv6: r.cidrIpv6, description: r.description });
    else if (r.prefixListId) entry.perm.prefixListIds.push({ prefixListId: r.prefixListId, description: r.description });
    else if (r.groupId) entry.perm.groups.push(pairOut(cloud, r, own));
  }
  return perms.map((p) => p.perm);
}

function emptyPerm(r: SgRule) {
  return {
    ipProtocol: r.protocol,
    fromPort: r.fromPort,
    toPort: r.toPort,
    groups: [] as ReturnType<typeof pairOut>[],
    ipRanges: [] as { cidrIp: string; description?: string }[],
    ipv6Ranges: [] as { cidrIpv6: string; description?: string }[],
    prefixListIds: [] as { prefixListId: string; description?: string }[],
  };
}

export function groupOut(cloud: Cloud, g: SecurityGroup) {
  return {
    ownerId: g.account,
    groupId: g.id,
    groupName: g.name,
    groupDescription: g.description,
    vpcId: g.vpcId,
    ipPermissions: permissionsOut(cloud, g, g.rules.filter((r) => !r.egress)),
    ipPermissionsEgress: permissionsOut(cloud, g, g.rules.filter((r) => r.egress)),
    tagSet: tagsOut(g.tags),
    securityGroupArn: arn(cloud.region, g.account, `security-group/${g.id}`),
  };
}

export function ruleOut(cloud: Cloud, g: SecurityGroup, r: SgRule) {
  return {
    securityGroupRuleId: r.ruleId,
    groupId: g.id,
    groupOwnerId: g.account,
    isEgress: r.egress,
    ipProtocol: r.protocol,
    // AWS reports -1/-1 for rules without ports.
    fromPort: r.fromPort ?? -1,
    toPort: r.toPort ?? -1,
    cidrIpv4: r.cidrIpv4,
    cidrIpv6: r.cidrIpv6,
    prefixListId: r.prefixListId,
    referencedGroupInfo: r.groupId ? { groupId: r.groupId, userId: r.groupOwner } : undefined,
    description: r.description,
    tagSet: [],
    securityGroupRuleArn: arn(cloud.region, g.account, `security-group-rule/${r.ruleId}`),
  };
}

// ---- operations -------------------------------------------------------------------

export function securityGroupOperations(cloud: Cloud): Operation[] {
  const { state } = cloud;

  function target(account: string, input: { GroupId?: string; GroupName?: string }): SecurityGroup {
    if (input.GroupId) return cloud.group(account, input.GroupId);
    if (input.GroupName) return cloud.groupByName(account, input.GroupName);
    throw new ApiError('MissingParameter', 'The request must contain the parameter groupId or groupName');
  }

  function authorize(egress: boolean) {
    return (ctx: { account: string }, input: any) => {
      const group = target(ctx.account, input);
      const perms = permissionsOf(input);
      if (perms.length === 0) throw new ApiError('MissingParameter', 'The request must contain the parameter ipPermissions');
      const fresh: SgRule[] = [];
      for (const perm of perms) fresh.push(...rulesOf(cloud, ctx.account, group, egress, perm));
      for (const r of fresh) {
        const dup = group.rules.some((x) => sameRule(x, r)) || fresh.filter((x) => sameRule(x, r)).length > 1;
        if (dup) throw new ApiError('InvalidPermission.Duplicate', `the specified rule "${describeRule(r)}" already exists`);
      }
      if (group.rules.filter((r) => r.egress === egress).length + fresh.length > MAX_RULES_PER_DIRECTION) {
        throw new ApiError('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.');
      }
      dryRun(input);
      for (const r of fresh) {
        r.ruleId = newId('sgr');
        if (r.description === undefined) delete r.description;
        group.rules.push(r);
      }
      state.put('security-group', group);
      cloud.networkChanged();
      return { return: true, securityGroupRuleSet: fresh.map((r) => ruleOut(cloud, group, r)) };
    };
  }

  function revoke(egress: boolean) {
    return (ctx: { account: string }, input: any) => {
      const group = target(ctx.account, input);
      const revoked: SgRule[] = [];
      const unknown: IpPermissionInput[] = [];
      for (const id of input.SecurityGroupRuleId ?? []) {
        const r = group.rules.find((x) => x.ruleId === id && x.egress === egress);
        if (!r) throw new ApiError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
        revoked.push(r);
      }
      for (const perm of permissionsOf(input)) {
        const wanted = rulesOf(cloud, ctx.account, group, egress, perm);
        const matches = wanted.map((w) => group.rules.find((x) => sameRule(x, w)));
        if (matches.some((m) => !m)) unknown.push(perm);
        for (const m of matches) if (m) revoked.push(m);
      }
      if (revoked.length === 0) {
        if (unknown.length === 0) throw new ApiError('MissingParameter', 'The request must contain the parameter ipPermissions');
        throw new ApiError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      }
      dryRun(input);
      const gone = new Set(revoked.map((r) => r.ruleId));
      group.rules = group.rules.filter((r) => !gone.has(r.ruleId));
      state.put('security-group', group);
      cloud.networkChanged();
      return {
        return: true,
        unknownIpPermissionSet: unknown.map((p) => ({
          ipProtocol: p.IpProtocol,
          fromPort: p.FromPort,
          toPort: p.ToPort,
          groups: (p.Groups ?? []).map((g) => ({ groupId: g.GroupId, userId: g.UserId, description: g.Description })),
          ipRanges: (p.IpRanges ?? []).map((r) => ({ cidrIp: r.CidrIp, description: r.Description })),
          ipv6Ranges: (p.Ipv6Ranges ?? []).map((r) => ({ cidrIpv6: r.CidrIpv6, description: r.Description })),
          prefixListIds: (p.PrefixListIds ?? []).map((r) => ({ prefixListId: r.PrefixListId, description: r.Description })),
        })),
        revokedSecurityGroupRuleSet: revoked.map((r) => ({
          securityGroupRuleId: r.ruleId,
          groupId: group.id,
          isEgress: r.egress,
          ipProtocol: r.protocol,
          fromPort: r.fromPort ?? -1,
          toPort: r.toPort ?? -1,
          cidrIpv4: r.cidrIpv4,
          cidrIpv6: r.cidrIpv6,
          prefixListId: r.prefixListId,
          referencedGroupId: r.groupId,
          description: r.description,
        })),
      };
    };
  }

  const authorizeOutput = struct({ return: bool(), securityGroupRuleSet: list(SecurityGroupRuleShape) });
  const revokeOutput = struct({
    return: bool(),
    unknownIpPermissionSet: list(IpPermissionShape),
    revokedSecurityGroupRuleSet: list(
      struct({
        securityGroupRuleId: str(),
        groupId: str(),
        isEgress: bool(),
        ipProtocol: str(),
        fromPort: int(),
        toPort: int(),
        cidrIpv4: str(),
        cidrIpv6: str(),
        prefixListId: str(),
        referencedGroupId: str(),
        description: str(),
      }),
    ),
  });
  const ruleErrors = ['InvalidGroup.NotFound', 'InvalidPermission.Duplicate', 'InvalidPermission.NotFound', 'RulesPerSecurityGroupLimitExceeded'];

  return [
    {
      name: 'CreateSecurityGroup',
      input: struct({ GroupName: str(), GroupDescription: str(), VpcId: str(), TagSpecification: TagSpecificationIn, DryRun: bool() }, [
        'GroupName',
        'GroupDescription',
      ]),
      output: struct({ groupId: str(), tagSet, securityGroupArn: str() }),
      errors: ['InvalidGroup.Duplicate', 'InvalidVpcID.NotFound', 'InvalidGroup.Reserved'],
      handler(ctx, input) {
        const name: string = input.GroupName.replace(/\s+$/, '');
        if (name.length === 0 || name.length > 255) {
          throw new ApiError('InvalidParameterValue', 'Invalid security group name. Valid names are non-empty strings less than 256 characters.');
        }
        if (/^sg-/i.test(name)) throw new ApiError('InvalidParameterValue', "Group names may not be in the format sg-*.");
        if (input.GroupDescription.length > 255 || !/^[\x20-\x7e]*$/.test(input.GroupDescription)) {
          throw new ApiError('InvalidParameterValue', 'Character sets beyond ASCII are not supported.');
        }
        const vpc: Vpc | undefined = input.VpcId ? cloud.vpc(ctx.account, input.VpcId) : cloud.defaultVpc(ctx.account);
        if (!vpc) throw new ApiError('VPCIdNotSpecified', 'No default VPC for this user');
        if (name === 'default') throw new ApiError('InvalidGroup.Reserved', "The security group 'default' is reserved");
        if (state.list<SecurityGroup>('security-group', ctx.account).some((g) => g.vpcId === vpc.id && g.name === name)) {
          throw new ApiError('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpc.id}'`);
        }
        const tags = tagsFor(input.TagSpecification, 'security-group');
        dryRun(input);
        const g = state.put<SecurityGroup>('security-group', {
          id: newId('sg'),
          account: ctx.account,
          tags,
          created: cloud.now(),
          vpcId: vpc.id,
          name,
          description: input.GroupDescription,
          rules: [{ ruleId: newId('sgr'), egress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
        });
        cloud.networkChanged();
        return { groupId: g.id, tagSet: tagsOut(g.tags), securityGroupArn: arn(cloud.region, g.account, `security-group/${g.id}`) };
      },
    },
    {
      name: 'DescribeSecurityGroups',
      input: struct({ GroupId: list(str()), GroupName: list(str()), ...describeCommon }),
      output: struct({ securityGroupInfo: list(SecurityGroupShape), nextToken: str() }),
      errors: ['InvalidGroup.NotFound'],
      handler(ctx, input) {
        let groups = byIds(state.list<SecurityGroup>('security-group', ctx.account), input.GroupId, (m) =>
          new ApiError('InvalidGroup.NotFound', `The security group '${m[0]}' does not exist`),
        );
        if (input.GroupName?.length) {
          const names: string[] = input.GroupName;
          const defaultVpc = cloud.defaultVpc(ctx.account)?.id;
          for (const n of names) {
            if (!groups.some((g) => g.name === n)) {
              throw new ApiError('InvalidGroup.NotFound', `The security group '${n}' does not exist in default VPC '${defaultVpc ?? 'none'}'`);
            }
          }
          groups = groups.filter((g) => names.includes(g.name));
        }
        const perm = (egress: boolean, read: (r: SgRule) => unknown) => (g: SecurityGroup) =>
          g.rules.filter((r) => r.egress === egress).map((r) => read(r) as string);
        groups = applyFilters(groups, input.Filter, {
          'group-id': (g) => g.id,
          'group-name': (g) => g.name,
          'vpc-id': (g) => g.vpcId,
          description: (g) => g.description,
          'owner-id': (g) => g.account,
          'ip-permission.protocol': perm(false, (r) => r.protocol),
          'ip-permission.from-port': perm(false, (r) => r.fromPort),
          'ip-permission.to-port': perm(false, (r) => r.toPort),
          'ip-permission.cidr': perm(false, (r) => r.cidrIpv4),
          'ip-permission.ipv6-cidr': perm(false, (r) => r.cidrIpv6),
          'ip-permission.group-id': perm(false, (r) => r.groupId),
          'ip-permission.user-id': perm(false, (r) => r.groupOwner),
          'egress.ip-permission.protocol': perm(true, (r) => r.protocol),
          'egress.ip-permission.from-port': perm(true, (r) => r.fromPort),
          'egress.ip-permission.to-port': perm(true, (r) => r.toPort),
          'egress.ip-permission.cidr': perm(true, (r) => r.cidrIpv4),
          'egress.ip-permission.ipv6-cidr': perm(true, (r) => r.cidrIpv6),
          'egress.ip-permission.group-id': perm(true, (r) => r.groupId),
        });
        const p = page(groups, input);
        return { securityGroupInfo: p.items.map((g) => groupOut(cloud, g)), nextToken: p.nextToken };
      },
    },
    {
      name: 'DeleteSecurityGroup',
      input: struct({ GroupId: str(), GroupName: str(), DryRun: bool() }),
      output: struct({ return: bool(), groupId: str() }),
      errors: ['InvalidGroup.NotFound', 'DependencyViolation', 'CannotDelete', 'InvalidGroup.InUse'],
      handler(ctx, input) {
        const g = target(ctx.account, input);
        if (g.name === 'default') {
          throw new ApiError('CannotDelete', `the specified group: "${g.id}" name: "default" cannot be deleted by a user`);
        }
        const used =
          state.list<Eni>('eni', null).some((e) => e.groupIds.includes(g.id)) ||
          state.list<Instance>('instance', null).some((i) => i.state !== 'terminated' && i.groupIds.includes(g.id)) ||
          state.list<CacheCluster>('cache-cluster', null).some((c) => c.securityGroupIds.includes(g.id)) ||
          state
            .list<SecurityGroup>('security-group', null)
            .some((other) => other.id !== g.id && other.rules.some((r) => r.groupId === g.id));
        if (used) throw new ApiError('DependencyViolation', `resource ${g.id} has a dependent object`);
        dryRun(input);
        state.remove('security-group', ctx.account, g.id);
        cloud.networkChanged();
        return { return: true, groupId: g.id };
      },
    },
    {
      name: 'AuthorizeSecurityGroupIngress',
      input: struct(ruleChangeInput),
      output: authorizeOutput,
      errors: ruleErrors,
      handler: authorize(false),
    },
    {
      name: 'AuthorizeSecurityGroupEgress',
      input: struct(ruleChangeInput),
      output: authorizeOutput,
      errors: ruleErrors,
      handler: authorize(true),
    },
    {
      name: 'RevokeSecurityGroupIngress',
      input: struct(ruleChangeInput),
      output: revokeOutput,
      errors: [...ruleErrors, 'InvalidSecurityGroupRuleId.NotFound'],
      handler: revoke(false),
    },
    {
      name: 'RevokeSecurityGroupEgress',
      input: struct(ruleChangeInput),
      output: revokeOutput,
      errors: [...ruleErrors, 'InvalidSecurityGroupRuleId.NotFound'],
      handler: revoke(true),
    },
    {
      name: 'DescribeSecurityGroupRules',
      input: struct({ SecurityGroupRuleId: list(str()), ...describeCommon }),
      output: struct({ securityGroupRuleSet: list(SecurityGroupRuleShape), nextToken: str() }),
      errors: ['InvalidSecurityGroupRuleId.NotFound'],
      handler(ctx, input) {
        let rules: { g: SecurityGroup; r: SgRule; tags: [] }[] = [];
        for (const g of state.list<SecurityGroup>('security-group', ctx.account)) {
          for (const r of g.rules) rules.push({ g, r, tags: [] });
        }
        const ids: string[] | undefined = input.SecurityGroupRuleId;
        if (ids?.length) {
          for (const id of ids) {
            if (!rules.some((x) => x.r.ruleId === id)) {
              throw new ApiError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
            }
          }
          rules = rules.filter((x) => ids.includes(x.r.ruleId));
        }
        rules = applyFilters(rules, input.Filter, {
          'group-id': (x) => x.g.id,
          'security-group-rule-id': (x) => x.r.ruleId,
        });
        const p = page(rules, input);
        return { securityGroupRuleSet: p.items.map((x) => ruleOut(cloud, x.g, x.r)), nextToken: p.nextToken };
      },
    },
    {
      name: 'ModifySecurityGroupRules',
      input: struct(
        {
          GroupId: str(),
          SecurityGroupRule: list(
            struct({
              SecurityGroupRuleId: str(),
              SecurityGroupRule: struct({
                IpProtocol: str(),
                FromPort: int(),
                ToPort: int(),
                CidrIpv4: str(),
                CidrIpv6: str(),
                PrefixListId: str(),
                ReferencedGroupId: str(),
                Description: str(),
              }),
            }),
          ),
          DryRun: bool(),
        },
        ['GroupId', 'SecurityGroupRule'],
      ),
      output: struct({ return: bool() }),
      errors: ['InvalidGroup.NotFound', 'InvalidSecurityGroupRuleId.NotFound', 'InvalidPermission.Duplicate'],
      handler(ctx, input) {
        const group = cloud.group(ctx.account, input.GroupId);
        const updated = group.rules.map((r) => ({ ...r }));
        for (const change of input.SecurityGroupRule as any[]) {
          const i = updated.findIndex((r) => r.ruleId === change.SecurityGroupRuleId);
          if (i === -1) {
            throw new ApiError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${change.SecurityGroupRuleId}' does not exist`);
          }
          const spec = change.SecurityGroupRule ?? {};
          const perm: IpPermissionInput = { IpProtocol: spec.IpProtocol, FromPort: spec.FromPort, ToPort: spec.ToPort };
          if (spec.CidrIpv4) perm.IpRanges = [{ CidrIp: spec.CidrIpv4, Description: spec.Description }];
          else if (spec.CidrIpv6) perm.Ipv6Ranges = [{ CidrIpv6: spec.CidrIpv6, Description: spec.Description }];
          else if (spec.PrefixListId) perm.PrefixListIds = [{ PrefixListId: spec.PrefixListId, Description: spec.Description }];
          else if (spec.ReferencedGroupId) perm.Groups = [{ GroupId: spec.ReferencedGroupId, Description: spec.Description }];
          const [rule] = rulesOf(cloud, ctx.account, group, updated[i].egress, perm);
          rule.ruleId = updated[i].ruleId;
          if (rule.description === undefined) delete rule.description;
          if (updated.some((x, j) => j !== i && sameRule(x, rule))) {
            throw new ApiError('InvalidPermission.Duplicate', `the specified rule "${describeRule(rule)}" already exists`);
          }
          updated[i] = rule;
        }
        dryRun(input);
        group.rules = updated;
        state.put('security-group', group);
        cloud.networkChanged();
        return { return: true };
      },
    },
  ];
}
