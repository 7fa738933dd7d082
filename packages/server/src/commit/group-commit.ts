/**
 * A2: group commit. Pushes that arrive while a commit is in flight wait in the queue and go to the Store
 * together in the next transaction, so one fsync serves many acks. Outcomes resolve in submission order,
 * which is what lets a session ack "everything ≤ seq" (A1).
 *
 *   submit() ──► queue ──(no commit in flight)──► store.commitBatch(queue) ──► resolve each, in order
 *                  ▲                                        │
 *                  └────────── pushes arriving meanwhile ◄──┘  (they form the next batch)
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

export function createGroupCommit(opts: { store: Store; maxBatch?: number; observer?: GroupCommitObserver }): GroupCommit {
  const { store, maxBatch = 1024, observer } = opts;
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;
  let closing = false;

  async function commitAlone(p: Pending): Promise<void> {
    try {
      const [outcome] = await store.commitBatch([p.request]);
      p.resolve(outcome!);
    } catch (err) {
      p.reject(isCairnError(err) && !err.retryable ? err : new CairnError('STORE_UNAVAILABLE', undefined, { cause: err }));
    }
  }

  async function run(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      const started = performance.now();
      try {
        const outcomes = await store.commitBatch(batch.map((p) => p.request));
        observer?.batch(batch.length, (performance.now() - started) / 1000, true);
        batch.forEach((p, i) => p.resolve(outcomes[i]!));
      } catch (err) {
        observer?.batch(batch.length, (performance.now() - started) / 1000, false);
        if (isCairnError(err) && !err.retryable && batch.length > 1) {
          for (const p of batch) await commitAlone(p);
          continue;
        }
        const error = isCairnError(err) && !err.retryable ? err : new CairnError('STORE_UNAVAILABLE', undefined, { cause: err });
        batch.forEach((p) => p.reject(error));
      }
    }
    running = null;
  }

  return {
    submit(request) {
      if (closing) return Promise.reject(new CairnError('SHUTTING_DOWN'));
      return new Promise<CommitOutcome>((resolve, reject) => {
        queue.push({ request, resolve, reject });
        // Start on a microtask so pushes decoded in the same tick join the first batch.
        running ??= Promise.resolve().then(run);
      });
    },
    async drain() {
      while (running) await running;
    },
    async close() {
      closing = true;
      while (running) await running;
    },
    get queued() {
      return queue.length;
    },
  };
}
