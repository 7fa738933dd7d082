/**
 * Compaction's SQL (migration 8; the Store contract is in store.ts): the history floor, the trim, and the
 * docs it may trim.
 *
 * The trim is one transaction on the cross-tenant connection (like the quarantine drop), filtered by
 * tenant in every statement. Two nodes may trim at once: the transaction first takes an advisory lock
 * scoped to it and to the tenant, so trims of one tenant take turns and the second one reads the floor
 * (and the replica's seq ranges) the first one wrote. Commits take no such lock and are not held up: the
 * DELETE only touches rows below the floor, which no commit writes, and a commit's duplicate check (C1)
 * sees, in its one snapshot, either the row or the seq range that replaced it, never neither.
 */
import { CairnError } from '@cairn/shared';
import { decodeSnapshotOwners, encodeSnapshotOwners } from './snapshot-owners.js';
import { historyTrimmed } from './history-trimmed.js';
import { mergeSeqRanges, mergeSpan, type SeqRange } from './seq-ranges.js';
import { rowBytes, rowInt, rowText, type SqlClient, type SqlQueryable, type SqlParam } from './sql-client.js';
import type { DocRef, HistoryFloor, TrimRequest, TrimResult, UpdateRecord } from './store.js';

const AT_MS = `floor(extract(epoch FROM floor_at) * 1000)::bigint AS at_ms`;

export async function loadHistoryFloorSql(q: SqlQueryable, tenant: string, doc: string): Promise<HistoryFloor | null> {
  const [row] = await q.query(
    `SELECT version, ${AT_MS}, state, owners, rows_trimmed, bytes_trimmed FROM cairn_history_floors WHERE tenant = $1 AND doc = $2`,
    [tenant, doc],
  );
  if (!row) return null;
  return {
    version: rowInt(row, 'version'),
    at: new Date(rowInt(row, 'at_ms')),
    state: rowBytes(row, 'state'),
    owners: decodeSnapshotOwners(rowBytes(row, 'owners')),
    rowsTrimmed: rowInt(row, 'rows_trimmed'),
    bytesTrimmed: rowInt(row, 'bytes_trimmed'),
  };
}

/**
 * loadUpdates on SQL. The floor is read in the same statement as the rows (one snapshot): read apart, a
 * trim committing between the two would make the rows silently shorter.
 */
export async function loadUpdatesSql(q: SqlQueryable, tenant: string, doc: string, after: number, upTo: number | undefined): Promise<UpdateRecord[]> {
  const params: SqlParam[] = [tenant, doc, after];
  if (upTo !== undefined) params.push(upTo);
  const rows = await q.query(
    `SELECT f.version AS floor, f.at_ms, u.version, u.bytes, u.actor
       FROM (SELECT 1) AS one
       LEFT JOIN (SELECT version, ${AT_MS} FROM cairn_history_floors WHERE tenant = $1 AND doc = $2) AS f ON true
       LEFT JOIN cairn_updates u ON u.tenant = $1 AND u.doc = $2 AND u.version > $3${upTo === undefined ? '' : ' AND u.version <= $4'}
      ORDER BY u.version`,
    params,
  );
  const first = rows[0];
  if (first && first['floor'] != null && rowInt(first, 'floor') > after && (upTo === undefined || upTo > after)) {
    throw historyTrimmed({ version: rowInt(first, 'floor'), at: new Date(rowInt(first, 'at_ms')) });
  }
  return rows.filter((row) => row['version'] != null)
    .map((row) => ({ version: rowInt(row, 'version'), update: rowBytes(row, 'bytes'), actor: rowText(row, 'actor') }));
}

export async function trimHistorySql(client: SqlClient, tenant: string, doc: string, base: TrimRequest): Promise<TrimResult> {
  if (!Number.isSafeInteger(base.version) || base.version < 1) throw new CairnError('BAD_REQUEST', 'a floor version is an integer ≥ 1');
  return client.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('cairn.trim/' || $1, 0))`, [tenant]);
    const [state] = await tx.query(
      `SELECT (SELECT head_version FROM cairn_docs WHERE tenant = $1 AND doc = $2) AS head,
              (SELECT version FROM cairn_history_floors WHERE tenant = $1 AND doc = $2) AS floor`,
      [tenant, doc],
    );
    const head = state?.['head'] == null ? 0 : rowInt(state, 'head');
    const from = state?.['floor'] == null ? 0 : rowInt(state, 'floor');
    if (base.version > head) throw new CairnError('BAD_REQUEST', `version ${base.version} is past the doc's head (${head})`);
    if (base.version <= from) return { rows: 0, bytes: 0, floor: from };

    const deleted = await tx.query(
      `DELETE FROM cairn_updates WHERE tenant = $1 AND doc = $2 AND version <= $3
       RETURNING client_id, seq, octet_length(bytes) AS size, floor(extract(epoch FROM committed_at) * 1000)::bigint AS at_ms`,
      [tenant, doc, base.version],
    );
    const byClient = new Map<string, number[]>();
    let bytes = 0;
    let atMs = 0;
    for (const row of deleted) {
      const clientId = rowText(row, 'client_id');
      const seqs = byClient.get(clientId) ?? [];
      seqs.push(rowInt(row, 'seq'));
      byClient.set(clientId, seqs);
      bytes += rowInt(row, 'size');
      atMs = Math.max(atMs, rowInt(row, 'at_ms'));
    }
    for (const [clientId, seqs] of byClient) await recordTrimmedSeqs(tx, tenant, clientId, seqs);
    await tx.query('UPDATE cairn_docs SET bytes = greatest(bytes - $3, 0) WHERE tenant = $1 AND doc = $2', [tenant, doc, bytes]);
    await tx.query(
      `INSERT INTO cairn_history_floors AS f (tenant, doc, version, floor_at, state, owners, rows_trimmed, bytes_trimmed)
       VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7, $8)
       ON CONFLICT (tenant, doc) DO UPDATE SET version = EXCLUDED.version, floor_at = greatest(f.floor_at, EXCLUDED.floor_at),
         state = EXCLUDED.state, owners = EXCLUDED.owners, rows_trimmed = f.rows_trimmed + EXCLUDED.rows_trimmed,
         bytes_trimmed = f.bytes_trimmed + EXCLUDED.bytes_trimmed, trimmed_at = now()`,
      [tenant, doc, base.version, new Date(atMs).toISOString(), base.state, encodeSnapshotOwners(base.owners), deleted.length, bytes],
    );
    return { rows: deleted.length, bytes, floor: base.version };
  });
}

