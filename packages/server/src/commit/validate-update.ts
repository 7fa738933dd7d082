/**
 * C3: an update that fails to decode or to apply to a scratch doc is rejected before it is stored or
 * broadcast. The scratch doc is empty, so applying never depends on (or touches) the room's state: an
 * update whose dependencies are missing is valid (Yjs keeps it pending), bytes that are not a Yjs update
 * are not.
 */
import * as Y from 'yjs';
import { CairnError } from '@cairn/shared';

export function validateUpdate(update: Uint8Array): void {
  if (update.byteLength < 2) throw new CairnError('INVALID_UPDATE', 'shorter than an empty update');
  try {
    // decodeUpdate walks every struct and the delete set; it throws on truncated or unknown content.
    Y.decodeUpdate(update);
    const scratch = new Y.Doc({ gc: false });
    Y.applyUpdate(scratch, update);
    scratch.destroy();
  } catch (err) {
    throw new CairnError('INVALID_UPDATE', err instanceof Error ? err.message.slice(0, 120) : 'apply failed');
  }
}

/** True for an update that carries no structs and no deletions (y-websocket sends these in sync step 2). */
export function isEmptyUpdate(update: Uint8Array): boolean {
  // An empty v1 update is exactly [0 structs, 0 delete-set clients].
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0;
}
