import RBush from 'rbush';
import { CairnError, createGeoFrame, distanceM, isQuat, isVec3, type GeoFrame, type GeoPoint, type Vec3 } from '@cairn/shared';
import { checkQuery, distanceSq, inBall, inBallAt, inBox, inBoxAt, type AnchorQuery } from './anchor-query.js';
import { createExpiryQueue } from './expiry-queue.js';
import { createGeoTree, type GeoTree } from './geo-tree.js';
import { isVisible, type IndexedAnchor } from './indexed-anchor.js';
import { createLiveQueries, type LiveQuery, type QueryDiff } from './live-queries.js';
import { nearest3d } from './nearest-3d.js';

/**
 * The replica's spatial index (DESIGN §2 ⑩, §6): an R-tree (rbush) over the horizontal plane of the
 * space frame (x, z), each item carrying its anchor so y filters and 3D distances need no lookup.
 * The index mirrors what it is given: `upsert` and `remove` are called for every applied change, and
 * queries return only anchors visible at `now()`: not deleted and not expired (X4). An anchor that is
 * not visible when written is dropped at once; one that expires later is hidden from queries at once
 * and dropped (with live queries told) by `sweep()`, which the owner runs at `nextExpiry()`.
 */
export interface AnchorIndexOptions {
  /** The space's geodetic origin; required by geoWithin. */
  origin?: GeoPoint;
  /** This replica's clock, Unix ms (X4). */
  now?: () => number;
  /** rbush node size (default 9). */
  nodeSize?: number;
}

export interface AnchorIndex<A extends IndexedAnchor = IndexedAnchor> {
  /** Anchors held, including any that expired since the last sweep(). */
  readonly size: number;
  /** Bulk insert or replace (rbush bulk load); the last of duplicate ids wins. */
  load(anchors: Iterable<A>): void;
  upsert(a: A): void;
  remove(id: string): boolean;
  get(id: string): A | undefined;
  all(): A[];
  /** Anchors inside the axis-aligned box (inclusive), unordered. */
  bbox(box: { min: Vec3; max: Vec3 }): A[];
  /** Anchors within radiusM (3D), unordered. */
  within(center: Vec3, radiusM: number): A[];
  /** The k anchors closest to the point (3D), closest first, ties by id. */
  nearest(point: Vec3, k: number, maxDistance?: number, filter?: (a: A) => boolean): A[];
  /** Anchors within radiusM great-circle distance of lat/lon (altitude ignored), unordered. */
  geoWithin(lat: number, lon: number, radiusM: number): A[];
  query(q: AnchorQuery<A>): A[];
  /** A live query: cb hears the initial result (if any) as `added`, then every change to it. */
  observe(q: AnchorQuery<A>, cb: (diff: QueryDiff) => void): LiveQuery;
  setOrigin(origin: GeoPoint | undefined): void;
  /** Drops anchors that expired; returns their ids. */
  sweep(): string[];
  nextExpiry(): number | undefined;
  clear(): void;
}

/**
 * One R-tree item. Position and visibility are copied onto the item, so a query filters on the item rbush
 * has just read and touches an anchor record only for the results it returns: with 100k anchors among the
 * replica's Yjs docs, chasing `a`, `a.p` and its elements for every candidate was most of a query's time
 * (bench/spatial: bbox at 100k 154 → ~50 µs).
 */
interface Entry<A> {
  /** x */
  minX: number;
  /** z */
  minY: number;
  maxX: number;
  maxY: number;
  y: number;
  /** Visible while now < until: the anchor's expiresAt, +Infinity without one, -Infinity once deleted. */
  until: number;
  a: A;
}

/** rbush's node, as its source builds it (rbush 4); `children` of a leaf are the items. */
interface TreeNode<T> {
  children: (TreeNode<T> | T)[];
  leaf: boolean;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** The leaf holding the item: the walk tree.remove() makes to find it (rbush keeps no parent links). */
function leafOf<T extends { minX: number; minY: number }>(tree: RBush<T>, item: T): TreeNode<T> | null {
  const stack: TreeNode<T>[] = [(tree as unknown as { data: TreeNode<T> }).data];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (item.minX < node.minX || item.minX > node.maxX || item.minY < node.minY || item.minY > node.maxY) continue;
    if (node.leaf) {
      if (node.children.includes(item)) return node;
      continue;
    }
    for (const child of node.children) stack.push(child as TreeNode<T>);
  }
  return null;
}

