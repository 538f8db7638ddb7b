// Reading RDB: one value (RESTORE), or a whole file or replication payload into a
// Store (startup load, DEBUG RELOAD, a replica's full sync).
//
// Every encoding redis-server 7.0 writes or still loads is accepted: plain
// collections, ziplists and zipmaps of older versions, intsets, listpacks,
// quicklists of ziplists (v1) and of listpacks (v2), LZF-compressed and
// integer-encoded strings, and streams 15/19 (plus Redis 7.2's set listpack and
// stream v3). Loaded collections get the encoding Redis would give them under the
// node's limits (a small hash becomes a listpack whatever it was saved as).
//
// A truncated or corrupt dataset changes nothing in the store: when the input ends
// with a matching checksum its keys go straight in as they are parsed, otherwise
// they are staged until the end has been reached and verified (see loadRdb).

import { ValueType } from '../engine/keyspace.js';
import type { Store } from '../engine/store.js';
import { lruClock } from '../engine/store.js';
import type { Collection, EncodingLimits, MemoryAccount } from '../engine/memory.js';
import { ListValue } from '../engine/types/list.js';
import { HashValue } from '../engine/types/hash.js';
import { SetValue } from '../engine/types/set.js';
import { ZSetValue } from '../engine/types/zset.js';
import { parseDouble } from '../protocol/resp/numbers.js';
import { crc64 } from './crc64.js';
import { intsetDecode } from './intset.js';
import { lpDecode, lpString } from './listpack.js';
import { RdbInput } from './rdb-input.js';
import { readStream } from './rdb-stream.js';
import { QUICKLIST_PACKED, QUICKLIST_PLAIN, RDB_VERSION, RDB_VERSION_READABLE, RdbError, RdbOpcode, RdbType } from './rdb-types.js';
import { DEFAULT_LIMITS } from './rdb-writer.js';
import { ziplistDecode, zipmapDecode } from './ziplist.js';

/** A value read back: string bytes (a view into the input) or a new collection. */
export interface LoadedValue {
  type: ValueType;
  value: Buffer | Collection;
}

/** A collection with no elements: Redis skips such keys when loading. */
export class EmptyKeyError extends RdbError {}

interface ReadContext {
  account: MemoryAccount;
  limits: EncodingLimits;
}

function flatPairs(items: string[], what: string): string[] {
  if (items.length % 2 !== 0) throw new RdbError(`${what} with an odd number of elements`);
  return items;
}

function readList(inp: RdbInput, rdbType: number, ctx: ReadContext): ListValue {
  const list = new ListValue(ctx.account);
  switch (rdbType) {
    case RdbType.LIST: {
      const n = inp.count();
      for (let i = 0; i < n; i++) list.pushTail(inp.string());
      break;
    }
    case RdbType.LIST_ZIPLIST:
      for (const s of ziplistDecode(inp.stringBuf())) list.pushTail(s);
      break;
    case RdbType.LIST_QUICKLIST: {
      const nodes = inp.count();
      for (let i = 0; i < nodes; i++) for (const s of ziplistDecode(inp.stringBuf())) list.pushTail(s);
      break;
    }
    default: {
      const nodes = inp.count(2);
      for (let i = 0; i < nodes; i++) {
        const container = inp.len();
        const data = inp.stringBuf();
        if (container === QUICKLIST_PLAIN) list.pushTail(data.latin1Slice(0, data.length));
        else if (container === QUICKLIST_PACKED) for (const v of lpDecode(data)) list.pushTail(lpString(v));
        else throw new RdbError(`Quicklist integrity check failed: unknown container ${container}`);
      }
    }
  }
  if (list.size === 0) throw new EmptyKeyError('Empty list');
  list.growCheck(ctx.limits.listMaxListpackSize, 0, 0);
  return list;
}

