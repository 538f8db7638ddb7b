// The network's API surface through the AWS SDK against an in-process control plane:
// CreateFlowLogs / DescribeFlowLogs / DeleteFlowLogs with AWS's validation and
// shapes, the published network view, `--public-pool` with a single address, and the
// NAT configuration read from user data (ignored lines reported).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AllocateAddressCommand,
  CreateFlowLogsCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteFlowLogsCommand,
  DescribeFlowLogsCommand,
  DescribeTagsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { startControlPlane } from '../../src/control/control-plane.js';
import { clients, MAIN_JS, reap, tempDir } from '../control/harness.js';
import type { NetworkView } from '../../src/network/view.js';
import { publicPoolOf } from '../../src/cli/up.js';

async function plane(publicPool?: string) {
  const dataDir = tempDir('cove-net-api-');
  const p = await startControlPlane({ dataDir, api: '127.0.0.1:0', mainJs: MAIN_JS, publicPool });
  const sdk = clients(p.endpoint);
  return {
    p,
    sdk,
    dataDir,
    view: () => JSON.parse(fs.readFileSync(path.join(dataDir, 'run', 'network.json'), 'utf8')) as NetworkView,
    close: async () => {
      sdk.ec2.destroy();
      sdk.ec.destroy();
      await p.stop({ nodes: true });
      await reap(dataDir);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

test('flow logs: create per resource, describe with filters, duplicates and unknown ids reported, delete', async () => {
  const c = await plane();
  try {
    const vpc = (await c.sdk.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const subnet = (await c.sdk.ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.1.0/24' }))).Subnet!.SubnetId!;
    const made = await c.sdk.ec2.send(
      new CreateFlowLogsCommand({ ResourceIds: [vpc], ResourceType: 'VPC', TrafficType: 'REJECT', LogGroupName: 'rejects', ClientToken: 'tok-1', TagSpecifications: [{ ResourceType: 'vpc-flow-log', Tags: [{ Key: 'team', Value: 'net' }] }] }),
    );
    assert.equal(made.ClientToken, 'tok-1');
    assert.deepEqual(made.Unsuccessful, []);
    assert.match(made.FlowLogIds![0], /^fl-[0-9a-f]{17}$/);
    const s3 = await c.sdk.ec2.send(
      new CreateFlowLogsCommand({
        ResourceIds: [subnet],
        ResourceType: 'Subnet',
        TrafficType: 'ALL',
        LogDestinationType: 's3',
        LogDestination: 'arn:aws:s3:::flow-bucket/cove',
        LogFormat: '${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${flow-direction}',
        MaxAggregationInterval: 60,
      }),
    );
    const dup = await c.sdk.ec2.send(new CreateFlowLogsCommand({ ResourceIds: [vpc], ResourceType: 'VPC', TrafficType: 'REJECT', LogGroupName: 'rejects' }));
    assert.deepEqual(dup.FlowLogIds, []);
    assert.equal(dup.Unsuccessful![0].Error!.Code, 'FlowLogAlreadyExists');
    assert.equal(dup.Unsuccessful![0].ResourceId, vpc);

    const all = (await c.sdk.ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs!;
    assert.equal(all.length, 2);
    const r = all.find((f) => f.FlowLogId === made.FlowLogIds![0])!;
    assert.equal(r.ResourceId, vpc);
    assert.equal(r.TrafficType, 'REJECT');
    assert.equal(r.LogDestinationType, 'cloud-watch-logs');
    assert.equal(r.LogGroupName, 'rejects');
    assert.equal(r.DeliverLogsStatus, 'SUCCESS');
    assert.equal(r.MaxAggregationInterval, 600);
    assert.deepEqual(r.Tags, [{ Key: 'team', Value: 'net' }]);
    const byFilter = (await c.sdk.ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: 'log-destination-type', Values: ['s3'] }] }))).FlowLogs!;
    assert.deepEqual(byFilter.map((f) => [f.FlowLogId, f.LogDestination, f.MaxAggregationInterval]), [[s3.FlowLogIds![0], 'arn:aws:s3:::flow-bucket/cove', 60]]);
    // Flow logs take tags like other EC2 resources.
    await c.sdk.ec2.send(new CreateTagsCommand({ Resources: [s3.FlowLogIds![0]], Tags: [{ Key: 'k', Value: 'v' }] }));
    const tags = (await c.sdk.ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [s3.FlowLogIds![0]] }] }))).Tags!;
    assert.deepEqual(tags.map((t) => [t.ResourceType, t.Key]), [['vpc-flow-log', 'k']]);

    // The subscriptions reach the nodes in the view, with their files in the data dir.
    const published = c.view().flowLogs;
    assert.deepEqual(published.map((f) => [f.resourceId, f.trafficType, f.file]).sort(), [
      [subnet, 'ALL', path.join(c.dataDir, 'flow-logs', `${s3.FlowLogIds![0]}.log`)],
      [vpc, 'REJECT', path.join(c.dataDir, 'flow-logs', `${made.FlowLogIds![0]}.log`)],
    ].sort());
    assert.deepEqual(published.find((f) => f.resourceId === subnet)!.fields, ['version', 'vpc-id', 'srcaddr', 'dstaddr', 'action', 'flow-direction']);

    const del = await c.sdk.ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [made.FlowLogIds![0], 'fl-00000000000000000'] }));
    assert.deepEqual(del.Unsuccessful!.map((u) => [u.ResourceId, u.Error!.Code]), [['fl-00000000000000000', 'InvalidFlowLogId.NotFound']]);
    assert.equal((await c.sdk.ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs!.length, 1);
    assert.equal(c.view().flowLogs.length, 1);
  } finally {
    await c.close();
  }
});

