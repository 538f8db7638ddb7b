// The web console's side of the control plane's HTTP endpoint (src/api/http.ts hands
// it every request first):
//
//   GET  /                       the page (unless the query carries an AWS Action)
//   GET  /console/<asset>        its scripts and stylesheet (src/web/static/)
//   GET  /metrics                Prometheus text (src/control/metrics.ts)
//   GET  /console/state          what the AWS API has no action for: NAT forwarding
//                                tables, gateway status and events, flow log lines,
//                                and whether this client may change things
//   POST /console/api            the AWS Query API itself, for the page: read actions
//                                for everyone, others only as guard.ts allows; an
//                                allowed request goes on to the API unchanged
//
// The assets are plain ES modules and one CSS file, read at run time from the source
// tree (or from a `static/` folder beside this module, if a packager copied it), so
// there is no build step for the page and `npm run build` output serves it as is.

import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Cloud } from '../control/cloud.js';
import type { CacheCluster } from '../control/model.js';
import type { NetworkManager } from '../network/manager.js';
import { ApiRequestCounts, MetricsCollector, NatSample } from '../control/metrics.js';
import { CONSOLE_HEADER, ConsoleRequest, mayCall, mayMutate } from './guard.js';

/** What the console reads from a running control plane. */
export interface ConsoleHost {
  cloud: Cloud;
  network: NetworkManager;
  /** True when the API verifies SigV4 (--credentials): the page cannot sign, so it says so. */
  credentialsRequired: boolean;
}

/** Flow log lines sent per subscription, and how much of each file's tail is read for them. */
const FLOW_LINES = 200;
const FLOW_TAIL_BYTES = 64 * 1024;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** The folder holding index.html and the page's modules. */
export function staticDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // A static/ beside the module (if a packager copied it), else the source tree's,
  // found upwards from the compiled module (dist/src/web, .build/NAME/src/web).
  if (fs.existsSync(path.join(here, 'static', 'index.html'))) return path.join(here, 'static');
  let dir = here;
  for (let i = 0; i < 6; i++) {
    const c = path.join(dir, 'src', 'web', 'static');
    if (fs.existsSync(path.join(c, 'index.html'))) return c;
    dir = path.dirname(dir);
  }
  return path.join(here, 'static');
}

export function consoleRequest(req: http.IncomingMessage): ConsoleRequest {
  const h = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return { remoteAddress: req.socket.remoteAddress, host: h('host'), origin: h('origin'), consoleHeader: h(CONSOLE_HEADER) };
}

export class WebConsole {
  /** API requests by action and code; src/api/http.ts counts into it. */
  readonly api = new ApiRequestCounts();
  readonly metrics: MetricsCollector;
  private readonly dir = staticDir();

  constructor(private readonly host: () => ConsoleHost | null) {
    this.metrics = new MetricsCollector({
      clusters: () => this.host()?.cloud.state.list<CacheCluster>('cache-cluster', null) ?? [],
      // A replication group's members share its AUTH token, on the management channel too.
      authToken: (c) => (c.replicationGroupId ? this.host()?.cloud.state.get<{ id: string; account: string; authToken?: string }>('replication-group', c.account, c.replicationGroupId)?.authToken : undefined),
      nats: () => this.natSamples(),
      api: this.api,
    });
  }

