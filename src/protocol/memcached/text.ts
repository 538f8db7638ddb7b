// memcached's classic text protocol: command dispatch and the commands other than
// the meta ones (meta.ts). Replies and error strings are memcached 1.6.18's,
// including which errors honour "noreply" (those sent through outString) and
// which argument problems answer "ERROR" rather than CLIENT_ERROR.

import { NreadKind, type McConnection } from './connection.js';
import { tokenize, type Tokens } from './tokens.js';
import { parseInt32, parseUint32, parseUint64, parseDouble, plainUint } from './numbers.js';
import { ALLOC_TOO_LARGE, DeltaResult, StoreMode, StoreResult } from '../../engine/items/item-store.js';
import { processMeta, finishMetaSet } from './meta.js';
import { generalStats, settingsStats, connsStats, engineStats, type Emit } from './stats.js';
import { writeUint } from './out-buffer.js';
import { copyWords, viewOf } from '../../engine/items/byte-copy.js';

export const KEY_MAX_LENGTH = 250;
const INT_MAX = 2147483647;
const MAX_VERBOSITY_LEVEL = 2;

const c_ = (s: string): number => s.charCodeAt(0);
const CH_m = c_('m');
const CH_g = c_('g');
const CH_s = c_('s');
const CH_a = c_('a');
const CH_c = c_('c');
const CH_i = c_('i');
const CH_d = c_('d');
const CH_t = c_('t');

/**
 * Handles one command line buf[start, end) (without its line ending). `next` is
 * where the bytes after the line start and `avail` where the buffer ends; returns
 * how many of those the command consumed (a data block it could read at once).
 */
export function processTextLine(c: McConnection, buf: Buffer, start: number, end: number, next: number, avail: number): number {
  const t = c.tokens;
  tokenize(buf, start, end, t);
  const ntokens = t.ntokens;
  if (ntokens < 2 || t.len(0) < 2) {
    c.outString('ERROR');
    return 0;
  }
  const s0 = t.starts[0];
  if (t.len(0) === 3 && buf[s0] === CH_s && buf[s0 + 1] === 0x65 && buf[s0 + 2] === 0x74) {
    if (ntokens !== 6 && ntokens !== 7) {
      c.outString('ERROR');
      return 0;
    }
    return processUpdate(c, t, StoreMode.Set, false, next, avail);
  }
  dispatch(c, t, buf);
  return 0;
}

