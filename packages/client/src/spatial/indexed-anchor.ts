import type { Quat, Vec3 } from '@cairn/shared';

/**
 * What the replica's R-tree needs of an anchor (DESIGN §6). The index is generic over subtypes, so the
 * replica can index its full anchor records and get them back from queries.
 */
export interface IndexedAnchor {
  id: string;
  /** Position in the space frame (meters; +X east, +Y up, -Z north). */
  p: Vec3;
  q: Quat;
  /** Geohash of the cell doc that holds the anchor. */
  cell: string;
  /** Unix ms; at and after this instant the anchor is hidden (X4). */
  expiresAt?: number;
  deleted?: { at: string; by: string };
}

/** X4: visibility is decided by this replica's own clock, online or not. */
export function isVisible(a: Readonly<IndexedAnchor>, nowMs: number): boolean {
  return a.deleted === undefined && (a.expiresAt === undefined || nowMs < a.expiresAt);
}
