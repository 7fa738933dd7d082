import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  composePose, identityPose, invertPose, multiplyQuat, normalizeQuat, poseDistance, quatAngleDeg, quatFromAxisAngle,
  rotateVec3, transformPoint, vec3Distance, type Pose, type Quat, type Vec3,
} from '@cairn/shared';

const seed = Number(process.env.SEED ?? 20240601);
console.info(`pose-math seed=${seed} (SEED=${seed} reproduces)`);
const runs = { seed, numRuns: 300 };

const coord = fc.double({ min: -1e4, max: 1e4, noNaN: true });
const vec3 = fc.tuple(coord, coord, coord) as fc.Arbitrary<Vec3>;
const unit = fc.double({ min: -1, max: 1, noNaN: true });
const quat = fc
  .tuple(unit, unit, unit, unit)
  .filter((q) => Math.hypot(...q) > 0.1)
  .map((q) => normalizeQuat(q as Quat));
const pose = fc.record({ p: vec3, q: quat }) as fc.Arbitrary<Pose>;

// Positions up to 10 km: 1e-6 m absolute plus relative rounding is far below anything that matters.
const close = (a: Vec3, b: Vec3, scale = 1) => expect(vec3Distance(a, b)).toBeLessThan(1e-6 * scale);

describe('pose math (DESIGN §6, X2 poses are one value)', () => {
  it('compose with the inverse is the identity, both ways', () => {
    fc.assert(
      fc.property(pose, (a) => {
        for (const r of [composePose(a, invertPose(a)), composePose(invertPose(a), a)]) {
          const d = poseDistance(r, identityPose());
          expect(d.meters).toBeLessThan(1e-6);
          expect(d.degrees).toBeLessThan(1e-5);
        }
      }),
      runs,
    );
  });

  it('compose is associative and matches applying the transforms in turn', () => {
    fc.assert(
      fc.property(pose, pose, pose, vec3, (a, b, c, v) => {
        const left = composePose(composePose(a, b), c);
        const right = composePose(a, composePose(b, c));
        expect(poseDistance(left, right).meters).toBeLessThan(1e-6 * 10);
        expect(poseDistance(left, right).degrees).toBeLessThan(1e-5);
        close(transformPoint(composePose(a, b), v), transformPoint(a, transformPoint(b, v)), 10);
      }),
      runs,
    );
  });

  it('invert undoes transformPoint, and inverting twice is a no-op', () => {
    fc.assert(
      fc.property(pose, vec3, (a, v) => {
        close(transformPoint(invertPose(a), transformPoint(a, v)), v, 10);
        const twice = invertPose(invertPose(a));
        expect(poseDistance(twice, a).meters).toBeLessThan(1e-6);
        expect(poseDistance(twice, a).degrees).toBeLessThan(1e-5);
      }),
      runs,
    );
  });

  it('rotation preserves length, and q and -q rotate alike', () => {
    fc.assert(
      fc.property(quat, vec3, (q, v) => {
        const r = rotateVec3(q, v);
        expect(Math.abs(Math.hypot(...r) - Math.hypot(...v))).toBeLessThan(1e-7);
        close(rotateVec3([-q[0], -q[1], -q[2], -q[3]], v), r);
        expect(quatAngleDeg(q, [-q[0], -q[1], -q[2], -q[3]])).toBeLessThan(1e-6);
      }),
      runs,
    );
  });

  it('the angle between quaternions is the angle of the rotation between them', () => {
    fc.assert(
      fc.property(quat, vec3, fc.double({ min: 0, max: Math.PI, noNaN: true }), (q, axis, rad) => {
        fc.pre(Math.hypot(...axis) > 1e-3);
        const turned = multiplyQuat(q, quatFromAxisAngle(axis, rad));
        expect(quatAngleDeg(q, turned)).toBeCloseTo((rad * 180) / Math.PI, 6);
        expect(quatAngleDeg(turned, q)).toBeCloseTo((rad * 180) / Math.PI, 6);
      }),
      runs,
    );
  });

  it('follows the WebXR convention: a quarter turn about +Y takes forward (-Z, north) to left (-X, west)', () => {
    const yaw = quatFromAxisAngle([0, 1, 0], Math.PI / 2);
    close(rotateVec3(yaw, [0, 0, -1]), [-1, 0, 0]);
    const anchor: Pose = { p: [1, 2, 3], q: yaw };
    close(transformPoint(anchor, [0, 0, -1]), [0, 2, 3]);
    expect(poseDistance(anchor, { p: [1, 2, 4], q: yaw })).toEqual({ meters: 1, degrees: 0 });
    expect(quatAngleDeg(yaw, identityPose().q)).toBeCloseTo(90, 10);
  });

  it('rejects a zero quaternion with BAD_REQUEST', () => {
    expect(() => normalizeQuat([0, 0, 0, 0])).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => invertPose({ p: [0, 0, 0], q: [0, 0, 0, 0] })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => quatFromAxisAngle([0, 0, 0], 1)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
