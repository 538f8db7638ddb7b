// The reconciler: drives every cache cluster from its recorded (desired) state to
// the world and back. Each pass, for each node: the process should run (start it,
// adopt it, replace it if it died, restart it for a reboot) or should not (stop it,
// release its ENI); a node that answers on its management channel is available.
// Cluster statuses move on when all their nodes have (creating → available,
// modifying → available, rebooting cluster nodes → available, deleting → gone),
// and every transition is written to the event log with ElastiCache's wording.
//
// Every step is idempotent and the state is re-read each pass, so after a crash of
// the control plane at any point the next pass continues where the last one stopped.

import path from 'node:path';
import type { Cloud } from './cloud.js';
import type { CacheCluster, CacheNode } from './model.js';
import { Supervisor } from './supervisor.js';
import { ping } from './management.js';
import { nodeAnswers } from './node-admin.js';
import { clusterConfigLine, pushDiscovery } from './discovery.js';
import { promises as fsp } from 'node:fs';

export type Logger = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** How often a pass runs when nothing asks for one sooner. */
const TICK_MS = 500;
/** Available nodes are pinged this often; after this many failures in a row a hung node is replaced. */
const HEALTH_EVERY_MS = 3000;
const HUNG_AFTER_FAILURES = 3;
/** Restart back-off for a node that keeps dying (e.g. its address is taken). */
const MAX_BACKOFF_MS = 30_000;

interface NodeRuntime {
  lastPing: number;
  failures: number;
  nextStart: number;
  backoff: number;
  /** A death was seen and the "Recovering" event written; "Finished recovery" follows on health. */
  recovering: boolean;
  /** Cluster membership version the node last got (memcached auto discovery). */
  discovery: string;
}

/** What a replication group's controller decides about its members' nodes (control/replication-groups.ts). */
export interface MemberHooks {
  /** The member's process is gone: true holds its replacement (and its events) while a failover runs. */
  hold(c: CacheCluster, n: CacheNode): boolean;
  /** Extra environment for the member's process: AUTH token, starting role. */
  env(c: CacheCluster, n: CacheNode): Record<string, string> | undefined;
  /** Health check of a member (its node may need AUTH). */
  ping(c: CacheCluster, n: CacheNode): Promise<boolean>;
}

export class Reconciler {
  /** Set by the replication-group controller; consulted for clusters with a replicationGroupId. */
  memberHooks: MemberHooks | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  private readonly runtime = new Map<string, NodeRuntime>();
  /** The network view file node processes enforce security groups from (set by the control plane). */
  networkFile: string | null = null;
  /** Resolvers waiting for the next full pass (tests and `cove down`). */
  private passWaiters: (() => void)[] = [];

  constructor(
    private readonly cloud: Cloud,
    readonly supervisor: Supervisor,
    private readonly logDir: string,
    private readonly log: Logger,
  ) {
    cloud.hooks.clusterChanged = () => this.poke();
    supervisor.onExit = () => this.poke();
  }

  /** Adopts running node processes and stops orphans, then starts the periodic passes. */
  start(): void {
    this.adopt();
    this.timer = setInterval(() => this.poke(), TICK_MS);
    this.timer.unref();
    this.poke();
  }

  /** Asks for a pass as soon as possible. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.pass()
      .catch((e) => this.log('error', 'reconciler pass failed', { err: String((e as Error)?.stack ?? e) }))
      .finally(() => {
        this.running = false;
        const waiters = this.passWaiters;
        this.passWaiters = [];
        for (const w of waiters) w();
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Resolves after the next complete pass. */
  settle(): Promise<void> {
    return new Promise((resolve) => {
      this.passWaiters.push(resolve);
      this.poke();
    });
  }

  /**
   * Stops the passes. With `stopNodes` (cove down, SIGTERM) every node process is
   * stopped and forgotten so the next `cove up` starts them again quietly; without it
   * (tests that simulate a crash) nodes keep running.
   */
  async stop(stopNodes: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    while (this.running) await new Promise((r) => setTimeout(r, 10));
    if (!stopNodes) return;
    const { state } = this.cloud;
    const stops: Promise<void>[] = [];
    for (const c of state.list<CacheCluster>('cache-cluster', null)) {
      for (const n of c.nodes) {
        if (n.pid) stops.push(this.supervisor.stop(n.pid, n.socket));
        delete n.pid;
      }
      state.put('cache-cluster', c);
    }
    await Promise.all(stops);
  }

  // ---- adoption ------------------------------------------------------------------

