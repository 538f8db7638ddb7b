// VPC Flow Logs for Cove's interfaces: records in the version 2 default format
// (reference/security-and-robustness.md §2) or a custom format made of the fields
// below, appended to the file of every flow log subscription (CreateFlowLogs) whose
// resource is the interface, its subnet or its VPC, and whose traffic type matches.
//
// Written by whoever sees the traffic: a cache node process for its own interface,
// the NAT gateway for a NAT instance's. Lines are buffered and appended in batches
// (one write per file per flush), so a flood of refused connections costs no
// syscall per attempt. A record covers one connection (one 5-tuple) in one direction
// over one capture window; a long connection is reported at least every
// MaxAggregationInterval seconds. A user-space endpoint sees bytes, not packets:
// `packets` is an estimate (bytes / 1448, at least 1).

import fs from 'node:fs';
import path from 'node:path';
import type { NetworkView, ViewEni, ViewFlowLog } from './view.js';

export const V2_FIELDS = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
] as const;

/** Fields a custom LogFormat may use (`${field}`), beyond version 2's. */
export const EXTRA_FIELDS = ['vpc-id', 'subnet-id', 'instance-id', 'type', 'pkt-srcaddr', 'pkt-dstaddr', 'flow-direction', 'tcp-flags', 'region', 'az-id', 'traffic-path'] as const;

export const DEFAULT_FORMAT = V2_FIELDS.map((f) => '${' + f + '}').join(' ');

/** Parses a LogFormat (`${a} ${b}`); returns its field names or an error message. */
export function parseLogFormat(format: string): { fields: string[] } | { error: string } {
  const words = format.trim().split(/\s+/);
  const known = new Set<string>([...V2_FIELDS, ...EXTRA_FIELDS]);
  const fields: string[] = [];
  for (const w of words) {
    const m = /^\$\{([a-z0-9-]+)\}$/.exec(w);
    if (!m) return { error: `Invalid format: '${w}' is not a field of the form \${field-name}` };
    if (!known.has(m[1])) return { error: `Unknown fields: [${m[1]}]` };
    fields.push(m[1]);
  }
  if (fields.length === 0) return { error: 'LogFormat has no fields' };
  return { fields };
}

export interface FlowRecord {
  eni: ViewEni;
  srcaddr: string;
  dstaddr: string;
  srcport: number;
  dstport: number;
  protocol: number;
  bytes: number;
  /** Unix seconds. */
  start: number;
  end: number;
  action: 'ACCEPT' | 'REJECT';
  direction: 'ingress' | 'egress';
  /** Addresses before translation (the NAT instance's records). */
  pktSrcaddr?: string;
  pktDstaddr?: string;
  /** SYN 2, FIN 1, RST 4, SYN-ACK 18 (OR-ed). */
  tcpFlags?: number;
}

/** The Flow Logs version a record format needs: the highest version of its fields (AWS's rule). */
const FIELD_VERSION: Record<string, number> = {
  'vpc-id': 3,
  'subnet-id': 3,
  'instance-id': 3,
  'tcp-flags': 3,
  type: 3,
  'pkt-srcaddr': 3,
  'pkt-dstaddr': 3,
  region: 4,
  'az-id': 4,
  'flow-direction': 5,
  'traffic-path': 5,
};

export function formatVersion(fields: readonly string[]): number {
  let v = 2;
  for (const f of fields) v = Math.max(v, FIELD_VERSION[f] ?? 2);
  return v;
}

export function estimatePackets(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1448));
}

export function formatRecord(rec: FlowRecord, fields: readonly string[], region = 'us-east-1'): string {
  const out: string[] = [];
  for (const f of fields) {
    switch (f) {
      case 'version':
        out.push(String(formatVersion(fields)));
        break;
      case 'account-id':
        out.push(rec.eni.account);
        break;
      case 'interface-id':
        out.push(rec.eni.id);
        break;
      case 'srcaddr':
        out.push(rec.srcaddr);
        break;
      case 'dstaddr':
        out.push(rec.dstaddr);
        break;
      case 'srcport':
        out.push(String(rec.srcport));
        break;
      case 'dstport':
        out.push(String(rec.dstport));
        break;
      case 'protocol':
        out.push(String(rec.protocol));
        break;
      case 'packets':
        out.push(String(rec.action === 'REJECT' ? 1 : estimatePackets(rec.bytes)));
        break;
      case 'bytes':
        out.push(String(rec.bytes));
        break;
      case 'start':
        out.push(String(rec.start));
        break;
      case 'end':
        out.push(String(rec.end));
        break;
      case 'action':
        out.push(rec.action);
        break;
      case 'log-status':
        out.push('OK');
        break;
      case 'vpc-id':
        out.push(rec.eni.vpcId);
        break;
      case 'subnet-id':
        out.push(rec.eni.subnetId);
        break;
      case 'instance-id':
        out.push(rec.eni.instanceId ?? '-');
        break;
      case 'type':
        out.push(rec.srcaddr.includes(':') ? 'IPv6' : 'IPv4');
        break;
      case 'pkt-srcaddr':
        out.push(rec.pktSrcaddr ?? rec.srcaddr);
        break;
      case 'pkt-dstaddr':
        out.push(rec.pktDstaddr ?? rec.dstaddr);
        break;
      case 'flow-direction':
        out.push(rec.direction);
        break;
      case 'tcp-flags':
        out.push(String(rec.tcpFlags ?? 0));
        break;
      case 'region':
        out.push(region);
        break;
      default:
        out.push('-');
    }
  }
  return out.join(' ');
}

