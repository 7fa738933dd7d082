/**
 * L2: what the client does when the server says a doc it holds was deleted (`reject {doc, DOC_DELETED}`,
 * for a sub, for a push, or at once while subscribed). In order:
 *
 *   spatial index drops the doc's anchors (X1) ─► the doc is closed (no more local edits are taken, no
 *   resubscribe after a reconnect) ─► local edits already made reach the outbox ─► ONE replica transaction
 *   removes the doc's state and moves its outbox rows to the dead letters with DOC_DELETED (O7) ─► the app
 *   gets `doc-deleted`, and `rejected` for each dead letter.
 *
 * A space deleted while subscribed to several of its docs gives one `doc-deleted` per doc. An offline
 * replica learns it at its next sub. Opening the doc again subscribes anew: after a restore the server
 * answers with the whole doc, while it stays deleted the same refusal comes back.
 */
import { spaceOf } from '@cairn/shared';
import type { Replica } from '../replica/replica.js';
import type { DeadLetter } from '../replica/replica-store.js';

/** The payload of the client's `doc-deleted` event. */
export interface DocDeleted {
  /** The doc id, `space/name`. */
  doc: string;
  space: string;
  /** The server's message (says whether the doc or its whole space was deleted). */
  message: string;
  /** Local edits of the doc that were not acknowledged: now dead letters with code DOC_DELETED. */
  deadLetters: number;
}

export interface DocDeletionOptions {
  replica: Pick<Replica, 'dropDoc'>;
  /** Drops the doc's anchors from the open space's index (spatial/spaces.ts docDeleted). */
  unindex(doc: string): void;
  /** Stops watching and subscribing to the doc; false if it was not open. */
  close(doc: string): Promise<boolean>;
  /** Resolves once local edits made so far are in the outbox (the local writer's flush). */
  flush(): Promise<void>;
  now(): number;
  onDeadLettered(letter: DeadLetter): void;
  onDeleted(event: DocDeleted): void;
}

export interface DocDeletion {
  deleted(doc: string, message: string): Promise<void>;
}

export function createDocDeletion(o: DocDeletionOptions): DocDeletion {
  return {
    async deleted(doc, message) {
      o.unindex(doc);
      const wasOpen = await o.close(doc);
      await o.flush();
      const { held, letters } = await o.replica.dropDoc(doc, 'DOC_DELETED', message, o.now());
      for (const letter of letters) o.onDeadLettered(letter);
      // A later refusal of the same doc (another push of it in flight) finds nothing left: no second event.
      if (wasOpen || held || letters.length > 0) o.onDeleted({ doc, space: spaceOf(doc), message, deadLetters: letters.length });
    },
  };
}
