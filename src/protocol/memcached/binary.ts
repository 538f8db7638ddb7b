// memcached's binary protocol (deprecated upstream, still what memjs and many
// clients speak): 24-byte headers, quiet variants, GAT/TOUCH, STAT, and SASL
// PLAIN authentication. Validation, status codes and messages follow
// memcached 1.6.18's proto_bin.c, including which errors close the connection.

import { NreadKind, type McConnection } from './connection.js';
import { ALLOC_TOO_LARGE, DeltaResult, StoreMode, StoreResult } from '../../engine/items/item-store.js';
import { KEY_MAX_LENGTH } from './text.js';
import { generalStats, settingsStats, engineStats, type Emit } from './stats.js';

export const REQ_MAGIC = 0x80;
export const RES_MAGIC = 0x81;
const HEADER = 24;

export const enum Op {
  Get = 0x00,
  Set = 0x01,
  Add = 0x02,
  Replace = 0x03,
  Delete = 0x04,
  Increment = 0x05,
  Decrement = 0x06,
  Quit = 0x07,
  Flush = 0x08,
  GetQ = 0x09,
  Noop = 0x0a,
  Version = 0x0b,
  GetK = 0x0c,
  GetKQ = 0x0d,
  Append = 0x0e,
  Prepend = 0x0f,
  Stat = 0x10,
  SetQ = 0x11,
  AddQ = 0x12,
  ReplaceQ = 0x13,
  DeleteQ = 0x14,
  IncrementQ = 0x15,
  DecrementQ = 0x16,
  QuitQ = 0x17,
  FlushQ = 0x18,
  AppendQ = 0x19,
  PrependQ = 0x1a,
  Touch = 0x1c,
  Gat = 0x1d,
  GatQ = 0x1e,
  SaslListMechs = 0x20,
  SaslAuth = 0x21,
  SaslStep = 0x22,
  GatK = 0x23,
  GatKQ = 0x24,
  /** ElastiCache's auto-discovery "config get" (binary form of `config get cluster`). */
  ConfigGet = 0x60,
}

export const enum Status {
  Success = 0x00,
  KeyEnoent = 0x01,
  KeyEexists = 0x02,
  E2big = 0x03,
  Einval = 0x04,
  NotStored = 0x05,
  DeltaBadval = 0x06,
  AuthError = 0x20,
  AuthContinue = 0x21,
  UnknownCommand = 0x81,
  Enomem = 0x82,
}

const MESSAGES: Record<number, string> = {
  [Status.Enomem]: 'Out of memory',
  [Status.UnknownCommand]: 'Unknown command',
  [Status.KeyEnoent]: 'Not found',
  [Status.Einval]: 'Invalid arguments',
  [Status.KeyEexists]: 'Data exists for key.',
  [Status.E2big]: 'Too large.',
  [Status.DeltaBadval]: 'Non-numeric server-side value for incr or decr',
  [Status.NotStored]: 'Not stored.',
  [Status.AuthError]: 'Auth failure.',
};

const MAX_SASL_MECH_LEN = 32;

/** Per-request state (one request is handled at a time per connection). */
let cmd = 0;
let casOut = 0;

/**
 * Handles the binary request at buf[pos]: returns the bytes used (header, extras
 * and key; a value is then read by the connection's DATA state), 0 when more
 * input is needed, -1 to hang up (bad magic).
 */
export function processBinary(c: McConnection, buf: Buffer, pos: number, end: number): number {
  if (end - pos < HEADER) return 0;
  if (buf[pos] !== REQ_MAGIC) return -1;
  const opcode = buf[pos + 1];
  const keylen = (buf[pos + 2] << 8) | buf[pos + 3];
  const extlen = buf[pos + 4];
  const bodylen = buf.readUInt32BE(pos + 8);
  if (end - pos < HEADER + extlen + keylen) return 0;
  c.binOpcode = opcode;
  c.binOpaque = buf.readUInt32BE(pos + 12);
  const reqCas = buf.readUInt32BE(pos + 16) * 4294967296 + buf.readUInt32BE(pos + 20);
  c.lastCmdTime = c.store.now;
  casOut = 0;
  dispatch(c, buf, pos + HEADER, extlen, keylen, bodylen, reqCas);
  return HEADER + extlen + keylen;
}

// ---- reply helpers ------------------------------------------------------------------------

