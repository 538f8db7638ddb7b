// AWS Signature Version 4: reading the credential scope of a request (which service
// it was signed for, with which access key) and, when access keys are configured,
// verifying the signature the way AWS does (canonical request → string to sign →
// HMAC chain of date, region, service).
//
// Only the Authorization-header form is supported (what the SDKs and the CLI send);
// presigned query strings are not.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.js';

export interface Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=.../aws4_request, SignedHeaders=..., Signature=...`; null if absent or another scheme. */
export function parseAuthorization(header: string | undefined): Authorization | null {
  if (!header || !header.startsWith('AWS4-HMAC-SHA256 ')) return null;
  const fields = new Map<string, string>();
  for (const part of header.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new ApiError(
      'IncompleteSignature',
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
    );
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw new ApiError('IncompleteSignature', `Credential should be scoped to a valid region and service. ('${credential}')`);
  }
  return {
    accessKeyId: scope[0],
    date: scope[1],
    region: scope[2],
    service: scope[3],
    signedHeaders: signedHeaders.split(';'),
    signature,
  };
}

export interface SignedRequest {
  method: string;
  /** Path and query as received (`/` or `/?Action=...`). */
  url: string;
  /** Raw headers, name/value pairs as received (node's `req.rawHeaders`). */
  rawHeaders: string[];
  body: Buffer;
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Throws SignatureDoesNotMatch unless `auth.signature` is the signature of `req` under `secret`. */
export function verifySignature(req: SignedRequest, auth: Authorization, secret: string): void {
  const expected = computeSignature(req, auth, secret);
  const a = Buffer.from(expected);
  const b = Buffer.from(auth.signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new ApiError('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  }
}

export function computeSignature(req: SignedRequest, auth: Authorization, secret: string): string {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const list = headers.get(name) ?? [];
    list.push(req.rawHeaders[i + 1].trim().replace(/\s+/g, ' '));
    headers.set(name, list);
  }
  const amzDate = headers.get('x-amz-date')?.[0] ?? headers.get('date')?.[0] ?? '';
  const canonicalHeaders = auth.signedHeaders.map((h) => `${h}:${(headers.get(h) ?? []).join(',')}\n`).join('');
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  const query = q === -1 ? '' : req.url.slice(q + 1);
  const payloadHash = headers.get('x-amz-content-sha256')?.[0] ?? sha256(req.body);
  const canonicalRequest = [
    req.method,
    canonicalPath(path),
    canonicalQuery(query),
    canonicalHeaders,
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${secret}`, auth.date);
  const kRegion = hmac(kDate, auth.region);
  const kService = hmac(kRegion, auth.service);
  const kSigning = hmac(kService, 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

function canonicalPath(path: string): string {
  if (path === '') return '/';
  return path
    .split('/')
    .map((seg) => uriEncode(safeDecode(seg)))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq === -1 ? p : p.slice(0, eq);
      const v = eq === -1 ? '' : p.slice(eq + 1);
      return [uriEncode(safeDecode(k)), uriEncode(safeDecode(v))] as [string, string];
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept, everything else %XX). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
