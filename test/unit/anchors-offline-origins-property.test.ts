/**
 * X6: two devices open the same space offline, each with an origin of its own (up to a few km apart), and
 * create and move anchors; then they sync, one origin wins, and a second round of edits (moves of each
 * other's anchors too) happens in the winning frame. Every anchor, on both replicas and in the server's
 * read model, is where its last writer placed it on Earth (≤ 1 mm) and points the same way (≤ 0.01°), and
 * both replicas show the very same pose in the winning frame.
 *
 * The expected places are computed through geodetic.ts only (the writer's frame → WGS84 → ECEF), never
 * through frame-transform.ts. Seeded: SEED=<n> reproduces a run.
 */
import { describe, expect, it } from 'vitest';
import {
  coverCircle, createGeoFrame, geodeticToEcef, quatFromAxisAngle, transformPoint, vec3Distance, vec3Sub,
  type GeoPoint, type Pose, type Vec3,
} from '@cairn/shared';
import type { SpaceAnchor } from '@cairn/client';
import { prng, type Prng } from '../support/prng.js';
import { readModelView } from '../support/readmodel-writer.js';
import { simReplicas, type SimReplica } from '../support/sim-replicas.js';

const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
console.info(`anchors-offline-origins-property: SEED=${seed} (reproduce with SEED=${seed})`);

const SCENARIOS = 6;
const PRECISION = 5; // cells of ~5 km: the few that hold every anchor of a scenario are opened by both
const SPACE = 'x6';
const MM = 1e-3;
const MAX_DEG = 0.01;
const DEG = 180 / Math.PI;

/** Where an anchor is on Earth and which way it points, as its writer placed it. */
interface Placed {
  at: Vec3;
  forward: Vec3;
  up: Vec3;
}

const ecefOf = (origin: GeoPoint, p: Readonly<Vec3>): Vec3 => geodeticToEcef(createGeoFrame(origin).toGeo(p));

function unit(v: Vec3): Vec3 {
  const n = Math.hypot(...v);
  return [v[0] / n, v[1] / n, v[2] / n];
}

function placed(origin: GeoPoint, pose: Pose): Placed {
  const at = ecefOf(origin, pose.p);
  const axis = (a: Vec3) => unit(vec3Sub(ecefOf(origin, transformPoint(pose, a)), at));
  return { at, forward: axis([0, 0, -1]), up: axis([0, 1, 0]) };
}

const angleDeg = (a: Vec3, b: Vec3) => Math.acos(Math.min(1, Math.max(-1, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]))) * DEG;

function randomPose(rng: Prng, around: Vec3 = [0, 0, 0]): Pose {
  const r = (m: number) => (rng.next() * 2 - 1) * m;
  const axis: Vec3 = [r(1), r(1), r(1)];
  if (Math.hypot(...axis) < 1e-3) axis[1] = 1;
  return { p: [around[0] + r(400), around[1] + r(20), around[2] + r(400)], q: quatFromAxisAngle(axis, r(Math.PI)) };
}

/** A point on Earth away from the poles, and an origin up to ~2 km from it. */
function randomCenter(rng: Prng): GeoPoint {
  return { lat: (rng.next() * 2 - 1) * 60, lon: (rng.next() * 2 - 1) * 179, alt: rng.next() * 500 };
}

async function edit(rep: SimReplica, rng: Prng, ids: string[], expected: Map<string, Placed>, writes: number, others: readonly string[]): Promise<void> {
  const origin = rep.space.origin; // the frame current at this writer: offline, its own
  for (let i = 0; i < writes; i++) {
    const movable = [...ids, ...others];
    if (movable.length === 0 || rng.chance(0.5)) {
      const pose = randomPose(rng);
      const a = await rep.space.anchors.create({ pose });
      ids.push(a.id);
      expected.set(a.id, placed(origin, pose));
    } else {
      const id = rng.pick(movable);
      const pose = randomPose(rng);
      await rep.space.anchors.move(id, pose);
      expected.set(id, placed(origin, pose));
    }
  }
}

