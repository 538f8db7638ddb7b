// The guide's scenario (DESIGN.md §1) end to end, built only through the AWS SDK
// against `cove up`: a VPC with a private and a public subnet, a cluster group that
// admits the cache ports only from the NAT group, a 3-node memcached cluster and three
// valkey nodes (node addresses read back from the API), a NAT instance at 10.0.0.55
// with an Elastic IP whose group admits the forwarded ports only from the trusted
// client's /32, and forwarding from the guide's iptables lines in its user data.
//
// The trusted client is the loopback address 127.55.0.1 (outside every VPC); a
// stranger is 127.66.0.x; the host is 127.0.0.1. Subtests run in order on one setup.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { createRequire } from 'node:module';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateFlowLogsCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  CreateVpcCommand,
  DescribeFlowLogsCommand,
  DescribeImagesCommand,
  DescribeNetworkInterfacesCommand,
  ModifyInstanceAttributeCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateCacheClusterCommand, CreateCacheSubnetGroupCommand, DescribeCacheClustersCommand, ModifyCacheClusterCommand, CacheCluster } from '@aws-sdk/client-elasticache';
import { CoveProcess, clients, execFileP, MAIN_JS, reap, tempDir, waitFor } from '../control/harness.js';
import { boundNodeRedis, boundRedis, rawExchange, until, withSourceAddress } from './support.js';

// memjs ships no type declarations.
const memjs = createRequire(import.meta.url)('memjs') as {
  Client: { create(servers: string, opts: object): { set(k: string, v: string, o: object): Promise<boolean>; get(k: string): Promise<{ value: Buffer | null }>; close(): void } };
};

const TRUSTED = '127.55.0.1';
const STRANGERS = Array.from({ length: 40 }, (_, i) => `127.66.0.${i + 1}`);
const NAT_IP = '10.0.0.55';
/** The NAT instance's mapped address (VPC number 2: the default VPC is 1). */
const NAT_LOOPBACK = '127.2.0.55';

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

