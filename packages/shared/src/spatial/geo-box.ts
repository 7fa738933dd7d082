import { CairnError } from '../errors.js';
import { EARTH_RADIUS_M, type GeoRect } from './geo-distance.js';
import { checkLatLon, checkRadius, type LatLon } from './geo-validate.js';

/**
 * A query box in latitude/longitude. `minLon > maxLon` means the box crosses the antimeridian (it runs
 * east from minLon to 180 and on from -180 to maxLon); `minLat > maxLat` has no such reading and is an
 * error.
 */
export interface GeoBox {
  minLat: number;
  minLon: number;
  maxLat: number;
  maxLon: number;
}

export interface GeoCircle extends LatLon {
  radiusM: number;
}

export function checkGeoBox(box: Readonly<GeoBox>): void {
  checkLatLon(box.minLat, box.minLon, 'box min corner');
  checkLatLon(box.maxLat, box.maxLon, 'box max corner');
  if (box.minLat > box.maxLat) {
    throw new CairnError('BAD_REQUEST', `box minLat ${box.minLat} > maxLat ${box.maxLat}; were the corners swapped?`);
  }
}

export function checkGeoCircle(c: Readonly<GeoCircle>): void {
  checkLatLon(c.lat, c.lon, 'circle center');
  checkRadius(c.radiusM);
}

/** The box as one or two rectangles that do not cross the antimeridian. */
export function splitAntimeridian(box: Readonly<GeoBox>): GeoRect[] {
  if (box.minLon <= box.maxLon) return [{ ...box }];
  return [
    { minLat: box.minLat, minLon: box.minLon, maxLat: box.maxLat, maxLon: 180 },
    { minLat: box.minLat, minLon: -180, maxLat: box.maxLat, maxLon: box.maxLon },
  ];
}

// Widening in degrees (~0.1 mm) so that rounding in the trigonometry below never cuts off a point that
// is inside the circle; callers filter candidates by exact distance afterwards.
const MARGIN_DEG = 1e-9;

/**
 * Rectangles that together contain every point within `radiusM` (great-circle) of the center. A circle
 * that reaches a pole spans every longitude; otherwise its longitude half-width is asin(sin r / cos φ),
 * the meridians tangent to the circle, split where it crosses the antimeridian.
 */
export function circleRects(c: Readonly<GeoCircle>): GeoRect[] {
  checkGeoCircle(c);
  const r = c.radiusM / EARTH_RADIUS_M;
  const rDeg = (r * 180) / Math.PI;
  const minLat = c.lat - rDeg - MARGIN_DEG;
  const maxLat = c.lat + rDeg + MARGIN_DEG;
  if (r >= Math.PI || maxLat >= 90 || minLat <= -90) {
    return [{ minLat: Math.max(-90, minLat), minLon: -180, maxLat: Math.min(90, maxLat), maxLon: 180 }];
  }
  const halfLon = (Math.asin(Math.min(1, Math.sin(r) / Math.cos((c.lat * Math.PI) / 180))) * 180) / Math.PI + MARGIN_DEG;
  const west = c.lon - halfLon;
  const east = c.lon + halfLon;
  if (halfLon >= 180) return [{ minLat, minLon: -180, maxLat, maxLon: 180 }];
  // Touching ±180 also takes the other side's copy of that meridian: lon 180 and -180 are one line.
  if (west <= -180) return splitAntimeridian({ minLat, minLon: west + 360, maxLat, maxLon: east });
  if (east >= 180) return splitAntimeridian({ minLat, minLon: west, maxLat, maxLon: east - 360 });
  return [{ minLat, minLon: west, maxLat, maxLon: east }];
}
