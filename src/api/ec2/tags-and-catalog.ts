// EC2 tags (CreateTags DeleteTags DescribeTags) and the region's catalog
// (DescribeAvailabilityZones DescribeRegions DescribeImages DescribeAccountAttributes).

import { ApiError } from '../errors.js';
import { bool, list, str, struct, Operation } from '../shapes.js';
import type { Cloud } from '../../control/cloud.js';
import { IMAGES, setTags } from '../../control/cloud.js';
import type { Tag } from '../../control/model.js';
import type { Doc, Kind } from '../../control/state.js';
import { applyFilters } from '../../control/filters.js';
import { checkTag, describeCommon, dryRun, page, TagIn } from './common.js';

const RESOURCE_TYPES: Partial<Record<Kind, string>> = {
  vpc: 'vpc',
  subnet: 'subnet',
  'security-group': 'security-group',
  instance: 'instance',
  address: 'elastic-ip',
  eni: 'network-interface',
  peering: 'vpc-peering-connection',
  'flow-log': 'vpc-flow-log',
};

const NOT_FOUND: Partial<Record<Kind, [string, string]>> = {
  vpc: ['InvalidVpcID.NotFound', 'vpc ID'],
  subnet: ['InvalidSubnetID.NotFound', 'subnet ID'],
  'security-group': ['InvalidGroup.NotFound', 'security group'],
  instance: ['InvalidInstanceID.NotFound', 'instance ID'],
  address: ['InvalidAllocationID.NotFound', 'allocation ID'],
  eni: ['InvalidNetworkInterfaceID.NotFound', 'networkInterface ID'],
  peering: ['InvalidVpcPeeringConnectionID.NotFound', 'vpcPeeringConnection ID'],
  'flow-log': ['InvalidFlowLogId.NotFound', 'flow log ID'],
};

type Tagged = Doc & { tags: Tag[] };

