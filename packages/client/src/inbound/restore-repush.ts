/**
 * L3: after the server was restored to an earlier point, this replica pushes again what the server lacks,
 * so a restore loses nothing any device still holds. Two signals, checked at each doc's `sync`:
 *
 *   epoch    the welcome names another epoch than the one the doc's version was seen in (an import or a
 *            restore procedure marked it: `cairn-server new-epoch`, docs/OPERATIONS.md)
 *   version  the sync's version is below the highest version this replica saw for the doc: a restore
 *            that nobody marked (versions never go down otherwise, C2)
 *
 * On either, the sync is applied first, then the difference between the replica's state and the server's
 * state vector (protocol 4 sends it in `sync`; against an older server, everything) becomes new outbox rows: new seqs on the normal durable path, acked like any push. Seqs only grow on the replica, so
 * a new row never takes a (clientId, seq) the restored server holds, and resent un-acked rows that the
 * restored server lacks are stored there, not deduplicated (C1). The doc's mark is then set to the
 * server's version and epoch, exactly (it goes down), so the next sync does not fire again.
 *
 * Docs the replica holds but the app has not opened are subscribed for the check when a welcome names a
 * new epoch (`resubscribe`) and unsubscribed after their sync, unless the app opened them meanwhile.
 *
 * The rows carry every Yjs client the replica holds that the server lacks, other users' included, one row
 * per client and the deletions last (missingUpdates). The server refuses a row with new clocks of a Yjs
 * client another principal owns (C5) until that principal's own device pushed them back, and a row whose
 * structs reference another row's still missing ones. Such a refusal (INVALID_UPDATE of a re-push row)
 * does not end up in the dead letters: the row is discarded and the doc checked again after a backoff
 * (`refused`), against the server's state by then, up to MAX_ATTEMPTS times; only then is a row
 * dead-lettered as any refused push (O7), and the app told.
 */
import * as Y from 'yjs';
import type { ErrorCode, SyncFrame } from '@cairn/shared';
import type { Replica } from '../replica/replica.js';
import type { Session } from '../socket/connection.js';
import type { Timers } from '../socket/timers.js';

/** Re-checks of a doc whose re-push was refused, 0.5 s, 1 s, 2 s … apart, before it is dead-lettered. */
export const MAX_ATTEMPTS = 6;
const RETRY_BASE_MS = 500;

export type RestoreSignal = 'epoch' | 'version';

export interface RestoreRepushOptions {
  replica: Pick<Replica, 'syncMark' | 'setSyncMark' | 'docsMarkedBefore' | 'loadDoc' | 'writeLocal' | 'discardDeadLetter'>;
  timers: Timers;
  /** The app's hydrated doc, if open: it may hold more than the replica (edits still being written). */
  openDoc(doc: string): Y.Doc | undefined;
  now(): number;
  subscribe(doc: string): void;
  unsubscribe(doc: string): void;
  /** A row was written to the outbox for `doc` (the caller pumps the push loop and counts it). */
  onRepushed(doc: string, seq: number, signal: RestoreSignal): void;
  /** A refused re-push row left the dead letters (see `refused`). */
  onDiscarded(seq: number): void;
  onError(err: unknown): void;
}

export interface RestoreRepush {
  /** Wraps the application of a `sync` frame: reads the doc's mark, applies, compares, pushes, re-marks. */
  synced(frame: SyncFrame, session: Session, apply: () => Promise<void>): Promise<void>;
  /** After a welcome: subscribes held docs that were synced in another epoch and are not open. */
  resubscribe(session: Session): Promise<void>;
  /**
   * A push was dead-lettered. True if it was a re-push refused for a Yjs client another principal owns and
   * will be retried (the caller then does not report it); false to report it as usual.
   */
  refused(rejection: { seq: number | null; doc: string | null; code: ErrorCode }): boolean;
}

/**
 * What `doc` holds beyond the server's state vector, as updates: one per Yjs client with structs the
 * server lacks (without deletions), then the delete set alone. Per client, because the server refuses a
 * push with new clocks of a client another principal owns (C5): that client's row waits for its owner's
 * device and is retried, while this replica's own rows are stored. An update of Yjs' format v1 is its
 * structs then its delete set, and the delete set of a doc encodes the same whatever the state vector, so
 * the structs of one client are an update's bytes minus that tail, followed by an empty delete set.
 */