function readSet(inp: RdbInput, rdbType: number, ctx: ReadContext): SetValue {
  const max = ctx.limits.setMaxIntsetEntries;
  let members: string[];
  if (rdbType === RdbType.SET) {
    const n = inp.count();
    members = new Array(n);
    for (let i = 0; i < n; i++) members[i] = inp.string();
  } else if (rdbType === RdbType.SET_INTSET) {
    members = intsetDecode(inp.stringBuf());
  } else {
    members = lpDecode(inp.stringBuf()).map(lpString);
  }
  if (members.length === 0) throw new EmptyKeyError('Empty set');
  const set = new SetValue(ctx.account, members.length <= max);
  for (const m of members) if (!set.add(m, max)) throw new RdbError('Duplicate set members detected');
  return set;
}

function readZSet(inp: RdbInput, rdbType: number, ctx: ReadContext): ZSetValue {
  const z = new ZSetValue(ctx.account);
  const { zsetMaxListpackEntries: maxEntries, zsetMaxListpackValue: maxValue } = ctx.limits;
  const add = (member: string, score: number): void => {
    if (Number.isNaN(score)) throw new RdbError('Zset with NAN score detected');
    if (z.score(member) !== undefined) throw new RdbError('Duplicate zset fields detected');
    z.insert(member, score, maxEntries, maxValue);
  };
  if (rdbType === RdbType.ZSET || rdbType === RdbType.ZSET_2) {
    const n = inp.count(2);
    for (let i = 0; i < n; i++) {
      const member = inp.string();
      add(member, rdbType === RdbType.ZSET_2 ? inp.binaryDouble() : inp.textDouble());
    }
  } else {
    const items =
      rdbType === RdbType.ZSET_ZIPLIST ? ziplistDecode(inp.stringBuf()) : lpDecode(inp.stringBuf()).map(lpString);
    flatPairs(items, 'Zset');
    for (let i = 0; i < items.length; i += 2) {
      const score = parseDouble(items[i + 1]);
      if (score === null) throw new RdbError('Zset with an invalid score detected');
      add(items[i], score);
    }
  }
  if (z.size === 0) throw new EmptyKeyError('Empty zset');
  return z;
}

function readHash(inp: RdbInput, rdbType: number, ctx: ReadContext): HashValue {
  let items: string[];
  if (rdbType === RdbType.HASH) {
    const n = inp.count(2);
    items = new Array(2 * n);
    for (let i = 0; i < 2 * n; i++) items[i] = inp.string();
  } else if (rdbType === RdbType.HASH_ZIPMAP) {
    items = zipmapDecode(inp.stringBuf());
  } else if (rdbType === RdbType.HASH_ZIPLIST) {
    items = flatPairs(ziplistDecode(inp.stringBuf()), 'Hash');
  } else {
    items = flatPairs(lpDecode(inp.stringBuf()).map(lpString), 'Hash');
  }
  if (items.length === 0) throw new EmptyKeyError('Empty hash');
  const h = new HashValue(ctx.account);
  let longest = 0;
  for (let i = 0; i < items.length; i += 2) {
    if (!h.set(items[i], items[i + 1])) throw new RdbError('Duplicate hash fields detected');
    longest = Math.max(longest, items[i].length, items[i + 1].length);
  }
  h.fit(ctx.limits.hashMaxListpackEntries, ctx.limits.hashMaxListpackValue, longest);
  return h;
}

/** Reads one value of the given RDB type (rdbLoadObject). */
export function readValue(inp: RdbInput, rdbType: number, ctx: ReadContext): LoadedValue {
  switch (rdbType) {
    case RdbType.STRING:
      return { type: ValueType.String, value: inp.stringBuf() };
    case RdbType.LIST:
    case RdbType.LIST_ZIPLIST:
    case RdbType.LIST_QUICKLIST:
    case RdbType.LIST_QUICKLIST_2:
      return { type: ValueType.List, value: readList(inp, rdbType, ctx) };
    case RdbType.SET:
    case RdbType.SET_INTSET:
    case RdbType.SET_LISTPACK:
      return { type: ValueType.Set, value: readSet(inp, rdbType, ctx) };
    case RdbType.ZSET:
    case RdbType.ZSET_2:
    case RdbType.ZSET_ZIPLIST:
    case RdbType.ZSET_LISTPACK:
      return { type: ValueType.ZSet, value: readZSet(inp, rdbType, ctx) };
    case RdbType.HASH:
    case RdbType.HASH_ZIPMAP:
    case RdbType.HASH_ZIPLIST:
    case RdbType.HASH_LISTPACK:
      return { type: ValueType.Hash, value: readHash(inp, rdbType, ctx) };
    case RdbType.STREAM_LISTPACKS:
    case RdbType.STREAM_LISTPACKS_2:
    case RdbType.STREAM_LISTPACKS_3:
      return { type: ValueType.Stream, value: readStream(inp, rdbType, ctx.account) };
    case RdbType.MODULE:
    case RdbType.MODULE_2:
      throw new RdbError('Module value types are not supported');
    default:
      throw new RdbError(`Unknown RDB encoding type ${rdbType}`);
  }
}

