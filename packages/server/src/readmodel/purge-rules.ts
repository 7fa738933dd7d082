/**
 * Which read model entries the purge (purge/purger.ts) is due to rewrite, as one pure function the memory
 * store runs and sql-purge-candidates.ts says again in SQL. Per anchor id, over its entries in every cell
 * and its merged row (null when it is deleted or forwarded everywhere):
 *
 *   deleted    a tombstone of the id is due (deleted.at ≤ deletedBefore) ─► every cell that holds more
 *              than a bare tombstone keeps only the tombstone
 *   expired    the merged row expired a grace period ago (expiresAt ≤ expiredBefore) ─► the same: every
 *              cell keeps only a tombstone, the purge's own
 *   tombstone  every cell of the id holds a bare tombstone, due for dropping (deleted.at ≤ droppedBefore)
 *              ─► the last key of the id goes
 *   forwarded  the anchor lives in another cell and this cell's forwarding entry is old (its move's hlc
 *              < forwardedBefore) ─► the entry goes whole
 *
 * "Bare" is what stage one leaves: an entry with a `deleted` value and nothing else the read model sees.
 */
import { isForwarded, type CellEntry } from '@cairn/shared';
import type { AnchorRecord, PurgeCandidate, PurgeCutoffs } from './anchor-store.js';

/** True when the entry holds nothing but its tombstone. */
export function isBareTombstone(e: CellEntry): boolean {
  return e.deleted !== null && e.pose === null && e.movedTo === null && e.created === null && e.expiresAt === null
    && Object.keys(e.props).length === 0 && Object.keys(e.propClocks ?? {}).length === 0 && e.platformRefs.length === 0;
}

/** A tombstone's time compared as text, as SQL compares it (COLLATE "C"): clients write ISO 8601 in UTC. */
function atOrBefore(at: string, cutoff: string): boolean {
  return at <= cutoff;
}

/** The reason an entry is due and the tombstone to write, or null. `all` holds the id's entries in every cell, `e` included. */
export function purgeReason(e: CellEntry, all: readonly CellEntry[], merged: AnchorRecord | null, c: PurgeCutoffs): Pick<PurgeCandidate, 'reason' | 'deleted'> | null {
  const due = [...all].sort((a, b) => (a.cell < b.cell ? -1 : 1)).find((x) => x.deleted !== null && atOrBefore(x.deleted.at, c.deletedBefore));
  if (due && !isBareTombstone(e)) return { reason: 'deleted', deleted: { ...due.deleted! } };
  if (merged?.anchor.expiresAt !== undefined && merged.anchor.expiresAt <= c.expiredBefore) return { reason: 'expired', deleted: null };
  if (c.droppedBefore !== null && isBareTombstone(e) && atOrBefore(e.deleted!.at, c.droppedBefore) && all.every(isBareTombstone)) {
    return { reason: 'tombstone', deleted: { ...e.deleted! } };
  }
  if (merged && merged.anchor.cell !== e.cell && isForwarded(e) && e.movedTo!.hlc < c.forwardedBefore) return { reason: 'forwarded', deleted: null };
  return null;
}

/** (tenant, space, cell, id) in code-unit order, the order of every store's pages. */
export function comparePurgeKeys(a: Pick<PurgeCandidate, 'tenant' | 'space' | 'cell' | 'id'>, b: Pick<PurgeCandidate, 'tenant' | 'space' | 'cell' | 'id'>): number {
  for (const k of ['tenant', 'space', 'cell', 'id'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  return 0;
}
