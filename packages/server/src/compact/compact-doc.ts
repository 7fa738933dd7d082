/**
 * Compaction of one doc: trim its log below the history window (docs/DECISIONS.md "History window").
 *
 *   cutoff = now − window ──► F = the doc's version as of the cutoff (Store.versionAt: every row ≤ F was
 *                              committed by then)
 *   F ≤ current floor? ──► nothing to do
 *   the doc at F, built as a room builds it (room/rebuild-doc.ts: from the snapshot or the old floor, row by
 *   row, owners derived, rows that do not apply quarantined and left out) ──► state and owners at F
 *   saveSnapshot(F)  ──► loads start at a snapshot ≥ F from now on (a newer one is kept)
 *   trimHistory(F)   ──► rows ≤ F deleted, seqs kept for C1, F and its state become the floor
 *
 * The snapshot goes first: if the trim fails, nothing was lost, and once rows are gone no load needs them.
 */
import * as Y from 'yjs';
import { assert, isCairnError } from '@cairn/shared';
import type { Store, TrimResult } from '../store/store.js';
import { rebuildDoc } from '../room/rebuild-doc.js';

export interface DocTrim extends TrimResult {
  tenant: string;
  doc: string;
}

/** Trims the doc's rows committed before `cutoff`; null if nothing was older than the cutoff and the floor. */
export async function compactDoc(store: Store, tenant: string, doc: string, cutoff: Date): Promise<DocTrim | null> {
  let target: number;
  try {
    target = await store.versionAt(tenant, doc, cutoff);
  } catch (err) {
    // The cutoff is older than the floor (the window was made longer): nothing below it is left.
    if (isCairnError(err) && err.code === 'HISTORY_TRIMMED') return null;
    throw err;
  }
  const floor = (await store.loadHistoryFloor(tenant, doc))?.version ?? 0;
  if (target <= floor) return null;
  const skip = new Set((await store.listQuarantined(tenant, doc)).filter((q) => q.droppedAt === null).map((q) => q.version));
  const built = await rebuildDoc({
    store, tenant, doc, upTo: target, skip,
    quarantine: async (v, reason) => {
      await store.quarantine(tenant, doc, v, reason);
    },
  });
  try {
    assert(built.version === target, 'a build up to a committed version reaches it');
    const base = { version: target, state: Y.encodeStateAsUpdate(built.doc), owners: built.owners };
    await store.saveSnapshot(tenant, doc, base);
    return { tenant, doc, ...(await store.trimHistory(tenant, doc, base)) };
  } finally {
    built.doc.destroy();
  }
}
