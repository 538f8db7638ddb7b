// memcached's meta commands: mg (get), ms (set), md (delete), ma (arithmetic),
// mn (no-op) and me (debug), with their flags, as memcached 1.6.18 implements
// them (proto_text.c): flags are echoed in request order, 'q' hides only the
// nominal reply (HD, or EN for a get miss), and errors always reach the client.

import { NreadKind, type McConnection } from './connection.js';
import type { Tokens } from './tokens.js';
import { parseInt32, parseUint32, parseUint64 } from './numbers.js';
import { base64Decode, base64Encode } from './base64.js';
import { ALLOC_TOO_LARGE, DeltaResult, ItemFlag, StoreMode, StoreResult, REALTIME_MAXDELTA } from '../../engine/items/item-store.js';
import { KEY_MAX_LENGTH, casNumber } from './text.js';

const MFLAG_MAX_OPT_LENGTH = 20;
const MFLAG_MAX_OPAQUE_LENGTH = 32;
const INT_MAX = 2147483647;

/** The parsed flags of one meta command (memcached's struct _meta_flags). */
class MetaFlags {
  hasError = false;
  noUpdate = false;
  locked = false;
  vivify = false;
  la = false;
  value = false;
  setStale = false;
  noReply = false;
  hasCas = false;
  newTtl = false;
  keyBinary = false;
  mode = 0;
  exptime = 0;
  autovivExptime = 0;
  recacheTime = 0;
  clientFlags = 0;
  reqCas = 0;
  delta = 1n;
  initial = 0n;
  /** The key to use (decoded when 'b' was given). */
  keyBuf: Buffer = Buffer.alloc(0);
  keyStart = 0;
  keyEnd = 0;
  error = 'CLIENT_ERROR bad command line format';

  reset(t: Tokens): void {
    this.hasError = this.noUpdate = this.locked = this.vivify = this.la = this.value = false;
    this.setStale = this.noReply = this.hasCas = this.newTtl = this.keyBinary = false;
    this.mode = this.exptime = this.autovivExptime = this.recacheTime = this.clientFlags = this.reqCas = 0;
    this.delta = 1n;
    this.initial = 0n;
    this.keyBuf = t.buf;
    this.keyStart = t.starts[1];
    this.keyEnd = t.ends[1];
    this.error = 'CLIENT_ERROR bad command line format';
  }
}

const of = new MetaFlags();
const seen = new Uint8Array(128);

