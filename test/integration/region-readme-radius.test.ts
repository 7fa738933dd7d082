/**
 * The README's region end to end (DESIGN §6, P4): a 200 m region around (48.8584, 2.2945) at precision 7
 * needs 14 cells. Two real clients (Node, `ws`, fake-indexeddb) on a real server process (Postgres and
 * Redis): one device writes an anchor, and stands, in the cover's far corner cell, the cell of the region
 * the server is asked for last; the other device, which only subscribed the region, sees both. A region at
 * its largest stays within the server's per-socket limits (docs, subs per second), also when it jumps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellBounds, cellOf, createGeoFrame, distanceM, distanceToRectM, type Vec3 } from '@cairn/shared';
import { MAX_REGION_CELLS, type CairnClient } from '@cairn/client';
import { regionCells } from '../../packages/client/src/spatial/region-cover.js';
import { issueToken } from '@cairn/server';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';
import { nodeClient } from '../support/node-client.js';

const iso = isolatedEnv('it_region_radius');
const README = { lat: 48.8584, lon: 2.2945, radiusM: 200 };
const ORIGIN = { lat: README.lat, lon: README.lon, alt: 0 };
const frame = createGeoFrame(ORIGIN);
let server: ServerProcess;
const clients: CairnClient[] = [];

async function device(subject: string) {
  const token = await issueToken({ secret: SECRET, tenant: 'acme', subject, spaces: { '*': 'rw' } });
  const client = nodeClient(server, token, { dbName: subject });
  clients.push(client);
  await client.whenSynced();
  return { client, space: client.space('tower', { origin: ORIGIN, precision: 7 }) };
}

/** A point of the cell inside the circle: the cell's nearest point to the center, 2 m into the cell. */
function insideCorner(cell: string): Vec3 {
  const b = cellBounds(cell);
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const near = { lat: clamp(README.lat, b.minLat, b.maxLat), lon: clamp(README.lon, b.minLon, b.maxLon), alt: 0 };
  const mid = frame.toLocal({ lat: (b.minLat + b.maxLat) / 2, lon: (b.minLon + b.maxLon) / 2, alt: 0 });
  const p = frame.toLocal(near);
  const toMid = [mid[0] - p[0], mid[2] - p[2]] as const;
  const len = Math.hypot(toMid[0], toMid[1]);
  return [p[0] + (2 * toMid[0]) / len, 1.5, p[2] + (2 * toMid[1]) / len];
}

beforeAll(async () => {
  server = await startServer({ ...iso.env, CAIRN_NODE_ID: 'node-r' });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await server?.kill('SIGKILL');
  await iso.drop();
});

describe('the README region on a real server', () => {
  it('§6/P4: a 200 m region at precision 7 holds 14 cells and syncs an anchor and a peer in its far corner cell', async () => {
    const cover = regionCells(README, 7);
    expect(cover).toHaveLength(14);
    const far = cover[cover.length - 1]!;
    expect(far).not.toBe(cellOf(README.lat, README.lon, 7));
    expect(distanceToRectM(README, cellBounds(far))).toBeGreaterThan(100);

    const viewer = await device('viewer');
    const region = await viewer.space.subscribeRegion(README);
    expect(region.cells).toEqual([...cover].sort());

    const surveyor = await device('surveyor');
    const at = insideCorner(far);
    const made = await surveyor.space.anchors.create({ pose: { p: at, q: [0, 0, 0, 1] }, props: { label: 'far corner' } });
    expect(made.cell).toBe(far);
    expect(distanceM(README, made)).toBeLessThan(README.radiusM);
    await surveyor.client.whenSynced();

    await until(() => viewer.space.anchors.get(made.id) !== undefined, 'the viewer sees the far corner anchor');
    expect(viewer.space.anchors.get(made.id)).toMatchObject({ cell: far, props: { label: 'far corner' } });
    expect(viewer.space.anchors.geoWithin(README.lat, README.lon, README.radiusM).map((a) => a.id)).toEqual([made.id]);

    // Presence rides on the same cells: the surveyor standing in the far corner is a peer of the viewer.
    surveyor.space.presence.set({ head: { p: at, q: [0, 0, 0, 1] }, state: { name: 'surveyor' } });
    await until(() => viewer.space.presence.get(surveyor.client.clientId!) !== undefined, 'the viewer sees the surveyor');
    expect(viewer.space.presence.get(surveyor.client.clientId!)).toMatchObject({ user: 'surveyor', cell: far });
  });

  it('S3/S7: a region at its largest syncs every cell, and a 5 km jump keeps the socket, with 40 app docs, within maxDocsPerSocket and the sub rate', async () => {
    const viewer = await device('viewer-wide');
    const refused: unknown[] = [];
    viewer.client.on('rejected', (r) => refused.push(r));
    viewer.client.on('error', (e) => refused.push(e));
    // The app's own docs share the socket's budget with the region.
    for (let i = 0; i < 40; i++) await viewer.client.open(`tower/notes-${i}`);
    // 690 m is what the refusal of a larger circle names here (693 m): ~128 cells.
    const wide = { lat: README.lat, lon: README.lon, radiusM: 690 };
    const region = await viewer.space.subscribeRegion(wide);
    expect(region.cells.length).toBeGreaterThan(MAX_REGION_CELLS - 16);
    await viewer.client.whenSynced();

    const surveyor = await device('surveyor-wide');
    const far = regionCells(wide, 7).at(-1)!;
    const b = cellBounds(far);
    const inFar = frame.toLocal({ lat: (b.minLat + b.maxLat) / 2, lon: (b.minLon + b.maxLon) / 2, alt: 0 });
    const made = await surveyor.space.anchors.create({ pose: { p: inFar, q: [0, 0, 0, 1] } });
    expect(made.cell).toBe(far);
    await until(() => viewer.space.anchors.get(made.id) !== undefined, 'the wide region sees its far edge');

    const away = { lat: README.lat + 0.045, lon: README.lon, radiusM: 690 }; // 5 km north
    await region.move(away);
    expect(region.cells.length).toBeLessThanOrEqual(MAX_REGION_CELLS + 32);
    const there = await surveyor.space.anchors.create({ pose: { p: frame.toLocal({ ...away, alt: 0 }), q: [0, 0, 0, 1] } });
    await until(() => viewer.space.anchors.get(there.id) !== undefined, 'the moved region syncs');
    await viewer.client.whenSynced();
    expect(refused).toEqual([]);
  });
});
