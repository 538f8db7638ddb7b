// A NAT instance's user data, read the way the guide's instance would run it once at
// first boot: the iptables commands of the nat table (DNAT in PREROUTING,
// SNAT/MASQUERADE in POSTROUTING), iptables-save / iptables-restore blocks, and the
// sysctl (or /proc write) that turns IP forwarding on or off. Every other line is
// reported as ignored with the reason, never silently dropped.
//
// Shell scripts (`#!/bin/bash`, backslash continuations, `cmd1 && cmd2`, heredocs)
// and cloud-config `runcmd:` entries are understood; nothing is executed.

import { IptablesError, IptRule, applyCommand, parseCommand, parseSavedRule, shellWords } from './iptables.js';

export interface UserDataResult {
  /** The nat table after every understood command, in order. */
  rules: IptRule[];
  /** ip_forward as the script leaves it; undefined when the script does not touch it. */
  ipForward?: boolean;
  /** Commands that took effect, as written. */
  applied: string[];
  /** "line: reason" for everything else. */
  ignored: string[];
}

const NO_EFFECT = /^(service\s+iptables\s+(save|restart|start|reload)|systemctl\s+(enable|start|restart|reload)\s+(iptables|netfilter-persistent)(\.service)?|chkconfig\s+iptables\s+on|netfilter-persistent\s+save|cat\s+\/proc\/sys\/net\/ipv4\/ip_forward|iptables-save(\s*>.*)?|sysctl\s+-p.*)$/;

/** Decodes base64 user data (as EC2 stores it) and reads it. */
export function readUserData(base64: string | undefined): UserDataResult {
  if (!base64) return { rules: [], applied: [], ignored: [] };
  return readScript(Buffer.from(base64, 'base64').toString('utf8'));
}

export function readScript(text: string): UserDataResult {
  const result: UserDataResult = { rules: [], applied: [], ignored: [] };
  const lines = logicalLines(text);
  if (lines[0]?.trim() === '#cloud-config') return readCloudConfig(lines, result);
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i++];
    const line = raw.trim();
    if (line === '' || line.startsWith('#!') || line.startsWith('#')) continue;
    // An iptables-save dump pasted as is: *nat ... COMMIT.
    if (line.startsWith('*')) {
      i = readSaveBlock(lines, i - 1, result);
      continue;
    }
    const heredoc = /<<-?\s*['"]?(\w+)['"]?/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      while (i < lines.length && lines[i].trim() !== heredoc[1]) body.push(lines[i++]);
      i++;
      readHeredoc(line, body, result);
      continue;
    }
    for (const cmd of splitCommands(line)) runCommand(cmd, result);
  }
  return result;
}

