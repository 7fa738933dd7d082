/**
 * The anchor query of `GET /v1/spaces/:space/anchors`, from its query string: exactly one of
 *
 *   bbox=minLat,minLon,maxLat,maxLon   minLon > maxLon crosses the antimeridian
 *   near=lat,lon&radius=m              great-circle, nearest first
 *   cell=<geohash>                     anchors whose cell starts with it
 *
 * plus `limit` (default 1000, at most 10000). Coordinates are checked by the shared geo checks, so a
 * swapped (lon, lat) pair gets the same hint here as in the client's queries. Every refusal is BAD_REQUEST.
 *
 * Numbers are plain decimals only: an optional sign, digits, an optional fraction (`-12`, `+3.5`, `48.8566`).
 * JavaScript's Number() (and the schema coercion in front of it) would also take `0x10`, `1e3`, ` 5` and
 * `Infinity`, so one client's typo reads as another number instead of an error. A parameter this route does
 * not know is refused by name too: dropping it would answer a different question than the one asked.
 */
import { CairnError, checkGeoBox, checkGeoCircle, circleRects, isGeohash, splitAntimeridian, type LatLon } from '@cairn/shared';
import type { AnchorQuery } from './anchor-store.js';

export const DEFAULT_QUERY_LIMIT = 1000;
export const MAX_QUERY_LIMIT = 10_000;

/** The query string as it arrives: every value a string; keys outside these are refused. */
export interface AnchorQueryParams {
  bbox?: string;
  near?: string;
  radius?: string;
  cell?: string;
  limit?: string;
}

const KNOWN: ReadonlySet<string> = new Set(['bbox', 'near', 'radius', 'cell', 'limit']);
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

/** A plain decimal (see the header), or NaN. */
function decimal(text: string): number {
  return DECIMAL.test(text) ? Number(text) : NaN;
}

export interface ParsedAnchorQuery {
  query: AnchorQuery;
  limit: number;
  /** For `near`: the center distances are measured from. */
  center: LatLon | null;
}

function numbers(value: string, count: number, what: string, shape: string): number[] {
  const parts = value.split(',');
  const out = parts.map(decimal);
  if (parts.length !== count || out.some((n) => !Number.isFinite(n))) {
    throw new CairnError('BAD_REQUEST', `${what} must be ${count} comma-separated numbers: ${shape}`);
  }
  return out;
}

export function parseAnchorQuery(params: AnchorQueryParams): ParsedAnchorQuery {
  const unknown = Object.keys(params).find((k) => !KNOWN.has(k));
  if (unknown !== undefined) {
    throw new CairnError('BAD_REQUEST', `unknown query parameter "${unknown.slice(0, 64)}" (known: ${[...KNOWN].join(', ')})`);
  }
  const given = (['bbox', 'near', 'cell'] as const).filter((k) => params[k] !== undefined);
  if (given.length !== 1) {
    throw new CairnError('BAD_REQUEST', `give exactly one of bbox, near or cell (got ${given.length === 0 ? 'none' : given.join(', ')})`);
  }
  if (params.radius !== undefined && params.near === undefined) throw new CairnError('BAD_REQUEST', 'radius is only allowed with near');
  const limit = params.limit === undefined ? DEFAULT_QUERY_LIMIT : decimal(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new CairnError('BAD_REQUEST', `limit must be an integer in [1, ${MAX_QUERY_LIMIT}]`);
  }
  if (params.bbox !== undefined) {
    const [minLat, minLon, maxLat, maxLon] = numbers(params.bbox, 4, 'bbox', 'minLat,minLon,maxLat,maxLon') as [number, number, number, number];
    const box = { minLat, minLon, maxLat, maxLon };
    checkGeoBox(box);
    return { query: { kind: 'rects', rects: splitAntimeridian(box) }, limit, center: null };
  }
  if (params.near !== undefined) {
    const [lat, lon] = numbers(params.near, 2, 'near', 'lat,lon') as [number, number];
    if (params.radius === undefined) throw new CairnError('BAD_REQUEST', 'near needs radius (meters)');
    const radiusM = decimal(params.radius);
    if (Number.isNaN(radiusM)) throw new CairnError('BAD_REQUEST', 'radius must be a decimal number of meters');
    const circle = { lat, lon, radiusM };
    checkGeoCircle(circle);
    return { query: { kind: 'near', center: { lat, lon }, radiusM, rects: circleRects(circle) }, limit, center: { lat, lon } };
  }
  const cell = params.cell!;
  if (!isGeohash(cell)) throw new CairnError('BAD_REQUEST', 'cell must be a geohash (1-12 characters of 0-9, b-h, j, k, m, n, p-z)');
  return { query: { kind: 'cell', prefix: cell }, limit, center: null };
}
