// The iptables commands a NAT instance understands: the `nat` table's PREROUTING
// DNAT and POSTROUTING SNAT/MASQUERADE rules that ElastiCache's guide writes, the
// operations `cove nat iptables i-ID -- ARGS` applies at run time (-A -I -D -F -L -S)
// and the iptables-save format (printed by -S and `iptables-save`, read back from
// user data or `iptables-restore` input).
//
// Only the nat table is modeled: the filter table's job is the security groups'.
// A rule is kept in its canonical iptables-save spelling so that what -S prints can
// be fed back unchanged.

export const NAT_CHAINS = ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'] as const;

export interface PortRange {
  from: number;
  to: number;
}

export interface IptRule {
  chain: string;
  source?: { cidr: string; negate: boolean };
  destination?: { cidr: string; negate: boolean };
  inIface?: { name: string; negate: boolean };
  outIface?: { name: string; negate: boolean };
  protocol?: string;
  dport?: PortRange;
  target: string;
  /** DNAT --to-destination ip[:port[-port]]. */
  toDestination?: { ip: string; ports?: PortRange };
  /** SNAT --to-source ip. */
  toSource?: string;
  /** REDIRECT/MASQUERADE --to-ports. */
  toPorts?: PortRange;
}

export type IptCommand =
  | { op: 'append' | 'insert' | 'delete'; table: string; chain: string; rule: IptRule; num?: number }
  | { op: 'delete-num'; table: string; chain: string; num: number }
  | { op: 'flush'; table: string; chain?: string }
  | { op: 'list'; table: string; chain?: string; numeric: boolean; lineNumbers: boolean }
  | { op: 'list-rules'; table: string; chain?: string }
  | { op: 'zero' | 'policy'; table: string; chain?: string };

export class IptablesError extends Error {}

/** Splits a shell-ish command line: whitespace, single and double quotes, backslash escapes. */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (quote) throw new IptablesError('unbalanced quotes');
  if (has) out.push(cur);
  return out;
}

function parsePortRange(text: string, sep = ':'): PortRange {
  const parts = text.split(sep);
  const nums = parts.map((p) => (/^\d{1,5}$/.test(p) ? Number(p) : NaN));
  if (parts.length > 2 || nums.some((n) => !(n >= 0 && n <= 65535))) {
    throw new IptablesError(`invalid port/service \`${text}' specified`);
  }
  const from = nums[0];
  const to = nums.length === 2 ? nums[1] : from;
  if (from > to) throw new IptablesError(`invalid portrange specified \`${text}'`);
  return { from, to };
}

function formatRange(r: PortRange, sep = ':'): string {
  return r.from === r.to ? String(r.from) : `${r.from}${sep}${r.to}`;
}

function checkAddress(text: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || (m[5] !== undefined && Number(m[5]) > 32)) {
    throw new IptablesError(`host/network \`${text}' not found`);
  }
  return m[5] === '32' ? text.slice(0, text.indexOf('/')) : text;
}

function parseDestination(text: string): { ip: string; ports?: PortRange } {
  const colon = text.indexOf(':');
  const ip = checkAddress(colon === -1 ? text : text.slice(0, colon));
  if (ip.includes('/')) throw new IptablesError(`Bad IP address "${text}"`);
  return colon === -1 ? { ip } : { ip, ports: parsePortRange(text.slice(colon + 1), '-') };
}

/**
 * Parses the rule part of a command (everything after the chain / rule number):
 * matches and the target with its options.
 */
