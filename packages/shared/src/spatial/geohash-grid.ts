import ngeohash from 'ngeohash';
import { CairnError } from '../errors.js';
import type { GeoRect } from './geo-distance.js';
import { checkLatLon, checkPrecision } from './geo-validate.js';

/**
 * The geohash grid of one precision as rows and columns, so that covers can count cells before listing
 * them. A geohash of n characters has 5n bits, longitude first: ceil(5n/2) bits of columns, floor(5n/2)
 * of rows. ngeohash bisects with `value > mid`, so a cell owns (lo, hi] (row 0 and column 0 also own
 * -90 and -180); rowOf/colOf compare against exactly computed edges (all dyadic, no rounding) so they
 * agree with ngeohash.encode bit for bit.
 */
export interface GeohashGrid {
  precision: number;
  rows: number;
  cols: number;
  latStep: number;
  lonStep: number;
}

export function geohashGrid(precision: number): GeohashGrid {
  checkPrecision(precision);
  const rows = 2 ** Math.floor((5 * precision) / 2);
  const cols = 2 ** Math.ceil((5 * precision) / 2);
  return { precision, rows, cols, latStep: 180 / rows, lonStep: 360 / cols };
}

function indexOf(value: number, start: number, step: number, count: number): number {
  let i = Math.min(count - 1, Math.max(0, Math.ceil((value - start) / step) - 1));
  while (i > 0 && value <= start + i * step) i--;
  while (i < count - 1 && value > start + (i + 1) * step) i++;
  return i;
}

export function rowOf(grid: GeohashGrid, lat: number): number {
  return indexOf(lat, -90, grid.latStep, grid.rows);
}

export function colOf(grid: GeohashGrid, lon: number): number {
  return indexOf(lon, -180, grid.lonStep, grid.cols);
}

export function cellRect(grid: GeohashGrid, row: number, col: number): GeoRect {
  return {
    minLat: -90 + row * grid.latStep,
    minLon: -180 + col * grid.lonStep,
    maxLat: -90 + (row + 1) * grid.latStep,
    maxLon: -180 + (col + 1) * grid.lonStep,
  };
}

export function cellAt(grid: GeohashGrid, row: number, col: number): string {
  return ngeohash.encode(-90 + (row + 0.5) * grid.latStep, -180 + (col + 0.5) * grid.lonStep, grid.precision);
}

/** The geohash cell holding a point: the partition key of the anchor's cell doc. */
export function cellOf(lat: number, lon: number, precision: number): string {
  checkLatLon(lat, lon);
  checkPrecision(precision);
  return ngeohash.encode(lat, lon, precision);
}

const GEOHASH = /^[0-9b-hjkmnp-z]{1,12}$/;

export function isGeohash(s: unknown): s is string {
  return typeof s === 'string' && GEOHASH.test(s);
}

/** The rectangle a cell covers. */
export function cellBounds(hash: string): GeoRect {
  if (!isGeohash(hash)) throw new CairnError('BAD_REQUEST', `not a geohash: ${JSON.stringify(String(hash).slice(0, 24))}`);
  const [minLat, minLon, maxLat, maxLon] = ngeohash.decode_bbox(hash);
  return { minLat, minLon, maxLat, maxLon };
}
