/**
 * L3 on SQL: a doc's rows written back from an export (store.ts importRows), the export's read of whole
 * rows, and the database's epoch. An import takes the doc's row lock in cairn_docs first, as a commit does,
 * so it and a commit to the same doc take turns and versions stay gap-free (C2).
 */
import { CairnError } from '@cairn/shared';
import { rowBytes, rowInt, rowText, sqlState, type SqlClient, type SqlParam, type SqlQueryable } from './sql-client.js';
import type { ImportOutcome, LogRow } from './store.js';

const UNIQUE_VIOLATION = '23505';
/** Rows per INSERT statement: 7 parameters each, far below the bind-parameter limit. */
const ROWS_PER_INSERT = 500;

export async function exportRowsSql(q: SqlQueryable, tenant: string, doc: string, after: number, limit: number): Promise<LogRow[]> {
  if (!Number.isSafeInteger(after) || !Number.isSafeInteger(limit) || limit < 0) throw new CairnError('BAD_REQUEST', 'after and limit must be integers, limit ≥ 0');
  const rows = await q.query(
    `SELECT version, client_id, seq, actor, bytes, floor(extract(epoch FROM committed_at) * 1000)::bigint AS at_ms
       FROM cairn_updates WHERE tenant = $1 AND doc = $2 AND version > $3 ORDER BY version LIMIT $4`,
    [tenant, doc, after, limit],
  );
  return rows.map((row) => ({
    version: rowInt(row, 'version'), clientId: rowText(row, 'client_id'), seq: rowInt(row, 'seq'), actor: rowText(row, 'actor'),
    committedAt: new Date(rowInt(row, 'at_ms')), update: rowBytes(row, 'bytes'),
  }));
}

export async function listTenantDocsSql(q: SqlQueryable, tenant: string): Promise<string[]> {
  const rows = await q.query(`SELECT doc FROM cairn_docs WHERE tenant = $1 AND head_version > 0 ORDER BY doc COLLATE "C"`, [tenant]);
  return rows.map((row) => rowText(row, 'doc'));
}

/** Checks what importRows needs of its rows before any statement runs. */
export function checkImportRows(rows: readonly LogRow[]): void {
  rows.forEach((r, i) => {
    if (!Number.isSafeInteger(r.version) || r.version < 1) throw new CairnError('BAD_REQUEST', 'an imported row has a version below 1');
    if (i > 0 && r.version !== rows[i - 1]!.version + 1) throw new CairnError('BAD_REQUEST', 'imported rows must be consecutive versions');
    if (!Number.isSafeInteger(r.seq) || r.seq < 0) throw new CairnError('BAD_REQUEST', 'an imported row has a seq below 0');
    if (Number.isNaN(r.committedAt.getTime())) throw new CairnError('BAD_REQUEST', 'an imported row has no valid commit time');
  });
}

function sameRow(stored: { clientId: string; seq: number; actor: string; update: Uint8Array }, row: LogRow): boolean {
  return stored.clientId === row.clientId && stored.seq === row.seq && stored.actor === row.actor &&
    stored.update.byteLength === row.update.byteLength && stored.update.every((b, i) => b === row.update[i]);
}

export async function importRowsSql(client: SqlClient, tenant: string, doc: string, rows: readonly LogRow[], replace: boolean): Promise<ImportOutcome> {
  checkImportRows(rows);
  if (rows.length === 0) return { added: 0, replacedFrom: null };
  try {
    return await client.transaction((tx) => importInTransaction(tx, tenant, doc, rows, replace));
  } catch (err) {
    // Another doc or version of the tenant holds one of the rows' (clientId, seq) (C1).
    if (sqlState(err) === UNIQUE_VIOLATION) throw new CairnError('IMPORT_CONFLICT', `${doc}: a row's (clientId, seq) is stored at another doc or version`, { cause: err });
    throw err;
  }
}

