// `cove nat ...`: a NAT instance's forwarding, the iptables way.
//   cove nat iptables i-ID -- -t nat -A PREROUTING -i eth0 -p tcp --dport 6380 -j DNAT --to 10.0.1.231:6379
//   cove nat iptables i-ID -- -t nat -S | -L -n | -D ... | -I ... | -F
//   cove nat save i-ID                      (iptables-save output of the nat table)
//   cove nat restore i-ID [FILE]            (iptables-save text, stdin by default)
//   cove nat status i-ID [--json]           (forwarding table, listeners, ignored user data, events)
//   cove nat ca                             (the CA to trust for `cove:tls=on` gateways)

import fs from 'node:fs';
import { adminCall } from '../network/admin-client.js';
import { dataDirOf } from './up.js';
import { json, table } from './format.js';
import { EXIT } from './errors.js';

interface Flags {
  dataDir?: string;
  json?: boolean;
}

/** Runs a subcommand; errors (unknown instance, not running) go to main's report (errors.ts). */
async function guarded(fn: () => Promise<void>): Promise<number> {
  await fn();
  return EXIT.ok;
}

export function runNatIptables(instance: string, args: string[], flags: Flags): Promise<number> {
  return guarded(async () => {
    const r = await adminCall<{ output: string }>(dataDirOf(flags.dataDir), 'POST', '/_cove/nat/iptables', { instance, args });
    process.stdout.write(r.output);
  });
}

export function runNatSave(instance: string, flags: Flags): Promise<number> {
  return runNatIptables(instance, ['iptables-save'], flags);
}

export function runNatRestore(instance: string, file: string | undefined, flags: Flags): Promise<number> {
  return guarded(async () => {
    const text = fs.readFileSync(file && file !== '-' ? file : 0, 'utf8');
    const r = await adminCall<{ rules: number }>(dataDirOf(flags.dataDir), 'POST', '/_cove/nat/restore', { instance, text });
    process.stdout.write(`${r.rules} nat rule(s) restored\n`);
  });
}

interface Status {
  instanceId: string;
  publicIp: string | null;
  privateIp: string;
  sourceDestCheck: boolean;
  ipForward: boolean;
  rules: string[];
  userDataIgnored: string[];
  forwarding: { publicPort: number; ip: string; port: number; via: string; text: string; node?: { clusterId: string; nodeId: string } }[];
  notes: string[];
  tls: boolean;
  listening: { address: string; port: number; tls: boolean; error?: string; servedBy?: 'node' }[];
  counters?: { accepted: number; rejected: number; active: number };
  events: { time: string; message: string }[];
}

export function runNatStatus(instance: string, flags: Flags): Promise<number> {
  return guarded(async () => {
    const s = await adminCall<Status>(dataDirOf(flags.dataDir), 'GET', `/_cove/nat/status?instance=${encodeURIComponent(instance)}`);
    if (flags.json) {
      process.stdout.write(json(s));
      return;
    }
    const lines = [
      `NAT instance ${s.instanceId}: private ${s.privateIp}, Elastic IP ${s.publicIp ?? 'none (nothing is forwarded)'}${s.tls ? ', TLS on' : ''}`,
      `  source/dest check ${s.sourceDestCheck ? 'ON (forwarding refused)' : 'off'}, ip_forward ${s.ipForward ? '1' : '0 (forwarding refused)'}`,
      `  connections: ${s.counters ? `${s.counters.accepted} forwarded, ${s.counters.rejected} refused, ${s.counters.active} open` : 'none'}`,
      'forwarding:',
    ];
    if (s.forwarding.length === 0) lines.push('  (none)');
    else {
      const rows = [['PUBLIC', '', 'TARGET', 'NODE', 'VIA']];
      for (const f of s.forwarding) {
        const l = s.listening.find((x) => x.port === f.publicPort);
        rows.push([`${s.publicIp ?? '-'}:${f.publicPort}`, '->', `${f.ip}:${f.port}`, f.node ? `(${f.node.clusterId}/${f.node.nodeId})` : '-', `${f.text}${l?.error ? `  [listen error ${l.error}]` : ''}${l?.servedBy === 'node' ? '  [node]' : ''}`]);
      }
      lines.push(...table(rows).map((r) => '  ' + r));
    }
    for (const n of s.notes) lines.push(`  note: ${n}`);
    if (s.userDataIgnored.length) {
      lines.push('user data ignored:');
      for (const u of s.userDataIgnored) lines.push(`  ${u}`);
    }
    if (s.events.length) {
      lines.push('events:');
      for (const e of s.events.slice(-20)) lines.push(`  ${e.time} ${e.message}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  });
}

export function runNatCa(flags: Flags): Promise<number> {
  return guarded(async () => {
    const r = await adminCall<{ pem: string }>(dataDirOf(flags.dataDir), 'GET', '/_cove/nat/ca');
    process.stdout.write(r.pem);
  });
}
