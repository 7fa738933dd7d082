// rbush-knn ships no types. The reference makes the declaration visible to any program that reaches this
// file through an import (the test program does), not only to the client build that includes src/.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./rbush-knn.d.ts" />
import type RBush from 'rbush';
import knn from 'rbush-knn';
import type { Vec3 } from '@cairn/shared';

/**
 * k nearest items by true 3D distance over an R-tree of the horizontal plane (x, z).
 *
 * rbush-knn is a best-first search: it hands candidates to its predicate in nondecreasing 2D distance,
 * and every item not yet handed over is at least as far in 2D as the current one. The 3D distance of an
 * item is never less than its 2D distance. So once k accepted items are held and the next candidate's
 * 2D distance exceeds the k-th best 3D distance, no later item can make the top k: the predicate then
 * returns true once, which (with n = 1) ends the search. Until then it returns false and keeps its own
 * top k by (3D distance, id). A 2D `maxDistance` prunes exactly what 3D would also reject.
 */
export interface PlanarItem {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function nearest3d<T extends PlanarItem>(
  tree: RBush<T>,
  point: Readonly<Vec3>,
  k: number,
  maxDistance: number | undefined,
  yOf: (item: T) => number,
  idOf: (item: T) => string,
  accept: (item: T) => boolean,
): T[] {
  if (k <= 0) return [];
  const [px, py, pz] = point;
  const maxSq = maxDistance === undefined ? Infinity : maxDistance * maxDistance;
  const best: { item: T; d: number; id: string }[] = [];
  const before = (d: number, id: string, o: { d: number; id: string }) => d < o.d || (d === o.d && id < o.id);

  const visit = (item: T): boolean => {
    const dx = item.minX - px;
    const dz = item.minY - pz;
    const planar = dx * dx + dz * dz;
    const worst = best.length === k ? best[k - 1] : undefined;
    if (worst && planar > worst.d) return true;
    const dy = yOf(item) - py;
    const d = planar + dy * dy;
    if (d > maxSq || (worst && d > worst.d) || !accept(item)) return false;
    const id = idOf(item);
    if (worst && !before(d, id, worst)) return false;
    let i = best.length;
    while (i > 0 && before(d, id, best[i - 1]!)) i--;
    best.splice(i, 0, { item, d, id });
    if (best.length > k) best.pop();
    return false;
  };

  // rbush-knn treats a falsy maxDistance as "no limit"; the smallest positive double squares to 0,
  // which keeps only items at distance 0.
  const limit = maxDistance === undefined || maxDistance === Infinity ? undefined : maxDistance === 0 ? Number.MIN_VALUE : maxDistance;
  knn(tree, px, pz, 1, visit, limit);
  return best.map((b) => b.item);
}