/** Every command but set (memcached's process_command_ascii dispatch). */
function dispatch(c: McConnection, t: Tokens, buf: Buffer): void {
  const ntokens = t.ntokens;
  const s0 = t.starts[0];
  const first = buf[s0];
  const len0 = t.len(0);
  if (first === CH_m && len0 === 2) {
    processMeta(c, t, buf[s0 + 1]);
  } else if (first === CH_g) {
    if (ntokens < 3) return c.outString('ERROR');
    if (len0 === 3 && buf[s0 + 1] === 0x65 && buf[s0 + 2] === 0x74) processGet(c, t, false, false);
    else if (t.is(0, 'gets')) processGet(c, t, true, false);
    else if (t.is(0, 'gat')) processGet(c, t, false, true);
    else if (t.is(0, 'gats')) processGet(c, t, true, true);
    else c.outString('ERROR');
  } else if (first === CH_s) {
    if (t.is(0, 'stats')) processStats(c, t);
    else if (t.is(0, 'shutdown')) c.outString('ERROR: shutdown not enabled');
    else if (t.is(0, 'slabs')) processSlabs(c, t);
    else c.outString('ERROR');
  } else if (first === CH_a) {
    const mode = t.is(0, 'add') ? StoreMode.Add : t.is(0, 'append') ? StoreMode.Append : 0;
    if (mode === 0) return c.outString('ERROR');
    if (ntokens !== 6 && ntokens !== 7) return c.outString('ERROR');
    processUpdate(c, t, mode, false);
  } else if (first === CH_c) {
    if (t.is(0, 'cas')) {
      if (ntokens !== 7 && ntokens !== 8) return c.outString('ERROR');
      processUpdate(c, t, StoreMode.Cas, true);
    } else if (t.is(0, 'cache_memlimit')) {
      if (ntokens !== 3 && ntokens !== 4) return c.outString('ERROR');
      processMemlimit(c, t);
    } else if (t.is(0, 'config')) processConfig(c, t);
    else c.outString('ERROR');
  } else if (first === CH_i) {
    if (!t.is(0, 'incr')) return c.outString('ERROR');
    if (ntokens !== 4 && ntokens !== 5) return c.outString('ERROR');
    processArithmetic(c, t, true);
  } else if (first === CH_d) {
    if (t.is(0, 'delete')) {
      if (ntokens < 3 || ntokens > 5) return c.outString('ERROR');
      processDelete(c, t);
    } else if (t.is(0, 'decr')) {
      if (ntokens !== 4 && ntokens !== 5) return c.outString('ERROR');
      processArithmetic(c, t, false);
    } else c.outString('ERROR');
  } else if (first === CH_t) {
    if (!t.is(0, 'touch')) return c.outString('ERROR');
    if (ntokens !== 4 && ntokens !== 5) return c.outString('ERROR');
    processTouch(c, t);
  } else if (t.is(0, 'replace') || t.is(0, 'prepend')) {
    if (ntokens !== 6 && ntokens !== 7) return c.outString('ERROR');
    processUpdate(c, t, t.is(0, 'replace') ? StoreMode.Replace : StoreMode.Prepend, false);
  } else if (t.is(0, 'bget')) {
    if (ntokens < 3) return c.outString('ERROR');
    processGet(c, t, false, false);
  } else if (t.is(0, 'flush_all')) {
    if (ntokens < 2 || ntokens > 4) return c.outString('ERROR');
    processFlushAll(c, t);
  } else if (t.is(0, 'version')) {
    c.outString('VERSION ' + c.node.version);
  } else if (t.is(0, 'quit')) {
    c.closeAfterWrite = true;
  } else if (t.is(0, 'lru_crawler')) {
    processLruCrawler(c, t);
  } else if (t.is(0, 'watch')) {
    // Cove has no internal log streams to attach a watcher to; memcached answers
    // the same when watchers are disabled (-W).
    setNoreplyMaybe(c, t);
    c.outString('CLIENT_ERROR watch commands not allowed');
  } else if (t.is(0, 'verbosity')) {
    if (ntokens !== 3 && ntokens !== 4) return c.outString('ERROR');
    processVerbosity(c, t);
  } else if (t.is(0, 'lru')) {
    if (ntokens < 3) return c.outString('ERROR');
    processLru(c, t);
  } else {
    // HTTP request lines are answered with silence and a hang-up.
    const last = ntokens - 2;
    if (t.len(last) >= 5 && buf.latin1Slice(t.starts[last], t.starts[last] + 5) === 'HTTP/') c.destroy();
    else c.outString('ERROR');
  }
}

/** memcached's set_noreply_maybe: the last token is "noreply". */
export function setNoreplyMaybe(c: McConnection, t: Tokens): boolean {
  if (t.is(t.ntokens - 2, 'noreply')) c.noreply = true;
  return c.noreply;
}

// ---- retrieval ----------------------------------------------------------------------

