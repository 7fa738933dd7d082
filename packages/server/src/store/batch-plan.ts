/**
 * The pure half of commitBatch, shared by the SQL and memory stores so both give the same answers:
 * which requests are new, which repeat a stored push or an earlier request of the same batch (C1), and
 * how many new rows each doc gets. Versions are handed out afterwards from each doc's head (C2).
 */
import { assert } from '@cairn/shared';
import type { CommitOutcome, CommitRequest } from './store.js';

export type PlannedRequest =
  /** Stored now; `ordinal` counts the doc's new rows in this batch from 0, in request order. */
  | { kind: 'new'; docKey: string; ordinal: number }
  /** Already stored earlier, as this version. */
  | { kind: 'stored'; version: number }
  /** Repeats the request at `index` of this batch. */
  | { kind: 'repeat'; index: number };

export interface DocCount {
  tenant: string;
  doc: string;
  docKey: string;
  /** New rows for the doc in this batch (≥ 1). */
  count: number;
}

export interface BatchPlan {
  entries: PlannedRequest[];
  /** Docs with new rows, ordered by (tenant, doc) so every node locks them in the same order. */
  docs: DocCount[];
}

export function pushKey(tenant: string, clientId: string, seq: number): string {
  return JSON.stringify([tenant, clientId, seq]);
}

export function docKey(tenant: string, doc: string): string {
  return JSON.stringify([tenant, doc]);
}

/** `storedVersion` answers for pushes committed before this batch (undefined: not stored). */
export function planBatch(
  requests: readonly CommitRequest[],
  storedVersion: (key: string) => number | undefined,
): BatchPlan {
  const firstIndex = new Map<string, number>();
  const docs = new Map<string, DocCount>();
  const entries = requests.map((r, index): PlannedRequest => {
    const key = pushKey(r.tenant, r.clientId, r.seq);
    const earlier = firstIndex.get(key);
    if (earlier !== undefined) return { kind: 'repeat', index: earlier };
    firstIndex.set(key, index);
    const version = storedVersion(key);
    if (version !== undefined) return { kind: 'stored', version };
    const dk = docKey(r.tenant, r.doc);
    let counted = docs.get(dk);
    if (!counted) docs.set(dk, (counted = { tenant: r.tenant, doc: r.doc, docKey: dk, count: 0 }));
    return { kind: 'new', docKey: dk, ordinal: counted.count++ };
  });
  const ordered = [...docs.values()].sort((a, b) => compare(a.tenant, b.tenant) || compare(a.doc, b.doc));
  return { entries, docs: ordered };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `firstVersion` gives each doc's first new version: its head before the batch, plus one. A doc's new rows
 * take consecutive versions from there in request order.
 */
export function resolveOutcomes(plan: BatchPlan, firstVersion: (docKey: string) => number): CommitOutcome[] {
  const outcomes: CommitOutcome[] = [];
  for (const entry of plan.entries) {
    switch (entry.kind) {
      case 'new':
        outcomes.push({ kind: 'committed', version: firstVersion(entry.docKey) + entry.ordinal });
        break;
      case 'stored':
        outcomes.push({ kind: 'duplicate', version: entry.version });
        break;
      case 'repeat': {
        const first = outcomes[entry.index];
        assert(first, 'a repeat refers to an earlier request');
        outcomes.push({ kind: 'duplicate', version: first.version });
        break;
      }
    }
  }
  return outcomes;
}
