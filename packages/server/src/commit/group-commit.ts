/**
 * A2: group commit. Pushes that arrive while a commit is in flight wait in the queue and go to the Store
 * together in the next transaction, so one fsync serves many acks. Outcomes resolve in submission order,
 * which is what lets a session ack "everything ≤ seq" (A1).
 *
 *   submit() ──► queue ──(no commit in flight)──► store.commitBatch(queue) ──► resolve each, in order
 *                  ▲                                        │
 *                  └────────── pushes arriving meanwhile ◄──┘  (they form the next batch)
 *
 * A big batch's outcomes are settled a slice of SLICE per event-loop turn, after the next batch has gone
 * to the Store: what an outcome sets off (apply to the room, publish, acks, deliveries) takes longer than
 * the commit itself, and run in one block it would hold every statement of the next commit back until it
 * ends, so the Store and this process would take turns instead of working at once (bench/: +28% durable
 * writes per second). A small batch is settled at once, as a slice would only add a turn of latency. A
 * slice never spans two batches, so a session still gets one ack per batch; order is submission order.
 *
 * Waiting submissions are bounded by bytes (default 64 MiB of updates) and optionally by count: one more
 * is refused at once with OVERLOADED (retryable) instead of queueing without bound while the Store falls
 * behind. The count bound trades refusals for ack latency; it is off unless configured.
 *
 * A failed batch rejects each of its submissions with STORE_UNAVAILABLE (retryable): nothing of it was
 * stored, and the client still holds every one of them in its outbox. A batch the Store refuses for good
 * (a non-retryable CairnError, e.g. a request its constraints reject) is split and committed one request at
 * a time, so one bad request cannot poison the pushes that shared its transaction.
 */
import { CairnError, isCairnError } from '@cairn/shared';
import type { CommitOutcome, CommitRequest, Store } from '../store/store.js';

export interface GroupCommitObserver {
  batch(size: number, seconds: number, ok: boolean): void;
}

export interface GroupCommit {
  submit(request: CommitRequest): Promise<CommitOutcome>;
  /** Resolves when every submission made so far has settled. */
  drain(): Promise<void>;
  /** Refuses new submissions (SHUTTING_DOWN) and drains. */
  close(): Promise<void>;
  readonly queued: number;
}

interface Pending {
  request: CommitRequest;
  resolve: (o: CommitOutcome) => void;
  reject: (e: unknown) => void;
}

/** Outcomes settled per event-loop turn (see the header). */
const SLICE = 64;

export function createGroupCommit(opts: {
  store: Store;
  maxBatch?: number;
  /** Waiting submissions past which one more is refused with OVERLOADED (default: no count bound). */
  maxQueued?: number;
  /** Waiting update bytes past which one more is refused with OVERLOADED (default 64 MiB). */
  maxQueuedBytes?: number;
  observer?: GroupCommitObserver;
}): GroupCommit {
  const { store, maxBatch = 1024, observer } = opts;
  const maxQueued = opts.maxQueued ?? Infinity;
  const maxQueuedBytes = opts.maxQueuedBytes ?? 64 * 1024 * 1024;
  let queuedBytes = 0;
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;
  let closing = false;
  // Settlements of committed (or failed) batches waiting for their turn; `done` counts what ran of the first.
  const waiting: Array<Array<() => void>> = [];
  let done = 0;
  let settling: Promise<void> | null = null;
  let settled: (() => void) | null = null;

  function settleSlice(): void {
    const batch = waiting[0]!;
    const end = Math.min(batch.length, done + SLICE);
    while (done < end) batch[done++]!();
    if (done === batch.length) {
      waiting.shift();
      done = 0;
    }
    if (waiting.length > 0) {
      setImmediate(settleSlice);
      return;
    }
    settling = null;
    settled?.();
  }

  function settle(batch: Array<() => void>): void {
    if (!settling && batch.length <= SLICE) {
      // A small batch blocks nothing for long: settled at once, it costs no turn of latency.
      for (const fn of batch) fn();
      return;
    }
    waiting.push(batch);
    if (settling) return;
    settling = new Promise<void>((resolve) => (settled = resolve));
    setImmediate(settleSlice);
  }

  async function commitAlone(p: Pending): Promise<void> {
    try {
      const [outcome] = await store.commitBatch([p.request]);
      settle([() => p.resolve(outcome!)]);
    } catch (err) {
      const error = isCairnError(err) && !err.retryable ? err : new CairnError('STORE_UNAVAILABLE', undefined, { cause: err });
      settle([() => p.reject(error)]);
    }
  }

  async function run(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      for (const p of batch) queuedBytes -= p.request.update.byteLength;
      const started = performance.now();
      try {
        const outcomes = await store.commitBatch(batch.map((p) => p.request));
        observer?.batch(batch.length, (performance.now() - started) / 1000, true);
        settle(batch.map((p, i) => () => p.resolve(outcomes[i]!)));
      } catch (err) {
        observer?.batch(batch.length, (performance.now() - started) / 1000, false);
        if (isCairnError(err) && !err.retryable && batch.length > 1) {
          for (const p of batch) await commitAlone(p);
          continue;
        }
        const error = isCairnError(err) && !err.retryable ? err : new CairnError('STORE_UNAVAILABLE', undefined, { cause: err });
        settle(batch.map((p) => () => p.reject(error)));
      }
    }
    running = null;
  }

  return {
    submit(request) {
      if (closing) return Promise.reject(new CairnError('SHUTTING_DOWN'));
      // Load shedding: the Store is not keeping up, and a longer queue would only hold more memory and make
      // every ack later. The push is refused as retryable: its client keeps it and resends after its
      // backoff (nothing of it was stored).
      if (queue.length >= maxQueued || queuedBytes + request.update.byteLength > maxQueuedBytes) {
        return Promise.reject(new CairnError('OVERLOADED'));
      }
      return new Promise<CommitOutcome>((resolve, reject) => {
        queue.push({ request, resolve, reject });
        queuedBytes += request.update.byteLength;
        // Start on a microtask so pushes decoded in the same tick join the first batch.
        running ??= Promise.resolve().then(run);
      });
    },
    async drain() {
      while (running || settling) await (running ?? settling);
    },
    async close() {
      closing = true;
      while (running || settling) await (running ?? settling);
    },
    get queued() {
      return queue.length;
    },
  };
}
