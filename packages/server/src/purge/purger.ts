/**
 * Issue 13, L2, X4: the purge pass. Anchors that expired a grace period ago (CAIRN_TOMBSTONE_GRACE_DAYS),
 * and deleted ones whose tombstone is that old, are reduced to a bare tombstone in every cell doc that
 * holds them; tombstones older than CAIRN_TOMBSTONE_KEEP_DAYS go too, and so do forwarding entries of
 * anchors that moved on a grace period ago. docs/SPEC.md (L5) has the rule, docs/DECISIONS.md the why.
 *
 *   pass(now) ─► read model: purgeCandidates(cutoffs of now), paged ─► per cell doc (one group):
 *     head from the Store ─► purgeUpdate (the doc has the last word) ─► null: nothing to do
 *                                                                    └─► ONE update, commit.write ─► audit, metric
 *
 * Committed like a revert (history/reverter.ts): validated against the room, durable before it counts,
 * applied to the room, published to other nodes, folded into the read model (which drops the rows), and
 * merged by replicas like any edit. The clientId is derived from (tenant, doc, head) and the seq is 0, so
 * two nodes that purge one doc at the same head write ONE version: the second push is a duplicate (C1),
 * neither applied nor published again (C5). A node that reads the head after another's purge finds
 * nothing to do. Candidates come from the read model, never from loading every doc.
 */
import { createHash } from 'node:crypto';
import { cellDocId, isCairnError } from '@cairn/shared';
import type { Store } from '../store/store.js';
import type { CommitPath } from '../commit/commit-path.js';
import type { Logger } from '../log/logger.js';
import type { PurgeCandidate, PurgeCursor, PurgeCutoffs } from '../readmodel/anchor-store.js';
import { readDocAt } from '../history/doc-at.js';
import { PURGE_SUBJECT, purgeUpdate, type PurgePlan } from './purge-update.js';
import { createBackgroundPass } from '../background-pass.js';

export const DAY_MS = 86_400_000;

/** What one committed purge of one cell doc did (the audit row's content). */
export interface PurgeRecord {
  tenant: string;
  space: string;
  doc: string;
  clientId: string;
  /** The version the purge was committed as. */
  version: number;
  /** Ids purged, per reason. */
  purged: Record<PurgeCandidate['reason'], string[]>;
  bytes: number;
  at: Date;
}

/** What one pass did. */
export interface PurgeSummary {
  /** Docs this pass committed a purge to (a duplicate of another node's is not counted). */
  docs: number;
  /** Cell entries purged, per reason (an anchor in two cells counts twice). */
  purged: Record<PurgeCandidate['reason'], number>;
  /** Docs whose purge failed; the next pass retries them. */
  failed: number;
}