/** Joins backslash-continued lines. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let pending = '';
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    if (raw.endsWith('\\')) {
      pending += raw.slice(0, -1) + ' ';
      continue;
    }
    out.push(pending + raw);
    pending = '';
  }
  if (pending) out.push(pending);
  return out;
}

/** Splits `a && b ; c` outside quotes. */
function splitCommands(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = null;
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (ch === ';' || (ch === '&' && line[i + 1] === '&') || (ch === '|' && line[i + 1] === '|')) {
      if (ch !== ';') i++;
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      break; // trailing comment
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function stripPrefix(words: string[]): string[] {
  let w = words;
  while (w.length && (w[0] === 'sudo' || w[0] === 'exec' || /^\w+=/.test(w[0]))) w = w.slice(1);
  if (w.length && /\/(iptables|sysctl|echo)$/.test(w[0])) w = [w[0].slice(w[0].lastIndexOf('/') + 1), ...w.slice(1)];
  return w;
}

function runCommand(cmd: string, result: UserDataResult): void {
  let words: string[];
  try {
    words = stripPrefix(shellWords(cmd));
  } catch (e) {
    result.ignored.push(`${cmd}: ${(e as Error).message}`);
    return;
  }
  if (words.length === 0) return;
  const text = words.join(' ');
  if (words[0] === 'iptables') {
    try {
      const c = parseCommand(words.slice(1));
      if (c.op === 'list' || c.op === 'list-rules' || c.op === 'zero' || c.op === 'policy') {
        result.ignored.push(`${cmd}: no effect on forwarding`);
        return;
      }
      result.rules = applyCommand(result.rules, c).rules;
      result.applied.push(cmd);
    } catch (e) {
      result.ignored.push(`${cmd}: ${(e as Error).message}`);
    }
    return;
  }
  const fwd = ipForwardSetting(words);
  if (fwd !== undefined) {
    result.ipForward = fwd;
    result.applied.push(cmd);
    return;
  }
  if (NO_EFFECT.test(text)) {
    result.ignored.push(`${cmd}: no effect in Cove (the control plane keeps the NAT rules and IP forwarding)`);
    return;
  }
  result.ignored.push(`${cmd}: not a NAT configuration command`);
}

/** `sysctl -w net.ipv4.ip_forward=1`, `echo 1 > /proc/sys/net/ipv4/ip_forward`, `echo 1 | tee ...`. */
function ipForwardSetting(words: string[]): boolean | undefined {
  if (words[0] === 'sysctl') {
    const args = words.slice(1).filter((w) => w !== '-w' && w !== '-q' && w !== '--write');
    const joined = args.join('').replace(/\s/g, '');
    const m = /^net[./]ipv4[./](?:ip_forward|conf[./]all[./]forwarding)=([01])$/.exec(joined);
    return m ? m[1] === '1' : undefined;
  }
  if (words[0] === 'echo') {
    const joined = words.slice(1).join(' ');
    const m = /^([01])\s*(?:>|\|\s*(?:sudo\s+)?tee(?:\s+-a)?)\s*\/proc\/sys\/net\/ipv4\/ip_forward$/.exec(joined);
    return m ? m[1] === '1' : undefined;
  }
  return undefined;
}

/** An iptables-save block starting at lines[start] (`*table`); returns the index after COMMIT. */
function readSaveBlock(lines: string[], start: number, result: UserDataResult): number {
  const table = lines[start].trim().slice(1);
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === 'COMMIT') return i + 1;
    if (line === '' || line.startsWith('#') || line.startsWith(':')) continue;
    if (table !== 'nat') {
      result.ignored.push(`${line}: the ${table} table is not modeled by Cove (security groups filter traffic)`);
      continue;
    }
    try {
      result.rules.push(parseSavedRule(line));
      result.applied.push(line);
    } catch (e) {
      result.ignored.push(`${line}: ${(e as IptablesError).message}`);
    }
  }
  result.ignored.push(`*${table}: no COMMIT line: the block was read to the end of the script`);
  return i;
}

function readHeredoc(command: string, body: string[], result: UserDataResult): void {
  const words = stripPrefix(command.replace(/<<-?.*$/, '').trim().split(/\s+/));
  if (words[0] === 'iptables-restore') {
    const starts = body.findIndex((l) => l.trim().startsWith('*'));
    if (starts === -1) {
      result.ignored.push(`${command}: no table in the input`);
      return;
    }
    let i = starts;
    while (i < body.length) {
      const l = body[i].trim();
      if (l.startsWith('*')) i = readSaveBlock(body, i, result);
      else i++;
    }
    return;
  }
  // `cat <<EOF >> /etc/sysctl.conf` with net.ipv4.ip_forward = 1: persistent forwarding.
  if (/sysctl\.(conf|d)/.test(command)) {
    for (const l of body) {
      const m = /^\s*net\.ipv4\.ip_forward\s*=\s*([01])\s*$/.exec(l);
      if (m) {
        result.ipForward = m[1] === '1';
        result.applied.push(`${command.trim()} (net.ipv4.ip_forward = ${m[1]})`);
        return;
      }
    }
  }
  result.ignored.push(`${command.trim()} (here-document of ${body.length} lines): not a NAT configuration command`);
}

/** cloud-config: the `runcmd:` list (strings or argument lists); everything else is reported. */
function readCloudConfig(lines: string[], result: UserDataResult): UserDataResult {
  let inRuncmd = false;
  for (const raw of lines.slice(1)) {
    if (raw.trim() === '' || raw.trim().startsWith('#')) continue;
    if (/^\S/.test(raw)) {
      inRuncmd = /^runcmd:\s*$/.test(raw);
      if (!inRuncmd) result.ignored.push(`${raw.trim()}: only runcmd is read from cloud-config`);
      continue;
    }
    if (!inRuncmd) continue;
    const item = /^\s*-\s+(.*)$/.exec(raw);
    if (!item) continue;
    let cmd = item[1].trim();
    if (cmd.startsWith('[') && cmd.endsWith(']')) {
      cmd = cmd
        .slice(1, -1)
        .split(',')
        .map((w) => w.trim().replace(/^['"]|['"]$/g, ''))
        .join(' ');
    } else if ((cmd.startsWith('"') && cmd.endsWith('"')) || (cmd.startsWith("'") && cmd.endsWith("'"))) {
      cmd = cmd.slice(1, -1);
    }
    for (const c of splitCommands(cmd)) runCommand(c, result);
  }
  return result;
}
