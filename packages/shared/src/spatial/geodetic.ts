import { CairnError } from '../errors.js';
import { checkLatLon } from './geo-validate.js';
import type { Vec3 } from './vec3.js';

/**
 * A space's local frame <-> WGS84. The local frame is the East-North-Up tangent plane at the space's
 * geodetic origin, re-labelled for WebXR: x = east, y = up, z = -north. Going through ECEF (not a flat
 * approximation) keeps the round trip exact to well below a millimeter at any distance a space spans.
 */
export interface GeoPoint {
  /** Geodetic latitude, degrees. */
  lat: number;
  /** Longitude, degrees in [-180, 180]. */
  lon: number;
  /** Height above the WGS84 ellipsoid, meters. */
  alt: number;
}

export const WGS84 = {
  a: 6378137,
  f: 1 / 298.257223563,
} as const;

const A = WGS84.a;
const E2 = WGS84.f * (2 - WGS84.f);
const B = A * (1 - WGS84.f);
const EP2 = (A * A - B * B) / (B * B);
const RAD = Math.PI / 180;

export function geodeticToEcef(g: Readonly<GeoPoint>): Vec3 {
  const lat = g.lat * RAD;
  const lon = g.lon * RAD;
  const sinLat = Math.sin(lat);
  const cosLat = Math.cos(lat);
  const n = A / Math.sqrt(1 - E2 * sinLat * sinLat);
  return [(n + g.alt) * cosLat * Math.cos(lon), (n + g.alt) * cosLat * Math.sin(lon), (n * (1 - E2) + g.alt) * sinLat];
}

/**
 * Heikkinen's closed form (no iteration), exact up to rounding for points near the surface; valid
 * everywhere except within ~40 km of the Earth's center.
 */
export function ecefToGeodetic(e: Readonly<Vec3>): GeoPoint {
  const [x, y, z] = e;
  const p = Math.hypot(x, y);
  const z2 = z * z;
  const f = 54 * B * B * z2;
  const g = p * p + (1 - E2) * z2 - E2 * (A * A - B * B);
  const c = (E2 * E2 * f * p * p) / (g * g * g);
  const s = Math.cbrt(1 + c + Math.sqrt(c * c + 2 * c));
  const k = s + 1 + 1 / s;
  const pp = f / (3 * k * k * g * g);
  const q = Math.sqrt(1 + 2 * E2 * E2 * pp);
  const r0 =
    (-pp * E2 * p) / (1 + q) +
    Math.sqrt(Math.max(0, 0.5 * A * A * (1 + 1 / q) - (pp * (1 - E2) * z2) / (q * (1 + q)) - 0.5 * pp * p * p));
  const t = p - E2 * r0;
  const u = Math.hypot(t, z);
  const v = Math.sqrt(t * t + (1 - E2) * z2);
  const z0 = (B * B * z) / (A * v);
  return {
    lat: Math.atan2(z + EP2 * z0, p) / RAD,
    lon: Math.atan2(y, x) / RAD,
    alt: u * (1 - (B * B) / (A * v)),
  };
}

/** A local frame anchored at `origin`, with the trigonometry of the origin computed once. */
export interface GeoFrame {
  readonly origin: Readonly<GeoPoint>;
  toLocal(g: Readonly<GeoPoint>): Vec3;
  toGeo(p: Readonly<Vec3>): GeoPoint;
}

export function checkGeoPoint(g: Readonly<GeoPoint>, what = 'geodetic point'): void {
  checkLatLon(g.lat, g.lon, what);
  if (typeof g.alt !== 'number' || !Number.isFinite(g.alt)) {
    throw new CairnError('BAD_REQUEST', `${what}: altitude must be a finite number of meters (got ${String(g.alt)})`);
  }
}

export function createGeoFrame(origin: Readonly<GeoPoint>): GeoFrame {
  checkGeoPoint(origin, 'geodetic origin');
  const o = geodeticToEcef(origin);
  const sinLat = Math.sin(origin.lat * RAD);
  const cosLat = Math.cos(origin.lat * RAD);
  const sinLon = Math.sin(origin.lon * RAD);
  const cosLon = Math.cos(origin.lon * RAD);
  const frozen = Object.freeze({ ...origin });
  return {
    origin: frozen,
    toLocal(g) {
      const e = geodeticToEcef(g);
      const dx = e[0] - o[0];
      const dy = e[1] - o[1];
      const dz = e[2] - o[2];
      const east = -sinLon * dx + cosLon * dy;
      const north = -sinLat * cosLon * dx - sinLat * sinLon * dy + cosLat * dz;
      const up = cosLat * cosLon * dx + cosLat * sinLon * dy + sinLat * dz;
      return [east, up, -north];
    },
    toGeo(p) {
      const east = p[0];
      const up = p[1];
      const north = -p[2];
      return ecefToGeodetic([
        o[0] - sinLon * east - sinLat * cosLon * north + cosLat * cosLon * up,
        o[1] + cosLon * east - sinLat * sinLon * north + cosLat * sinLon * up,
        o[2] + cosLat * north + sinLat * up,
      ]);
    },
  };
}

export function geodeticToLocal(origin: Readonly<GeoPoint>, g: Readonly<GeoPoint>): Vec3 {
  return createGeoFrame(origin).toLocal(g);
}

export function localToGeodetic(origin: Readonly<GeoPoint>, p: Readonly<Vec3>): GeoPoint {
  return createGeoFrame(origin).toGeo(p);
}
