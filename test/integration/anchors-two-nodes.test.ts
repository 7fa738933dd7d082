/**
 * Spatial anchors end to end (DESIGN §6): real clients in Node (fake-indexeddb, `ws`) on two real server
 * processes sharing Postgres and Redis. Two devices subscribe to the same region through different
 * nodes; one creates and moves anchors, also offline, and the other sees the same anchors with the same
 * whole poses (X2, X3) once it reconnects; the server's REST read model agrees with both replicas.
 */
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellBounds, cellOf, createGeoFrame, type Pose } from '@cairn/shared';
import { type CairnClient, type Space, type SpaceAnchor } from '@cairn/client';
import { issueToken } from '@cairn/server';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { untilValue } from '../support/until.js';
import { nodeClient } from '../support/node-client.js';

const iso = isolatedEnv('it_anchors_two_nodes');
// The space's origin sits on a cell edge: x < 0 is in WEST, x > 0 in EAST, and the region holds both.
const EDGE = cellBounds(cellOf(48.8566, 2.3522, 7));
const ORIGIN = { lat: (EDGE.minLat + EDGE.maxLat) / 2, lon: EDGE.maxLon, alt: 35 };
const frame = createGeoFrame(ORIGIN);
const WEST = cellOf(ORIGIN.lat, EDGE.maxLon - 1e-5, 7);
const EAST = cellOf(ORIGIN.lat, EDGE.maxLon + 1e-5, 7);
const REGION = { lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 30 };
const SPACE = 'plaza';

let a: ServerProcess;
let b: ServerProcess;
let token: string;
const clients: CairnClient[] = [];

function client(node: ServerProcess): CairnClient {
  const c = nodeClient(node, token);
  clients.push(c);
  return c;
}

/** A replica's view as plain data, by id (lat/lon/alt included: both replicas derive them from one origin). */
function viewOf(space: Space): Record<string, unknown> {
  return Object.fromEntries(
    space.anchors.all().map((x) => [x.id, JSON.parse(JSON.stringify({ ...x, p: undefined, q: undefined })) as unknown]),
  );
}

const pose = (x: number, z: number, yaw = 0): Pose => ({ p: [x, 1.2, z], q: [0, Math.sin(yaw / 2), 0, Math.cos(yaw / 2)] });

beforeAll(async () => {
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'surveyor', spaces: { '*': 'rw' } });
  [a, b] = await Promise.all([startServer({ ...iso.env, CAIRN_NODE_ID: 'node-a' }), startServer({ ...iso.env, CAIRN_NODE_ID: 'node-b' })]);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await Promise.all([a?.kill('SIGKILL'), b?.kill('SIGKILL')]);
  await iso.drop();
});

describe('anchors across two server nodes', () => {
  it('X2/X3: anchors created and moved on node A, also offline, reach a device on node B with the same whole poses', async () => {
    const onA = client(a);
    const onB = client(b);
    const spaceA = onA.space(SPACE, { origin: ORIGIN, precision: 7 });
    const spaceB = onB.space(SPACE, { origin: ORIGIN, precision: 7 });
    const [regionA, regionB] = await Promise.all([spaceA.subscribeRegion(REGION), spaceB.subscribeRegion(REGION)]);
    expect(regionA.cells).toEqual([EAST, WEST].sort());
    expect(regionB.cells).toEqual(regionA.cells);

    // Online: three anchors in WEST.
    const made: SpaceAnchor[] = [];
    for (const [i, x] of [-4, -8, -12].entries()) made.push(await spaceA.anchors.create({ pose: pose(x, -i), props: { n: i } }));
    expect(new Set(made.map((m) => m.cell))).toEqual(new Set([WEST]));
    await onA.whenSynced();
    await untilValue(() => viewOf(spaceB), (v) => Object.keys(v).length === 3, 'node B device to see the three anchors');
    expect(viewOf(spaceB)).toEqual(viewOf(spaceA));

    // Offline on A: a new anchor, a move across the cell edge, a move within the cell, a props change, a delete.
    onA.goOffline();
    const fresh = await spaceA.anchors.create({ pose: pose(6, 0), props: { n: 3 }, ttlMs: 3_600_000 });
    const across = await spaceA.anchors.move(made[0]!.id, pose(5, -2, 0.5));
    const within = await spaceA.anchors.move(made[1]!.id, pose(-9, -3, -0.25));
    await spaceA.anchors.update(made[1]!.id, { label: 'moved while offline' });
    await spaceA.anchors.delete(made[2]!.id);
    expect(across.cell).toBe(EAST);
    expect(within.cell).toBe(WEST);
    await onA.flush();
    expect(onA.status.pending).toBeGreaterThan(0);
    expect(Object.keys(viewOf(spaceB)).sort()).toEqual(made.map((m) => m.id).sort()); // B has heard nothing yet

    onA.goOnline();
    await onA.whenSynced();
    const seen = await untilValue(() => viewOf(spaceB), (v) => isDeepStrictEqual(v, viewOf(spaceA)), 'node B device to converge with A');
    expect(Object.keys(seen).sort()).toEqual([made[0]!.id, made[1]!.id, fresh.id].sort());
    expect(spaceB.anchors.get(made[0]!.id)?.pose).toEqual(across.pose);
    expect(spaceB.anchors.get(made[0]!.id)?.cell).toBe(EAST);
    expect(spaceB.anchors.get(made[1]!.id)?.pose).toEqual(within.pose);
    expect(spaceB.anchors.get(made[1]!.id)?.props).toEqual({ n: 1, label: 'moved while offline' });
    expect(spaceB.anchors.get(fresh.id)?.expiresAt).toBe(fresh.expiresAt);
    expect(spaceB.anchors.all().filter((x) => x.id === made[0]!.id)).toHaveLength(1);
    const local = frame.toGeo(across.pose.p);
    expect(spaceB.anchors.geoWithin(local.lat, local.lon, 0.5).map((x) => x.id)).toEqual([made[0]!.id]);

    // The server's read model (asynchronous) agrees with both replicas, asked through either node.
    for (const node of [a, b]) {
      const url = `${node.url}/v1/spaces/${SPACE}/anchors?near=${ORIGIN.lat},${ORIGIN.lon}&radius=100`;
      const rest = await untilValue(
        async () => {
          const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
          const body = (await res.json()) as { anchors: (SpaceAnchor & { distanceM: number })[] };
          return Object.fromEntries(body.anchors.map(({ distanceM: _d, ...x }) => [x.id, x]));
        },
        (v) => JSON.stringify(Object.keys(v).sort()) === JSON.stringify(Object.keys(seen).sort()),
        `the read model on ${node.url} to show the replicas' anchors`,
      );
      for (const [id, x] of Object.entries(rest)) {
        const mine = spaceB.anchors.get(id)!;
        expect({ pose: x.pose, cell: x.cell, props: x.props, createdBy: x.createdBy, createdAt: x.createdAt, expiresAt: x.expiresAt }).toEqual({
          pose: mine.pose, cell: mine.cell, props: mine.props, createdBy: mine.createdBy, createdAt: mine.createdAt, expiresAt: mine.expiresAt,
        });
        expect(x.lat).toBeCloseTo(mine.lat, 9);
        expect(x.lon).toBeCloseTo(mine.lon, 9);
      }
    }
  });
});
