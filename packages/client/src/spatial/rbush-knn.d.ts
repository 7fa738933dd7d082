// rbush-knn ships no types. Its contract (README): items come out in increasing 2D distance from
// (x, y); `predicate` sees each candidate in that order; the search stops once `n` items passed it.
declare module 'rbush-knn' {
  import type RBush from 'rbush';
  export default function knn<T>(
    tree: RBush<T>,
    x: number,
    y: number,
    n?: number,
    predicate?: (item: T) => boolean,
    maxDistance?: number,
  ): T[];
}
