// Writing RDB: one value (DUMP, DEBUG OBJECT's serializedlength), or a whole
// dataset (SAVE, BGSAVE, DEBUG RELOAD, and a replication full sync) in the format
// redis-server 7.0 writes and reads: RDB version 10.
//
// Each value is written in the encoding Redis 7.0 would use for it, following the
// encoding Cove records for the value (OBJECT ENCODING):
//   string                     RDB_TYPE_STRING (integer-encoded or LZF as Redis does)
//   list                       RDB_TYPE_LIST_QUICKLIST_2: listpack nodes split by
//                              list-max-listpack-size, as a quicklist would hold them
//   set (intset / hashtable)   RDB_TYPE_SET_INTSET / RDB_TYPE_SET
//   zset (listpack / skiplist) RDB_TYPE_ZSET_LISTPACK / RDB_TYPE_ZSET_2
//   hash (listpack / table)    RDB_TYPE_HASH_LISTPACK / RDB_TYPE_HASH
//   stream                     RDB_TYPE_STREAM_LISTPACKS_2 (see rdb-stream.ts)
//
// The dataset API is meant for replication too: streamRdb() hands chunks to a sink
// as it encodes, encodeRdb() returns one Buffer, writeRdb() writes to any RdbOutput.
// Each runs synchronously from start to end, so the result is a consistent snapshot
// of the moment it was called (what Redis gets from fork()).

import { Keyspace, ValueType } from '../engine/keyspace.js';
import type { Store } from '../engine/store.js';
import type { EncodingLimits } from '../engine/memory.js';
import type { ListValue } from '../engine/types/list.js';
import type { HashValue } from '../engine/types/hash.js';
import type { SetValue } from '../engine/types/set.js';
import type { ZSetValue } from '../engine/types/zset.js';
import type { StreamValue } from '../engine/types/stream.js';
import { formatDouble } from '../protocol/resp/numbers.js';
import { intsetEncode } from './intset.js';
import { ListpackBuilder } from './listpack.js';
import { OutputOptions, RdbOutput } from './rdb-output.js';
import { writeStream } from './rdb-stream.js';
import { QUICKLIST_PACKED, RDB_VERSION, RdbOpcode, RdbType } from './rdb-types.js';

/** Redis 7.0's defaults, for callers without a node's CONFIG at hand. */
export const DEFAULT_LIMITS: EncodingLimits = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  listMaxListpackSize: -2,
  setMaxIntsetEntries: 512,
  setMaxListpackEntries: 128,
  setMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
};

/** The RDB type byte a key's value is written with. */
export function rdbTypeOf(ks: Keyspace, id: number): number {
  switch (ks.type(id)) {
    case ValueType.String:
      return RdbType.STRING;
    case ValueType.List:
      return RdbType.LIST_QUICKLIST_2;
    case ValueType.Set:
      return ks.object<SetValue>(id).isIntset ? RdbType.SET_INTSET : RdbType.SET;
    case ValueType.ZSet:
      return ks.object<ZSetValue>(id).big ? RdbType.ZSET_2 : RdbType.ZSET_LISTPACK;
    case ValueType.Hash:
      return ks.object<HashValue>(id).listpack ? RdbType.HASH_LISTPACK : RdbType.HASH;
    case ValueType.Stream:
      return RdbType.STREAM_LISTPACKS_2;
    default:
      throw new Error(`no RDB type for value type ${ks.type(id)}`);
  }
}

/** Writes a key's value, without its type byte (rdbSaveObject). */
export function writeValue(out: RdbOutput, ks: Keyspace, id: number, limits: EncodingLimits = DEFAULT_LIMITS): void {
  switch (ks.type(id)) {
    case ValueType.String: {
      const off = ks.valueOffset(id);
      out.stringBytes(ks.valueBuffer(id), off, off + ks.valueLength(id));
      return;
    }
    case ValueType.List:
      return writeList(out, ks.object<ListValue>(id), limits.listMaxListpackSize);
    case ValueType.Set:
      return writeSet(out, ks.object<SetValue>(id));
    case ValueType.ZSet:
      return writeZSet(out, ks.object<ZSetValue>(id));
    case ValueType.Hash:
      return writeHash(out, ks.object<HashValue>(id));
    case ValueType.Stream:
      return writeStream(out, ks.object<StreamValue>(id));
    default:
      throw new Error(`cannot serialize value type ${ks.type(id)}`);
  }
}