export function tagAndCatalogOperations(cloud: Cloud): Operation[] {
  const { state } = cloud;

  function resource(account: string, id: string): { kind: Kind; doc: Tagged } {
    const kind = cloud.kindOf(id);
    if (!kind) throw new ApiError('InvalidID', `The ID '${id}' is not valid`);
    const doc = state.get<Tagged>(kind, account, id);
    if (!doc) {
      const [code, what] = NOT_FOUND[kind]!;
      throw new ApiError(code, `The ${what} '${id}' does not exist`);
    }
    return { kind, doc };
  }

  const tagsIn = struct({ ResourceId: list(str()), Tag: list(TagIn), DryRun: bool() }, ['ResourceId']);

  return [
    {
      name: 'CreateTags',
      input: tagsIn,
      output: null,
      errors: ['InvalidID'],
      handler(ctx, input) {
        const targets = (input.ResourceId as string[]).map((id) => resource(ctx.account, id));
        const tags = ((input.Tag ?? []) as { Key?: string; Value?: string }[]).map(checkTag);
        if (tags.length === 0) throw new ApiError('MissingParameter', 'The request must contain the parameter Tags');
        dryRun(input);
        state.tx(() => {
          for (const { kind, doc } of targets) {
            doc.tags = setTags(doc.tags, tags);
            if (doc.tags.length > 50) throw new ApiError('TagLimitExceeded', 'The maximum number of Tags for a resource has been reached.');
            state.put(kind, doc);
          }
        });
        cloud.networkChanged();
        return undefined;
      },
    },
    {
      name: 'DeleteTags',
      input: tagsIn,
      output: null,
      errors: ['InvalidID'],
      handler(ctx, input) {
        const targets = (input.ResourceId as string[]).map((id) => resource(ctx.account, id));
        const gone = (input.Tag ?? []) as { Key?: string; Value?: string }[];
        dryRun(input);
        state.tx(() => {
          for (const { kind, doc } of targets) {
            // No Tag list: every tag goes. A tag given with a value goes only if the value matches.
            doc.tags = gone.length === 0 ? [] : doc.tags.filter((t) => !gone.some((g) => g.Key === t.Key && (g.Value === undefined || g.Value === t.Value)));
            state.put(kind, doc);
          }
        });
        cloud.networkChanged();
        return undefined;
      },
    },
    {
      name: 'DescribeTags',
      input: struct(describeCommon),
      output: struct({ tagSet: list(struct({ resourceId: str(), resourceType: str(), key: str(), value: str() })), nextToken: str() }),
      errors: [],
      handler(ctx, input) {
        type Row = { resourceId: string; resourceType: string; key: string; value: string; tags: Tag[] };
        let rows: Row[] = [];
        for (const [kind, type] of Object.entries(RESOURCE_TYPES) as [Kind, string][]) {
          for (const doc of state.list<Tagged>(kind, ctx.account)) {
            for (const t of doc.tags) rows.push({ resourceId: doc.id, resourceType: type, key: t.Key, value: t.Value, tags: doc.tags });
          }
        }
        rows = applyFilters(rows, input.Filter, {
          'resource-id': (r) => r.resourceId,
          'resource-type': (r) => r.resourceType,
          key: (r) => r.key,
          value: (r) => r.value,
        });
        const p = page(rows, input);
        return {
          tagSet: p.items.map((r) => ({ resourceId: r.resourceId, resourceType: r.resourceType, key: r.key, value: r.value })),
          nextToken: p.nextToken,
        };
      },
    },
    {
      name: 'DescribeAvailabilityZones',
      input: struct({ ZoneName: list(str()), ZoneId: list(str()), AllAvailabilityZones: bool(), Filter: describeCommon.Filter, DryRun: bool() }),
      output: struct({
        availabilityZoneInfo: list(
          struct({
            zoneName: str(),
            zoneState: str(),
            regionName: str(),
            zoneId: str(),
            zoneType: str(),
            optInStatus: str(),
            groupName: str(),
            networkBorderGroup: str(),
            messageSet: list(struct({ message: str() })),
          }),
        ),
      }),
      errors: [],
      handler(_ctx, input) {
        let zones = cloud.azs.map((z) => ({ name: z, id: cloud.azId(z), tags: [] as Tag[] }));
        for (const n of input.ZoneName ?? []) {
          if (!zones.some((z) => z.name === n)) throw new ApiError('InvalidParameterValue', `Invalid availability zone: [${n}]`);
        }
        if (input.ZoneName?.length) zones = zones.filter((z) => input.ZoneName.includes(z.name));
        if (input.ZoneId?.length) zones = zones.filter((z) => input.ZoneId.includes(z.id));
        zones = applyFilters(zones, input.Filter, {
          'zone-name': (z) => z.name,
          'zone-id': (z) => z.id,
          state: () => 'available',
          'region-name': () => cloud.region,
          'zone-type': () => 'availability-zone',
          'group-name': () => cloud.region,
          'opt-in-status': () => 'opt-in-not-required',
        });
        return {
          availabilityZoneInfo: zones.map((z) => ({
            zoneName: z.name,
            zoneState: 'available',
            regionName: cloud.region,
            zoneId: z.id,
            zoneType: 'availability-zone',
            optInStatus: 'opt-in-not-required',
            groupName: cloud.region,
            networkBorderGroup: cloud.region,
            messageSet: [],
          })),
        };
      },
    },
    {
      name: 'DescribeRegions',
      input: struct({ RegionName: list(str()), AllRegions: bool(), Filter: describeCommon.Filter, DryRun: bool() }),
      output: struct({ regionInfo: list(struct({ regionName: str(), regionEndpoint: str(), optInStatus: str() })) }),
      errors: [],
      handler() {
        return { regionInfo: [{ regionName: cloud.region, regionEndpoint: `ec2.${cloud.region}.amazonaws.com`, optInStatus: 'opt-in-not-required' }] };
      },
    },
    {
      name: 'DescribeImages',
      input: struct({ ImageId: list(str()), Owner: list(str()), ExecutableBy: list(str()), IncludeDeprecated: bool(), ...describeCommon }),
      output: struct({
        imagesSet: list(
          struct({
            imageId: str(),
            imageLocation: str(),
            imageState: str(),
            imageOwnerId: str(),
            creationDate: str(),
            isPublic: bool(),
            architecture: str(),
            imageType: str(),
            name: str(),
            description: str(),
            rootDeviceType: str(),
            rootDeviceName: str(),
            virtualizationType: str(),
            hypervisor: str(),
            platformDetails: str(),
            usageOperation: str(),
            enaSupport: bool(),
            imageOwnerAlias: str(),
            blockDeviceMapping: list(struct({ deviceName: str() })),
            tagSet: list(struct({ key: str(), value: str() })),
          }),
        ),
        nextToken: str(),
      }),
      errors: ['InvalidAMIID.NotFound'],
      handler(_ctx, input) {
        let images = IMAGES.map((im) => ({ ...im, tags: [] as Tag[] }));
        for (const id of input.ImageId ?? []) {
          if (!images.some((i) => i.imageId === id)) throw new ApiError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
        }
        if (input.ImageId?.length) images = images.filter((i) => input.ImageId.includes(i.imageId));
        if (input.Owner?.length) images = images.filter(() => (input.Owner as string[]).some((o) => ['self', 'amazon', '000000000000', 'cove'].includes(o)));
        images = applyFilters(images, input.Filter, {
          'image-id': (i) => i.imageId,
          name: (i) => i.name,
          description: (i) => i.description,
          architecture: () => 'x86_64',
          state: () => 'available',
          'owner-alias': () => 'amazon',
          'owner-id': () => '000000000000',
          'image-type': () => 'machine',
          'root-device-type': () => 'ebs',
          'virtualization-type': () => 'hvm',
          'is-public': () => true,
          'platform-details': () => 'Linux/UNIX',
        });
        const p = page(images, input);
        return {
          imagesSet: p.items.map((i) => ({
            imageId: i.imageId,
            imageLocation: `amazon/${i.name}`,
            imageState: 'available',
            imageOwnerId: '000000000000',
            creationDate: '2026-11-01T00:00:00.000Z',
            isPublic: true,
            architecture: 'x86_64',
            imageType: 'machine',
            name: i.name,
            description: i.description,
            rootDeviceType: 'ebs',
            rootDeviceName: '/dev/xvda',
            virtualizationType: 'hvm',
            hypervisor: 'xen',
            platformDetails: 'Linux/UNIX',
            usageOperation: 'RunInstances',
            enaSupport: true,
            imageOwnerAlias: 'amazon',
            blockDeviceMapping: [{ deviceName: '/dev/xvda' }],
            tagSet: [],
          })),
          nextToken: p.nextToken,
        };
      },
    },
    {
      name: 'DescribeAccountAttributes',
      input: struct({ AttributeName: list(str()), DryRun: bool() }),
      output: struct({
        accountAttributeSet: list(struct({ attributeName: str(), attributeValueSet: list(struct({ attributeValue: str() })) })),
      }),
      errors: [],
      handler(ctx, input) {
        const attrs: Record<string, string[]> = {
          'supported-platforms': ['VPC'],
          'default-vpc': [cloud.defaultVpc(ctx.account)?.id ?? 'none'],
          'max-instances': ['20'],
          'vpc-max-security-groups-per-interface': ['5'],
          'max-elastic-ips': ['5'],
          'vpc-max-elastic-ips': ['5'],
        };
        const names: string[] = input.AttributeName?.length ? input.AttributeName : Object.keys(attrs);
        return {
          accountAttributeSet: names
            .filter((n) => attrs[n])
            .map((n) => ({ attributeName: n, attributeValueSet: attrs[n].map((v) => ({ attributeValue: v })) })),
        };
      },
    },
  ];
}
