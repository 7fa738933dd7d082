/**
 * Which stored cell docs an eviction pass deletes (the replica stays bounded). Only cell docs
 * (`<space>/cell/<geohash>`) are candidates: the server holds every acknowledged update of them and a
 * re-visit re-syncs them from their state vector (O3) like a new cell. Meta docs and app docs are never
 * evicted: an app doc may be the app's only copy offline and there is no region that brings it back.
 *
 * A cell doc is kept, whatever its age, while it
 *   - is held: open or hydrating in this client (so its anchors are in the R-tree, X1), or
 *   - has an outbox row or a dead letter (an edit the server has not made durable: O2, O7).
 * Of the rest, every doc last visited before `visitedBefore` goes, and with `maxCells` the least recently
 * visited go until at most `maxCells` cell docs stay stored (held ones count but never go).
 */
import { cellOfDocId } from '@cairn/shared';

export interface EvictionRule {
  /** Milliseconds since the epoch: docs last visited before this go. */
  visitedBefore: number;
  /** Keep at most this many stored cell docs, least recently visited go first. */
  maxCells?: number | undefined;
  /** True for a doc this client holds open (or is opening); checked inside the store's transaction. */
  held(doc: string): boolean;
  /**
   * The visit recorded for a stored cell doc that has none yet (stored before visits were kept). Null in
   * a pass that must not write (the disk is full): such a doc then counts as never visited.
   */
  now: number | null;
}

export interface EvictionResult {
  /** The cell docs deleted, sorted. */
  docs: string[];
  /** Stored bytes of their snapshots and update rows. */
  bytes: number;
}

export interface EvictionCandidate {
  doc: string;
  visitedAt: number;
  /** Has an outbox row or a dead letter. */
  pending: boolean;
}

export const isCellDoc = (doc: string): boolean => cellOfDocId(doc) !== null;

/** The docs to delete, by the rule above; `candidates` are the stored cell docs. */
export function pickEvictions(candidates: readonly EvictionCandidate[], rule: EvictionRule): string[] {
  const evictable = candidates.filter((c) => !c.pending && !rule.held(c.doc));
  const gone = new Set(evictable.filter((c) => c.visitedAt < rule.visitedBefore).map((c) => c.doc));
  if (rule.maxCells !== undefined) {
    let stored = candidates.length - gone.size;
    const oldestFirst = evictable.filter((c) => !gone.has(c.doc)).sort((a, b) => a.visitedAt - b.visitedAt || (a.doc < b.doc ? -1 : 1));
    for (const c of oldestFirst) {
      if (stored <= rule.maxCells) break;
      gone.add(c.doc);
      stored--;
    }
  }
  return [...gone].sort();
}
