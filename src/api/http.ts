// The one HTTP endpoint serving both APIs (AWS Query protocol): read a bounded
// form-encoded body, pick the service (Version, else the SigV4 credential scope, else
// the action name), authenticate, decode the input from the operation's shape, run
// the handler, and answer XML in the service's style with the request id in the body
// and in `x-amzn-RequestId`. Hostile input gets the service's XML error; nothing a
// client sends can throw past this module.

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApiError, statusOf } from './errors.js';
import { decodeInput, paramTree } from './decode.js';
import { errorBody, successBody } from './xml.js';
import { parseAuthorization, verifySignature } from './sigv4.js';
import type { Service } from './operations.js';
import { isLoopbackHost } from './loopback.js';
import type { RequestContext } from './shapes.js';

/** Largest request body accepted (EC2's own limit for a Query request is far smaller in practice). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface Credential {
  secret: string;
  account: string;
}

export interface ApiOptions {
  services: Service[];
  region: string;
  defaultAccount: string;
  /** Access key → secret and account. Absent: any credentials are accepted (default account). */
  credentials?: Map<string, Credential>;
  /** Called before an account's first request is handled (default VPC and so on). */
  ensureAccount?: (account: string) => void;
  /** Handles paths under /_cove/ (status, shutdown); return false to answer 404. */
  internal?: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => boolean | Promise<boolean>;
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** The web console and /metrics (src/web/console.ts): true when it answered, 'api' to let the API answer. */
  web?: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => Promise<boolean | 'api'>;
  /** Told of every API answer: requests by service, action (a known one, else 'unknown') and status. */
  counted?: (service: string, action: string, status: number) => void;
}

export function createApiServer(opts: ApiOptions): http.Server {
  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    handle(opts, req, res).catch((e: unknown) => {
      opts.log?.('error', 'api: unexpected failure', { err: String((e as Error)?.stack ?? e) });
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

async function handle(opts: ApiOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const started = Date.now();
  const url = req.url ?? '/';
  let service: Service | undefined;
  let action = '';

  const send = (status: number, body: string) => {
    res.writeHead(status, {
      'content-type': 'text/xml;charset=UTF-8',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': requestId,
      date: new Date().toUTCString(),
    });
    res.end(body);
    opts.counted?.(service?.name ?? '-', service?.operations.has(action) ? action : action ? 'unknown' : '-', status);
    opts.log?.('info', `${action || '-'} ${status}`, {
      service: service?.name,
      action: action || undefined,
      status,
      ms: Date.now() - started,
      requestId,
    });
  };
  const fail = (err: ApiError) => {
    const svc = service ?? opts.services.find((s) => s.name === 'elasticache')!;
    send(statusOf(err), errorBody(svc.protocol, svc.xmlns, err, requestId));
  };

  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === null) {
    // The body was not read, but the signature scope (a header) still tells the service.
    const scope = safeScope(header(req, 'authorization'));
    service = opts.services.find((s) => s.name === scope);
    res.shouldKeepAlive = false;
    fail(new ApiError('RequestEntityTooLarge', `Request body must be at most ${MAX_BODY_BYTES} bytes`));
    // Drain briefly so the client reads the answer (closing on unread data would reset
    // the connection and lose it), then cut a client that keeps sending.
    res.on('finish', () => {
      req.resume();
      setTimeout(() => req.socket.destroy(), 1000).unref();
    });
    return;
  }

  if (opts.web && !url.startsWith('/_cove/') && (await opts.web(req, res, body)) === true) return;

  if (url.startsWith('/_cove/')) {
    if (opts.internal && (await opts.internal(req, res, body))) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
    return;
  }

  try {
    if (req.method !== 'POST' && req.method !== 'GET') {
      throw new ApiError('InvalidAction', `The HTTP method ${req.method} is not supported; use POST.`);
    }
    const params = formParams(req, url, body);
    const auth = parseAuthorization(header(req, 'authorization'));
    const version = params.get('Version');
    action = params.get('Action') ?? '';
    service =
      opts.services.find((s) => s.version === version) ??
      (auth ? opts.services.find((s) => s.name === auth.service) : undefined) ??
      opts.services.find((s) => s.operations.has(action));

    // A browser page must not drive the API from the user's machine: cross-site form
    // posts and DNS names rebound to this host carry an Origin (or Host) that is not
    // this host's. The AWS CLI and SDKs send no Origin; the console is same-origin.
    const origin = header(req, 'origin');
    if (origin !== undefined && !isSameLoopbackOrigin(origin, header(req, 'host'))) {
      throw new ApiError('UnauthorizedOperation', `Requests from the web origin ${origin} are not accepted; use the AWS CLI, an SDK or the console at this address.`);
    }

    let account = opts.defaultAccount;
    if (opts.credentials) {
      if (!auth) throw new ApiError('MissingAuthenticationToken', 'Request is missing Authentication Token');
      const cred = opts.credentials.get(auth.accessKeyId);
      if (!cred) throw new ApiError('InvalidClientTokenId', 'The security token included in the request is invalid.');
      verifySignature({ method: req.method ?? 'POST', url, rawHeaders: req.rawHeaders, body }, auth, cred.secret);
      account = cred.account;
    }
    if (!action) throw new ApiError('MissingAction', 'The request must contain the parameter Action');
    if (!service) throw new ApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
    const op = service.operations.get(action);
    if (!op) throw new ApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
    opts.ensureAccount?.(account);
    const input = decodeInput(op.input, paramTree(params.entries()), service.protocol);
    const ctx: RequestContext = { account, region: opts.region, requestId };
    const output = await op.handler(ctx, input);
    send(200, successBody(service, action, op.output, output as Record<string, unknown> | undefined, requestId));
  } catch (e) {
    if (e instanceof ApiError) {
      fail(e);
      return;
    }
    opts.log?.('error', `api: ${action} failed`, { err: String((e as Error)?.stack ?? e), requestId });
    fail(new ApiError(service?.protocol === 'ec2' ? 'InternalError' : 'InternalFailure', 'An internal error has occurred. Please try your query again at a later time.'));
  }
}

function safeScope(authorization: string | undefined): string | undefined {
  try {
    return parseAuthorization(authorization)?.service;
  } catch {
    return undefined;
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The form: URL query parameters, then the body's (a body value wins). */
function formParams(req: http.IncomingMessage, url: string, body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  const q = url.indexOf('?');
  if (q !== -1) for (const [k, v] of new URLSearchParams(url.slice(q + 1))) out.set(k, v);
  if (body.length > 0) {
    const type = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== '' && type !== 'application/x-www-form-urlencoded') {
      throw new ApiError('MalformedQueryString', `Unsupported content type ${type}; send application/x-www-form-urlencoded`);
    }
    const text = body.toString('utf8');
    if (text.includes('\ufffd') && !isValidUtf8(body)) throw new ApiError('MalformedQueryString', 'The request body is not valid UTF-8');
    for (const [k, v] of new URLSearchParams(text)) out.set(k, v);
  }
  return out;
}

function isValidUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/** Reads the body up to `limit` bytes; null when it is larger. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve(null);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    req.on('error', () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
  });
}

/** An Origin that is exactly this server's own address, named as a loopback host. */
function isSameLoopbackOrigin(origin: string, host: string | undefined): boolean {
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return false;
  }
  return host !== undefined && originHost === host.trim().toLowerCase() && isLoopbackHost(host);
}
