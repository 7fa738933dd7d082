/**
 * A2: group commit. Pushes that arrive while the Store is busy wait in the queue and go to it together in
 * the next transaction, so one fsync serves many acks. Up to `maxInFlight` batches (CAIRN_COMMITS_IN_FLIGHT,
 * default 1) are at the Store at once. With one, a push that arrives just after a batch left waits for that
 * whole commit before its own begins; with two it starts at once unless two are committing. Measured on the
 * bench's ramp (peer-knee, 20 rooms of 10), two cost 2-3x the batches (so more Postgres CPU per update) and
 * their answers sometimes come back in the other order, a version hole the room repairs from the Store
 * (F2): 6-942 repairs per step against none, with no steady latency gain on this 2-core machine. Hence 1.
 *
 *   submit() ──► queue ──(fewer than maxInFlight at the Store)──► store.commitBatch(queue) ──► settle each
 *                  ▲                                                       │
 *                  └──────────────── pushes arriving meanwhile ◄───────────┘  (they form the next batch)
 *
 * Two batches that touch one doc serialize on its head row (sql-commit.ts, step 2): the later one waits for
 * the earlier's COMMIT and its versions follow. So a batch's outcomes settle when its commit returns, not
 * in submission order, and the versions of each doc still reach the room in order (C2; a rare reordering of
 * two answers in one turn is a gap the room repairs, F2). A session does not need submission order: its
 * ack ledger acks the settled prefix of its own pushes (session/ack-ledger.ts, A1), and a /y socket has one
 * write in flight.
 *
 * A big batch's outcomes are settled a slice of SLICE per event-loop turn, after the next batch has gone
 * to the Store: what an outcome sets off (apply to the room, publish, acks, deliveries) takes longer than
 * the commit itself, and run in one block it would hold every statement of the next commit back until it
 * ends, so the Store and this process would take turns instead of working at once (bench/: +28% durable
 * writes per second). A small batch is settled at once, as a slice would only add a turn of latency. A
 * slice never spans two batches, so a session still gets one ack per batch.
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
  /** Batches at the Store at once (default 1; the node's default is its config's, see the header). */
  maxInFlight?: number;
  observer?: GroupCommitObserver;
}): GroupCommit {
  const { store, maxBatch = 1024, maxInFlight = 1, observer } = opts;
  const maxQueued = opts.maxQueued ?? Infinity;
  const maxQueuedBytes = opts.maxQueuedBytes ?? 64 * 1024 * 1024;
  let queuedBytes = 0;
  let queue: Pending[] = [];
  /** What drain() waits on while batches run or wait to start; resolved once none do. */
  let idleWait: { promise: Promise<void>; resolve: () => void } | null = null;
  let inFlight = 0;
  let pumpScheduled = false;
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

  /** One batch from commit to settlement; `commitAlone` fallbacks run inside it, in order. */
  async function commitOne(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      const outcomes = await store.commitBatch(batch.map((p) => p.request));
      observer?.batch(batch.length, (performance.now() - started) / 1000, true);
      settle(batch.map((p, i) => () => p.resolve(outcomes[i]!)));
    } catch (err) {
      observer?.batch(batch.length, (performance.now() - started) / 1000, false);
      if (isCairnError(err) && !err.retryable && batch.length > 1) {
        for (const p of batch) await commitAlone(p);
        return;
      }
      const error = isCairnError(err) && !err.retryable ? err : new CairnError('STORE_UNAVAILABLE', undefined, { cause: err });
      settle(batch.map((p) => () => p.reject(error)));
    }
  }

  /** Starts batches while fewer than `maxInFlight` are at the Store and submissions wait. */
  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      for (const p of batch) queuedBytes -= p.request.update.byteLength;
      inFlight++;
      void commitOne(batch).finally(() => {
        inFlight--;
        pump();
        if (inFlight === 0 && queue.length === 0) idle();
      });
    }
  }

  /** Resolves when no batch is at the Store and none waits to start. */
  function whenIdle(): Promise<void> {
    if (inFlight === 0 && queue.length === 0) return Promise.resolve();
    if (!idleWait) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      idleWait = { promise, resolve };
    }
    return idleWait.promise;
  }

  function idle(): void {
    const wait = idleWait;
    idleWait = null;
    wait?.resolve();
  }

  async function drain(): Promise<void> {
    while (inFlight > 0 || queue.length > 0 || settling) await (settling ?? whenIdle());
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
        if (!pumpScheduled) {
          pumpScheduled = true;
          queueMicrotask(() => {
            pumpScheduled = false;
            pump();
          });
        }
      });
    },
    drain,
    async close() {
      closing = true;
      await drain();
    },
    get queued() {
      return queue.length;
    },
  };
}
