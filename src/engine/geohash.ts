// Geohash math as Redis does it (geohash.c, geohash_helper.c): 26 steps per axis,
// latitude bits interleaved in even positions and longitude bits in odd ones, giving
// the 52-bit integer that GEOADD stores as a sorted-set score; haversine distances
// on a sphere of Redis's earth radius. Pure functions, no protocol.

export const GEO_STEP = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
export const EARTH_RADIUS_IN_METERS = 6372797.560856;

const D_R = Math.PI / 180;
const STEPS = 2 ** GEO_STEP;

/** Spreads the 26 low bits of x into the even bits of the result. */
function interleave(latBits: number, lonBits: number): number {
  let out = 0;
  let weight = 1;
  for (let i = 0; i < GEO_STEP; i++) {
    if ((latBits >>> i) & 1) out += weight;
    if ((lonBits >>> i) & 1) out += weight * 2;
    weight *= 4;
  }
  return out;
}

function deinterleave(bits: number): [number, number] {
  let lat = 0;
  let lon = 0;
  let v = bits;
  for (let i = 0; i < GEO_STEP; i++) {
    const pair = v % 4;
    v = Math.floor(v / 4);
    if (pair & 1) lat |= 1 << i;
    if (pair & 2) lon |= 1 << i;
  }
  return [lat >>> 0, lon >>> 0];
}

/** The 52-bit score for a point, in Redis's (Mercator-limited) latitude range. */
export function geohashEncode(lon: number, lat: number, latMin = GEO_LAT_MIN, latMax = GEO_LAT_MAX): number {
  const latOffset = Math.floor(((lat - latMin) / (latMax - latMin)) * STEPS) >>> 0;
  const lonOffset = Math.floor(((lon - GEO_LONG_MIN) / (GEO_LONG_MAX - GEO_LONG_MIN)) * STEPS) >>> 0;
  return interleave(Math.min(latOffset, STEPS - 1), Math.min(lonOffset, STEPS - 1));
}

/** The centre of a score's cell, clamped to the valid ranges: [lon, lat]. */
export function geohashDecode(score: number): [number, number] {
  const [ilat, ilon] = deinterleave(score);
  const latScale = GEO_LAT_MAX - GEO_LAT_MIN;
  const lonScale = GEO_LONG_MAX - GEO_LONG_MIN;
  const latMinC = GEO_LAT_MIN + (ilat / STEPS) * latScale;
  const latMaxC = GEO_LAT_MIN + ((ilat + 1) / STEPS) * latScale;
  const lonMinC = GEO_LONG_MIN + (ilon / STEPS) * lonScale;
  const lonMaxC = GEO_LONG_MIN + ((ilon + 1) / STEPS) * lonScale;
  let lon = (lonMinC + lonMaxC) / 2;
  let lat = (latMinC + latMaxC) / 2;
  lon = Math.min(GEO_LONG_MAX, Math.max(GEO_LONG_MIN, lon));
  lat = Math.min(GEO_LAT_MAX, Math.max(GEO_LAT_MIN, lat));
  return [lon, lat];
}

const ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** The standard 11-character geohash string GEOHASH returns (latitude range ±90). */
export function geohashString(score: number): string {
  const [lon, lat] = geohashDecode(score);
  const bits = geohashEncode(lon, lat, -90, 90);
  let out = '';
  for (let i = 0; i < 11; i++) {
    // 52 bits give 10 full characters; the 11th has 2 bits, padded with zeros.
    const idx = i === 10 ? 0 : Math.floor(bits / 2 ** (52 - (i + 1) * 5)) % 32;
    out += ALPHABET[idx];
  }
  return out;
}

/** Haversine distance in meters (geohashGetDistance). */
export function geoDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lat1r = lat1 * D_R;
  const lat2r = lat2 * D_R;
  const u = Math.sin((lat2r - lat1r) / 2);
  const v = Math.sin((lon2 * D_R - lon1 * D_R) / 2);
  return 2 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v));
}

/** Distance if the point is inside the box centred at (lon1, lat1), else -1 (geohashGetDistanceIfInRectangle). */
export function geoDistanceInBox(widthM: number, heightM: number, lon1: number, lat1: number, lon2: number, lat2: number): number {
  const latDistance = EARTH_RADIUS_IN_METERS * Math.abs(lat2 * D_R - lat1 * D_R);
  if (latDistance > heightM / 2) return -1;
  const lonDistance = geoDistance(lon2, lat2, lon1, lat2);
  if (lonDistance > widthM / 2) return -1;
  return geoDistance(lon1, lat1, lon2, lat2);
}

// ---- search areas (geohashCalculateAreasByShapeWGS84) ------------------------------------

const MERCATOR_MAX = 20037726.37;

/** How many geohash steps a search of this radius can use (geohashEstimateStepsByRadius). */
function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  return Math.min(26, Math.max(1, step));
}

interface Cell {
  bits: bigint;
  step: number;
}

const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;
const MASK64 = (1n << 64n) - 1n;

function encodeCell(lon: number, lat: number, step: number): Cell {
  const steps = 2 ** step;
  const latOffset = Math.floor(((lat - GEO_LAT_MIN) / (GEO_LAT_MAX - GEO_LAT_MIN)) * steps);
  const lonOffset = Math.floor(((lon - GEO_LONG_MIN) / (GEO_LONG_MAX - GEO_LONG_MIN)) * steps);
  let bits = 0n;
  for (let i = 0; i < step; i++) {
    if ((latOffset >>> i) & 1) bits |= 1n << BigInt(2 * i);
    if ((lonOffset >>> i) & 1) bits |= 1n << BigInt(2 * i + 1);
  }
  return { bits, step };
}

