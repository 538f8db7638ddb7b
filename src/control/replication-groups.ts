// The replication-group controller: keeps each Valkey/Redis replication group's
// member nodes in the roles its recorded state says, and replaces a failed primary.
//
// Members are ordinary cache clusters (rg-001, rg-002, ...) whose node processes the
// reconciler runs; this controller adds what a group needs on top, through the
// reconciler's member hooks and the nodes' management channels:
//
//  - roles: the primary member's node is a primary; every other member's node
//    replicates from it (COVE.REPLICAOF over the primary's management socket, so no
//    security group sees replication). A replacement node starts as a replica of the
//    current primary (COVE_REPLICAOF in its environment), never as an empty primary
//    that the replicas would resync from.
//  - failover: when the primary's process dies (or hangs and is killed), the
//    reconciler is held off its replacement while the replica with the least lag
//    (highest replication offset) is promoted, the others are re-pointed at it and the
//    PrimaryEndpoint follows; then the old primary's replacement starts as a replica.
//    With automatic failover disabled the same promotion keeps the data, and the
//    original primary takes its role back once its replacement has synced.
//  - planned switches (ModifyReplicationGroup PrimaryClusterId): writes paused on the
//    old primary, the new one waits to catch up, then the roles swap.
//  - lifecycle: creating → available once every replica's link is up; modifying while
//    replicas come or go or the primary changes; deleting → gone.
//  - endpoints (group-endpoints.ts, served by their own process: endpoint-process.ts)
//    follow the roles.
//
// Every decision is re-derived from the state and the nodes' INFO each pass; one
// operation per group runs at a time.

import type { Cloud } from './cloud.js';
import type { CacheCluster, CacheNode, ReplicationGroup } from './model.js';
import type { Reconciler, Logger } from './reconciler.js';
import type { Supervisor } from './supervisor.js';
import { nodeCommand, pingNode, replicationInfo, isError, NodeReplication } from './node-admin.js';
import type { EndpointSpec } from './group-endpoints.js';
import { EndpointProcess } from './endpoint-process.js';
import { TlsStore } from '../gateway/tls.js';
import path from 'node:path';

/** How often primaries are checked for a dead process (cheap: a /proc read). */
const FAST_MS = 100;
/** How often roles and statuses are reconciled. */
const PASS_MS = 500;
/** Primaries are pinged this often; after HUNG_FAILURES misses in a row the process is killed. */
const PRIMARY_PING_MS = 250;
const PRIMARY_PING_TIMEOUT_MS = 300;
const HUNG_FAILURES = 4;
/** A planned switch waits this long for the new primary to catch up. */
const CATCH_UP_MS = 3000;

interface Member {
  c: CacheCluster;
  n: CacheNode;
}

export class ReplicationGroupController {
  readonly endpoints: EndpointProcess;
  private readonly tlsDir: string;
  private readonly tls: TlsStore;
  private published = '';
  private fast: NodeJS.Timeout | null = null;
  private slow: NodeJS.Timeout | null = null;
  /** Groups with an operation in flight (account/id). */
  private readonly busy = new Set<string>();
  /** Consecutive failed pings per primary socket. */
  private readonly misses = new Map<string, number>();
  private readonly lastPing = new Map<string, number>();
  /** Primary sockets whose failover found no replica to promote: let the reconciler restart them. */
  private readonly released = new Set<string>();
  private stopped = false;

  constructor(
    private readonly cloud: Cloud,
    private readonly reconciler: Reconciler,
    private readonly supervisor: Supervisor,
    private readonly log: Logger,
    private readonly policyFile: () => string | null,
  ) {
    const logDir = path.join(path.dirname(supervisor.runDir), 'logs');
    // The data dir's CA (the NAT gateway's too): one certificate to trust for every TLS port.
    this.tlsDir = path.join(path.dirname(supervisor.runDir), 'tls');
    this.tls = new TlsStore(this.tlsDir);
    this.endpoints = new EndpointProcess(supervisor.runDir, supervisor.mainJs, path.join(logDir, 'endpoints.log'));
  }

  start(): void {
    this.reconciler.memberHooks = {
      hold: (c, n) => this.hold(c, n),
      env: (c, n) => this.env(c, n),
      ping: (c) => this.ping(c),
    };
    this.cloud.hooks.replicationGroupChanged = (account, id) => this.poke(account, id);
    this.fast = setInterval(() => this.watchPrimaries(), FAST_MS);
    this.fast.unref();
    this.slow = setInterval(() => this.passAll(), PASS_MS);
    this.slow.unref();
    this.syncEndpoints();
    this.passAll();
  }

