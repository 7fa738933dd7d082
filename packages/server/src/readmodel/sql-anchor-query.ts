/**
 * The read model's queries in SQL. Rectangles become latitude ranges with a longitude check on the
 * (tenant, space, lat, lon) index; `near` also filters and orders by the haversine distance of
 * shared/spatial/geo-distance.ts written in SQL (same sphere, same formula), so the SQL and memory stores
 * agree on who is inside the circle and in which order. A cell prefix is the range [prefix, prefix + '~'):
 * '~' sorts after every geohash character in the "C" collation of the cell column.
 */
import { EARTH_RADIUS_M, type GeoRect } from '@cairn/shared';
import { rowInt, rowText, type SqlParam, type SqlQueryable, type SqlRow } from '../store/sql-client.js';
import type { AnchorQuery, AnchorRecord, QueryOptions } from './anchor-store.js';

const COLUMNS = 'id, cell, x, y, z, qx, qy, qz, qw, hlc, lat, lon, alt, props, platform_refs, expires_at, created_by, created_at';

function rectsSql(rects: readonly GeoRect[], params: SqlParam[]): string {
  const p = (v: number) => `$${params.push(v)}`;
  return `(${rects.map((r) => `(lat BETWEEN ${p(r.minLat)} AND ${p(r.maxLat)} AND lon BETWEEN ${p(r.minLon)} AND ${p(r.maxLon)})`).join(' OR ')})`;
}

function parseJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

export function recordOf(space: string, row: SqlRow): AnchorRecord {
  const n = (c: string) => Number(row[c]);
  const refs = parseJson(row['platform_refs']);
  const lat = row['lat'];
  return {
    anchor: {
      id: rowText(row, 'id'),
      space,
      pose: { p: [n('x'), n('y'), n('z')], q: [n('qx'), n('qy'), n('qz'), n('qw')], hlc: rowText(row, 'hlc') },
      cell: rowText(row, 'cell'),
      props: parseJson(row['props']) as Record<string, unknown>,
      createdBy: rowText(row, 'created_by'),
      createdAt: rowText(row, 'created_at'),
      ...(row['expires_at'] === null ? {} : { expiresAt: rowInt(row, 'expires_at') }),
      ...(Array.isArray(refs) ? { platformRefs: refs } : {}),
    },
    geo: lat === null ? null : { lat: n('lat'), lon: n('lon'), alt: n('alt') },
  };
}

export async function queryAnchorsSql(
  db: SqlQueryable,
  tenant: string,
  space: string,
  q: AnchorQuery,
  { now, limit }: QueryOptions,
): Promise<AnchorRecord[]> {
  const params: SqlParam[] = [tenant, space, now];
  const live = 'tenant = $1 AND space = $2 AND (expires_at IS NULL OR expires_at > $3)';
  let text: string;
  if (q.kind === 'cell') {
    text = `SELECT ${COLUMNS} FROM cairn_anchors WHERE ${live} AND cell >= $4 AND cell < $5 ORDER BY id LIMIT $6`;
    params.push(q.prefix, `${q.prefix}~`, limit);
  } else if (q.kind === 'rects') {
    const where = rectsSql(q.rects, params);
    text = `SELECT ${COLUMNS} FROM cairn_anchors WHERE ${live} AND ${where} ORDER BY id LIMIT $${params.push(limit)}`;
  } else {
    const where = rectsSql(q.rects, params);
    const lat = `$${params.push(q.center.lat)}`;
    const lon = `$${params.push(q.center.lon)}`;
    const h = `least(1, sin((radians(lat) - radians(${lat})) / 2) ^ 2 + cos(radians(${lat})) * cos(radians(lat)) * sin((radians(lon) - radians(${lon})) / 2) ^ 2)`;
    const d = `2 * ${EARTH_RADIUS_M} * atan2(sqrt(${h}), sqrt(1 - ${h}))`;
    text = `SELECT * FROM (SELECT ${COLUMNS}, ${d} AS distance FROM cairn_anchors WHERE ${live} AND ${where}) AS c
             WHERE distance <= $${params.push(q.radiusM)} ORDER BY distance, id LIMIT $${params.push(limit)}`;
  }
  const rows = await db.query(text, params);
  return rows.map((row) => recordOf(space, row));
}
