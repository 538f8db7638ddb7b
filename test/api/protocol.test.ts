// The Query-protocol endpoint itself: routing by Version and by the SigV4 scope,
// request ids in body and header, each service's error format, hostile input
// (unknown actions, missing parameters, malformed and huge bodies), and SigV4
// verification with per-account isolation when a credentials file is given.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { EC2Client, DescribeVpcsCommand, CreateVpcCommand, CreateSubnetCommand } from '@aws-sdk/client-ec2';
import { ElastiCacheClient, DescribeCacheClustersCommand, CacheClusterNotFoundFault, CreateCacheSubnetGroupCommand, DescribeCacheSubnetGroupsCommand } from '@aws-sdk/client-elasticache';
import { inProcess, tempDir } from '../control/harness.js';

const xml = new XMLParser();
let cove: Awaited<ReturnType<typeof inProcess>>;

before(async () => {
  cove = await inProcess();
});
after(async () => {
  await cove.close();
});

async function post(body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string; doc: any }> {
  const res = await fetch(cove.endpoint + '/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, doc: xml.parse(text) };
}

test('an ElastiCache call answers <XResponse><XResult> with the request id in body and header', async () => {
  const r = await post('Action=DescribeCacheClusters&Version=2015-02-02');
  assert.equal(r.status, 200);
  const id = r.headers.get('x-amzn-requestid');
  assert.match(id!, /^[0-9a-f-]{36}$/);
  assert.equal(r.doc.DescribeCacheClustersResponse.ResponseMetadata.RequestId, id);
  assert.ok('DescribeCacheClustersResult' in r.doc.DescribeCacheClustersResponse);
  assert.match(r.text, /<DescribeCacheClustersResponse xmlns="http:\/\/elasticache.amazonaws.com\/doc\/2015-02-02\/">/);
});

test('an EC2 call answers lowerCamel elements with <requestId>; routing by Version', async () => {
  const r = await post('Action=DescribeAvailabilityZones&Version=2016-11-15');
  assert.equal(r.status, 200);
  const resp = r.doc.DescribeAvailabilityZonesResponse;
  assert.equal(resp.requestId, r.headers.get('x-amzn-requestid'));
  assert.equal(resp.availabilityZoneInfo.item.length, 3);
});

test('without Version the SigV4 credential scope picks the service', async () => {
  const r = await post('Action=DescribeVpcs', {
    authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00',
  });
  assert.equal(r.status, 200);
  assert.ok(r.doc.DescribeVpcsResponse.vpcSet);
});

test('errors in each service format: EC2 <Response><Errors> with RequestID, Query <ErrorResponse> with Type', async () => {
  const ec2 = await post('Action=DescribeVpcs&Version=2016-11-15&VpcId.1=vpc-nope');
  assert.equal(ec2.status, 400);
  assert.equal(ec2.doc.Response.Errors.Error.Code, 'InvalidVpcID.NotFound');
  assert.equal(ec2.doc.Response.Errors.Error.Message, "The vpc ID 'vpc-nope' does not exist");
  assert.equal(ec2.doc.Response.RequestID, ec2.headers.get('x-amzn-requestid'));

  const ec = await post('Action=DescribeCacheClusters&Version=2015-02-02&CacheClusterId=nope');
  assert.equal(ec.status, 404);
  assert.deepEqual(ec.doc.ErrorResponse.Error, { Type: 'Sender', Code: 'CacheClusterNotFound', Message: 'CacheCluster not found: nope' });
  assert.equal(ec.doc.ErrorResponse.RequestId, ec.headers.get('x-amzn-requestid'));
});

test('unknown action, missing action, missing and malformed parameters get XML errors', async () => {
  const unknown = await post('Action=LaunchRockets&Version=2015-02-02');
  assert.equal(unknown.status, 400);
  assert.equal(unknown.doc.ErrorResponse.Error.Code, 'InvalidAction');
  assert.equal(unknown.doc.ErrorResponse.Error.Message, 'The action LaunchRockets is not valid for this web service.');

  const none = await post('Version=2016-11-15');
  assert.equal(none.doc.Response.Errors.Error.Code, 'MissingAction');

  const missing = await post('Action=CreateCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=x');
  assert.equal(missing.doc.ErrorResponse.Error.Code, 'MissingParameter');
  assert.match(missing.doc.ErrorResponse.Error.Message, /CacheSubnetGroupDescription/);

  const badInt = await post('Action=DescribeCacheClusters&Version=2015-02-02&MaxRecords=lots');
  assert.equal(badInt.doc.ErrorResponse.Error.Code, 'InvalidParameterValue');

  const badBool = await post('Action=DescribeCacheClusters&Version=2015-02-02&ShowCacheNodeInfo=maybe');
  assert.equal(badBool.doc.ErrorResponse.Error.Code, 'InvalidParameterValue');

  const json = await post('{"Action":"DescribeVpcs"}', { 'content-type': 'application/json' });
  assert.equal(json.status, 400);
  assert.equal(json.doc.ErrorResponse.Error.Code, 'MalformedQueryString');

  const junk = await post(Buffer.from([0x41, 0x3d, 0xff, 0xfe, 0x25, 0x25, 0x26, 0x3d]));
  assert.equal(junk.status, 400);
});

test('a huge body is refused with 413 and the endpoint keeps serving', async () => {
  const huge = await post('Action=DescribeVpcs&Version=2016-11-15&Junk=' + 'x'.repeat(2 * 1024 * 1024), {
    authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00',
  });
  assert.equal(huge.status, 413);
  // The body is never read, so the signing scope decides the error format.
  assert.equal(huge.doc.Response.Errors.Error.Code, 'RequestEntityTooLarge');

  // A client that announces a huge body and sends bytes forever is cut off, not buffered.
  const port = Number(new URL(cove.endpoint).port);
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n');
  const chunk = 'x'.repeat(64 * 1024);
  let reply = '';
  sock.on('data', (d) => (reply += d));
  sock.on('error', () => {});
  for (let i = 0; i < 40 && !sock.destroyed; i++) {
    sock.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 200));
  sock.destroy();
  assert.match(reply, /^HTTP\/1.1 413/);

  const ok = await post('Action=DescribeVpcs&Version=2016-11-15');
  assert.equal(ok.status, 200);
});

