/**
 * A space's metadata, shared by replicas and the server's read model (DESIGN.md section 6). It lives in
 * the space's `meta` doc, `<space>/meta`, in the root Y.Map `space`:
 *
 *   origin     {lat, lon, alt}   the geodetic origin of the space's local frame; absent: the space has no
 *                                geodetic origin (its anchors have local poses only, no lat/lon)
 *   precision  integer 1..12     the geohash precision that partitions the space into cell docs
 *
 * Each key is one plain value, so concurrent writers of one key pick one whole origin (never a lat from
 * one writer and a lon from the other). Reading is lenient: a value that does not check out reads as
 * absent (origin) or as the default (precision), so one bad write cannot break every reader; writing is
 * strict and throws BAD_REQUEST.
 */
import * as Y from 'yjs';
import { checkGeoPoint, type GeoPoint } from './geodetic.js';
import { checkPrecision, MAX_GEOHASH_PRECISION } from './geo-validate.js';

export interface SpaceMeta {
  origin: GeoPoint | null;
  precision: number;
}

export const DEFAULT_CELL_PRECISION = 7;
export const META_DOC_NAME = 'meta';

export function metaDocId(space: string): string {
  return `${space}/${META_DOC_NAME}`;
}

/** The space of a doc id `<space>/meta`, or null for any other doc. */
export function spaceOfMetaDocId(doc: string): string | null {
  const m = /^([^/]+)\/meta$/.exec(doc);
  return m ? m[1]! : null;
}

function spaceMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('space');
}

function isOrigin(v: unknown): v is GeoPoint {
  if (typeof v !== 'object' || v === null) return false;
  const { lat, lon, alt } = v as Record<string, unknown>;
  if (typeof lat !== 'number' || typeof lon !== 'number' || typeof alt !== 'number') return false;
  try {
    checkGeoPoint({ lat, lon, alt });
    return true;
  } catch {
    return false;
  }
}

function isPrecision(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_GEOHASH_PRECISION;
}

export function readSpaceMeta(doc: Y.Doc): SpaceMeta {
  const map = spaceMap(doc);
  const origin = map.get('origin');
  const precision = map.get('precision');
  return {
    origin: isOrigin(origin) ? { lat: origin.lat, lon: origin.lon, alt: origin.alt } : null,
    precision: isPrecision(precision) ? precision : DEFAULT_CELL_PRECISION,
  };
}

/**
 * Writes the given fields (one transaction). `origin: null` removes the origin; omitted fields are left
 * as they are.
 */
export function writeSpaceMeta(doc: Y.Doc, meta: Partial<SpaceMeta>, origin?: unknown): void {
  if (meta.origin) checkGeoPoint(meta.origin, 'space origin');
  if (meta.precision !== undefined) checkPrecision(meta.precision);
  doc.transact(() => {
    const map = spaceMap(doc);
    if (meta.origin === null) map.delete('origin');
    else if (meta.origin) map.set('origin', { lat: meta.origin.lat, lon: meta.origin.lon, alt: meta.origin.alt });
    if (meta.precision !== undefined) map.set('precision', meta.precision);
  }, origin);
}
