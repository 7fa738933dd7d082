/**
 * How large a region may be: the largest radius whose cover fits in `maxCells` partition cells wherever
 * the center sits at a latitude, and the finest precision that holds a given radius there. The refusal of
 * a region too large names both, so the app knows what to ask for instead.
 *
 * A cover's size depends on where the center sits inside its cell, not only on the radius: a circle on a
 * cell corner takes more cells than one of the same radius in a cell's middle. The limit is therefore
 * the worst case over centers on an 8 x 8 lattice of one cell at that latitude (every cell of a geohash
 * row has the same shape, so one cell stands for the row), less a 1 % margin for centers between the
 * lattice points; region-limit.test.ts checks it against random centers. A cover only grows with its
 * radius, so a bisection finds the limit.
 */
import { cellBounds, cellOf, coverCircle, MAX_GEOHASH_PRECISION, type GeoCircle } from '@cairn/shared';

const LATTICE = 8;
const MARGIN = 0.99;
// Half the Earth's circumference: no cover can need a larger radius.
const MAX_RADIUS_M = 20_015_087;

function fits(circle: GeoCircle, precision: number, maxCells: number): boolean {
  return coverCircle(circle, precision, maxCells).precision === precision;
}

/** Centers spread over the cell holding (lat, lon), corners and edges included. */
function lattice(lat: number, lon: number, precision: number): { lat: number; lon: number }[] {
  const b = cellBounds(cellOf(lat, lon, precision));
  const out: { lat: number; lon: number }[] = [];
  for (let i = 0; i < LATTICE; i++) {
    for (let j = 0; j < LATTICE; j++) {
      out.push({ lat: b.minLat + ((b.maxLat - b.minLat) * i) / LATTICE, lon: b.minLon + ((b.maxLon - b.minLon) * j) / LATTICE });
    }
  }
  return out;
}

/** The largest radius in whole meters that fits around this one center (0 if 1 m does not), at most `upTo`. */
function limitAt(center: { lat: number; lon: number }, precision: number, maxCells: number, upTo: number): number {
  const fit = (radiusM: number) => fits({ ...center, radiusM }, precision, maxCells);
  if (fit(upTo)) return upTo;
  if (!fit(1)) return 0;
  let lo = 1;
  let hi = upTo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fit(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The largest radius in whole meters whose cover at `precision` fits in `maxCells` cells for every center
 * at this latitude; 0 when not even 1 m fits (next to a pole, where a coarse row's cells all meet).
 */
export function regionLimitM(lat: number, precision: number, maxCells: number): number {
  // Each center only lowers the limit found so far: most need one check, not a bisection.
  let limit = MAX_RADIUS_M;
  for (const c of lattice(lat, 0, precision)) {
    limit = limitAt(c, precision, maxCells, limit);
    if (limit === 0) return 0;
  }
  return limit === MAX_RADIUS_M ? limit : Math.max(1, Math.floor(limit * MARGIN));
}

/** The finest precision, at most `finest`, at which a region of `radiusM` fits at this latitude wherever its center; null if none. */
export function precisionFor(lat: number, radiusM: number, maxCells: number, finest = MAX_GEOHASH_PRECISION): number | null {
  for (let p = finest; p >= 1; p--) {
    if (lattice(lat, 0, p).every((c) => fits({ ...c, radiusM: radiusM / MARGIN }, p, maxCells))) return p;
  }
  return null;
}
