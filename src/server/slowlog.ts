// SLOWLOG: commands slower than slowlog-log-slower-than microseconds, newest first.

import type { Argv } from '../protocol/resp/argv.js';
import type { Client } from './client.js';

export interface SlowlogEntry {
  id: number;
  time: number; // unix seconds
  micros: number;
  args: string[];
  peer: string;
  name: string;
}

const MAX_ARGS = 32;
const MAX_ARG_LEN = 128;

export class Slowlog {
  entries: SlowlogEntry[] = [];
  private nextId = 0;
  threshold = 10000;
  maxLen = 128;

  maybeLog(client: Client, argv: Argv, micros: number, now: number): void {
    if (this.threshold < 0 || micros < this.threshold) return;
    const args: string[] = [];
    const n = Math.min(argv.count, MAX_ARGS);
    for (let i = 0; i < n; i++) {
      if (i === MAX_ARGS - 1 && argv.count > MAX_ARGS) {
        args.push(`... (${argv.count - MAX_ARGS + 1} more arguments)`);
        break;
      }
      const len = argv.len(i);
      if (len > MAX_ARG_LEN) {
        args.push(argv.buf.latin1Slice(argv.starts[i], argv.starts[i] + MAX_ARG_LEN) + `... (${len - MAX_ARG_LEN} more bytes)`);
      } else {
        args.push(argv.str(i));
      }
    }
    this.entries.unshift({ id: this.nextId++, time: Math.floor(now / 1000), micros, args, peer: client.addr, name: client.name });
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}
