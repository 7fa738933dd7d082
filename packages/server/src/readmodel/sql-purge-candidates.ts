/**
 * purge-rules.ts in SQL, over every tenant (the purge is cross-tenant by design, like read-model catch-up).
 * Each reason starts from an index of migration 011 (tombstone times, forwarding clocks, expiries), never
 * from a scan of every entry, then joins the id's other cells on (tenant, space, id). Text cut-offs are
 * compared in the "C" collation, byte order, as the memory store compares strings.
 */
import { rowText, type SqlQueryable } from '../store/sql-client.js';
import type { PurgeCandidate, PurgeCursor, PurgeCutoffs } from './anchor-store.js';

const bare = (e: string) => `(${e}.entry->'pose' = 'null'::jsonb AND ${e}.entry->'movedTo' = 'null'::jsonb AND ${e}.entry->'created' = 'null'::jsonb
  AND ${e}.entry->'expiresAt' = 'null'::jsonb AND ${e}.entry->'props' = '{}'::jsonb AND coalesce(${e}.entry->'propClocks', '{}'::jsonb) = '{}'::jsonb
  AND ${e}.entry->'platformRefs' = '[]'::jsonb AND jsonb_typeof(${e}.entry->'deleted') = 'object')`;
const deletedAt = (e: string) => `((${e}.entry->'deleted'->>'at') COLLATE "C")`;
/** purge-rules.ts ISO_AT: a tombstone with another kind of `at` is never due by time. */
const isoAt = (e: string) => `((${e}.entry->'deleted'->>'at') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T')`;
const tombstoned = (e: string) => `jsonb_typeof(${e}.entry->'deleted') = 'object'`;
const C = (x: string) => `${x} COLLATE "C"`;

const SQL = `
WITH due_deleted AS (
  SELECT DISTINCT ON (tenant, space, id) tenant, space, id, entry->'deleted' AS deleted
    FROM cairn_anchor_entries d WHERE ${tombstoned('d')} AND ${deletedAt('d')} <= $1 AND ${isoAt('d')} ORDER BY tenant, space, id, cell
), candidates AS (
  SELECT e.tenant, e.space, e.cell, e.id, 1 AS rank, 'deleted' AS reason, dd.deleted
    FROM due_deleted dd JOIN cairn_anchor_entries e ON e.tenant = dd.tenant AND e.space = dd.space AND e.id = dd.id
   WHERE NOT ${bare('e')}
  UNION ALL
  SELECT e.tenant, e.space, e.cell, e.id, 2, 'expired', NULL
    FROM cairn_anchors a JOIN cairn_anchor_entries e ON e.tenant = a.tenant AND e.space = a.space AND e.id = a.id
   WHERE a.expires_at <= $2
  UNION ALL
  SELECT e.tenant, e.space, e.cell, e.id, 3, 'tombstone', e.entry->'deleted'
    FROM cairn_anchor_entries e
   WHERE $3::text IS NOT NULL AND ${tombstoned('e')} AND ${deletedAt('e')} <= $3::text AND ${isoAt('e')} AND ${bare('e')}
     AND NOT EXISTS (SELECT 1 FROM cairn_anchor_entries x WHERE x.tenant = e.tenant AND x.space = e.space AND x.id = e.id AND NOT ${bare('x')})
  UNION ALL
  SELECT e.tenant, e.space, e.cell, e.id, 4, 'forwarded', NULL
    FROM cairn_anchor_entries e JOIN cairn_anchors a ON a.tenant = e.tenant AND a.space = e.space AND a.id = e.id
   WHERE jsonb_typeof(e.entry->'movedTo') = 'object' AND ((e.entry->'movedTo'->>'hlc') COLLATE "C") < $4 AND a.cell <> e.cell
     AND (e.entry->'pose' = 'null'::jsonb OR (e.entry->'movedTo'->>'hlc') COLLATE "C" >= (e.entry->'pose'->>'hlc') COLLATE "C")
)
SELECT DISTINCT ON (${C('tenant')}, ${C('space')}, cell, id) tenant, space, cell, id, reason, deleted
  FROM candidates
 WHERE (${C('tenant')}, ${C('space')}, cell, id) > (${C('$5::text')}, ${C('$6::text')}, ${C('$7::text')}, ${C('$8::text')})
 ORDER BY ${C('tenant')}, ${C('space')}, cell, id, rank
 LIMIT $9`;

function tombstoneOf(v: unknown): PurgeCandidate['deleted'] {
  const d = (typeof v === 'string' ? JSON.parse(v) : v) as { at?: unknown; by?: unknown } | null;
  return d && typeof d === 'object' ? { at: String(d.at ?? ''), by: String(d.by ?? '') } : null;
}

export async function purgeCandidatesSql(db: SqlQueryable, c: PurgeCutoffs, limit: number, after?: PurgeCursor): Promise<PurgeCandidate[]> {
  const rows = await db.query(SQL, [
    c.deletedBefore, c.expiredBefore, c.droppedBefore, c.forwardedBefore,
    after?.tenant ?? '', after?.space ?? '', after?.cell ?? '', after?.id ?? '', limit,
  ]);
  return rows.map((row) => ({
    tenant: rowText(row, 'tenant'), space: rowText(row, 'space'), cell: rowText(row, 'cell'), id: rowText(row, 'id'),
    reason: rowText(row, 'reason') as PurgeCandidate['reason'],
    deleted: tombstoneOf(row['deleted']),
  }));
}
