// Control-plane logging: pino underneath; lines are either readable text
// (`2026-11-25T12:00:00.000Z INFO  started node demo/0001 pid=4242`) or pino's JSON
// (`--log-format json`), one per line.

import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from './reconciler.js';

export type LogFormat = 'text' | 'json';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** A pino logger writing to `out` in the chosen format, wrapped in the (level, msg, fields) shape the control plane uses. */
export function makeLogger(format: LogFormat, out: NodeJS.WritableStream = process.stderr, level = 'info'): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString('utf8');
      if (format === 'json') {
        out.write(text);
        done();
        return;
      }
      for (const line of text.split('\n')) {
        if (line === '') continue;
        try {
          out.write(formatLine(JSON.parse(line)) + '\n');
        } catch {
          out.write(line + '\n');
        }
      }
      done();
    },
  });
  const p = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, sink);
  return (lvl, msg, fields) => {
    if (fields) p[lvl](fields, msg);
    else p[lvl](msg);
  };
}

function formatLine(rec: Record<string, unknown>): string {
  const { time, level, msg, ...rest } = rec;
  const fields = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${(LEVELS[level as number] ?? String(level)).padEnd(5)} ${msg}${fields ? ' ' + fields : ''}`;
}

/** A logger that drops everything (tests that do not read logs). */
export const silentLogger: Logger = () => {};