  /**
   * Handles a console route: true when answered, 'api' when the AWS API should answer
   * it (an allowed POST /console/api), false when it is not the console's.
   */
  route = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<boolean | 'api'> => {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';
    if (url.pathname === '/' && read && !url.searchParams.has('Action')) return this.asset(res, 'index.html', method);
    if (url.pathname === '/metrics' && read) {
      const text = await this.metrics.scrape();
      this.send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', text, method);
      return true;
    }
    if (url.pathname === '/console/state' && read) {
      this.send(res, 200, 'application/json', JSON.stringify(this.state(req)) + '\n', method);
      return true;
    }
    if (url.pathname === '/console/api') {
      if (method !== 'POST') {
        this.send(res, 405, 'text/plain', 'POST the AWS Query form here\n', method);
        return true;
      }
      const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? '';
      const verdict = mayCall(action, consoleRequest(req));
      if (!verdict.allowed) {
        // The EC2 error shape: the page reads Code and Message from either service's errors.
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>${escapeXml(verdict.reason)}</Message></Error></Errors><RequestID>console</RequestID></Response>`;
        this.send(res, 403, 'text/xml;charset=UTF-8', xml, method);
        return true;
      }
      return 'api';
    }
    if (url.pathname.startsWith('/console/') && read) return this.asset(res, url.pathname.slice('/console/'.length), method);
    return false;
  };

  private send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, method: string): void {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache', ...SECURITY_HEADERS });
    res.end(method === 'HEAD' ? undefined : body);
  }

  /** A file of the static folder: plain names only, no paths. */
  private asset(res: http.ServerResponse, name: string, method: string): boolean {
    const ext = path.extname(name);
    if (!/^[a-z0-9][a-z0-9-]*\.[a-z]+$/.test(name) || !MIME[ext]) {
      this.send(res, 404, 'text/plain', 'not found\n', method);
      return true;
    }
    let data: Buffer;
    try {
      data = fs.readFileSync(path.join(this.dir, name));
    } catch {
      this.send(res, 404, 'text/plain', 'not found\n', method);
      return true;
    }
    this.send(res, 200, MIME[ext], data, method);
    return true;
  }

  private natSamples(): NatSample[] {
    const h = this.host();
    if (!h) return [];
    const out: NatSample[] = [];
    for (const inst of h.network.view().instances) {
      if (!inst.nat || inst.state !== 'running') continue;
      const st = h.network.gateways.status(inst.id);
      if (st) out.push({ account: inst.account, instanceId: inst.id, publicIp: inst.publicIp ?? '', counters: st.counters });
    }
    return out;
  }

  /** The page's read-only JSON: NAT instances, gateway events, flow log tails, this client's rights. */
  state(req: http.IncomingMessage): Record<string, unknown> {
    const h = this.host();
    // The page sends the console header with its changes; this says what they would meet.
    const verdict = mayMutate({ ...consoleRequest(req), consoleHeader: '1' });
    const base = { writable: verdict.allowed, readOnlyReason: verdict.allowed ? undefined : verdict.reason };
    if (!h) return { ...base, starting: true };
    if (h.credentialsRequired) return { ...base, credentialsRequired: true };
    const view = h.network.view();
    const nat = view.instances
      .filter((i) => i.nat && i.state !== 'terminated')
      .map((i) => {
        const st = h.network.gateways.status(i.id);
        const config = view.nat.find((n) => n.instanceId === i.id);
        return {
          instanceId: i.id,
          state: i.state,
          vpcId: i.vpcId,
          privateIp: i.privateIp,
          publicIp: i.publicIp ?? null,
          sourceDestCheck: i.sourceDestCheck,
          ipForward: config?.ipForward ?? null,
          rules: config?.rules ?? [],
          forwarding: st?.table.entries ?? [],
          notes: st?.table.notes ?? [],
          tls: st?.table.tls ?? false,
          listening: st?.listening ?? [],
          counters: st?.counters ?? null,
        };
      });
    const flowLogs = view.flowLogs.map((f) => ({ id: f.id, resourceId: f.resourceId, trafficType: f.trafficType, fields: f.fields, lines: tail(f.file, FLOW_LINES) }));
    return { ...base, nat, gatewayEvents: h.network.gateways.eventsOf().slice(-100), flowLogs };
  }
}

/** The last `n` whole lines of a file (reading at most FLOW_TAIL_BYTES of its end). */
export function tail(file: string, n: number): string[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, FLOW_TAIL_BYTES);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    if (size > len) lines.shift(); // a partial first line
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-n);
  } finally {
    fs.closeSync(fd);
  }
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