test('too many parameters or list entries are refused without building them', async () => {
  const many = Array.from({ length: 6000 }, (_, i) => `P${i}=1`).join('&');
  const r = await post('Action=DescribeVpcs&Version=2016-11-15&' + many);
  assert.equal(r.doc.Response.Errors.Error.Code, 'MalformedQueryString');
  const far = await post('Action=DescribeVpcs&Version=2016-11-15&VpcId.99999999=vpc-1');
  assert.equal(far.status, 400);
});

test('with --credentials, SigV4 is verified and each account sees only its own resources', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'credentials');
  fs.writeFileSync(file, '# key secret account\nAKIDALICE alicesecret 111111111111\nAKIDBOB bobsecret 222222222222\n');
  const secured = await inProcess({ credentialsFile: file });
  try {
    const cfg = (accessKeyId: string, secretAccessKey: string) => ({
      endpoint: secured.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId, secretAccessKey },
      maxAttempts: 1,
    });
    const alice = new EC2Client(cfg('AKIDALICE', 'alicesecret'));
    const bob = new EC2Client(cfg('AKIDBOB', 'bobsecret'));
    const aliceEc = new ElastiCacheClient(cfg('AKIDALICE', 'alicesecret'));
    const bobEc = new ElastiCacheClient(cfg('AKIDBOB', 'bobsecret'));

    const vpc = await alice.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }));
    assert.equal(vpc.Vpc!.OwnerId, '111111111111');
    const aliceVpcs = (await alice.send(new DescribeVpcsCommand({}))).Vpcs!.map((v) => v.VpcId);
    const bobVpcs = (await bob.send(new DescribeVpcsCommand({}))).Vpcs!;
    assert.equal(aliceVpcs.length, 2, 'default VPC and the new one');
    assert.equal(bobVpcs.length, 1, 'only his default VPC');
    assert.equal(bobVpcs[0].OwnerId, '222222222222');
    await assert.rejects(bob.send(new DescribeVpcsCommand({ VpcIds: [vpc.Vpc!.VpcId!] })), { name: 'InvalidVpcID.NotFound' });

    const subnet = await alice.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.9.1.0/24' }));
    await aliceEc.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: 'g', CacheSubnetGroupDescription: 'd', SubnetIds: [subnet.Subnet!.SubnetId!] }));
    assert.deepEqual((await aliceEc.send(new DescribeCacheSubnetGroupsCommand({}))).CacheSubnetGroups!.map((g) => g.CacheSubnetGroupName), ['g']);
    assert.deepEqual((await bobEc.send(new DescribeCacheSubnetGroupsCommand({}))).CacheSubnetGroups, []);
    // Bob cannot use Alice's subnet either.
    await assert.rejects(
      bobEc.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: 'g', CacheSubnetGroupDescription: 'd', SubnetIds: [subnet.Subnet!.SubnetId!] })),
      { name: 'InvalidSubnet' },
    );
    await assert.rejects(bobEc.send(new DescribeCacheClustersCommand({ CacheClusterId: 'nope' })), (e: any) => e instanceof CacheClusterNotFoundFault);

    const wrongSecret = new EC2Client(cfg('AKIDALICE', 'not-her-secret'));
    await assert.rejects(wrongSecret.send(new DescribeVpcsCommand({})), (e: any) => {
      assert.equal(e.name, 'SignatureDoesNotMatch');
      assert.equal(e.$metadata.httpStatusCode, 403);
      return true;
    });
    const unknownKey = new ElastiCacheClient(cfg('AKIDMALLORY', 'x'));
    await assert.rejects(unknownKey.send(new DescribeCacheClustersCommand({})), (e: any) => {
      assert.equal(e.name, 'InvalidClientTokenId');
      assert.equal(e.message, 'The security token included in the request is invalid.');
      return true;
    });
    const anonymous = await fetch(secured.endpoint + '/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeVpcs&Version=2016-11-15',
    });
    assert.equal(anonymous.status, 403);
    assert.match(await anonymous.text(), /<Code>MissingAuthenticationToken<\/Code>/);
    for (const c of [alice, bob, aliceEc, bobEc, wrongSecret, unknownKey]) c.destroy();
  } finally {
    await secured.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a page of another web origin cannot drive the API; the same loopback origin and the CLI (no Origin) can', async () => {
  const vpcs = async () => (await post('Action=DescribeVpcs&Version=2016-11-15')).text.match(/<vpcId>/g)?.length ?? 0;
  const before = await vpcs();
  const cross = await post('Action=CreateVpc&Version=2016-11-15&CidrBlock=10.66.0.0%2F16', { origin: 'http://evil.example' });
  assert.equal(cross.status, 403);
  assert.equal(cross.doc.Response.Errors.Error.Code, 'UnauthorizedOperation');
  assert.equal(await vpcs(), before, 'nothing was created');
  const rebound = await post('Action=DescribeVpcs&Version=2016-11-15', { origin: 'null' });
  assert.equal(rebound.status, 403, 'an opaque origin (sandboxed page, file://) is refused too');
  const same = await post('Action=CreateVpc&Version=2016-11-15&CidrBlock=10.67.0.0%2F16', { origin: cove.endpoint });
  assert.equal(same.status, 200);
  assert.equal(await vpcs(), before + 1);
});
