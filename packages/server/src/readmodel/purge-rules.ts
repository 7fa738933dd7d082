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

/** An ISO 8601 date-time as the client writes `deleted.at` (toISOString); sql-purge-candidates.ts has the same pattern. */
export const ISO_AT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T/;

/**
 * Whether a tombstone dated `at` is at or before the cut-off, compared as text, as SQL compares it
 * (COLLATE "C"). A tombstone whose `at` is not ISO 8601 (a writer other than our client) has no time the
 * purge can trust: it is never due by time, and is kept.
 */
export function tombstoneDue(at: string, cutoff: string): boolean {
  return ISO_AT.test(at) && at <= cutoff;
}

/** The reason an entry is due and the tombstone to write, or null. `all` holds the id's entries in every cell, `e` included. */
export function purgeReason(e: CellEntry, all: readonly CellEntry[], merged: AnchorRecord | null, c: PurgeCutoffs): Pick<PurgeCandidate, 'reason' | 'deleted'> | null {
  const due = [...all].sort((a, b) => (a.cell < b.cell ? -1 : 1)).find((x) => x.deleted !== null && tombstoneDue(x.deleted.at, c.deletedBefore));
  if (due && !isBareTombstone(e)) return { reason: 'deleted', deleted: { ...due.deleted! } };
  if (merged?.anchor.expiresAt !== undefined && merged.anchor.expiresAt <= c.expiredBefore) return { reason: 'expired', deleted: null };
  if (c.droppedBefore !== null && isBareTombstone(e) && tombstoneDue(e.deleted!.at, c.droppedBefore) && all.every(isBareTombstone)) {
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
