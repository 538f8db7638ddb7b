// `stats detail on|off|dump`: get/hit/set/delete counts per key prefix (the part
// of a key before the first ':'), as memcached's stats_prefix.c keeps them.
//
// memcached grows this table without bound; a client could send millions of
// distinct prefixes, so Cove stops adding new prefixes past MAX_PREFIXES (the
// existing ones keep counting).

const MAX_PREFIXES = 10000;
const DELIMITER = 0x3a; // ':'

interface PrefixCounts {
  gets: number;
  hits: number;
  sets: number;
  deletes: number;
}

export class PrefixStats {
  enabled = false;
  private readonly table = new Map<string, PrefixCounts>();

  private find(key: Buffer, start: number, end: number): PrefixCounts | undefined {
    let i = start;
    // A NUL ends the key for memcached's C string scan.
    while (i < end && key[i] !== DELIMITER && key[i] !== 0) i++;
    if (i === end || key[i] !== DELIMITER) return undefined;
    const prefix = key.latin1Slice(start, i);
    let pc = this.table.get(prefix);
    if (!pc) {
      if (this.table.size >= MAX_PREFIXES) return undefined;
      pc = { gets: 0, hits: 0, sets: 0, deletes: 0 };
      this.table.set(prefix, pc);
    }
    return pc;
  }

  recordGet(key: Buffer, start: number, end: number, hit: boolean): void {
    const pc = this.find(key, start, end);
    if (pc) {
      pc.gets++;
      if (hit) pc.hits++;
    }
  }

  recordSet(key: Buffer, start: number, end: number): void {
    const pc = this.find(key, start, end);
    if (pc) pc.sets++;
  }

  recordDelete(key: Buffer, start: number, end: number): void {
    const pc = this.find(key, start, end);
    if (pc) pc.deletes++;
  }

  clear(): void {
    this.table.clear();
  }

  /** The dump body: one PREFIX line per prefix, then END. */
  dump(): string {
    let out = '';
    for (const [p, c] of this.table) out += `PREFIX ${p} get ${c.gets} hit ${c.hits} set ${c.sets} del ${c.deletes}\r\n`;
    return out + 'END\r\n';
  }
}
