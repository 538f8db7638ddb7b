// Geo commands: GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE GEORADIUS
// GEORADIUSBYMEMBER and their _RO forms. Points are sorted-set members whose score
// is the 52-bit geohash (src/engine/geohash.ts), exactly as Redis stores them, so
// ZRANGE & co. see the same data.

import { CommandError, Errors } from '../../protocol/resp/errors.js';
import { parseDouble } from '../../protocol/resp/numbers.js';
import { ValueType } from '../../engine/keyspace.js';
import { ZSetValue } from '../../engine/types/zset.js';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  geoDistance,
  geoDistanceInBox,
  geohashDecode,
  geohashEncode,
  geohashString,
  searchRanges,
} from '../../engine/geohash.js';
import type { CommandSpec, Ctx, KeySpec } from '../types.js';
import type { Argv } from '../../protocol/resp/argv.js';
import { lookupRead, lookupWrite, written, writeObject } from '../helpers.js';

function readZset(ctx: Ctx, i: number): ZSetValue | undefined {
  const id = lookupRead(ctx, i);
  if (id === -1) return undefined;
  if (ctx.db.type(id) !== ValueType.ZSet) throw new CommandError(Errors.wrongType);
  return ctx.db.object<ZSetValue>(id);
}

function doubleArg(ctx: Ctx, i: number, message: string = Errors.notFloat): number {
  const v = parseDouble(ctx.argv.str(i));
  if (v === null || Number.isNaN(v)) throw new CommandError(message);
  return v;
}

/** C's "%f". */
function cFixed6(v: number): string {
  return v.toFixed(6);
}

function lonLatArg(ctx: Ctx, i: number): [number, number] {
  const lon = doubleArg(ctx, i);
  const lat = doubleArg(ctx, i + 1);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    throw new CommandError(`ERR invalid longitude,latitude pair ${cFixed6(lon)},${cFixed6(lat)}`);
  }
  return [lon, lat];
}

function unitArg(ctx: Ctx, i: number): number {
  const u = ctx.argv.lower(i);
  if (u === 'm') return 1;
  if (u === 'km') return 1000;
  if (u === 'ft') return 0.3048;
  if (u === 'mi') return 1609.34;
  throw new CommandError('ERR unsupported unit provided. please use M, KM, FT, MI');
}

/** fixedpoint_d2string(d, 4): distances always carry four decimals. */
function distanceText(d: number): string {
  return d.toFixed(4);
}

