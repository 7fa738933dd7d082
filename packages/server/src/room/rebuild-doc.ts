/**
 * C4, the slow load: the doc from the Store, row by row, leaving out every row that does not apply. A row
 * that throws may have left the doc half-applied, so the build starts over without it. The row that throws
 * is not always the one to blame: an earlier row whose items waited (Yjs' pending state) throws when a later,
 * honest row completes them. So among the earlier rows that left items waiting, the newest one that fails
 * validation on its own bytes (commit/validate-update.ts: the checks that do not depend on the doc) takes
 * the blame; if none does, the row that threw.
 *
 * Cost: one replay per row left out, so it is kept for logs with a bad row; the
 * room's fast path merges and applies everything at once and only falls back here when that throws.
 */
import * as Y from 'yjs';
import { ORIGIN } from '@cairn/shared';
import type { DocSnapshot, Store, UpdateRecord } from '../store/store.js';
import { validateUpdate } from '../commit/validate-update.js';
import { applyOwned } from './yclient-owners.js';

export interface RebuiltDoc {
  doc: Y.Doc;
  version: number;
  /** The snapshot the build started from ({0, 0} if none applied) and the update bytes after it. */
  snapshotAt: { version: number; bytes: number };
  bytesSince: number;
  /** Rows quarantined by this build. */
  skipped: number;
  /** The Yjs client owners as of `version` (yclient-owners.ts), from the snapshot's and the rows replayed. */
  owners: Map<number, string>;
}

interface Failure {
  index: number;
  reason: string;
  /** Indexes of the rows before `index` after which the doc held waiting items or deletions. */
  waiting: number[];
}

export async function rebuildDoc(o: {
  store: Store;
  tenant: string;
  doc: string;
  /** The version to build (a live room's own); undefined: the head. */
  upTo: number | undefined;
  /** Versions already quarantined; the rows this build quarantines are added. */
  skip: Set<number>;
  quarantine: (version: number, reason: string) => Promise<void>;
}): Promise<RebuiltDoc> {
  const { store, tenant, doc, upTo, skip } = o;
  let snapshot: DocSnapshot | null = await store.loadSnapshot(tenant, doc);
  if (snapshot && ((upTo !== undefined && snapshot.version > upTo) || !applies(snapshot.state))) snapshot = null;
  // Without a usable snapshot the build starts at the history floor, if compaction trimmed the rows below
  // it (a version below the floor makes loadUpdates throw HISTORY_TRIMMED: nothing can build it).
  if (!snapshot) {
    const floor = await store.loadHistoryFloor(tenant, doc);
    if (floor && (upTo === undefined || floor.version <= upTo)) snapshot = { version: floor.version, state: floor.state, owners: floor.owners };
  }
  const base = snapshot?.version ?? 0;
  const rows = await store.loadUpdates(tenant, doc, base, upTo);

  const fresh = (): Y.Doc => {
    const d = new Y.Doc({ gc: true });
    if (snapshot) Y.applyUpdate(d, snapshot.state, ORIGIN.HYDRATE);
    return d;
  };

  let skipped = 0;
  for (;;) {
    const d = fresh();
    const owners = new Map(snapshot?.owners ?? []);
    const failure = replay(d, rows, skip, owners);
    if (!failure) {
      let bytesSince = 0;
      for (const r of rows) bytesSince += r.update.byteLength;
      return {
        doc: d,
        version: rows.length > 0 ? rows[rows.length - 1]!.version : base,
        snapshotAt: { version: base, bytes: snapshot?.state.byteLength ?? 0 },
        bytesSince,
        skipped,
        owners,
      };
    }
    d.destroy();
    const blamed = failure.waiting.reverse().find((i) => !valid(rows[i]!.update));
    const culprit = rows[blamed ?? failure.index]!.version;
    skip.add(culprit);
    skipped++;
    await o.quarantine(culprit, failure.reason);
  }
}

function applies(update: Uint8Array): boolean {
  const d = new Y.Doc({ gc: true });
  try {
    Y.applyUpdate(d, update);
    return true;
  } catch {
    return false;
  } finally {
    d.destroy();
  }
}

function valid(update: Uint8Array): boolean {
  try {
    validateUpdate(update);
    return true;
  } catch {
    return false;
  }
}

/** Applies the rows one transaction each, so a throw, even in a transaction's cleanup, names its row. */
function replay(d: Y.Doc, rows: readonly UpdateRecord[], skip: ReadonlySet<number>, owners: Map<number, string>): Failure | null {
  const waiting: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (skip.has(row.version)) continue;
    const before = pendingOf(d);
    try {
      applyOwned(d, row.update, ORIGIN.HYDRATE, row.actor, owners);
    } catch (err) {
      return { index: i, reason: (err instanceof Error ? err.message : String(err)).slice(0, 200), waiting };
    }
    const after = pendingOf(d);
    if ((after.structs !== null && after.structs !== before.structs) || (after.ds !== null && after.ds !== before.ds)) waiting.push(i);
  }
  return null;
}

/** Yjs replaces these when an update adds to what waits; identity tells whether a row added anything. */
function pendingOf(d: Y.Doc): { structs: unknown; ds: unknown } {
  return { structs: d.store.pendingStructs?.update ?? null, ds: d.store.pendingDs };
}
