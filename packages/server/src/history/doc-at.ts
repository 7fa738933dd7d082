/**
 * L1: a doc as of a version or a time, from the Store alone (never a room: a room only holds the head).
 *
 * The Store keeps one snapshot per doc, the newest a room wrote; it is used when it is not past the asked
 * version, else the log is replayed from version 1 (docs/DECISIONS.md, "History reads": measured in
 * bench/history/doc-at-bench.mjs). Quarantined rows (C4) are left out, as every room leaves them out, so
 * the head read equals what rooms hold.
 *
 * Compaction (compact/) trims the log below a history floor: a version or time below it fails with
 * HISTORY_TRIMMED (its message names the oldest readable one); one at or above it starts from the floor's
 * state (or the snapshot) and replays the rows after it, so L1 holds inside the window.
 */
import * as Y from 'yjs';
import { CairnError, ORIGIN, isCairnError } from '@cairn/shared';
import type { Store } from '../store/store.js';
import { rebuildDoc } from '../room/rebuild-doc.js';
import { historyTrimmed } from '../store/history-trimmed.js';
import type { HistoryTarget } from './history-target.js';

export interface DocAt {
  /** A detached copy, gc on; the caller destroys it. */
  ydoc: Y.Doc;
  /** The doc holds every update with version ≤ this. */
  version: number;
  /** The doc's head when the read started. */
  head: number;
  /** Where the replay started (0: no snapshot used) and how many rows it applied. */
  replayedFrom: number;
  replayed: number;
}

/** The version a target names: a time maps to the longest prefix committed by then (Store.versionAt). */
export async function resolveVersion(store: Store, tenant: string, doc: string, target: HistoryTarget): Promise<{ version: number; head: number }> {
  const head = await store.headVersion(tenant, doc);
  if ('at' in target) return { version: Math.min(await store.versionAt(tenant, doc, target.at), head), head };
  const v = target.version;
  if (!Number.isSafeInteger(v) || v < 0) throw new CairnError('BAD_REQUEST', 'a version is an integer ≥ 0');
  if (v > head) throw new CairnError('BAD_REQUEST', `version ${v} is past the doc's head (${head})`);
  return { version: v, head };
}

export async function readDocAt(store: Store, tenant: string, doc: string, target: HistoryTarget): Promise<DocAt> {
  const { version, head } = await resolveVersion(store, tenant, doc, target);
  const skip = new Set((await store.listQuarantined(tenant, doc)).filter((q) => q.droppedAt === null).map((q) => q.version));
  const ydoc = new Y.Doc({ gc: true });
  let from = 0;
  try {
    const snapshot = version > 0 ? await store.loadSnapshot(tenant, doc) : null;
    if (snapshot && snapshot.version <= version) {
      // Compaction writes a snapshot at the floor before it trims, so this one is never below the floor.
      Y.applyUpdate(ydoc, snapshot.state, ORIGIN.HYDRATE);
      from = snapshot.version;
    } else {
      // Before the snapshot: from the history floor's state if compaction trimmed the log (L1 in the window).
      const floor = await store.loadHistoryFloor(tenant, doc);
      if (floor && version < floor.version) throw historyTrimmed(floor);
      if (floor) {
        Y.applyUpdate(ydoc, floor.state, ORIGIN.HYDRATE);
        from = floor.version;
      }
    }
    const rows = version > from ? await store.loadUpdates(tenant, doc, from, version) : [];
    // A log trimmed below its snapshot (retention) cannot answer for the versions it no longer holds:
    // replaying what is left would show a wrong doc, not an old one.
    if (rows.length !== version - from || (rows.length > 0 && rows[0]!.version !== from + 1)) {
      throw new CairnError('BAD_REQUEST', `version ${version} is older than the history this server keeps for the doc`);
    }
    // One transaction for the whole replay: Yjs cleans up (merges, observers) once instead of per row.
    Y.transact(ydoc, () => {
      for (const row of rows) if (!skip.has(row.version)) Y.applyUpdate(ydoc, row.update, ORIGIN.HYDRATE);
    }, ORIGIN.HYDRATE);
    return { ydoc, version, head, replayedFrom: from, replayed: rows.length };
  } catch (err) {
    ydoc.destroy();
    if (isCairnError(err)) throw err; // the Store failed, not a row
  }
  // A row threw: build it as a room would, leaving out (and quarantining) the row to blame (C4).
  const built = await rebuildDoc({
    store, tenant, doc, upTo: version, skip,
    quarantine: async (v, reason) => {
      await store.quarantine(tenant, doc, v, reason);
    },
  });
  return { ydoc: built.doc, version, head, replayedFrom: built.snapshotAt.version, replayed: version - built.snapshotAt.version };
}
