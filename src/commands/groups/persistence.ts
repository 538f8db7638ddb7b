// Persistence commands: DUMP RESTORE SAVE BGSAVE, and the DEBUG subcommands built on
// the RDB code (RELOAD, OBJECT, SET-SKIP-CHECKSUM-VALIDATION). LASTSAVE lives with
// the other server commands; the machinery is in src/persistence/.

import fs from 'node:fs';
import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { ValueType } from '../../engine/keyspace.js';
import type { Collection } from '../../engine/memory.js';
import type { ListValue } from '../../engine/types/list.js';
import { isCanonicalInteger } from '../../engine/types/set.js';
import type { CommandSpec, Ctx } from '../types.js';
import { NO_KEYS, ONE_KEY } from '../types.js';
import { lookupQuiet, lookupRead, lookupWrite, written } from '../helpers.js';
import { encodingLimits } from '../encoding-limits.js';
import { debugHooks } from './server.js';
import { ScriptingEngine } from '../../scripting/engine.js';
import { dumpPayload, listNodes, serializedLength } from '../../persistence/rdb-writer.js';
import { insertLoaded, parseDumpPayload, setLruOrLfu, verifyDumpPayload, LoadedValue } from '../../persistence/rdb-reader.js';
import { RdbError } from '../../persistence/rdb-types.js';
import { PersistenceState, loadIntoNode, rdbPath, saveInBackground, saveSync } from '../../persistence/node-persistence.js';

function compress(ctx: Ctx): boolean {
  return ctx.node.config.get('rdbcompression') === 'yes';
}

/** DUMP key: the value in Redis's serialization format, or nil. */
function dump(ctx: Ctx): void {
  const id = lookupRead(ctx, 1);
  if (id === -1) return ctx.reply.nil();
  ctx.reply.bulk(dumpPayload(ctx.db, id, { compress: compress(ctx), limits: encodingLimits(ctx.node) }));
}

