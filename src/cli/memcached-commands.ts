// The memcached node's commands as data, for docs/coverage/memcached.md. The protocol
// modules (src/protocol/memcached/text.ts, meta.ts, binary.ts) dispatch in code and
// keep no table of their own; test/docs/coverage.test.ts keeps this list honest by
// probing a running node with every command memcached 1.6 knows (and every binary
// opcode) and comparing what answers with what is listed here.

export interface McTextCommand {
  name: string;
  syntax: string;
  notes: string;
  /** A line that exercises the command on an empty node (answered by anything but a bare ERROR when implemented). */
  probe: string;
}

export const TEXT_COMMANDS: McTextCommand[] = [
  { name: 'set', syntax: 'set <key> <flags> <exptime> <bytes> [noreply]', notes: 'store', probe: 'set k 0 0 1\r\nx' },
  { name: 'add', syntax: 'add <key> <flags> <exptime> <bytes> [noreply]', notes: 'store if absent', probe: 'add k 0 0 1\r\nx' },
  { name: 'replace', syntax: 'replace <key> <flags> <exptime> <bytes> [noreply]', notes: 'store if present', probe: 'replace k 0 0 1\r\nx' },
  { name: 'append', syntax: 'append <key> <flags> <exptime> <bytes> [noreply]', notes: 'add data after the value', probe: 'append k 0 0 1\r\nx' },
  { name: 'prepend', syntax: 'prepend <key> <flags> <exptime> <bytes> [noreply]', notes: 'add data before the value', probe: 'prepend k 0 0 1\r\nx' },
  { name: 'cas', syntax: 'cas <key> <flags> <exptime> <bytes> <cas unique> [noreply]', notes: 'check and set', probe: 'cas k 0 0 1 1\r\nx' },
  { name: 'get', syntax: 'get <key>*', notes: 'values', probe: 'get k' },
  { name: 'bget', syntax: 'bget <key>*', notes: 'as get (a legacy alias)', probe: 'bget k' },
  { name: 'gets', syntax: 'gets <key>*', notes: 'values with CAS', probe: 'gets k' },
  { name: 'gat', syntax: 'gat <exptime> <key>*', notes: 'get and touch', probe: 'gat 0 k' },
  { name: 'gats', syntax: 'gats <exptime> <key>*', notes: 'get and touch, with CAS', probe: 'gats 0 k' },
  { name: 'delete', syntax: 'delete <key> [0] [noreply]', notes: '', probe: 'delete k' },
  { name: 'incr', syntax: 'incr <key> <value> [noreply]', notes: '64-bit unsigned, wraps', probe: 'incr k 1' },
  { name: 'decr', syntax: 'decr <key> <value> [noreply]', notes: 'stops at 0', probe: 'decr k 1' },
  { name: 'touch', syntax: 'touch <key> <exptime> [noreply]', notes: '', probe: 'touch k 0' },
  { name: 'flush_all', syntax: 'flush_all [delay] [noreply]', notes: '', probe: 'flush_all' },
  { name: 'stats', syntax: 'stats [settings|items|slabs|sizes|conns|reset|detail on|off|dump|cachedump <id> <limit>]', notes: '', probe: 'stats settings' },
  { name: 'version', syntax: 'version', notes: '', probe: 'version' },
  { name: 'verbosity', syntax: 'verbosity <level> [noreply]', notes: 'accepted, logs nothing more', probe: 'verbosity 1' },
  { name: 'quit', syntax: 'quit', notes: 'closes the connection', probe: 'quit' },
  { name: 'cache_memlimit', syntax: 'cache_memlimit <megabytes> [noreply]', notes: '', probe: 'cache_memlimit 64' },
  { name: 'slabs', syntax: 'slabs reassign <src> <dst> | slabs automove <0|1|2>', notes: '', probe: 'slabs automove 1' },
  { name: 'lru', syntax: 'lru tune <...> | lru mode <flat|segmented> | lru temp_ttl <ttl>', notes: '', probe: 'lru mode flat' },
  { name: 'lru_crawler', syntax: 'lru_crawler <enable|disable|crawl <ids>|metadump <ids>|tocrawl <n>|sleep <us>>', notes: '', probe: 'lru_crawler tocrawl 10' },
  { name: 'watch', syntax: 'watch [fetchers|mutations|evictions|...]', notes: 'refused: Cove has no log streams (as memcached with watchers off)', probe: 'watch' },
  { name: 'shutdown', syntax: 'shutdown', notes: 'refused, as memcached without -A', probe: 'shutdown' },
  { name: 'config', syntax: 'config get cluster | config set cluster <version> <bytes> (management socket only)', notes: 'ElastiCache auto discovery', probe: 'config get cluster' },
  { name: 'mg', syntax: 'mg <key> <flag>*', notes: 'meta get', probe: 'mg k v' },
  { name: 'ms', syntax: 'ms <key> <datalen> <flag>*', notes: 'meta set', probe: 'ms k 1\r\nx' },
  { name: 'md', syntax: 'md <key> <flag>*', notes: 'meta delete', probe: 'md k' },
  { name: 'ma', syntax: 'ma <key> <flag>*', notes: 'meta arithmetic', probe: 'ma k' },
  { name: 'mn', syntax: 'mn', notes: 'meta no-op (flushes quiet replies)', probe: 'mn' },
  { name: 'me', syntax: 'me <key>', notes: 'meta debug', probe: 'me k' },
];