function header(c: McConnection, status: number, extlen: number, keylen: number, bodylen: number, cas: number): void {
  const out = c.out;
  const b = out.reserve(HEADER);
  const o = out.len;
  b[o] = RES_MAGIC;
  b[o + 1] = c.binOpcode;
  b[o + 2] = keylen >> 8;
  b[o + 3] = keylen & 0xff;
  b[o + 4] = extlen;
  b[o + 5] = 0;
  b[o + 6] = status >> 8;
  b[o + 7] = status & 0xff;
  b.writeUInt32BE(bodylen >>> 0, o + 8);
  b.writeUInt32BE(c.binOpaque >>> 0, o + 12);
  b.writeUInt32BE(Math.floor(cas / 4294967296) >>> 0, o + 16);
  b.writeUInt32BE(cas % 4294967296 >>> 0, o + 20);
  out.len = o + HEADER;
}

/** memcached's write_bin_error: always sent, quiet or not; optionally swallows a value. */
function binError(c: McConnection, status: Status, message: string | null, swallow: number): void {
  const msg = message ?? MESSAGES[status] ?? 'UNHANDLED ERROR';
  header(c, status, 0, 0, msg.length, casOut);
  c.out.ascii(msg);
  if (swallow > 0) c.swallow(swallow);
}

/** memcached's write_bin_response: suppressed for quiet commands (except gets). */
function binResponse(c: McConnection, body: Buffer | string | null): void {
  if (c.noreply && cmd !== Op.Get && cmd !== Op.GetK) return;
  const len = body === null ? 0 : body.length;
  header(c, Status.Success, 0, 0, len, casOut);
  if (typeof body === 'string') c.out.ascii(body);
  else if (body) c.out.bytes(body, 0, body.length);
}

function protocolError(c: McConnection): void {
  binError(c, Status.Einval, null, 0);
  c.closeAfterWrite = true;
}

// ---- dispatch -----------------------------------------------------------------------------

function dispatch(c: McConnection, buf: Buffer, ext: number, extlen: number, keylen: number, bodylen: number, reqCas: number): void {
  const store = c.store;
  const key = ext + extlen;
  const keyEnd = key + keylen;
  cmd = c.binOpcode;
  if (keylen > bodylen || keylen + extlen > bodylen) {
    binError(c, Status.UnknownCommand, null, 0);
    c.closeAfterWrite = true;
    return;
  }
  if (c.node.saslRequired && !c.authenticated && !authFree(cmd)) {
    binError(c, Status.AuthError, null, 0);
    c.closeAfterWrite = true;
    return;
  }
  c.noreply = true;
  if (keylen > KEY_MAX_LENGTH) return protocolError(c);
  switch (cmd) {
    case Op.SetQ:
      cmd = Op.Set;
      break;
    case Op.AddQ:
      cmd = Op.Add;
      break;
    case Op.ReplaceQ:
      cmd = Op.Replace;
      break;
    case Op.DeleteQ:
      cmd = Op.Delete;
      break;
    case Op.IncrementQ:
      cmd = Op.Increment;
      break;
    case Op.DecrementQ:
      cmd = Op.Decrement;
      break;
    case Op.QuitQ:
      cmd = Op.Quit;
      break;
    case Op.FlushQ:
      cmd = Op.Flush;
      break;
    case Op.AppendQ:
      cmd = Op.Append;
      break;
    case Op.PrependQ:
      cmd = Op.Prepend;
      break;
    case Op.GetQ:
      cmd = Op.Get;
      break;
    case Op.GetKQ:
      cmd = Op.GetK;
      break;
    case Op.GatQ:
      cmd = Op.Gat;
      break;
    case Op.GatKQ:
      cmd = Op.GatK;
      break;
    default:
      c.noreply = false;
  }
  c.binQuiet = c.noreply;
  switch (cmd) {
    case Op.Version:
      if (extlen === 0 && keylen === 0 && bodylen === 0) return binResponse(c, c.node.version);
      return protocolError(c);
    case Op.Flush:
      if (keylen === 0 && bodylen === extlen && (extlen === 0 || extlen === 4)) {
        const exptime = extlen === 4 ? buf.readUInt32BE(ext) : 0;
        store.flushAll(exptime > 0 ? store.realtime(exptime) : 0);
        store.counters.flushCmds++;
        return binResponse(c, null);
      }
      return protocolError(c);
    case Op.Noop:
      if (extlen === 0 && keylen === 0 && bodylen === 0) {
        binResponse(c, null);
        c.markSent(); // NOOP forces the pipeline out
        return;
      }
      return protocolError(c);
    case Op.Set:
    case Op.Add:
    case Op.Replace:
      // memcached computes value lengths in a signed int (a huge bodylen goes negative).
      if (extlen === 8 && keylen !== 0 && bodylen >= keylen + 8) return update(c, buf, ext, key, keyEnd, (bodylen - keylen - extlen) | 0, reqCas);
      return protocolError(c);
    case Op.Get:
    case Op.GetK:
      if (extlen === 0 && bodylen === keylen && keylen > 0) return getOrTouch(c, buf, ext, key, keyEnd);
      return protocolError(c);
    case Op.Delete:
      if (keylen > 0 && extlen === 0 && bodylen === keylen) return del(c, buf, key, keyEnd, reqCas);
      return protocolError(c);
    case Op.Increment:
    case Op.Decrement:
      if (keylen > 0 && extlen === 20 && bodylen === keylen + extlen) return arith(c, buf, ext, key, keyEnd, reqCas);
      return protocolError(c);
    case Op.Append:
    case Op.Prepend:
      if (keylen > 0 && extlen === 0) return appendPrepend(c, buf, key, keyEnd, (bodylen - keylen) | 0, reqCas);
      return protocolError(c);
    case Op.Stat:
      if (extlen === 0) return stat(c, buf.latin1Slice(key, keyEnd));
      return protocolError(c);
    case Op.Quit:
      if (keylen === 0 && extlen === 0 && bodylen === 0) {
        binResponse(c, null);
        c.closeAfterWrite = true;
        return;
      }
      return protocolError(c);
    case Op.SaslListMechs:
      if (extlen === 0 && keylen === 0 && bodylen === 0) {
        if (!c.node.saslRequired) return binError(c, Status.UnknownCommand, null, bodylen - keylen);
        return binResponse(c, 'PLAIN');
      }
      return protocolError(c);
    case Op.SaslAuth:
    case Op.SaslStep:
      if (extlen === 0 && keylen !== 0) return saslAuth(c, buf, key, keyEnd, bodylen - keylen);
      return protocolError(c);
    case Op.Touch:
    case Op.Gat:
    case Op.GatK:
      if (extlen === 4 && keylen !== 0) return getOrTouch(c, buf, ext, key, keyEnd);
      return protocolError(c);
    case Op.ConfigGet:
      if (extlen === 0 && bodylen === keylen) {
        if (buf.latin1Slice(key, keyEnd) === 'cluster') return binResponse(c, c.node.clusterConfig());
        return binError(c, Status.KeyEnoent, null, 0);
      }
      return protocolError(c);
    default:
      // memcached swallows the whole body length here, extras and key included,
      // although it has already consumed them.
      return binError(c, Status.UnknownCommand, null, bodylen);
  }
}