const LP_SIZE_LEVELS = [4096, 8192, 16384, 32768, 65536];
const LP_SIZE_SAFETY_LIMIT = 8192;
/** Bytes Redis adds to an element's length when estimating a node's growth. */
const SIZE_ESTIMATE_OVERHEAD = 8;

/**
 * May a quicklist node of `bytes` bytes and `count` entries take an element of
 * `len` bytes (Redis 7.0's _quicklistNodeAllowInsert)? Following it, a list built
 * by RPUSH splits into the same nodes here as in redis-server.
 */
function nodeAllows(fill: number, bytes: number, count: number, len: number): boolean {
  const next = bytes + len + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) return next <= LP_SIZE_LEVELS[-fill - 1];
  return next <= LP_SIZE_SAFETY_LIMIT && count < fill;
}

/** A list split into the listpack nodes a quicklist would hold it in (list-max-listpack-size = fill). */
export function listNodes(list: ListValue, fill: number): Buffer[] {
  fill = Math.max(-5, Math.min(fill, 32767)); // quicklistSetFill's clamp
  const nodes: Buffer[] = [];
  let lp = new ListpackBuilder(256);
  list.forEach((s) => {
    if (lp.length > 0 && !nodeAllows(fill, lp.bytes, lp.length, s.length)) {
      nodes.push(lp.finish());
      lp = new ListpackBuilder(256);
    }
    lp.append(s);
  });
  if (lp.length > 0) nodes.push(lp.finish());
  return nodes;
}

function writeList(out: RdbOutput, list: ListValue, fill: number): void {
  const nodes = listNodes(list, fill);
  out.len(nodes.length);
  for (const node of nodes) {
    out.len(QUICKLIST_PACKED);
    out.stringBytes(node);
  }
}

function writeSet(out: RdbOutput, set: SetValue): void {
  if (set.isIntset) {
    out.stringBytes(intsetEncode(set.members()));
    return;
  }
  out.len(set.size);
  set.forEach((m) => out.string(m));
}

function writeZSet(out: RdbOutput, z: ZSetValue): void {
  if (!z.big) {
    const lp = new ListpackBuilder(256);
    for (let n = z.zsl.first; n !== null; n = n.next[0]) {
      lp.append(n.member);
      lp.append(formatDouble(n.score));
    }
    out.stringBytes(lp.finish());
    return;
  }
  // Highest first, as Redis writes it: loading then always inserts at the head.
  out.len(z.size);
  for (let n = z.zsl.last; n !== null; n = n.backward) {
    out.string(n.member);
    out.binaryDouble(n.score);
  }
}

function writeHash(out: RdbOutput, h: HashValue): void {
  if (h.listpack) {
    const lp = new ListpackBuilder(256);
    h.forEach((f, v) => {
      lp.append(f);
      lp.append(v);
    });
    out.stringBytes(lp.finish());
    return;
  }
  out.len(h.size);
  h.forEach((f, v) => {
    out.string(f);
    out.string(v);
  });
}

// ---- DUMP payloads ------------------------------------------------------------------

export interface ValueOptions {
  compress?: boolean;
  limits?: EncodingLimits;
}

/**
 * The DUMP payload of a key: type byte, value, RDB version (2 bytes LE) and the
 * CRC-64 of all that (8 bytes LE).
 */
export function dumpPayload(ks: Keyspace, id: number, opts: ValueOptions = {}): Buffer {
  const out = new RdbOutput({ compress: opts.compress ?? true });
  out.byte(rdbTypeOf(ks, id));
  writeValue(out, ks, id, opts.limits);
  out.byte(RDB_VERSION & 0xff);
  out.byte((RDB_VERSION >> 8) & 0xff);
  out.raw(out.checksum());
  return Buffer.from(out.finish());
}

/** Bytes the value takes serialized (DEBUG OBJECT's serializedlength). */
export function serializedLength(ks: Keyspace, id: number, opts: ValueOptions = {}): number {
  const out = new RdbOutput({ compress: opts.compress ?? true });
  writeValue(out, ks, id, opts.limits);
  return out.size;
}

