import { CairnError, checkGeoCircle, isVec3, type Vec3 } from '@cairn/shared';
import type { IndexedAnchor } from './indexed-anchor.js';

/**
 * The queries the anchor index answers, as data, so that a live query (`observe`) and a one-shot query
 * run the same predicate. Distances are in meters; `within` and `nearest` use true 3D distance;
 * `geoWithin` is great-circle distance on the surface (altitude ignored).
 */
export type AnchorQuery<A extends IndexedAnchor = IndexedAnchor> =
  | { kind: 'bbox'; min: Vec3; max: Vec3 }
  | { kind: 'within'; center: Vec3; radiusM: number }
  | { kind: 'nearest'; point: Vec3; k: number; maxDistance?: number; filter?: (a: A) => boolean }
  | { kind: 'geoWithin'; lat: number; lon: number; radiusM: number };

function bad(detail: string): CairnError {
  return new CairnError('BAD_REQUEST', detail);
}

function checkPoint(v: unknown, what: string): void {
  if (!isVec3(v)) throw bad(`${what} must be [x, y, z] of finite numbers`);
}

function checkDistance(d: unknown, what: string): void {
  if (typeof d !== 'number' || Number.isNaN(d) || d < 0) throw bad(`${what} must be a number >= 0 (got ${String(d)})`);
}

export function checkQuery<A extends IndexedAnchor>(q: AnchorQuery<A>): void {
  switch (q.kind) {
    case 'bbox':
      checkPoint(q.min, 'bbox min');
      checkPoint(q.max, 'bbox max');
      if (q.min[0] > q.max[0] || q.min[1] > q.max[1] || q.min[2] > q.max[2]) throw bad('bbox min must be <= max on every axis');
      return;
    case 'within':
      checkPoint(q.center, 'within center');
      checkDistance(q.radiusM, 'within radius');
      return;
    case 'nearest':
      checkPoint(q.point, 'nearest point');
      if (!Number.isInteger(q.k) || q.k < 0) throw bad(`nearest k must be an integer >= 0 (got ${String(q.k)})`);
      if (q.maxDistance !== undefined) checkDistance(q.maxDistance, 'nearest maxDistance');
      return;
    case 'geoWithin':
      checkGeoCircle(q);
      return;
    default:
      throw bad(`unknown query kind ${JSON.stringify((q as { kind: unknown }).kind)}`);
  }
}

export function inBox(p: Readonly<Vec3>, min: Readonly<Vec3>, max: Readonly<Vec3>): boolean {
  return inBoxAt(p[0], p[1], p[2], min, max);
}

/** inBox for a position given as coordinates (the index keeps them on its R-tree items). */
export function inBoxAt(x: number, y: number, z: number, min: Readonly<Vec3>, max: Readonly<Vec3>): boolean {
  return x >= min[0] && x <= max[0] && y >= min[1] && y <= max[1] && z >= min[2] && z <= max[2];
}

/** Squared 3D distance, summed in the order nearest3d uses so ties compare identically. */
export function distanceSq(a: Readonly<Vec3>, b: Readonly<Vec3>): number {
  return distanceSqAt(a[0], a[1], a[2], b);
}

export function distanceSqAt(x: number, y: number, z: number, b: Readonly<Vec3>): number {
  const dx = x - b[0];
  const dy = y - b[1];
  const dz = z - b[2];
  return dx * dx + dz * dz + dy * dy;
}

export function inBall(p: Readonly<Vec3>, center: Readonly<Vec3>, radiusM: number): boolean {
  return distanceSq(p, center) <= radiusM * radiusM;
}

/** inBall for a position given as coordinates. */
export function inBallAt(x: number, y: number, z: number, center: Readonly<Vec3>, radiusM: number): boolean {
  return distanceSqAt(x, y, z, center) <= radiusM * radiusM;
}
