/**
 * The public contract of spatial anchors on the client (DESIGN.md section 6): what
 * `client.space(name)` returns. Implemented in space.ts and its neighbours; the demo app and the tests
 * code against these types.
 */
import type { Anchor, GeoPoint, PlatformRef, Pose, Vec3 } from '@cairn/shared';
import type { AnchorAt, AnchorsAtQuery } from '../history/history-reads.js';
import type { SpacePresence } from '../presence/presence-api.js';
import type { AnchorQuery } from './anchor-query.js';
import type { LiveQuery, QueryDiff } from './live-queries.js';

export interface SpaceOptions {
  /**
   * The space's geodetic origin. Written to the space's meta doc (`<space>/meta`) if it has none yet;
   * the meta doc's value wins once synced. Without any origin, (0°, 0°, 0 m) is used, so the local frame
   * still partitions into cells.
   */
  origin?: GeoPoint;
  /** Geohash partition precision for cell docs, default 7 (~150 m cells). Also kept in the meta doc. */
  precision?: number;
}

export interface CreateAnchorInput {
  /**
   * Pose in the space frame (meters, WebXR convention): the frame of `space.origin` now. It is stored with
   * that origin, so it keeps its place on Earth if another origin wins later (X6).
   */
  pose: Pose;
  props?: Record<string, unknown>;
  /** Time to live from now, in ms; omitted or null = no expiry. */
  ttlMs?: number | null;
  platformRefs?: PlatformRef[];
}

/** An anchor as the replica's merged view shows it, its pose in the frame of `space.origin` (X6), with its geodetic position. */
export interface SpaceAnchor extends Anchor {
  lat: number;
  lon: number;
  alt: number;
}

export interface AnchorChange {
  added: string[];
  changed: string[];
  removed: string[];
  /** 'local' for this replica's own edits, 'remote' for the server's, 'hydrate' for replica loads, 'tab' for other tabs. */
  origin: 'local' | 'remote' | 'hydrate' | 'tab';
}

/**
 * Every write (create, move, update, delete, extendTtl, addPlatformRef) resolves once its update is in the
 * replica, doc state and outbox row together (O1, O2): what resolved survives a reload, offline too.
 */
export interface Anchors {
  /** Mints a UUIDv7 id on the device and writes the anchor into its cell doc (offline too). */
  create(input: CreateAnchorInput): Promise<SpaceAnchor>;
  get(id: string): SpaceAnchor | undefined;
  all(): SpaceAnchor[];
  /** Sets a new whole pose (X2); across a cell edge this is a move with a forwarding tombstone (X3). */
  move(id: string, pose: Pose): Promise<SpaceAnchor>;
  /** Merges props per key; a key set to undefined is removed. */
  update(id: string, props: Record<string, unknown>): Promise<SpaceAnchor>;
  /** Tombstones the anchor; delete wins over concurrent moves. */
  delete(id: string): Promise<void>;
  /** Sets the TTL to ttlMs from now (null = never expires). */
  extendTtl(id: string, ttlMs: number | null): Promise<SpaceAnchor>;
  addPlatformRef(id: string, ref: PlatformRef): Promise<SpaceAnchor>;
  bbox(box: { min: Vec3; max: Vec3 }): SpaceAnchor[];
  within(center: Vec3, radiusM: number): SpaceAnchor[];
  nearest(point: Vec3, k: number, maxDistance?: number, filter?: (a: SpaceAnchor) => boolean): SpaceAnchor[];
  geoWithin(lat: number, lon: number, radiusM: number): SpaceAnchor[];
  /** A live query over the index: the initial result as `added`, then every change. */
  observe(query: AnchorQuery, cb: (diff: QueryDiff) => void): LiveQuery;
  /** Every change of the merged view, whatever its origin. Returns an unsubscribe function. */
  onChange(cb: (change: AnchorChange) => void): () => void;
}

export interface RegionInput {
  lat: number;
  lon: number;
  radiusM: number;
}

export interface Region {
  /** The cells subscribed now (cover of the current circle plus cells kept for hysteresis). */
  readonly cells: readonly string[];
  /** Moves the region as the device walks: new cells are subscribed at once, left ones after the hysteresis delay. */
  move(input: RegionInput): Promise<void>;
  close(): Promise<void>;
}

export interface Space {
  readonly name: string;
  readonly origin: GeoPoint;
  readonly precision: number;
  readonly anchors: Anchors;
  /** Where the other devices in this device's region are, and where this one is (P4). */
  readonly presence: SpacePresence;
  /**
   * Subscribes the cell docs covering the circle, nearest first, keeping left cells for `hysteresisMs` (default
   * 30 s). A cover may hold up to MAX_REGION_CELLS (128) cells, about 700 m of radius at precision 7 at 49°;
   * a larger circle is refused with REGION_TOO_LARGE, whose message names the radius that fits and the precision
   * that would hold the asked one.
   */
  subscribeRegion(input: RegionInput, opts?: { hysteresisMs?: number }): Promise<Region>;
  /**
   * L1: the space's anchors as of a time, from the server (REST `anchors?at=`, read access), merged and
   * expired as of that time; not the local view. Default query: every anchor with a place on Earth.
   */
  anchorsAt(at: Date | string, query?: AnchorsAtQuery): Promise<AnchorAt[]>;
  /** Opens the cell docs for these geohash cells (used by regions; apps rarely need it). */
  openCells(cells: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
