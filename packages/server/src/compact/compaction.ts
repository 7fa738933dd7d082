/**
 * The compaction schedule: every `intervalMs` (and once at start), each doc whose oldest kept row is older
 * than the history window is trimmed (compact-doc.ts), a page of docs at a time (Store.listTrimmable), one
 * doc at a time so the Store's pool stays the commit path's. Every node may run it: trims of one tenant
 * take turns in the database (store/sql-trim.ts), and a doc trimmed by another node meanwhile is a no-op.
 *
 * Each trimmed doc leaves an audit row (L4, action `trim`, with the rows, bytes and new floor) and adds to
 * the trimmed counters. A doc that fails (its replay, the Store) is logged and skipped; the next run
 * retries it.
 */
import { isCairnError } from '@cairn/shared';
import type { AuditEvent } from '../audit/audit-event.js';
import type { Logger } from '../log/logger.js';
import type { DocRef, Store } from '../store/store.js';
import { compactDoc, type DocTrim } from './compact-doc.js';
import { createBackgroundPass } from '../background-pass.js';

const DAY_MS = 86_400_000;

export interface CompactionTotals {
  docs: number;
  rows: number;
  bytes: number;
  /** Docs that failed this run (logged; retried by the next). */
  failed: number;
}

export interface Compaction {
  /** One pass now, over every tenant or one tenant, or one doc; resolves with what it trimmed. */
  run(scope?: { tenant?: string; doc?: string }): Promise<CompactionTotals>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export interface CompactionOptions {
  store: Store;
  /** The history window in days (CAIRN_HISTORY_DAYS); > 0. */
  days: number;
  /** Between scheduled passes (CAIRN_COMPACT_INTERVAL_S); 0 or absent: no schedule, `run` only (the CLI). */
  intervalMs?: number;
  /** Docs per listTrimmable page; default 100. */
  page?: number;
  now?: () => number;
  log?: Logger;
  /** L4: where a trim's audit row goes (the node's audit log, or the CLI's direct write). */
  audit: (event: AuditEvent) => void | Promise<void>;
  /** The trimmed-rows and -bytes counters (metrics/metrics.ts). */
  trimmed?: (rows: number, bytes: number) => void;
}

export function createCompaction(opts: CompactionOptions): Compaction {
  const page = opts.page ?? 100;
  const now = opts.now ?? Date.now;
  let running: Promise<CompactionTotals> | null = null;

  async function one(ref: DocRef, cutoff: Date, totals: CompactionTotals): Promise<void> {
    let trim: DocTrim | null;
    try {
      trim = await compactDoc(opts.store, ref.tenant, ref.doc, cutoff);
    } catch (err) {
      // Another node trimmed the doc while this one read it: its floor is already there.
      if (isCairnError(err) && err.code === 'HISTORY_TRIMMED') return;
      totals.failed++;
      opts.log?.warn({ tenant: ref.tenant, doc: ref.doc, err: err instanceof Error ? err.message : String(err) }, 'compaction of a doc failed; the next run retries');
      return;
    }
    if (!trim || trim.rows === 0) return;
    totals.docs++;
    totals.rows += trim.rows;
    totals.bytes += trim.bytes;
    opts.trimmed?.(trim.rows, trim.bytes);
    await opts.audit({
      action: 'trim', tenant: ref.tenant, space: ref.doc.split('/')[0] ?? null, doc: ref.doc,
      detail: { rows: trim.rows, bytes: trim.bytes, floor: trim.floor, before: cutoff.toISOString(), days: opts.days },
    });
  }

  async function pass(scope: { tenant?: string; doc?: string }): Promise<CompactionTotals> {
    const cutoff = new Date(now() - opts.days * DAY_MS);
    const totals: CompactionTotals = { docs: 0, rows: 0, bytes: 0, failed: 0 };
    if (scope.tenant !== undefined && scope.doc !== undefined) {
      await one({ tenant: scope.tenant, doc: scope.doc }, cutoff, totals);
      return totals;
    }
    let after: DocRef | undefined;
    for (;;) {
      if (job.stopped) return totals;
      const refs = await opts.store.listTrimmable({ before: cutoff, limit: page, ...(scope.tenant !== undefined ? { tenant: scope.tenant } : {}), ...(after ? { after } : {}) });
      for (const ref of refs) {
        if (job.stopped) return totals;
        if (scope.doc === undefined || ref.doc === scope.doc) await one(ref, cutoff, totals);
      }
      if (refs.length < page) return totals;
      after = refs[refs.length - 1];
    }
  }

  function run(scope: { tenant?: string; doc?: string } = {}): Promise<CompactionTotals> {
    // One pass at a time per node; a scoped run asked during a scheduled one waits for it.
    const next = (running ?? Promise.resolve()).catch(() => undefined).then(() => pass(scope));
    const mine = next.finally(() => {
      if (running === mine) running = null;
    });
    running = mine;
    return mine;
  }

  // The timer's passes go through run() too, so a scoped run and a timed one take turns.
  const job = createBackgroundPass<[], CompactionTotals>({
    pass: () => run(), intervalMs: opts.intervalMs ?? 0, atStart: true,
    failure: 'compaction pass failed; the next one retries', log: opts.log,
    onTimed: (t) => {
      if (t.rows > 0 || t.failed > 0) opts.log?.info({ ...t }, 'compaction pass');
    },
  });

  return {
    run,
    async stop() {
      await job.stop();
      await running?.catch(() => undefined);
    },
  };
}