/** memcached's _meta_flag_preparse; false when the command must fail with of.error. */
function preparse(c: McConnection, t: Tokens, start: number): boolean {
  const store = c.store;
  const buf = t.buf;
  seen.fill(0);
  for (let i = start; i < t.ntokens - 1; i++) {
    const ts = t.starts[i];
    const te = t.ends[i];
    const o = buf[ts];
    if (o >= 127 || seen[o] !== 0) {
      of.error = 'CLIENT_ERROR duplicate flag';
      return false;
    }
    seen[o] = 1;
    switch (o) {
      case 0x62: {
        // b: the key is base64
        const decoded = base64Decode(buf, t.starts[1], t.ends[1]);
        if (decoded === null) {
          of.error = 'CLIENT_ERROR error decoding key';
          of.hasError = true;
          of.keyBuf = buf;
          of.keyEnd = of.keyStart;
        } else {
          of.keyBuf = decoded;
          of.keyStart = 0;
          of.keyEnd = decoded.length;
        }
        of.keyBinary = true;
        break;
      }
      case 0x4e: // N
      case 0x54: // T
      case 0x52: {
        // R
        of.locked = true;
        const v = parseInt32(buf, ts + 1, te);
        if (v === null) {
          of.error = 'CLIENT_ERROR bad token in command line format';
          of.hasError = true;
        } else {
          const when = store.realtime(v < 0 ? REALTIME_MAXDELTA + 1 : v);
          if (o === 0x4e) {
            of.vivify = true;
            of.autovivExptime = when;
          } else if (o === 0x54) {
            of.exptime = when;
            of.newTtl = true;
          } else {
            of.recacheTime = when;
          }
        }
        if (o === 0x4e) of.vivify = true;
        break;
      }
      case 0x6c: // l
        of.la = true;
        of.locked = true;
        break;
      case 0x4f: // O
      case 0x50: // P
      case 0x4c: // L
      case 0x6b: // k
      case 0x73: // s
      case 0x74: // t
      case 0x63: // c
      case 0x66: // f
        break;
      case 0x76: // v
        of.value = true;
        break;
      case 0x68: // h
        of.locked = true;
        break;
      case 0x75: // u
        of.noUpdate = true;
        break;
      case 0x71: // q
        of.noReply = true;
        break;
      case 0x46: {
        // F
        const v = parseUint32(buf, ts + 1, te);
        if (v === null) of.hasError = true;
        else of.clientFlags = v;
        break;
      }
      case 0x43: {
        // C
        const v = parseUint64(buf, ts + 1, te);
        if (v === null) {
          of.error = 'CLIENT_ERROR bad token in command line format';
          of.hasError = true;
        } else {
          of.reqCas = casNumber(v);
          of.hasCas = true;
        }
        break;
      }
      case 0x4d: // M
        if (te - ts !== 2) {
          of.error = 'CLIENT_ERROR incorrect length for M token';
          of.hasError = true;
        } else {
          of.mode = buf[ts + 1];
        }
        break;
      case 0x4a: {
        // J
        const v = parseUint64(buf, ts + 1, te);
        if (v === null) {
          of.error = 'CLIENT_ERROR invalid numeric initial value';
          of.hasError = true;
        } else of.initial = v;
        break;
      }
      case 0x44: {
        // D
        const v = parseUint64(buf, ts + 1, te);
        if (v === null) {
          of.error = 'CLIENT_ERROR invalid numeric delta value';
          of.hasError = true;
        } else of.delta = v;
        break;
      }
      case 0x49: // I
        of.setStale = true;
        break;
      default:
        of.error = 'CLIENT_ERROR invalid flag';
        return false;
    }
  }
  return !of.hasError;
}

export function processMeta(c: McConnection, t: Tokens, second: number): void {
  switch (second) {
    case 0x67: // g
      return mget(c, t);
    case 0x73: // s
      return mset(c, t);
    case 0x64: // d
      return mdelete(c, t);
    case 0x6e: // n
      c.outString('MN');
      c.markSent(); // mn forces the pending replies out
      return;
    case 0x61: // a
      return marith(c, t);
    case 0x65: // e
      return mdebug(c, t);
    default:
      c.outString('ERROR');
  }
}

/** " k<key>", base64 with a trailing " b" for binary keys (memcached's META_KEY). */
function metaKey(c: McConnection, key: Buffer, start: number, end: number, binary: boolean): void {
  const out = c.out;
  out.ascii(' k');
  if (binary) {
    out.ascii(base64Encode(key, start, end));
    out.ascii(' b');
  } else {
    out.bytes(key, start, end);
  }
}

/** Appends the 'O' and 'k' flags (the only ones a miss or failure echoes); false on a too-long opaque. */
function echoOpaqueAndKey(c: McConnection, t: Tokens): boolean {
  for (let i = 2; i < t.ntokens - 1; i++) {
    const ch = t.buf[t.starts[i]];
    if (ch === 0x4f) {
      if (t.len(i) > MFLAG_MAX_OPAQUE_LENGTH) return false;
      c.out.byte(0x20);
      c.out.bytes(t.buf, t.starts[i], t.ends[i]);
    } else if (ch === 0x6b) {
      metaKey(c, of.keyBuf, of.keyStart, of.keyEnd, of.keyBinary);
    }
  }
  return true;
}

// ---- mg ---------------------------------------------------------------------------------

