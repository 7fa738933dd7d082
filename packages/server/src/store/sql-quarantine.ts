/**
 * The quarantine of C4 on Postgres and PGlite (table in migrations/004-quarantine.ts). Recording copies the
 * row's bytes in one statement, so a record always holds what the log held; dropping empties the log row
 * and stamps the record in one transaction.
 */
import { rowInt, rowText, type SqlClient, type SqlParam, type SqlQueryable, type SqlRow } from './sql-client.js';
import type { QuarantineRecord } from './store.js';

/** An empty v1 update: no structs, no deletions. */
const EMPTY_UPDATE = new Uint8Array([0, 0]);

function rowDate(row: SqlRow, column: string): Date | null {
  const v = row[column];
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v : new Date(String(v));
}

export async function quarantineSql(client: SqlQueryable, tenant: string, doc: string, version: number, reason: string): Promise<boolean> {
  const rows = await client.query(
    `INSERT INTO cairn_quarantine (tenant, doc, version, reason, bytes)
     SELECT tenant, doc, version, $4, bytes FROM cairn_updates WHERE tenant = $1 AND doc = $2 AND version = $3
     ON CONFLICT (tenant, doc, version) DO NOTHING
     RETURNING version`,
    [tenant, doc, version, reason],
  );
  return rows.length > 0;
}

export async function listQuarantinedSql(client: SqlQueryable, tenant?: string, doc?: string): Promise<QuarantineRecord[]> {
  const params: SqlParam[] = [];
  const where: string[] = [];
  if (tenant !== undefined) where.push(`tenant = $${params.push(tenant)}`);
  if (doc !== undefined) where.push(`doc = $${params.push(doc)}`);
  const rows = await client.query(
    `SELECT tenant, doc, version, reason, length(bytes) AS size, quarantined_at, dropped_at FROM cairn_quarantine
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY tenant, doc, version`,
    params,
  );
  return rows.map((row) => ({
    tenant: rowText(row, 'tenant'),
    doc: rowText(row, 'doc'),
    version: rowInt(row, 'version'),
    reason: rowText(row, 'reason'),
    size: rowInt(row, 'size'),
    quarantinedAt: rowDate(row, 'quarantined_at') ?? new Date(0),
    droppedAt: rowDate(row, 'dropped_at'),
  }));
}

export async function dropQuarantinedSql(client: SqlClient, tenant: string, doc: string, version: number): Promise<boolean> {
  return client.transaction(async (tx) => {
    const stamped = await tx.query(
      `UPDATE cairn_quarantine SET dropped_at = now()
        WHERE tenant = $1 AND doc = $2 AND version = $3 AND dropped_at IS NULL RETURNING version`,
      [tenant, doc, version],
    );
    if (stamped.length === 0) return false;
    await tx.query('UPDATE cairn_updates SET bytes = $4 WHERE tenant = $1 AND doc = $2 AND version = $3', [tenant, doc, version, EMPTY_UPDATE]);
    return true;
  });
}

