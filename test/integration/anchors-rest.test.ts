/**
 * The anchor read model end to end: a real server process on Postgres and Redis, anchors written as Yjs
 * updates into cell docs and the meta doc through the native protocol, then `GET /v1/spaces/:space/anchors`
 * answers bbox, near and cell queries with what mergeAnchorView says over the committed docs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  PROTOCOL_VERSION, cellOf, createGeoFrame, distanceM, newAnchorId, type ClientSocket, type GeoPoint, type Vec3,
} from '@cairn/shared';
import { createPgStore, issueToken, type AnchorRecord, type Store } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { isolatedEnv, PG_URL, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { readModelCaughtUp } from '../support/readmodel-caught-up.js';
import { anchorReplica, expectedView, type AnchorReplica, type DocUpdate } from '../support/readmodel-writer.js';

const iso = isolatedEnv('it_anchors_rest');
const PARIS: GeoPoint = { lat: 48.8566, lon: 2.3522, alt: 35 };
const DATELINE: GeoPoint = { lat: 0.0005, lon: 179.9995, alt: 0 };
const PRECISION = 7;
const HOUR = 3_600_000;

let server: ServerProcess;
let store: Store;
let client: RawClient;
let seq = 0;
const tokens: Record<'rw' | 'otherSpace' | 'otherTenant' | 'expired', string> = { rw: '', otherSpace: '', otherTenant: '', expired: '' };
/** Cell docs written per space, for the oracle. */
const cellDocs = new Map<string, Set<string>>();

async function push(updates: readonly DocUpdate[]): Promise<void> {
  for (const u of updates) client.send({ type: 'push', doc: u.doc, seq: ++seq, update: u.update });
  const last = seq;
  await client.next('ack', (a) => a.seq === last);
  for (const u of updates) {
    const [space, kind] = u.doc.split('/');
    if (kind === 'cell') cellDocs.set(space!, (cellDocs.get(space!) ?? new Set()).add(u.doc));
  }
}


/** An anchor placed in the cell its position falls in, as the client partitions them. */
function placed(origin: GeoPoint, p: Vec3): string {
  const g = createGeoFrame(origin).toGeo(p);
  return cellOf(g.lat, g.lon, PRECISION);
}

