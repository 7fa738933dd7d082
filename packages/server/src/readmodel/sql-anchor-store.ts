/**
 * The read model on Postgres and PGlite (tables: store/migrations/002-anchors.ts). Each apply is ONE
 * transaction that takes its locks in a fixed order, so no two applies can deadlock:
 *
 *   1. the doc's progress row, FOR UPDATE       one apply per doc at a time; stale/behind checks (C2 order)
 *   2. the space row, FOR SHARE (meta: UPDATE)  the origin cannot change while lat/lon are computed from it
 *   3. advisory locks on (space, id bucket),    two cells re-merging one id take turns, so the second one
 *      in ascending bucket order                 reads the first one's entry (a move across a cell edge)
 *
 * Ids share 64 buckets per space: a full recompute of a big cell then takes at most 64 locks, not one per
 * anchor, at the price of unrelated ids in one bucket waiting for each other now and then.
 * Rows travel as one jsonb parameter (jsonb_to_recordset) however many there are: no bind-parameter limit,
 * and nulls need no special typing. Doubles go through JSON's shortest round-trip form, so they come back
 * bit for bit.
 */
import type { CellEntry, GeoPoint } from '@cairn/shared';
import { rowInt, rowText, type SqlClient, type SqlQueryable, type SqlRow } from '../store/sql-client.js';
import { guard } from '../store/store-error.js';
import type { AnchorQuery, AnchorRecord, AnchorStore, ApplyOutcome, CellChange, MetaChange } from './anchor-store.js';
import { frameOf, locate, mergeRecord, sameOrigin, type RowFrame } from './anchor-row.js';
import { entryBody, entryFromJson } from './entry-codec.js';
import { queryAnchorsSql } from './sql-anchor-query.js';
import { purgeCandidatesSql } from './sql-purge-candidates.js';

const ID_BUCKETS = 64;

/** FNV-1a: a stable bucket for an id, the same on every node. */
function bucketOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % ID_BUCKETS;
}

function num(row: SqlRow, column: string): number | null {
  const v = row[column];
  return v === null || v === undefined ? null : Number(v);
}

async function lockProgress(tx: SqlQueryable, tenant: string, doc: string, version: number, since: number | null): Promise<ApplyOutcome | null> {
  const select = () => tx.query('SELECT applied_version FROM cairn_readmodel_progress WHERE tenant = $1 AND doc = $2 FOR UPDATE', [tenant, doc]);
  let [row] = await select();
  if (!row) {
    await tx.query('INSERT INTO cairn_readmodel_progress (tenant, doc, applied_version) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING', [tenant, doc]);
    [row] = await select();
  }
  const applied = row ? rowInt(row, 'applied_version') : 0;
  if (applied >= version) return { kind: 'stale', applied };
  if (since !== null && applied < since) return { kind: 'behind', applied };
  return null;
}

async function setProgress(tx: SqlQueryable, tenant: string, doc: string, version: number): Promise<void> {
  await tx.query('UPDATE cairn_readmodel_progress SET applied_version = $3, updated_at = now() WHERE tenant = $1 AND doc = $2', [tenant, doc, version]);
}

/** The space's origin, with the space row locked in `mode` until the transaction ends. */
async function lockSpace(tx: SqlQueryable, tenant: string, space: string, mode: 'SHARE' | 'UPDATE'): Promise<GeoPoint | null> {
  const select = () => tx.query(`SELECT origin_lat, origin_lon, origin_alt FROM cairn_spaces WHERE tenant = $1 AND space = $2 FOR ${mode}`, [tenant, space]);
  let [row] = await select();
  if (!row) {
    await tx.query('INSERT INTO cairn_spaces (tenant, space) VALUES ($1, $2) ON CONFLICT DO NOTHING', [tenant, space]);
    [row] = await select();
  }
  const lat = row ? num(row, 'origin_lat') : null;
  const lon = row ? num(row, 'origin_lon') : null;
  const alt = row ? num(row, 'origin_alt') : null;
  return lat === null || lon === null || alt === null ? null : { lat, lon, alt };
}

async function lockIds(tx: SqlQueryable, tenant: string, space: string, ids: Iterable<string>): Promise<void> {
  const buckets = [...new Set(Array.from(ids, bucketOf))].sort((a, b) => a - b);
  if (buckets.length === 0) return;
  // Postgres evaluates a volatile target list after ORDER BY, so the locks are taken in bucket order.
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), b) FROM unnest($2::int[]) AS b ORDER BY b', [`cairn.anchors:${tenant}/${space}`, buckets]);
}