function checkShown(name: string, origin: GeoPoint, a: SpaceAnchor | undefined, want: Placed): void {
  expect(a, `${name}: anchor missing`).toBeDefined();
  const got = placed(origin, a!.pose);
  expect(vec3Distance(got.at, want.at), `${name}: pose is off on Earth (m)`).toBeLessThan(MM);
  expect(vec3Distance(geodeticToEcef({ lat: a!.lat, lon: a!.lon, alt: a!.alt }), want.at), `${name}: lat/lon/alt are off (m)`).toBeLessThan(MM);
  expect(angleDeg(got.forward, want.forward), `${name}: forward axis turned (°)`).toBeLessThan(MAX_DEG);
  expect(angleDeg(got.up, want.up), `${name}: up axis turned (°)`).toBeLessThan(MAX_DEG);
}

async function scenario(k: number): Promise<void> {
  const rng = prng(seed + k);
  const center = randomCenter(rng);
  const origins = [0, 1].map(() => createGeoFrame(center).toGeo([(rng.next() * 2 - 1) * 2000, (rng.next() * 2 - 1) * 50, (rng.next() * 2 - 1) * 2000]));
  const cells = coverCircle({ lat: center.lat, lon: center.lon, radiusM: 3500 }, PRECISION, 1000).cells;
  const sim = await simReplicas({
    seed: seed + k, space: SPACE, origin: center, precision: PRECISION, offline: true,
    replicas: origins.map((origin, i) => ({ skewMs: i * 700, cells, origin })),
  });
  try {
    const [r0, r1] = sim.replicas as [SimReplica, SimReplica];
    expect(r0.space.origin).toEqual(origins[0]);
    expect(r1.space.origin).toEqual(origins[1]);
    const expected = new Map<string, Placed>();
    const authored: [string[], string[]] = [[], []];
    const author = new Map<string, number>();

    // Round 1, offline: each replica in its own frame.
    for (const [i, rep] of sim.replicas.entries()) {
      await edit(rep, rng, authored[i as 0 | 1], expected, 3 + rng.int(6), []);
      for (const id of authored[i as 0 | 1]) author.set(id, i);
    }
    await sim.sync();
    const winning = r0.space.origin;
    expect(r1.space.origin, 'both replicas agree on the winning origin').toEqual(winning);
    const losing = [0, 1].find((i) => origins[i]!.lat !== winning.lat || origins[i]!.lon !== winning.lon)!;
    expect(losing, 'one of the two origins lost').toBeDefined();
    expect(authored[losing as 0 | 1].length, 'the losing device authored anchors').toBeGreaterThan(0);

    // Round 2, online: new anchors and moves of anyone's anchors, in the winning frame.
    for (const [i, rep] of sim.replicas.entries()) {
      await edit(rep, rng, authored[i as 0 | 1], expected, 1 + rng.int(4), [...author.keys()]);
      await sim.sync();
    }

    for (const [id, want] of expected) {
      checkShown(`scenario ${k}, replica 0, ${id}`, winning, r0.space.anchors.get(id), want);
      checkShown(`scenario ${k}, replica 1, ${id}`, winning, r1.space.anchors.get(id), want);
      // Both replicas show the very same pose in the winning frame.
      expect(r1.space.anchors.get(id)!.pose, `scenario ${k}: ${id} differs between replicas`).toEqual(r0.space.anchors.get(id)!.pose);
      expect(r1.space.anchors.get(id)!.lat).toBe(r0.space.anchors.get(id)!.lat);
    }
    expect(r0.space.anchors.all().length).toBe(expected.size);

    // The server's read model holds the same poses and places.
    await sim.node.readModel.idle();
    const rows = await readModelView(sim.store, 't1', SPACE, 0);
    expect(rows.map((r) => r.anchor.id).sort()).toEqual([...expected.keys()].sort());
    for (const row of rows) {
      const mine = r0.space.anchors.get(row.anchor.id)!;
      expect(row.anchor.pose, `scenario ${k}: read model pose of ${row.anchor.id}`).toEqual(JSON.parse(JSON.stringify(mine.pose)));
      expect(vec3Distance(geodeticToEcef(row.geo!), expected.get(row.anchor.id)!.at)).toBeLessThan(MM);
    }
  } finally {
    await sim.close();
  }
}

describe(`anchors authored in two offline origins of one space (SEED=${seed})`, () => {
  it('X6: after sync every anchor keeps its place on Earth and its orientation on both replicas and in the read model; both show one pose in the winning frame', async () => {
    for (let k = 0; k < SCENARIOS; k++) await scenario(k);
  }, 120_000);
});