/** Replaces the replica's seq ranges with their merge with `trimmed` (seq-ranges.ts says why it is safe). */
async function recordTrimmedSeqs(tx: SqlQueryable, tenant: string, clientId: string, trimmed: number[]): Promise<void> {
  const existing: SeqRange[] = (await tx.query('SELECT lo, hi FROM cairn_trimmed_seqs WHERE tenant = $1 AND client_id = $2', [tenant, clientId]))
    .map((row) => ({ lo: rowInt(row, 'lo'), hi: rowInt(row, 'hi') }));
  const span = mergeSpan(existing, trimmed)!;
  const logSeqs = (await tx.query(
    'SELECT seq FROM cairn_updates WHERE tenant = $1 AND client_id = $2 AND seq BETWEEN $3 AND $4',
    [tenant, clientId, span.lo, span.hi],
  )).map((row) => rowInt(row, 'seq'));
  const merged = mergeSeqRanges(existing, trimmed, logSeqs);
  await tx.query('DELETE FROM cairn_trimmed_seqs WHERE tenant = $1 AND client_id = $2', [tenant, clientId]);
  await tx.query(
    `INSERT INTO cairn_trimmed_seqs (tenant, client_id, lo, hi)
     SELECT $1, $2, r.lo, r.hi FROM unnest($3::bigint[], $4::bigint[]) AS r(lo, hi)`,
    [tenant, clientId, merged.map((r) => r.lo), merged.map((r) => r.hi)],
  );
}

export async function listTrimmableSql(client: SqlClient, query: { before: Date; limit: number; tenant?: string; after?: DocRef }): Promise<DocRef[]> {
  if (!Number.isSafeInteger(query.limit) || query.limit < 0) throw new CairnError('BAD_REQUEST', 'limit must be an integer ≥ 0');
  if (Number.isNaN(query.before.getTime())) throw new CairnError('BAD_REQUEST', 'the time is not a valid date');
  const params: SqlParam[] = [query.before.toISOString(), query.limit];
  const where: string[] = [];
  if (query.tenant !== undefined) where.push(`d.tenant = $${params.push(query.tenant)}`);
  if (query.after) where.push(`(d.tenant COLLATE "C", d.doc COLLATE "C") > ($${params.push(query.after.tenant)}, $${params.push(query.after.doc)})`);
  // The doc's oldest kept row is the one just above its floor (versions have no gaps, C2): a primary-key
  // lookup per doc, no scan of the log by time.
  const run = (q: SqlQueryable) => q.query(
    `SELECT d.tenant, d.doc FROM cairn_docs d
       LEFT JOIN cairn_history_floors f ON f.tenant = d.tenant AND f.doc = d.doc
       JOIN cairn_updates u ON u.tenant = d.tenant AND u.doc = d.doc AND u.version = coalesce(f.version, 0) + 1
      WHERE u.committed_at < $1::timestamptz${where.map((w) => ` AND ${w}`).join('')}
      ORDER BY d.tenant COLLATE "C", d.doc COLLATE "C" LIMIT $2`,
    params,
  );
  const rows = query.tenant === undefined ? await run(client) : await client.forTenant(query.tenant, run);
  return rows.map((row) => ({ tenant: rowText(row, 'tenant'), doc: rowText(row, 'doc') }));
}

/** Store.importFloor on SQL: one transaction holding the doc's row lock, as a commit or an import does. */
export async function importFloorSql(client: SqlClient, tenant: string, doc: string, floor: HistoryFloor): Promise<boolean> {
  if (!Number.isSafeInteger(floor.version) || floor.version < 1) throw new CairnError('BAD_REQUEST', 'a floor version is an integer ≥ 1');
  return client.transaction(async (tx) => {
    const [locked] = await tx.query(
      `INSERT INTO cairn_docs AS d (tenant, doc, head_version) VALUES ($1, $2, 0)
       ON CONFLICT (tenant, doc) DO UPDATE SET head_version = d.head_version RETURNING head_version`,
      [tenant, doc],
    );
    const [hasFloor] = await tx.query('SELECT 1 AS one FROM cairn_history_floors WHERE tenant = $1 AND doc = $2', [tenant, doc]);
    if (rowInt(locked ?? {}, 'head_version') > 0 || hasFloor) return false;
    await tx.query('UPDATE cairn_docs SET head_version = $3 WHERE tenant = $1 AND doc = $2', [tenant, doc, floor.version]);
    await tx.query(
      `INSERT INTO cairn_history_floors (tenant, doc, version, floor_at, state, owners, rows_trimmed, bytes_trimmed)
       VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7, $8)`,
      [tenant, doc, floor.version, floor.at.toISOString(), floor.state, encodeSnapshotOwners(floor.owners), floor.rowsTrimmed, floor.bytesTrimmed],
    );
    return true;
  });
}
