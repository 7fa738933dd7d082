/**
 * One id's row of the merged view, from its entries in every cell: the very fold replicas use
 * (mergeEntries, X2/X3), at `now = 0` so that expiry is left to the query (X4), with its pose in the
 * space's winning frame (X6: a pose authored in another origin is transformed, as every replica does) and
 * its place on Earth when the space has a geodetic origin. Both stores call this inside their apply
 * transaction.
 */
import {
  createGeoFrame, createSpaceFrame, mergeEntries, type CellEntry, type GeoFrame, type GeoPoint, type SpaceFrame, type Vec3,
} from '@cairn/shared';
import type { AnchorRecord } from './anchor-store.js';

/** Merge time: every expiry is in the future of 0 (ms since the epoch), so none is applied here. */
const MERGE_NOW = 0;

/** The space's winning frame: where poses are shown (X6) and how they are placed on Earth. */
export interface RowFrame {
  space: SpaceFrame;
  /** null without an origin. */
  geo: GeoFrame | null;
}

export function frameOf(origin: GeoPoint | null): RowFrame {
  return { space: createSpaceFrame(origin), geo: origin ? createGeoFrame(origin) : null };
}

/** Where a local position is, or null without an origin (or for a position too far out to place). */
export function locate(frame: GeoFrame | null, p: Readonly<Vec3>): GeoPoint | null {
  if (!frame) return null;
  const g = frame.toGeo(p);
  return Number.isFinite(g.lat) && Number.isFinite(g.lon) && Number.isFinite(g.alt) ? g : null;
}

/**
 * The id's row, or null when no live entry wins (deleted anywhere, or forwarded everywhere). Zeros are
 * positive: the SQL stores take rows as one JSON parameter and REST answers in JSON, and JSON has no -0, so
 * every store holds a pose written as [-45, 0, -0] as [-45, 0, 0].
 */
export function mergeRecord(space: string, entries: readonly CellEntry[], frame: RowFrame): AnchorRecord | null {
  const merged = mergeEntries(space, entries, MERGE_NOW);
  if (!merged) return null;
  const anchor = frame.space.anchor(merged);
  return positiveZeros({ anchor, geo: locate(frame.geo, anchor.pose.p) });
}

/** True when an entry's pose carries an authoring origin: its row moves when the winning origin does (X6). */
export function hasFramedPose(entries: readonly CellEntry[]): boolean {
  return entries.some((e) => e.pose?.frame !== undefined);
}

/** -0 as 0, everywhere in a value (plain data: arrays, objects, primitives). */
export function positiveZeros<T>(value: T): T {
  if (Object.is(value, -0)) return 0 as T;
  if (Array.isArray(value)) return value.map(positiveZeros) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, positiveZeros(v)])) as T;
  }
  return value;
}

export function sameOrigin(a: GeoPoint | null, b: GeoPoint | null): boolean {
  return a === b || (a !== null && b !== null && a.lat === b.lat && a.lon === b.lon && a.alt === b.alt);
}