test('CreateFlowLogs validates as AWS does', async () => {
  const c = await plane();
  try {
    const vpc = (await c.sdk.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const fails = (input: Record<string, unknown>, name: string, message?: RegExp) =>
      assert.rejects(c.sdk.ec2.send(new CreateFlowLogsCommand({ ResourceIds: [vpc], ResourceType: 'VPC', TrafficType: 'ALL', LogGroupName: 'g', ...input } as never)), (e: Error) => {
        assert.equal(e.name, name, e.message);
        if (message) assert.match(e.message, message);
        return true;
      });
    await fails({ ResourceIds: ['vpc-00000000000000000'] }, 'InvalidVpcID.NotFound', /The vpc ID 'vpc-00000000000000000' does not exist/);
    await fails({ ResourceType: 'NetworkInterface', ResourceIds: ['eni-00000000000000000'] }, 'InvalidNetworkInterfaceID.NotFound');
    await fails({ LogGroupName: undefined }, 'InvalidParameter', /Please provide either LogGroupName or LogDestination/);
    await fails({ LogDestinationType: 's3', LogGroupName: undefined, LogDestination: 'bucket' }, 'InvalidParameter', /not a valid S3 ARN/);
    await fails({ LogDestinationType: 'kinesis-data-firehose' }, 'InvalidParameter', /cloud-watch-logs/);
    await fails({ MaxAggregationInterval: 30 }, 'InvalidParameter', /60 or 600/);
    await fails({ LogFormat: '${version} ${nope}' }, 'InvalidParameter', /Unknown fields: \[nope\]/);
    await fails({ TrafficType: 'SOME' }, 'InvalidParameterValue');
  } finally {
    await c.close();
  }
});

test('a NAT instance reads its user data once; --public-pool can be one real address', async () => {
  assert.equal(publicPoolOf('lo', () => {}), '127.0.0.1/32');
  assert.throws(() => publicPoolOf('no-such-interface0', () => {}), /neither a CIDR nor a network interface/);
  const warnings: string[] = [];
  assert.equal(publicPoolOf('192.0.2.0/28', (_l, m) => warnings.push(m)), '192.0.2.0/28');
  assert.match(warnings[0], /expose cache nodes beyond this host/);

  const c = await plane('127.250.0.9/32');
  try {
    const first = await c.sdk.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    assert.equal(first.PublicIp, '127.250.0.9');
    await assert.rejects(c.sdk.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' })), { name: 'AddressLimitExceeded' });

    const vpc = (await c.sdk.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const subnet = (await c.sdk.ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.0.0/24' }))).Subnet!.SubnetId!;
    const userData = ['#!/bin/bash', 'iptables -t nat -A PREROUTING -i eth0 -p tcp --dport 6380 -j DNAT --to 10.0.1.5:6379', 'iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE', 'apt-get install -y nginx', 'iptables -t nat -A PREROUTING -p tcp --dport nope -j DNAT --to 10.0.1.5'].join('\n');
    const nat = (
      await c.sdk.ec2.send(
        new RunInstancesCommand({ ImageId: 'ami-0c0fe0000000000a7', MinCount: 1, MaxCount: 1, SubnetId: subnet, UserData: Buffer.from(userData).toString('base64') }),
      )
    ).Instances![0].InstanceId!;
    const config = c.view().nat.find((n) => n.instanceId === nat)!;
    assert.deepEqual(config.rules, ['-A PREROUTING -i eth0 -p tcp -m tcp --dport 6380 -j DNAT --to-destination 10.0.1.5:6379', '-A POSTROUTING -o eth0 -j MASQUERADE']);
    assert.equal(config.ipForward, true);
    assert.deepEqual(config.ignored, [
      'apt-get install -y nginx: not a NAT configuration command',
      "iptables -t nat -A PREROUTING -p tcp --dport nope -j DNAT --to 10.0.1.5: invalid port/service `nope' specified",
    ]);
    const status = c.p.network.natStatus(nat);
    assert.deepEqual(status.forwarding.map((f) => [f.publicPort, f.ip, f.port]), [[6380, '10.0.1.5', 6379]]);
    assert.ok(status.events.some((e) => e.message.startsWith('user data: ignored apt-get install -y nginx')));
    assert.equal(status.publicIp, null, 'no Elastic IP yet: nothing listens');
    assert.deepEqual(status.listening, []);
  } finally {
    await c.close();
  }
});
