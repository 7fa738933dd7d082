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
 * state vector (protocol 4 sends it in `sync`; an older server's sync gets the whole state) becomes a new
 * outbox row: a new seq on the normal durable path, acked like any push. Seqs only grow on the replica, so
 * a new row never takes a (clientId, seq) the restored server holds, and resent un-acked rows that the
 * restored server lacks are stored there, not deduplicated (C1). The doc's mark is then set to the
 * server's version and epoch, exactly (it goes down), so the next sync does not fire again.
 *
 * Docs the replica holds but the app has not opened are subscribed for the check when a welcome names a
 * new epoch (`resubscribe`) and unsubscribed after their sync, unless the app opened them meanwhile.
 *
 * The row carries every Yjs client the replica holds that the server lacks, other users' included: the
 * server refuses a row with new clocks of a Yjs client another principal owns (C5) and that row goes to the
 * dead letters with INVALID_UPDATE, as any refused push (O7). docs/DECISIONS.md has why it is one row.
 */
import * as Y from 'yjs';
import type { SyncFrame } from '@cairn/shared';
import type { Replica } from '../replica/replica.js';
import type { Session } from '../socket/connection.js';

export type RestoreSignal = 'epoch' | 'version';

export interface RestoreRepushOptions {
  replica: Pick<Replica, 'syncMark' | 'setSyncMark' | 'docsMarkedBefore' | 'loadDoc' | 'writeLocal'>;
  /** The app's hydrated doc, if open: it may hold more than the replica (edits still being written). */
  openDoc(doc: string): Y.Doc | undefined;
  now(): number;
  subscribe(doc: string): void;
  unsubscribe(doc: string): void;
  /** A row was written to the outbox for `doc` (the caller pumps the push loop and counts it). */
  onRepushed(doc: string, seq: number, signal: RestoreSignal): void;
}

export interface RestoreRepush {
  /** Wraps the application of a `sync` frame: reads the doc's mark, applies, compares, pushes, re-marks. */
  synced(frame: SyncFrame, session: Session, apply: () => Promise<void>): Promise<void>;
  /** After a welcome: subscribes held docs that were synced in another epoch and are not open. */
  resubscribe(session: Session): Promise<void>;
}

export function createRestoreRepush(o: RestoreRepushOptions): RestoreRepush {
  /** Docs subscribed only for the check, to unsubscribe after their sync. */
  const checking = new Set<string>();

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
        const doc = await stateOf(frame.doc);
        const update = frame.stateVector ? Y.encodeStateAsUpdate(doc, frame.stateVector) : Y.encodeStateAsUpdate(doc);
        const [seq] = await o.replica.writeLocal([{ doc: frame.doc, update }], o.now());
        o.onRepushed(frame.doc, seq!, signal);
      }
      // Exactly the server's: after a restore the version goes down, and later updates raise it again.
      await o.replica.setSyncMark(frame.doc, { version: frame.version, epoch: session.epoch === '' ? mark.epoch : session.epoch });
      if (checking.delete(frame.doc) && !o.openDoc(frame.doc)) o.unsubscribe(frame.doc);
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