function processGet(c: McConnection, t: Tokens, returnCas: boolean, touch: boolean): void {
  const store = c.store;
  const out = c.out;
  const buf = t.buf;
  let k = 1;
  let exptime = 0;
  if (touch) {
    const v = parseInt32(buf, t.starts[1], t.ends[1]);
    if (v === null) return c.outString('CLIENT_ERROR invalid exptime argument');
    exptime = store.exptimeFromSigned(v);
    k = 2;
  }
  const mark = out.len;
  const detail = store.prefixes.enabled;
  const inView = buf === c.inBuf ? c.inView : viewOf(buf);
  for (;;) {
    const last = t.ntokens - 1;
    for (; k < last; k++) {
      const ks = t.starts[k];
      const ke = t.ends[k];
      if (ke - ks > KEY_MAX_LENGTH) {
        // memcached drops every reply it has not sent yet, this command's and
        // earlier pipelined ones.
        out.truncate(Math.min(mark, c.sentMark));
        c.outString('CLIENT_ERROR bad command line format');
        return;
      }
      const id = touch ? store.touch(buf, ks, ke, exptime) : store.get(buf, ks, ke, true);
      if (detail) store.prefixes.recordGet(buf, ks, ke, id >= 0);
      if (id >= 0) {
        // "VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n", written in one go: the
        // hottest reply there is.
        const vlen = store.valLen(id);
        const b = out.reserve(6 + (ke - ks) + 46 + vlen + 2);
        let o = out.len;
        b[o] = 0x56; // V
        b[o + 1] = 0x41; // A
        b[o + 2] = 0x4c; // L
        b[o + 3] = 0x55; // U
        b[o + 4] = 0x45; // E
        b[o + 5] = 0x20;
        o += 6;
        copyWords(b, out.view, o, buf, inView, ks, ke - ks);
        o += ke - ks;
        b[o++] = 0x20;
        o = writeUint(b, o, store.flagsOf(id));
        b[o++] = 0x20;
        o = writeUint(b, o, vlen);
        if (returnCas) {
          b[o++] = 0x20;
          o = writeUint(b, o, store.casOf(id));
        }
        b[o++] = 0x0d;
        b[o++] = 0x0a;
        const vbuf = store.valueBuffer(id);
        const voff = store.valueOffset(id);
        if (vlen <= 128) copyWords(b, out.view, o, vbuf, store.pageView(vbuf), voff, vlen);
        else vbuf.copy(b, o, voff, voff + vlen);
        o += vlen;
        b[o++] = 0x0d;
        b[o++] = 0x0a;
        out.len = o;
        const cls = store.classOf(id);
        if (touch) {
          store.counters.touchCmds++;
          store.hits.touchHits[cls]++;
        } else {
          store.hits.getHits[cls]++;
          store.counters.getCmds++;
        }
      } else if (touch) {
        store.counters.touchCmds++;
        store.counters.touchMisses++;
      } else {
        store.counters.getMisses++;
        store.counters.getCmds++;
      }
    }
    if (t.rest < 0) break;
    tokenize(buf, t.rest, t.lineEnd, t);
    k = 0;
  }
  const b = out.reserve(5);
  const o = out.len;
  b[o] = 0x45; // END\r\n
  b[o + 1] = 0x4e;
  b[o + 2] = 0x44;
  b[o + 3] = 0x0d;
  b[o + 4] = 0x0a;
  out.len = o + 5;
  c.markSent();
}

// ---- storage ------------------------------------------------------------------------

