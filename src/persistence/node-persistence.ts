// Persistence for a running Valkey/Redis node: snapshot files (SAVE, BGSAVE, DEBUG
// RELOAD, save points, the load at startup) and the INFO persistence fields that
// report on them. The RDB encoding itself is in rdb-writer.ts / rdb-reader.ts; this
// module adds the node's CONFIG (dir, dbfilename, rdbcompression, rdbchecksum, save,
// the encoding limits), its function libraries, files and statistics.
//
// A snapshot is encoded synchronously, so it is consistent, like the fork Redis
// takes. SAVE then writes it before replying; BGSAVE replies at once and writes the
// file in the background (INFO shows rdb_bgsave_in_progress:1 until it is done).
// Files are written to temp-<pid>.rdb and renamed over the target, as Redis does,
// so a crash mid-write never leaves a half-written dump.

import fs from 'node:fs';
import path from 'node:path';
import type { ValkeyNode } from '../server/valkey-node.js';
import { REDIS_COMPAT_VERSION } from '../server/valkey-node.js';
import { infoSections } from '../server/info.js';
import { encodingLimits } from '../commands/encoding-limits.js';
import { ScriptingEngine } from '../scripting/engine.js';
import { encodeRdb } from './rdb-writer.js';
import { LoadResult, loadRdb } from './rdb-reader.js';

/** What the node remembers about its snapshots (INFO persistence). */
export class PersistenceState {
  /** store.dirty when the last successful snapshot was taken. */
  dirtyAtSave = 0;
  saves = 0;
  bgsaveInProgress = false;
  bgsaveStartedAt = 0;
  lastBgsaveOk = true;
  lastBgsaveSeconds = -1;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE then trusts payload checksums. */
  skipChecksum = false;
  saveTimer: NodeJS.Timeout | null = null;

  static of(node: ValkeyNode): PersistenceState {
    let s = node.ext.get('persistence') as PersistenceState | undefined;
    if (!s) {
      s = new PersistenceState();
      s.dirtyAtSave = node.store.dirty;
      node.ext.set('persistence', s);
      installInfoSection();
    }
    return s;
  }
}

/** The snapshot file: CONFIG dir + dbfilename. */
export function rdbPath(node: ValkeyNode): string {
  return path.resolve(node.config.get('dir'), node.config.get('dbfilename'));
}

/** The whole dataset (and function libraries) as RDB bytes, with the node's settings. */
export function snapshot(node: ValkeyNode, extraAux: [string, string | number][] = []): Buffer {
  const libraries = ScriptingEngine.peek(node)?.libraries;
  return encodeRdb(node.store, {
    limits: encodingLimits(node),
    compress: node.config.get('rdbcompression') === 'yes',
    checksum: node.config.get('rdbchecksum') === 'yes',
    version: REDIS_COMPAT_VERSION,
    functions: libraries ? [...libraries.values()].map((l) => l.code) : [],
    aux: extraAux,
  });
}

function tempPath(file: string): string {
  return path.join(path.dirname(file), `temp-${process.pid}.rdb`);
}

function saved(node: ValkeyNode, dirtyAtSnapshot: number): void {
  const st = PersistenceState.of(node);
  st.dirtyAtSave = dirtyAtSnapshot;
  node.lastSave = Math.floor(Date.now() / 1000);
}

/** SAVE: writes the snapshot file now. Returns false (after logging why) when it could not. */
export function saveSync(node: ValkeyNode): boolean {
  const file = rdbPath(node);
  const dirty = node.store.dirty;
  try {
    const data = snapshot(node);
    const tmp = tempPath(file);
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    node.log('warning', `Failed saving the DB: ${(e as Error).message}`);
    PersistenceState.of(node).lastBgsaveOk = false;
    return false;
  }
  saved(node, dirty);
  PersistenceState.of(node).lastBgsaveOk = true;
  node.log('notice', 'DB saved on disk');
  return true;
}

/**
 * BGSAVE: takes the snapshot now and writes it in the background. Returns false
 * when a background save is already running. `done` is told whether it worked.
 */
export function saveInBackground(node: ValkeyNode, done?: (ok: boolean) => void): boolean {
  const st = PersistenceState.of(node);
  if (st.bgsaveInProgress) return false;
  const file = rdbPath(node);
  const dirty = node.store.dirty;
  st.bgsaveInProgress = true;
  st.bgsaveStartedAt = Date.now();
  node.log('notice', 'Background saving started');
  const finish = (err: Error | null): void => {
    st.bgsaveInProgress = false;
    st.lastBgsaveSeconds = Math.round((Date.now() - st.bgsaveStartedAt) / 1000);
    st.lastBgsaveOk = err === null;
    if (err) node.log('warning', `Background saving error: ${err.message}`);
    else {
      saved(node, dirty);
      node.log('notice', 'Background saving terminated with success');
    }
    done?.(err === null);
  };
  let data: Buffer;
  try {
    data = snapshot(node);
  } catch (e) {
    finish(e as Error);
    return true;
  }
  const tmp = tempPath(file) + '.bg';
  fs.promises
    .writeFile(tmp, data)
    .then(() => fs.promises.rename(tmp, file))
    .then(
      () => finish(null),
      (e: Error) => finish(e),
    );
  return true;
}