function checkAnchor(a: IndexedAnchor): void {
  const ok =
    typeof a === 'object' && a !== null && typeof a.id === 'string' && a.id.length > 0 && isVec3(a.p) && isQuat(a.q) &&
    typeof a.cell === 'string' && (a.expiresAt === undefined || (typeof a.expiresAt === 'number' && !Number.isNaN(a.expiresAt)));
  if (!ok) throw new CairnError('BAD_REQUEST', `not an indexable anchor: ${JSON.stringify(a)?.slice(0, 200)}`);
}

export function createAnchorIndex<A extends IndexedAnchor = IndexedAnchor>(opts: AnchorIndexOptions = {}): AnchorIndex<A> {
  const clock = opts.now ?? Date.now;
  const tree = new RBush<Entry<A>>(opts.nodeSize);
  const entries = new Map<string, Entry<A>>();
  const expiry = createExpiryQueue((id) => entries.get(id)?.a.expiresAt);
  let frame: GeoFrame | undefined = opts.origin ? createGeoFrame(opts.origin) : undefined;
  let geo: GeoTree<Entry<A>> | undefined;

  const geoTree = (): GeoTree<Entry<A>> | undefined => {
    if (frame && !geo) {
      geo = createGeoTree(frame);
      geo.load(Array.from(entries.values(), (e) => ({ id: e.a.id, entry: e, p: e.a.p })));
    }
    return geo;
  };

  const drop = (id: string): boolean => {
    const e = entries.get(id);
    if (!e) return false;
    tree.remove(e);
    geo?.remove(id);
    entries.delete(id);
    return true;
  };

  const untilOf = (a: A): number => (a.deleted !== undefined ? -Infinity : (a.expiresAt ?? Infinity));
  const entryOf = (a: A): Entry<A> => ({ minX: a.p[0], minY: a.p[2], maxX: a.p[0], maxY: a.p[2], y: a.p[1], until: untilOf(a), a });

  const put = (a: A): void => {
    const prev = entries.get(a.id);
    if (a.expiresAt !== undefined && a.expiresAt !== prev?.a.expiresAt) expiry.push(a.id, a.expiresAt);
    if (prev && prev.a.p[0] === a.p[0] && prev.a.p[1] === a.p[1] && prev.a.p[2] === a.p[2]) {
      prev.a = a;
      prev.until = untilOf(a);
      return;
    }
    if (prev) {
      // Moved. Still inside its leaf's box (most small moves): the item just changes its coordinates, as
      // every box above it still holds it; elsewhere the same item leaves the tree and comes back.
      const leaf = leafOf(tree, prev);
      const x = a.p[0];
      const z = a.p[2];
      const inside = leaf !== null && x >= leaf.minX && x <= leaf.maxX && z >= leaf.minY && z <= leaf.maxY;
      if (!inside) tree.remove(prev);
      prev.minX = prev.maxX = x;
      prev.minY = prev.maxY = z;
      prev.y = a.p[1];
      prev.until = untilOf(a);
      prev.a = a;
      if (!inside) tree.insert(prev);
      geo?.insert(a.id, prev, a.p); // replaces the id's item
      return;
    }
    const e = entryOf(a);
    entries.set(a.id, e);
    tree.insert(e);
    geo?.insert(a.id, e, a.p);
  };

  const run = (q: AnchorQuery<A>, live: boolean): A[] => {
    const now = clock();
    const shown = (e: Entry<A>) => now < e.until;
    switch (q.kind) {
      case 'bbox': {
        const { min, max } = q;
        const found = tree.search({ minX: min[0], minY: min[2], maxX: max[0], maxY: max[2] });
        const out: A[] = [];
        for (const e of found) if (shown(e) && inBoxAt(e.minX, e.y, e.minY, min, max)) out.push(e.a);
        return out;
      }
      case 'within': {
        const [cx, , cz] = q.center;
        // Widened by a hair so rounding in (center ± r) never cuts off a point the exact test keeps,
        // including offsets so tiny that their squares underflow to 0.
        const r = q.radiusM + 1e-9 * (q.radiusM + Math.abs(cx) + Math.abs(cz)) + 1e-150;
        const found = tree.search({ minX: cx - r, minY: cz - r, maxX: cx + r, maxY: cz + r });
        const out: A[] = [];
        for (const e of found) if (shown(e) && inBallAt(e.minX, e.y, e.minY, q.center, q.radiusM)) out.push(e.a);
        return out;
      }
      case 'nearest': {
        const { filter } = q;
        const accept = (e: Entry<A>) => shown(e) && (!filter || filter(e.a));
        return nearest3d(tree, q.point, q.k, q.maxDistance, (e) => e.y, (e) => e.a.id, accept).map((e) => e.a);
      }
      case 'geoWithin': {
        const g = geoTree();
        if (!g) {
          if (live) return [];
          throw new CairnError('BAD_REQUEST', 'geoWithin needs the space to have a geodetic origin');
        }
        return g.search(q).filter(shown).map((e) => e.a);
      }
    }
  };

  const live = createLiveQueries<A>({
    run: (q) => run(q, true),
    lookup: (id) => index.get(id),
    distanceSq: (q, a) => distanceSq(a.p, q.point),
    matches(q, a) {
      switch (q.kind) {
        case 'bbox':
          return inBox(a.p, q.min, q.max);
        case 'within':
          return inBall(a.p, q.center, q.radiusM);
        case 'geoWithin': {
          const at = geoTree()?.coords(a.id);
          return at !== undefined && distanceM(q, at) <= q.radiusM;
        }
        case 'nearest':
          return false;
      }
    },
  });

  const query = (q: AnchorQuery<A>): A[] => {
    checkQuery(q);
    return run(q, false);
  };

  const index: AnchorIndex<A> = {
    get size() {
      return entries.size;
    },
    load(anchors) {
      const batch = new Map<string, A>();
      for (const a of anchors) {
        checkAnchor(a);
        batch.set(a.id, a);
      }
      const now = clock();
      const fresh: Entry<A>[] = [];
      for (const a of batch.values()) {
        drop(a.id);
        if (!isVisible(a, now)) continue;
        const e = entryOf(a);
        entries.set(a.id, e);
        fresh.push(e);
        if (a.expiresAt !== undefined) expiry.push(a.id, a.expiresAt);
      }
      tree.load(fresh);
      geo?.load(fresh.map((e) => ({ id: e.a.id, entry: e, p: e.a.p })));
      live.touched(batch.keys());
    },
    upsert(a) {
      checkAnchor(a);
      if (isVisible(a, clock())) put(a);
      else drop(a.id);
      live.touched([a.id]);
    },
    remove(id) {
      const had = drop(id);
      if (had) live.touched([id]);
      return had;
    },
    get(id) {
      const e = entries.get(id);
      return e && isVisible(e.a, clock()) ? e.a : undefined;
    },
    all() {
      const now = clock();
      return Array.from(entries.values(), (e) => e.a).filter((a) => isVisible(a, now));
    },
    bbox: (box) => query({ kind: 'bbox', min: box.min, max: box.max }),
    within: (center, radiusM) => query({ kind: 'within', center, radiusM }),
    nearest: (point, k, maxDistance, filter) =>
      query({ kind: 'nearest', point, k, ...(maxDistance === undefined ? {} : { maxDistance }), ...(filter ? { filter } : {}) }),
    geoWithin: (lat, lon, radiusM) => query({ kind: 'geoWithin', lat, lon, radiusM }),
    query,
    observe(q, cb) {
      checkQuery(q);
      return live.observe(q, cb);
    },
    setOrigin(origin) {
      frame = origin ? createGeoFrame(origin) : undefined;
      geo = undefined;
      live.rerun((q) => q.kind === 'geoWithin');
    },
    sweep() {
      // popDue yields only ids whose current expiresAt has passed.
      const gone = expiry.popDue(clock()).filter(drop);
      live.touched(gone);
      return gone;
    },
    nextExpiry: () => expiry.next(),
    clear() {
      const ids = [...entries.keys()];
      tree.clear();
      entries.clear();
      expiry.clear();
      geo = undefined;
      live.touched(ids);
    },
  };
  return index;
}
