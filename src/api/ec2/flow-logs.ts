// VPC Flow Logs: CreateFlowLogs DescribeFlowLogs DeleteFlowLogs. A flow log covers a
// VPC, a subnet or one network interface; Cove delivers its records to a file in the
// data dir (flow-logs/<fl-id>.log), whatever destination type was asked for
// (cloud-watch-logs with a LogGroupName, or s3 with an arn:aws:s3 LogDestination):
// `cove flow-logs` reads them. Records are written by the node processes and the
// NAT gateways (src/network/flow-log.ts) once the subscription is published.

import path from 'node:path';
import { ApiError } from '../errors.js';
import { bool, int, list, str, struct, ts, Operation } from '../shapes.js';
import type { Cloud } from '../../control/cloud.js';
import type { Eni, Subnet, Vpc } from '../../control/model.js';
import { applyFilters } from '../../control/filters.js';
import { newId } from '../../control/ids.js';
import type { FlowLogDoc } from '../../network/view.js';
import { DEFAULT_FORMAT, parseLogFormat } from '../../network/flow-log.js';
import { describeCommon, dryRun, page, tagSet, tagsFor, tagsOut, TagSpecificationIn } from './common.js';

const FlowLogShape = struct({
  creationTime: ts(),
  deliverLogsErrorMessage: str(),
  deliverLogsPermissionArn: str(),
  deliverLogsStatus: str(),
  flowLogId: str(),
  flowLogStatus: str(),
  logGroupName: str(),
  resourceId: str(),
  trafficType: str(),
  logDestinationType: str(),
  logDestination: str(),
  logFormat: str(),
  tagSet,
  maxAggregationInterval: int(),
});

const UnsuccessfulShape = list(struct({ error: struct({ code: str(), message: str() }), resourceId: str() }));

const RESOURCE_TYPES = ['VPC', 'Subnet', 'NetworkInterface', 'TransitGateway', 'TransitGatewayAttachment'] as const;

function flowLogOut(f: FlowLogDoc) {
  return {
    creationTime: f.created,
    deliverLogsPermissionArn: f.deliverLogsPermissionArn,
    deliverLogsStatus: 'SUCCESS',
    flowLogId: f.id,
    flowLogStatus: 'ACTIVE',
    logGroupName: f.logGroupName,
    resourceId: f.resourceId,
    trafficType: f.trafficType,
    logDestinationType: f.logDestinationType,
    logDestination: f.logDestination,
    logFormat: f.logFormat,
    tagSet: tagsOut(f.tags),
    maxAggregationInterval: f.maxAggregationInterval,
  };
}