function authFree(op: number): boolean {
  return op === Op.SaslListMechs || op === Op.SaslAuth || op === Op.SaslStep || op === Op.Version;
}

// ---- commands -----------------------------------------------------------------------------

function getOrTouch(c: McConnection, buf: Buffer, ext: number, ks: number, ke: number): void {
  const store = c.store;
  const shouldTouch = cmd === Op.Touch || cmd === Op.Gat || cmd === Op.GatK;
  const returnKey = cmd === Op.GetK || cmd === Op.GatK;
  const returnValue = cmd !== Op.Touch;
  const it = shouldTouch ? store.touch(buf, ks, ke, store.realtime(buf.readUInt32BE(ext))) : store.get(buf, ks, ke, true);
  const nkey = ke - ks;
  if (it >= 0) {
    const vlen = returnValue ? store.valLen(it) : 0;
    const cls = store.classOf(it);
    if (shouldTouch) {
      store.counters.touchCmds++;
      store.hits.touchHits[cls]++;
    } else {
      store.counters.getCmds++;
      store.hits.getHits[cls]++;
    }
    header(c, Status.Success, 4, returnKey ? nkey : 0, 4 + vlen + (returnKey ? nkey : 0), store.casOf(it));
    const out = c.out;
    const b = out.reserve(4);
    b.writeUInt32BE(store.flagsOf(it), out.len);
    out.len += 4;
    if (returnKey) out.bytes(buf, ks, ke);
    if (returnValue) {
      const vb = store.valueBuffer(it);
      const vo = store.valueOffset(it);
      out.bytes(vb, vo, vo + vlen);
    }
  } else {
    if (shouldTouch) {
      store.counters.touchCmds++;
      store.counters.touchMisses++;
    } else {
      store.counters.getCmds++;
      store.counters.getMisses++;
    }
    if (!c.noreply) {
      if (returnKey) {
        header(c, Status.KeyEnoent, 0, nkey, nkey, 0);
        c.out.bytes(buf, ks, ke);
      } else {
        binError(c, Status.KeyEnoent, null, 0);
      }
    }
  }
  if (store.prefixes.enabled) store.prefixes.recordGet(buf, ks, ke, it >= 0);
}

