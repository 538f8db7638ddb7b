// A tiny AWS Query API client for the CLI's own use (`cove up --demo`): form-encoded
// POSTs to Cove's endpoint, SigV4-signed when access keys are in force, XML answers
// read with fast-xml-parser (already a runtime dependency).
//
// Why not the AWS SDK v3: @aws-sdk/client-ec2 + client-elasticache take ~0.6 s more
// to load than this module on the 2-core test box, a fifth of the demo's 3-second
// budget to the first PONG, and they would move from devDependencies to the
// runtime install. The demo needs a dozen actions with flat parameters; the SDK
// stays what the tests use to check Cove against a real client.

import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { computeSignature } from '../api/sigv4.js';

export type Service = 'ec2' | 'elasticache';

const VERSIONS: Record<Service, string> = { ec2: '2016-11-15', elasticache: '2015-02-02' };

/** An answer element: nested objects of strings, as the XML has them. */
export type Xml = { [name: string]: any };

/** An error answer of the API: its code (`InvalidGroup.Duplicate`) and message. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface QueryClientOptions {
  /** http://host:port */
  endpoint: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false });

/** Parameters as the Query protocol names them: `Filter.1.Name`, `SecurityGroupId.1`, ... */
export type Params = Record<string, string | number | boolean | undefined>;

export class QueryClient {
  constructor(private readonly opts: QueryClientOptions) {}

  /**
   * Calls one action; resolves to the answer's body: for EC2 the response element,
   * for ElastiCache its `<ActionResult>`. Rejects with AwsError on an error answer.
   */
  async call(service: Service, action: string, params: Params = {}): Promise<Xml> {
    const form = new URLSearchParams({ Action: action, Version: VERSIONS[service] });
    for (const [k, v] of Object.entries(params)) if (v !== undefined) form.set(k, String(v));
    const body = form.toString();
    const url = new URL(this.opts.endpoint);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    if (this.opts.credentials) Object.assign(headers, this.sign(service, url.host, body));
    const res = await fetch(url, { method: 'POST', headers, body });
    const text = await res.text();
    let doc: Xml;
    try {
      doc = parser.parse(text) as Xml;
    } catch {
      throw new AwsError('Unparseable', `${action}: HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
    }
    const err = doc.Response?.Errors?.Error ?? doc.ErrorResponse?.Error;
    if (!res.ok || err) {
      const e = Array.isArray(err) ? err[0] : err;
      throw new AwsError(e?.Code ?? `HTTP${res.status}`, e?.Message ?? text.slice(0, 200), res.status);
    }
    const root = doc[`${action}Response`] as Xml | undefined;
    if (!root) throw new AwsError('Unparseable', `${action}: no ${action}Response element`, res.status);
    return service === 'ec2' ? root : ((root[`${action}Result`] ?? {}) as Xml);
  }

  /** SigV4 headers for a POST of `body` to `/`. */
  private sign(service: Service, host: string, body: string): Record<string, string> {
    const { accessKeyId, secretAccessKey } = this.opts.credentials!;
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const date = amzDate.slice(0, 8);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      host,
      'x-amz-date': amzDate,
      'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
    };
    const signedHeaders = Object.keys(headers).sort();
    const signature = computeSignature(
      { method: 'POST', url: '/', rawHeaders: Object.entries(headers).flat(), body: Buffer.from(body) },
      { accessKeyId, date, region: this.opts.region, service, signedHeaders, signature: '' },
      secretAccessKey,
    );
    return {
      'x-amz-date': amzDate,
      'x-amz-content-sha256': headers['x-amz-content-sha256'],
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date}/${this.opts.region}/${service}/aws4_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
    };
  }
}

/**
 * The members of a list element, whatever the XML made of it: EC2 wraps each in
 * `<item>`, ElastiCache names them per list (`<CacheCluster>`, `<member>`); one
 * member parses as an object, several as an array, none as '' or undefined.
 */
export function members(list: unknown, item = 'item'): Xml[] {
  if (list === undefined || list === null || list === '') return [];
  const inner = (list as Xml)[item];
  if (inner === undefined || inner === '') return [];
  return Array.isArray(inner) ? inner : [inner];
}

/** Query-protocol parameters for EC2 filters: `Filter.N.Name`, `Filter.N.Value.M`. */
export function filters(f: Record<string, string | string[]>): Params {
  const out: Params = {};
  Object.entries(f).forEach(([name, values], i) => {
    out[`Filter.${i + 1}.Name`] = name;
    (Array.isArray(values) ? values : [values]).forEach((v, j) => (out[`Filter.${i + 1}.Value.${j + 1}`] = v));
  });
  return out;
}

/** EC2 TagSpecification parameters for one resource type. */
export function tagSpec(resourceType: string, tags: Record<string, string>): Params {
  const out: Params = { 'TagSpecification.1.ResourceType': resourceType };
  Object.entries(tags).forEach(([k, v], i) => {
    out[`TagSpecification.1.Tag.${i + 1}.Key`] = k;
    out[`TagSpecification.1.Tag.${i + 1}.Value`] = v;
  });
  return out;
}
