// `cove up` as a library: opens the data dir (SQLite state, node sockets and logs),
// serves the AWS API, and runs the reconciler. Also what tests start in-process.
//
// Data dir layout:
//   cove.sqlite   every resource, node pid and event
//   cove.json     the running instance: pid, API address, admin token (mode 0600),
//                 read by `cove status` and `cove down`
//   run/          node management sockets
//   logs/         one log per node process

import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { State } from './state.js';
import { Cloud, DEFAULT_ACCOUNT } from './cloud.js';
import { Supervisor, MAIN_JS, processAlive } from './supervisor.js';
import { Reconciler, Logger } from './reconciler.js';
import { createApiServer, Credential } from '../api/http.js';
import { services } from '../api/operations.js';
import type { CacheCluster } from './model.js';
import { NetworkManager } from '../network/manager.js';
import { ReplicationGroupController } from './replication-groups.js';
import { handleNetworkAdmin } from '../network/admin.js';
import { flowLogOperations } from '../api/ec2/flow-logs.js';
import { WebConsole } from '../web/console.js';

export interface ControlPlaneOptions {
  dataDir: string;
  /** host:port of the API (default 127.0.0.1:4599; port 0 picks a free one). */
  api?: string;
  region?: string;
  /** File of access keys: enables SigV4 verification and per-account isolation. */
  credentialsFile?: string;
  log?: Logger;
  /** The CLI entry point node processes run (default: the compiled cove next to this module). */
  mainJs?: string;
  /** Where Elastic IPs come from (a CIDR; default 127.200.0.0/16). */
  publicPool?: string;
}

export interface RuntimeInfo {
  pid: number;
  api: string;
  token: string;
  started: string;
  dataDir: string;
}

export class ControlPlane {
  /** Replication groups' controller (src/control/replication-groups.ts), set once started. */
  groups: ReplicationGroupController | null = null;
  private closing: Promise<void> | null = null;
  private resolveDone!: () => void;
  /** Resolves once the control plane has stopped (down, SIGTERM, or stop()). */
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(
    readonly dataDir: string,
    readonly state: State,
    readonly cloud: Cloud,
    readonly reconciler: Reconciler,
    readonly server: http.Server,
    readonly info: RuntimeInfo,
    private readonly log: Logger,
    /** Security groups, flow logs, NAT gateways (src/network/manager.ts). */
    readonly network: NetworkManager,
  ) {}

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  get endpoint(): string {
    return `http://${this.info.api}`;
  }

  /**
   * Stops serving. `nodes: true` (cove down, SIGTERM) also stops every node process
   * so the next `cove up` starts them again; `nodes: false` leaves them running, as a
   * crash would.
   */
  stop(opts: { nodes: boolean } = { nodes: true }): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        this.log('info', opts.nodes ? 'shutting down: stopping nodes' : 'shutting down: leaving nodes running');
        this.server.closeAllConnections?.();
        await new Promise<void>((r) => this.server.close(() => r()));
        await this.groups?.stop(opts.nodes);
        await this.reconciler.stop(opts.nodes);
        this.network.close();
        this.state.close();
        try {
          const current = JSON.parse(fs.readFileSync(runtimeFile(this.dataDir), 'utf8')) as RuntimeInfo;
          if (current.token === this.info.token) fs.unlinkSync(runtimeFile(this.dataDir));
        } catch {
          // already gone
        }
        this.log('info', 'stopped');
        this.resolveDone();
      })();
    }
    return this.closing;
  }

  /** A summary for `cove status`. */
  status(): Record<string, unknown> {
    const clusters = this.state.list<CacheCluster>('cache-cluster', null).map((c) => ({
      account: c.account,
      id: c.id,
      engine: c.engine,
      status: c.status,
      nodes: c.nodes.map((n) => ({ id: n.nodeId, status: n.status, endpoint: `${n.address}:${n.port}`, privateIp: n.privateIp, pid: n.pid ?? null })),
    }));
    return { pid: this.info.pid, api: this.info.api, dataDir: this.dataDir, started: this.info.started, clusters };
  }
}

export function runtimeFile(dataDir: string): string {
  return path.join(dataDir, 'cove.json');
}

/** Reads the running instance's address and token, if one is running. */
export function readRuntime(dataDir: string): RuntimeInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(runtimeFile(dataDir), 'utf8')) as RuntimeInfo;
    return processAlive(info.pid) ? info : null;
  } catch {
    return null;
  }
}

/**
 * Credentials file: one `ACCESS_KEY SECRET ACCOUNT_ID` per line (# comments), or a
 * JSON array of {accessKeyId, secretAccessKey, accountId}.
 */
