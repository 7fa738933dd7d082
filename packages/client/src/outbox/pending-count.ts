/**
 * The `pending` number of the status: outbox rows in the replica (shared by tabs) plus local updates
 * queued but not yet written. Counting the queued ones keeps `synced` honest: an edit made a moment ago
 * is pending at once, before its transaction commits, so whenSynced() never resolves in between.
 *
 * The stored count is re-read from the replica after every change, and a re-read that raced with a
 * local change is discarded and repeated, so a stale count never briefly reads 0.
 */
import { createSerialQueue } from '../serial-queue.js';

export interface PendingCount {
  readonly value: number;
  /** A local update entered the write queue. */
  queued(): void;
  /** `dequeued` queued updates were just written as `rows` outbox rows. */
  written(rows: number, dequeued: number): void;
  /** `dequeued` queued updates left the queue without a write. */
  dropped(dequeued: number): void;
  /** Re-read the outbox size (after acks, dead letters, other tabs' writes). */
  refresh(): void;
}

export function createPendingCount(count: () => Promise<number>, onChange: (value: number) => void): PendingCount {
  const queue = createSerialQueue();
  let stored = 0;
  let unwritten = 0;
  let epoch = 0;
  let refreshQueued = false;
  const publish = () => onChange(stored + unwritten);

  async function reread(): Promise<void> {
    refreshQueued = false;
    const seen = epoch;
    let n: number;
    try {
      n = await count();
    } catch {
      return; // the replica is closing; the next change re-reads
    }
    if (seen !== epoch) return pending.refresh();
    stored = n;
    publish();
  }

  const pending: PendingCount = {
    get value() {
      return stored + unwritten;
    },
    queued() {
      unwritten++;
      epoch++;
      publish();
    },
    written(rows, dequeued) {
      stored += rows;
      unwritten -= dequeued;
      epoch++;
      publish();
      pending.refresh();
    },
    dropped(dequeued) {
      unwritten -= dequeued;
      epoch++;
      publish();
      pending.refresh();
    },
    refresh() {
      if (refreshQueued) return;
      refreshQueued = true;
      void queue.run(reread);
    },
  };
  return pending;
}
