/**
 * L2 on Postgres and PGlite: deletion records (migrations/009-deletions.ts) and the hard purge of a doc.
 * A whole space's record has doc '' in the table and null in a DeletionRecord.
 */
import { cellOfDocId, spaceOf, spaceOfMetaDocId } from '@cairn/shared';
import { rowText, type SqlQueryable, type SqlRow } from './sql-client.js';
import type { DeletionRecord } from './store.js';

const COLUMNS = 'tenant, space, doc, deleted_at, deleted_by, purge_after, restored_at, restored_by, purged_at';

function rowDate(row: SqlRow, column: string): Date | null {
  const v = row[column];
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v : new Date(String(v));
}

function record(row: SqlRow): DeletionRecord {
  const doc = rowText(row, 'doc');
  const restoredBy = row['restored_by'];
  return {
    tenant: rowText(row, 'tenant'), space: rowText(row, 'space'), doc: doc === '' ? null : doc,
    deletedAt: rowDate(row, 'deleted_at')!, deletedBy: rowText(row, 'deleted_by'), purgeAfter: rowDate(row, 'purge_after')!,
    restoredAt: rowDate(row, 'restored_at'), restoredBy: typeof restoredBy === 'string' ? restoredBy : null, purgedAt: rowDate(row, 'purged_at'),
  };
}

export async function markDeletedSql(q: SqlQueryable, tenant: string, space: string, doc: string | null, by: string, graceMs: number): Promise<DeletionRecord> {
  // ON CONFLICT on the partial unique index: a record already in force wins and is returned as it is.
  const [inserted] = await q.query(
    `INSERT INTO cairn_deletions (tenant, space, doc, deleted_by, purge_after)
     VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
     ON CONFLICT (tenant, space, doc) WHERE restored_at IS NULL DO NOTHING RETURNING ${COLUMNS}`,
    [tenant, space, doc ?? '', by, graceMs],
  );
  if (inserted) return record(inserted);
  const [existing] = await q.query(
    `SELECT ${COLUMNS} FROM cairn_deletions WHERE tenant = $1 AND space = $2 AND doc = $3 AND restored_at IS NULL`,
    [tenant, space, doc ?? ''],
  );
  return record(existing!);
}

export async function restoreDeletedSql(q: SqlQueryable, tenant: string, space: string, doc: string | null, by: string): Promise<DeletionRecord | null> {
  const [row] = await q.query(
    `UPDATE cairn_deletions SET restored_at = now(), restored_by = $4
      WHERE tenant = $1 AND space = $2 AND doc = $3 AND restored_at IS NULL AND purged_at IS NULL RETURNING ${COLUMNS}`,
    [tenant, space, doc ?? '', by],
  );
  return row ? record(row) : null;
}

export async function deletionOfSql(q: SqlQueryable, tenant: string, doc: string): Promise<DeletionRecord | null> {
  const [row] = await q.query(
    `SELECT ${COLUMNS} FROM cairn_deletions
      WHERE tenant = $1 AND space = $2 AND doc IN ('', $3) AND restored_at IS NULL
      ORDER BY doc LIMIT 1`,
    [tenant, spaceOf(doc), doc],
  );
  return row ? record(row) : null;
}

export async function listDeletionsSql(q: SqlQueryable, tenant: string, space: string): Promise<DeletionRecord[]> {
  const rows = await q.query(
    `SELECT ${COLUMNS} FROM cairn_deletions WHERE tenant = $1 AND space = $2 AND restored_at IS NULL ORDER BY doc COLLATE "C"`,
    [tenant, space],
  );
  return rows.map(record);
}

export async function dueDeletionsSql(q: SqlQueryable, now: Date, limit: number): Promise<DeletionRecord[]> {
  const rows = await q.query(
    `SELECT ${COLUMNS} FROM cairn_deletions
      WHERE restored_at IS NULL AND purged_at IS NULL AND purge_after <= $1 ORDER BY purge_after, id LIMIT $2`,
    [now.toISOString(), limit],
  );
  return rows.map(record);
}

export async function markPurgedSql(q: SqlQueryable, tenant: string, space: string, doc: string | null): Promise<boolean> {
  const rows = await q.query(
    `UPDATE cairn_deletions SET purged_at = now()
      WHERE tenant = $1 AND space = $2 AND doc = $3 AND restored_at IS NULL AND purged_at IS NULL RETURNING id`,
    [tenant, space, doc ?? ''],
  );
  return rows.length > 0;
}

/** Runs inside one transaction (the caller's): every row of the doc but its audit rows and deletion record. */
export async function purgeDocSql(tx: SqlQueryable, tenant: string, doc: string): Promise<number> {
  // The replicas that wrote to the doc, before their rows go: those left with no row in the tenant's log
  // lose their clientId binding too (C5's binding guards seqs that are no longer stored anywhere).
  const writers = (await tx.query('SELECT DISTINCT client_id FROM cairn_updates WHERE tenant = $1 AND doc = $2', [tenant, doc]))
    .map((row) => rowText(row, 'client_id'));
  const removed = await tx.query('DELETE FROM cairn_updates WHERE tenant = $1 AND doc = $2 RETURNING version', [tenant, doc]);
  for (const table of ['cairn_docs', 'cairn_snapshots', 'cairn_history_floors', 'cairn_quarantine', 'cairn_readmodel_progress']) {
    await tx.query(`DELETE FROM ${table} WHERE tenant = $1 AND doc = $2`, [tenant, doc]);
  }
  if (writers.length > 0) {
    await tx.query(
      `DELETE FROM cairn_client_owners o WHERE o.tenant = $1 AND o.client_id = ANY($2)
         AND NOT EXISTS (SELECT 1 FROM cairn_updates u WHERE u.tenant = o.tenant AND u.client_id = o.client_id)`,
      [tenant, writers],
    );
  }
  const cell = cellOfDocId(doc);
  if (cell) {
    await tx.query('DELETE FROM cairn_anchor_entries WHERE tenant = $1 AND space = $2 AND cell = $3', [tenant, cell.space, cell.cell]);
    await tx.query('DELETE FROM cairn_anchors WHERE tenant = $1 AND space = $2 AND cell = $3', [tenant, cell.space, cell.cell]);
  }
  const meta = spaceOfMetaDocId(doc);
  if (meta !== null) await tx.query('DELETE FROM cairn_spaces WHERE tenant = $1 AND space = $2', [tenant, meta]);
  return removed.length;
}
