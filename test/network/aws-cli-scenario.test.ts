// The guide's scenario once more, through the AWS CLI (/usr/bin/aws) the way a user
// types it: groups with --source-group and --cidr, a 3-node memcached cluster and
// three valkey nodes, the NAT instance with `--user-data file://` (the CLI base64-
// encodes it), --no-source-dest-check, an Elastic IP, a flow log; then the trusted
// client through every EIP:port, a stranger refused, the cluster rule revoked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CoveProcess, execFileP, MAIN_JS, reap, tempDir, awsCli, AWS_CLI } from '../control/harness.js';
import { rawExchange, until } from './support.js';

const AWS = AWS_CLI;
const TRUSTED = '127.55.0.1';
const STRANGER = '127.66.0.9';

const cli = (endpoint: string) => awsCli(endpoint, 120_000);

test('the guide scenario through the AWS CLI', { skip: !fs.existsSync(AWS) && 'awscli is not installed', timeout: 600_000 }, async () => {
  const dataDir = tempDir('cove-cli-scenario-');
  // Its own Elastic IP pool and VPC number (a spare VPC takes 2): the SDK scenario may run
  // at the same time with the same default ports, on 127.2.x.x and 127.200.x.x.
  const plane = await new CoveProcess(dataDir, ['--public-pool', '127.201.0.0/16']).start();
  try {
    const aws = cli(plane.endpoint);
    await aws('ec2', 'create-vpc', '--cidr-block', '10.9.0.0/16');
    const vpc = (await aws('ec2', 'create-vpc', '--cidr-block', '10.0.0.0/16')).Vpc.VpcId;
    const priv = (await aws('ec2', 'create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.1.0/24', '--availability-zone', 'us-east-1a')).Subnet.SubnetId;
    const pub = (await aws('ec2', 'create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.0.0/24', '--availability-zone', 'us-east-1a')).Subnet.SubnetId;
    const nat = (await aws('ec2', 'create-security-group', '--group-name', 'nat', '--description', 'NAT instance', '--vpc-id', vpc)).GroupId;
    for (const port of ['11211-11213', '6379-6381', '22']) {
      await aws('ec2', 'authorize-security-group-ingress', '--group-id', nat, '--protocol', 'tcp', '--port', port, '--cidr', `${TRUSTED}/32`);
    }
    const cache = (await aws('ec2', 'create-security-group', '--group-name', 'cache', '--description', 'cache nodes', '--vpc-id', vpc)).GroupId;
    await aws('ec2', 'authorize-security-group-ingress', '--group-id', cache, '--protocol', 'tcp', '--port', '11211', '--source-group', nat);
    await aws('ec2', 'authorize-security-group-ingress', '--group-id', cache, '--protocol', 'tcp', '--port', '6379', '--source-group', nat);
    await aws('elasticache', 'create-cache-subnet-group', '--cache-subnet-group-name', 'private', '--cache-subnet-group-description', 'cache subnets', '--subnet-ids', priv);
    const fl = await aws('ec2', 'create-flow-logs', '--resource-type', 'VPC', '--resource-ids', vpc, '--traffic-type', 'ALL', '--log-group-name', 'cli-scenario', '--max-aggregation-interval', '60');
    assert.equal(fl.FlowLogIds.length, 1);
    assert.deepEqual(fl.Unsuccessful, []);
    const flows = (await aws('ec2', 'describe-flow-logs', '--filter', `Name=resource-id,Values=${vpc}`)).FlowLogs;
    assert.equal(flows[0].FlowLogId, fl.FlowLogIds[0]);
    assert.equal(flows[0].MaxAggregationInterval, 60);
    const flowFile = path.join(dataDir, 'flow-logs', `${fl.FlowLogIds[0]}.log`);

    await aws('elasticache', 'create-cache-cluster', '--cache-cluster-id', 'mc', '--engine', 'memcached', '--cache-node-type', 'cache.t3.micro', '--num-cache-nodes', '3', '--cache-subnet-group-name', 'private', '--security-group-ids', cache);
    for (const id of ['vk1', 'vk2', 'vk3']) {
      await aws('elasticache', 'create-cache-cluster', '--cache-cluster-id', id, '--engine', 'valkey', '--cache-node-type', 'cache.t3.micro', '--num-cache-nodes', '1', '--cache-subnet-group-name', 'private', '--security-group-ids', cache);
    }
    for (const id of ['mc', 'vk1', 'vk2', 'vk3']) {
      await until(async () => (await aws('elasticache', 'describe-cache-clusters', '--cache-cluster-id', id)).CacheClusters[0].CacheClusterStatus === 'available', `${id} available`, 60_000, 300);
    }
    const ips = async (id: string): Promise<string[]> =>
      (await aws('ec2', 'describe-network-interfaces', '--filters', `Name=description,Values=ElastiCache ${id}`)).NetworkInterfaces.map((e: any) => e.PrivateIpAddress).sort((a: string, b: string) => a.localeCompare(b, undefined, { numeric: true }));
    const mcIps = await ips('mc');
    const vkIps = [...(await ips('vk1')), ...(await ips('vk2')), ...(await ips('vk3'))];

    const image = (await aws('ec2', 'describe-images', '--filters', 'Name=name,Values=cove-nat-*')).Images[0].ImageId;
    const eip = await aws('ec2', 'allocate-address', '--domain', 'vpc');
    const script = path.join(dataDir, 'nat-user-data.sh');
    const dnat = (port: number, to: string) => `iptables -t nat -A PREROUTING -i eth0 -p tcp --dport ${port} -j DNAT --to ${to}`;
    fs.writeFileSync(
      script,
      ['#!/bin/bash', 'sysctl -w net.ipv4.ip_forward=1', ...mcIps.map((ip, i) => dnat(11211 + i, `${ip}:11211`)), ...vkIps.map((ip, i) => dnat(6379 + i, `${ip}:6379`)), 'iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE', ''].join('\n'),
    );
    const run = await aws('ec2', 'run-instances', '--image-id', image, '--instance-type', 't3.micro', '--count', '1', '--subnet-id', pub, '--private-ip-address', '10.0.0.55', '--security-group-ids', nat, '--user-data', `file://${script}`);
    const natId = run.Instances[0].InstanceId;
    const attr = await aws('ec2', 'describe-instance-attribute', '--instance-id', natId, '--attribute', 'userData');
    assert.equal(Buffer.from(attr.UserData.Value, 'base64').toString(), fs.readFileSync(script, 'utf8'), 'the CLI sent it base64-encoded');
    await aws('ec2', 'modify-instance-attribute', '--instance-id', natId, '--no-source-dest-check');
    await aws('ec2', 'associate-address', '--allocation-id', eip.AllocationId, '--instance-id', natId);
    const EIP = eip.PublicIp;

    const mcAt = (port: number, request: string, localAddress = TRUSTED) => rawExchange({ host: EIP, port, localAddress, request, until: /(END|STORED|VERSION [^\r]*)\r\n$/ });
    await until(async () => (await mcAt(11211, 'version\r\n')).data.startsWith('VERSION '), 'the gateway', 20_000, 100);
    for (let i = 0; i < 3; i++) assert.equal((await mcAt(11211 + i, `set cli 0 0 4\r\nmc-${i}\r\n`)).data, 'STORED\r\n');
    for (let i = 0; i < 3; i++) assert.equal((await mcAt(11211 + i, 'get cli\r\n')).data, `VALUE cli 0 4\r\nmc-${i}\r\nEND\r\n`);
    for (let i = 0; i < 3; i++) {
      assert.equal((await rawExchange({ host: EIP, port: 6379 + i, localAddress: TRUSTED, request: `SET cli vk-${i}\r\nGET cli\r\n`, until: /\$4\r\nvk-\d\r\n$/ })).data, `+OK\r\n$4\r\nvk-${i}\r\n`);
    }
    for (const port of [11211, 11212, 11213, 6379, 6380, 6381]) {
      assert.equal((await rawExchange({ host: EIP, port, localAddress: STRANGER, request: 'version\r\n', until: /\r\n/ })).data, '');
    }
    const stranger = await execFileP(process.execPath, [MAIN_JS, 'why', STRANGER, `${EIP}:6380`, '--data-dir', dataDir]).catch((e) => e);
    assert.equal(stranger.code, 1);
    assert.match(stranger.stdout, /^DENIED: 127\.66\.0\.9 \(outside every VPC\)/);
    assert.match(stranger.stdout, /missing \(source-not-in-cidr\)/);

    await aws('ec2', 'revoke-security-group-ingress', '--group-id', cache, '--protocol', 'tcp', '--port', '6379', '--source-group', nat);
    await until(async () => (await rawExchange({ host: EIP, port: 6380, localAddress: TRUSTED, request: 'PING\r\n', until: /\r\n/ })).data === '', 'valkey nodes to refuse the NAT instance', 5000);
    assert.match((await mcAt(11212, 'version\r\n')).data, /^VERSION /, 'the memcached rule still stands');
    await until(() => {
      const text = fs.existsSync(flowFile) ? fs.readFileSync(flowFile, 'utf8') : '';
      return (
        new RegExp(`\\n?2 000000000000 eni-[0-9a-f]+ 127\\.55\\.0\\.1 10\\.0\\.0\\.55 \\d+ 11211 6 \\d+ \\d+ \\d+ \\d+ ACCEPT OK\\n`).test(text) &&
        new RegExp(`\\n?2 000000000000 eni-[0-9a-f]+ 127\\.66\\.0\\.9 10\\.0\\.0\\.55 \\d+ 6381 6 1 0 \\d+ \\d+ REJECT OK\\n`).test(text) &&
        new RegExp(`\\n?2 000000000000 eni-[0-9a-f]+ 10\\.0\\.0\\.55 ${vkIps[1].replace(/\./g, '\\.')} \\d+ 6379 6 1 0 \\d+ \\d+ REJECT OK\\n`).test(text)
      );
    }, 'flow log records', 10_000, 100);
  } finally {
    await plane.down();
    await reap(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