/** Words memcached 1.6 answers that Cove does not (the test checks they still answer ERROR). */
export const TEXT_NOT_IMPLEMENTED: { name: string; probe: string; notes: string }[] = [
  { name: 'misbehave', probe: 'misbehave', notes: 'a memcached debugging aid' },
  { name: 'debugtime', probe: 'debugtime 1', notes: 'only in memcached debug builds' },
  { name: 'extstore', probe: 'extstore free_memchunks 0 0', notes: 'no external storage' },
];

export interface McBinaryOp {
  opcode: number;
  name: string;
  notes?: string;
  /** Answered only on a node started with --sasl-pwdb (else Unknown command, as memcached without -S). */
  sasl?: boolean;
}

export const BINARY_OPS: McBinaryOp[] = [
  { opcode: 0x00, name: 'Get' },
  { opcode: 0x01, name: 'Set' },
  { opcode: 0x02, name: 'Add' },
  { opcode: 0x03, name: 'Replace' },
  { opcode: 0x04, name: 'Delete' },
  { opcode: 0x05, name: 'Increment' },
  { opcode: 0x06, name: 'Decrement' },
  { opcode: 0x07, name: 'Quit' },
  { opcode: 0x08, name: 'Flush' },
  { opcode: 0x09, name: 'GetQ' },
  { opcode: 0x0a, name: 'No-op' },
  { opcode: 0x0b, name: 'Version' },
  { opcode: 0x0c, name: 'GetK' },
  { opcode: 0x0d, name: 'GetKQ' },
  { opcode: 0x0e, name: 'Append' },
  { opcode: 0x0f, name: 'Prepend' },
  { opcode: 0x10, name: 'Stat' },
  { opcode: 0x11, name: 'SetQ' },
  { opcode: 0x12, name: 'AddQ' },
  { opcode: 0x13, name: 'ReplaceQ' },
  { opcode: 0x14, name: 'DeleteQ' },
  { opcode: 0x15, name: 'IncrementQ' },
  { opcode: 0x16, name: 'DecrementQ' },
  { opcode: 0x17, name: 'QuitQ' },
  { opcode: 0x18, name: 'FlushQ' },
  { opcode: 0x19, name: 'AppendQ' },
  { opcode: 0x1a, name: 'PrependQ' },
  { opcode: 0x1c, name: 'Touch' },
  { opcode: 0x1d, name: 'GAT' },
  { opcode: 0x1e, name: 'GATQ' },
  { opcode: 0x20, name: 'SASL list mechs', sasl: true },
  { opcode: 0x21, name: 'SASL auth', notes: 'PLAIN; succeeds only on a node started with --sasl-pwdb' },
  { opcode: 0x22, name: 'SASL step', notes: 'PLAIN needs no step; answered as memcached does' },
  { opcode: 0x23, name: 'GATK' },
  { opcode: 0x24, name: 'GATKQ' },
  { opcode: 0x60, name: 'Config get', notes: 'ElastiCache auto discovery (binary form of `config get cluster`)' },
];
