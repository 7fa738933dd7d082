/**
 * Test support for the anchor read model: a writer replica that edits cell and meta docs with the shared
 * anchor layout (as the client does) and hands out the Yjs updates to push, and the oracle the read model
 * must agree with: mergeAnchorView over the docs rebuilt from the Store's log.
 */
import * as Y from 'yjs';
import {
  cellDocId, cellOfDocId, copyProps, createGeoFrame, createHlc, createSpaceFrame, markDeleted, markMoved, mergeAnchorView, metaDocId, propWritesOf,
  putAnchor, readCell, readSpaceMeta, setExpiry, setPose, setProps, writeSpaceMeta, type Anchor, type GeoPoint, type Vec3,
} from '@cairn/shared';
import type { AnchorRecord, Store } from '@cairn/server';
import { positiveZeros } from '../../packages/server/src/readmodel/anchor-row.js';

export interface DocUpdate {
  doc: string;
  update: Uint8Array;
}

export interface AnchorReplica {
  readonly name: string;
  /** Applies another replica's (or the server's) update, as a sync would. */
  receive(u: DocUpdate): void;
  create(space: string, cell: string, id: string, p: Vec3, opts?: { props?: Record<string, unknown>; expiresAt?: number }): DocUpdate[];
  /** Within a cell (`to` omitted or equal) or across a cell edge: forwarding tombstone + the whole anchor. */
  move(space: string, id: string, from: string, p: Vec3, to?: string): DocUpdate[];
  props(space: string, cell: string, id: string, patch: Record<string, unknown>): DocUpdate[];
  ttl(space: string, cell: string, id: string, expiresAt: number | null): DocUpdate[];
  remove(space: string, cell: string, id: string): DocUpdate[];
  meta(space: string, meta: { origin?: GeoPoint | null; precision?: number }): DocUpdate[];
}

export function anchorReplica(name: string, clock: () => number = Date.now): AnchorReplica {
  const docs = new Map<string, Y.Doc>();
  const hlc = createHlc(name, clock);
  const docOf = (doc: string) => {
    let d = docs.get(doc);
    if (!d) docs.set(doc, (d = new Y.Doc()));
    return d;
  };
  const edit = (doc: string, fn: (d: Y.Doc) => void): DocUpdate => {
    const d = docOf(doc);
    const before = Y.encodeStateVector(d);
    d.transact(() => fn(d), 'local');
    return { doc, update: Y.encodeStateAsUpdate(d, before) };
  };
  const live = (space: string, id: string, cell: string) => readCell(docOf(cellDocId(space, cell)), cell, new Set([id]))[0];
  return {
    name,
    receive: (u) => Y.applyUpdate(docOf(u.doc), u.update, 'remote'),
    create(space, cell, id, p, opts = {}) {
      const at = hlc.now();
      return [edit(cellDocId(space, cell), (d) => putAnchor(d, {
        id, pose: { p, q: [0, 0, 0, 1], hlc: at }, created: { by: name, at }, ...(opts.props ? { props: opts.props } : {}),
        ...(opts.expiresAt !== undefined ? { expiresAt: opts.expiresAt } : {}),
      }))];
    },
    move(space, id, from, p, to = from) {
      const at = hlc.now();
      const pose = { p, q: [0, 0.6, 0, 0.8] as [number, number, number, number], hlc: at };
      if (to === from) return [edit(cellDocId(space, from), (d) => setPose(d, id, pose))];
      const old = live(space, id, from);
      // Props go with their own clocks, as the client moves them (X5).
      const props = propWritesOf([...docs.keys()].flatMap((doc) => {
        const c = cellOfDocId(doc);
        return c?.space === space ? readCell(docs.get(doc)!, c.cell, new Set([id])) : [];
      }));
      const leave = edit(cellDocId(space, from), (d) => markMoved(d, id, to, at));
      const arrive = edit(cellDocId(space, to), (d) => {
        putAnchor(d, {
          id, pose, created: old?.created ?? { by: name, at },
          ...(old?.expiresAt !== undefined && old.expiresAt !== null ? { expiresAt: old.expiresAt } : {}),
        });
        copyProps(d, id, props);
      });
      return [leave, arrive];
    },
    props: (space, cell, id, patch) => [edit(cellDocId(space, cell), (d) => setProps(d, id, patch, hlc.now()))],
    ttl: (space, cell, id, expiresAt) => [edit(cellDocId(space, cell), (d) => setExpiry(d, id, expiresAt, hlc.now()))],
    remove: (space, cell, id) => [edit(cellDocId(space, cell), (d) => markDeleted(d, id, hlc.now(), name))],
    meta: (space, meta) => [edit(metaDocId(space), (d) => writeSpaceMeta(d, meta))],
  };
}

async function storedDoc(store: Store, tenant: string, doc: string): Promise<Y.Doc> {
  const d = new Y.Doc();
  for (const row of await store.loadUpdates(tenant, doc, 0)) Y.applyUpdate(d, row.update);
  return d;
}

/**
 * What the read model must hold for these cells at `now`: mergeAnchorView over the docs as committed,
 * each anchor placed with the space's origin as committed. Sorted by id.
 */
export async function expectedView(store: Store, tenant: string, space: string, cellDocs: readonly string[], now: number): Promise<AnchorRecord[]> {
  const entries = [];
  for (const doc of cellDocs) {
    const cell = cellOfDocId(doc);
    if (!cell) throw new Error(`not a cell doc: ${doc}`);
    entries.push(...readCell(await storedDoc(store, tenant, doc), cell.cell));
  }
  const { origin } = readSpaceMeta(await storedDoc(store, tenant, metaDocId(space)));
  const frame = origin ? createGeoFrame(origin) : null;
  const shown = createSpaceFrame(origin); // X6: poses in the winning frame
  const view: Anchor[] = [...mergeAnchorView(space, entries, now).values()].map((a) => shown.anchor(a));
  // JSON has no -0: every read model holds 0 where a doc holds -0 (see mergeRecord).
  return view.sort((a, b) => (a.id < b.id ? -1 : 1)).map((anchor) => positiveZeros({ anchor, geo: frame ? frame.toGeo(anchor.pose.p) : null }));
}


/** Every live anchor the read model holds for the space at `now`, sorted by id. */
export async function readModelView(store: Store, tenant: string, space: string, now: number): Promise<AnchorRecord[]> {
  return store.anchors.query(tenant, space, { kind: 'cell', prefix: '' }, { now, limit: 100_000 });
}
