/**
 * The read model's half of the Store seam: a queryable table of every space's merged anchors, kept up to
 * date from committed cell and meta docs by readmodel/updater.ts. Implemented on SQL (sql-anchor-store.ts,
 * Postgres and PGlite, tables of migrations/002-anchors.ts) and in memory (memory-anchor-store.ts); a
 * Store exposes it as `store.anchors`.
 *
 * Three layers, all keyed by tenant (S5):
 *
 *   entries    (tenant, space, cell, id) → the anchor as ONE cell doc holds it (readCell's CellEntry)
 *   anchors    (tenant, space, id)       → mergeEntries over every cell's entry of the id, with lat/lon
 *   progress   (tenant, doc)             → the doc version the entries (or the space meta) reflect
 *
 * Every apply is one transaction that moves a doc's progress forward, never back: a change for a version
 * the read model already has is `stale` and writes nothing, so two nodes catching up on one doc cannot
 * overwrite a newer state with an older one. An incremental change (`since: n`) lists only the anchors
 * touched after version n, so it is only valid on top of a read model at n or later: below n it is
 * `behind` and the caller sends a full recompute (`since: null`) instead.
 *
 * Merging an id reads the entries of EVERY cell holding it, so two cells' changes to one id (a move across
 * a cell edge, committed on two nodes) must not merge concurrently: the SQL store serializes them with
 * transaction advisory locks per (space, id bucket). The space's origin row is read under a shared lock,
 * and a meta change that moves the origin takes it exclusively, so lat/lon never mix two origins.
 *
 * Expiry is NOT applied when merging (merge time is `now = 0`): `expires_at` is stored and compared with
 * the clock of the query instead (X4), so an anchor disappears from results the moment it expires with
 * no write at all.
 */
import type { Anchor, CellEntry, GeoPoint, GeoRect, LatLon, SpaceMeta } from '@cairn/shared';

export interface CellChange {
  tenant: string;
  /** The cell doc, `<space>/cell/<geohash>`. */
  doc: string;
  space: string;
  cell: string;
  /** The doc version the entries were read at. */
  version: number;
  /**
   * null: a full recompute; `entries` are every anchor of the cell and stored entries of the cell not among
   * them are removed. n: `entries` and `removed` cover every anchor touched by versions (n, version].
   */
  since: number | null;
  entries: readonly CellEntry[];
  /** Touched ids the cell doc no longer holds any key of (incremental changes only). */
  removed: readonly string[];
}

export interface MetaChange {
  tenant: string;
  /** The meta doc, `<space>/meta`. */
  doc: string;
  space: string;
  version: number;
  meta: SpaceMeta;
}

export type ApplyOutcome =
  /** Written; the doc's progress is now `version`. */
  | { kind: 'applied' }
  /** The read model already reflects `applied` ≥ the change's version; nothing was written. */
  | { kind: 'stale'; applied: number }
  /** The read model is at `applied` < the change's `since`: an incremental change would miss updates. */
  | { kind: 'behind'; applied: number };

/** A row of the merged view: the anchor (never deleted, maybe expired) and where it is on Earth. */
export interface AnchorRecord {
  anchor: Anchor;
  /** null when the space has no geodetic origin. */
  geo: GeoPoint | null;
}

export type AnchorQuery =
  /** Anchors inside any of the rectangles (an antimeridian-crossing box is two). */
  | { kind: 'rects'; rects: readonly GeoRect[] }
  /** Anchors within radiusM (great-circle) of the center; `rects` bound the circle (circleRects). */
  | { kind: 'near'; center: LatLon; radiusM: number; rects: readonly GeoRect[] }
  /** Anchors whose cell starts with `prefix`, with or without a geodetic position. */
  | { kind: 'cell'; prefix: string };

export interface QueryOptions {
  /** Anchors with expiresAt ≤ now are left out (ms since the epoch). */
  now: number;
  limit: number;
}

/**
 * What the purge (purge/purger.ts) asks the read model for: cut-off points computed from its `now` and
 * the grace settings. Every bound is inclusive (a value equal to the cut-off is due).
 */
export interface PurgeCutoffs {
  /** Anchors whose merged expiresAt (ms) is at or before this are due: they expired a grace period ago. */
  expiredBefore: number;
  /** Tombstones (`deleted.at`, ISO 8601 as clients write it, compared as text) at or before this are due. */
  deletedBefore: string;
  /** Bare tombstones (nothing left but `deleted`) at or before this go too; null: tombstones are kept forever. */
  droppedBefore: string | null;
  /** Forwarding entries whose move's hlc is before this (an hlc prefix, compared as text) are due. */
  forwardedBefore: string;
}

/**
 * One cell's entry of an anchor that is due. `expired`, `deleted`: the cell is to keep only the tombstone
 * (`deleted` is the one to write where the cell has none; null for an expired anchor: the purge's own);
 * `tombstone`: the bare tombstone itself goes; `forwarded`: the anchor lives in another cell and this
 * cell's forwarding entry goes whole.
 */
export interface PurgeCandidate {
  tenant: string;
  space: string;
  cell: string;
  id: string;
  reason: 'expired' | 'deleted' | 'tombstone' | 'forwarded';
  deleted: { at: string; by: string } | null;
}

/** Where a page of candidates ends: the next page starts strictly after it, in (tenant, space, cell, id) code-unit order. */
export type PurgeCursor = Pick<PurgeCandidate, 'tenant' | 'space' | 'cell' | 'id'>;

export interface AnchorStore {
  applyCell(change: CellChange): Promise<ApplyOutcome>;
  applyMeta(change: MetaChange): Promise<ApplyOutcome>;
  /** The version of the doc the read model reflects, 0 if none. */
  appliedVersion(tenant: string, doc: string): Promise<number>;
  /**
   * Live anchors of a space matching the query: `rects` and `cell` in id order, `near` nearest first (ties
   * by id), at most `limit`.
   */
  query(tenant: string, space: string, query: AnchorQuery, options: QueryOptions): Promise<AnchorRecord[]>;
  /**
   * Every tenant's cell entries the purge is due to rewrite, at most `limit`, in (tenant, space, cell, id)
   * order after `after`. An id appears once per cell, with the first reason of: deleted, expired,
   * tombstone, forwarded. A deleted or expired anchor lists ALL its cells, so each gets the tombstone.
   */
  purgeCandidates(cutoffs: PurgeCutoffs, limit: number, after?: PurgeCursor): Promise<PurgeCandidate[]>;
}
