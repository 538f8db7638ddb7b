// The network layer inside the control plane. After every change the API or the
// reconciler reports (`cloud.hooks.networkChanged`), it rebuilds the network view,
// publishes it to run/network.json (which every node process follows, so a new rule
// applies within milliseconds) and brings the NAT gateways in line. It also answers
// the admin questions of the CLI: `cove why`, `cove nat ...` and `cove tunnel`.
//
// A NAT instance's user data is read once, when the instance is first seen running
// (AWS runs user data at first boot); the resulting nat table lives in the state
// ('nat-config') and changes only through `cove nat iptables`, so it survives restarts.

import path from 'node:path';
import type { Cloud } from '../control/cloud.js';
import type { Logger } from '../control/reconciler.js';
import type { Instance } from '../control/model.js';
import { buildView, NatConfigDoc, NetworkView, ViewEni } from './view.js';
import { PolicyIndex, evaluateFlow, endpointLabel, Endpoint, Verdict } from './policy.js';
import { writeViewFile } from './enforcer.js';
import { FlowLogWriter } from './flow-log.js';
import { why, WhyAnswer, WhyError, parseSource, splitDestination } from './why.js';
import { GatewayManager } from '../gateway/gateway.js';
import { TlsStore } from '../gateway/tls.js';
import { readUserData } from '../gateway/user-data.js';
import { IptablesError, applyCommand, formatRule, parseCommand, parseSavedRule, saveTable } from '../gateway/iptables.js';
import { natRules } from '../gateway/forwarding.js';
import { IMAGES } from '../control/cloud.js';