// ---- whole datasets -----------------------------------------------------------------

export interface DatasetOptions extends OutputOptions {
  limits?: EncodingLimits;
  /** Time of the snapshot (ms): ctime, and idle times / LFU counters. */
  now?: number;
  /** redis-ver aux field. */
  version?: string;
  /** used-mem aux field. */
  usedMemory?: number;
  /** More aux fields, written after used-mem (replication: repl-stream-db, repl-id, repl-offset). */
  aux?: [string, string | number][];
  /** Function libraries' code (FUNCTION LOAD bodies), saved as RDB_OPCODE_FUNCTION2. */
  functions?: Buffer[];
  /** Write a real checksum (rdbchecksum yes); otherwise eight zero bytes. */
  checksum?: boolean;
}

function auxField(out: RdbOutput, name: string, value: string | number): void {
  out.byte(RdbOpcode.AUX);
  out.string(name);
  out.string(String(value));
}

/**
 * Writes the whole dataset as an RDB file: header, aux fields, functions, each
 * non-empty database (SELECTDB, RESIZEDB, then its keys with their expire times and,
 * under an LRU/LFU maxmemory policy, idle times or access counters), EOF and the
 * checksum. Output goes to opts.sink in chunks when given.
 */
export function writeRdb(store: Store, out: RdbOutput, opts: DatasetOptions = {}): void {
  const now = opts.now ?? Date.now();
  const limits = opts.limits ?? DEFAULT_LIMITS;
  out.raw(Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'));
  auxField(out, 'redis-ver', opts.version ?? '7.0.15');
  auxField(out, 'redis-bits', 64);
  auxField(out, 'ctime', Math.floor(now / 1000));
  auxField(out, 'used-mem', opts.usedMemory ?? store.usedMemory());
  for (const [k, v] of opts.aux ?? []) auxField(out, k, v);
  auxField(out, 'aof-base', 0);
  for (const code of opts.functions ?? []) {
    out.byte(RdbOpcode.FUNCTION2);
    out.stringBytes(code);
  }
  const lfu = store.policy === 'allkeys-lfu' || store.policy === 'volatile-lfu';
  const lru = store.policy === 'allkeys-lru' || store.policy === 'volatile-lru';
  store.dbs.forEach((ks, db) => {
    if (ks.size === 0) return;
    out.byte(RdbOpcode.SELECTDB);
    out.len(db);
    out.byte(RdbOpcode.RESIZEDB);
    out.len(ks.size);
    out.len(ks.volatileSize);
    ks.forEach((id) => {
      const at = ks.expireAt(id);
      if (at !== 0) {
        out.byte(RdbOpcode.EXPIRETIME_MS);
        out.millis(at);
      }
      if (lru) {
        out.byte(RdbOpcode.IDLE);
        out.len(store.idleSeconds(db, id, now));
      } else if (lfu) {
        out.byte(RdbOpcode.FREQ);
        out.byte(store.lfuDecay(ks.lru[id], now));
      }
      out.byte(rdbTypeOf(ks, id));
      out.stringBytes(ks.keyBuffer(id), ks.keyOffset(id), ks.keyOffset(id) + ks.keyLength(id));
      writeValue(out, ks, id, limits);
    });
  });
  out.byte(RdbOpcode.EOF);
  out.raw(opts.checksum === false ? Buffer.alloc(8) : out.checksum());
}

/** The whole dataset as one RDB Buffer. */
export function encodeRdb(store: Store, opts: Omit<DatasetOptions, 'sink' | 'chunkSize'> = {}): Buffer {
  const out = new RdbOutput({ compress: opts.compress });
  writeRdb(store, out, opts);
  return out.finish();
}

/**
 * The whole dataset, handed to `sink` in chunks of about `chunkSize` bytes as it is
 * encoded (replication's full sync). Returns the total number of bytes.
 */
export function streamRdb(store: Store, sink: (chunk: Buffer) => void, opts: Omit<DatasetOptions, 'sink'> = {}): number {
  const out = new RdbOutput({ sink, chunkSize: opts.chunkSize, compress: opts.compress });
  writeRdb(store, out, opts);
  const total = out.size;
  out.finish();
  return total;
}
