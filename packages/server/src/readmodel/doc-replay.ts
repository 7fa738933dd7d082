/**
 * The read model's own copies of cell and meta docs, rebuilt from the Store's log (snapshot + updates) and
 * moved forward by replaying the versions after theirs. Replaying records the anchor ids each update's
 * transaction touched (touchedAnchorIds), which is what makes an incremental change small.
 *
 * These copies are NOT the rooms' docs: a room may be at another version, be evicted, or not exist on
 * this node at all. A bounded cache (doc-cache.ts) keeps the hot ones so a busy cell is not rebuilt at
 * every commit.
 */
import * as Y from 'yjs';
import { ORIGIN, isCairnError, readCell, touchedAnchorIds } from '@cairn/shared';
import type { Store } from '../store/store.js';
import { rebuildDoc } from '../room/rebuild-doc.js';

export interface ReplayedDoc {
  readonly ydoc: Y.Doc;
  /** The doc holds every update with version ≤ this. */
  version: number;
  /** Bytes of snapshot and updates applied to it: the cache's measure of its size (doc-cache.ts). */
  bytes: number;
}

/**
 * A fresh doc. For a cell doc the anchor maps are defined up front: an update that arrives before its
 * root type is defined lands in a placeholder type, and a transaction's changes would then be keyed by
 * the placeholder instead of the map touchedAnchorIds looks for.
 */
function emptyDoc(cell: string | null): Y.Doc {
  const ydoc = new Y.Doc({ gc: true });
  if (cell !== null) readCell(ydoc, cell, new Set());
  return ydoc;
}

/** Versions of the doc's log that are quarantined (C4) and not dropped: every copy of the doc leaves them out. */
async function quarantinedVersions(store: Store, tenant: string, doc: string): Promise<Set<number>> {
  return new Set((await store.listQuarantined(tenant, doc)).filter((q) => q.droppedAt === null).map((q) => q.version));
}

/**
 * The doc at the Store's head: snapshot, then the updates after it, one at a time and without the
 * quarantined ones, as rooms load it (C4). If a row throws, the doc is built the slow way, as a room would
 * (room/rebuild-doc.ts: the row to blame is quarantined and left out), so the read model never holds what
 * the rooms left out and a bad row never stops it.
 */
export async function loadDoc(store: Store, tenant: string, doc: string, cell: string | null): Promise<ReplayedDoc> {
  const skip = await quarantinedVersions(store, tenant, doc);
  let ydoc = emptyDoc(cell);
  let version = 0;
  let bytes = 0;
  try {
    const snapshot = await store.loadSnapshot(tenant, doc);
    if (snapshot) {
      Y.applyUpdate(ydoc, snapshot.state, ORIGIN.HYDRATE);
      version = snapshot.version;
      bytes = snapshot.state.byteLength;
    }
    for (const row of await store.loadUpdates(tenant, doc, version)) {
      if (!skip.has(row.version)) Y.applyUpdate(ydoc, row.update, ORIGIN.HYDRATE);
      version = row.version;
      bytes += row.update.byteLength;
    }
    return { ydoc, version, bytes };
  } catch (err) {
    if (isCairnError(err)) throw err; // the Store failed, not a row: the updater retries
    ydoc.destroy();
  }
  const built = await rebuildDoc({
    store, tenant, doc, upTo: undefined, skip,
    quarantine: async (v, reason) => {
      await store.quarantine(tenant, doc, v, reason);
    },
  });
  ydoc = emptyDoc(cell);
  const state = Y.encodeStateAsUpdate(built.doc);
  Y.applyUpdate(ydoc, state, ORIGIN.HYDRATE);
  built.doc.destroy();
  return { ydoc, version: built.version, bytes: state.byteLength };
}

/** A row threw while a cached copy moved forward: the copy may be half-applied and must be loaded again. */
export class ReplayBroken extends Error {
  override name = 'ReplayBroken';
}

/**
 * Applies the Store's versions after `d.version` to the doc, in order, leaving out quarantined ones, and
 * returns the anchor ids they touched (for a meta doc, `cell` null, always empty). Throws ReplayBroken if
 * a row throws, or if compaction trimmed versions the copy still needs: the caller drops this copy and loads the doc again (loadDoc).
 */
export async function advanceDoc(store: Store, tenant: string, doc: string, d: ReplayedDoc, cell: string | null): Promise<Set<string>> {
  let rows;
  try {
    rows = await store.loadUpdates(tenant, doc, d.version);
  } catch (err) {
    // Compaction trimmed versions this copy lacks: only a fresh load (from the snapshot) can bring it on.
    if (isCairnError(err) && err.code === 'HISTORY_TRIMMED') throw new ReplayBroken(`versions after ${d.version} were trimmed`, { cause: err });
    throw err;
  }
  const touched = new Set<string>();
  if (rows.length === 0) return touched;
  const skip = await quarantinedVersions(store, tenant, doc);
  const collect = (tx: Y.Transaction) => {
    for (const id of touchedAnchorIds(tx, d.ydoc)) touched.add(id);
  };
  if (cell !== null) d.ydoc.on('afterTransaction', collect);
  try {
    for (const row of rows) {
      if (row.version !== d.version + 1) break; // never skip a version; the next run loads from here
      if (!skip.has(row.version)) {
        try {
          Y.applyUpdate(d.ydoc, row.update, ORIGIN.REMOTE);
          d.bytes += row.update.byteLength;
        } catch (err) {
          throw new ReplayBroken(`version ${row.version} does not apply`, { cause: err });
        }
      }
      d.version = row.version;
    }
  } finally {
    if (cell !== null) d.ydoc.off('afterTransaction', collect);
  }
  return touched;
}