  /** Stops the controller; with `endpoints` (cove down) the endpoint process too, else it keeps serving. */
  async stop(endpoints: boolean): Promise<void> {
    this.stopped = true;
    if (this.fast) clearInterval(this.fast);
    if (this.slow) clearInterval(this.slow);
    this.reconciler.memberHooks = null;
    if (endpoints) await this.endpoints.stop();
  }

  poke(account: string, id: string): void {
    setImmediate(() => void this.run(account, id, (g) => this.pass(g)));
  }

  // ---- lookups ------------------------------------------------------------------------

  private groups(): ReplicationGroup[] {
    return this.cloud.state.list<ReplicationGroup>('replication-group', null);
  }

  private group(account: string, id: string): ReplicationGroup | undefined {
    return this.cloud.state.get<ReplicationGroup>('replication-group', account, id);
  }

  private groupOf(c: CacheCluster): ReplicationGroup | undefined {
    return c.replicationGroupId ? this.group(c.account, c.replicationGroupId) : undefined;
  }

  private member(g: ReplicationGroup, clusterId: string): Member | undefined {
    const c = this.cloud.state.get<CacheCluster>('cache-cluster', g.account, clusterId);
    const n = c?.nodes[0];
    return c && n ? { c, n } : undefined;
  }

  private members(g: ReplicationGroup): Member[] {
    return g.members.map((id) => this.member(g, id)).filter((m): m is Member => m !== undefined);
  }

  private alive(m: Member): boolean {
    return this.supervisor.owns(m.n.pid, m.n.socket);
  }

  private event(g: ReplicationGroup, sourceType: 'replication-group' | 'cache-cluster', sourceId: string, message: string): void {
    this.cloud.state.addEvent(g.account, sourceType, sourceId, message);
    this.log('info', `event ${sourceId}: ${message}`);
  }

  /** Runs `fn` for a group unless an operation for it is already running. */
  private async run(account: string, id: string, fn: (g: ReplicationGroup) => Promise<void>): Promise<void> {
    const key = `${account}/${id}`;
    if (this.stopped || this.busy.has(key)) return;
    const g = this.group(account, id);
    if (!g) return;
    this.busy.add(key);
    try {
      await fn(g);
    } catch (e) {
      this.log('error', `replication group ${id}: ${String((e as Error)?.stack ?? e)}`);
    } finally {
      this.busy.delete(key);
    }
  }

  // ---- reconciler hooks ---------------------------------------------------------------------

  /** The reconciler found a member's process gone: hold the primary's replacement while a failover runs. */
  private hold(c: CacheCluster, n: CacheNode): boolean {
    const g = this.groupOf(c);
    if (!g || g.status === 'deleting' || c.id !== g.primaryClusterId) return false;
    if (n.pid === undefined && n.status !== 'restarting') return false; // first start
    if (this.released.has(n.socket)) return false;
    const replicas = this.members(g).filter((m) => m.c.id !== c.id && m.n.status === 'available' && this.alive(m));
    if (replicas.length === 0) return false;
    void this.run(g.account, g.id, (fresh) => this.failover(fresh));
    return true;
  }

  private env(c: CacheCluster, n: CacheNode): Record<string, string> | undefined {
    const g = this.groupOf(c);
    if (!g) return undefined;
    const env: Record<string, string> = {};
    if (g.authToken) env.COVE_NODE_CONFIG = JSON.stringify({ requirepass: g.authToken, masterauth: g.authToken });
    const p = c.id === g.primaryClusterId ? undefined : this.member(g, g.primaryClusterId);
    if (p) env.COVE_REPLICAOF = JSON.stringify({ host: p.n.address, port: p.n.port, path: p.n.socket, announceIp: n.address });
    this.released.delete(n.socket);
    return env;
  }

  private ping(c: CacheCluster): Promise<boolean> {
    const g = this.groupOf(c);
    return pingNode(c.nodes[0]?.socket ?? '', g?.authToken);
  }

  // ---- failure detection ------------------------------------------------------------------

