/**
 * X6 end to end: two real clients in Node (fake-indexeddb, `ws`) create the same space while offline, each
 * with its own origin ~1.5 km from the other's, and place anchors; they connect to a real server process on
 * Postgres and sync. One origin wins; the anchors authored in the losing one stay where they were put on
 * Earth, and the server's REST read model reports the same pose and lat/lon for them as both clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  coverCircle, createGeoFrame, geodeticToEcef, vec3Distance, type GeoPoint, type Pose,
} from '@cairn/shared';
import { type CairnClient, type Space, type SpaceAnchor } from '@cairn/client';
import { issueToken } from '@cairn/server';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { readModelCaughtUp } from '../support/readmodel-caught-up.js';
import { untilValue } from '../support/until.js';
import { nodeClient } from '../support/node-client.js';

const iso = isolatedEnv('it_anchors_frames_rest');
const SPACE = 'yard';
const PRECISION = 6; // ~1.2 km × 0.6 km cells here: the anchors span several, all opened by both devices
const CENTER: GeoPoint = { lat: 51.5072, lon: -0.1276, alt: 20 };
const ORIGINS: [GeoPoint, GeoPoint] = [createGeoFrame(CENTER).toGeo([-600, 0, 500]), createGeoFrame(CENTER).toGeo([700, 8, -600])];
const CELLS = coverCircle({ lat: CENTER.lat, lon: CENTER.lon, radiusM: 1500 }, PRECISION, 1000).cells;

let server: ServerProcess;
let token: string;
const clients: CairnClient[] = [];

function client(): CairnClient {
  const c = nodeClient(server, token);
  clients.push(c);
  return c;
}

const pose = (x: number, z: number, yaw: number): Pose => ({ p: [x, 1.5, z], q: [0, Math.sin(yaw / 2), 0, Math.cos(yaw / 2)] });
const ecef = (g: GeoPoint) => geodeticToEcef(g);

beforeAll(async () => {
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'surveyor', spaces: { '*': 'rw' } });
  server = await startServer(iso.env);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await server?.kill('SIGKILL');
  await iso.drop();
});

describe('two offline origins of one space, on Postgres', () => {
  it('X6: anchors authored in the losing origin keep their place on Earth, and REST reports the same pose and lat/lon as both clients', async () => {
    const devices = [client(), client()];
    for (const d of devices) d.goOffline();
    const spaces: Space[] = devices.map((d, i) => d.space(SPACE, { origin: ORIGINS[i]!, precision: PRECISION }));
    for (const s of spaces) await s.openCells(CELLS);
    expect(spaces.map((s) => s.origin)).toEqual(ORIGINS);

    // Offline, each device places anchors in its own frame (one moved too); where they are on Earth is
    // what its own origin says.
    const placed = new Map<string, GeoPoint>();
    for (const [i, s] of spaces.entries()) {
      const made: SpaceAnchor[] = [];
      for (const [j, [x, z]] of [[0, 0], [40, -25], [-120, 60]].entries()) made.push(await s.anchors.create({ pose: pose(x!, z!, j * 0.7), props: { by: i, n: j } }));
      made[1] = await s.anchors.move(made[1]!.id, pose(55, -35, 1.1));
      for (const a of made) placed.set(a.id, { lat: a.lat, lon: a.lon, alt: a.alt });
    }

    for (const d of devices) d.goOnline();
    await Promise.all(devices.map((d) => d.whenSynced()));
    await untilValue(
      () => spaces.map((s) => ({ origin: s.origin, n: s.anchors.all().length })),
      (v) => v.every((x) => x.n === placed.size && x.origin.lat === v[0]!.origin.lat && x.origin.lon === v[0]!.origin.lon),
      'both devices to agree on the origin and to see every anchor',
    );
    const winning = spaces[0]!.origin;
    const losing = ORIGINS.findIndex((o) => o.lat !== winning.lat || o.lon !== winning.lon);
    expect(losing).toBeGreaterThanOrEqual(0);
    const lostIds = spaces[losing]!.anchors.all().filter((a) => a.props['by'] === losing).map((a) => a.id);
    expect(lostIds).toHaveLength(3);

    // No anchor moved on Earth, on either device; both show one pose in the winning frame.
    const shown = createGeoFrame(winning);
    for (const [id, g] of placed) {
      const [a, b] = spaces.map((s) => s.anchors.get(id)!);
      expect(b!.pose).toEqual(a!.pose);
      expect(vec3Distance(ecef(shown.toGeo(a!.pose.p)), ecef(g))).toBeLessThan(1e-3);
      expect(vec3Distance(ecef({ lat: a!.lat, lon: a!.lon, alt: a!.alt }), ecef(g))).toBeLessThan(1e-3);
    }

    // The REST read model: the same pose and lat/lon for every anchor, those of the losing frame included.
    await readModelCaughtUp(iso.schema);
    const url = `${server.url}/v1/spaces/${SPACE}/anchors?near=${CENTER.lat},${CENTER.lon}&radius=3000`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { anchors: (SpaceAnchor & { distanceM: number })[] };
    expect(body.anchors.map((x) => x.id).sort()).toEqual([...placed.keys()].sort());
    for (const x of body.anchors) {
      const mine = spaces[1]!.anchors.get(x.id)!;
      expect(x.pose, `REST pose of ${x.id}`).toEqual(JSON.parse(JSON.stringify(mine.pose)));
      expect(x.cell).toBe(mine.cell);
      expect(x.lat).toBeCloseTo(mine.lat, 9);
      expect(x.lon).toBeCloseTo(mine.lon, 9);
      expect(x.alt).toBeCloseTo(mine.alt, 6);
    }
    // The losing frame's anchors would be ~1.6 km off without X6: REST has them where they were placed.
    for (const id of lostIds) {
      const x = body.anchors.find((a) => a.id === id)!;
      expect(vec3Distance(ecef({ lat: x.lat, lon: x.lon, alt: x.alt }), ecef(placed.get(id)!))).toBeLessThan(1e-3);
    }
  }, 60_000);
});
