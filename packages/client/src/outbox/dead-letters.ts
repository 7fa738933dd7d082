/**
 * The app's view of the dead-letter table (O7): pushes the server refused for good. Nothing is dropped
 * silently: a dead letter stays until the app retries it (it goes back into the outbox under a new seq,
 * for example after the user was granted write access) or discards it. Discarding does not undo the edit
 * in the local doc; it only stops trying to send it.
 */
import type { Replica } from '../replica/replica.js';
import type { DeadLetter } from '../replica/replica-store.js';

export interface DeadLetters {
  /** Every dead letter, in seq order. */
  list(): Promise<DeadLetter[]>;
  /** Re-enqueues the update under a new seq and returns it; null if there is no dead letter `seq`. */
  retry(seq: number): Promise<number | null>;
  /** Deletes the dead letter; false if there was none. */
  discard(seq: number): Promise<boolean>;
}

export interface DeadLettersOptions {
  replica: Pick<Replica, 'deadLetters' | 'retryDeadLetter' | 'discardDeadLetter'>;
  now(): number;
  /** Dead letter `seq` went back into the outbox. */
  onRequeued(seq: number): void;
  /** Dead letter `seq` was discarded. */
  onChanged(seq: number): void;
}

export function createDeadLetters(o: DeadLettersOptions): DeadLetters {
  return {
    async list() {
      return (await o.replica.deadLetters()).sort((a, b) => a.seq - b.seq);
    },
    async retry(seq) {
      const next = await o.replica.retryDeadLetter(seq, o.now());
      if (next !== null) o.onRequeued(seq);
      return next;
    },
    async discard(seq) {
      const found = await o.replica.discardDeadLetter(seq);
      if (found) o.onChanged(seq);
      return found;
    },
  };
}
