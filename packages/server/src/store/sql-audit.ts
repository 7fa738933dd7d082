/**
 * The audit trail (L4) on Postgres and PGlite (table in migrations/006-audit.ts). A batch is ONE statement
 * whatever its size: the rows travel as one jsonb parameter (jsonb_to_recordset), as the read model's do,
 * and take their ids in batch order. Pages follow the keyset (at, id) newest first, so a page is an index
 * range scan however deep it is, and rows written meanwhile never shift a page already read.
 */
import { rowInt, rowText, type SqlClient, type SqlParam, type SqlRow } from './sql-client.js';
import type { AuditPage, AuditQuery, AuditRecord, AuditRow } from '../audit/audit-event.js';

export async function appendAuditSql(client: SqlClient, rows: readonly AuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  const json = rows.map((r, ord) => ({
    ord, at: r.at.toISOString(), tenant: r.tenant, subject: r.subject, client_id: r.clientId, node: r.node,
    action: r.action, space: r.space, doc: r.doc, outcome: r.outcome, count: r.count, detail: r.detail,
  }));
  await client.query(
    `INSERT INTO cairn_audit (at, tenant, subject, client_id, node, action, space, doc, outcome, count, detail)
     SELECT at, tenant, subject, client_id, node, action, space, doc, outcome, count, detail
       FROM jsonb_to_recordset($1::jsonb) AS r(ord int, at timestamptz, tenant text, subject text, client_id text, node text,
            action text, space text, doc text, outcome text, count int, detail jsonb)
      ORDER BY ord`,
    [JSON.stringify(json)],
  );
}

function textOrNull(row: SqlRow, column: string): string | null {
  return row[column] === null ? null : rowText(row, column);
}

function dateOf(row: SqlRow, column: string): Date {
  const v = row[column];
  return v instanceof Date ? v : new Date(String(v));
}

function recordOf(row: SqlRow): AuditRecord {
  const detail = row['detail'];
  return {
    id: rowInt(row, 'id'),
    at: dateOf(row, 'at'),
    tenant: textOrNull(row, 'tenant'),
    subject: textOrNull(row, 'subject'),
    clientId: textOrNull(row, 'client_id'),
    node: rowText(row, 'node'),
    action: rowText(row, 'action'),
    space: textOrNull(row, 'space'),
    doc: textOrNull(row, 'doc'),
    outcome: rowText(row, 'outcome'),
    count: rowInt(row, 'count'),
    detail: (typeof detail === 'string' ? JSON.parse(detail) : detail) as Record<string, unknown>,
  };
}

export async function queryAuditSql(client: SqlClient, q: AuditQuery): Promise<AuditPage> {
  const params: SqlParam[] = [];
  const where: string[] = [];
  if (q.tenant !== undefined) where.push(`tenant = $${params.push(q.tenant)}`);
  if (q.subject !== undefined) where.push(`subject = $${params.push(q.subject)}`);
  if (q.action !== undefined) where.push(`action = $${params.push(q.action)}`);
  if (q.since !== undefined) where.push(`at >= $${params.push(q.since.toISOString())}::timestamptz`);
  if (q.until !== undefined) where.push(`at < $${params.push(q.until.toISOString())}::timestamptz`);
  if (q.after !== undefined) {
    where.push(`(at, id) < ($${params.push(q.after.at.toISOString())}::timestamptz, $${params.push(q.after.id)}::bigint)`);
  }
  // One row more than asked says whether there is a next page.
  const rows = await client.query(
    `SELECT id, at, tenant, subject, client_id, node, action, space, doc, outcome, count, detail FROM cairn_audit
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY at DESC, id DESC LIMIT $${params.push(q.limit + 1)}`,
    params,
  );
  const records = rows.slice(0, q.limit).map(recordOf);
  const last = records[records.length - 1];
  return { rows: records, next: rows.length > q.limit && last ? { at: last.at, id: last.id } : null };
}

export async function deleteAuditBeforeSql(client: SqlClient, before: Date, limit: number): Promise<number> {
  const rows = await client.query(
    `DELETE FROM cairn_audit WHERE id IN (SELECT id FROM cairn_audit WHERE at < $1::timestamptz ORDER BY at LIMIT $2) RETURNING id`,
    [before.toISOString(), limit],
  );
  return rows.length;
}