function update(c: McConnection, buf: Buffer, ext: number, ks: number, ke: number, vlen: number, reqCas: number): void {
  const store = c.store;
  const flags = buf.readUInt32BE(ext);
  const exptime = buf.readUInt32BE(ext + 4);
  if (store.prefixes.enabled) store.prefixes.recordSet(buf, ks, ke);
  const id = store.alloc(buf, ks, ke, flags, store.realtime(exptime), vlen);
  if (id < 0) {
    if (id === ALLOC_TOO_LARGE) binError(c, Status.E2big, null, vlen);
    else binError(c, Status.Enomem, 'Out of memory allocating item', vlen);
    if (cmd === Op.Set) store.removeKey(buf, ks, ke);
    return;
  }
  store.setRequestedCas(id, reqCas);
  let mode = cmd === Op.Add ? StoreMode.Add : cmd === Op.Set ? StoreMode.Set : StoreMode.Replace;
  if (reqCas !== 0) mode = StoreMode.Cas;
  c.nreadMode = mode;
  c.beginRead(NreadKind.BinStore, id, store.valueBuffer(id), store.valueOffset(id), vlen, false);
  if (vlen === 0) completeBinary(c);
}

function appendPrepend(c: McConnection, buf: Buffer, ks: number, ke: number, vlen: number, reqCas: number): void {
  const store = c.store;
  if (store.prefixes.enabled) store.prefixes.recordSet(buf, ks, ke);
  const id = store.alloc(buf, ks, ke, 0, 0, vlen);
  if (id < 0) {
    if (id === ALLOC_TOO_LARGE) binError(c, Status.E2big, null, vlen);
    else binError(c, Status.Enomem, 'Out of memory allocating item', vlen);
    return;
  }
  store.setRequestedCas(id, reqCas);
  c.nreadMode = cmd === Op.Append ? StoreMode.Append : StoreMode.Prepend;
  c.beginRead(NreadKind.BinStore, id, store.valueBuffer(id), store.valueOffset(id), vlen, false);
  if (vlen === 0) completeBinary(c);
}

/** After a binary value (or SASL data) arrived. */
export function completeBinary(c: McConnection): void {
  if (c.nreadKind === NreadKind.BinSasl) return completeSasl(c);
  const store = c.store;
  const id = c.nreadItem;
  if (id < 0) return;
  c.nreadItem = -1;
  c.state = 0;
  store.hits.setCmds[store.classOf(id)]++;
  const mode = c.nreadMode;
  cmd = c.binOpcode;
  normalizeQuiet();
  const ret = store.store(id, mode);
  switch (ret) {
    case StoreResult.Stored:
      casOut = store.lastCas;
      binResponse(c, null);
      break;
    case StoreResult.Exists:
      binError(c, Status.KeyEexists, null, 0);
      break;
    case StoreResult.NotFound:
      binError(c, Status.KeyEnoent, null, 0);
      break;
    default:
      binError(c, mode === StoreMode.Add ? Status.KeyEexists : mode === StoreMode.Replace ? Status.KeyEnoent : Status.NotStored, null, 0);
  }
  casOut = 0;
}

/** The non-quiet form of the current opcode (the value may arrive in a later read). */
function normalizeQuiet(): void {
  switch (cmd) {
    case Op.SetQ:
      cmd = Op.Set;
      break;
    case Op.AddQ:
      cmd = Op.Add;
      break;
    case Op.ReplaceQ:
      cmd = Op.Replace;
      break;
    case Op.AppendQ:
      cmd = Op.Append;
      break;
    case Op.PrependQ:
      cmd = Op.Prepend;
      break;
  }
}

function del(c: McConnection, buf: Buffer, ks: number, ke: number, reqCas: number): void {
  const store = c.store;
  if (store.prefixes.enabled) store.prefixes.recordDelete(buf, ks, ke);
  const it = store.get(buf, ks, ke, false);
  if (it >= 0) {
    if (reqCas === 0 || reqCas === store.casOf(it)) {
      store.hits.deleteHits[store.classOf(it)]++;
      store.unlink(it);
      binResponse(c, null);
    } else {
      binError(c, Status.KeyEexists, null, 0);
    }
  } else {
    binError(c, Status.KeyEnoent, null, 0);
    store.counters.deleteMisses++;
  }
}