async function cove(dataDir: string, ...args: string[]): Promise<Cli> {
  try {
    // The data dir travels in COVE_HOME: `cove nat iptables i-ID -- ARGS` takes everything after -- as ARGS.
    const { stdout, stderr } = await execFileP(process.execPath, [MAIN_JS, ...args], { timeout: 30_000, env: { ...process.env, COVE_HOME: dataDir } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function why(dataDir: string, src: string, dst: string) {
  const r = await cove(dataDir, 'why', src, dst, '--json');
  return { code: r.code, answer: JSON.parse(r.stdout) as { allowed: boolean; hops: { allowed: boolean; rule?: string; egressRule?: string; forwarding?: string; code?: string; reason: string }[]; summary: string } };
}

const memcachedSet = (key: string, value: string) => `set ${key} 0 0 ${value.length}\r\n${value}\r\n`;

test('the guide scenario through the AWS SDK', { timeout: 600_000 }, async (t) => {
  const dataDir = tempDir('cove-scenario-');
  const plane = await new CoveProcess(dataDir).start();
  const sdk = clients(plane.endpoint);
  try {
    // ---- the network ------------------------------------------------------------------
    const vpc = (await sdk.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const priv = (await sdk.ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const pub = (await sdk.ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.0.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const natSg = (await sdk.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'nat', Description: 'NAT instance', VpcId: vpc }))).GroupId!;
    const trusted = [{ CidrIp: `${TRUSTED}/32`, Description: 'trusted client' }];
    await sdk.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: natSg,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 11211, ToPort: 11213, IpRanges: trusted },
          { IpProtocol: 'tcp', FromPort: 6379, ToPort: 6381, IpRanges: trusted },
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: trusted },
        ],
      }),
    );
    const cacheSg = (await sdk.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'cache', Description: 'cache nodes', VpcId: vpc }))).GroupId!;
    const cacheRules = await sdk.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: cacheSg,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 11211, ToPort: 11211, UserIdGroupPairs: [{ GroupId: natSg }] },
          { IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ GroupId: natSg }] },
        ],
      }),
    );
    const mcRule = cacheRules.SecurityGroupRules!.find((r) => r.FromPort === 11211)!.SecurityGroupRuleId!;
    await sdk.ec.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: 'private', CacheSubnetGroupDescription: 'cache subnets', SubnetIds: [priv] }));
    const fl = await sdk.ec2.send(new CreateFlowLogsCommand({ ResourceIds: [vpc], ResourceType: 'VPC', TrafficType: 'ALL', LogGroupName: 'scenario' }));
    assert.equal(fl.FlowLogIds!.length, 1);
    const flowFile = path.join(dataDir, 'flow-logs', `${fl.FlowLogIds![0]}.log`);
    const described = (await sdk.ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: fl.FlowLogIds }))).FlowLogs![0];
    assert.equal(described.ResourceId, vpc);
    assert.equal(described.LogGroupName, 'scenario');
    assert.equal(described.FlowLogStatus, 'ACTIVE');
    assert.equal(described.LogFormat, '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}');

    // ---- the caches: addresses picked by CreateCacheCluster, read back ----------------------
    await sdk.ec.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc', Engine: 'memcached', NumCacheNodes: 3, CacheNodeType: 'cache.t3.micro', CacheSubnetGroupName: 'private', SecurityGroupIds: [cacheSg] }));
    for (const id of ['vk1', 'vk2', 'vk3']) {
      await sdk.ec.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'valkey', NumCacheNodes: 1, CacheNodeType: 'cache.t3.micro', CacheSubnetGroupName: 'private', SecurityGroupIds: [cacheSg] }));
    }
    const describe = async (id: string): Promise<CacheCluster> =>
      (await sdk.ec.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0];
    const available = (id: string) =>
      waitFor(async () => {
        const c = await describe(id);
        return c.CacheClusterStatus === 'available' && c.CacheNodes!.every((n) => n.CacheNodeStatus === 'available') ? c : null;
      }, `${id} available`, 120_000);
    const mc = await available('mc');
    const vks = [await available('vk1'), await available('vk2'), await available('vk3')];
    const privateIps = async (clusterId: string) =>
      (await sdk.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'description', Values: [`ElastiCache ${clusterId}`] }] })))
        .NetworkInterfaces!.map((e) => ({ ip: e.PrivateIpAddress!, eni: e.NetworkInterfaceId! }))
        .sort((a, b) => a.ip.localeCompare(b.ip, undefined, { numeric: true }));
    const mcNodes = await privateIps('mc');
    const vkNodes = [...(await privateIps('vk1')), ...(await privateIps('vk2')), ...(await privateIps('vk3'))];
    assert.equal(mcNodes.length, 3);
    const endpoint = (c: CacheCluster, i = 0) => c.CacheNodes![i].Endpoint!;

    // ---- the NAT instance, configured by the guide's iptables lines ----------------------------
    const image = (await sdk.ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['cove-nat-*'] }] }))).Images![0].ImageId!;
    const eip = await sdk.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const EIP = eip.PublicIp!;
    assert.match(EIP, /^127\.200\./);
    const dnat = (port: number, to: string) => `iptables -t nat -A PREROUTING -i eth0 -p tcp --dport ${port} -j DNAT --to ${to}`;
    const mcLines = mcNodes.map((n, i) => dnat(11211 + i, `${n.ip}:11211`));
    const userData = [
      '#!/bin/bash',
      'sysctl -w net.ipv4.ip_forward=1',
      ...mcLines,
      ...vkNodes.map((n, i) => dnat(6379 + i, `${n.ip}:6379`)),
      'iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE',
      'service iptables save',
    ].join('\n');
    const run = await sdk.ec2.send(
      new RunInstancesCommand({
        ImageId: image,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: pub,
        PrivateIpAddress: NAT_IP,
        SecurityGroupIds: [natSg],
        UserData: Buffer.from(userData).toString('base64'),
      }),
    );
    const nat = run.Instances![0].InstanceId!;
    const natEni = run.Instances![0].NetworkInterfaces![0].NetworkInterfaceId!;
    await sdk.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: nat, SourceDestCheck: { Value: false } }));
    await sdk.ec2.send(new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: nat }));

    const mcAt = (port: number, request: string, localAddress = TRUSTED, host = EIP) =>
      rawExchange({ host, port, localAddress, request, until: /(END|STORED|VERSION [^\r]*|ERROR[^\r]*)\r\n$/ });
    await until(async () => (await mcAt(11211, 'version\r\n')).data.startsWith('VERSION '), 'the gateway to forward EIP:11211', 20_000, 100);

    await t.test('the trusted client sets and gets through every EIP:port with raw bytes', async () => {
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await mcAt(11211 + i, memcachedSet('guide', `node-${i}`)), { data: 'STORED\r\n', end: 'done' });
      }
      // Each port reaches its own node: each answers with its own value.
      for (let i = 0; i < 3; i++) {
        assert.equal((await mcAt(11211 + i, 'get guide\r\n')).data, `VALUE guide 0 6\r\nnode-${i}\r\nEND\r\n`);
      }
      for (let i = 0; i < 3; i++) {
        const set = await rawExchange({ host: EIP, port: 6379 + i, localAddress: TRUSTED, request: `SET guide vk-${i}\r\n`, until: /\r\n$/ });
        assert.equal(set.data, '+OK\r\n');
        const get = await rawExchange({ host: EIP, port: 6379 + i, localAddress: TRUSTED, request: 'GET guide\r\n', until: /\r\n.*\r\n$/ });
        assert.equal(get.data, `$4\r\nvk-${i}\r\n`);
      }
    });

    await t.test('real client libraries work through the NAT from the trusted address', async () => {
      for (let i = 0; i < 3; i++) {
        const r = boundRedis(EIP, 6379 + i, TRUSTED);
        try {
          await r.connect();
          assert.equal(await r.set(`lib-${i}`, 'ioredis'), 'OK');
          assert.equal(await r.get(`lib-${i}`), 'ioredis');
          assert.equal(await r.get('guide'), `vk-${i}`);
        } finally {
          r.disconnect();
        }
      }
      const nr = boundNodeRedis(EIP, 6380, TRUSTED);
      nr.on('error', () => {});
      await nr.connect();
      try {
        assert.equal(await nr.set('node-redis', 'yes'), 'OK');
        assert.equal(await nr.get('guide'), 'vk-1');
      } finally {
        await nr.quit();
      }
      await withSourceAddress(TRUSTED, async () => {
        const client = memjs.Client.create(`${EIP}:11212`, { retries: 0, timeout: 2, logger: { log: () => {} } });
        try {
          await client.set('memjs', 'hello', { expires: 0 });
          const got = await client.get('memjs');
          assert.equal(got.value!.toString(), 'hello');
        } finally {
          client.close();
        }
      });
      assert.equal((await mcAt(11212, 'get memjs\r\n')).data, 'VALUE memjs 0 5\r\nhello\r\nEND\r\n', 'binary protocol through the same port');
    });

    await t.test('a client from another address, or the host, gets nothing; nodes are never reached directly', async () => {
      for (const port of [11211, 11212, 11213, 6379, 6380, 6381]) {
        for (const localAddress of [STRANGERS[0], '127.0.0.1']) {
          const r = await rawExchange({ host: EIP, port, localAddress, request: port > 7000 ? 'version\r\n' : 'PING\r\n', until: /\r\n/ });
          assert.equal(r.data, '', `${localAddress} → ${EIP}:${port}`);
          assert.notEqual(r.end, 'done');
        }
      }
      const direct = await rawExchange({ host: endpoint(mc).Address!, port: 11211, request: 'version\r\n', until: /\r\n/ });
      assert.equal(direct.data, '', 'the host never reaches a node, whatever the rules say');
      const asTrusted = await rawExchange({ host: endpoint(vks[0]).Address!, port: 6379, localAddress: TRUSTED, request: 'PING\r\n', until: /\r\n/ });
      assert.equal(asTrusted.data, '');
      // Acting as the NAT instance (its mapped address), a node is reachable: the group admits it.
      const asNat = await rawExchange({ host: endpoint(vks[0]).Address!, port: 6379, localAddress: NAT_LOOPBACK, request: 'PING\r\n', until: /\r\n/ });
      assert.equal(asNat.data, '+PONG\r\n');
    });

    await t.test('flow log records: ACCEPT and REJECT at the NAT instance and at the nodes', async () => {
      const n0 = mcNodes[0];
      const want = [
        new RegExp(`^2 000000000000 ${natEni} 127\\.55\\.0\\.1 10\\.0\\.0\\.55 \\d+ 11211 6 \\d+ \\d+ \\d+ \\d+ ACCEPT OK$`),
        new RegExp(`^2 000000000000 ${natEni} 127\\.66\\.0\\.1 10\\.0\\.0\\.55 \\d+ 11212 6 1 0 \\d+ \\d+ REJECT OK$`),
        new RegExp(`^2 000000000000 ${natEni} 10\\.0\\.0\\.55 ${n0.ip.replace(/\./g, '\\.')} \\d+ 11211 6 \\d+ \\d+ \\d+ \\d+ ACCEPT OK$`),
        new RegExp(`^2 000000000000 ${n0.eni} 10\\.0\\.0\\.55 ${n0.ip.replace(/\./g, '\\.')} \\d+ 11211 6 \\d+ \\d+ \\d+ \\d+ ACCEPT OK$`),
        new RegExp(`^2 000000000000 ${n0.eni} 127\\.0\\.0\\.1 ${n0.ip.replace(/\./g, '\\.')} \\d+ 11211 6 1 0 \\d+ \\d+ REJECT OK$`),
      ];
      const lines = await until(() => {
        const all = fs.existsSync(flowFile) ? fs.readFileSync(flowFile, 'utf8').trim().split('\n') : [];
        return want.every((re) => all.some((l) => re.test(l))) ? all : null;
      }, 'flow log records', 10_000, 100);
      for (const l of lines) assert.match(l, /^2 000000000000 eni-[0-9a-f]{17} \S+ \S+ \d+ \d+ 6 \d+ \d+ \d{10} \d{10} (ACCEPT|REJECT) OK$/);
      const printed = await cove(dataDir, 'flow-logs');
      assert.equal(printed.code, 0);
      assert.equal(printed.stdout.split('\n')[0], 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status');
      assert.ok(want.every((re) => printed.stdout.split('\n').some((l) => re.test(l))));
    });

    await t.test('cove why: the allowing rules hop by hop, or the missing piece', async () => {
      const ok = await why(dataDir, TRUSTED, `${EIP}:11212`);
      assert.equal(ok.code, 0);
      assert.equal(ok.answer.allowed, true);
      assert.match(ok.answer.hops[0].rule!, new RegExp(`^${natSg} \\(nat\\) inbound sgr-[0-9a-f]+: tcp 11211-11213 from 127\\.55\\.0\\.1/32$`));
      assert.equal(ok.answer.hops[0].forwarding, `-A PREROUTING -i eth0 -p tcp -m tcp --dport 11212 -j DNAT --to-destination ${mcNodes[1].ip}:11211`);
      assert.match(ok.answer.hops[1].rule!, new RegExp(`^${cacheSg} \\(cache\\) inbound ${mcRule}: tcp 11211 from ${natSg} \\(nat\\)$`));
      assert.match(ok.answer.hops[1].egressRule!, new RegExp(`^${natSg} \\(nat\\) outbound sgr-[0-9a-f]+: all traffic to 0\\.0\\.0\\.0/0$`));
      const stranger = await why(dataDir, STRANGERS[0], `${EIP}:11212`);
      assert.equal(stranger.code, 1);
      assert.equal(stranger.answer.hops[0].code, 'source-not-in-cidr');
      assert.match(stranger.answer.summary, /127\.55\.0\.1\/32, which does not include 127\.66\.0\.1/);
      const host = await why(dataDir, 'host', 'mc/0001');
      assert.equal(host.answer.hops[0].code, 'no-public-address');
      const ssh = await why(dataDir, TRUSTED, `${EIP}:22`);
      assert.equal(ssh.answer.hops[0].code, 'no-forwarding');
      const notOpen = await why(dataDir, TRUSTED, `${EIP}:8080`);
      assert.equal(notOpen.answer.hops[0].code, 'no-rule-for-port');
      const text = await cove(dataDir, 'why', nat, 'mc/0001');
      assert.equal(text.code, 0);
      assert.match(text.stdout, /^ALLOWED: instance i-[0-9a-f]+ 10\.0\.0\.55/);
    });

    await t.test('cove nat status reports the table and the user data it ignored', async () => {
      const st = JSON.parse((await cove(dataDir, 'nat', 'status', nat, '--json')).stdout);
      assert.deepEqual(st.forwarding.map((f: { publicPort: number }) => f.publicPort), [6379, 6380, 6381, 11211, 11212, 11213]);
      assert.deepEqual(st.forwarding.filter((f: { publicPort: number }) => f.publicPort > 11000).map((f: { node: { nodeId: string } }) => f.node.nodeId), ['0001', '0002', '0003']);
      assert.equal(st.ipForward, true);
      // Every port goes to a cache node over plain TCP: the nodes answer them themselves.
      assert.deepEqual(
        st.listening.filter((l: { servedBy?: string }) => l.servedBy === 'node').map((l: { port: number }) => l.port).sort((a: number, b: number) => a - b),
        [6379, 6380, 6381, 11211, 11212, 11213],
      );
      assert.ok(st.counters.accepted >= 6, `forwarded connections are counted: ${JSON.stringify(st.counters)}`);
      assert.deepEqual(st.userDataIgnored, ['service iptables save: no effect in Cove (the control plane keeps the NAT rules and IP forwarding)']);
      const saved = (await cove(dataDir, 'nat', 'save', nat)).stdout;
      assert.match(saved, /\n-A POSTROUTING -o eth0 -j MASQUERADE\n/);
    });

    await t.test('revoking the cluster-group rule: nodes refuse the NAT instance, tracked connections live on', async () => {
      const held = net.connect({ host: EIP, port: 11211, localAddress: TRUSTED });
      await new Promise((r) => held.once('connect', r));
      const ask = (line: string) =>
        new Promise<string>((resolve) => {
          let got = '';
          const on = (d: Buffer) => {
            got += d.toString('latin1');
            if (got.endsWith('\r\n')) {
              held.off('data', on);
              resolve(got);
            }
          };
          held.on('data', on);
          held.write(line);
        });
      try {
        assert.match(await ask('version\r\n'), /^VERSION /);
        await sdk.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: cacheSg, SecurityGroupRuleIds: [mcRule] }));
        await until(async () => (await mcAt(11211, 'version\r\n')).data === '', 'the nodes to refuse the NAT instance', 5000);
        assert.equal((await mcAt(11213, 'version\r\n')).data, '');
        assert.match(await ask('version\r\n'), /^VERSION /, 'the established connection is tracked');
        const denied = await why(dataDir, TRUSTED, `${EIP}:11211`);
        assert.equal(denied.answer.allowed, false);
        assert.equal(denied.answer.hops[0].allowed, true);
        assert.equal(denied.answer.hops[1].code, 'no-rule-for-port');
        const n0 = mcNodes[0];
        const rejectAtNode = new RegExp(`^2 000000000000 ${n0.eni} 10\\.0\\.0\\.55 ${n0.ip.replace(/\./g, '\\.')} \\d+ 11211 6 1 0 \\d+ \\d+ REJECT OK$`);
        await until(() => fs.readFileSync(flowFile, 'utf8').split('\n').some((l) => rejectAtNode.test(l)), 'a REJECT record at the node');
        // Valkey nodes keep their own rule.
        assert.equal((await rawExchange({ host: EIP, port: 6380, localAddress: TRUSTED, request: 'PING\r\n', until: /\r\n/ })).data, '+PONG\r\n');
      } finally {
        held.destroy();
      }
      await sdk.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: cacheSg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 11211, ToPort: 11211, UserIdGroupPairs: [{ GroupId: natSg }] }] }));
      await until(async () => (await mcAt(11211, 'version\r\n')).data.startsWith('VERSION'), 'the rule to come back', 5000);
    });

    await t.test('forwarding needs the source/dest check off: otherwise a REJECT record, an event and cove why say so', async () => {
      await sdk.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: nat, SourceDestCheck: { Value: true } }));
      await until(async () => (await mcAt(11212, 'version\r\n')).data === '', 'forwarding to stop', 5000);
      const w = await why(dataDir, TRUSTED, `${EIP}:11212`);
      assert.equal(w.answer.hops[0].code, 'source-dest-check');
      const st = JSON.parse((await cove(dataDir, 'nat', 'status', nat, '--json')).stdout);
      assert.ok(st.events.some((e: { message: string }) => /source\/destination check is on/.test(e.message)), JSON.stringify(st.events));
      await until(() => fs.readFileSync(flowFile, 'utf8').split('\n').some((l) => new RegExp(`^2 000000000000 ${natEni} 127\\.55\\.0\\.1 10\\.0\\.0\\.55 \\d+ 11212 6 1 0 \\d+ \\d+ REJECT OK$`).test(l)), 'the REJECT record');
      await sdk.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: nat, SourceDestCheck: { Value: false } }));
      await until(async () => (await mcAt(11212, 'version\r\n')).data.startsWith('VERSION'), 'forwarding to resume', 5000);
    });

    await t.test('a replaced node: static rules go stale, cove:forward follows the membership', async () => {
      await sdk.ec.send(new ModifyCacheClusterCommand({ CacheClusterId: 'mc', NumCacheNodes: 4, ApplyImmediately: true }));
      await available('mc');
      await sdk.ec.send(new ModifyCacheClusterCommand({ CacheClusterId: 'mc', NumCacheNodes: 3, CacheNodeIdsToRemove: ['0002'], ApplyImmediately: true }));
      const after = await waitFor(async () => {
        const c = await describe('mc');
        return c.CacheClusterStatus === 'available' && c.CacheNodes!.length === 3 ? c : null;
      }, 'mc back to 3 nodes', 60_000);
      assert.deepEqual(after.CacheNodes!.map((n) => n.CacheNodeId), ['0001', '0003', '0004']);
      // The guide's rule for 11212 still points at the address of the removed node.
      await until(async () => (await mcAt(11212, 'version\r\n')).data === '', 'the stale rule to fail', 5000);
      const stale = await why(dataDir, TRUSTED, `${EIP}:11212`);
      assert.equal(stale.answer.hops[1].code, 'no-interface');
      // Drop the static memcached rules at run time, the iptables way; tag the instance instead.
      for (const line of mcLines) {
        const args = line.split(' ').slice(1).map((w) => (w === '-A' ? '-D' : w));
        const r = await cove(dataDir, 'nat', 'iptables', nat, '--', ...args);
        assert.equal(r.code, 0, r.stderr);
      }
      const listed = (await cove(dataDir, 'nat', 'iptables', nat, '--', '-t', 'nat', '-S', 'PREROUTING')).stdout;
      assert.ok(!/--dport 1121[123]/.test(listed), listed);
      await sdk.ec2.send(new CreateTagsCommand({ Resources: [nat], Tags: [{ Key: 'cove:forward', Value: 'mc' }] }));
      await until(async () => (await mcAt(11213, 'version\r\n')).data.startsWith('VERSION'), 'tag forwarding', 5000);
      assert.equal((await mcAt(11213, memcachedSet('replaced', 'on-0004'))).data, 'STORED\r\n');
      // The key is on node 0004 itself (asked directly, acting as the NAT instance).
      const n4 = after.CacheNodes!.find((n) => n.CacheNodeId === '0004')!.Endpoint!;
      const direct = await rawExchange({ host: n4.Address!, port: n4.Port!, localAddress: NAT_LOOPBACK, request: 'get replaced\r\n', until: /END\r\n$/ });
      assert.equal(direct.data, 'VALUE replaced 0 7\r\non-0004\r\nEND\r\n');
      assert.equal((await mcAt(11212, 'get guide\r\n')).data, 'VALUE guide 0 6\r\nnode-2\r\nEND\r\n', '11212 is now node 0003');
      const st = JSON.parse((await cove(dataDir, 'nat', 'status', nat, '--json')).stdout);
      assert.deepEqual(
        st.forwarding.filter((f: { via: string }) => f.via === 'tag').map((f: { publicPort: number; node: { nodeId: string } }) => [f.publicPort, f.node.nodeId]),
        [
          [11211, '0001'],
          [11212, '0003'],
          [11213, '0004'],
        ],
      );
    });

    await t.test('cove:tls=on: the public ports speak TLS with a certificate from the CA `cove nat ca` prints', async () => {
      await sdk.ec2.send(new CreateTagsCommand({ Resources: [nat], Tags: [{ Key: 'cove:tls', Value: 'on' }] }));
      const ca = (await cove(dataDir, 'nat', 'ca')).stdout;
      assert.match(ca, /^-----BEGIN CERTIFICATE-----\n/);
      const tlsPing = () =>
        new Promise<{ authorized: boolean; reply: string }>((resolve, reject) => {
          const s = tls.connect({ socket: net.connect({ host: EIP, port: 6379, localAddress: TRUSTED }), host: EIP, ca }, () => s.write('PING\r\n'));
          let reply = '';
          s.on('data', (d) => {
            reply += d;
            if (reply.endsWith('\r\n')) {
              resolve({ authorized: s.authorized, reply });
              s.destroy();
            }
          });
          s.on('error', reject);
        });
      const answer = await until(() => tlsPing().catch(() => null), 'TLS on the public port', 10_000, 100);
      assert.deepEqual(answer, { authorized: true, reply: '+PONG\r\n' });
      const plain = await rawExchange({ host: EIP, port: 6379, localAddress: TRUSTED, request: 'PING\r\n', until: /\+PONG\r\n/ });
      assert.notEqual(plain.data, '+PONG\r\n', 'plaintext no longer works');
      await sdk.ec2.send(new DeleteTagsCommand({ Resources: [nat], Tags: [{ Key: 'cove:tls' }] }));
      await until(async () => (await rawExchange({ host: EIP, port: 6379, localAddress: TRUSTED, request: 'PING\r\n', until: /\r\n/ })).data === '+PONG\r\n', 'plaintext again', 10_000);
    });

    await t.test('10,000 connection attempts from denied sources get 0 bytes while allowed clients keep working', async () => {
      const targets: { host: string; port: number; request: string }[] = [];
      for (const c of [await describe('mc'), ...vks]) for (const n of c.CacheNodes!) targets.push({ host: n.Endpoint!.Address!, port: n.Endpoint!.Port!, request: n.Endpoint!.Port === 6379 ? 'PING\r\n' : 'version\r\n' });
      for (const port of [11211, 11212, 11213, 6379, 6380, 6381]) targets.push({ host: EIP, port, request: port > 7000 ? 'version\r\n' : 'PING\r\n' });
      const sources = ['127.0.0.1', ...STRANGERS];
      // Allowed clients meanwhile: through the NAT from the trusted address, and as the NAT instance.
      let stop = false;
      const allowedOps = { ok: 0, failed: 0, slowestMs: 0 };
      const allowedLoop = async (client: ReturnType<typeof boundRedis>) => {
        await client.connect();
        let i = 0;
        while (!stop) {
          const began = Date.now();
          try {
            await client.set(`load-${i % 100}`, String(i));
            if ((await client.get(`load-${i % 100}`)) === String(i)) allowedOps.ok++;
            else allowedOps.failed++;
          } catch {
            allowedOps.failed++;
          }
          allowedOps.slowestMs = Math.max(allowedOps.slowestMs, Date.now() - began);
          i++;
        }
        client.disconnect();
      };
      const loops = [allowedLoop(boundRedis(EIP, 6379, TRUSTED)), allowedLoop(boundRedis(endpoint(vks[1]).Address!, 6379, NAT_LOOPBACK))];
      const TOTAL = 10_000;
      const CONCURRENCY = 100;
      let next = 0;
      let bytes = 0;
      let completed = 0;
      const ends: Record<string, number> = {};
      const started = Date.now();
      const worker = async () => {
        while (next < TOTAL) {
          const i = next++;
          const target = targets[i % targets.length];
          const r = await rawExchange({ ...target, localAddress: sources[i % sources.length], until: /\r\n/, timeoutMs: 5000 });
          bytes += r.data.length;
          ends[r.end] = (ends[r.end] ?? 0) + 1;
          completed++;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const elapsed = Date.now() - started;
      stop = true;
      await Promise.all(loops);
      t.diagnostic(`${completed} denied attempts in ${elapsed} ms (${Math.round((completed * 1000) / elapsed)}/s), ends ${JSON.stringify(ends)}; allowed set+get pairs meanwhile ${allowedOps.ok}, slowest ${allowedOps.slowestMs} ms`);
      assert.equal(completed, TOTAL);
      assert.equal(bytes, 0, 'no denied attempt received a byte');
      assert.equal(ends.done ?? 0, 0);
      assert.equal(ends.timeout ?? 0, 0, 'refused at once, not left hanging');
      assert.equal(allowedOps.failed, 0);
      assert.ok(allowedOps.ok > 0);
    });
  } finally {
    sdk.ec2.destroy();
    sdk.ec.destroy();
    await plane.down();
    await reap(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