export interface NodeLoadOptions {
  /** Replace keys and libraries that exist (DEBUG RELOAD MERGE); otherwise they are an error. */
  merge?: boolean;
  /** Keep keys whose time has passed: a replica loading its primary's payload. Default false. */
  keepExpired?: boolean;
}

/**
 * Loads an RDB buffer into the node: keys into the store, libraries into the
 * scripting engine (before the keys, so that a library clash adds no key).
 */
export function loadIntoNode(node: ValkeyNode, data: Buffer, opts: NodeLoadOptions = {}): LoadResult {
  const result = loadRdb(node.store, data, {
    limits: encodingLimits(node),
    merge: opts.merge,
    skipExpired: !opts.keepExpired,
    verifyChecksum: node.config.get('rdbchecksum') === 'yes',
    onFunctions: (codes) => {
      const engine = ScriptingEngine.of(node);
      for (const code of codes) engine.loadLibrary(code, opts.merge ?? false, 0);
    },
  });
  const st = PersistenceState.of(node);
  st.lastLoadKeysLoaded = result.keysLoaded;
  st.lastLoadKeysExpired = result.keysExpired;
  st.dirtyAtSave = node.store.dirty;
  return result;
}

/** Loads the snapshot file named by dir/dbfilename, if there is one. Returns null when absent. */
export function loadFromDisk(node: ValkeyNode): LoadResult | null {
  const file = rdbPath(node);
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const started = performance.now();
  let result: LoadResult;
  try {
    result = loadIntoNode(node, data);
  } catch (e) {
    node.log('warning', `Fatal error loading the DB: ${(e as Error).message}. Exiting.`);
    throw new Error(`cannot load ${file}: ${(e as Error).message}`);
  }
  const secs = ((performance.now() - started) / 1000).toFixed(3);
  node.log('notice', `DB loaded from disk: ${secs} seconds (${result.keysLoaded} keys, ${result.keysExpired} expired)`);
  return result;
}

/** The save points of CONFIG save: [seconds, changes] pairs. */
function savePoints(node: ValkeyNode): [number, number][] {
  const parts = node.config.get('save').trim().split(/\s+/).filter(Boolean).map(Number);
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) out.push([parts[i], parts[i + 1]]);
  return out;
}

/**
 * Checks CONFIG save once a second and starts a BGSAVE when a save point is reached
 * (at least `changes` writes and `seconds` since the last save), as serverCron does.
 */
export function startSavePoints(node: ValkeyNode): void {
  const st = PersistenceState.of(node);
  if (st.saveTimer) return;
  st.saveTimer = setInterval(() => {
    if (st.bgsaveInProgress) return;
    const changes = node.store.dirty - st.dirtyAtSave;
    const elapsed = Date.now() / 1000 - node.lastSave;
    // After a failed save Redis waits before retrying (CONFIG_BGSAVE_RETRY_DELAY).
    if (!st.lastBgsaveOk && Date.now() - st.bgsaveStartedAt < 5000) return;
    for (const [seconds, min] of savePoints(node)) {
      if (changes >= min && elapsed >= seconds) {
        node.log('notice', `${min} changes in ${seconds} seconds. Saving...`);
        saveInBackground(node);
        return;
      }
    }
  }, 1000);
  st.saveTimer.unref();
}

export function stopSavePoints(node: ValkeyNode): void {
  const st = PersistenceState.of(node);
  if (st.saveTimer) clearInterval(st.saveTimer);
  st.saveTimer = null;
}

/** On shutdown with save points configured, the final snapshot (Redis's prepareForShutdown). */
export function saveOnShutdown(node: ValkeyNode): void {
  stopSavePoints(node);
  if (savePoints(node).length === 0) return;
  node.log('notice', 'Saving the final RDB snapshot before exiting.');
  saveSync(node);
}

// INFO persistence: the node's real snapshot state replaces the placeholder fields.
// Installed on first use rather than at import time: info.ts and this module sit in
// an import cycle through the command table.
let infoInstalled = false;
function installInfoSection(): void {
  if (infoInstalled) return;
  infoInstalled = true;
  const baseSection = infoSections.persistence;
  infoSections.persistence = (node) => {
    const fields = baseSection(node);
    const st = node.ext.get('persistence') as PersistenceState | undefined;
    if (!st) return fields;
    const actual: Record<string, string | number> = {
      rdb_changes_since_last_save: Math.max(0, node.store.dirty - st.dirtyAtSave),
      rdb_bgsave_in_progress: st.bgsaveInProgress ? 1 : 0,
      rdb_last_save_time: node.lastSave,
      rdb_last_bgsave_status: st.lastBgsaveOk ? 'ok' : 'err',
      rdb_last_bgsave_time_sec: st.lastBgsaveSeconds,
      rdb_current_bgsave_time_sec: st.bgsaveInProgress ? Math.round((Date.now() - st.bgsaveStartedAt) / 1000) : -1,
      rdb_saves: st.saves,
      rdb_last_load_keys_expired: st.lastLoadKeysExpired,
      rdb_last_load_keys_loaded: st.lastLoadKeysLoaded,
    };
    return fields.map(([k, v]) => [k, k in actual ? actual[k] : v]);
  };
}