function arith(c: McConnection, buf: Buffer, ext: number, ks: number, ke: number, reqCas: number): void {
  const store = c.store;
  const incr = cmd === Op.Increment;
  const delta = buf.readBigUInt64BE(ext);
  const initial = buf.readBigUInt64BE(ext + 8);
  const expiration = buf.readUInt32BE(ext + 16);
  const value = Buffer.allocUnsafe(8);
  switch (store.delta(buf, ks, ke, incr, delta, reqCas)) {
    case DeltaResult.Ok:
      value.writeBigUInt64BE(store.deltaValue);
      casOut = store.casOf(store.deltaId);
      binResponse(c, value);
      break;
    case DeltaResult.NonNumeric:
      binError(c, Status.DeltaBadval, null, 0);
      break;
    case DeltaResult.NoMemory:
      binError(c, Status.Enomem, 'Out of memory incrementing value', 0);
      break;
    case DeltaResult.NotFound:
      if (expiration !== 0xffffffff) {
        const text = initial.toString();
        const id = store.alloc(buf, ks, ke, 0, store.realtime(expiration), text.length);
        if (id < 0) {
          binError(c, Status.Enomem, 'Out of memory allocating new item', 0);
          break;
        }
        store.valueBuffer(id).latin1Write(text, store.valueOffset(id), text.length);
        if (store.store(id, StoreMode.Add) === StoreResult.Stored) {
          casOut = store.lastCas;
          value.writeBigUInt64BE(initial);
          binResponse(c, value);
        } else {
          binError(c, Status.NotStored, null, 0);
        }
      } else {
        if (incr) store.counters.incrMisses++;
        else store.counters.decrMisses++;
        binError(c, Status.KeyEnoent, null, 0);
      }
      break;
    case DeltaResult.CasMismatch:
      binError(c, Status.KeyEexists, null, 0);
      break;
  }
  casOut = 0;
}

function binEmitter(c: McConnection): Emit {
  return (name, value) => {
    const v = String(value);
    header(c, Status.Success, 0, name.length, name.length + v.length, 0);
    c.out.ascii(name);
    c.out.ascii(v);
  };
}

function stat(c: McConnection, sub: string): void {
  const node = c.node;
  const emit = binEmitter(c);
  if (sub.length === 0) {
    generalStats(node, emit);
  } else if (sub.startsWith('reset')) {
    c.store.resetStats();
  } else if (sub.startsWith('settings')) {
    settingsStats(node, emit);
  } else if (sub.startsWith('detail')) {
    const rest = sub.slice(6);
    if (rest.startsWith(' dump')) {
      emit('detailed', c.store.prefixes.dump());
    } else if (rest.startsWith(' on')) {
      c.store.prefixes.enabled = true;
    } else if (rest.startsWith(' off')) {
      c.store.prefixes.enabled = false;
    } else {
      return binError(c, Status.KeyEnoent, null, 0);
    }
  } else {
    const mark = c.out.len;
    if (!engineStats(node, sub, emit)) {
      c.out.truncate(mark);
      return binError(c, Status.KeyEnoent, null, 0);
    }
  }
  header(c, Status.Success, 0, 0, 0, 0);
}

// ---- SASL ---------------------------------------------------------------------------------

function saslAuth(c: McConnection, buf: Buffer, ks: number, ke: number, vlen: number): void {
  if (!c.node.saslRequired) return binError(c, Status.UnknownCommand, null, vlen);
  const nkey = ke - ks;
  if (nkey > MAX_SASL_MECH_LEN) return binError(c, Status.Einval, null, vlen);
  if (vlen > c.node.settings.itemSizeMax) return binError(c, Status.Enomem, null, vlen);
  c.binSaslMech = buf.latin1Slice(ks, ke);
  const data = Buffer.allocUnsafe(vlen);
  c.beginRead(NreadKind.BinSasl, -1, data, 0, vlen, false);
  c.nreadBuf = data;
  c.saslData = data;
  if (vlen === 0) completeSasl(c);
}

function completeSasl(c: McConnection): void {
  const store = c.store;
  c.state = 0;
  cmd = c.binOpcode;
  const data = c.saslData ?? Buffer.alloc(0);
  c.saslData = null;
  let ok = false;
  if (cmd === Op.SaslAuth && c.binSaslMech === 'PLAIN') {
    // PLAIN: [authzid] NUL authcid NUL passwd
    const first = data.indexOf(0);
    const second = first === -1 ? -1 : data.indexOf(0, first + 1);
    if (second !== -1) {
      const user = data.latin1Slice(first + 1, second);
      const pass = data.latin1Slice(second + 1, data.length);
      ok = c.node.checkPassword(user, pass);
    }
  }
  store.counters.authCmds++;
  if (ok) {
    c.authenticated = true;
    binResponse(c, 'Authenticated');
  } else {
    store.counters.authErrors++;
    binError(c, Status.AuthError, null, 0);
  }
}