async function importInTransaction(tx: SqlQueryable, tenant: string, doc: string, rows: readonly LogRow[], replace: boolean): Promise<ImportOutcome> {
  // The doc's row lock, as commitBatch takes it: commits to this doc wait until the import is done.
  const [locked] = await tx.query(
    `INSERT INTO cairn_docs AS d (tenant, doc, head_version) VALUES ($1, $2, 0)
     ON CONFLICT (tenant, doc) DO UPDATE SET head_version = d.head_version RETURNING head_version`,
    [tenant, doc],
  );
  let head = rowInt(locked ?? {}, 'head_version');
  const first = rows[0]!.version;
  const stored = await tx.query(
    `SELECT version, client_id, seq, actor, bytes FROM cairn_updates
      WHERE tenant = $1 AND doc = $2 AND version >= $3 AND version <= $4 ORDER BY version`,
    [tenant, doc, first, Math.min(head, rows[rows.length - 1]!.version)],
  );
  let differsAt: number | null = null;
  for (const s of stored) {
    const version = rowInt(s, 'version');
    const row = rows[version - first]!;
    if (!sameRow({ clientId: rowText(s, 'client_id'), seq: rowInt(s, 'seq'), actor: rowText(s, 'actor'), update: rowBytes(s, 'bytes') }, row)) {
      differsAt = version;
      break;
    }
  }
  if (differsAt !== null) {
    if (!replace) throw new CairnError('IMPORT_CONFLICT', `${doc} holds another row at version ${differsAt} (import with --replace to take the export's)`);
    await tx.query('DELETE FROM cairn_updates WHERE tenant = $1 AND doc = $2 AND version >= $3', [tenant, doc, differsAt]);
    // Both are derived from rows that are gone: the next load replays the log, the read model recomputes.
    await tx.query('DELETE FROM cairn_snapshots WHERE tenant = $1 AND doc = $2', [tenant, doc]);
    await tx.query('DELETE FROM cairn_readmodel_progress WHERE tenant = $1 AND doc = $2', [tenant, doc]);
    head = differsAt - 1;
  }
  const fresh = rows.filter((r) => r.version > head);
  if (fresh.length > 0 && fresh[0]!.version !== head + 1) {
    throw new CairnError('BAD_REQUEST', `${doc} is at version ${head}; imported rows must continue it, not start at ${fresh[0]!.version}`);
  }
  for (let at = 0; at < fresh.length; at += ROWS_PER_INSERT) {
    const params: SqlParam[] = [];
    const tuples = fresh.slice(at, at + ROWS_PER_INSERT).map((r) => {
      const b = params.length;
      params.push(tenant, doc, r.version, r.clientId, r.seq, r.actor, r.update, r.committedAt.toISOString());
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}::timestamptz)`;
    });
    await tx.query(`INSERT INTO cairn_updates (tenant, doc, version, client_id, seq, actor, bytes, committed_at) VALUES ${tuples.join(', ')}`, params);
  }
  if (fresh.length > 0 || differsAt !== null) {
    await tx.query(
      `UPDATE cairn_docs SET head_version = $3, updated_at = now(),
              bytes = (SELECT coalesce(sum(octet_length(bytes)), 0) FROM cairn_updates WHERE tenant = $1 AND doc = $2)
        WHERE tenant = $1 AND doc = $2`,
      [tenant, doc, fresh.length > 0 ? fresh[fresh.length - 1]!.version : head],
    );
  }
  return { added: fresh.length, replacedFrom: differsAt };
}

export async function epochSql(q: SqlQueryable): Promise<string> {
  const [row] = await q.query('SELECT epoch FROM cairn_epoch WHERE id = 1');
  return rowText(row ?? {}, 'epoch');
}

export async function newEpochSql(q: SqlQueryable): Promise<string> {
  const [row] = await q.query(
    `INSERT INTO cairn_epoch (id, epoch) VALUES (1, gen_random_uuid()::text)
     ON CONFLICT (id) DO UPDATE SET epoch = EXCLUDED.epoch, started_at = now() RETURNING epoch`,
  );
  return rowText(row ?? {}, 'epoch');
}