/** ld2string(..., LD_STR_HUMAN): "%.17Lf" with trailing zeros trimmed. */
function humanCoordinate(v: number): string {
  let s = v.toFixed(17);
  if (s.indexOf('.') !== -1) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

function replyCoordinate(ctx: Ctx, v: number): void {
  const s = humanCoordinate(v);
  if (ctx.reply.resp === 3) ctx.reply.double(Number(s), s);
  else ctx.reply.bulk(s);
}

/** GEOADD key [NX | XX] [CH] longitude latitude member [...] */
function geoadd(ctx: Ctx): void {
  const { argv } = ctx;
  let nx = false;
  let xx = false;
  let ch = false;
  let at = 2;
  for (; at < argv.count; at++) {
    if (argv.is(at, 'nx')) nx = true;
    else if (argv.is(at, 'xx')) xx = true;
    else if (argv.is(at, 'ch')) ch = true;
    else break;
  }
  if ((argv.count - at) % 3 !== 0 || (xx && nx)) throw new CommandError(Errors.syntax);
  const points: [number, string][] = [];
  for (let i = at; i < argv.count; i += 3) {
    const [lon, lat] = lonLatArg(ctx, i);
    points.push([geohashEncode(lon, lat), argv.str(i + 2)]);
  }
  const [, z] = writeObject<ZSetValue>(ctx, 1, ValueType.ZSet, xx ? null : () => new ZSetValue(ctx.store.account));
  if (!z) return ctx.reply.int(0);
  let added = 0;
  let changed = 0;
  const cfg = ctx.node.config;
  const maxEntries = cfg.int('zset-max-listpack-entries');
  const maxValue = cfg.int('zset-max-listpack-value');
  for (const [score, member] of points) {
    const cur = z.score(member);
    if (cur === undefined) {
      if (xx) continue;
      z.insert(member, score, maxEntries, maxValue);
      added++;
    } else {
      if (nx) continue;
      if (cur !== score) {
        z.update(member, cur, score);
        changed++;
      }
    }
  }
  if (added || changed) {
    written(ctx, 1, 'z', 'zadd');
    ctx.store.ready(ctx.dbIndex, argv.str(1));
  }
  ctx.reply.int(ch ? added + changed : added);
}

function geodist(ctx: Ctx): void {
  const { argv } = ctx;
  let toMeters = 1;
  if (argv.count === 5) toMeters = unitArg(ctx, 4);
  else if (argv.count > 5) throw new CommandError(Errors.syntax);
  const z = readZset(ctx, 1);
  const s1 = z?.score(argv.str(2));
  const s2 = z?.score(argv.str(3));
  if (s1 === undefined || s2 === undefined) return ctx.reply.nil();
  const [lon1, lat1] = geohashDecode(s1);
  const [lon2, lat2] = geohashDecode(s2);
  ctx.reply.bulk(distanceText(geoDistance(lon1, lat1, lon2, lat2) / toMeters));
}

function geohash(ctx: Ctx): void {
  const z = readZset(ctx, 1);
  ctx.reply.array(ctx.argv.count - 2);
  for (let i = 2; i < ctx.argv.count; i++) {
    const s = z?.score(ctx.argv.str(i));
    if (s === undefined) ctx.reply.nil();
    else ctx.reply.bulk(geohashString(s));
  }
}

function geopos(ctx: Ctx): void {
  const z = readZset(ctx, 1);
  ctx.reply.array(ctx.argv.count - 2);
  for (let i = 2; i < ctx.argv.count; i++) {
    const s = z?.score(ctx.argv.str(i));
    if (s === undefined) {
      ctx.reply.nilArray();
      continue;
    }
    const [lon, lat] = geohashDecode(s);
    ctx.reply.array(2);
    replyCoordinate(ctx, lon);
    replyCoordinate(ctx, lat);
  }
}

// ---- searches -------------------------------------------------------------------------

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const NOSTORE = 4;
const SEARCH = 8;
const SEARCHSTORE = 16;

interface Shape {
  lon: number;
  lat: number;
  radius: number; // meters; -1 for a box
  width: number;
  height: number;
  toMeters: number;
}

interface Hit {
  member: string;
  score: number;
  dist: number; // meters
  lon: number;
  lat: number;
}

/** georadiusGeneric: parses every form, searches, then replies or stores. */
function searchGeneric(ctx: Ctx, srcKey: number, flags: number): void {
  const { argv } = ctx;
  let storeKey: number | null = flags & SEARCHSTORE ? 1 : null;
  let storeDist = false;
  const z = readZset(ctx, srcKey);
  const shape: Shape = { lon: 0, lat: 0, radius: -1, width: 0, height: 0, toMeters: 1 };
  let base: number;
  if (flags & RADIUS_COORDS) {
    base = 6;
    [shape.lon, shape.lat] = lonLatArg(ctx, 2);
    radiusArgs(ctx, 4, shape);
  } else if (flags & RADIUS_MEMBER) {
    base = 5;
    if (z) {
      const s = z.score(argv.str(2));
      if (s === undefined) throw new CommandError('ERR could not decode requested zset member');
      [shape.lon, shape.lat] = geohashDecode(s);
      radiusArgs(ctx, 3, shape);
    }
  } else {
    base = flags & SEARCHSTORE ? 3 : 2;
  }
  let withDist = false;
  let withHash = false;
  let withCoord = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let sort: 'none' | 'asc' | 'desc' = 'none';
  let any = false;
  let count = 0;
  const remaining = argv.count - base;
  for (let k = 0; k < remaining; k++) {
    const i = base + k;
    const left = remaining - k - 1;
    if (argv.is(i, 'withdist')) withDist = true;
    else if (argv.is(i, 'withhash')) withHash = true;
    else if (argv.is(i, 'withcoord')) withCoord = true;
    else if (argv.is(i, 'any')) any = true;
    else if (argv.is(i, 'asc')) sort = 'asc';
    else if (argv.is(i, 'desc')) sort = 'desc';
    else if (argv.is(i, 'count') && left >= 1) {
      const v = argv.int(i + 1);
      if (v === null) throw new CommandError(Errors.notInteger);
      if (v <= 0) throw new CommandError('ERR COUNT must be > 0');
      count = Number(v);
      k++;
    } else if ((argv.is(i, 'store') || argv.is(i, 'storedist')) && left >= 1 && !(flags & NOSTORE) && !(flags & SEARCH)) {
      storeKey = i + 1;
      storeDist = argv.is(i, 'storedist');
      k++;
    } else if (argv.is(i, 'storedist') && flags & SEARCH && flags & SEARCHSTORE) {
      storeDist = true;
    } else if (argv.is(i, 'frommember') && left >= 1 && flags & SEARCH && !fromLoc) {
      if (z) {
        const s = z.score(argv.str(i + 1));
        if (s === undefined) throw new CommandError('ERR could not decode requested zset member');
        [shape.lon, shape.lat] = geohashDecode(s);
      }
      fromMember = true;
      k++;
    } else if (argv.is(i, 'fromlonlat') && left >= 2 && flags & SEARCH && !fromMember) {
      [shape.lon, shape.lat] = lonLatArg(ctx, i + 1);
      fromLoc = true;
      k += 2;
    } else if (argv.is(i, 'byradius') && left >= 2 && flags & SEARCH && !byBox) {
      radiusArgs(ctx, i + 1, shape);
      byRadius = true;
      k += 2;
    } else if (argv.is(i, 'bybox') && left >= 3 && flags & SEARCH && !byRadius) {
      const w = doubleArg(ctx, i + 1, 'ERR need numeric width');
      const h = doubleArg(ctx, i + 2, 'ERR need numeric height');
      if (w < 0 || h < 0) throw new CommandError('ERR height or width cannot be negative');
      shape.toMeters = unitArg(ctx, i + 3);
      shape.width = w * shape.toMeters;
      shape.height = h * shape.toMeters;
      shape.radius = -1;
      byBox = true;
      k += 3;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const name = argv.lower(0);
  if (storeKey !== null && (withDist || withHash || withCoord)) {
    throw new CommandError(`ERR ${flags & SEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (flags & SEARCH && !(fromMember || fromLoc)) {
    throw new CommandError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv.str(0)}`);
  }
  if (flags & SEARCH && !(byRadius || byBox)) {
    throw new CommandError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv.str(0)}`);
  }
  if (any && !count) throw new CommandError('ERR the ANY argument requires COUNT argument');
  void name;

  if (!z) {
    if (storeKey !== null) {
      const id = lookupWrite(ctx, storeKey);
      if (id !== -1) {
        ctx.store.delete(ctx.dbIndex, id);
        written(ctx, storeKey, 'g', 'del');
      }
      return ctx.reply.int(0);
    }
    return ctx.reply.array(0);
  }

  // Candidates: the members of the nine geohash cells around the centre, cell by
  // cell in score order (which is also the order of unsorted and ANY results).
  let hits: Hit[] = [];
  const halfW = shape.radius >= 0 ? shape.radius : shape.width / 2;
  const halfH = shape.radius >= 0 ? shape.radius : shape.height / 2;
  const reach = shape.radius >= 0 ? shape.radius : Math.sqrt(halfW * halfW + halfH * halfH);
  scan: for (const [min, max] of searchRanges(shape.lon, shape.lat, halfW, halfH, reach)) {
    for (let node = z.zsl.firstInRange({ min, max, minex: false, maxex: true }); node && node.score < max; node = node.next[0]) {
      const [lon, lat] = geohashDecode(node.score);
      const dist = shape.radius >= 0 ? geoDistance(shape.lon, shape.lat, lon, lat) : geoDistanceInBox(shape.width, shape.height, shape.lon, shape.lat, lon, lat);
      if (shape.radius >= 0 ? dist > shape.radius : dist < 0) continue;
      hits.push({ member: node.member, score: node.score, dist, lon, lat });
      if (any && hits.length >= count) break scan;
    }
  }
  if (count && sort === 'none' && !any) sort = 'asc';
  if (sort === 'asc') hits.sort((a, b) => a.dist - b.dist);
  else if (sort === 'desc') hits.sort((a, b) => b.dist - a.dist);
  if (count && hits.length > count) hits = hits.slice(0, count);

  if (storeKey !== null) {
    storeResults(ctx, storeKey, hits, storeDist, shape.toMeters);
    return;
  }
  const r = ctx.reply;
  const extras = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoord ? 1 : 0);
  r.array(hits.length);
  for (const h of hits) {
    if (extras === 0) {
      r.bulk(h.member);
      continue;
    }
    r.array(1 + extras);
    r.bulk(h.member);
    if (withDist) {
      // A bulk string in RESP3 too (addReplyDoubleDistance).
      r.bulk(distanceText(h.dist / shape.toMeters));
    }
    if (withHash) r.int(h.score);
    if (withCoord) {
      r.array(2);
      replyCoordinate(ctx, h.lon);
      replyCoordinate(ctx, h.lat);
    }
  }
}

function radiusArgs(ctx: Ctx, i: number, shape: Shape): void {
  const radius = doubleArg(ctx, i, 'ERR need numeric radius');
  if (radius < 0) throw new CommandError('ERR radius cannot be negative');
  shape.toMeters = unitArg(ctx, i + 1);
  shape.radius = radius * shape.toMeters;
}

function storeResults(ctx: Ctx, keyArg: number, hits: Hit[], storeDist: boolean, toMeters: number): void {
  const old = lookupWrite(ctx, keyArg);
  if (hits.length === 0) {
    if (old !== -1) {
      ctx.store.delete(ctx.dbIndex, old);
      written(ctx, keyArg, 'g', 'del');
    }
    return ctx.reply.int(0);
  }
  const z = new ZSetValue(ctx.store.account);
  const cfg = ctx.node.config;
  const maxEntries = cfg.int('zset-max-listpack-entries');
  const maxValue = cfg.int('zset-max-listpack-value');
  for (const h of hits) z.insert(h.member, storeDist ? h.dist / toMeters : h.score, maxEntries, maxValue);
  const a = ctx.argv;
  if (old !== -1) ctx.store.delete(ctx.dbIndex, old);
  const id = ctx.store.create(ctx.dbIndex, a.buf, a.starts[keyArg], a.ends[keyArg], ValueType.ZSet, 0, ctx.now);
  ctx.db.setObject(id, ValueType.ZSet, z);
  written(ctx, keyArg, 'z', storeDist ? 'georadiusstore' : 'georadiusstore');
  ctx.store.ready(ctx.dbIndex, a.str(keyArg));
  ctx.reply.int(hits.length);
}

/** GEORADIUS's keys: the source, and the STORE/STOREDIST destination when present. */
const radiusKeys: KeySpec = {
  first: 1,
  last: 1,
  step: 1,
  find: (argv: Argv) => {
    const out = [1];
    for (let i = 2; i < argv.count - 1; i++) if (argv.is(i, 'store') || argv.is(i, 'storedist')) out.push(i + 1);
    return out;
  },
};

const g = (name: string, arity: number, flags: CommandSpec['flags'], keys: KeySpec, summary: string, since: string, handler: CommandSpec['handler']): CommandSpec => ({
  name,
  arity,
  flags,
  keys,
  categories: ['geo'],
  group: 'geo',
  summary,
  since,
  handler,
});

const KEY1: KeySpec = { first: 1, last: 1, step: 1 };

export const geoCommands: CommandSpec[] = [
  g('geoadd', -5, ['write', 'denyoom'], KEY1, 'Adds one or more members to a geospatial index. The key is created if it doesn\'t exist.', '3.2.0', geoadd),
  g('geodist', -4, ['readonly'], KEY1, 'Returns the distance between two members of a geospatial index.', '3.2.0', geodist),
  g('geohash', -2, ['readonly'], KEY1, 'Returns members from a geospatial index as geohash strings.', '3.2.0', geohash),
  g('geopos', -2, ['readonly'], KEY1, 'Returns the longitude and latitude of members from a geospatial index.', '3.2.0', geopos),
  g('georadius', -6, ['write', 'denyoom'], radiusKeys, 'Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.', '3.2.0', (ctx) => searchGeneric(ctx, 1, RADIUS_COORDS)),
  g('georadius_ro', -6, ['readonly'], KEY1, 'Returns members from a geospatial index that are within a distance from a coordinate.', '3.2.10', (ctx) => searchGeneric(ctx, 1, RADIUS_COORDS | NOSTORE)),
  g('georadiusbymember', -5, ['write', 'denyoom'], radiusKeys, 'Queries a geospatial index for members within a distance from a member, optionally stores the result.', '3.2.0', (ctx) => searchGeneric(ctx, 1, RADIUS_MEMBER)),
  g('georadiusbymember_ro', -5, ['readonly'], KEY1, 'Returns members from a geospatial index that are within a distance from a member.', '3.2.10', (ctx) => searchGeneric(ctx, 1, RADIUS_MEMBER | NOSTORE)),
  g('geosearch', -7, ['readonly'], KEY1, 'Queries a geospatial index for members inside an area of a box or a circle.', '6.2.0', (ctx) => searchGeneric(ctx, 1, SEARCH)),
  g('geosearchstore', -8, ['write', 'denyoom'], { first: 1, last: 2, step: 1 }, 'Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.', '6.2.0', (ctx) => searchGeneric(ctx, 2, SEARCH | SEARCHSTORE)),
];
