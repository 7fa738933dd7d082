/**
 * `space.anchors`: writes go into cell docs with no network (the outbox does the rest), reads come from
 * the space's index (index-sync.ts keeps it equal to the merged view of the open cells, X1).
 *
 * Every write holds the cells it writes into (CellDocs) while it runs, re-reads the anchor once they are
 * open, and stamps the change with the replica's HLC, which never runs behind a clock it has seen, so a
 * new pose always supersedes the one it replaces (X2). A move across a cell edge is two transactions:
 * the whole anchor into the new cell first (it wins at once, by its newer HLC), then the forwarding
 * tombstone in the old one, so the local view never loses the anchor in between; other replicas may see
 * the two in any order (X3 holds for every interleaving).
 */
import type * as Y from 'yjs';
import {
  addPlatformRef, assert, CairnError, cellOf, copyProps, isPose, markDeleted, markMoved, newAnchorId, normalizeQuat,
  ORIGIN, propWritesOf, putAnchor, readCell, setExpiry, setPose, setProps,
  type AnchorPose, type GeoFrame, type GeoPoint, type Hlc, type PlatformRef, type Pose,
} from '@cairn/shared';
import type { Emitter } from '../emitter.js';
import type { AnchorIndex } from './anchor-index.js';
import type { CellDocs } from './cell-docs.js';
import { createCreateBatch } from './create-batch.js';
import type { IndexSync, SpaceAnchorRecord } from './index-sync.js';
import type { AnchorChange, Anchors, SpaceAnchor } from './space-api.js';

export interface AnchorsHost {
  space: string;
  /** Resolves once the space's meta doc is loaded; every write waits for it. */
  ready(): Promise<void>;
  index: AnchorIndex<SpaceAnchorRecord>;
  sync: IndexSync;
  cells: CellDocs;
  hlc: Hlc;
  frame(): GeoFrame;
  /** X6: the origin every pose written now is stamped with (the one `frame()` is at), null without one. */
  authoringOrigin(): GeoPoint | null;
  precision(): number;
  /** createdBy and deleted.by: the replica's id. */
  replicaId(): string;
  now(): number;
  changes: Emitter<{ change: AnchorChange }>;
  /** Resolves once every local update made so far is in the replica (create-batch.ts). */
  stored(): Promise<void>;
}

function bad(detail: string): CairnError {
  return new CairnError('BAD_REQUEST', detail);
}

function checkPose(pose: unknown): Pose {
  if (!isPose(pose)) throw bad('a pose is {p: [x, y, z], q: [x, y, z, w]} of finite numbers');
  return { p: [pose.p[0], pose.p[1], pose.p[2]], q: normalizeQuat(pose.q) };
}

function checkProps(props: unknown): Record<string, unknown> {
  if (props === undefined) return {};
  if (typeof props !== 'object' || props === null || Array.isArray(props)) throw bad('props must be a plain object');
  return props as Record<string, unknown>;
}

function checkTtl(ttlMs: unknown): number | null {
  if (ttlMs === undefined || ttlMs === null) return null;
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < 0) throw bad(`ttlMs must be a finite number >= 0 or null (got ${String(ttlMs)})`);
  return ttlMs;
}

function checkRef(ref: unknown): PlatformRef {
  const r = ref as Partial<PlatformRef> | null;
  if (typeof r !== 'object' || r === null || typeof r.kind !== 'string' || !r.kind || typeof r.handle !== 'string' || !r.handle) {
    throw bad('a platform ref is {kind, handle, deviceId?} with non-empty strings');
  }
  if (r.deviceId !== undefined && typeof r.deviceId !== 'string') throw bad('a platform ref deviceId must be a string');
  return { kind: r.kind, handle: r.handle, ...(r.deviceId !== undefined ? { deviceId: r.deviceId } : {}) };
}