export function loadCredentials(file: string): Map<string, Credential> {
  const text = fs.readFileSync(file, 'utf8');
  const out = new Map<string, Credential>();
  const add = (key: string, secret: string, account: string) => {
    if (!/^\d{12}$/.test(account)) throw new Error(`credentials: account id must be 12 digits, got '${account}'`);
    out.set(key, { secret, account });
  };
  if (text.trim().startsWith('[')) {
    for (const e of JSON.parse(text) as { accessKeyId: string; secretAccessKey: string; accountId: string }[]) {
      add(e.accessKeyId, e.secretAccessKey, e.accountId);
    }
  } else {
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      if (!line) continue;
      const parts = line.split(/\s+/);
      if (parts.length !== 3) throw new Error(`credentials: expected 'ACCESS_KEY SECRET ACCOUNT_ID', got '${line}'`);
      add(parts[0], parts[1], parts[2]);
    }
  }
  if (out.size === 0) throw new Error(`credentials: no access keys in ${file}`);
  return out;
}

function parseHostPort(api: string): { host: string; port: number } {
  const i = api.lastIndexOf(':');
  if (i === -1) throw new Error(`--api expects host:port, got '${api}'`);
  const port = Number(api.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--api: bad port in '${api}'`);
  return { host: api.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const running = readRuntime(dataDir);
  if (running && running.pid !== process.pid) {
    throw new Error(`cove is already running for ${dataDir} (pid ${running.pid}, API ${running.api})`);
  }
  const credentials = opts.credentialsFile ? loadCredentials(opts.credentialsFile) : undefined;
  const state = new State(path.join(dataDir, 'cove.sqlite'));
  const cloud = new Cloud(state, opts.region ?? 'us-east-1', opts.publicPool);
  const accounts = credentials ? [...new Set([...credentials.values()].map((c) => c.account))] : [DEFAULT_ACCOUNT];
  for (const a of accounts) cloud.ensureAccount(a);

  const runDir = path.join(dataDir, 'run');
  const supervisor = new Supervisor(runDir, opts.mainJs ?? MAIN_JS);
  const reconciler = new Reconciler(cloud, supervisor, path.join(dataDir, 'logs'), log);
  // Every node enforces security groups from the view the network manager publishes.
  const network = new NetworkManager(cloud, dataDir, log);
  cloud.hooks.networkChanged = () => network.publish();
  reconciler.networkFile = network.file;
  const token = randomBytes(16).toString('hex');

  let plane: ControlPlane | null = null;
  // The web console and /metrics share the API's endpoint (src/web/console.ts).
  const web = new WebConsole(() => ({ cloud, network, credentialsRequired: !!credentials }));
  const server = createApiServer({
    web: web.route,
    counted: web.api.count,
    services: services(cloud, runDir, { ec2: flowLogOperations(cloud, dataDir) }),
    region: cloud.region,
    defaultAccount: DEFAULT_ACCOUNT,
    credentials,
    ensureAccount: (a) => cloud.ensureAccount(a),
    log,
    internal: (req, res, body) => {
      if (req.headers['x-cove-token'] !== token || !plane) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end('{"error":"bad or missing x-cove-token"}\n');
        return true;
      }
      if (req.url === '/_cove/status' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(plane.status()) + '\n');
        return true;
      }
      if (req.url === '/_cove/down' && req.method === 'POST') {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end('{"stopping":true}\n');
        const p = plane;
        setImmediate(() => void p.stop({ nodes: true }));
        return true;
      }
      return handleNetworkAdmin(plane.network, req, res, body);
    },
  });
  const { host, port } = parseHostPort(opts.api ?? '127.0.0.1:4599');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as { port: number }).port;
  const info: RuntimeInfo = {
    pid: process.pid,
    api: `${host.includes(':') ? `[${host}]` : host}:${bound}`,
    token,
    started: new Date().toISOString(),
    dataDir,
  };
  fs.writeFileSync(runtimeFile(dataDir), JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  plane = new ControlPlane(dataDir, state, cloud, reconciler, server, info, log, network);
  network.start();
  reconciler.start();
  // Replication groups: member roles, failover and the primary/reader endpoints.
  plane.groups = new ReplicationGroupController(cloud, reconciler, supervisor, log, () => network.file);
  plane.groups.start();
  log('info', `Cove control plane listening on http://${info.api}`, { dataDir, accounts: accounts.length, auth: credentials ? 'sigv4' : 'any' });
  return plane;
}
