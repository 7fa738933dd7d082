/**
 * The one Yjs update that purges a cell doc's due anchors (purge/purger.ts), computed on a copy of the doc's
 * head the caller owns. The read model said what is due; the doc itself has the last word, so a candidate
 * the doc no longer bears out (a TTL extended, a tombstone reverted, a move back) is left alone.
 *
 *   tombstone   every key of the id goes except `deleted/<id>`, which is written if the cell lacks it. The
 *               tombstone stays behind so that a replica offline since before the purge, which still holds
 *               the anchor and edits it, cannot make it visible again: its edit is a new key (a pose under
 *               a new hlc) that Yjs keeps, but `deleted` anywhere hides the id (anchor-doc.ts).
 *   drop        every key of the id goes, the tombstone too (after CAIRN_TOMBSTONE_KEEP_DAYS), or a
 *               forwarding entry whose anchor lives on in another cell.
 *
 * Deleting a key is a Yjs delete of the item a replica holds: merged with a replica's concurrent write of
 * the SAME key, the write wins (it is a newer item); a write of another key is untouched. Both are why the
 * tombstone is kept for a long time, and why a later pass strips what an old replica brought back.
 */
import * as Y from 'yjs';
import { ANCHOR_MAPS, isForwarded, readCell, type CellEntry } from '@cairn/shared';
import { writeAsFreshClient } from '../history/revert-update.js';
import type { PurgeCandidate, PurgeCutoffs } from '../readmodel/anchor-store.js';
import { isBareTombstone, tombstoneDue } from '../readmodel/purge-rules.js';

export interface PurgePlan {
  /** null when the doc bears out none of the candidates (or already holds what the purge would write). */
  update: Uint8Array | null;
  /** Ids per reason that the update purges. */
  purged: Record<PurgeCandidate['reason'], string[]>;
}

/** The subject purges are committed as (audit rows, Yjs client owners). */
export const PURGE_SUBJECT = 'cairn:purge';

function idOfKey(key: string): string {
  const i = key.indexOf('|');
  return i < 0 ? key : key.slice(0, i);
}

/** Whether the doc's own entry still bears the candidate out. */
function stillDue(c: PurgeCandidate, e: CellEntry | undefined, cutoffs: PurgeCutoffs): boolean {
  if (!e) return false;
  switch (c.reason) {
    case 'deleted':
      // A tombstone in this cell must be due itself; one in another cell is the read model's word.
      return !isBareTombstone(e) && (e.deleted === null || tombstoneDue(e.deleted.at, cutoffs.deletedBefore));
    case 'expired':
      // A live pose here with no expiry, or a later one, was written after the read model saw the cell.
      return e.deleted === null && !(e.pose && !isForwarded(e) && (e.expiresAt === null || e.expiresAt > cutoffs.expiredBefore));
    case 'tombstone':
      return isBareTombstone(e) && cutoffs.droppedBefore !== null && tombstoneDue(e.deleted!.at, cutoffs.droppedBefore);
    case 'forwarded':
      return e.deleted === null && isForwarded(e) && e.movedTo!.hlc < cutoffs.forwardedBefore;
  }
}

/**
 * Writes into `head` under a fresh Yjs client and returns the update. `cell` is the doc's geohash; `now`
 * (ms) dates the tombstone an expired anchor gets.
 */
export function purgeUpdate(head: Y.Doc, cell: string, candidates: readonly PurgeCandidate[], cutoffs: PurgeCutoffs, now: number): PurgePlan {
  const purged: PurgePlan['purged'] = { deleted: [], expired: [], tombstone: [], forwarded: [] };
  const entries = new Map(readCell(head, cell, new Set(candidates.map((c) => c.id))).map((e) => [e.id, e]));
  const due = candidates.filter((c) => stillDue(c, entries.get(c.id), cutoffs));
  if (due.length === 0) return { update: null, purged };
  const keep = new Map(due.filter((c) => c.reason === 'deleted' || c.reason === 'expired').map((c) => [c.id, c]));
  const drop = new Set(due.filter((c) => c.reason === 'tombstone' || c.reason === 'forwarded').map((c) => c.id));
  const update = writeAsFreshClient(head, () => {
    for (const name of ANCHOR_MAPS) {
      const map = head.getMap<unknown>(name);
      for (const key of [...map.keys()]) {
        const id = idOfKey(key);
        if (drop.has(id) || (keep.has(id) && !(name === 'deleted' && key === id))) map.delete(key);
      }
    }
    const deleted = head.getMap<unknown>('deleted');
    for (const [id, c] of keep) {
      if (!deleted.has(id)) deleted.set(id, c.deleted ?? { at: new Date(now).toISOString(), by: PURGE_SUBJECT });
    }
  });
  for (const c of due) purged[c.reason].push(c.id);
  return { update, purged };
}
