import type { AnchorQuery } from './anchor-query.js';
import type { IndexedAnchor } from './indexed-anchor.js';

/**
 * Live queries over the anchor index. After every change the index reports the ids it touched; each
 * observer re-checks exactly those ids against its query and hears what entered (added), what stayed
 * but was rewritten (changed), and what left (removed) its result. Region queries (bbox, within,
 * geoWithin) re-check only the touched ids; a nearest query re-runs unless every touched id provably
 * stays outside its top k.
 *
 * Callbacks run synchronously. A callback that edits the index queues its change until the current
 * round has reached every observer, and ids are always judged by their current value, so observers
 * never see changes out of order. If callbacks throw, all observers are still notified and the first
 * error is rethrown at the end.
 */
export interface QueryDiff {
  added: string[];
  changed: string[];
  removed: string[];
}

export interface LiveQuery {
  /** Ids in the query's current result (for nearest: closest first). */
  current(): string[];
  close(): void;
}

export interface LiveQuerySource<A extends IndexedAnchor> {
  run(q: AnchorQuery<A>): A[];
  /** The id's anchor if it is held and visible now. */
  lookup(id: string): A | undefined;
  /** Whether a visible anchor satisfies a bbox, within or geoWithin query. */
  matches(q: AnchorQuery<A>, a: A): boolean;
  /** Squared distance used by nearest queries. */
  distanceSq(q: Extract<AnchorQuery<A>, { kind: 'nearest' }>, a: A): number;
}

interface Observer<A extends IndexedAnchor> {
  query: AnchorQuery<A>;
  cb: (diff: QueryDiff) => void;
  ids: Set<string>;
  order: string[];
  kthSq: number;
  closed: boolean;
}

export function createLiveQueries<A extends IndexedAnchor>(src: LiveQuerySource<A>) {
  const observers = new Set<Observer<A>>();
  const pending: { ids: Set<string> | undefined; only?: (q: AnchorQuery<A>) => boolean }[] = [];
  let flushing = false;

  const setResult = (o: Observer<A>, result: A[]): void => {
    o.order = result.map((a) => a.id);
    o.ids = new Set(o.order);
    const last = result[result.length - 1];
    o.kthSq = o.query.kind === 'nearest' && last && result.length === o.query.k ? src.distanceSq(o.query, last) : Infinity;
  };

  // A nearest query must re-run unless each touched id is outside its result and stays out.
  const nearestUnaffected = (o: Observer<A>, touched: Set<string>): boolean => {
    const q = o.query;
    if (q.kind !== 'nearest') return false;
    for (const id of touched) {
      if (o.ids.has(id)) return false;
      const a = src.lookup(id);
      if (!a) continue;
      if (src.distanceSq(q, a) <= o.kthSq && (!q.filter || q.filter(a))) return false;
    }
    return true;
  };

  const diffOf = (o: Observer<A>, touched: Set<string> | undefined): QueryDiff => {
    const diff: QueryDiff = { added: [], changed: [], removed: [] };
    if (o.query.kind === 'nearest' || touched === undefined) {
      if (touched && nearestUnaffected(o, touched)) return diff;
      const before = o.ids;
      setResult(o, src.run(o.query));
      for (const id of o.order) {
        if (!before.has(id)) diff.added.push(id);
        else if (touched?.has(id)) diff.changed.push(id);
      }
      for (const id of before) if (!o.ids.has(id)) diff.removed.push(id);
      return diff;
    }
    for (const id of touched) {
      const a = src.lookup(id);
      const now = a !== undefined && src.matches(o.query, a);
      if (o.ids.has(id)) {
        if (now) diff.changed.push(id);
        else {
          o.ids.delete(id);
          diff.removed.push(id);
        }
      } else if (now) {
        o.ids.add(id);
        diff.added.push(id);
      }
    }
    o.order = Array.from(o.ids);
    return diff;
  };

  const flush = (): void => {
    if (flushing) return;
    flushing = true;
    let firstError: unknown;
    let failed = false;
    try {
      for (let round = pending.shift(); round; round = pending.shift()) {
        for (const o of Array.from(observers)) {
          if (o.closed || (round.only && !round.only(o.query))) continue;
          const diff = diffOf(o, round.ids);
          if (diff.added.length + diff.changed.length + diff.removed.length === 0) continue;
          try {
            o.cb(diff);
          } catch (err) {
            if (!failed) firstError = err;
            failed = true;
          }
        }
      }
    } finally {
      flushing = false;
    }
    if (failed) throw firstError;
  };

  return {
    observe(query: AnchorQuery<A>, cb: (diff: QueryDiff) => void): LiveQuery {
      const o: Observer<A> = { query, cb, ids: new Set(), order: [], kthSq: Infinity, closed: false };
      setResult(o, src.run(query));
      if (o.order.length > 0) cb({ added: [...o.order], changed: [], removed: [] });
      observers.add(o);
      return {
        current: () => [...o.order],
        close() {
          o.closed = true;
          observers.delete(o);
        },
      };
    },
    /** The index changed these ids. */
    touched(ids: Iterable<string>): void {
      if (observers.size === 0) return;
      const set = new Set(ids);
      if (set.size === 0) return;
      pending.push({ ids: set });
      flush();
    },
    /** Re-run the matching queries from scratch (their predicate itself changed, e.g. a new origin). */
    rerun(only: (q: AnchorQuery<A>) => boolean): void {
      if (observers.size === 0) return;
      pending.push({ ids: undefined, only });
      flush();
    },
  };
}

export type LiveQueries<A extends IndexedAnchor> = ReturnType<typeof createLiveQueries<A>>;
