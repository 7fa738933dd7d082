/**
 * X6: the rigid transform between two tangent frames of one space (shared/src/spatial/frame-transform.ts),
 * checked against the geodetic conversions it must agree with: a point or an orientation placed in one
 * frame is the same place and direction on Earth when shown in the other.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  composePose, createGeoFrame, createSpaceFrame, frameTransform, geodeticToEcef, invertPose, poseDistance, putAnchor,
  quatAngleDeg, quatFromAxisAngle, readCell, rotateVec3, transformPoint, vec3Distance, vec3Sub,
  type Anchor, type AnchorPose, type GeoPoint, type Pose, type Quat, type Vec3,
} from '@cairn/shared';

const seed = Number(process.env.SEED ?? 6006);
console.info(`frame-transform seed=${seed} (SEED=${seed} reproduces)`);
const runs = { seed, numRuns: 1000 };

const PARIS: GeoPoint = { lat: 48.8566, lon: 2.3522, alt: 35 };
const MM = 1e-3;
const DEG = 180 / Math.PI;

/** Where a point of a frame is, in ECEF: the geodetic route, not the transform under test. */
function ecefOf(origin: GeoPoint, p: Readonly<Vec3>): Vec3 {
  return geodeticToEcef(createGeoFrame(origin).toGeo(p));
}

/** The direction on Earth (ECEF, unit) of a local axis of a pose in a frame, through geodetic.ts only. */
function directionOf(origin: GeoPoint, pose: Pose, axis: Vec3): Vec3 {
  const d = vec3Sub(ecefOf(origin, transformPoint(pose, axis)), ecefOf(origin, pose.p));
  const n = Math.hypot(...d);
  return [d[0] / n, d[1] / n, d[2] / n];
}

const angleDeg = (a: Vec3, b: Vec3) => Math.atan2(Math.hypot(...crossOf(a, b)), a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) * DEG;
const crossOf = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

const origin = fc.record({
  lat: fc.double({ min: -85, max: 85, noNaN: true }),
  lon: fc.double({ min: -180, max: 180, noNaN: true }),
  alt: fc.double({ min: -100, max: 3000, noNaN: true }),
}) as fc.Arbitrary<GeoPoint>;
/** A second origin up to ~5 km from the first, given as a local offset in it. */
const offset = fc.tuple(fc.double({ min: -5000, max: 5000, noNaN: true }), fc.double({ min: -200, max: 200, noNaN: true }), fc.double({ min: -5000, max: 5000, noNaN: true })) as fc.Arbitrary<Vec3>;
const localPoint = fc.tuple(fc.double({ min: -2000, max: 2000, noNaN: true }), fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: -2000, max: 2000, noNaN: true })) as fc.Arbitrary<Vec3>;
const rotation = fc
  .tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }))
  .filter(([x, y, z]) => Math.hypot(x, y, z) > 1e-3)
  .map(([x, y, z, a]) => quatFromAxisAngle([x, y, z], a)) as fc.Arbitrary<Quat>;

