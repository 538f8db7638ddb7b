// Output helpers of the `cove` command line: aligned tables for people (the `--json`
// flag of each listing command gives scripts the same data), and progress lines on
// stderr while a command waits, so stdout stays the answer.

import { InvalidArgumentError } from 'commander';

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

/** Pretty JSON with a trailing newline (what every `--json` prints). */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/**
 * A progress line on stderr: rewritten in place on a terminal, one line per change
 * otherwise (logs and CI). `done()` ends the line.
 */
export function progress(stream: NodeJS.WriteStream = process.stderr): { update(text: string): void; done(text?: string): void } {
  let last = '';
  const tty = stream.isTTY === true;
  return {
    update(text: string) {
      if (text === last) return;
      last = text;
      stream.write(tty ? `\r\x1b[K${text}` : `${text}\n`);
    },
    done(text?: string) {
      if (tty) stream.write(`\r\x1b[K${text ?? last}\n`);
      else if (text !== undefined && text !== last) stream.write(`${text}\n`);
      last = '';
    },
  };
}

/** A whole number option value (commander argParser): rejects '', 'abc', '1.5', negatives. */
export function wholeNumber(name: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) > max) throw new InvalidArgumentError(`${name} must be a whole number${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, got '${value}'`);
    return Number(value);
  };
}