  /** Dead primaries are failed over at once; hung ones are killed after a few missed pings. */
  private watchPrimaries(): void {
    const now = Date.now();
    for (const g of this.groups()) {
      if (g.status === 'deleting') continue;
      const p = this.member(g, g.primaryClusterId);
      if (!p || p.n.pid === undefined || p.n.status !== 'available') continue;
      if (!this.alive(p)) {
        if (!this.busy.has(`${g.account}/${g.id}`)) this.hold(p.c, p.n);
        continue;
      }
      // Pings go on while a pass runs: a pass waiting on a hung primary must not hide it.
      if (now - (this.lastPing.get(p.n.socket) ?? 0) < PRIMARY_PING_MS) continue;
      this.lastPing.set(p.n.socket, now);
      const socket = p.n.socket;
      const pid = p.n.pid;
      void pingNode(socket, g.authToken, PRIMARY_PING_TIMEOUT_MS).then((ok) => {
        if (ok) {
          this.misses.delete(socket);
          return;
        }
        const misses = (this.misses.get(socket) ?? 0) + 1;
        this.misses.set(socket, misses);
        if (misses >= HUNG_FAILURES) {
          this.misses.delete(socket);
          this.log('warn', `primary ${p.c.id} of ${g.id} does not answer: replacing it`, { pid });
          this.supervisor.kill(pid, socket);
        }
      });
    }
  }

  /** The primary's process is gone: promote the replica with the least lag. */
  private async failover(g: ReplicationGroup): Promise<void> {
    const old = this.member(g, g.primaryClusterId);
    if (!old || this.alive(old)) return;
    const candidates = this.members(g).filter((m) => m.c.id !== old.c.id && m.n.status === 'available' && this.alive(m));
    const infos = await Promise.all(candidates.map((m) => replicationInfo(m.n.socket, g.authToken, 500)));
    let best: Member | undefined;
    let bestOffset = -1;
    candidates.forEach((m, i) => {
      const info = infos[i];
      if (info && info.offset > bestOffset) {
        best = m;
        bestOffset = info.offset;
      }
    });
    if (!best) {
      this.log('warn', `replication group ${g.id}: no replica answers; the primary is replaced empty`);
      this.released.add(old.n.socket);
      this.reconciler.poke();
      return;
    }
    const winner: Member = best;
    const r = await nodeCommand(winner.n.socket, ['COVE.REPLICAOF', 'NO', 'ONE'], { auth: g.authToken });
    if (isError(r)) throw new Error(`promoting ${winner.c.id}: ${r.error}`);
    const fresh = this.group(g.account, g.id);
    if (!fresh) return;
    fresh.primaryClusterId = winner.c.id;
    // Without automatic failover the original primary takes its role back once its replacement has synced.
    if (!fresh.automaticFailover) fresh.switchTo = { clusterId: old.c.id, test: false, requested: this.cloud.now() };
    this.cloud.state.put('replication-group', fresh);
    this.syncEndpoints();
    if (fresh.automaticFailover) {
      const msg = `Failover from primary node ${old.c.id} to replica node ${winner.c.id} completed`;
      this.event(fresh, 'cache-cluster', old.c.id, msg);
      this.event(fresh, 'replication-group', fresh.id, msg);
    }
    this.log('info', `replication group ${g.id}: ${winner.c.id} promoted (offset ${bestOffset})`);
    // The old primary's replacement may start now, as a replica of the new primary.
    this.reconciler.poke();
    await Promise.all(
      candidates.filter((m) => m !== winner).map((m) => this.pointAt(fresh, m, winner).catch(() => undefined)),
    );
  }

  private async pointAt(g: ReplicationGroup, m: Member, primary: Member): Promise<void> {
    const r = await nodeCommand(m.n.socket, ['COVE.REPLICAOF', primary.n.address, String(primary.n.port), primary.n.socket, m.n.address], { auth: g.authToken });
    if (isError(r)) throw new Error(`re-pointing ${m.c.id}: ${r.error}`);
  }

  // ---- passes -------------------------------------------------------------------------------

  private passAll(): void {
    for (const g of this.groups()) void this.run(g.account, g.id, (fresh) => this.pass(fresh));
    this.syncEndpoints();
  }