export function createAnchors(h: AnchorsHost): Anchors {
  const iso = (ms: number) => new Date(ms).toISOString();

  const cellFor = (p: Pose['p']): string => {
    const g = h.frame().toGeo(p);
    if (!Number.isFinite(g.lat) || !Number.isFinite(g.lon)) throw bad(`position [${p.join(', ')}] has no place on Earth in this space`);
    return cellOf(g.lat, g.lon, h.precision());
  };

  /** X6: a pose as written, in the frame current at this writer and stamped with its origin. */
  const authored = (pose: Pose, hlc: string): AnchorPose => {
    const o = h.authoringOrigin();
    return { p: pose.p, q: pose.q, hlc, ...(o ? { frame: o } : {}) };
  };

  const current = (id: string): SpaceAnchorRecord => {
    const a = h.sync.peek(id);
    if (!a) throw bad(`no anchor ${JSON.stringify(id)} in the open cells of space ${JSON.stringify(h.space)}`);
    return a;
  };

  /** An HLC later than the anchor's pose, whatever this clock has seen so far. */
  const stamp = (a: SpaceAnchor): string => {
    if (a.pose.hlc >= h.hlc.last()) h.hlc.receive(a.pose.hlc);
    return h.hlc.now();
  };

  const docOf = (cell: string): Y.Doc => {
    const doc = h.cells.doc(cell);
    assert(doc, `cell ${cell} is held but not open`);
    return doc;
  };

  const transact = (cell: string, fn: (doc: Y.Doc) => void): void => {
    const doc = docOf(cell);
    doc.transact(() => fn(doc), ORIGIN.LOCAL);
  };

  /** Holds the cells while the synchronous write runs (a region letting go cannot close them meanwhile). */
  const write = async <T>(cells: readonly string[], fn: () => T): Promise<T> => {
    await h.cells.acquire(cells);
    try {
      return fn();
    } finally {
      await h.cells.release(cells);
    }
  };

  /** The anchor as a write just left it (read before the write lets go of its cells). */
  const written = (id: string): SpaceAnchor => {
    const a = h.sync.peek(id);
    assert(a, `anchor ${id} missing from the merged view right after a write`);
    return a;
  };

  /** Creates started in one turn: one transaction per cell (create-batch.ts). */
  const creates = createCreateBatch({ hold: write, transact, written, stored: () => h.stored() });

  /**
   * O2: a write resolves once its update is in the replica (doc state and outbox row, O1), as a create does
   * (create-batch.ts): what the app was told was written survives a reload.
   */
  const kept = async <T>(result: T): Promise<T> => {
    await h.stored();
    return result;
  };

  /** A write to an existing anchor in the cell it lives in now. */
  const edit = async (id: string, fn: (a: SpaceAnchorRecord) => void): Promise<SpaceAnchor> => {
    await h.ready();
    return kept(await write([current(id).cell], () => {
      fn(current(id));
      return written(id);
    }));
  };

  const moveAcross = (id: string, pose: Pose, to: string): void => {
    const a = current(id);
    const hlc = stamp(a);
    if (a.cell === to) return transact(to, (doc) => setPose(doc, id, authored(pose, hlc)));
    const from = a.cell;
    // Props go with their own clocks, deletes included (X5): an older stay's props in the new cell lose to
    // them, and an edit made concurrently in the old cell still wins where it is newer.
    const only = new Set([id]);
    const props = propWritesOf(h.sync.cellsOf(id).flatMap((cell) => {
      const doc = h.cells.doc(cell);
      return doc ? readCell(doc, cell, only) : [];
    }));
    transact(to, (doc) => {
      // The expiry an earlier stay of the anchor left in this cell must not come back: it is rewritten.
      putAnchor(doc, {
        id,
        pose: authored(pose, hlc),
        created: { by: a.createdBy, at: a.createdAt },
        expiresAt: a.expiresAt ?? null,
        platformRefs: a.platformRefs ?? [],
      });
      copyProps(doc, id, props);
    });
    transact(from, (doc) => markMoved(doc, id, to, hlc));
  };

  return {
    async create(input) {
      await h.ready();
      const pose = checkPose(input?.pose);
      const props = checkProps(input.props);
      const ttl = checkTtl(input.ttlMs);
      const refs = (input.platformRefs ?? []).map(checkRef);
      const now = Math.floor(h.now());
      const id = newAnchorId(now);
      const cell = cellFor(pose.p);
      return creates.add({
        id,
        cell,
        put: (doc) =>
          putAnchor(doc, {
            id,
            pose: authored(pose, h.hlc.now()),
            props,
            created: { by: h.replicaId(), at: iso(now) },
            ...(ttl === null ? {} : { expiresAt: now + ttl }),
            platformRefs: refs,
          }),
      });
    },
    get: (id) => h.index.get(id),
    all: () => h.index.all(),
    async move(id, pose) {
      await h.ready();
      const p = checkPose(pose);
      const to = cellFor(p.p);
      return kept(await write([current(id).cell, to], () => {
        moveAcross(id, p, to);
        return written(id);
      }));
    },
    update(id, props) {
      const patch = checkProps(props);
      return edit(id, (a) => transact(a.cell, (doc) => setProps(doc, id, patch, stamp(a))));
    },
    async delete(id) {
      await h.ready();
      current(id);
      // Every open cell that holds the id gets the tombstone: a replica holding only one of them still
      // sees the delete, which wins over any concurrent move.
      const cells = h.sync.cellsOf(id);
      await write(cells, () => {
        current(id);
        const at = iso(h.now());
        for (const cell of h.sync.cellsOf(id)) transact(cell, (doc) => markDeleted(doc, id, at, h.replicaId()));
      });
      await h.stored();
    },
    extendTtl(id, ttlMs) {
      const ttl = checkTtl(ttlMs);
      return edit(id, (a) => transact(a.cell, (doc) => setExpiry(doc, id, ttl === null ? null : Math.floor(h.now()) + ttl, stamp(a))));
    },
    addPlatformRef(id, ref) {
      const r = checkRef(ref);
      return edit(id, (a) => transact(a.cell, (doc) => addPlatformRef(doc, id, r)));
    },
    bbox: (box) => h.index.bbox(box),
    within: (center, radiusM) => h.index.within(center, radiusM),
    nearest: (point, k, maxDistance, filter) => h.index.nearest(point, k, maxDistance, filter),
    geoWithin: (lat, lon, radiusM) => h.index.geoWithin(lat, lon, radiusM),
    observe: (query, cb) => h.index.observe(query, cb),
    onChange: (cb) => h.changes.on('change', cb),
  };
}
