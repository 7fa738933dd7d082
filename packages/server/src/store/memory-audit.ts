/**
 * The audit trail (L4) of the memory Store: rows in an array in id order, with the SQL stores' order and
 * paging (newest first by (at, id)), so the contract suite holds for all three.
 */
import { CairnError } from '@cairn/shared';
import type { AuditPage, AuditQuery, AuditRecord, AuditRow } from '../audit/audit-event.js';

export interface MemoryAudit {
  append(rows: readonly AuditRow[]): void;
  query(q: AuditQuery): AuditPage;
  deleteBefore(before: Date, limit: number): number;
}

/** Newer first: by at, then by id. */
function newerFirst(a: AuditRecord, b: AuditRecord): number {
  return b.at.getTime() - a.at.getTime() || b.id - a.id;
}

function copy(r: AuditRecord): AuditRecord {
  return { ...r, at: new Date(r.at), detail: structuredClone(r.detail) };
}

export function createMemoryAudit(): MemoryAudit {
  let rows: AuditRecord[] = [];
  let nextId = 1;
  return {
    append(batch) {
      // The CHECK of migrations/006-audit.ts; a refused batch stores nothing, as in one SQL statement.
      if (batch.some((r) => !Number.isSafeInteger(r.count) || r.count < 1)) throw new CairnError('BAD_REQUEST', 'count must be an integer ≥ 1');
      for (const r of batch) rows.push(copy({ ...r, at: new Date(r.at.getTime()), id: nextId++ }));
    },
    query(q) {
      const matches = rows
        .filter((r) =>
          (q.tenant === undefined || r.tenant === q.tenant) &&
          (q.subject === undefined || r.subject === q.subject) &&
          (q.action === undefined || r.action === q.action) &&
          (q.since === undefined || r.at >= q.since) &&
          (q.until === undefined || r.at < q.until) &&
          (q.after === undefined || newerFirst(r, { ...r, at: q.after.at, id: q.after.id }) > 0))
        .sort(newerFirst);
      const page = matches.slice(0, q.limit).map(copy);
      const last = page[page.length - 1];
      return { rows: page, next: matches.length > q.limit && last ? { at: last.at, id: last.id } : null };
    },
    deleteBefore(before, limit) {
      const doomed = new Set(rows.filter((r) => r.at < before).sort((a, b) => a.at.getTime() - b.at.getTime()).slice(0, limit));
      rows = rows.filter((r) => !doomed.has(r));
      return doomed.size;
    },
  };
}