describe('X6: the transform between two tangent frames of a space', () => {
  it('X6: from a frame to itself it is the identity', () => {
    for (const o of [PARIS, { lat: -33.86, lon: 151.21, alt: 5 }, { lat: 89.99, lon: -179.9, alt: 0 }, { lat: 0, lon: 0, alt: 0 }]) {
      const t = frameTransform(o, o);
      expect(Math.hypot(...t.p)).toBeLessThan(1e-9);
      expect(quatAngleDeg(t.q, [0, 0, 0, 1])).toBeLessThan(1e-9);
    }
  });

  it('X6: a point keeps its place on Earth, and a round trip through another frame returns it (< 1 mm, origins ≤ 5 km apart)', () => {
    fc.assert(
      fc.property(origin, offset, localPoint, rotation, (a, off, p, q) => {
        const b = createGeoFrame(a).toGeo(off);
        const pose: Pose = { p, q };
        const inB = composePose(frameTransform(a, b), pose);
        expect(vec3Distance(ecefOf(b, inB.p), ecefOf(a, p))).toBeLessThan(MM);
        const back = composePose(frameTransform(b, a), inB);
        expect(vec3Distance(back.p, p)).toBeLessThan(MM);
        expect(quatAngleDeg(back.q, q)).toBeLessThan(1e-6);
        // T(a <- b) is the inverse of T(b <- a).
        const d = poseDistance(invertPose(frameTransform(a, b)), frameTransform(b, a));
        expect(d.meters).toBeLessThan(1e-6);
        expect(d.degrees).toBeLessThan(1e-9);
      }),
      runs,
    );
  });

  it('X6: an orientation points the same way on Earth in either frame (< 0.001°)', () => {
    fc.assert(
      fc.property(origin, offset, localPoint, rotation, (a, off, p, q) => {
        const b = createGeoFrame(a).toGeo(off);
        const inB = composePose(frameTransform(a, b), { p, q });
        for (const axis of [[0, 0, -1], [0, 1, 0]] as Vec3[]) {
          expect(angleDeg(directionOf(b, inB, axis), directionOf(a, { p, q }, axis))).toBeLessThan(1e-3);
        }
      }),
      runs,
    );
  });

  it('X6: known offsets: 100 m and 10 km north of Paris, the other origin is where geodetic.ts puts it', () => {
    const frameA = createGeoFrame(PARIS);
    for (const north of [100, 10_000]) {
      const b = frameA.toGeo([0, 0, -north]);
      const t = frameTransform(PARIS, b);
      // B's origin in A is [0, 0, -north], so it maps to B's [0, 0, 0]. A's origin lies `north` m along A's
      // north axis from B, which B's vertical is tilted against by Δlat: north·cos Δlat south of B and
      // north·sin Δlat below its tangent plane (~1.6 mm at 100 m, ~16 m at 10 km).
      expect(vec3Distance(transformPoint(t, [0, 0, -north]), [0, 0, 0])).toBeLessThan(1e-6);
      const dLat = (b.lat - PARIS.lat) / DEG;
      const aInB = transformPoint(t, [0, 0, 0]);
      expect(aInB[0]).toBeCloseTo(0, 7); // ECEF coordinates round at ~1e-9 m
      expect(aInB[1]).toBeCloseTo(-north * Math.sin(dLat), 7);
      expect(aInB[2]).toBeCloseTo(north * Math.cos(dLat), 7);
    }
  });

  it('X6: the rotation term is the tilt between the two verticals: Δlat north–south, Δlon about the polar axis east–west', () => {
    const frameA = createGeoFrame(PARIS);
    const north = frameA.toGeo([0, 0, -10_000]);
    const tN = frameTransform(PARIS, north);
    const dLat = north.lat - PARIS.lat; // ~0.09°: same meridian, so the verticals differ by exactly Δlat
    expect(quatAngleDeg(tN.q, [0, 0, 0, 1])).toBeCloseTo(Math.abs(dLat), 9);
    const rotAxis = rotateVec3(tN.q, [1, 0, 0]); // the east axis is the rotation axis: unchanged
    expect(vec3Distance(rotAxis, [1, 0, 0])).toBeLessThan(1e-12);

    const east: GeoPoint = { lat: PARIS.lat, lon: PARIS.lon + 0.1, alt: PARIS.alt };
    const tE = frameTransform(PARIS, east);
    expect(quatAngleDeg(tE.q, [0, 0, 0, 1])).toBeCloseTo(0.1, 9); // a turn of Δlon about the polar axis

    // Leaving the rotation out would misplace a point 1 km north of A, seen from B 10 km away, by ~1.6 m.
    const p: Vec3 = [0, 0, -1000];
    const right = transformPoint(tN, p);
    const translationOnly: Vec3 = [p[0] + tN.p[0], p[1] + tN.p[1], p[2] + tN.p[2]];
    expect(vec3Distance(ecefOf(north, right), ecefOf(PARIS, p))).toBeLessThan(MM);
    expect(vec3Distance(right, translationOnly)).toBeGreaterThan(1.5);
  });
});

describe('X6: poses stamped with their authoring origin', () => {
  const pose = (frame?: GeoPoint): AnchorPose => ({ p: [3, 1, -4], q: [0, 0.2, 0, 0.98], hlc: '0190f5a27b1c-000000-aa', ...(frame ? { frame } : {}) });
  const ID = '0190f5a2-7b1c-7d3e-9a4f-3c2b1a0e9d8c';

  it('X6: the stamp is stored as o: [lat, lon, alt] and read back; a malformed one reads as no stamp', () => {
    const doc = new Y.Doc();
    const other: GeoPoint = { lat: 48.86, lon: 2.35, alt: 30 };
    putAnchor(doc, { id: ID, pose: pose(other), created: { by: 'r', at: 't' } });
    const stored = [...doc.getMap('poses').values()][0] as Record<string, unknown>;
    expect(stored).toEqual({ p: [3, 1, -4], q: [0, 0.2, 0, 0.98], o: [48.86, 2.35, 30] });
    expect(readCell(doc, 'u09')[0]!.pose).toEqual(pose(other));
    for (const bad of [[91, 0, 0], [1, 2], ['1', 2, 3], { lat: 1, lon: 2, alt: 3 }, [1, 2, Infinity]]) {
      const d = new Y.Doc();
      d.getMap('poses').set(`${ID}|0190f5a27b1c-000000-aa`, { p: [3, 1, -4], q: [0, 0.2, 0, 0.98], o: bad });
      expect(readCell(d, 'u09')[0]!.pose).toEqual(pose());
    }
  });

  it('X6: a reader leaves unstamped poses as they are, drops a stamp equal to its origin, and transforms the others', () => {
    const other: GeoPoint = createGeoFrame(PARIS).toGeo([700, 3, -1200]);
    const shown = createSpaceFrame(PARIS);
    const legacy = pose();
    expect(shown.pose(legacy)).toBe(legacy);
    expect(shown.pose(pose(PARIS))).toEqual(legacy);
    const moved = shown.pose(pose(other));
    expect(moved.hlc).toBe(legacy.hlc);
    expect(moved.frame).toBeUndefined();
    const direct = composePose(frameTransform(other, PARIS), legacy);
    expect({ p: moved.p, q: moved.q }).toEqual(direct);
    expect(vec3Distance(ecefOf(PARIS, moved.p), ecefOf(other, legacy.p))).toBeLessThan(MM);
    // A space with no origin shows every pose as stored.
    expect(createSpaceFrame(null).pose(pose(other))).toEqual(legacy);
    const a = { id: ID, pose: legacy } as Anchor;
    expect(shown.anchor(a)).toBe(a);
    expect(shown.anchor({ ...a, pose: pose(other) }).pose).toEqual(moved);
  });
});
