// The `cjson` library Redis scripts use (Lua CJSON 2.1.0 as Redis ships it):
// encode/decode with its options (max depths, sparse arrays, invalid numbers, number
// precision), its error messages ("Expected comma or array end but found T_END at
// character 5"), and cjson.null. Strings stay bytes: JSON is read and written as
// UTF-8 byte sequences, \uXXXX escapes decode to UTF-8.

import { lua, lauxlib, lstr, pushStr, toBuf, setFuncs, raiseWhere, formatG, setField } from './lua.js';

type L = unknown;

interface Config {
  encodeSparseConvert: boolean;
  encodeSparseRatio: number;
  encodeSparseSafe: number;
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  encodeInvalidNumbers: boolean | 'null';
  decodeInvalidNumbers: boolean;
  encodeKeepBuffer: boolean;
  encodeNumberPrecision: number;
}

function defaults(): Config {
  return {
    encodeSparseConvert: false,
    encodeSparseRatio: 2,
    encodeSparseSafe: 10,
    encodeMaxDepth: 1000,
    decodeMaxDepth: 1000,
    encodeInvalidNumbers: false,
    decodeInvalidNumbers: true,
    encodeKeepBuffer: true,
    encodeNumberPrecision: 14,
  };
}

/** Escapes for the bytes JSON strings cannot hold raw, as cjson writes them. */
const ESCAPES: string[] = [];
for (let c = 0; c < 256; c++) {
  if (c < 32 || c === 127) ESCAPES[c] = '\\u' + c.toString(16).padStart(4, '0');
}
ESCAPES[8] = '\\b';
ESCAPES[9] = '\\t';
ESCAPES[10] = '\\n';
ESCAPES[12] = '\\f';
ESCAPES[13] = '\\r';
ESCAPES[34] = '\\"';
ESCAPES[47] = '\\/';
ESCAPES[92] = '\\\\';

function typeName(L: L, idx: number): string {
  return String(Buffer.from(lua.lua_typename(L, lua.lua_type(L, idx))).toString('latin1'));
}

// ---- encode ----------------------------------------------------------------------

class Encoder {
  out: string[] = [];
  constructor(
    readonly L: L,
    readonly cfg: Config,
  ) {}

  fail(idx: number, reason: string): never {
    return raiseWhere(this.L, `Cannot serialise ${typeName(this.L, idx)}: ${reason}`);
  }

  value(depth: number): void {
    const L = this.L;
    switch (lua.lua_type(L, -1)) {
      case lua.LUA_TSTRING:
        this.string(toBuf(L, -1)!);
        return;
      case lua.LUA_TNUMBER:
        this.number(-1);
        return;
      case lua.LUA_TBOOLEAN:
        this.out.push(lua.lua_toboolean(L, -1) ? 'true' : 'false');
        return;
      case lua.LUA_TTABLE: {
        depth++;
        if (depth > this.cfg.encodeMaxDepth) raiseWhere(L, `Cannot serialise, excessive nesting (${depth})`);
        lauxlib.luaL_checkstack(L, 3, lstr('encode'));
        const len = this.arrayLength();
        if (len > 0) this.array(depth, len);
        else this.object(depth);
        return;
      }
      case lua.LUA_TNIL:
        this.out.push('null');
        return;
      case lua.LUA_TLIGHTUSERDATA:
        if (lua.lua_touserdata(L, -1) === null) {
          this.out.push('null');
          return;
        }
        return this.fail(-1, 'type not supported');
      default:
        return this.fail(-1, 'type not supported');
    }
  }

  string(b: Buffer): void {
    let s = '"';
    let from = 0;
    for (let i = 0; i < b.length; i++) {
      const e = ESCAPES[b[i]];
      if (e !== undefined) {
        s += b.latin1Slice(from, i) + e;
        from = i + 1;
      }
    }
    this.out.push(s + b.latin1Slice(from, b.length) + '"');
  }