function mget(c: McConnection, t: Tokens): void {
  const store = c.store;
  const out = c.out;
  if (t.ntokens < 3) return c.outString('ERROR');
  if (t.len(1) > KEY_MAX_LENGTH) return c.outError('CLIENT_ERROR bad command line format');
  if (t.ntokens > MFLAG_MAX_OPT_LENGTH) return c.outError('CLIENT_ERROR options flags are too long');
  of.reset(t);
  if (!preparse(c, t, 2)) return c.outError(of.error);
  c.noreply = of.noReply;
  const kb = of.keyBuf;
  const ks = of.keyStart;
  const ke = of.keyEnd;
  let it = of.locked ? store.get(kb, ks, ke, false) : store.get(kb, ks, ke, !of.noUpdate);
  let created = false;
  if (it < 0 && of.vivify) {
    const id = store.alloc(kb, ks, ke, 0, 0, 0);
    if (id >= 0) {
      store.link(id);
      it = id;
      created = true;
    }
  }
  const mark = out.len;
  let ttlSet = false;
  if (it >= 0) {
    let won = false;
    const vlen = store.valLen(it);
    if (of.value) {
      out.ascii('VA ');
      out.uint(vlen);
    } else {
      out.ascii('HD');
    }
    for (let i = 2; i < t.ntokens - 1; i++) {
      const ts = t.starts[i];
      switch (t.buf[ts]) {
        case 0x54: // T
          ttlSet = true;
          store.setExptime(it, of.exptime);
          break;
        case 0x4e: // N
          if (created) {
            store.setExptime(it, of.autovivExptime);
            won = true;
          }
          break;
        case 0x52: {
          // R
          const exp = store.exptimeOf(it);
          if ((store.flagBits(it) & ItemFlag.TokenSent) === 0 && !created && exp !== 0 && exp < of.recacheTime) won = true;
          break;
        }
        case 0x73: // s
          out.ascii(' s');
          out.uint(vlen);
          break;
        case 0x74: {
          // t
          const exp = store.exptimeOf(it);
          out.ascii(' t');
          if (exp === 0) out.ascii('-1');
          else out.uint((exp - store.now) >>> 0);
          break;
        }
        case 0x63: // c
          out.ascii(' c');
          out.uint(store.casOf(it));
          break;
        case 0x66: // f
          out.ascii(' f');
          out.uint(store.flagsOf(it));
          break;
        case 0x6c: // l
          out.ascii(' l');
          out.uint((store.now - store.timeOf(it)) >>> 0);
          break;
        case 0x68: // h
          out.ascii((store.flagBits(it) & ItemFlag.Fetched) !== 0 ? ' h1' : ' h0');
          break;
        case 0x4f: // O
          if (t.len(i) > MFLAG_MAX_OPAQUE_LENGTH) {
            out.truncate(mark);
            return c.outError('CLIENT_ERROR opaque token too long');
          }
          out.byte(0x20);
          out.bytes(t.buf, ts, t.ends[i]);
          break;
        case 0x6b: {
          // k
          const kbuf = store.keyBuffer(it);
          const koff = store.keyOffset(it);
          metaKey(c, kbuf, koff, koff + store.keyLen(it), (store.flagBits(it) & ItemFlag.KeyBinary) !== 0);
          break;
        }
      }
    }
    const f = store.flagBits(it);
    if ((f & ItemFlag.TokenSent) !== 0) out.ascii(' Z');
    if ((f & ItemFlag.Stale) !== 0) {
      out.ascii(' X');
      if ((f & ItemFlag.TokenSent) === 0) won = true;
    }
    if (won) {
      out.ascii(' W');
      store.setFlagBits(it, store.flagBits(it) | (ItemFlag.TokenSent));
    }
    out.crlf();
    if (of.value) {
      const vb = store.valueBuffer(it);
      const vo = store.valueOffset(it);
      out.bytes(vb, vo, vo + vlen);
      out.crlf();
    }
    // h and l report the state before this fetch, so the bump comes last.
    if (of.locked && !of.noUpdate) store.bump(it);
    if (ttlSet) {
      store.counters.touchCmds++;
      store.hits.touchHits[store.classOf(it)]++;
    } else {
      store.hits.getHits[store.classOf(it)]++;
      store.counters.getCmds++;
    }
    return;
  }
  store.counters.getMisses++;
  store.counters.getCmds++;
  out.ascii('EN');
  if (!echoOpaqueAndKey(c, t)) {
    out.truncate(mark);
    return c.outError('CLIENT_ERROR opaque token too long');
  }
  out.crlf();
  if (c.noreply) out.truncate(mark);
}

