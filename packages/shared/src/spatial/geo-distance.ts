import type { LatLon } from './geo-validate.js';

/**
 * Great-circle distances on a sphere of the Earth's mean radius (IUGG R1). Region queries and geohash
 * covers measure with this one function, so "inside the circle" means the same thing everywhere; it
 * differs from the true ellipsoidal distance by at most ~0.5 %.
 */
export const EARTH_RADIUS_M = 6_371_008.8;

const RAD = Math.PI / 180;

/** Haversine distance in meters; well-conditioned for small distances, unlike the cosine law. */
export function distanceM(a: Readonly<LatLon>, b: Readonly<LatLon>): number {
  return haversine(a.lat * RAD, a.lon * RAD, b.lat * RAD, b.lon * RAD);
}

function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const sLat = Math.sin((lat2 - lat1) / 2);
  const sLon = Math.sin((lon2 - lon1) / 2);
  const h = Math.min(1, sLat * sLat + Math.cos(lat1) * Math.cos(lat2) * sLon * sLon);
  return 2 * EARTH_RADIUS_M * Math.atan2(Math.sqrt(h), Math.sqrt(1 - h));
}

/** A latitude/longitude rectangle that does not cross the antimeridian (minLon <= maxLon). */
export interface GeoRect {
  minLat: number;
  minLon: number;
  maxLat: number;
  maxLon: number;
}

/** Longitude difference folded into [0, 180] degrees. */
export function lonGapDeg(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

/**
 * Shortest great-circle distance from `pt` to any point of the closed rectangle `r` (0 inside).
 *
 * If pt's meridian crosses the rectangle, the nearest point is straight north or south. Otherwise it is
 * on the nearer meridian edge: for fixed latitudes the distance grows with the longitude gap. Along a
 * meridian at gap Δλ, cos(d) = A·cos(φ − φ*) with φ* = atan2(sin φp, cos φp·cos Δλ), so the nearest
 * latitude of the edge is an endpoint or φ* clamped into the edge.
 */
export function distanceToRectM(pt: Readonly<LatLon>, r: Readonly<GeoRect>): number {
  const lat = pt.lat * RAD;
  const lon = pt.lon * RAD;
  const inside = (l: number) => l >= r.minLon && l <= r.maxLon;
  if (inside(pt.lon) || inside(pt.lon - 360) || inside(pt.lon + 360)) {
    const clamped = Math.min(r.maxLat, Math.max(r.minLat, pt.lat));
    return Math.abs(pt.lat - clamped) * RAD * EARTH_RADIUS_M;
  }
  const edgeLon = lonGapDeg(pt.lon, r.minLon) <= lonGapDeg(pt.lon, r.maxLon) ? r.minLon : r.maxLon;
  const gap = lonGapDeg(pt.lon, edgeLon) * RAD;
  const star = Math.atan2(Math.sin(lat), Math.cos(lat) * Math.cos(gap)) / RAD;
  let best = Infinity;
  for (const cand of [r.minLat, r.maxLat, Math.min(r.maxLat, Math.max(r.minLat, star))]) {
    best = Math.min(best, haversine(lat, lon, cand * RAD, edgeLon * RAD));
  }
  return best;
}