// ---- DUMP payloads ------------------------------------------------------------------

/** Version and checksum check of a DUMP payload (verifyDumpPayload). */
export function verifyDumpPayload(payload: Buffer, skipChecksum = false): boolean {
  if (payload.length < 10) return false;
  const footer = payload.length - 10;
  const version = payload[footer] | (payload[footer + 1] << 8);
  if (version > RDB_VERSION) return false;
  if (skipChecksum) return true;
  return crc64(payload, 0, payload.length - 8) === payload.readBigUInt64LE(payload.length - 8);
}

/**
 * The value in a DUMP payload whose footer was verified. Throws RdbError on any
 * malformed content; whatever a failed parse had charged to the account is given back.
 */
export function parseDumpPayload(payload: Buffer, account: MemoryAccount, limits: EncodingLimits = DEFAULT_LIMITS): LoadedValue {
  const before = account.bytes;
  try {
    const inp = new RdbInput(payload, 0, payload.length - 10);
    return readValue(inp, inp.byte(), { account, limits });
  } catch (e) {
    account.bytes = before;
    throw e;
  }
}

// ---- keys -------------------------------------------------------------------------

/**
 * Sets a key's LRU or LFU word from a saved idle time (seconds) or access counter,
 * whichever the maxmemory policy uses (objectSetLRUOrLFU); -1 means not given.
 */
export function setLruOrLfu(store: Store, db: number, id: number, freq: number, idleSeconds: number, now: number): void {
  const ks = store.dbs[db];
  if (store.policy === 'allkeys-lfu' || store.policy === 'volatile-lfu') {
    if (freq >= 0) ks.lru[id] = (((Math.floor(now / 60000) & 0xffff) << 8) | freq) >>> 0;
    return;
  }
  if (idleSeconds < 0) return;
  const LRU_MAX = 0xffffff;
  const clock = lruClock(now);
  let abs = clock - idleSeconds;
  // Too far back for the wrapping 24-bit clock: half-way round still reads as very idle.
  if (abs < 0) abs = (clock + Math.floor(LRU_MAX / 2)) % LRU_MAX;
  ks.lru[id] = abs;
}

/** Creates a key (key[start, end), which must not exist) holding a loaded value. Returns its id. */
export function insertLoaded(store: Store, db: number, key: Buffer, v: LoadedValue, now: number, start = 0, end = key.length): number {
  const ks = store.dbs[db];
  if (v.type === ValueType.String) {
    const bytes = v.value as Buffer;
    return insertString(store, db, key, start, end, bytes, 0, bytes.length, now);
  }
  const id = store.create(db, key, start, end, v.type, 0, now);
  ks.setObject(id, v.type, v.value);
  return id;
}

function insertString(store: Store, db: number, key: Buffer, ks: number, ke: number, val: Buffer, vs: number, ve: number, now: number): number {
  const id = store.create(db, key, ks, ke, ValueType.String, ve - vs, now);
  const dst = store.dbs[db];
  const out = dst.valueBuffer(id);
  let o = dst.valueOffset(id);
  // Short values by hand: a native copy costs more than the bytes for them.
  if (ve - vs <= 32) for (let i = vs; i < ve; i++) out[o++] = val[i];
  else val.copy(out, o, vs, ve);
  return id;
}