function processUpdate(c: McConnection, t: Tokens, mode: StoreMode, handleCas: boolean, next = 0, avail = 0): number {
  const store = c.store;
  const buf = t.buf;
  setNoreplyMaybe(c, t);
  const ks = t.starts[1];
  const ke = t.ends[1];
  if (ke - ks > KEY_MAX_LENGTH) {
    c.outString('CLIENT_ERROR bad command line format');
    return 0;
  }
  let flags = plainUint(buf, t.starts[2], t.ends[2]);
  if (flags < 0 || flags > 0xffffffff) {
    const f = parseUint32(buf, t.starts[2], t.ends[2]);
    flags = f === null ? -1 : f;
  }
  let exptimeInt = plainUint(buf, t.starts[3], t.ends[3]);
  if (exptimeInt < 0 || exptimeInt > INT_MAX) {
    const e = parseInt32(buf, t.starts[3], t.ends[3]);
    exptimeInt = e === null ? NaN : e;
  }
  let vlen = plainUint(buf, t.starts[4], t.ends[4]);
  if (vlen < 0 || vlen > INT_MAX) {
    const v = parseInt32(buf, t.starts[4], t.ends[4]);
    vlen = v === null ? NaN : v;
  }
  if (flags < 0 || Number.isNaN(exptimeInt) || Number.isNaN(vlen)) {
    c.outString('CLIENT_ERROR bad command line format');
    return 0;
  }
  const exptime = store.exptimeFromSigned(exptimeInt);
  let reqCas = 0;
  if (handleCas) {
    const v = parseUint64(buf, t.starts[5], t.ends[5]);
    if (v === null) {
      c.outString('CLIENT_ERROR bad command line format');
      return 0;
    }
    reqCas = casNumber(v);
  }
  if (vlen < 0 || vlen > INT_MAX - 2) {
    c.outString('CLIENT_ERROR bad command line format');
    return 0;
  }
  if (store.prefixes.enabled) store.prefixes.recordSet(buf, ks, ke);
  // Fast path: a set over an existing key whose data block is already here.
  if (mode === StoreMode.Set && next + vlen + 2 <= avail && buf[next + vlen] === 0x0d && buf[next + vlen + 1] === 0x0a) {
    if (store.overwrite(buf, ks, ke, flags, exptime, buf, buf === c.inBuf ? c.inView : viewOf(buf), next, vlen)) {
      store.hits.setCmds[store.lastStoredClass]++;
      if (!c.noreply) storedReply(c);
      return vlen + 2;
    }
  }
  const id = store.alloc(buf, ks, ke, flags, exptime, vlen);
  if (id < 0) {
    if (id === ALLOC_TOO_LARGE) {
      c.outString('SERVER_ERROR object too large for cache');
      store.counters.storeTooLarge++;
    } else {
      c.outString('SERVER_ERROR out of memory storing object');
      store.counters.storeNoMemory++;
    }
    c.swallow(vlen + 2);
    // A failed set must not leave the old value readable.
    if (mode === StoreMode.Set) store.removeKey(buf, ks, ke);
    return 0;
  }
  store.setRequestedCas(id, reqCas);
  c.nreadMode = mode;
  c.nreadStale = false;
  c.beginRead(NreadKind.TextStore, id, store.valueBuffer(id), store.valueOffset(id), vlen, true);
  return 0;
}

/** "STORED\r\n". */
function storedReply(c: McConnection): void {
  const out = c.out;
  const b = out.reserve(8);
  const o = out.len;
  b[o] = 0x53;
  b[o + 1] = 0x54;
  b[o + 2] = 0x4f;
  b[o + 3] = 0x52;
  b[o + 4] = 0x45;
  b[o + 5] = 0x44;
  b[o + 6] = 0x0d;
  b[o + 7] = 0x0a;
  out.len = o + 8;
}

/** A client CAS as the store keeps it: values past 2^53 can never match a real one. */
export function casNumber(v: bigint): number {
  return v > 9007199254740991n ? Infinity : Number(v);
}

/** After a text or meta data block: store it and reply. */
export function completeTextStore(c: McConnection, validTrailer: boolean): void {
  const store = c.store;
  const id = c.nreadItem;
  c.nreadItem = -1;
  store.hits.setCmds[store.classOf(id)]++;
  const meta = c.nreadKind === NreadKind.MetaSet;
  if (!validTrailer) {
    store.discard(id);
    if (meta) c.noreply = false;
    c.outString('CLIENT_ERROR bad data chunk');
    return;
  }
  const ret = store.store(id, c.nreadMode, c.nreadStale);
  if (meta) {
    finishMetaSet(c, ret);
    return;
  }
  switch (ret) {
    case StoreResult.Stored:
      if (!c.noreply) storedReply(c);
      break;
    case StoreResult.Exists:
      c.outString('EXISTS');
      break;
    case StoreResult.NotFound:
      c.outString('NOT_FOUND');
      break;
    default:
      c.outString('NOT_STORED');
  }
}