/** The subscriptions that cover an interface: by ENI, by its subnet, or by its VPC. */
export function subscriptionsFor(view: NetworkView, eni: ViewEni): ViewFlowLog[] {
  return view.flowLogs.filter((f) => f.resourceId === eni.id || f.resourceId === eni.subnetId || f.resourceId === eni.vpcId);
}

/** Buffers records per file and appends them in batches. */
export class FlowLogWriter {
  private readonly pending = new Map<string, string[]>();
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly writing = new Set<string>();
  private closed = false;

  constructor(
    private readonly flushMs = 100,
    private readonly onError: (file: string, e: Error) => void = () => {},
  ) {}

  /** Writes one record to every matching subscription. */
  write(subs: readonly ViewFlowLog[], rec: FlowRecord): void {
    if (this.closed) return;
    for (const s of subs) {
      if (s.trafficType !== 'ALL' && s.trafficType !== rec.action) continue;
      const line = formatRecord(rec, s.fields) + '\n';
      let list = this.pending.get(s.file);
      if (!list) {
        list = [];
        this.pending.set(s.file, list);
      }
      list.push(line);
      this.pendingBytes += line.length;
    }
    if (this.pendingBytes > 256 * 1024) this.flush();
    else if (!this.timer && this.pending.size) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Appends what is buffered (asynchronously; one append per file in flight). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const [file, lines] of this.pending) {
      if (this.writing.has(file) || lines.length === 0) continue;
      const text = lines.join('');
      this.pending.set(file, []);
      this.pendingBytes -= text.length;
      this.writing.add(file);
      fs.promises
        .mkdir(path.dirname(file), { recursive: true })
        .then(() => fs.promises.appendFile(file, text, { mode: 0o600 }))
        .catch((e) => this.onError(file, e as Error))
        .finally(() => {
          this.writing.delete(file);
          if ((this.pending.get(file)?.length ?? 0) > 0 && !this.timer && !this.closed) {
            this.timer = setTimeout(() => this.flush(), this.flushMs);
            this.timer.unref();
          }
        });
    }
    for (const [file, lines] of this.pending) if (lines.length === 0 && !this.writing.has(file)) this.pending.delete(file);
  }

  /** Writes everything still buffered, synchronously (process exit). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.closed = true;
    for (const [file, lines] of this.pending) {
      if (lines.length === 0) continue;
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.appendFileSync(file, lines.join(''), { mode: 0o600 });
      } catch (e) {
        this.onError(file, e as Error);
      }
    }
    this.pending.clear();
  }
}

export function unixSeconds(ms = Date.now()): number {
  return Math.floor(ms / 1000);
}

/**
 * The counters of one tracked connection, reported as flow records: one per
 * direction (inbound: the peer's bytes; outbound: ours) per capture window.
 */
export class FlowCounter {
  private windowStart: number;
  private readIn = 0;
  private wroteOut = 0;

  constructor(startMs = Date.now()) {
    this.windowStart = unixSeconds(startMs);
  }

  /**
   * Reports the window ending now: `bytesIn`/`bytesOut` are the socket's running
   * totals. Returns the deltas and window bounds, then starts the next window.
   */
  take(bytesIn: number, bytesOut: number, nowMs = Date.now()): { start: number; end: number; bytesIn: number; bytesOut: number } {
    const end = unixSeconds(nowMs);
    const r = { start: this.windowStart, end, bytesIn: bytesIn - this.readIn, bytesOut: bytesOut - this.wroteOut };
    this.windowStart = end;
    this.readIn = bytesIn;
    this.wroteOut = bytesOut;
    return r;
  }
}