// ---- whole datasets -----------------------------------------------------------------

export interface LoadOptions {
  limits?: EncodingLimits;
  now?: number;
  /** Drop keys already expired (a primary loading a file); a replica keeps them. Default true. */
  skipExpired?: boolean;
  /** Replace keys that already exist (DEBUG RELOAD MERGE); otherwise they are an error. */
  merge?: boolean;
  /** Check the trailing CRC-64 unless it is zero (CONFIG rdbchecksum). Default true. */
  verifyChecksum?: boolean;
  /**
   * Receives the function libraries once the whole input has been parsed and verified,
   * before any key is added; if it throws, no key is added.
   */
  onFunctions?: (codes: Buffer[]) => void;
}

export interface LoadResult {
  version: number;
  keysLoaded: number;
  keysExpired: number;
  /** AUX fields (redis-ver, ctime, repl-id, repl-offset, ...). */
  aux: Map<string, string>;
  /** Function libraries' code, for the scripting engine to load. */
  functions: Buffer[];
  /** Bytes of the input the RDB took (anything after the checksum is not read). */
  bytes: number;
}

interface Staged {
  db: number;
  key: Buffer;
  value: LoadedValue;
  expireAt: number;
  idle: number;
  freq: number;
}

/** True when buf ends with EOF and a non-zero checksum that matches everything before it. */
function verifiedUpfront(buf: Buffer, version: number): boolean {
  if (version < 5 || buf.length < 18 || buf[buf.length - 9] !== RdbOpcode.EOF) return false;
  const stored = buf.readBigUInt64LE(buf.length - 8);
  return stored !== 0n && crc64(buf, 0, buf.length - 8) === stored;
}

/**
 * Parses an RDB file or payload and adds its keys to the store (rdbLoad).
 *
 * When the input ends with a checksum that matches, keys go straight into the store
 * as they are parsed (the fast path for files and full syncs). Otherwise (no
 * checksum, or data after it) keys are staged until the end is reached and checked,
 * so that a truncated or corrupt input adds nothing.
 */