  private adopt(): void {
    const { state } = this.cloud;
    const running = this.supervisor.scan();
    const known = new Set<string>();
    for (const c of state.list<CacheCluster>('cache-cluster', null)) {
      let dirty = false;
      for (const n of c.nodes) {
        known.add(n.socket);
        const pid = running.get(n.socket);
        if (pid !== undefined && pid !== n.pid) {
          // Started just before a crash, or recorded under a pid we lost: this is the node.
          this.log('info', `adopted node process ${c.id}/${n.nodeId}`, { pid });
          n.pid = pid;
          dirty = true;
        }
      }
      if (dirty) state.put('cache-cluster', c);
    }
    for (const [socket, pid] of running) {
      if (!known.has(socket)) {
        this.log('warn', 'stopping an orphan node process', { pid, socket });
        void this.supervisor.stop(pid, socket);
      }
    }
  }

  // ---- passes --------------------------------------------------------------------

  private async pass(): Promise<void> {
    const { state } = this.cloud;
    const work: Promise<void>[] = [];
    for (const c of state.list<CacheCluster>('cache-cluster', null)) work.push(this.step(c.account, c.id));
    await Promise.all(work);
  }

  private rt(c: CacheCluster, n: CacheNode): NodeRuntime {
    const key = n.socket;
    let r = this.runtime.get(key);
    if (!r) {
      r = { lastPing: 0, failures: 0, nextStart: 0, backoff: 500, recovering: false, discovery: '' };
      this.runtime.set(key, r);
    }
    return r;
  }

  private event(c: CacheCluster, message: string): void {
    this.cloud.state.addEvent(c.account, 'cache-cluster', c.id, message);
    this.log('info', `event ${c.id}: ${message}`);
  }

  /** Re-reads the cluster (a handler may have changed it during an await) and saves it. */
  private save(c: CacheCluster): void {
    this.cloud.state.put('cache-cluster', c);
  }

  private fresh(account: string, id: string): CacheCluster | undefined {
    return this.cloud.state.get<CacheCluster>('cache-cluster', account, id);
  }

  private async step(account: string, id: string): Promise<void> {
    let c = this.fresh(account, id);
    if (!c) return;
    if (c.status === 'deleting') {
      await this.delete(c);
      return;
    }

    // Nodes leaving (scale-in): stop, release, forget.
    for (const n of c.nodes.filter((x) => x.status === 'deleting')) {
      if (n.pid) await this.supervisor.stop(n.pid, n.socket);
      c = this.fresh(account, id);
      if (!c) return;
      this.cloud.state.tx(() => {
        this.cloud.state.remove('eni', account, n.eniId);
        c!.nodes = c!.nodes.filter((x) => x.nodeId !== n.nodeId);
        this.save(c!);
      });
      this.runtime.delete(n.socket);
      this.event(c, `Removed cache node ${n.nodeId}`);
      this.cloud.networkChanged();
    }

    // Reboots: stop the process once; the start below brings it back empty.
    for (const n of c.nodes.filter((x) => x.status === 'rebooting')) {
      if (n.pid) await this.supervisor.stop(n.pid, n.socket);
      c = this.fresh(account, id);
      if (!c) return;
      const node = c.nodes.find((x) => x.nodeId === n.nodeId);
      if (!node) continue;
      delete node.pid;
      node.status = 'restarting';
      this.save(c);
      this.event(c, `Cache node ${n.nodeId} shutdown`);
    }

    // Every remaining node should run and answer.
    const checks = c.nodes.map((n) => this.ensureRunning(account, id, n.nodeId));
    await Promise.all(checks);
    c = this.fresh(account, id);
    if (!c) return;

    if (c.engine === 'memcached') await this.discovery(c);

    const allUp = c.nodes.every((n) => n.status === 'available');
    if (!allUp) return;
    if (c.status === 'creating') {
      c.status = 'available';
      this.save(c);
      this.event(c, 'Cache cluster created');
    } else if (c.status === 'modifying') {
      const from = c.modifyFrom ?? c.numNodes;
      c.status = 'available';
      c.numNodes = c.nodes.length;
      c.pending = {};
      delete c.modifyFrom;
      this.save(c);
      this.event(c, `Finished modifying number of nodes from ${from} to ${c.numNodes}`);
    } else if (c.status === 'rebooting cluster nodes') {
      c.status = 'available';
      this.save(c);
    }
  }