export function parseRuleSpec(chain: string, args: string[]): IptRule {
  const rule: IptRule = { chain, target: '' };
  let negate = false;
  const take = (i: number, opt: string): string => {
    const v = args[i + 1];
    if (v === undefined) throw new IptablesError(`option "${opt}" requires an argument`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    switch (a) {
      case '!':
        negate = true;
        continue;
      case '-s':
      case '--source':
      case '--src':
        rule.source = { cidr: checkAddress(take(i++, a)), negate };
        break;
      case '-d':
      case '--destination':
      case '--dst':
        rule.destination = { cidr: checkAddress(take(i++, a)), negate };
        break;
      case '-i':
      case '--in-interface':
        rule.inIface = { name: take(i++, a), negate };
        break;
      case '-o':
      case '--out-interface':
        rule.outIface = { name: take(i++, a), negate };
        break;
      case '-p':
      case '--protocol': {
        const p = take(i++, a).toLowerCase();
        if (negate) throw new IptablesError('negated protocols are not supported by Cove');
        if (!['tcp', 'udp', 'icmp', 'all'].includes(p) && !/^\d+$/.test(p)) throw new IptablesError(`unknown protocol "${p}" specified`);
        rule.protocol = p === '6' ? 'tcp' : p === '17' ? 'udp' : p;
        break;
      }
      case '-m':
      case '--match': {
        const m = take(i++, a);
        if (m !== 'tcp' && m !== 'udp' && m !== 'multiport' && m !== 'conntrack' && m !== 'state' && m !== 'comment') {
          throw new IptablesError(`Couldn't load match \`${m}':No such file or directory`);
        }
        break;
      }
      case '--dport':
      case '--destination-port':
        if (!rule.protocol || (rule.protocol !== 'tcp' && rule.protocol !== 'udp')) throw new IptablesError(`unknown option "${a}"`);
        if (negate) throw new IptablesError('negated ports are not supported by Cove');
        rule.dport = parsePortRange(take(i++, a));
        break;
      case '--ctstate':
      case '--state':
      case '--comment':
        i++;
        break;
      case '-j':
      case '--jump':
        rule.target = take(i++, a);
        break;
      case '--to':
      case '--to-destination':
        if (rule.target === 'DNAT') rule.toDestination = parseDestination(take(i++, a));
        else if (rule.target === 'SNAT') rule.toSource = parseDestination(take(i++, a)).ip;
        else throw new IptablesError(`unknown option "${a}"`);
        break;
      case '--to-source':
        if (rule.target !== 'SNAT') throw new IptablesError(`unknown option "${a}"`);
        rule.toSource = parseDestination(take(i++, a)).ip;
        break;
      case '--to-ports':
        if (rule.target !== 'REDIRECT' && rule.target !== 'MASQUERADE') throw new IptablesError(`unknown option "${a}"`);
        rule.toPorts = parsePortRange(take(i++, a), '-');
        break;
      case '--random':
      case '--persistent':
      case '--random-fully':
        break;
      default:
        throw new IptablesError(`unknown option "${a}"`);
    }
    negate = false;
  }
  if (!rule.target) throw new IptablesError('a rule needs a target (-j DNAT, -j SNAT, -j MASQUERADE ...)');
  if (rule.target === 'DNAT') {
    if (chain !== 'PREROUTING' && chain !== 'OUTPUT') {
      throw new IptablesError(`DNAT is only valid in the nat table, in the PREROUTING and OUTPUT chains`);
    }
    if (!rule.toDestination) throw new IptablesError('DNAT: option "--to-destination" must be specified');
  }
  if (rule.target === 'SNAT' || rule.target === 'MASQUERADE') {
    if (chain !== 'POSTROUTING' && chain !== 'INPUT') throw new IptablesError(`${rule.target} is only valid in the nat table, in the POSTROUTING chain`);
    if (rule.target === 'SNAT' && !rule.toSource) throw new IptablesError('SNAT: option "--to-source" must be specified');
  }
  if (!['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'ACCEPT', 'RETURN'].includes(rule.target)) {
    throw new IptablesError(`Couldn't load target \`${rule.target}':No such file or directory`);
  }
  return rule;
}

/** The iptables-save spelling of a rule (without the -A CHAIN prefix when `withChain` is false). */
export function formatRule(rule: IptRule, withChain = true): string {
  const parts: string[] = withChain ? ['-A', rule.chain] : [];
  const neg = (n: boolean) => (n ? ['!'] : []);
  if (rule.source) parts.push(...neg(rule.source.negate), '-s', withMask(rule.source.cidr));
  if (rule.destination) parts.push(...neg(rule.destination.negate), '-d', withMask(rule.destination.cidr));
  if (rule.inIface) parts.push(...neg(rule.inIface.negate), '-i', rule.inIface.name);
  if (rule.outIface) parts.push(...neg(rule.outIface.negate), '-o', rule.outIface.name);
  if (rule.protocol) parts.push('-p', rule.protocol);
  if (rule.dport) parts.push('-m', rule.protocol!, '--dport', formatRange(rule.dport));
  parts.push('-j', rule.target);
  if (rule.toDestination) parts.push('--to-destination', rule.toDestination.ip + (rule.toDestination.ports ? ':' + formatRange(rule.toDestination.ports, '-') : ''));
  if (rule.toSource) parts.push('--to-source', rule.toSource);
  if (rule.toPorts) parts.push('--to-ports', formatRange(rule.toPorts, '-'));
  return parts.join(' ');
}

function withMask(cidr: string): string {
  return cidr.includes('/') ? cidr : `${cidr}/32`;
}

/** Parses one `-A CHAIN ...` line of iptables-save output. */
export function parseSavedRule(line: string): IptRule {
  const words = shellWords(line);
  if (words[0] !== '-A' || words.length < 2) throw new IptablesError(`not a rule line: ${line}`);
  const chain = words[1];
  if (!(NAT_CHAINS as readonly string[]).includes(chain)) throw new IptablesError(`No chain/target/match by that name.`);
  return parseRuleSpec(chain, words.slice(2));
}

/**
 * Parses an `iptables` argument list (without the program name). Throws
 * IptablesError with iptables's own wording where it has one.
 */
export function parseCommand(args: string[]): IptCommand {
  let table = 'filter';
  let op: string | null = null;
  let chain: string | undefined;
  let num: number | undefined;
  let numeric = false;
  let lineNumbers = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const setOp = (o: string) => {
      if (op) throw new IptablesError('Cannot use more than one command option (-A, -D, -I, -F, -L, -S ...)');
      op = o;
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        chain = next;
        i++;
        const n = args[i + 1];
        if ((o === 'insert' || o === 'delete' || o === 'list') && n !== undefined && /^\d+$/.test(n)) {
          num = Number(n);
          i++;
        }
      }
    };
    if (a === '-t' || a === '--table') {
      table = args[++i] ?? '';
      continue;
    }
    if (/^-t\w+$/.test(a)) {
      table = a.slice(2);
      continue;
    }
    if (a === '-w' || a === '--wait' || a === '-v' || a === '--verbose' || a === '-x') continue;
    if (a === '-n' || a === '--numeric') {
      numeric = true;
      continue;
    }
    if (a === '--line-numbers') {
      lineNumbers = true;
      continue;
    }
    if (a === '-nL' || a === '-Ln') {
      numeric = true;
      setOp('list');
      continue;
    }
    switch (a) {
      case '-A':
      case '--append':
        setOp('append');
        continue;
      case '-I':
      case '--insert':
        setOp('insert');
        continue;
      case '-D':
      case '--delete':
        setOp('delete');
        continue;
      case '-F':
      case '--flush':
        setOp('flush');
        continue;
      case '-L':
      case '--list':
        setOp('list');
        continue;
      case '-S':
      case '--list-rules':
        setOp('list-rules');
        continue;
      case '-Z':
      case '--zero':
        setOp('zero');
        continue;
      case '-P':
      case '--policy':
        setOp('policy');
        i++; // the policy itself (ACCEPT): nat chains always accept
        continue;
      case '-N':
      case '-X':
      case '-E':
      case '-R':
        throw new IptablesError(`${a}: user-defined chains and rule replacement are not supported by Cove (use -D and -A)`);
      default:
        rest.push(a);
    }
  }
  if (!op) throw new IptablesError('no command specified');
  if (table !== 'nat') {
    throw new IptablesError(`the ${table} table is not modeled by Cove: security groups filter traffic; only -t nat rules forward`);
  }
  if (chain !== undefined && !(NAT_CHAINS as readonly string[]).includes(chain)) {
    throw new IptablesError('No chain/target/match by that name.');
  }
  const operation = op as string;
  if (operation === 'append' || operation === 'insert' || operation === 'delete') {
    if (!chain) throw new IptablesError(`option "${operation === 'append' ? '-A' : operation === 'insert' ? '-I' : '-D'}" requires an argument`);
    if (operation === 'delete' && num !== undefined && rest.length === 0) return { op: 'delete-num', table, chain, num };
    return { op: operation, table, chain, rule: parseRuleSpec(chain, rest), num };
  }
  if (rest.length) throw new IptablesError(`Illegal option \`${rest[0]}' with this command`);
  if (operation === 'list') return { op: 'list', table, chain, numeric, lineNumbers };
  if (operation === 'list-rules') return { op: 'list-rules', table, chain };
  if (operation === 'flush') return { op: 'flush', table, chain };
  return { op: operation as 'zero' | 'policy', table, chain };
}

