/**
 * ⑨ Updates from the server (`sync` answers and live `update`s) are applied to the open doc with origin
 * REMOTE, so the outbox observer ignores them, and appended to the replica's doc state with the version
 * they carry. They never enter the outbox: the server already has them.
 */
import * as Y from 'yjs';
import { CairnError, ORIGIN } from '@cairn/shared';
import type { Replica } from '../replica/replica.js';

export interface RemoteUpdate {
  doc: string;
  version: number;
  update: Uint8Array;
}

export interface RemoteApplierOptions {
  replica: Pick<Replica, 'writeRemote'>;
  /** The open doc (or the one being hydrated), if any. */
  docOf(doc: string): Y.Doc | undefined;
  onError(err: unknown): void;
}

/** An update with no structs and no deletes: what the server sends when the replica lacks nothing. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0;
}

export function createRemoteApplier(o: RemoteApplierOptions): (frame: RemoteUpdate) => Promise<void> {
  return async function applyRemote({ doc, version, update }) {
    const ydoc = o.docOf(doc);
    if (ydoc) {
      try {
        Y.applyUpdate(ydoc, update, ORIGIN.REMOTE);
      } catch (err) {
        o.onError(new CairnError('INVALID_UPDATE', `the server sent an update for ${doc} that does not apply`, { cause: err }));
        return;
      }
    }
    // A late frame for a doc closed meanwhile is still committed server state: keep it.
    await o.replica.writeRemote(doc, isEmptyUpdate(update) ? null : update, version);
  };
}
