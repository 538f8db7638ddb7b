// The "#!lua ..." first line of EVAL scripts (flags=...) and function libraries
// (name=...), split into words the way Redis's sdssplitargs does (quotes allowed).

import { SCRIPT_FLAGS } from './vm.js';

/** Splits a line like sdssplitargs: null on unbalanced quotes. */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) return out;
    let cur = '';
    let inq = false;
    let insq = false;
    for (;;) {
      const c = line[i];
      if (inq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < line.length) {
          const e = line[++i];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < line.length && !/\s/.test(line[i + 1])) return null;
          i++;
          break;
        } else {
          cur += c;
        }
      } else if (insq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          cur += "'";
          i++;
        } else if (c === "'") {
          if (i + 1 < line.length && !/\s/.test(line[i + 1])) return null;
          i++;
          break;
        } else {
          cur += c;
        }
      } else if (c === undefined || /\s/.test(c)) {
        break;
      } else if (c === '"') {
        inq = true;
      } else if (c === "'") {
        insq = true;
      } else {
        cur += c;
      }
      i++;
    }
    out.push(cur);
  }
}

export interface EvalShebang {
  /** No shebang: the script runs in compatibility mode. */
  compat: boolean;
  flags: string[];
  /** Bytes to skip before compiling (the shebang line, keeping its newline). */
  skip: number;
}

/** Reads an EVAL script's shebang; returns the error message (no "ERR ") on a bad one. */
export function evalShebang(body: Buffer): EvalShebang | string {
  if (body[0] !== 0x23 || body[1] !== 0x21) return { compat: true, flags: [], skip: 0 };
  const nl = body.indexOf(0x0a);
  if (nl === -1) return 'Invalid script shebang';
  const parts = splitArgs(body.latin1Slice(0, nl));
  if (!parts || parts.length === 0) return 'Invalid engine in script shebang';
  if (parts[0] !== '#!lua') return `Unexpected engine in script shebang: ${parts[0]}`;
  const flags: string[] = [];
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return `Unknown lua shebang option: ${part}`;
    for (const f of part.slice(6).split(',')) {
      if (f === '') continue;
      if (!SCRIPT_FLAGS.includes(f)) return `Unexpected flag in script shebang: ${f}`;
      if (!flags.includes(f)) flags.push(f);
    }
  }
  return { compat: false, flags, skip: nl };
}

export interface LibraryMeta {
  engine: string;
  name: string;
  /** Where the code after the shebang line starts (at its newline, keeping line numbers). */
  codeStart: number;
}

/** Reads a function library's "#!<engine> name=<name>" line; returns the error message on a bad one. */
export function libraryMeta(code: Buffer): LibraryMeta | string {
  if (code[0] !== 0x23 || code[1] !== 0x21) return 'Missing library metadata';
  const nl = code.indexOf(0x0a);
  if (nl === -1) return 'Invalid library metadata';
  const parts = splitArgs(code.latin1Slice(0, nl));
  if (!parts || parts.length === 0) return 'Invalid library metadata';
  const engine = parts[0].slice(2);
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return 'Invalid metadata value, name argument was given multiple times';
      name = part.slice(5);
      continue;
    }
    return `Invalid metadata value given: ${part}`;
  }
  if (name === null) return 'Library name was not given';
  return { engine, name, codeStart: nl };
}

/** Library and function names: letters, digits and underscores, at least one. */
export function validName(name: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(name);
}