/** Applies a command to the rule list; returns the new list and what iptables would print. */
export function applyCommand(rules: IptRule[], cmd: IptCommand): { rules: IptRule[]; output: string } {
  switch (cmd.op) {
    case 'append':
      return { rules: [...rules, cmd.rule], output: '' };
    case 'insert': {
      const inChain = rules.filter((r) => r.chain === cmd.chain);
      const pos = (cmd.num ?? 1) - 1;
      if (pos < 0 || pos > inChain.length) throw new IptablesError('Index of insertion too big.');
      const out = [...rules];
      const at = pos === inChain.length ? (inChain.length ? rules.indexOf(inChain[inChain.length - 1]) + 1 : rules.length) : rules.indexOf(inChain[pos]);
      out.splice(at, 0, cmd.rule);
      return { rules: out, output: '' };
    }
    case 'delete': {
      const text = formatRule(cmd.rule);
      const i = rules.findIndex((r) => formatRule(r) === text);
      if (i === -1) throw new IptablesError('Bad rule (does a matching rule exist in that chain?).');
      return { rules: rules.filter((_, j) => j !== i), output: '' };
    }
    case 'delete-num': {
      const inChain = rules.filter((r) => r.chain === cmd.chain);
      const victim = inChain[cmd.num - 1];
      if (!victim) throw new IptablesError('Index of deletion too big.');
      return { rules: rules.filter((r) => r !== victim), output: '' };
    }
    case 'flush':
      return { rules: cmd.chain ? rules.filter((r) => r.chain !== cmd.chain) : [], output: '' };
    case 'list-rules':
      return { rules, output: listRules(rules, cmd.chain) };
    case 'list':
      return { rules, output: listTable(rules, cmd.chain, cmd.lineNumbers) };
    default:
      return { rules, output: '' };
  }
}