  private async pass(g: ReplicationGroup): Promise<void> {
    if (g.status === 'deleting') {
      this.deleteStep(g);
      return;
    }
    if (g.removing?.length) this.removeStep(g);
    g = this.group(g.account, g.id) ?? g;
    if (g.switchTo?.test) {
      await this.testFailover(g);
      return;
    }
    const primary = this.member(g, g.primaryClusterId);
    if (!primary) return;
    if (g.switchTo?.clusterId && g.switchTo.clusterId !== g.primaryClusterId) {
      if (await this.switchPrimary(g, primary, g.switchTo.clusterId)) return;
    } else if (g.switchTo) {
      delete g.switchTo;
      this.cloud.state.put('replication-group', g);
    }
    const linked = await this.ensureRoles(g, primary);
    g = this.group(g.account, g.id) ?? g;
    const members = this.members(g);
    const settled = members.length === g.members.length && members.every((m) => m.n.status === 'available' && m.c.status === 'available') && linked;
    if (settled && g.status === 'creating') {
      g.status = 'available';
      this.cloud.state.put('replication-group', g);
      this.event(g, 'replication-group', g.id, `Replication group ${g.id} created`);
    } else if (settled && g.status === 'modifying' && !g.switchTo && !g.removing?.length) {
      g.status = 'available';
      this.cloud.state.put('replication-group', g);
    }
    this.syncEndpoints();
  }

  /** Makes every live member's role match the state; true when every replica's link is up. */
  private async ensureRoles(g: ReplicationGroup, primary: Member): Promise<boolean> {
    let linked = true;
    const live = this.members(g).filter((m) => this.alive(m) && m.n.status !== 'creating');
    if (this.members(g).some((m) => m.n.status === 'creating')) linked = false;
    const infos = await Promise.all(live.map((m) => replicationInfo(m.n.socket, g.authToken)));
    for (let i = 0; i < live.length; i++) {
      const m = live[i];
      const info: NodeReplication | null = infos[i];
      if (!info) {
        linked = false;
        continue;
      }
      if (m.c.id === primary.c.id) {
        if (info.role !== 'master') {
          await nodeCommand(m.n.socket, ['COVE.REPLICAOF', 'NO', 'ONE'], { auth: g.authToken }).catch(() => undefined);
          this.log('info', `replication group ${g.id}: ${m.c.id} made primary`);
        }
        continue;
      }
      const right = info.role === 'slave' && info.masterHost === primary.n.address && info.masterPort === primary.n.port;
      if (!right) {
        if (!this.alive(primary)) {
          linked = false;
          continue;
        }
        await this.pointAt(g, m, primary).catch((e) => this.log('warn', String((e as Error).message)));
        this.log('info', `replication group ${g.id}: ${m.c.id} pointed at ${primary.c.id}`);
        linked = false;
      } else if (!info.linkUp) {
        linked = false;
      }
    }
    return linked;
  }

  /** TestFailover: the primary fails for real (its process is killed); failover follows. */
  private async testFailover(g: ReplicationGroup): Promise<void> {
    const p = this.member(g, g.primaryClusterId);
    delete g.switchTo;
    this.cloud.state.put('replication-group', g);
    if (!p || !this.alive(p)) return;
    this.log('info', `replication group ${g.id}: test failover, stopping primary ${p.c.id}`);
    this.supervisor.kill(p.n.pid!, p.n.socket);
    // Wait for the process to be gone so the failover below sees it dead.
    const deadline = Date.now() + 2000;
    while (this.alive(p) && Date.now() < deadline) await sleep(10);
    if (!this.alive(p)) await this.failover(this.group(g.account, g.id) ?? g);
  }

  /**
   * Planned switch to `targetId`: pause writes on the old primary, let the target
   * catch up, promote it, re-point everyone. False when the target is not ready yet.
   */
  private async switchPrimary(g: ReplicationGroup, old: Member, targetId: string): Promise<boolean> {
    const target = this.member(g, targetId);
    if (!target || !this.alive(target) || target.n.status !== 'available') return false;
    const tInfo = await replicationInfo(target.n.socket, g.authToken);
    if (!tInfo || tInfo.role !== 'slave' || !tInfo.linkUp || tInfo.masterHost !== old.n.address) return false;
    const auth = g.authToken;
    const oldAlive = this.alive(old);
    if (oldAlive) {
      await nodeCommand(old.n.socket, ['CLIENT', 'PAUSE', String(CATCH_UP_MS + 2000), 'WRITE'], { auth }).catch(() => undefined);
      const oInfo = await replicationInfo(old.n.socket, auth);
      const deadline = Date.now() + CATCH_UP_MS;
      while (oInfo && Date.now() < deadline) {
        const t = await replicationInfo(target.n.socket, auth);
        if (t && t.offset >= oInfo.offset) break;
        await sleep(20);
      }
    }
    const r = await nodeCommand(target.n.socket, ['COVE.REPLICAOF', 'NO', 'ONE'], { auth });
    if (isError(r)) throw new Error(`promoting ${target.c.id}: ${r.error}`);
    const fresh = this.group(g.account, g.id);
    if (!fresh) return true;
    fresh.primaryClusterId = target.c.id;
    delete fresh.switchTo;
    this.cloud.state.put('replication-group', fresh);
    this.syncEndpoints();
    this.log('info', `replication group ${g.id}: primary switched from ${old.c.id} to ${target.c.id}`);
    const others = this.members(fresh).filter((m) => m.c.id !== target.c.id && this.alive(m));
    await Promise.all(others.map((m) => this.pointAt(fresh, m, target).catch(() => undefined)));
    if (oldAlive) await nodeCommand(old.n.socket, ['CLIENT', 'UNPAUSE'], { auth }).catch(() => undefined);
    return true;
  }