export class NetworkError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class NetworkManager {
  readonly file: string;
  readonly gateways: GatewayManager;
  readonly flowLogs: FlowLogWriter;
  readonly tls: TlsStore;
  private version = 0;
  private index: PolicyIndex;
  private publishing = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly cloud: Cloud,
    readonly dataDir: string,
    private readonly log: Logger,
  ) {
    this.file = path.join(dataDir, 'run', 'network.json');
    this.flowLogs = new FlowLogWriter(100, (file, e) => log('warn', `flow log ${file}: ${e.message}`));
    this.tls = new TlsStore(path.join(dataDir, 'tls'));
    this.gateways = new GatewayManager({ log, flowLogs: this.flowLogs, tls: this.tls, runDir: path.dirname(this.file) });
    this.index = new PolicyIndex(buildView(cloud, 0));
  }

  /** Publishes the first view (before any node starts). */
  start(): void {
    this.publish();
  }

  /** The current view with its lookups. */
  current(): PolicyIndex {
    return this.index;
  }

  /**
   * Rebuilds and publishes the view now (synchronously: when an API call returns,
   * the file the nodes follow already says what it changed).
   */
  publish(): void {
    if (this.closed) return;
    if (this.publishing) {
      this.again = true;
      return;
    }
    this.publishing = true;
    try {
      do {
        this.again = false;
        this.bootNatInstances();
        // Versions only grow, also across restarts: nodes ignore a view older than theirs.
        this.version = Math.max(this.version + 1, Date.now());
        const view = buildView(this.cloud, this.version);
        writeViewFile(this.file, view);
        this.index = new PolicyIndex(view);
        this.gateways.update(this.index);
      } while (this.again);
    } catch (e) {
      this.log('error', 'publishing the network view failed', { err: String((e as Error)?.stack ?? e) });
    } finally {
      this.publishing = false;
    }
  }

  close(): void {
    this.closed = true;
    this.gateways.close();
    this.flowLogs.close();
  }

  // ---- NAT instances ------------------------------------------------------------------

  /** First sight of a running NAT instance: its user data becomes its nat table. */
  private bootNatInstances(): void {
    const { state } = this.cloud;
    const natImages = new Set(IMAGES.filter((i) => i.nat).map((i) => i.imageId));
    for (const inst of state.list<Instance>('instance', null)) {
      const existing = state.get<NatConfigDoc>('nat-config', inst.account, inst.id);
      if (inst.state === 'terminated') {
        if (existing) state.remove('nat-config', inst.account, inst.id);
        continue;
      }
      if (existing || !natImages.has(inst.imageId) || inst.state !== 'running') continue;
      const read = readUserData(inst.userData);
      state.put<NatConfigDoc>('nat-config', {
        id: inst.id,
        account: inst.account,
        tags: [],
        created: this.cloud.now(),
        instanceId: inst.id,
        rules: read.rules.map((r) => formatRule(r)),
        // The Cove NAT image boots with forwarding on, like Amazon's NAT AMI; user data may turn it off.
        ipForward: read.ipForward ?? true,
        ignored: read.ignored,
      });
      for (const line of read.ignored) this.gateways.event(inst.id, `user data: ignored ${line}`);
      if (read.applied.length) this.log('info', `NAT instance ${inst.id}: ${read.applied.length} user-data command(s) applied`);
    }
  }

  private natInstance(instanceId: string): { inst: Instance; config: NatConfigDoc } {
    const inst = this.cloud.state.list<Instance>('instance', null).find((i) => i.id === instanceId);
    if (!inst || inst.state === 'terminated') throw new NetworkError(`The instance ID '${instanceId}' does not exist`, 404);
    const image = IMAGES.find((i) => i.imageId === inst.imageId);
    if (!image?.nat) throw new NetworkError(`${instanceId} was launched from ${inst.imageId}, not the Cove NAT image (${IMAGES.find((i) => i.nat)?.imageId}): it forwards nothing`);
    if (!this.cloud.state.get<NatConfigDoc>('nat-config', inst.account, inst.id)) this.publish(); // boots it if never seen
    const config = this.cloud.state.get<NatConfigDoc>('nat-config', inst.account, inst.id);
    if (!config) throw new NetworkError(`${instanceId} is ${inst.state}`);
    return { inst, config };
  }

  /** `cove nat iptables i-ID -- ARGS`: applies or lists, as iptables would. */
  iptables(instanceId: string, args: string[]): string {
    const { config } = this.natInstance(instanceId);
    const rules = natRules(config);
    if (args[0] === 'iptables') args = args.slice(1);
    if (args[0] === 'iptables-save' || args[0] === '--save') return saveTable(rules);
    let result;
    try {
      result = applyCommand(rules, parseCommand(args));
    } catch (e) {
      if (e instanceof IptablesError) throw new NetworkError(`iptables: ${e.message}`);
      throw e;
    }
    const text = result.rules.map((r) => formatRule(r));
    if (text.join('\n') !== config.rules.join('\n')) {
      config.rules = text;
      this.cloud.state.put('nat-config', config);
      this.log('info', `NAT instance ${instanceId}: iptables ${args.join(' ')}`);
      this.publish();
    }
    return result.output;
  }

  /** `cove nat restore i-ID < iptables-save-output`: replaces the nat table. */
  restore(instanceId: string, text: string): number {
    const { config } = this.natInstance(instanceId);
    const rules: string[] = [];
    let inNat = false;
    let sawNat = false;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line.startsWith('*')) {
        inNat = line === '*nat';
        sawNat ||= inNat;
        continue;
      }
      if (!inNat || line === '' || line.startsWith('#') || line.startsWith(':')) continue;
      if (line === 'COMMIT') {
        inNat = false;
        continue;
      }
      try {
        rules.push(formatRule(parseSavedRule(line)));
      } catch (e) {
        throw new NetworkError(`iptables-restore: line '${line}': ${(e as Error).message}`);
      }
    }
    if (!sawNat) throw new NetworkError('iptables-restore: no *nat table in the input');
    config.rules = rules;
    this.cloud.state.put('nat-config', config);
    this.publish();
    return rules.length;
  }

  natStatus(instanceId: string) {
    const { config } = this.natInstance(instanceId);
    const st = this.gateways.status(instanceId);
    const inst = this.index.instanceById.get(instanceId);
    return {
      instanceId,
      publicIp: inst?.publicIp ?? null,
      privateIp: inst?.privateIp,
      sourceDestCheck: inst?.sourceDestCheck,
      ipForward: config.ipForward,
      rules: config.rules,
      userDataIgnored: config.ignored,
      forwarding: st?.table.entries ?? [],
      notes: st?.table.notes ?? [],
      tls: st?.table.tls ?? false,
      listening: st?.listening ?? [],
      counters: st?.counters,
      events: this.gateways.eventsOf(instanceId),
    };
  }

  natCa(): string {
    return this.tls.caCert();
  }

  // ---- why and tunnels ------------------------------------------------------------------

  why(source: string, destination: string): WhyAnswer {
    try {
      return why(this.index, source, destination);
    } catch (e) {
      if (e instanceof WhyError) throw new NetworkError(e.message);
      throw e;
    }
  }

  /**
   * Where `cove tunnel --via i-ID --to HOST:PORT` connects from and to: the instance's
   * mapped address, and the target's loopback address. The verdict is the policy's
   * for that flow (the node enforces its inbound rules; the tunnel the instance's outbound).
   */
  tunnel(instanceId: string, to: string): { localAddress: string; host: string; port: number; verdict: Verdict; from: string; to: string } {
    const index = this.index;
    const inst = index.instanceById.get(instanceId);
    if (!inst) throw new NetworkError(`The instance ID '${instanceId}' does not exist`, 404);
    if (inst.state !== 'running') throw new NetworkError(`${instanceId} is ${inst.state}: a session needs a running instance`);
    const eni = index.eniById.get(inst.eniId);
    if (!eni) throw new NetworkError(`${instanceId} has no network interface`);
    const { name, port: given } = splitDestination(to);
    let dst: ViewEni | undefined;
    const node = /^([A-Za-z][A-Za-z0-9-]*)\/(\d{4})$/.exec(name);
    if (node) {
      const n = index.view.clusters.find((c) => c.id === node[1].toLowerCase() && c.account === inst.account)?.nodes.find((x) => x.nodeId === node[2]);
      dst = n ? index.eniById.get(n.eniId) : undefined;
    } else {
      // A private address is read in the instance's own VPC first (that is where it resolves).
      dst = index.eniByPrivate(inst.vpcId, name);
      if (!dst) {
        let ep: Endpoint;
        try {
          ep = parseSource(index, name);
        } catch (e) {
          throw new NetworkError((e as Error).message);
        }
        if (ep.kind === 'eni') dst = ep.eni;
      }
    }
    if (!dst) throw new NetworkError(`${name} is no interface reachable from ${instanceId}`);
    const target: ViewEni = dst;
    const port = given ?? index.view.clusters.find((c) => c.id === target.clusterId && c.account === target.account)?.port;
    if (port === undefined) throw new NetworkError('give the port: --to HOST:PORT');
    const verdict = evaluateFlow(index, { kind: 'eni', eni }, target, port);
    return {
      localAddress: eni.address,
      host: target.address,
      port,
      verdict,
      from: endpointLabel(index, { kind: 'eni', eni }),
      to: endpointLabel(index, { kind: 'eni', eni: target }),
    };
  }

  /** The view as published (for `cove flow-logs` to find files, and for tests). */
  view(): NetworkView {
    return this.index.view;
  }
}
