/**
 * L1 on SQL: the log rows' metadata, the version a time maps to, and the docs of a space, for history
 * reads (history/). Times are compared at millisecond precision (`date_trunc`): a listing hands out
 * `committedAt` as a JS Date, and asking for exactly that instant must include the row it came from.
 */
import { CairnError } from '@cairn/shared';
import { rowInt, rowText, type SqlQueryable } from './sql-client.js';
import type { ChangeRecord } from './store.js';
import { historyTrimmed } from './history-trimmed.js';

export async function listChangesSql(client: SqlQueryable, tenant: string, doc: string, after: number, limit: number): Promise<ChangeRecord[]> {
  if (!Number.isSafeInteger(after) || !Number.isSafeInteger(limit) || limit < 0) throw new CairnError('BAD_REQUEST', 'after and limit must be integers, limit ≥ 0');
  const rows = await client.query(
    `SELECT version, client_id, seq, actor, octet_length(bytes) AS size,
            floor(extract(epoch FROM committed_at) * 1000)::bigint AS at_ms
       FROM cairn_updates WHERE tenant = $1 AND doc = $2 AND version > $3 ORDER BY version LIMIT $4`,
    [tenant, doc, after, limit],
  );
  return rows.map((row) => ({
    version: rowInt(row, 'version'),
    committedAt: new Date(rowInt(row, 'at_ms')),
    actor: rowText(row, 'actor'),
    clientId: rowText(row, 'client_id'),
    seq: rowInt(row, 'seq'),
    size: rowInt(row, 'size'),
  }));
}

export async function versionAtSql(client: SqlQueryable, tenant: string, doc: string, at: Date): Promise<number> {
  if (Number.isNaN(at.getTime())) throw new CairnError('BAD_REQUEST', 'the time is not a valid date');
  // The first row committed after `at` ends the prefix; with none, every row is in it. Commit times may
  // go backwards by a few ms between two nodes' transactions, so "the newest row at or before" could skip
  // an older row committed later: a prefix never shows a row committed after `at`.
  // Before the history floor's time the prefix ends among trimmed rows (compaction): read in the same
  // statement as the rows, so a trim cannot commit between the two.
  const [row] = await client.query(
    `SELECT coalesce(
       (SELECT min(version) - 1 FROM cairn_updates
         WHERE tenant = $1 AND doc = $2 AND date_trunc('milliseconds', committed_at) > $3::timestamptz),
       (SELECT head_version FROM cairn_docs WHERE tenant = $1 AND doc = $2),
       0) AS version, f.version AS floor, floor(extract(epoch FROM f.floor_at) * 1000)::bigint AS floor_ms
       FROM (SELECT 1) AS one LEFT JOIN cairn_history_floors f ON f.tenant = $1 AND f.doc = $2`,
    [tenant, doc, at.toISOString()],
  );
  if (row && row['floor'] != null && at.getTime() < rowInt(row, 'floor_ms')) {
    throw historyTrimmed({ version: rowInt(row, 'floor'), at: new Date(rowInt(row, 'floor_ms')) });
  }
  return row ? rowInt(row, 'version') : 0;
}

export async function listDocsSql(client: SqlQueryable, tenant: string, space: string): Promise<string[]> {
  const rows = await client.query(
    `SELECT doc FROM cairn_docs WHERE tenant = $1 AND starts_with(doc, $2) AND head_version > 0 ORDER BY doc COLLATE "C"`,
    [tenant, `${space}/`],
  );
  return rows.map((row) => rowText(row, 'doc'));
}