async function applyCellTx(tx: SqlQueryable, c: CellChange): Promise<ApplyOutcome> {
  const refused = await lockProgress(tx, c.tenant, c.doc, c.version, c.since);
  if (refused) return refused;
  const frame = frameOf(await lockSpace(tx, c.tenant, c.space, 'SHARE'));
  let removed = [...c.removed];
  if (c.since === null) {
    const keep = new Set(c.entries.map((e) => e.id));
    const stored = await tx.query('SELECT id FROM cairn_anchor_entries WHERE tenant = $1 AND space = $2 AND cell = $3', [c.tenant, c.space, c.cell]);
    removed = stored.map((row) => rowText(row, 'id')).filter((id) => !keep.has(id));
  }
  const ids = [...new Set([...c.entries.map((e) => e.id), ...removed])];
  if (ids.length === 0) {
    await setProgress(tx, c.tenant, c.doc, c.version);
    return { kind: 'applied' };
  }
  await lockIds(tx, c.tenant, c.space, ids);
  if (c.entries.length > 0) {
    await tx.query(
      `INSERT INTO cairn_anchor_entries (tenant, space, cell, id, pose_hlc, entry)
       SELECT $1, $2, $3, r.id, r.hlc, r.entry FROM jsonb_to_recordset($4::jsonb) AS r(id text, hlc text, entry jsonb)
       ON CONFLICT (tenant, space, cell, id) DO UPDATE SET pose_hlc = EXCLUDED.pose_hlc, entry = EXCLUDED.entry`,
      [c.tenant, c.space, c.cell, JSON.stringify(c.entries.map((e) => ({ id: e.id, hlc: e.pose?.hlc ?? null, entry: entryBody(e) })))],
    );
  }
  if (removed.length > 0) {
    await tx.query('DELETE FROM cairn_anchor_entries WHERE tenant = $1 AND space = $2 AND cell = $3 AND id = ANY($4::text[])', [c.tenant, c.space, c.cell, removed]);
  }
  const rows = await tx.query('SELECT cell, id, entry FROM cairn_anchor_entries WHERE tenant = $1 AND space = $2 AND id = ANY($3::text[])', [c.tenant, c.space, ids]);
  const byId = new Map<string, CellEntry[]>(ids.map((id) => [id, []]));
  for (const row of rows) byId.get(rowText(row, 'id'))?.push(entryFromJson(rowText(row, 'cell'), rowText(row, 'id'), row['entry']));
  const upserts: AnchorRecord[] = [];
  const gone: string[] = [];
  for (const [id, entries] of byId) {
    const record = entries.length > 0 ? mergeRecord(c.space, entries, frame) : null;
    if (record) upserts.push(record);
    else gone.push(id);
  }
  await upsertAnchors(tx, c.tenant, c.space, upserts);
  if (gone.length > 0) await tx.query('DELETE FROM cairn_anchors WHERE tenant = $1 AND space = $2 AND id = ANY($3::text[])', [c.tenant, c.space, gone]);
  await setProgress(tx, c.tenant, c.doc, c.version);
  return { kind: 'applied' };
}

async function upsertAnchors(tx: SqlQueryable, tenant: string, space: string, records: readonly AnchorRecord[]): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map(({ anchor: a, geo }) => ({
    id: a.id, cell: a.cell, x: a.pose.p[0], y: a.pose.p[1], z: a.pose.p[2],
    qx: a.pose.q[0], qy: a.pose.q[1], qz: a.pose.q[2], qw: a.pose.q[3], hlc: a.pose.hlc,
    lat: geo?.lat ?? null, lon: geo?.lon ?? null, alt: geo?.alt ?? null,
    props: a.props, platform_refs: a.platformRefs ?? null, expires_at: a.expiresAt ?? null,
    created_by: a.createdBy, created_at: a.createdAt,
  }));
  await tx.query(
    `INSERT INTO cairn_anchors AS a (tenant, space, id, cell, x, y, z, qx, qy, qz, qw, hlc, lat, lon, alt, props, platform_refs, expires_at, created_by, created_at)
     SELECT $1, $2, r.id, r.cell, r.x, r.y, r.z, r.qx, r.qy, r.qz, r.qw, r.hlc, r.lat, r.lon, r.alt, r.props, r.platform_refs, r.expires_at, r.created_by, r.created_at
       FROM jsonb_to_recordset($3::jsonb) AS r(id text, cell text, x float8, y float8, z float8, qx float8, qy float8, qz float8, qw float8,
            hlc text, lat float8, lon float8, alt float8, props jsonb, platform_refs jsonb, expires_at bigint, created_by text, created_at text)
     ON CONFLICT (tenant, space, id) DO UPDATE SET
       cell = EXCLUDED.cell, x = EXCLUDED.x, y = EXCLUDED.y, z = EXCLUDED.z, qx = EXCLUDED.qx, qy = EXCLUDED.qy, qz = EXCLUDED.qz,
       qw = EXCLUDED.qw, hlc = EXCLUDED.hlc, lat = EXCLUDED.lat, lon = EXCLUDED.lon, alt = EXCLUDED.alt, props = EXCLUDED.props,
       platform_refs = EXCLUDED.platform_refs, expires_at = EXCLUDED.expires_at, created_by = EXCLUDED.created_by,
       created_at = EXCLUDED.created_at, updated_at = now()`,
    [tenant, space, JSON.stringify(rows)],
  );
}