/** `iptables -t nat -S [CHAIN]`. */
export function listRules(rules: IptRule[], chain?: string): string {
  const chains = chain ? [chain] : [...NAT_CHAINS];
  const lines: string[] = [];
  for (const c of chains) lines.push(`-P ${c} ACCEPT`);
  for (const c of chains) for (const r of rules) if (r.chain === c) lines.push(formatRule(r));
  return lines.join('\n') + '\n';
}

/** `iptables-save` output for the nat table. */
export function saveTable(rules: IptRule[], when = new Date()): string {
  const stamp = when.toUTCString().replace(/GMT$/, 'UTC');
  const lines = [`# Generated by iptables-save v1.8.9 (Cove) on ${stamp}`, '*nat'];
  for (const c of NAT_CHAINS) lines.push(`:${c} ACCEPT [0:0]`);
  for (const c of NAT_CHAINS) for (const r of rules) if (r.chain === c) lines.push(formatRule(r));
  lines.push('COMMIT', `# Completed on ${stamp}`);
  return lines.join('\n') + '\n';
}

/** `iptables -t nat -L -n` (numeric: Cove resolves no names). */
export function listTable(rules: IptRule[], chain?: string, lineNumbers = false): string {
  const chains = chain ? [chain] : [...NAT_CHAINS];
  const blocks: string[] = [];
  for (const c of chains) {
    const head = `${lineNumbers ? 'num  ' : ''}target     prot opt source               destination         `;
    const lines = [`Chain ${c} (policy ACCEPT)`, head];
    let n = 0;
    for (const r of rules) {
      if (r.chain !== c) continue;
      n++;
      const src = r.source ? (r.source.negate ? '!' : '') + withMask(r.source.cidr) : '0.0.0.0/0';
      const dst = r.destination ? (r.destination.negate ? '!' : '') + withMask(r.destination.cidr) : '0.0.0.0/0';
      const extra: string[] = [];
      if (r.dport) extra.push(`${r.protocol} dpt${r.dport.from === r.dport.to ? `:${r.dport.from}` : `s:${r.dport.from}:${r.dport.to}`}`);
      if (r.toDestination) extra.push(`to:${r.toDestination.ip}${r.toDestination.ports ? ':' + formatRange(r.toDestination.ports, '-') : ''}`);
      if (r.toSource) extra.push(`to:${r.toSource}`);
      const prot = r.protocol ?? 'all';
      lines.push(`${lineNumbers ? String(n).padEnd(5) : ''}${r.target.padEnd(10)} ${prot.padEnd(4)} --  ${src.padEnd(20)} ${dst.padEnd(20)} ${extra.join(' ')}`.trimEnd());
    }
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n') + '\n';
}