  number(idx: number): void {
    const n = lua.lua_tonumber(this.L, idx);
    if (!Number.isFinite(n)) {
      const mode = this.cfg.encodeInvalidNumbers;
      if (mode === false) this.fail(idx, 'must not be NaN or Inf');
      if (mode === 'null') {
        this.out.push('null');
        return;
      }
      this.out.push(Number.isNaN(n) ? 'NaN' : n < 0 ? '-Infinity' : 'Infinity');
      return;
    }
    this.out.push(formatG(n, this.cfg.encodeNumberPrecision));
  }

  /** The array length of the table on top (keys 1..max), 0 when it is an object, as cjson decides. */
  arrayLength(): number {
    const L = this.L;
    let max = 0;
    let items = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      if (lua.lua_type(L, -2) === lua.LUA_TNUMBER) {
        const k = lua.lua_tonumber(L, -2);
        if (k !== 0 && Math.floor(k) === k && k >= 1) {
          if (k > max) max = k;
          items++;
          lua.lua_pop(L, 1);
          continue;
        }
      }
      lua.lua_pop(L, 2);
      return -1;
    }
    const c = this.cfg;
    if (c.encodeSparseRatio > 0 && max > items * c.encodeSparseRatio && max > c.encodeSparseSafe) {
      if (!c.encodeSparseConvert) this.fail(-1, 'excessively sparse array');
      return -1;
    }
    return max;
  }

  array(depth: number, len: number): void {
    const L = this.L;
    this.out.push('[');
    for (let i = 1; i <= len; i++) {
      if (i > 1) this.out.push(',');
      lua.lua_rawgeti(L, -1, i);
      this.value(depth);
      lua.lua_pop(L, 1);
    }
    this.out.push(']');
  }

  object(depth: number): void {
    const L = this.L;
    this.out.push('{');
    let first = true;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      if (!first) this.out.push(',');
      first = false;
      const kt = lua.lua_type(L, -2);
      if (kt === lua.LUA_TSTRING) {
        this.string(toBuf(L, -2)!);
        this.out.push(':');
      } else if (kt === lua.LUA_TNUMBER) {
        this.out.push('"');
        this.number(-2);
        this.out.push('":');
      } else {
        this.fail(-2, 'table key must be a number or string');
      }
      this.value(depth);
      lua.lua_pop(L, 1);
    }
    this.out.push('}');
  }
}

function encode(L: L, cfg: Config): number {
  if (lua.lua_gettop(L) !== 1) lauxlib.luaL_argerror(L, 1, lstr('expected 1 argument'));
  const enc = new Encoder(L, cfg);
  enc.value(0);
  pushStr(L, enc.out.join(''));
  return 1;
}

// ---- decode ----------------------------------------------------------------------

const enum T {
  ObjBegin,
  ObjEnd,
  ArrBegin,
  ArrEnd,
  String,
  Number,
  Boolean,
  Null,
  Colon,
  Comma,
  End,
  Whitespace,
  Error,
  Unknown,
}

const TOKEN_NAMES = ['T_OBJ_BEGIN', 'T_OBJ_END', 'T_ARR_BEGIN', 'T_ARR_END', 'T_STRING', 'T_NUMBER', 'T_BOOLEAN', 'T_NULL', 'T_COLON', 'T_COMMA', 'T_END', 'T_WHITESPACE', 'T_ERROR', 'T_UNKNOWN'];

interface Token {
  type: T;
  index: number;
  str?: Buffer;
  num?: number;
  bool?: boolean;
  error?: string;
}