/**
 * X6: the rows whose entries hold a pose stamped with its authoring origin are merged again in the new
 * frame (their pose in it changes; their place on Earth does not). The space row is locked for update, so
 * no cell apply of the space runs meanwhile (each takes it for share before its id locks).
 */
async function remergeFramed(tx: SqlQueryable, c: MetaChange, frame: RowFrame): Promise<void> {
  const rows = await tx.query(
    `SELECT cell, id, entry FROM cairn_anchor_entries WHERE tenant = $1 AND space = $2 AND id IN (
       SELECT id FROM cairn_anchor_entries WHERE tenant = $1 AND space = $2 AND (entry -> 'pose' -> 'frame') IS NOT NULL)`,
    [c.tenant, c.space],
  );
  const byId = new Map<string, CellEntry[]>();
  for (const row of rows) {
    const id = rowText(row, 'id');
    const list = byId.get(id) ?? [];
    list.push(entryFromJson(rowText(row, 'cell'), id, row['entry']));
    byId.set(id, list);
  }
  const records: AnchorRecord[] = [];
  for (const entries of byId.values()) {
    const record = mergeRecord(c.space, entries, frame);
    if (record) records.push(record);
  }
  await upsertAnchors(tx, c.tenant, c.space, records);
}

async function applyMetaTx(tx: SqlQueryable, c: MetaChange): Promise<ApplyOutcome> {
  const refused = await lockProgress(tx, c.tenant, c.doc, c.version, null);
  if (refused) return refused;
  const before = await lockSpace(tx, c.tenant, c.space, 'UPDATE');
  const origin = c.meta.origin;
  await tx.query(
    'UPDATE cairn_spaces SET origin_lat = $3, origin_lon = $4, origin_alt = $5, precision = $6, updated_at = now() WHERE tenant = $1 AND space = $2',
    [c.tenant, c.space, origin?.lat ?? null, origin?.lon ?? null, origin?.alt ?? null, c.meta.precision],
  );
  if (!sameOrigin(before, origin)) {
    const frame = frameOf(origin);
    const rows = await tx.query('SELECT id, x, y, z FROM cairn_anchors WHERE tenant = $1 AND space = $2', [c.tenant, c.space]);
    const placed = rows.map((row) => {
      const geo = locate(frame.geo, [Number(row['x']), Number(row['y']), Number(row['z'])]);
      return { id: rowText(row, 'id'), lat: geo?.lat ?? null, lon: geo?.lon ?? null, alt: geo?.alt ?? null };
    });
    if (placed.length > 0) {
      await tx.query(
        `UPDATE cairn_anchors AS a SET lat = r.lat, lon = r.lon, alt = r.alt, updated_at = now()
           FROM jsonb_to_recordset($3::jsonb) AS r(id text, lat float8, lon float8, alt float8)
          WHERE a.tenant = $1 AND a.space = $2 AND a.id = r.id`,
        [c.tenant, c.space, JSON.stringify(placed)],
      );
    }
    await remergeFramed(tx, c, frame);
  }
  await setProgress(tx, c.tenant, c.doc, c.version);
  return { kind: 'applied' };
}

export function createSqlAnchorStore(client: SqlClient): AnchorStore {
  return {
    applyCell: (change) => guard(() => client.transaction((tx) => applyCellTx(tx, change))),
    applyMeta: (change) => guard(() => client.transaction((tx) => applyMetaTx(tx, change))),
    appliedVersion: (tenant, doc) =>
      guard(async () => {
        const [row] = await client.query('SELECT applied_version FROM cairn_readmodel_progress WHERE tenant = $1 AND doc = $2', [tenant, doc]);
        return row ? rowInt(row, 'applied_version') : 0;
      }),
    // The REST query is the read most exposed to a forgotten filter: it runs scoped to its tenant (S5).
    query: (tenant, space, query: AnchorQuery, options) =>
      guard(() => client.forTenant(tenant, (q) => queryAnchorsSql(q, tenant, space, query, options))),
    // Every tenant's: the purge is a node's own background work, like read-model catch-up (S5 note in 007).
    purgeCandidates: (cutoffs, limit, after) => guard(() => purgeCandidatesSql(client, cutoffs, limit, after)),
  };
}