// ---- ms ---------------------------------------------------------------------------------

function mset(c: McConnection, t: Tokens): void {
  const store = c.store;
  const buf = t.buf;
  if (t.ntokens < 3) return c.outString('ERROR');
  if (t.len(1) > KEY_MAX_LENGTH) return c.outError('CLIENT_ERROR bad command line format');
  if (t.ntokens === 3) return c.outError('CLIENT_ERROR bad command line format');
  if (t.ntokens > MFLAG_MAX_OPT_LENGTH) return c.outError('CLIENT_ERROR options flags too long');
  const vlen = parseInt32(buf, t.starts[2], t.ends[2]);
  if (vlen === null || vlen < 0 || vlen > INT_MAX - 2) return c.outError('CLIENT_ERROR bad command line format');
  of.reset(t);
  const failed = (msg: string): void => {
    c.outError(msg);
    c.swallow(vlen + 2);
  };
  if (!preparse(c, t, 3)) return failed(of.error);
  c.noreply = of.noReply;
  c.msetEcho.length = 0;
  let error: string | null = null;
  for (let i = 2; i < t.ntokens - 1; i++) {
    const ch = buf[t.starts[i]];
    if (ch === 0x4f) {
      if (t.len(i) > MFLAG_MAX_OPAQUE_LENGTH) error = 'CLIENT_ERROR opaque token too long';
      else c.msetEcho.push(t.str(i));
    } else if (ch === 0x6b) c.msetEcho.push('k');
    else if (ch === 0x63) c.msetEcho.push('c');
  }
  let mode: StoreMode;
  switch (of.mode) {
    case 0:
    case 0x53: // S
      mode = StoreMode.Set;
      break;
    case 0x45: // E
      mode = StoreMode.Add;
      break;
    case 0x41: // A
      mode = StoreMode.Append;
      break;
    case 0x50: // P
      mode = StoreMode.Prepend;
      break;
    case 0x52: // R
      mode = StoreMode.Replace;
      break;
    default:
      return failed('CLIENT_ERROR invalid mode for ms M token');
  }
  // A CAS turns set and replace into a compare-and-swap.
  if (of.hasCas && (mode === StoreMode.Set || mode === StoreMode.Replace)) mode = StoreMode.Cas;
  if (error !== null) return failed(error);
  const kb = of.keyBuf;
  const ks = of.keyStart;
  const ke = of.keyEnd;
  const id = store.alloc(kb, ks, ke, of.clientFlags, of.exptime, vlen);
  if (id < 0) {
    if (id === ALLOC_TOO_LARGE) store.counters.storeTooLarge++;
    else store.counters.storeNoMemory++;
    store.removeKey(kb, ks, ke);
    return failed(id === ALLOC_TOO_LARGE ? 'SERVER_ERROR object too large for cache' : 'SERVER_ERROR out of memory storing object');
  }
  store.setRequestedCas(id, of.reqCas);
  if (of.keyBinary) store.setFlagBits(id, store.flagBits(id) | (ItemFlag.KeyBinary));
  c.msetKeyBinary = of.keyBinary;
  c.msetKey = c.msetEcho.includes('k') ? Buffer.from(kb.subarray(ks, ke)) : null;
  c.nreadMode = mode;
  c.nreadStale = of.setStale && mode === StoreMode.Cas;
  c.beginRead(NreadKind.MetaSet, id, store.valueBuffer(id), store.valueOffset(id), vlen, true);
}

