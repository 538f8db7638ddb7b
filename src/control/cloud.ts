// The control plane's shared context: durable state plus the region's fixed facts
// (availability zones, images, the Elastic IP pool), per-account defaults (a new
// account gets a default VPC like a new AWS account) and the lookups every service
// uses (with AWS's not-found errors).

import { State, Kind, Doc } from './state.js';
import type { Vpc, Subnet, SecurityGroup, Eni, Tag, SgRule } from './model.js';
import { newId, newMac } from './ids.js';
import { ApiError } from '../api/errors.js';
import { formatIp, parseCidr, parseIp, MAX_VPC_NUMBER } from '../network/addressing.js';

export const DEFAULT_ACCOUNT = '000000000000';

export interface Image {
  imageId: string;
  name: string;
  description: string;
  /** The Cove NAT image: instances launched from it forward ports (issue 5). */
  nat: boolean;
}

export const IMAGES: Image[] = [
  {
    imageId: 'ami-0c0fe000000000001',
    name: 'cove-linux-2026.11',
    description: 'Cove general-purpose Linux image',
    nat: false,
  },
  {
    imageId: 'ami-0c0fe0000000000a7',
    name: 'cove-nat-2026.11',
    description: 'Cove NAT instance image: forwards ports to cache nodes (iptables user data or cove:forward tag)',
    nat: true,
  },
];

/** Hooks the reconciler and the network layer attach to. */
export interface CloudHooks {
  /** A cache cluster's desired state changed: wake the reconciler. */
  clusterChanged?: (account: string, clusterId: string) => void;
  /** Security groups, ENIs, instances or addresses changed (for the network driver). */
  networkChanged?: () => void;
  /** A replication group's desired state changed: wake its controller (control/replication-groups.ts). */
  replicationGroupChanged?: (account: string, groupId: string) => void;
}

export class Cloud {
  readonly hooks: CloudHooks = {};
  readonly azs: string[];

  constructor(
    readonly state: State,
    readonly region = 'us-east-1',
    /** Elastic IPs come from this /16 (DESIGN.md §9: 127.200.0.0/16). */
    readonly publicPool = '127.200.0.0/16',
  ) {
    this.azs = ['a', 'b', 'c'].map((z) => region + z);
  }

  azId(az: string): string {
    const short = this.region.replace(/^(\w\w)-(\w)\w*-(\d+)$/, '$1$2$3');
    return `${short}-az${az.charCodeAt(az.length - 1) - 96}`;
  }

  now(): string {
    return new Date().toISOString();
  }

  // ---- accounts ------------------------------------------------------------------

  /** Makes sure an account has what a new AWS account has: a default VPC with a subnet per AZ. */
  ensureAccount(account: string): void {
    if (this.state.list<Vpc>('vpc', account).some((v) => v.isDefault)) return;
    if (this.state.getMeta(`account-initialized:${account}`)) return;
    this.state.tx(() => {
      const vpc = this.createVpc(account, '172.31.0.0/16', true, []);
      this.azs.forEach((az, i) => {
        this.state.put<Subnet>('subnet', {
          id: newId('subnet'),
          account,
          tags: [],
          created: this.now(),
          vpcId: vpc.id,
          cidr: `172.31.${i * 16}.0/20`,
          az,
          defaultForAz: true,
          mapPublicIpOnLaunch: true,
        });
      });
      this.state.setMeta(`account-initialized:${account}`, this.now());
    });
  }

  // ---- VPCs ----------------------------------------------------------------------