const NUMBER_RE = /^[-+]?(?:0[xX][0-9a-fA-F]+|inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/i;

class Decoder {
  pos = 0;
  depth = 0;
  constructor(
    readonly L: L,
    readonly cfg: Config,
    readonly data: Buffer,
  ) {}

  fail(expected: string, t: Token): never {
    const found = t.type === T.Error ? t.error! : TOKEN_NAMES[t.type];
    return raiseWhere(this.L, `Expected ${expected} but found ${found} at character ${t.index + 1}`);
  }

  next(): Token {
    const d = this.data;
    while (this.pos < d.length && (d[this.pos] === 32 || d[this.pos] === 9 || d[this.pos] === 10 || d[this.pos] === 13)) this.pos++;
    const index = this.pos;
    if (this.pos >= d.length) return { type: T.End, index };
    const c = d[this.pos];
    switch (c) {
      case 123:
        this.pos++;
        return { type: T.ObjBegin, index };
      case 125:
        this.pos++;
        return { type: T.ObjEnd, index };
      case 91:
        this.pos++;
        return { type: T.ArrBegin, index };
      case 93:
        this.pos++;
        return { type: T.ArrEnd, index };
      case 44:
        this.pos++;
        return { type: T.Comma, index };
      case 58:
        this.pos++;
        return { type: T.Colon, index };
      case 34:
        return this.stringToken(index);
    }
    if (c === 45 || (c >= 48 && c <= 57) || (this.cfg.decodeInvalidNumbers && (c === 73 || c === 105 || c === 78 || c === 110) && this.looksInvalidNumber())) {
      return this.numberToken(index);
    }
    if (this.matches('true')) {
      this.pos += 4;
      return { type: T.Boolean, index, bool: true };
    }
    if (this.matches('false')) {
      this.pos += 5;
      return { type: T.Boolean, index, bool: false };
    }
    if (this.matches('null')) {
      this.pos += 4;
      return { type: T.Null, index };
    }
    return { type: T.Error, index, error: 'invalid token' };
  }

  private matches(word: string): boolean {
    return this.data.latin1Slice(this.pos, this.pos + word.length) === word;
  }

  private looksInvalidNumber(): boolean {
    const s = this.data.latin1Slice(this.pos, this.pos + 3).toLowerCase();
    return s === 'inf' || s === 'nan';
  }

  private numberToken(index: number): Token {
    const text = this.data.latin1Slice(this.pos, Math.min(this.data.length, this.pos + 400));
    if (!this.cfg.decodeInvalidNumbers && /^-?(0[xX0-9]|inf|nan)/i.test(text)) {
      return { type: T.Error, index, error: 'invalid number' };
    }
    const m = NUMBER_RE.exec(text);
    if (!m) return { type: T.Error, index, error: 'invalid number' };
    this.pos += m[0].length;
    const s = m[0].toLowerCase();
    let num: number;
    if (s.includes('x')) num = (s.startsWith('-') ? -1 : 1) * parseInt(s.replace(/^[-+]?0x/, ''), 16);
    else if (s.includes('inf')) num = s.startsWith('-') ? -Infinity : Infinity;
    else if (s.includes('nan')) num = NaN;
    else num = Number(s);
    return { type: T.Number, index, num };
  }

  private stringToken(index: number): Token {
    const d = this.data;
    this.pos++;
    const parts: number[] = [];
    for (;;) {
      if (this.pos >= d.length) return { type: T.Error, index, error: 'unexpected end of string' };
      const c = d[this.pos];
      if (c === 34) {
        this.pos++;
        return { type: T.String, index, str: Buffer.from(parts) };
      }
      if (c !== 92) {
        parts.push(c);
        this.pos++;
        continue;
      }
      const e = d[this.pos + 1];
      switch (e) {
        case 34:
        case 92:
        case 47:
          parts.push(e);
          this.pos += 2;
          break;
        case 98:
          parts.push(8);
          this.pos += 2;
          break;
        case 102:
          parts.push(12);
          this.pos += 2;
          break;
        case 110:
          parts.push(10);
          this.pos += 2;
          break;
        case 114:
          parts.push(13);
          this.pos += 2;
          break;
        case 116:
          parts.push(9);
          this.pos += 2;
          break;
        case 117: {
          const cp = this.unicodeEscape();
          if (cp < 0) return { type: T.Error, index, error: 'invalid unicode escape code' };
          parts.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
          break;
        }
        default:
          return { type: T.Error, index, error: 'invalid escape code' };
      }
    }
  }

  /** Reads \uXXXX (and a following low surrogate) at pos; returns the code point or -1. */
  private unicodeEscape(): number {
    const hex = (at: number): number => {
      const s = this.data.latin1Slice(at, at + 4);
      return /^[0-9a-fA-F]{4}$/.test(s) ? parseInt(s, 16) : -1;
    };
    const hi = hex(this.pos + 2);
    if (hi < 0) return -1;
    this.pos += 6;
    if (hi >= 0xdc00 && hi <= 0xdfff) return -1;
    if (hi >= 0xd800 && hi <= 0xdbff) {
      if (this.data[this.pos] !== 92 || this.data[this.pos + 1] !== 117) return -1;
      const lo = hex(this.pos + 2);
      if (lo < 0xdc00 || lo > 0xdfff) return -1;
      this.pos += 6;
      return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
    }
    return hi;
  }

  /** Pushes the value starting with token t. */
  value(t: Token): void {
    const L = this.L;
    switch (t.type) {
      case T.String:
        pushStr(L, t.str!);
        return;
      case T.Number:
        lua.lua_pushnumber(L, t.num!);
        return;
      case T.Boolean:
        lua.lua_pushboolean(L, t.bool!);
        return;
      case T.Null:
        lua.lua_pushlightuserdata(L, null);
        return;
      case T.ObjBegin:
        this.object(t);
        return;
      case T.ArrBegin:
        this.array(t);
        return;
      default:
        this.fail('value', t);
    }
  }

  private enter(t: Token): void {
    this.depth++;
    if (this.depth > this.cfg.decodeMaxDepth) {
      raiseWhere(this.L, `Found too many nested data structures (${this.depth}) at character ${t.index}`);
    }
    lauxlib.luaL_checkstack(this.L, 3, lstr('decode'));
  }

  private object(open: Token): void {
    const L = this.L;
    this.enter(open);
    lua.lua_newtable(L);
    let t = this.next();
    if (t.type === T.ObjEnd) {
      this.depth--;
      return;
    }
    for (;;) {
      if (t.type !== T.String) this.fail('object key string', t);
      pushStr(L, t.str!);
      t = this.next();
      if (t.type !== T.Colon) this.fail('colon', t);
      this.value(this.next());
      lua.lua_rawset(L, -3);
      t = this.next();
      if (t.type === T.ObjEnd) {
        this.depth--;
        return;
      }
      if (t.type !== T.Comma) this.fail('comma or object end', t);
      t = this.next();
    }
  }

  private array(open: Token): void {
    const L = this.L;
    this.enter(open);
    lua.lua_newtable(L);
    let t = this.next();
    if (t.type === T.ArrEnd) {
      this.depth--;
      return;
    }
    for (let i = 1; ; i++) {
      this.value(t);
      lua.lua_rawseti(L, -2, i);
      t = this.next();
      if (t.type === T.ArrEnd) {
        this.depth--;
        return;
      }
      if (t.type !== T.Comma) this.fail('comma or array end', t);
      t = this.next();
    }
  }
}

function decode(L: L, cfg: Config): number {
  if (lua.lua_gettop(L) !== 1) lauxlib.luaL_argerror(L, 1, lstr('expected 1 argument'));
  lauxlib.luaL_checklstring(L, 1);
  const data = Buffer.from(toBuf(L, 1)!);
  if (data.length >= 2 && (data[0] === 0 || data[1] === 0)) raiseWhere(L, 'JSON parser does not support UTF-16 or UTF-32');
  const dec = new Decoder(L, cfg, data);
  dec.value(dec.next());
  const end = dec.next();
  if (end.type !== T.End) dec.fail('the end', end);
  return 1;
}

// ---- configuration functions ----------------------------------------------------------

function intOption(L: L, idx: number, min: number, max: number, current: number): number {
  if (lua.lua_isnoneornil(L, idx)) return current;
  const n = lauxlib.luaL_checknumber(L, idx);
  if (!(Math.floor(n) === n && n >= min && n <= max)) lauxlib.luaL_argerror(L, idx, lstr(`expected integer between ${min} and ${max}`));
  return n;
}

function boolOption(L: L, idx: number, current: boolean, allowNull = false): boolean | 'null' {
  if (lua.lua_isnoneornil(L, idx)) return current;
  if (lua.lua_type(L, idx) === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, idx);
  const s = lua.lua_type(L, idx) === lua.LUA_TSTRING ? toBuf(L, idx)!.toString('latin1') : '';
  if (s === 'on') return true;
  if (s === 'off') return false;
  if (allowNull && s === 'null') return 'null';
  return lauxlib.luaL_argerror(L, idx, lstr(allowNull ? "invalid option 'null'" : 'invalid option'));
}

function pushOption(L: L, v: boolean | 'null' | number): void {
  if (typeof v === 'number') lua.lua_pushnumber(L, v);
  else if (v === 'null') pushStr(L, 'null');
  else lua.lua_pushboolean(L, v);
}

/** Opens `cjson` as a global table with its own configuration. */
export function openCjson(L: L): void {
  const cfg = defaults();
  lua.lua_newtable(L);
  setFuncs(L, {
    encode: (S) => encode(S, cfg),
    decode: (S) => decode(S, cfg),
    encode_sparse_array: (S) => {
      cfg.encodeSparseConvert = boolOption(S, 1, cfg.encodeSparseConvert) === true;
      cfg.encodeSparseRatio = intOption(S, 2, 0, 2147483647, cfg.encodeSparseRatio);
      cfg.encodeSparseSafe = intOption(S, 3, 0, 2147483647, cfg.encodeSparseSafe);
      pushOption(S, cfg.encodeSparseConvert);
      pushOption(S, cfg.encodeSparseRatio);
      pushOption(S, cfg.encodeSparseSafe);
      return 3;
    },
    encode_max_depth: (S) => {
      cfg.encodeMaxDepth = intOption(S, 1, 1, 2147483647, cfg.encodeMaxDepth);
      pushOption(S, cfg.encodeMaxDepth);
      return 1;
    },
    decode_max_depth: (S) => {
      cfg.decodeMaxDepth = intOption(S, 1, 1, 2147483647, cfg.decodeMaxDepth);
      pushOption(S, cfg.decodeMaxDepth);
      return 1;
    },
    encode_number_precision: (S) => {
      cfg.encodeNumberPrecision = intOption(S, 1, 1, 14, cfg.encodeNumberPrecision);
      pushOption(S, cfg.encodeNumberPrecision);
      return 1;
    },
    encode_keep_buffer: (S) => {
      cfg.encodeKeepBuffer = boolOption(S, 1, cfg.encodeKeepBuffer) === true;
      pushOption(S, cfg.encodeKeepBuffer);
      return 1;
    },
    encode_invalid_numbers: (S) => {
      if (!lua.lua_isnoneornil(S, 1)) cfg.encodeInvalidNumbers = boolOption(S, 1, false, true);
      pushOption(S, cfg.encodeInvalidNumbers);
      return 1;
    },
    decode_invalid_numbers: (S) => {
      cfg.decodeInvalidNumbers = boolOption(S, 1, cfg.decodeInvalidNumbers) === true;
      pushOption(S, cfg.decodeInvalidNumbers);
      return 1;
    },
  });
  lua.lua_pushlightuserdata(L, null);
  setField(L, -2, 'null');
  pushStr(L, 'cjson');
  setField(L, -2, '_NAME');
  pushStr(L, '2.1.0');
  setField(L, -2, '_VERSION');
  lua.lua_setglobal(L, Buffer.from('cjson'));
}