/** The reply to ms once its data block was stored (memcached's _finalize_mset). */
export function finishMetaSet(c: McConnection, ret: StoreResult): void {
  const out = c.out;
  const mark = out.len;
  switch (ret) {
    case StoreResult.Stored:
      out.ascii('HD');
      break;
    case StoreResult.Exists:
      out.ascii('EX');
      break;
    case StoreResult.NotFound:
      out.ascii('NF');
      break;
    default:
      out.ascii('NS');
  }
  for (const e of c.msetEcho) {
    if (e === 'k') {
      const key = c.msetKey!;
      metaKey(c, key, 0, key.length, c.msetKeyBinary);
    } else if (e === 'c') {
      out.ascii(' c');
      out.uint(ret === StoreResult.Stored ? c.store.lastCas : 0);
    } else {
      out.byte(0x20);
      out.ascii(e);
    }
  }
  out.crlf();
  if (ret === StoreResult.Stored && c.noreply) out.truncate(mark);
}

// ---- md ---------------------------------------------------------------------------------

function mdelete(c: McConnection, t: Tokens): void {
  const store = c.store;
  const out = c.out;
  if (t.ntokens < 3) return c.outString('ERROR');
  if (t.len(1) > KEY_MAX_LENGTH) return c.outString('CLIENT_ERROR bad command line format');
  if (t.ntokens > MFLAG_MAX_OPT_LENGTH) return c.outString('CLIENT_ERROR options flags too long');
  of.reset(t);
  if (!preparse(c, t, 2)) return c.outError('CLIENT_ERROR invalid or duplicate flag');
  c.noreply = of.noReply;
  const kb = of.keyBuf;
  const ks = of.keyStart;
  const ke = of.keyEnd;
  const mark = out.len;
  out.ascii('XX');
  if (!echoOpaqueAndKey(c, t)) {
    out.truncate(mark);
    return c.outError('CLIENT_ERROR opaque token too long');
  }
  const it = store.get(kb, ks, ke, false);
  let code: string;
  let nominal = false;
  if (it >= 0) {
    if (of.hasCas && store.casOf(it) !== of.reqCas) {
      store.counters.deleteMisses++;
      code = 'EX';
    } else if (of.setStale) {
      // Invalidate: keep the item, mark it stale, let the next fetcher win.
      if (of.newTtl) store.setExptime(it, of.exptime);
      store.setFlagBits(it, (store.flagBits(it) | ItemFlag.Stale) & ~ItemFlag.TokenSent);
      store.renewCas(it);
      code = 'HD';
      nominal = true;
    } else {
      store.hits.deleteHits[store.classOf(it)]++;
      store.unlink(it);
      code = 'HD';
      nominal = true;
    }
  } else {
    store.counters.deleteMisses++;
    code = 'NF';
  }
  out.buf[mark] = code.charCodeAt(0);
  out.buf[mark + 1] = code.charCodeAt(1);
  out.crlf();
  if (nominal && c.noreply) out.truncate(mark);
}

// ---- ma ---------------------------------------------------------------------------------

