/**
 * L1 for a whole space: its anchors as of a time. Every cell doc and the meta doc of the space are read at
 * that time (doc-at.ts) and folded into a throwaway in-memory read model, so the answer is merged and
 * queried by the very code that answers the live REST query (readmodel/), only over other versions.
 *
 * Cost: one read per doc of the space. A space's docs are read a few at a time; a space with thousands of
 * cells is a slow request (docs/DECISIONS.md, "History reads").
 */
import { cellOfDocId, metaDocId, readCell, readSpaceMeta, type CellEntry } from '@cairn/shared';
import type { Store } from '../store/store.js';
import type { AnchorQuery, AnchorRecord, QueryOptions } from '../readmodel/anchor-store.js';
import { createMemoryAnchorStore } from '../readmodel/memory-anchor-store.js';
import { cleanEntry } from '../readmodel/entry-codec.js';
import { readDocAt } from './doc-at.js';

/** Docs of one space read at once: the Store's pool is shared with the commit path. */
const PARALLEL_READS = 4;

export async function spaceAnchorsAt(store: Store, tenant: string, space: string, at: Date, query: AnchorQuery, options: QueryOptions): Promise<AnchorRecord[]> {
  const model = createMemoryAnchorStore(() => {});
  const meta = metaDocId(space);
  const docs = (await store.listDocs(tenant, space)).filter((d) => d === meta || cellOfDocId(d)?.space === space);
  // The meta first: the origin places every anchor on Earth (the memory model re-places them anyway).
  if (docs.includes(meta)) {
    const read = await readDocAt(store, tenant, meta, { at });
    try {
      await model.applyMeta({ tenant, doc: meta, space, version: read.version, meta: readSpaceMeta(read.ydoc) });
    } finally {
      read.ydoc.destroy();
    }
  }
  const cells = docs.filter((d) => d !== meta);
  for (let i = 0; i < cells.length; i += PARALLEL_READS) {
    await Promise.all(cells.slice(i, i + PARALLEL_READS).map(async (doc) => {
      const { cell } = cellOfDocId(doc)!;
      const read = await readDocAt(store, tenant, doc, { at });
      try {
        if (read.version === 0) return;
        const entries = readCell(read.ydoc, cell).map(cleanEntry).filter((e): e is CellEntry => e !== null);
        await model.applyCell({ tenant, doc, space, cell, version: read.version, since: null, entries, removed: [] });
      } finally {
        read.ydoc.destroy();
      }
    }));
  }
  return model.query(tenant, space, query, options);
}