export function loadRdb(store: Store, buf: Buffer, opts: LoadOptions = {}): LoadResult {
  const now = opts.now ?? Date.now();
  const ctx: ReadContext = { account: store.account, limits: opts.limits ?? DEFAULT_LIMITS };
  const before = store.account.bytes;
  const aux = new Map<string, string>();
  const functions: Buffer[] = [];
  const skipExpired = opts.skipExpired ?? true;
  let loaded = 0;
  let expired = 0;
  let functionsDone = false;

  const place = (db: number, key: Buffer, ks: number, ke: number, value: LoadedValue | null, vb: Buffer, vs: number, ve: number, expireAt: number, idle: number, freq: number): void => {
    if (skipExpired && expireAt !== 0 && expireAt < now) {
      expired++;
      if (value) releaseValue(store, value);
      return;
    }
    const keyspace = store.dbs[db];
    const existing = keyspace.find(key, ks, ke);
    if (existing !== -1) {
      if (!opts.merge) throw new RdbError(`RDB has duplicated key '${key.latin1Slice(ks, ke)}' in DB ${db}`);
      keyspace.delete(existing);
    }
    const id = value ? insertLoaded(store, db, key, value, now, ks, ke) : insertString(store, db, key, ks, ke, vb, vs, ve, now);
    if (expireAt !== 0) keyspace.setExpire(id, expireAt);
    if (idle >= 0 || freq >= 0) setLruOrLfu(store, db, id, freq, idle, now);
    loaded++;
  };
  const applyFunctions = (): void => {
    if (functionsDone) return;
    functionsDone = true;
    if (opts.onFunctions && functions.length > 0) opts.onFunctions(functions);
  };

  if (buf.length < 9 || buf.latin1Slice(0, 5) !== 'REDIS') throw new RdbError('Wrong signature trying to load DB from file');
  const digits = buf.latin1Slice(5, 9);
  const version = /^\d{4}$/.test(digits) ? Number(digits) : -1;
  if (version < 1 || version > RDB_VERSION_READABLE) throw new RdbError(`Can't handle RDB format version ${digits}`);
  const direct = opts.verifyChecksum !== false && verifiedUpfront(buf, version);
  const staged: Staged[] = [];
  const inp = new RdbInput(buf, 9);
  try {
    let db = 0;
    let expireAt = 0;
    let idle = -1;
    let freq = -1;
    for (;;) {
      const op = inp.byte();
      if (op === RdbOpcode.EOF) break;
      switch (op) {
        case RdbOpcode.EXPIRETIME:
          expireAt = inp.seconds() * 1000;
          continue;
        case RdbOpcode.EXPIRETIME_MS:
          expireAt = inp.millis();
          continue;
        case RdbOpcode.FREQ:
          freq = inp.byte();
          continue;
        case RdbOpcode.IDLE:
          idle = inp.len();
          continue;
        case RdbOpcode.SELECTDB:
          db = inp.len();
          if (db >= store.dbs.length) {
            throw new RdbError(`FATAL: Data file was created with a Redis server configured to handle more than ${store.dbs.length} databases. Exiting`);
          }
          continue;
        case RdbOpcode.RESIZEDB:
          inp.len();
          inp.len();
          continue;
        case RdbOpcode.AUX: {
          const k = inp.string();
          aux.set(k, inp.string());
          continue;
        }
        case RdbOpcode.FUNCTION2:
          functions.push(Buffer.from(inp.stringBuf()));
          continue;
        case RdbOpcode.FUNCTION_PRE_GA:
          throw new RdbError('Pre-release function format not supported.');
        case RdbOpcode.MODULE_AUX:
          throw new RdbError('Module auxiliary data is not supported');
      }
      inp.readString();
      const kb = inp.sBuf;
      const ks = inp.sStart;
      const ke = inp.sEnd;
      if (op === RdbType.STRING) {
        inp.readString();
        if (direct) {
          applyFunctions();
          place(db, kb, ks, ke, null, inp.sBuf, inp.sStart, inp.sEnd, expireAt, idle, freq);
        } else {
          const value = { type: ValueType.String, value: Buffer.from(inp.sBuf.subarray(inp.sStart, inp.sEnd)) };
          staged.push({ db, key: Buffer.from(kb.subarray(ks, ke)), value, expireAt, idle, freq });
        }
      } else {
        let value: LoadedValue | null = null;
        try {
          value = readValue(inp, op, ctx);
        } catch (e) {
          // Redis skips empty collections (older versions could save them).
          if (!(e instanceof EmptyKeyError)) throw e;
        }
        if (value && direct) {
          applyFunctions();
          place(db, kb, ks, ke, value, kb, 0, 0, expireAt, idle, freq);
        } else if (value) {
          staged.push({ db, key: Buffer.from(kb.subarray(ks, ke)), value, expireAt, idle, freq });
        }
      }
      expireAt = 0;
      idle = -1;
      freq = -1;
    }
    if (version >= 5) {
      const stored = inp.take(8);
      const expected = stored.readBigUInt64LE(0);
      if (!direct && opts.verifyChecksum !== false && expected !== 0n) {
        const actual = crc64(buf, 0, inp.pos - 8);
        if (actual !== expected) {
          throw new RdbError(`Wrong RDB checksum expected: (${expected.toString(16)}) got: (${actual.toString(16)}). Aborting now.`);
        }
      }
    }
    applyFunctions();
  } catch (e) {
    if (!direct) store.account.bytes = before;
    throw e;
  }
  for (const s of staged) place(s.db, s.key, 0, s.key.length, s.value, s.key, 0, 0, s.expireAt, s.idle, s.freq);
  return { version, keysLoaded: loaded, keysExpired: expired, aux, functions, bytes: inp.pos };
}

function releaseValue(store: Store, v: LoadedValue): void {
  if (v.type === ValueType.String) return;
  const c = v.value as Collection;
  store.account.bytes -= c.memory;
  c.memory = 0;
}