  /** DecreaseReplicaCount: members leave (the reconciler stops and forgets them). */
  private removeStep(g: ReplicationGroup): void {
    const { state } = this.cloud;
    const removing = g.removing ?? [];
    let gone = 0;
    for (const id of removing) {
      const c = state.get<CacheCluster>('cache-cluster', g.account, id);
      if (!c) {
        gone++;
        continue;
      }
      if (c.status !== 'deleting') {
        c.status = 'deleting';
        state.put('cache-cluster', c);
        this.cloud.hooks.clusterChanged?.(c.account, c.id);
      }
    }
    if (gone === removing.length) {
      g.members = g.members.filter((id) => !removing.includes(id));
      delete g.removing;
      state.put('replication-group', g);
    }
    this.syncEndpoints();
  }

  /** DeleteReplicationGroup: members deleted (the primary kept if asked), then the endpoints and the group. */
  private deleteStep(g: ReplicationGroup): void {
    const { state } = this.cloud;
    let left = 0;
    for (const id of g.members) {
      const c = state.get<CacheCluster>('cache-cluster', g.account, id);
      if (!c) continue;
      if (g.retainPrimary && id === g.primaryClusterId) {
        if (c.replicationGroupId) {
          delete c.replicationGroupId;
          state.put('cache-cluster', c);
        }
        continue;
      }
      left++;
      if (c.status !== 'deleting') {
        c.status = 'deleting';
        state.put('cache-cluster', c);
        this.cloud.hooks.clusterChanged?.(c.account, c.id);
      }
    }
    if (left > 0) return;
    state.tx(() => {
      state.remove('eni', g.account, g.primaryEndpoint.eniId);
      state.remove('eni', g.account, g.readerEndpoint.eniId);
      state.remove('replication-group', g.account, g.id);
    });
    this.cloud.networkChanged();
    this.syncEndpoints();
    this.event(g, 'replication-group', g.id, `Replication group ${g.id} deleted`);
  }

  // ---- endpoints ----------------------------------------------------------------------------

  /** The relays serve what the state says: the primary endpoint → primary, the reader → live replicas. */
  syncEndpoints(): void {
    if (this.stopped) return;
    const specs: EndpointSpec[] = [];
    for (const g of this.groups()) {
      if (g.status === 'deleting') continue;
      const primary = this.member(g, g.primaryClusterId);
      if (!primary) continue;
      const target = { address: primary.n.address, port: primary.n.port };
      const replicas = this.members(g)
        .filter((m) => m.c.id !== primary.c.id && m.n.status === 'available' && m.c.status !== 'deleting' && !g.removing?.includes(m.c.id) && this.alive(m))
        .map((m) => ({ address: m.n.address, port: m.n.port }));
      const tlsDir = g.transitEncryption ? this.tlsDir : undefined;
      if (tlsDir) {
        // Issued here, before the endpoint process needs them, so that one process creates the CA.
        for (const ep of [g.primaryEndpoint, g.readerEndpoint]) this.tls.serverCredentials(ep.address);
      }
      specs.push({ key: `${g.account}/${g.id}/primary`, address: g.primaryEndpoint.address, port: g.port, eniId: g.primaryEndpoint.eniId, targets: [target], tlsDir });
      specs.push({ key: `${g.account}/${g.id}/reader`, address: g.readerEndpoint.address, port: g.port, eniId: g.readerEndpoint.eniId, targets: replicas.length ? replicas : [target], tlsDir });
    }
    const json = JSON.stringify(specs);
    if (json === this.published) {
      if (specs.length) this.endpoints.ensure();
      return;
    }
    this.published = json;
    this.endpoints.publish(this.policyFile(), specs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