// ---- other item commands ----------------------------------------------------------------

function processTouch(c: McConnection, t: Tokens): void {
  const store = c.store;
  setNoreplyMaybe(c, t);
  const ks = t.starts[1];
  const ke = t.ends[1];
  if (ke - ks > KEY_MAX_LENGTH) return c.outString('CLIENT_ERROR bad command line format');
  const v = parseInt32(t.buf, t.starts[2], t.ends[2]);
  if (v === null) return c.outString('CLIENT_ERROR invalid exptime argument');
  const id = store.touch(t.buf, ks, ke, store.exptimeFromSigned(v));
  store.counters.touchCmds++;
  if (id >= 0) {
    store.hits.touchHits[store.classOf(id)]++;
    c.outString('TOUCHED');
  } else {
    store.counters.touchMisses++;
    c.outString('NOT_FOUND');
  }
}

function processArithmetic(c: McConnection, t: Tokens, incr: boolean): void {
  const store = c.store;
  setNoreplyMaybe(c, t);
  const ks = t.starts[1];
  const ke = t.ends[1];
  if (ke - ks > KEY_MAX_LENGTH) return c.outString('CLIENT_ERROR bad command line format');
  const delta = parseUint64(t.buf, t.starts[2], t.ends[2]);
  if (delta === null) return c.outString('CLIENT_ERROR invalid numeric delta argument');
  switch (store.delta(t.buf, ks, ke, incr, delta, 0)) {
    case DeltaResult.Ok:
      c.outString(store.deltaValue.toString());
      break;
    case DeltaResult.NonNumeric:
      c.outString('CLIENT_ERROR cannot increment or decrement non-numeric value');
      break;
    case DeltaResult.NoMemory:
      c.outString('SERVER_ERROR out of memory');
      break;
    case DeltaResult.NotFound:
      if (incr) store.counters.incrMisses++;
      else store.counters.decrMisses++;
      c.outString('NOT_FOUND');
      break;
    default:
      break;
  }
}

function processDelete(c: McConnection, t: Tokens): void {
  const store = c.store;
  const ntokens = t.ntokens;
  if (ntokens > 3) {
    const holdIsZero = t.is(2, '0');
    const setsNoreply = setNoreplyMaybe(c, t);
    const valid = (ntokens === 4 && (holdIsZero || setsNoreply)) || (ntokens === 5 && holdIsZero && setsNoreply);
    if (!valid) return c.outString('CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]');
  }
  const ks = t.starts[1];
  const ke = t.ends[1];
  if (ke - ks > KEY_MAX_LENGTH) return c.outString('CLIENT_ERROR bad command line format');
  if (store.prefixes.enabled) store.prefixes.recordDelete(t.buf, ks, ke);
  const id = store.get(t.buf, ks, ke, false);
  if (id >= 0) {
    store.hits.deleteHits[store.classOf(id)]++;
    store.unlink(id);
    c.outString('DELETED');
  } else {
    store.counters.deleteMisses++;
    c.outString('NOT_FOUND');
  }
}

function processFlushAll(c: McConnection, t: Tokens): void {
  const store = c.store;
  setNoreplyMaybe(c, t);
  store.counters.flushCmds++;
  let exptime = 0;
  if (t.ntokens !== (c.noreply ? 3 : 2)) {
    const v = parseInt32(t.buf, t.starts[1], t.ends[1]);
    if (v === null) return c.outString('CLIENT_ERROR invalid exptime argument');
    exptime = v;
  }
  store.flushAll(exptime > 0 ? store.realtime(exptime) : 0);
  c.outString('OK');
}

function processVerbosity(c: McConnection, t: Tokens): void {
  setNoreplyMaybe(c, t);
  const level = parseUint32(t.buf, t.starts[1], t.ends[1]);
  if (level === null) return c.outString('CLIENT_ERROR bad command line format');
  c.node.settings.verbosity = Math.min(level, MAX_VERBOSITY_LEVEL);
  c.outString('OK');
}