function decodeCell(c: Cell): { lonMin: number; lonMax: number; latMin: number; latMax: number } {
  let ilat = 0;
  let ilon = 0;
  for (let i = 0; i < c.step; i++) {
    if ((c.bits >> BigInt(2 * i)) & 1n) ilat |= 1 << i;
    if ((c.bits >> BigInt(2 * i + 1)) & 1n) ilon |= 1 << i;
  }
  const steps = 2 ** c.step;
  const latScale = GEO_LAT_MAX - GEO_LAT_MIN;
  const lonScale = GEO_LONG_MAX - GEO_LONG_MIN;
  return {
    latMin: GEO_LAT_MIN + (ilat / steps) * latScale,
    latMax: GEO_LAT_MIN + ((ilat + 1) / steps) * latScale,
    lonMin: GEO_LONG_MIN + (ilon >>> 0) / steps * lonScale,
    lonMax: GEO_LONG_MIN + ((ilon >>> 0) + 1) / steps * lonScale,
  };
}

/** Moves a cell along longitude (odd bits) by d = ±1, wrapping (geohash_move_x). */
function moveX(c: Cell, d: number): Cell {
  let x = c.bits & ODD;
  const y = c.bits & EVEN;
  const zz = EVEN >> BigInt(64 - c.step * 2);
  if (d > 0) x = x + (zz + 1n);
  else {
    x = x | zz;
    x = x - (zz + 1n);
  }
  x &= ODD >> BigInt(64 - c.step * 2);
  return { bits: (x | y) & MASK64, step: c.step };
}

/** Moves a cell along latitude (even bits) by d = ±1 (geohash_move_y). */
function moveY(c: Cell, d: number): Cell {
  const x = c.bits & ODD;
  let y = c.bits & EVEN;
  const zz = ODD >> BigInt(64 - c.step * 2);
  if (d > 0) y = y + (zz + 1n);
  else {
    y = y | zz;
    y = y - (zz + 1n);
  }
  y &= EVEN >> BigInt(64 - c.step * 2);
  return { bits: (x | y) & MASK64, step: c.step };
}

/**
 * The score ranges [min, max) to scan for a search around (lon, lat), in Redis's
 * order: the centre cell, then north, south, east, west, north-east, north-west,
 * south-east, south-west; useless cells are dropped and repeated ones skipped.
 * `halfWidth`/`halfHeight` are the shape's extent in meters (both the radius for a
 * circle); `radius` is the distance to its farthest corner.
 */
export function searchRanges(lon: number, lat: number, halfWidth: number, halfHeight: number, radius: number): [number, number][] {
  const R = EARTH_RADIUS_IN_METERS;
  const latDelta = ((halfHeight / R) * 180) / Math.PI;
  const lonDeltaTop = ((halfWidth / R / Math.cos((lat + latDelta) * D_R)) * 180) / Math.PI;
  const lonDeltaBottom = ((halfWidth / R / Math.cos((lat - latDelta) * D_R)) * 180) / Math.PI;
  const south = lat < 0;
  const minLon = south ? lon - lonDeltaBottom : lon - lonDeltaTop;
  const maxLon = south ? lon + lonDeltaBottom : lon + lonDeltaTop;
  const minLat = lat - latDelta;
  const maxLat = lat + latDelta;

  let steps = estimateSteps(radius, lat);
  let center = encodeCell(lon, lat, steps);
  const neighbors = (c: Cell) => ({
    north: moveY(c, 1),
    south: moveY(c, -1),
    east: moveX(c, 1),
    west: moveX(c, -1),
    northEast: moveY(moveX(c, 1), 1),
    northWest: moveY(moveX(c, -1), 1),
    southEast: moveY(moveX(c, 1), -1),
    southWest: moveY(moveX(c, -1), -1),
  });
  let n = neighbors(center);
  const north = decodeCell(n.north);
  const southA = decodeCell(n.south);
  const east = decodeCell(n.east);
  const west = decodeCell(n.west);
  const decrease = north.latMax < maxLat || southA.latMin > minLat || east.lonMax < maxLon || west.lonMin > minLon;
  if (steps > 1 && decrease) {
    steps--;
    center = encodeCell(lon, lat, steps);
    n = neighbors(center);
  }
  const area = decodeCell(center);
  const zero: Cell = { bits: 0n, step: 0 };
  if (steps >= 2) {
    if (area.latMin < minLat) n.south = n.southWest = n.southEast = zero;
    if (area.latMax > maxLat) n.north = n.northEast = n.northWest = zero;
    if (area.lonMin < minLon) n.west = n.southWest = n.northWest = zero;
    if (area.lonMax > maxLon) n.east = n.southEast = n.northEast = zero;
  }
  const cells = [center, n.north, n.south, n.east, n.west, n.northEast, n.northWest, n.southEast, n.southWest];
  const ranges: [number, number][] = [];
  let last: Cell | null = null;
  for (const c of cells) {
    if (c.bits === 0n && c.step === 0) continue;
    if (last && last.bits === c.bits && last.step === c.step) continue;
    const shift = BigInt(52 - c.step * 2);
    ranges.push([Number(c.bits << shift), Number((c.bits + 1n) << shift)]);
    last = c;
  }
  return ranges;
}