export function flowLogOperations(cloud: Cloud, dataDir: string): Operation[] {
  const { state } = cloud;

  function checkResource(account: string, type: string, id: string): void {
    if (type === 'VPC') {
      if (!state.get<Vpc>('vpc', account, id)) throw new ApiError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
    } else if (type === 'Subnet') {
      if (!state.get<Subnet>('subnet', account, id)) throw new ApiError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
    } else if (!state.get<Eni>('eni', account, id)) {
      throw new ApiError('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);
    }
  }

  return [
    {
      name: 'CreateFlowLogs',
      input: struct({
        DryRun: bool(),
        ClientToken: str(),
        DeliverLogsPermissionArn: str(),
        DeliverCrossAccountRole: str(),
        LogGroupName: str(),
        ResourceId: list(str()),
        ResourceType: str({ enum: RESOURCE_TYPES }),
        TrafficType: str({ enum: ['ACCEPT', 'REJECT', 'ALL'] }),
        LogDestinationType: str({ enum: ['cloud-watch-logs', 's3', 'kinesis-data-firehose'] }),
        LogDestination: str(),
        LogFormat: str(),
        TagSpecification: TagSpecificationIn,
        MaxAggregationInterval: int(),
      }),
      output: struct({ clientToken: str(), flowLogIdSet: list(str()), unsuccessful: UnsuccessfulShape }),
      errors: ['InvalidParameter', 'InvalidVpcID.NotFound', 'InvalidSubnetID.NotFound', 'InvalidNetworkInterfaceID.NotFound'],
      handler(ctx, input) {
        const ids: string[] = input.ResourceId ?? [];
        if (ids.length === 0) throw new ApiError('MissingParameter', 'The request must contain the parameter ResourceId');
        if (!input.ResourceType) throw new ApiError('MissingParameter', 'The request must contain the parameter ResourceType');
        if (input.ResourceType.startsWith('TransitGateway')) {
          throw new ApiError('InvalidParameter', `Cove has no transit gateways: flow logs cover VPC, Subnet and NetworkInterface resources.`);
        }
        if (!input.TrafficType) throw new ApiError('MissingParameter', 'The request must contain the parameter TrafficType');
        const destType: string = input.LogDestinationType ?? 'cloud-watch-logs';
        if (destType === 'kinesis-data-firehose') {
          throw new ApiError('InvalidParameter', 'Cove delivers flow logs to files in its data dir: use cloud-watch-logs (LogGroupName) or s3 (LogDestination).');
        }
        if (destType === 'cloud-watch-logs') {
          if (input.LogGroupName && input.LogDestination) throw new ApiError('InvalidParameter', 'Please only provide LogGroupName or only provide LogDestination.');
          if (!input.LogGroupName && !input.LogDestination) throw new ApiError('InvalidParameter', 'Please provide either LogGroupName or LogDestination.');
          if (input.LogDestination && !/^arn:aws[\w-]*:logs:[\w-]*:\d*:log-group:[\w./#-]+(:\*)?$/.test(input.LogDestination)) {
            throw new ApiError('InvalidParameter', `LogDestination: ${input.LogDestination} is not a valid CloudWatch Logs log group ARN.`);
          }
        } else {
          if (input.LogGroupName) throw new ApiError('InvalidParameter', 'LogGroupName is not supported with LogDestinationType s3.');
          if (!input.LogDestination || !/^arn:aws[\w-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(input.LogDestination)) {
            throw new ApiError('InvalidParameter', `LogDestination: ${input.LogDestination ?? ''} is not a valid S3 ARN.`);
          }
        }
        const interval: number = input.MaxAggregationInterval ?? 600;
        if (interval !== 60 && interval !== 600) {
          throw new ApiError('InvalidParameter', 'Invalid Flow Log Max Aggregation Interval: must be either 60 or 600 seconds.');
        }
        const format: string = input.LogFormat ?? DEFAULT_FORMAT;
        const parsed = parseLogFormat(format);
        if ('error' in parsed) throw new ApiError('InvalidParameter', parsed.error);
        for (const id of ids) checkResource(ctx.account, input.ResourceType, id);
        const tags = tagsFor(input.TagSpecification, 'vpc-flow-log');
        dryRun(input);
        const created: string[] = [];
        const unsuccessful: { error: { code: string; message: string }; resourceId: string }[] = [];
        const logGroupName: string | undefined = input.LogGroupName ?? (destType === 'cloud-watch-logs' ? input.LogDestination?.replace(/^.*:log-group:/, '').replace(/:\*$/, '') : undefined);
        state.tx(() => {
          for (const resourceId of ids) {
            const same = state
              .list<FlowLogDoc>('flow-log', ctx.account)
              .find((f) => f.resourceId === resourceId && f.trafficType === input.TrafficType && f.logDestinationType === destType && (f.logGroupName ?? f.logDestination) === (logGroupName ?? input.LogDestination));
            if (same) {
              unsuccessful.push({
                error: { code: 'FlowLogAlreadyExists', message: 'Error. There is an existing Flow Log with the same configuration and log destination.' },
                resourceId,
              });
              continue;
            }
            const id = newId('fl');
            state.put<FlowLogDoc>('flow-log', {
              id,
              account: ctx.account,
              tags,
              created: cloud.now(),
              resourceId,
              resourceType: input.ResourceType,
              trafficType: input.TrafficType,
              logDestinationType: destType as 'cloud-watch-logs' | 's3',
              logDestination: input.LogDestination,
              logGroupName,
              logFormat: format,
              fields: parsed.fields,
              maxAggregationInterval: interval,
              deliverLogsPermissionArn: input.DeliverLogsPermissionArn,
              clientToken: input.ClientToken,
              file: path.join(dataDir, 'flow-logs', `${id}.log`),
            });
            created.push(id);
          }
        });
        cloud.networkChanged();
        return { clientToken: input.ClientToken, flowLogIdSet: created, unsuccessful };
      },
    },
    {
      name: 'DescribeFlowLogs',
      input: struct({ FlowLogId: list(str()), ...describeCommon }),
      output: struct({ flowLogSet: list(FlowLogShape), nextToken: str() }),
      errors: [],
      handler(ctx, input) {
        let logs = state.list<FlowLogDoc>('flow-log', ctx.account);
        const ids: string[] | undefined = input.FlowLogId;
        if (ids?.length) logs = logs.filter((f) => ids.includes(f.id));
        logs = applyFilters(logs, input.Filter, {
          'flow-log-id': (f) => f.id,
          'resource-id': (f) => f.resourceId,
          'traffic-type': (f) => f.trafficType,
          'log-destination-type': (f) => f.logDestinationType,
          'log-group-name': (f) => f.logGroupName,
          'deliver-log-status': () => 'SUCCESS',
        });
        const p = page(logs, input);
        return { flowLogSet: p.items.map(flowLogOut), nextToken: p.nextToken };
      },
    },
    {
      name: 'DeleteFlowLogs',
      input: struct({ FlowLogId: list(str()), DryRun: bool() }, ['FlowLogId']),
      output: struct({ unsuccessful: UnsuccessfulShape }),
      errors: [],
      handler(ctx, input) {
        dryRun(input);
        const unsuccessful: { error: { code: string; message: string }; resourceId: string }[] = [];
        state.tx(() => {
          for (const id of input.FlowLogId as string[]) {
            if (!state.get('flow-log', ctx.account, id)) {
              unsuccessful.push({ error: { code: 'InvalidFlowLogId.NotFound', message: `Flow Log ${id} does not exist` }, resourceId: id });
              continue;
            }
            state.remove('flow-log', ctx.account, id);
          }
        });
        cloud.networkChanged();
        return { unsuccessful };
      },
    },
  ];
}