export function missingUpdates(doc: Y.Doc, serverStateVector: Uint8Array): Uint8Array[] {
  // Items waiting for others are merged into encodeStateAsUpdate's output, which then has another layout.
  if (doc.store.pendingStructs || doc.store.pendingDs) return [Y.encodeStateAsUpdate(doc, serverStateVector)];
  const server = Y.decodeStateVector(serverStateVector);
  const local = Y.decodeStateVector(Y.encodeStateVector(doc));
  const deletes = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(local)); // [0 struct clients] + delete set
  const dsBytes = deletes.byteLength - 1;
  const out: Uint8Array[] = [];
  for (const [client, clock] of local) {
    const known = server.get(client) ?? 0;
    if (clock <= known) continue;
    const only = new Map(local);
    only.set(client, known);
    const update = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(only));
    const structs = new Uint8Array(update.byteLength - dsBytes + 1);
    structs.set(update.subarray(0, update.byteLength - dsBytes));
    structs[structs.byteLength - 1] = 0; // an empty delete set
    out.push(structs);
  }
  // A delete set that names nothing is one byte, 0: then there is nothing to delete.
  if (dsBytes > 1) out.push(deletes);
  return out;
}

export function createRestoreRepush(o: RestoreRepushOptions): RestoreRepush {
  /** Docs subscribed only for the check, to unsubscribe after their sync. */
  const checking = new Set<string>();
  /** Re-push rows written by this client, seq → doc, and refusals so far per doc. */
  const rows = new Map<number, string>();
  const attempts = new Map<string, number>();
  /** Docs with a re-check scheduled. */
  const scheduled = new Set<string>();

  function recheck(doc: string): void {
    if (!o.openDoc(doc)) checking.add(doc);
    o.unsubscribe(doc);
    o.subscribe(doc);
  }

  async function stateOf(doc: string): Promise<Y.Doc> {
    const open = o.openDoc(doc);
    if (open) return open;
    const d = new Y.Doc();
    const rows = await o.replica.loadDoc(doc);
    if (rows.length > 0) Y.applyUpdate(d, rows.length === 1 ? rows[0]! : Y.mergeUpdates(rows));
    return d;
  }

  return {
    async synced(frame, session, apply) {
      const mark = await o.replica.syncMark(frame.doc);
      await apply();
      const signal: RestoreSignal | null =
        session.epoch !== '' && mark.epoch !== null && mark.epoch !== session.epoch ? 'epoch' : frame.version < mark.version ? 'version' : null;
      if (signal) {
        const updates = missingUpdates(await stateOf(frame.doc), frame.stateVector ?? new Uint8Array([0]));
        if (updates.length > 0) {
          const seqs = await o.replica.writeLocal(updates.map((update) => ({ doc: frame.doc, update })), o.now());
          for (const seq of seqs) rows.set(seq, frame.doc);
          o.onRepushed(frame.doc, seqs[0]!, signal);
        }
      }
      // Exactly the server's: after a restore the version goes down, and later updates raise it again.
      await o.replica.setSyncMark(frame.doc, { version: frame.version, epoch: session.epoch === '' ? mark.epoch : session.epoch });
      // A sync that finds nothing missing ends a round of retries: a later restore starts with a full count.
      if (!signal && !scheduled.has(frame.doc)) attempts.delete(frame.doc);
      if (checking.delete(frame.doc) && !o.openDoc(frame.doc)) o.unsubscribe(frame.doc);
    },
    refused({ seq, code }) {
      const doc = seq === null ? undefined : rows.get(seq);
      if (seq === null || doc === undefined || code !== 'INVALID_UPDATE') return false;
      rows.delete(seq);
      // Several rows of one doc refused together are one more attempt, with one re-check.
      const again = scheduled.has(doc);
      const n = (attempts.get(doc) ?? 0) + (again ? 0 : 1);
      if (n > MAX_ATTEMPTS) return false;
      attempts.set(doc, n);
      scheduled.add(doc);
      void (async () => {
        await o.replica.discardDeadLetter(seq);
        o.onDiscarded(seq);
        if (again) return;
        // A mark above any version: the next sync of the doc pushes the difference again, even after a reload.
        const mark = await o.replica.syncMark(doc);
        await o.replica.setSyncMark(doc, { version: Number.MAX_SAFE_INTEGER, epoch: mark.epoch });
        o.timers.setTimeout(() => {
          scheduled.delete(doc);
          recheck(doc);
        }, RETRY_BASE_MS * 2 ** (n - 1));
      })().catch(o.onError);
      return true;
    },
    async resubscribe(session) {
      if (session.epoch === '') return;
      for (const doc of await o.replica.docsMarkedBefore(session.epoch)) {
        if (!session.alive) return;
        if (o.openDoc(doc)) continue;
        checking.add(doc);
        o.subscribe(doc);
      }
    },
  };
}
