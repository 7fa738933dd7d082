/**
 * L4 retention: audit rows older than CAIRN_AUDIT_RETENTION_DAYS are deleted by every node, at start and
 * then every `intervalMs`, in batches of `batch` rows (one short statement each, so a first sweep over a
 * large backlog never holds a long transaction or locks the table against the audit log's inserts). Two
 * nodes sweeping at once delete disjoint or already-deleted rows: harmless.
 */
import type { Store } from '../store/store.js';
import type { Logger } from '../log/logger.js';
import { createBackgroundPass } from '../background-pass.js';

const DAY_MS = 86_400_000;

export interface AuditRetention {
  /** Deletes every expired row now; resolves with how many. */
  sweep(): Promise<number>;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

export interface AuditRetentionOptions {
  store: Pick<Store, 'deleteAuditBefore'>;
  days: number;
  /** Default one hour. */
  intervalMs?: number;
  /** Rows per DELETE; default 5000. */
  batch?: number;
  now?: () => number;
  log?: Logger;
  expired?: (rows: number) => void;
}

export function createAuditRetention(opts: AuditRetentionOptions): AuditRetention {
  const batch = opts.batch ?? 5000;
  const now = opts.now ?? Date.now;

  async function deleteExpired(): Promise<number> {
    const before = new Date(now() - opts.days * DAY_MS);
    let total = 0;
    for (;;) {
      if (job.stopped) return total;
      const n = await opts.store.deleteAuditBefore(before, batch);
      total += n;
      if (n > 0) opts.expired?.(n);
      if (n < batch) return total;
    }
  }

  const job = createBackgroundPass<[], number>({
    pass: deleteExpired, intervalMs: opts.intervalMs ?? 3_600_000, atStart: true,
    failure: 'audit retention sweep failed; the next one retries', log: opts.log,
  });

  return { sweep: () => job.run(), stop: () => job.stop() };
}