function marith(c: McConnection, t: Tokens): void {
  const store = c.store;
  const out = c.out;
  if (t.ntokens < 3) return c.outString('ERROR');
  if (t.len(1) > KEY_MAX_LENGTH) return c.outString('CLIENT_ERROR bad command line format');
  if (t.ntokens > MFLAG_MAX_OPT_LENGTH) return c.outString('CLIENT_ERROR options flags too long');
  of.reset(t);
  if (!preparse(c, t, 2)) return c.outError('CLIENT_ERROR invalid or duplicate flag');
  c.noreply = of.noReply;
  const kb = of.keyBuf;
  const ks = of.keyStart;
  const ke = of.keyEnd;
  let incr = true;
  switch (of.mode) {
    case 0:
    case 0x49: // I
    case 0x2b: // +
      break;
    case 0x44: // D
    case 0x2d: // -
      incr = false;
      break;
    default:
      return c.outError('CLIENT_ERROR invalid mode for ma M token');
  }
  const mark = out.len;
  let it = -1;
  let created = false;
  let valueText = '';
  let skip = false;
  let code = '';
  switch (store.delta(kb, ks, ke, incr, of.delta, of.hasCas ? of.reqCas : 0)) {
    case DeltaResult.Ok:
      it = store.deltaId;
      valueText = store.deltaValue.toString();
      skip = c.noreply;
      break;
    case DeltaResult.NonNumeric:
      return c.outError('CLIENT_ERROR cannot increment or decrement non-numeric value');
    case DeltaResult.NoMemory:
      return c.outError('SERVER_ERROR out of memory');
    case DeltaResult.NotFound:
      if (of.vivify) {
        valueText = of.initial.toString();
        const id = store.alloc(kb, ks, ke, 0, 0, valueText.length);
        if (id < 0) return c.outError('SERVER_ERROR Out of memory allocating new item');
        store.valueBuffer(id).latin1Write(valueText, store.valueOffset(id), valueText.length);
        if (store.store(id, StoreMode.Add) === StoreResult.Stored) {
          it = store.find(kb, ks, ke);
          created = true;
        } else {
          code = 'NS';
        }
      } else {
        if (incr) store.counters.incrMisses++;
        else store.counters.decrMisses++;
        code = 'NF';
      }
      break;
    case DeltaResult.CasMismatch:
      code = 'EX';
      break;
  }
  if (it >= 0) {
    if (of.value) {
      out.ascii('VA ');
      out.uint(valueText.length);
    } else {
      out.ascii('HD');
    }
    for (let i = 2; i < t.ntokens - 1; i++) {
      const ts = t.starts[i];
      switch (t.buf[ts]) {
        case 0x63: // c
          out.ascii(' c');
          out.uint(store.casOf(it));
          break;
        case 0x74: {
          // t
          const exp = store.exptimeOf(it);
          out.ascii(' t');
          if (exp === 0) out.ascii('-1');
          else out.uint((exp - store.now) >>> 0);
          break;
        }
        case 0x54: // T
          store.setExptime(it, of.exptime);
          break;
        case 0x4e: // N
          if (created) store.setExptime(it, of.autovivExptime);
          break;
        case 0x4f: // O
          if (t.len(i) > MFLAG_MAX_OPAQUE_LENGTH) {
            out.truncate(mark);
            return c.outError('CLIENT_ERROR opaque token too long');
          }
          out.byte(0x20);
          out.bytes(t.buf, ts, t.ends[i]);
          break;
        case 0x6b: // k
          metaKey(c, kb, ks, ke, of.keyBinary);
          break;
      }
    }
    if (of.value) {
      out.crlf();
      out.ascii(valueText);
    }
  } else {
    out.ascii(code);
    if (!echoOpaqueAndKey(c, t)) {
      out.truncate(mark);
      return c.outError('CLIENT_ERROR opaque token too long');
    }
  }
  out.crlf();
  if (skip) out.truncate(mark);
}

// ---- me ---------------------------------------------------------------------------------

function mdebug(c: McConnection, t: Tokens): void {
  const store = c.store;
  store.counters.metaCmds++;
  if (t.ntokens < 3 || t.len(1) > KEY_MAX_LENGTH) return c.outString('CLIENT_ERROR bad command line format');
  let kb = t.buf;
  let ks = t.starts[1];
  let ke = t.ends[1];
  if (t.ntokens >= 4 && t.is(2, 'b')) {
    const decoded = base64Decode(kb, ks, ke);
    if (decoded === null) return c.outString('CLIENT_ERROR bad command line format');
    kb = decoded;
    ks = 0;
    ke = decoded.length;
  }
  const it = store.get(kb, ks, ke, false);
  if (it < 0) return c.outString('EN');
  const out = c.out;
  out.ascii('ME ');
  const kbuf = store.keyBuffer(it);
  const koff = store.keyOffset(it);
  if ((store.flagBits(it) & ItemFlag.KeyBinary) !== 0) out.ascii(base64Encode(kbuf, koff, koff + store.keyLen(it)));
  else out.bytes(kbuf, koff, koff + store.keyLen(it));
  const exp = store.exptimeOf(it);
  out.ascii(
    ` exp=${exp === 0 ? -1 : (store.now - exp) | 0} la=${store.now - store.timeOf(it)} cas=${store.casOf(it)} ` +
      `fetch=${(store.flagBits(it) & ItemFlag.Fetched) !== 0 ? 'yes' : 'no'} cls=${store.classOf(it)} size=${store.total(it)}\r\n`,
  );
}