async function get(path: string, token: string | null = tokens.rw) {
  const res = await fetch(`${server.url}${path}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as { anchors?: Record<string, unknown>[]; error?: { code: string; retryable: boolean } } };
}

/** What the REST answer holds for a record: the Anchor plus lat/lon/alt, as JSON. */
function json(r: AnchorRecord, center?: { lat: number; lon: number }): Record<string, unknown> {
  const out = { ...r.anchor, ...(r.geo ? { lat: r.geo.lat, lon: r.geo.lon, alt: r.geo.alt } : {}), ...(center && r.geo ? { distanceM: distanceM(center, r.geo) } : {}) };
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
}

async function view(space: string): Promise<AnchorRecord[]> {
  return expectedView(store, 'acme', space, [...(cellDocs.get(space) ?? [])], Date.now());
}

const inBox = (r: AnchorRecord, b: { minLat: number; minLon: number; maxLat: number; maxLon: number }) =>
  r.geo !== null && r.geo.lat >= b.minLat && r.geo.lat <= b.maxLat &&
  (b.minLon <= b.maxLon ? r.geo.lon >= b.minLon && r.geo.lon <= b.maxLon : r.geo.lon >= b.minLon || r.geo.lon <= b.maxLon);

beforeAll(async () => {
  tokens.rw = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'surveyor', spaces: { '*': 'rw' } });
  tokens.otherSpace = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'guest', spaces: { lab: 'r' } });
  tokens.otherTenant = await issueToken({ secret: SECRET, tenant: 'globex', subject: 'spy', spaces: { '*': 'rw' } });
  tokens.expired = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'late', spaces: { '*': 'rw' }, expiresInSec: -60 });
  server = await startServer(iso.env);
  store = createPgStore({ connectionString: PG_URL, schema: iso.schema, poolSize: 2 });
  client = await connectRaw((u) => new WebSocket(`${server.wsUrl}${u}`) as unknown as ClientSocket, '/v1/sync');
  client.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'surveyor-000001', token: tokens.rw });
  await client.next('welcome');

  // Space `site` in Paris: anchors over ~600 m, so over several cells; one moved across a cell edge, one
  // moved within its cell, one deleted, one expired, one with a TTL in the future.
  const r: AnchorReplica = anchorReplica('surveyor');
  await push(r.meta('site', { origin: PARIS, precision: PRECISION }));
  const spots: Vec3[] = [[0, 0, 0], [120, 2, -80], [-250, 0, 40], [300, 1, -300], [-40, 0, 260], [180, 3, 150], [5, 0, -5], [-300, 0, -300]];
  const ids = spots.map(() => newAnchorId());
  for (const [i, p] of spots.entries()) {
    await push(r.create('site', placed(PARIS, p), ids[i]!, p, { props: { n: i, name: `spot ${i}` }, ...(i === 5 ? { expiresAt: Date.now() + HOUR } : {}) }));
  }
  await push(r.move('site', ids[1]!, placed(PARIS, spots[1]!), [-200, 0, -250], placed(PARIS, [-200, 0, -250])));
  await push(r.move('site', ids[6]!, placed(PARIS, spots[6]!), [6, 0, -6]));
  await push(r.remove('site', placed(PARIS, spots[2]!), ids[2]!));
  await push(r.ttl('site', placed(PARIS, spots[4]!), ids[4]!, Date.now() - HOUR));

  // Space `dateline`: anchors on both sides of the antimeridian.
  const xs = [-200, -50, 30, 100, 400];
  for (const x of xs) await push(r.create('dateline', placed(DATELINE, [x, 0, 0]), newAnchorId(), [x, 0, 0]));
  await push(r.meta('dateline', { origin: DATELINE }));

  // Space `bare`: no meta doc, so no geodetic origin; its anchors answer cell queries only.
  for (const x of [1, 2]) await push(r.create('bare', 'u09tvw0', newAnchorId(), [x, 0, 0]));

  // Another tenant writes a space of the same name (S5).
  const other = await connectRaw((u) => new WebSocket(`${server.wsUrl}${u}`) as unknown as ClientSocket, '/v1/sync');
  other.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'spy-0000000001', token: tokens.otherTenant });
  await other.next('welcome');
  const spy = anchorReplica('spy');
  [...spy.meta('site', { origin: PARIS }), ...spy.create('site', placed(PARIS, [1, 0, 1]), 'globex-anchor', [1, 0, 1])]
    .forEach((u, i) => other.send({ type: 'push', doc: u.doc, seq: i + 1, update: u.update }));
  await other.next('ack', (a) => a.seq === 2);
  other.close();
  await readModelCaughtUp(iso.schema);
}, 90_000);

afterAll(async () => {
  client?.close();
  await server?.kill('SIGKILL');
  await store?.close();
  await iso.drop();
});

describe('GET /v1/spaces/:space/anchors on Postgres', () => {
  it('bbox: every live anchor inside the box, as mergeAnchorView merges them, with lat/lon', async () => {
    const expected = await view('site');
    expect(expected.length).toBe(6); // 8 created, 1 deleted, 1 expired
    const all = await get('/v1/spaces/site/anchors?bbox=48.84,2.33,48.87,2.37');
    expect(all.status).toBe(200);
    expect(all.body.anchors).toEqual(expected.map((x) => json(x)));
    const box = { minLat: 48.8556, minLon: 2.3492, maxLat: 48.8570, maxLon: 2.3530 };
    const some = await get(`/v1/spaces/site/anchors?bbox=${box.minLat},${box.minLon},${box.maxLat},${box.maxLon}`);
    const want = expected.filter((x) => inBox(x, box));
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(expected.length);
    expect(some.body.anchors).toEqual(want.map((x) => json(x)));
  });

  it('X2/X3/X4: the moved anchor is once, in its new cell; deleted and expired anchors are not returned', async () => {
    const { body } = await get('/v1/spaces/site/anchors?bbox=48.84,2.33,48.87,2.37');
    const expected = await view('site');
    const ids = body.anchors!.map((a) => a['id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expected.map((x) => x.anchor.id));
    const moved = body.anchors!.find((a) => (a['props'] as { n: number }).n === 1)!;
    expect(moved['cell']).toBe(placed(PARIS, [-200, 0, -250]));
    expect((moved['pose'] as { p: number[] }).p).toEqual([-200, 0, -250]);
    expect(body.anchors!.map((a) => (a['props'] as { n: number }).n).sort()).toEqual([0, 1, 3, 5, 6, 7]);
    expect(body.anchors!.find((a) => (a['props'] as { n: number }).n === 5)!['expiresAt']).toBeGreaterThan(Date.now());
  });

  it('near: anchors within the radius (great-circle), nearest first, with distanceM', async () => {
    const center = { lat: 48.8566, lon: 2.3522 };
    const { status, body } = await get(`/v1/spaces/site/anchors?near=${center.lat},${center.lon}&radius=250`);
    expect(status).toBe(200);
    const want = (await view('site'))
      .filter((x) => distanceM(center, x.geo!) <= 250)
      .sort((a, b) => distanceM(center, a.geo!) - distanceM(center, b.geo!));
    expect(want.length).toBeGreaterThan(1);
    expect(body.anchors).toEqual(want.map((x) => json(x, center)));
    const limited = await get(`/v1/spaces/site/anchors?near=${center.lat},${center.lon}&radius=250&limit=1`);
    expect(limited.body.anchors).toEqual(want.slice(0, 1).map((x) => json(x, center)));
  });

  it('cell: anchors whose cell starts with the prefix, with or without an origin; limit cuts the id-ordered list', async () => {
    const expected = await view('site');
    const prefix = expected[0]!.anchor.cell.slice(0, 6);
    const { body } = await get(`/v1/spaces/site/anchors?cell=${prefix}`);
    expect(body.anchors).toEqual(expected.filter((x) => x.anchor.cell.startsWith(prefix)).map((x) => json(x)));
    expect((await get(`/v1/spaces/site/anchors?cell=${prefix}&limit=2`)).body.anchors).toEqual(
      expected.filter((x) => x.anchor.cell.startsWith(prefix)).slice(0, 2).map((x) => json(x)),
    );
    const bare = await get('/v1/spaces/bare/anchors?cell=u09tvw0');
    expect(bare.body.anchors).toEqual((await view('bare')).map((x) => json(x)));
    expect(bare.body.anchors!.length).toBe(2);
    expect(bare.body.anchors!.every((a) => !('lat' in a))).toBe(true);
    expect((await get('/v1/spaces/bare/anchors?bbox=-90,-180,90,180')).body.anchors).toEqual([]);
  });

  it('the antimeridian: a box with minLon > maxLon and a circle around lon 180 find anchors on both sides', async () => {
    const expected = await view('dateline');
    expect(new Set(expected.map((x) => Math.sign(x.geo!.lon))).size).toBe(2);
    const box = { minLat: -0.01, minLon: 179.999, maxLat: 0.01, maxLon: -179.999 };
    const crossing = await get(`/v1/spaces/dateline/anchors?bbox=${box.minLat},${box.minLon},${box.maxLat},${box.maxLon}`);
    const want = expected.filter((x) => inBox(x, box));
    expect(new Set(want.map((x) => Math.sign(x.geo!.lon))).size).toBe(2);
    expect(crossing.body.anchors).toEqual(want.map((x) => json(x)));
    const center = { lat: 0, lon: 180 };
    const near = await get('/v1/spaces/dateline/anchors?near=0,180&radius=150');
    const close = expected.filter((x) => distanceM(center, x.geo!) <= 150).sort((a, b) => distanceM(center, a.geo!) - distanceM(center, b.geo!));
    expect(new Set(close.map((x) => Math.sign(x.geo!.lon))).size).toBe(2);
    expect(near.body.anchors).toEqual(close.map((x) => json(x, center)));
  });

  it('S1: no token or a bad one is 401 UNAUTHENTICATED; a token without read access to the space is 403 FORBIDDEN', async () => {
    for (const [token, status, code] of [
      [null, 401, 'UNAUTHENTICATED'], ['not-a-jwt', 401, 'UNAUTHENTICATED'], [tokens.expired, 401, 'UNAUTHENTICATED'],
      [tokens.otherSpace, 403, 'FORBIDDEN'],
    ] as const) {
      const res = await get('/v1/spaces/site/anchors?cell=u', token);
      expect([res.status, res.body.error?.code]).toEqual([status, code]);
      expect(res.body.anchors).toBeUndefined();
    }
    // Auth is checked before the query string: a bad request without a token is still 401.
    expect((await get('/v1/spaces/site/anchors?limit=0', null)).status).toBe(401);
    const basic = await fetch(`${server.url}/v1/spaces/site/anchors?cell=u`, { headers: { authorization: `Basic ${tokens.rw}` } });
    expect(basic.status).toBe(401);
  });

  it('S5: tenants with a space of the same name see only their own anchors', async () => {
    const theirs = await get('/v1/spaces/site/anchors?bbox=-90,-180,90,180', tokens.otherTenant);
    expect(theirs.status).toBe(200);
    expect(theirs.body.anchors!.map((a) => a['id'])).toEqual(['globex-anchor']);
    const ours = await get('/v1/spaces/site/anchors?bbox=-90,-180,90,180');
    expect(ours.body.anchors!.map((a) => a['id'])).toEqual((await view('site')).map((x) => x.anchor.id));
    expect(ours.body.anchors!.map((a) => a['id'])).not.toContain('globex-anchor');
  });

  it('bad parameters are 400 BAD_REQUEST with the catalog error body', async () => {
    const bad = [
      '', 'bbox=48,2,49,3&cell=u09', 'bbox=48,2,49', 'bbox=48,2,49,x', 'bbox=49,2,48,3', 'bbox=48.85,2.35,48.86,2.36,1', 'bbox=148.85,2.35,148.86,2.36',
      'near=48.85,2.35', 'near=48.85,2.35&radius=-1', 'near=48.85&radius=10', 'radius=10&cell=u09', 'cell=u09a', 'cell=',
      'cell=u09&limit=0', 'cell=u09&limit=10001', 'cell=u09&limit=2.5', 'near=91,0&radius=5',
    ];
    for (const q of bad) {
      const res = await get(`/v1/spaces/site/anchors?${q}`);
      expect([q, res.status, res.body.error?.code, res.body.error?.retryable]).toEqual([q, 400, 'BAD_REQUEST', false]);
    }
    expect((await get('/v1/spaces/bad%20space/anchors?cell=u')).status).toBe(400);
  });
});
