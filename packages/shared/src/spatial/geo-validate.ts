import { CairnError } from '../errors.js';

/**
 * Argument checks for every function that takes geographic coordinates. Coordinates are always
 * latitude first; the most common bad input is a (lon, lat) pair, so an out-of-range latitude that
 * would be a valid longitude says so.
 */
export interface LatLon {
  lat: number;
  lon: number;
}

/** Longest geohash the cover functions accept (12 characters ≈ 3.7 cm × 1.9 cm cells). */
export const MAX_GEOHASH_PRECISION = 12;

export function checkLatLon(lat: number, lon: number, what = 'point'): void {
  if (typeof lat !== 'number' || !Number.isFinite(lat)) {
    throw new CairnError('BAD_REQUEST', `${what}: latitude must be a finite number (got ${String(lat)})`);
  }
  if (typeof lon !== 'number' || !Number.isFinite(lon)) {
    throw new CairnError('BAD_REQUEST', `${what}: longitude must be a finite number (got ${String(lon)})`);
  }
  if (lat < -90 || lat > 90) {
    const hint = Math.abs(lon) <= 90 ? '; coordinates are latitude first, were lat and lon swapped?' : '';
    throw new CairnError('BAD_REQUEST', `${what}: latitude ${lat} is outside [-90, 90]${hint}`);
  }
  if (lon < -180 || lon > 180) {
    throw new CairnError('BAD_REQUEST', `${what}: longitude ${lon} is outside [-180, 180]`);
  }
}

export function checkRadius(radiusM: number): void {
  if (typeof radiusM !== 'number' || !Number.isFinite(radiusM) || radiusM <= 0) {
    throw new CairnError('BAD_REQUEST', `radius must be a finite number of meters > 0 (got ${String(radiusM)})`);
  }
}

export function checkPrecision(precision: number): void {
  if (!Number.isInteger(precision) || precision < 1 || precision > MAX_GEOHASH_PRECISION) {
    throw new CairnError('BAD_REQUEST', `geohash precision must be an integer in [1, ${MAX_GEOHASH_PRECISION}] (got ${String(precision)})`);
  }
}

export function checkMaxCells(maxCells: number): void {
  if (!Number.isInteger(maxCells) || maxCells < 1) {
    throw new CairnError('BAD_REQUEST', `maxCells must be an integer >= 1 (got ${String(maxCells)})`);
  }
}