  /** Creates a VPC with its default security group; allocates its loopback block. */
  createVpc(account: string, cidr: string, isDefault: boolean, tags: Tag[]): Vpc {
    const used = new Set(this.state.list<Vpc>('vpc', null).map((v) => v.k));
    let k = 1;
    while (used.has(k)) k++;
    if (k > MAX_VPC_NUMBER) throw new ApiError('VpcLimitExceeded', 'The maximum number of VPCs has been reached.');
    return this.state.tx(() => {
      const vpc = this.state.put<Vpc>('vpc', {
        id: newId('vpc'),
        account,
        tags,
        created: this.now(),
        cidr,
        k,
        isDefault,
        enableDnsSupport: true,
        enableDnsHostnames: isDefault,
      });
      const sgId = newId('sg');
      this.state.put<SecurityGroup>('security-group', {
        id: sgId,
        account,
        tags: [],
        created: this.now(),
        vpcId: vpc.id,
        name: 'default',
        description: 'default VPC security group',
        rules: [
          { ruleId: newId('sgr'), egress: false, protocol: '-1', groupId: sgId, groupOwner: account },
          { ruleId: newId('sgr'), egress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' },
        ],
      });
      return vpc;
    });
  }

  defaultVpc(account: string): Vpc | undefined {
    return this.state.list<Vpc>('vpc', account).find((v) => v.isDefault);
  }

  defaultGroup(account: string, vpcId: string): SecurityGroup | undefined {
    return this.state.list<SecurityGroup>('security-group', account).find((g) => g.vpcId === vpcId && g.name === 'default');
  }

  // ---- lookups with AWS's errors ---------------------------------------------------

  vpc(account: string, id: string): Vpc {
    const v = this.state.get<Vpc>('vpc', account, id);
    if (!v) throw new ApiError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
    return v;
  }

  subnet(account: string, id: string): Subnet {
    const s = this.state.get<Subnet>('subnet', account, id);
    if (!s) throw new ApiError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
    return s;
  }

  group(account: string, id: string): SecurityGroup {
    const g = this.state.get<SecurityGroup>('security-group', account, id);
    if (!g) throw new ApiError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    return g;
  }

  /** A group by name: in the given VPC, or the default VPC (EC2-Classic style names). */
  groupByName(account: string, name: string, vpcId?: string): SecurityGroup {
    const vpc = vpcId ?? this.defaultVpc(account)?.id;
    const g = this.state.list<SecurityGroup>('security-group', account).find((x) => x.name === name && x.vpcId === vpc);
    if (!g) {
      throw new ApiError(
        'InvalidGroup.NotFound',
        `The security group '${name}' does not exist in default VPC '${vpc ?? 'none'}'`,
      );
    }
    return g;
  }

  // ---- addresses ---------------------------------------------------------------

  /** Private addresses in use in a subnet (every ENI's address). */
  takenIn(subnetId: string): Set<number> {
    const taken = new Set<number>();
    for (const eni of this.state.list<Eni>('eni', null)) {
      if (eni.subnetId === subnetId) taken.add(parseIp(eni.privateIp)!);
    }
    return taken;
  }

  /** Creates an ENI in a subnet at `ip` (already checked free). */
  createEni(
    account: string,
    subnet: Subnet,
    ip: number,
    groupIds: string[],
    description: string,
    extra: Partial<Eni> = {},
  ): Eni {
    return this.state.put<Eni>('eni', {
      id: newId('eni'),
      account,
      tags: [],
      created: this.now(),
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      az: subnet.az,
      privateIp: formatIp(ip),
      macAddress: newMac(),
      groupIds,
      description,
      interfaceType: 'interface',
      requesterManaged: false,
      sourceDestCheck: true,
      ...extra,
    });
  }

  /** The next free Elastic IP of the pool. */
  nextPublicIp(): string {
    const pool = parseCidr(this.publicPool)!;
    const taken = new Set(this.state.list<{ publicIp: string } & Doc>('address', null).map((a) => parseIp(a.publicIp)));
    // A /31 or /32 (a real interface's own address) has no network or broadcast address to skip.
    const small = pool.prefix >= 31;
    const first = small ? pool.base : pool.base + 1;
    const end = pool.base + 2 ** (32 - pool.prefix) - (small ? 0 : 1);
    for (let ip = first; ip < end; ip++) {
      if (!small && ((ip & 255) === 0 || (ip & 255) === 255)) continue;
      if (!taken.has(ip)) return formatIp(ip);
    }
    throw new ApiError('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
  }

  // ---- tags ----------------------------------------------------------------------

  /** Which kind of resource an EC2 id names, from its prefix. */
  kindOf(id: string): Kind | null {
    const prefix = id.slice(0, id.lastIndexOf('-'));
    switch (prefix) {
      case 'vpc':
        return 'vpc';
      case 'subnet':
        return 'subnet';
      case 'sg':
        return 'security-group';
      case 'i':
        return 'instance';
      case 'eipalloc':
        return 'address';
      case 'eni':
        return 'eni';
      case 'pcx':
        return 'peering';
      case 'fl':
        return 'flow-log';
      default:
        return null;
    }
  }

  /** Notifies the network layer that something it enforces changed. */
  networkChanged(): void {
    this.hooks.networkChanged?.();
  }
}

export function setTags(tags: Tag[], add: Tag[]): Tag[] {
  const out = [...tags];
  for (const t of add) {
    const i = out.findIndex((x) => x.Key === t.Key);
    if (i === -1) out.push({ Key: t.Key, Value: t.Value ?? '' });
    else out[i] = { Key: t.Key, Value: t.Value ?? '' };
  }
  return out;
}

export type { SgRule };