/** The purge of one node: a timer, and passes on demand. */
export interface Purger {
  /** One pass at `now` (ms); a pass already running is joined, not doubled. */
  pass(now?: number): Promise<PurgeSummary>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export interface PurgerOptions {
  store: Store;
  commit: Pick<CommitPath, 'write'>;
  /** Days after expiry, or after the delete, before an anchor is reduced to its tombstone. */
  graceDays: number;
  /** Days after the delete (or the purge of an expired anchor) before the tombstone itself goes; 0: never. */
  keepDays: number;
  /** Seconds between passes; 0 or absent: only pass() runs one. */
  intervalS?: number;
  /** Candidates read per query. Default 1000. */
  pageSize?: number;
  /** Each committed purge; a throw is logged, never undoes it. */
  onPurge?: (record: PurgeRecord) => void;
  log?: Logger;
  now?: () => number;
}

/** The fixed-width hex wall time of an hlc (shared/spatial/hlc.ts): every hlc of an earlier ms sorts before it. */
function hlcBefore(ms: number): string {
  return `${Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0')}-`;
}

export function purgeCutoffs(now: number, graceDays: number, keepDays: number): PurgeCutoffs {
  const graced = now - graceDays * DAY_MS;
  return {
    expiredBefore: graced,
    deletedBefore: new Date(graced).toISOString(),
    droppedBefore: keepDays > 0 ? new Date(now - keepDays * DAY_MS).toISOString() : null,
    forwardedBefore: hlcBefore(graced),
  };
}

/** Two nodes purging one doc at one head push the same (clientId, seq): the Store keeps one (C1). */
export function purgeClientId(tenant: string, doc: string, head: number): string {
  return `purge-${createHash('sha256').update(`${tenant}\u0000${doc}\u0000${head}`).digest('hex').slice(0, 40)}`;
}

const key = (c: PurgeCandidate) => JSON.stringify([c.tenant, c.space, c.cell]);

export function createPurger(opts: PurgerOptions): Purger {
  const { store, commit } = opts;
  const pageSize = opts.pageSize ?? 1000;

  async function purgeDoc(group: readonly PurgeCandidate[], cutoffs: PurgeCutoffs, now: number, summary: PurgeSummary): Promise<void> {
    const { tenant, space, cell } = group[0]!;
    const doc = cellDocId(space, cell);
    const head = await store.headVersion(tenant, doc);
    if (head === 0) return;
    const at = await readDocAt(store, tenant, doc, { version: head });
    let plan: PurgePlan;
    try {
      plan = purgeUpdate(at.ydoc, cell, group, cutoffs, now);
    } finally {
      at.ydoc.destroy();
    }
    if (!plan.update) return;
    const clientId = purgeClientId(tenant, doc, at.version);
    await store.claimClient(tenant, clientId, PURGE_SUBJECT);
    const outcome = await commit.write({ tenant, doc, clientId, seq: 0, actor: PURGE_SUBJECT, update: plan.update, source: null });
    if (outcome.kind !== 'committed') return;
    summary.docs++;
    for (const [reason, ids] of Object.entries(plan.purged)) summary.purged[reason as PurgeCandidate['reason']] += ids.length;
    try {
      opts.onPurge?.({ tenant, space, doc, clientId, version: outcome.version, purged: plan.purged, bytes: plan.update.byteLength, at: new Date(now) });
    } catch (err) {
      opts.log?.error({ err: err instanceof Error ? err.message : String(err) }, 'onPurge hook failed; the purge is committed');
    }
  }

  async function run(now: number): Promise<PurgeSummary> {
    const cutoffs = purgeCutoffs(now, opts.graceDays, opts.keepDays);
    const summary: PurgeSummary = { docs: 0, purged: { deleted: 0, expired: 0, tombstone: 0, forwarded: 0 }, failed: 0 };
    let after: PurgeCursor | undefined;
    let carry: PurgeCandidate[] = [];
    for (;;) {
      const page = await store.anchors.purgeCandidates(cutoffs, pageSize, after);
      const full = page.length === pageSize;
      const groups = new Map<string, PurgeCandidate[]>();
      for (const c of [...carry, ...page]) {
        const list = groups.get(key(c));
        if (list) list.push(c);
        else groups.set(key(c), [c]);
      }
      carry = [];
      // A full page may end inside a doc's candidates: that doc waits for the rest, so it gets ONE update.
      if (full) {
        const last = [...groups.keys()].at(-1)!;
        carry = groups.get(last)!;
        groups.delete(last);
      }
      for (const group of groups.values()) {
        if (job.stopped) return summary;
        try {
          await purgeDoc(group, cutoffs, now, summary);
        } catch (err) {
          // A soft-deleted doc (L2) is refused by the commit path until its own purge takes it whole.
          if (isCairnError(err) && err.code === 'DOC_DELETED') continue;
          summary.failed++;
          opts.log?.warn({ err: err instanceof Error ? err.message : String(err), tenant: group[0]!.tenant, space: group[0]!.space, cell: group[0]!.cell }, 'purge of a cell doc failed; the next pass retries');
        }
      }
      if (!full) return summary;
      after = page.at(-1)!;
    }
  }

  const job = createBackgroundPass<[now?: number], PurgeSummary>({
    pass: (now = (opts.now ?? Date.now)()) => run(now),
    // The first pass one interval after start, not at it.
    intervalMs: (opts.intervalS ?? 0) * 1000, atStart: false,
    failure: 'purge pass failed; the next one retries', log: opts.log,
  });

  return { pass: (now) => job.run(now), stop: () => job.stop() };
}