/** A non-negative RESTORE option value; `message` when negative. */
function optionInt(ctx: Ctx, i: number, message: string): number {
  const v = ctx.argv.int(i);
  if (v === null) throw new CommandError(Errors.notInteger);
  if (v < 0) throw new CommandError(message);
  return Number(v);
}

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
function restore(ctx: Ctx): void {
  const { argv, store } = ctx;
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  // Options first, then the key, then the TTL, then the payload: errors come in
  // Redis's order (a bad payload on an existing key says BUSYKEY).
  for (let j = 4; j < argv.count; j++) {
    const more = argv.count - j - 1;
    if (argv.is(j, 'replace')) replace = true;
    else if (argv.is(j, 'absttl')) absttl = true;
    else if (argv.is(j, 'idletime') && more >= 1 && freq === -1) {
      idle = optionInt(ctx, ++j, 'ERR Invalid IDLETIME value, must be >= 0');
    } else if (argv.is(j, 'freq') && more >= 1 && idle === -1) {
      const v = argv.int(++j);
      if (v === null) throw new CommandError(Errors.notInteger);
      if (v < 0 || v > 255) throw new CommandError('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = Number(v);
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const existing = lookupWrite(ctx, 1);
  if (!replace && existing !== -1) throw new CommandError(Errors.busyKey);
  const ttl = optionInt(ctx, 2, 'ERR Invalid TTL value, must be >= 0');
  const payload = argv.view(3);
  if (!verifyDumpPayload(payload, PersistenceState.of(ctx.node).skipChecksum)) {
    throw new CommandError('ERR DUMP payload version or checksum are wrong');
  }
  let value: LoadedValue;
  try {
    value = parseDumpPayload(payload, store.account, encodingLimits(ctx.node));
  } catch (e) {
    if (e instanceof RdbError) throw new CommandError('ERR Bad data format');
    throw e;
  }
  if (existing !== -1) store.delete(ctx.dbIndex, existing);
  const at = ttl && !absttl ? ttl + ctx.now : ttl;
  if (ttl && at <= ctx.now && !store.isReplica && ctx.node.replicaOf === null) {
    // Already expired: the key is not created (and a replaced one is gone).
    if (value.type !== ValueType.String) {
      const c = value.value as Collection;
      store.account.bytes -= c.memory;
      c.memory = 0;
    }
    if (existing !== -1) written(ctx, 1, 'g', 'del');
    return ctx.reply.ok();
  }
  const id = insertLoaded(store, ctx.dbIndex, argv.view(1), value, ctx.now);
  if (ttl) ctx.db.setExpire(id, at);
  setLruOrLfu(store, ctx.dbIndex, id, freq, idle, ctx.now);
  written(ctx, 1, 'g', 'restore');
  if (value.type === ValueType.List || value.type === ValueType.ZSet || value.type === ValueType.Stream) {
    store.ready(ctx.dbIndex, argv.str(1));
  }
  ctx.reply.ok();
}

/** SAVE: a synchronous snapshot to dir/dbfilename. */
function save(ctx: Ctx): void {
  const st = PersistenceState.of(ctx.node);
  if (st.bgsaveInProgress) throw new CommandError('ERR Background save already in progress');
  st.saves++;
  if (!saveSync(ctx.node)) throw new CommandError('ERR');
  ctx.reply.ok();
}

/** BGSAVE [SCHEDULE]: snapshot now, file written in the background. */
function bgsave(ctx: Ctx): void {
  const { argv, node } = ctx;
  if (argv.count > 1 && !(argv.count === 2 && argv.is(1, 'schedule'))) throw new CommandError(Errors.syntax);
  const st = PersistenceState.of(node);
  if (st.bgsaveInProgress) throw new CommandError('ERR Background save already in progress');
  if (ctx.nested) {
    // Inside MULTI Redis defers the save until the transaction is over.
    setImmediate(() => {
      if (saveInBackground(node)) st.saves++;
    });
    return ctx.reply.simple('Background saving scheduled');
  }
  st.saves++;
  saveInBackground(node);
  ctx.reply.simple('Background saving started');
}

// ---- DEBUG subcommands ------------------------------------------------------------

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the dataset, load the file back. */
function debugReload(ctx: Ctx): void {
  const { argv, node, store } = ctx;
  let merge = false;
  let flush = true;
  let doSave = true;
  for (let j = 2; j < argv.count; j++) {
    if (argv.is(j, 'merge')) merge = true;
    else if (argv.is(j, 'noflush')) flush = false;
    else if (argv.is(j, 'nosave')) doSave = false;
    else throw new CommandError('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  if (doSave && !saveSync(node)) throw new CommandError('ERR');
  if (flush) {
    node.watches.touchDb(-1, (db, key) => store.lookupKey(db, key, ctx.now) !== -1);
    store.flushAll();
    ScriptingEngine.peek(node)?.flushLibraries();
  }
  try {
    loadIntoNode(node, fs.readFileSync(rdbPath(node)), { merge });
  } catch (e) {
    node.log('warning', `DEBUG RELOAD: ${(e as Error).message}`);
    throw new CommandError('ERR Error trying to load the RDB dump');
  } finally {
    node.signalAllBlocked();
  }
  node.log('warning', 'DB reloaded by DEBUG RELOAD');
  ctx.reply.ok();
}

const EMBSTR_SIZE_LIMIT = 44;

function stringEncoding(ctx: Ctx, id: number): string {
  const len = ctx.db.valueLength(id);
  if (len <= 20 && isCanonicalInteger(ctx.db.valueString(id))) return 'int';
  return len <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw';
}

/** DEBUG OBJECT key: the internals line redis-server prints, serializedlength from the RDB writer. */
function debugObject(ctx: Ctx): void {
  const id = lookupQuiet(ctx, 2);
  if (id === -1) throw new CommandError(Errors.noSuchKey);
  const { db, node } = ctx;
  const limits = encodingLimits(node);
  const type = db.type(id);
  const encoding = type === ValueType.String ? stringEncoding(ctx, id) : db.object<Collection>(id).encoding(limits);
  const serialized = serializedLength(db, id, { compress: compress(ctx), limits });
  const address = (0x7f0000000000 + id * 16).toString(16);
  let line =
    `Value at:0x${address} refcount:1 encoding:${encoding} serializedlength:${serialized} ` +
    `lru:${db.lru[id] & 0xffffff} lru_seconds_idle:${ctx.store.idleSeconds(ctx.dbIndex, id, ctx.now)}`;
  if (encoding === 'quicklist') {
    const list = db.object<ListValue>(id);
    const nodes = listNodes(list, limits.listMaxListpackSize);
    const bytes = nodes.reduce((n, b) => n + b.length, 0);
    line +=
      ` ql_nodes:${nodes.length} ql_avg_node:${(list.size / Math.max(1, nodes.length)).toFixed(2)}` +
      ` ql_listpack_max:${limits.listMaxListpackSize} ql_compressed:0 ql_uncompressed_size:${bytes}`;
  }
  ctx.reply.simple(line);
}

debugHooks.set('reload', debugReload);
debugHooks.set('object', debugObject);
debugHooks.set('set-skip-checksum-validation', (ctx) => {
  PersistenceState.of(ctx.node).skipChecksum = ctx.argv.count > 2 && ctx.argv.int(2) !== 0;
  ctx.reply.ok();
});

const spec = (
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: CommandSpec['keys'],
  categories: string[],
  group: string,
  summary: string,
  since: string,
  handler: CommandSpec['handler'],
  syntax?: string,
): CommandSpec => ({ name, arity, flags, keys, categories, group, summary, since, handler, syntax });

export const persistenceCommands: CommandSpec[] = [
  spec('dump', 2, ['readonly'], ONE_KEY, ['keyspace'], 'generic', 'Returns a serialized representation of the value stored at a key.', '2.6.0', dump, 'key'),
  spec(
    'restore',
    -4,
    ['write', 'denyoom'],
    ONE_KEY,
    ['keyspace', 'dangerous'],
    'generic',
    'Creates a key from the serialized representation of a value.',
    '2.6.0',
    restore,
    'key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]',
  ),
  spec('save', 1, ['admin', 'noscript', 'no_async_loading', 'no_multi'], NO_KEYS, [], 'server', 'Synchronously saves the database(s) to disk.', '1.0.0', save),
  spec('bgsave', -1, ['admin', 'noscript', 'no_async_loading'], NO_KEYS, [], 'server', 'Asynchronously saves the database(s) to disk.', '1.0.0', bgsave, '[SCHEDULE]'),
];