function processMemlimit(c: McConnection, t: Tokens): void {
  setNoreplyMaybe(c, t);
  const mb = parseUint32(t.buf, t.starts[1], t.ends[1]);
  if (mb === null) return c.outString('ERROR');
  if (mb < 8) return c.outString('MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m');
  if (mb > 1000000000) return c.outString('MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes');
  c.store.pages.limit = mb * 1024 * 1024;
  c.node.settings.maxBytes = mb * 1024 * 1024;
  c.outString('OK');
}

/**
 * ElastiCache's auto discovery: `config get cluster` for clients, and
 * `config set cluster <version> <bytes>` + node list for the control plane (only
 * on its management channel: customers cannot rewrite the discovery answer).
 */
function processConfig(c: McConnection, t: Tokens): void {
  if (t.ntokens === 4 && t.is(1, 'get') && t.is(2, 'cluster')) {
    const body = c.node.clusterConfig();
    c.out.ascii(`CONFIG cluster 0 ${body.length}\r\n`);
    c.out.ascii(body);
    c.out.ascii('\r\nEND\r\n');
    return;
  }
  if (c.management && t.ntokens === 6 && t.is(1, 'set') && t.is(2, 'cluster')) {
    const version = parseUint32(t.buf, t.starts[3], t.ends[3]);
    const bytes = parseInt32(t.buf, t.starts[4], t.ends[4]);
    if (version === null || bytes === null || bytes < 0 || bytes > c.node.settings.itemSizeMax) return c.outString('CLIENT_ERROR bad command line format');
    c.configVersion = version;
    c.configData = Buffer.allocUnsafe(bytes);
    c.beginRead(NreadKind.ConfigSet, -1, c.configData, 0, bytes, true);
    return;
  }
  c.outString('ERROR');
}

/** After the node list of `config set cluster` arrived. */
export function completeConfigSet(c: McConnection, validTrailer: boolean): void {
  const data = c.configData!;
  c.configData = null;
  if (!validTrailer) return c.outString('CLIENT_ERROR bad data chunk');
  c.node.setClusterConfigLine(c.configVersion, data.toString('latin1'));
  c.outString('STORED');
}

// ---- stats ------------------------------------------------------------------------------

function textEmitter(c: McConnection): Emit {
  return (name, value) => c.out.ascii(`STAT ${name} ${value}\r\n`);
}

function processStats(c: McConnection, t: Tokens): void {
  const node = c.node;
  const store = c.store;
  const ntokens = t.ntokens;
  const emit = textEmitter(c);
  if (ntokens === 2) {
    generalStats(node, emit);
    c.out.ascii('END\r\n');
    return;
  }
  const sub = t.str(1);
  switch (sub) {
    case 'reset':
      store.resetStats();
      c.outString('RESET');
      return;
    case 'detail': {
      const arg = ntokens < 4 ? '' : t.str(2);
      if (arg === 'on') {
        store.prefixes.enabled = true;
        c.outString('OK');
      } else if (arg === 'off') {
        store.prefixes.enabled = false;
        c.outString('OK');
      } else if (arg === 'dump') {
        c.out.ascii(store.prefixes.dump());
      } else {
        c.outString('CLIENT_ERROR usage: stats detail on|off|dump');
      }
      return;
    }
    case 'settings':
      settingsStats(node, emit);
      break;
    case 'cachedump': {
      if (ntokens < 5) return c.outString('CLIENT_ERROR bad command line');
      const id = parseUint32(t.buf, t.starts[2], t.ends[2]);
      const limit = parseUint32(t.buf, t.starts[3], t.ends[3]);
      if (id === null || limit === null) return c.outString('CLIENT_ERROR bad command line format');
      if (id >= 64) return c.outString('CLIENT_ERROR Illegal slab id');
      cachedump(c, id, limit);
      return;
    }
    case 'conns':
      connsStats(node, emit);
      break;
    default:
      if (!engineStats(node, sub, emit)) {
        c.outString('ERROR');
        return;
      }
      // memcached answers these two with their STAT line and no END (its handlers
      // never append the terminator); clients of real memcached see the same.
      if (sub === 'sizes_enable' || sub === 'sizes_disable') return;
  }
  c.out.ascii('END\r\n');
}