  /** Keeps one node's process alive and healthy; updates its status. */
  private async ensureRunning(account: string, clusterId: string, nodeId: string): Promise<void> {
    let c = this.fresh(account, clusterId);
    let n = c?.nodes.find((x) => x.nodeId === nodeId);
    if (!c || !n || n.status === 'deleting' || n.status === 'rebooting') return;
    const r = this.rt(c, n);
    const now = Date.now();

    const member = c.replicationGroupId ? this.memberHooks : null;
    // A member is left alone until the group controller is attached (it starts just after
    // the first pass): started without it, a dead primary would come back empty, as a
    // primary, without the group's AUTH token.
    if (c.replicationGroupId && !member) return;
    if (!this.supervisor.owns(n.pid, n.socket)) {
      if (member?.hold(c, n)) return;
      if (n.pid !== undefined) {
        // It was running and is gone: a node failure. Replace it at the same address.
        if (!r.recovering && n.status === 'available') {
          r.recovering = true;
          n.replacements++;
          this.event(c, `Recovering cache nodes ${n.nodeId}`);
        }
        delete n.pid;
        this.save(c);
      }
      if (now < r.nextStart) return;
      r.nextStart = now + r.backoff;
      r.backoff = Math.min(MAX_BACKOFF_MS, r.backoff * 2);
      const pid = this.supervisor.start({
        engine: c.engine,
        bind: n.address,
        port: n.port,
        socket: n.socket,
        logFile: path.join(this.logDir, `${c.account}-${c.id}-${n.nodeId}.log`),
        network: this.networkFile ? { policy: this.networkFile, eni: n.eniId } : undefined,
        env: member?.env(c, n),
      });
      n.pid = pid;
      r.failures = 0;
      r.discovery = '';
      this.save(c);
      this.log('info', `started node ${c.id}/${n.nodeId}`, { pid, address: `${n.address}:${n.port}` });
      return;
    }

    const healthy = n.status === 'available' && !r.recovering;
    if (healthy && now - r.lastPing < HEALTH_EVERY_MS) return;
    r.lastPing = now;
    // A cluster kept from a group with an AUTH token (RetainPrimaryCluster) still demands
    // it, and the token went with the group: NOAUTH proves the node alive.
    const ok = member
      ? await member.ping(c, n)
      : c.authTokenEnabled && c.engine !== 'memcached'
        ? await nodeAnswers(n.socket)
        : await ping(c.engine, n.socket, c.engine === 'memcached' && !(await hasSocket(n.socket)) ? { host: n.address, port: n.port } : undefined);
    c = this.fresh(account, clusterId);
    n = c?.nodes.find((x) => x.nodeId === nodeId);
    if (!c || !n) return;
    if (!ok) {
      if (++r.failures >= HUNG_AFTER_FAILURES && n.pid && n.status === 'available') {
        this.log('warn', `node ${c.id}/${n.nodeId} does not answer: replacing it`, { pid: n.pid });
        this.supervisor.kill(n.pid, n.socket);
      }
      return;
    }
    r.failures = 0;
    r.backoff = 500;
    if (n.status === 'creating') {
      n.status = 'available';
      this.save(c);
      if (c.status === 'modifying') this.event(c, `Added cache node ${n.nodeId} in availability zone ${n.az}`);
    } else if (n.status === 'restarting') {
      n.status = 'available';
      delete n.rebootRequested;
      this.save(c);
      this.event(c, `Cache node ${n.nodeId} restarted`);
    }
    if (r.recovering) {
      r.recovering = false;
      this.event(c, `Finished recovery for cache nodes ${n.nodeId}`);
    }
  }

  /** Memcached auto discovery: every available node learns the current node list. */
  private async discovery(c: CacheCluster): Promise<void> {
    const members = clusterConfigLine(c);
    if (c.discoveryMembers !== members) {
      c.discoveryMembers = members;
      c.discoveryVersion = (c.discoveryVersion ?? 0) + 1;
      this.save(c);
    }
    const version = `${c.discoveryVersion}`;
    for (const n of c.nodes) {
      if (n.status !== 'available' || !n.pid) continue;
      const r = this.rt(c, n);
      if (r.discovery === version) continue;
      if (await pushDiscovery(c, n)) r.discovery = version;
    }
  }

  private async delete(c: CacheCluster): Promise<void> {
    await Promise.all(c.nodes.map((n) => (n.pid ? this.supervisor.stop(n.pid, n.socket) : undefined)));
    const { state } = this.cloud;
    const current = this.fresh(c.account, c.id);
    if (!current) return;
    state.tx(() => {
      for (const n of current.nodes) state.remove('eni', current.account, n.eniId);
      state.remove('cache-cluster', current.account, current.id);
    });
    for (const n of current.nodes) this.runtime.delete(n.socket);
    this.cloud.networkChanged();
    this.event(current, 'Cache cluster deleted');
  }
}

async function hasSocket(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isSocket();
  } catch {
    return false;
  }
}
