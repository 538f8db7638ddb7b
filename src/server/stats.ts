// Counters behind INFO stats, commandstats and errorstats.

import type { CommandSpec } from '../commands/types.js';
import type { ErrorCounter } from '../protocol/resp/writer.js';

export interface CommandCounters {
  calls: number;
  usec: number;
  rejected: number;
  failed: number;
}

export class Stats implements ErrorCounter {
  readonly startedAt = Date.now();
  commandsProcessed = 0;
  connectionsReceived = 0;
  rejectedConnections = 0;
  errorReplies = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  readonly commands = new Map<string, CommandCounters>();
  readonly errors = new Map<string, number>();
  // instantaneous_ops_per_sec: samples of (time, commandsProcessed) taken by the cron.
  private samples: [number, number][] = [];

  onErrorReply(code: string): void {
    this.errorReplies++;
    if (this.errors.size < 128 || this.errors.has(code)) this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** The spec's own counters (kept on the spec: no map lookup per call), registered for INFO on first use. */
  private counters(spec: CommandSpec): CommandCounters {
    const c = spec.counters!;
    if (c.calls === 0 && c.rejected === 0 && c.failed === 0 && !this.commands.has(spec.name)) this.commands.set(spec.name, c);
    return c;
  }

  called(spec: CommandSpec, usec: number, failed: boolean): void {
    this.commandsProcessed++;
    const c = this.counters(spec);
    c.calls++;
    c.usec += usec;
    if (failed) c.failed++;
  }

  rejected(spec: CommandSpec | null): void {
    if (spec) this.counters(spec).rejected++;
  }

  sample(now: number): void {
    this.samples.push([now, this.commandsProcessed]);
    if (this.samples.length > 16) this.samples.shift();
  }

  opsPerSec(): number {
    if (this.samples.length < 2) return 0;
    const [t0, c0] = this.samples[0];
    const [t1, c1] = this.samples[this.samples.length - 1];
    return t1 > t0 ? Math.round(((c1 - c0) * 1000) / (t1 - t0)) : 0;
  }

  reset(): void {
    this.commandsProcessed = 0;
    this.rejectedConnections = 0;
    this.errorReplies = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    for (const c of this.commands.values()) {
      c.calls = 0;
      c.usec = 0;
      c.rejected = 0;
      c.failed = 0;
    }
    this.commands.clear();
    this.errors.clear();
    this.samples = [];
  }
}
