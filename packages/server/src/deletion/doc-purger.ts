/**
 * L2: the hard purge of deletions whose grace period is over. Every node runs it, at start and then every
 * `intervalMs` (and `cairn-server purge-deleted` runs one pass by hand): each due record's docs are purged
 * one transaction per doc (Store.purgeDoc), then the record is stamped purged, and an audit row says what
 * went (L4). Two nodes purging one record at once delete the same rows twice, which is harmless, and only
 * one of them stamps it (markPurged is conditional), so only that one writes the audit row.
 *
 * A doc that a client writes to while its purge runs cannot come back: every room load refuses it (the
 * record stays in force, now as a tombstone), so no commit reaches it after its rooms were retired.
 */
import { spaceOf } from '@cairn/shared';
import type { AuditLog } from '../audit/audit-log.js';
import type { Logger } from '../log/logger.js';
import type { DeletionRecord, Store } from '../store/store.js';
import { createBackgroundPass } from '../background-pass.js';

export interface DocPurgeReport {
  /** Records purged in this pass. */
  records: number;
  docs: number;
  /** Log rows removed. */
  rows: number;
}

export interface DocPurger {
  /** Purges every due record now. */
  run(): Promise<DocPurgeReport>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export interface DocPurgerOptions {
  store: Pick<Store, 'dueDeletions' | 'listDocs' | 'purgeDoc' | 'markPurged'>;
  audit?: Pick<AuditLog, 'record'>;
  /** Told of each record once purged (deletions.ts purged: retire rooms, tell other nodes). */
  onPurged?: (record: DeletionRecord) => void;
  /** Default one hour; 0: no timer (the CLI's single pass). */
  intervalMs?: number;
  now?: () => number;
  log?: Logger;
  /** Records per listing; default 100. */
  batch?: number;
}

/** One record's docs: the doc itself, or every doc of the space with rows. */
async function docsOf(store: DocPurgerOptions['store'], record: DeletionRecord): Promise<string[]> {
  if (record.doc !== null) return [record.doc];
  return store.listDocs(record.tenant, record.space);
}

export function createDocPurger(o: DocPurgerOptions): DocPurger {
  const now = o.now ?? Date.now;
  const batch = o.batch ?? 100;

  async function purgeDue(): Promise<DocPurgeReport> {
    const report: DocPurgeReport = { records: 0, docs: 0, rows: 0 };
    const seen = new Set<string>();
    for (;;) {
      if (job.stopped) return report;
      const due = (await o.store.dueDeletions(new Date(now()), batch)).filter((r) => !seen.has(JSON.stringify([r.tenant, r.space, r.doc])));
      if (due.length === 0) return report;
      for (const record of due) {
        seen.add(JSON.stringify([record.tenant, record.space, record.doc]));
        const docs = await docsOf(o.store, record);
        let rows = 0;
        for (const doc of docs) {
          if (spaceOf(doc) !== record.space) continue;
          rows += await o.store.purgeDoc(record.tenant, doc);
        }
        if (!(await o.store.markPurged(record.tenant, record.space, record.doc))) continue; // restored or purged meanwhile
        report.records++;
        report.docs += docs.length;
        report.rows += rows;
        o.audit?.record({
          action: 'purge', tenant: record.tenant, subject: null, space: record.space, ...(record.doc !== null ? { doc: record.doc } : {}),
          detail: { scope: record.doc === null ? 'space' : 'doc', docs: docs.length, rows, deletedAt: record.deletedAt.toISOString(), deletedBy: record.deletedBy },
        });
        o.onPurged?.(record);
      }
    }
  }

  const job = createBackgroundPass<[], DocPurgeReport>({
    pass: purgeDue, intervalMs: o.intervalMs ?? 3_600_000, atStart: true,
    failure: 'purge of deleted docs failed; the next pass retries', log: o.log,
  });

  return { run: () => job.run(), stop: () => job.stop() };
}
