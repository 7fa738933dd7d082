/**
 * Background compaction of doc state: once a doc has more than `threshold` appended update rows, they are
 * merged (Y.mergeUpdates) into its snapshot. It runs off the write path, one doc at a time, so a burst of
 * edits costs one merge and never delays the outbox.
 */
import { createSerialQueue } from '../serial-queue.js';

export const DEFAULT_COMPACT_THRESHOLD = 64;

export interface Compactor {
  /** The doc got new rows; compact it soon if it is over the threshold. */
  note(doc: string): void;
  idle(): Promise<void>;
}

export function createCompactor(compact: (doc: string) => Promise<void>, onError: (err: unknown) => void): Compactor {
  const dirty = new Set<string>();
  const queue = createSerialQueue();
  let scheduled = false;

  async function drain(): Promise<void> {
    scheduled = false;
    for (const doc of [...dirty]) {
      dirty.delete(doc);
      try {
        await compact(doc);
      } catch (err) {
        onError(err);
      }
    }
  }

  return {
    note(doc) {
      dirty.add(doc);
      if (scheduled) return;
      scheduled = true;
      void queue.run(drain);
    },
    idle: () => queue.idle(),
  };
}