function cachedump(c: McConnection, cls: number, limit: number): void {
  const store = c.store;
  let shown = 0;
  let bytes = 0;
  store.forEachInClass(cls, (id) => {
    if (limit !== 0 && shown >= limit) return false;
    if ((store.flagBits(id) & 4096) !== 0) return true; // binary keys are not printed
    const exp = store.exptimeOf(id);
    const line = `ITEM ${store.keyString(id)} [${store.valLen(id)} b; ${exp === 0 ? 0 : exp + store.processStarted} s]\r\n`;
    if (bytes + line.length + 6 > 2 * 1024 * 1024) return false;
    bytes += line.length;
    c.out.ascii(line);
    shown++;
    return true;
  });
  c.out.ascii('END\r\n');
}

// ---- slabs / lru / lru_crawler ----------------------------------------------------------

function processSlabs(c: McConnection, t: Tokens): void {
  const ntokens = t.ntokens;
  if (ntokens === 5 && t.is(1, 'reassign')) {
    const src = parseInt32(t.buf, t.starts[2], t.ends[2]);
    const dst = parseInt32(t.buf, t.starts[3], t.ends[3]);
    if (src === null || dst === null) return c.outString('CLIENT_ERROR bad command line format');
    const rv = c.store.reassign(src, dst);
    c.outString(
      rv === 'OK'
        ? 'OK'
        : rv === 'BADCLASS'
          ? 'BADCLASS invalid src or dst class id'
          : rv === 'NOSPARE'
            ? 'NOSPARE source class has no spare pages'
            : 'SAME src and dst class are identical',
    );
    return;
  }
  if (ntokens >= 4 && t.is(1, 'automove')) {
    setNoreplyMaybe(c, t);
    if (t.is(2, 'ratio')) {
      const ratio = ntokens < 5 ? null : parseDouble(t.str(3));
      if (ratio === null) return c.outString('ERROR');
      c.node.settings.slabAutomoveRatio = ratio;
    } else {
      const level = parseUint32(t.buf, t.starts[2], t.ends[2]);
      if (level === null) return c.outString('CLIENT_ERROR bad command line format');
      if (level > 2) return c.outString('ERROR');
      c.node.settings.slabAutomove = level;
    }
    c.outString('OK');
    return;
  }
  c.outString('ERROR');
}

function processLru(c: McConnection, t: Tokens): void {
  const s = c.node.settings;
  const ntokens = t.ntokens;
  setNoreplyMaybe(c, t);
  if (t.is(1, 'tune') && ntokens >= 7) {
    const hot = parseUint32(t.buf, t.starts[2], t.ends[2]);
    const warm = parseUint32(t.buf, t.starts[3], t.ends[3]);
    const hotFactor = parseDouble(t.str(4));
    const warmFactor = parseDouble(t.str(5));
    if (hot === null || warm === null || hotFactor === null || warmFactor === null) return c.outString('ERROR');
    if (hot + warm > 80) return c.outString('ERROR hot and warm pcts must not exceed 80');
    if (warmFactor <= 0 || hotFactor <= 0) return c.outString('ERROR hot/warm age factors must be greater than 0');
    s.hotLruPct = hot;
    s.warmLruPct = warm;
    s.hotMaxFactor = hotFactor;
    s.warmMaxFactor = warmFactor;
    c.outString('OK');
  } else if (t.is(1, 'mode') && ntokens >= 4) {
    if (t.is(2, 'flat')) s.lruSegmented = false;
    else if (t.is(2, 'segmented')) s.lruSegmented = true;
    else return c.outString('ERROR');
    c.outString('OK');
  } else if (t.is(1, 'temp_ttl') && ntokens >= 4) {
    const ttl = parseInt32(t.buf, t.starts[2], t.ends[2]);
    if (ttl === null) return c.outString('ERROR');
    if (ttl < 0) s.tempLru = false;
    else {
      s.tempLru = true;
      s.temporaryTtl = ttl;
    }
    c.outString('OK');
  } else {
    c.outString('ERROR');
  }
}

