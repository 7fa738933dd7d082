/**
 * ⑨ Updates from the server (`sync` answers and live `update`s) are applied to the open doc with origin
 * REMOTE, so the outbox observer ignores them, and appended to the replica's doc state with the version
 * they carry. They never enter the outbox: the server already has them.
 *
 * The doc gets each update at once; the replica writes are grouped, as the server groups its commits
 * (A2): while one write is in flight, every update applied meanwhile waits for the next, which writes them
 * all in ONE transaction (ReplicaStore.writeRemotes). One Dexie transaction per live update used to bound
 * how fast a busy doc's updates could be taken in (the frame router waited for each).
 *
 * What a write not yet landed means on reload: the update and its version are missing from the replica
 * together, so the next `sub` carries a state vector without it and the server sends it again (O3); the
 * server committed it before sending it (A1, F1), so nothing acknowledged is lost. Frames that read what the
 * replica holds (a `sync`'s restore check, L3; a doc deletion, L2) wait for `written()` first (route-frames).
 */
import * as Y from 'yjs';
import { CairnError, ORIGIN } from '@cairn/shared';
import type { Replica } from '../replica/replica.js';
import type { RemoteWrite } from '../replica/replica-store.js';

export interface RemoteUpdate {
  doc: string;
  version: number;
  update: Uint8Array;
}

export interface RemoteApplierOptions {
  replica: Pick<Replica, 'writeRemotes'>;
  /** The open doc (or the one being hydrated), if any. */
  docOf(doc: string): Y.Doc | undefined;
  onError(err: unknown): void;
}

export interface RemoteApplier {
  /**
   * Applies the update to its open doc now, and queues its replica write. Resolves once that write landed
   * (or failed: the failure goes to onError); never rejects.
   */
  apply(frame: RemoteUpdate): Promise<void>;
  /** Resolves once every write queued so far has landed or failed. */
  written(): Promise<void>;
}

/** An update with no structs and no deletes: what the server sends when the replica lacks nothing. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0;
}

export function createRemoteApplier(o: RemoteApplierOptions): RemoteApplier {
  /** The writes waiting for the next transaction, and when it is over. */
  let open: { writes: RemoteWrite[]; done: Promise<void> } | null = null;
  let last: Promise<void> = Promise.resolve();

  const queue = (w: RemoteWrite): Promise<void> => {
    if (!open) {
      const batch: { writes: RemoteWrite[]; done: Promise<void> } = { writes: [], done: last };
      // Starts once the write before it is over: everything queued until then joins this one.
      batch.done = last
        .then(() => {
          if (open === batch) open = null;
          return o.replica.writeRemotes(batch.writes);
        })
        .catch(o.onError);
      last = batch.done;
      open = batch;
    }
    open.writes.push(w);
    return open.done;
  };

  return {
    apply({ doc, version, update }) {
      const ydoc = o.docOf(doc);
      if (ydoc) {
        try {
          Y.applyUpdate(ydoc, update, ORIGIN.REMOTE);
        } catch (err) {
          o.onError(new CairnError('INVALID_UPDATE', `the server sent an update for ${doc} that does not apply`, { cause: err }));
          return Promise.resolve();
        }
      }
      // A late frame for a doc closed meanwhile is still committed server state: keep it.
      return queue({ doc, update: isEmptyUpdate(update) ? null : update, version });
    },
    written: () => last,
  };
}