function processLruCrawler(c: McConnection, t: Tokens): void {
  const s = c.node.settings;
  const ntokens = t.ntokens;
  if (ntokens === 4 && (t.is(1, 'crawl') || t.is(1, 'metadump'))) {
    if (!s.lruCrawler) return c.outString('CLIENT_ERROR lru crawler disabled');
    const classes = crawlerClasses(c, t.str(2));
    if (classes === null) return c.outString('BADCLASS invalid class id');
    if (t.is(1, 'crawl')) {
      c.store.crawlClasses(classes);
      c.outString('OK');
    } else {
      metadump(c, classes);
    }
    return;
  }
  if (ntokens === 4 && t.is(1, 'tocrawl')) {
    const n = parseUint32(t.buf, t.starts[2], t.ends[2]);
    if (n === null) return c.outString('CLIENT_ERROR bad command line format');
    s.lruCrawlerTocrawl = n;
    return c.outString('OK');
  }
  if (ntokens === 4 && t.is(1, 'sleep')) {
    const n = parseUint32(t.buf, t.starts[2], t.ends[2]);
    if (n === null) return c.outString('CLIENT_ERROR bad command line format');
    if (n > 1000000) return c.outString('CLIENT_ERROR sleep must be one second or less');
    s.lruCrawlerSleep = n;
    return c.outString('OK');
  }
  if (ntokens === 3) {
    if (t.is(1, 'enable')) {
      s.lruCrawler = true;
      return c.outString('OK');
    }
    if (t.is(1, 'disable')) {
      s.lruCrawler = false;
      return c.outString('OK');
    }
  }
  c.outString('ERROR');
}

/** "all", "hash" or a comma-separated list of class ids; null when an id is bad. */
function crawlerClasses(c: McConnection, arg: string): Set<number> | null {
  const largest = c.store.classes.largest;
  const all = new Set<number>();
  if (arg === 'all' || arg === 'hash') {
    for (let i = 1; i <= largest; i++) all.add(i);
    return all;
  }
  for (const part of arg.split(',')) {
    const n = /^\d+$/.test(part) ? Number(part) : -1;
    if (n < 1 || n > largest) return null;
    all.add(n);
  }
  return all;
}

function metadump(c: McConnection, classes: Set<number>): void {
  const store = c.store;
  store.forEachItem((id) => {
    if (!classes.has(store.classOf(id))) return;
    const exp = store.exptimeOf(id);
    const key = uriEncode(store.keyString(id));
    c.out.ascii(
      `key=${key} exp=${exp === 0 ? -1 : exp + store.processStarted} la=${store.timeOf(id) + store.processStarted} ` +
        `cas=${store.casOf(id)} fetch=${(store.flagBits(id) & 8) !== 0 ? 'yes' : 'no'} cls=${store.classOf(id)} size=${store.total(id)}\n`,
    );
  });
  c.out.ascii('END\r\n');
}

/** memcached's uriencode: letters, digits and -._~ as they are, other bytes as %XX. */
function uriEncode(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    const plain =
      (ch >= 0x30 && ch <= 0x39) || (ch >= 0x41 && ch <= 0x5a) || (ch >= 0x61 && ch <= 0x7a) || ch === 0x2d || ch === 0x2e || ch === 0x5f || ch === 0x7e;
    out += plain ? key[i] : '%' + ch.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
