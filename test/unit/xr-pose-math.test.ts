/**
 * Poses between a device's WebXR reference space and the space frame (DESIGN §6 xr/): conversions that
 * round-trip within 1e-9, agree with the alignment's meaning, and read/write WebXR transforms.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeQuat, quatAngleDeg, quatFromAxisAngle, transformPoint, type Pose } from '@cairn/shared';
import { alignmentFrom, poseFromXRPose, toReferencePose, toSpacePose, xrRigidTransformInit } from '@cairn/client';

const SEED = process.env.SEED ? Number(process.env.SEED) : Date.now() % 2 ** 31;
const coord = fc.double({ min: -500, max: 500, noNaN: true });
const pose: fc.Arbitrary<Pose> = fc
  .record({ p: fc.tuple(coord, coord, coord), q: fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: 0.1, max: 1, noNaN: true })) })
  .map(({ p, q }) => ({ p, q: normalizeQuat(q) }));

function expectSamePose(a: Pose, b: Pose): void {
  for (let i = 0; i < 3; i++) expect(Math.abs(a.p[i]! - b.p[i]!)).toBeLessThan(1e-9);
  // q and -q are one rotation.
  const sign = Math.sign(a.q.reduce((s, v, i) => s + v * b.q[i]!, 0)) || 1;
  for (let i = 0; i < 4; i++) expect(Math.abs(a.q[i]! - sign * b.q[i]!)).toBeLessThan(1e-9);
}

describe(`XR pose math (SEED=${SEED})`, () => {
  it('toSpacePose and toReferencePose are inverse within 1e-9', () => {
    fc.assert(
      fc.property(pose, pose, (alignment, p) => {
        expectSamePose(toReferencePose(alignment, toSpacePose(alignment, p)), p);
        expectSamePose(toSpacePose(alignment, toReferencePose(alignment, p)), p);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('the alignment maps reference-space points into the space frame', () => {
    // The session started 10 m east of the space origin, facing west (turned 90° to the left).
    const alignment: Pose = { p: [10, 0, 0], q: quatFromAxisAngle([0, 1, 0], Math.PI / 2) };
    const ahead = toSpacePose(alignment, { p: [0, 0, -2], q: [0, 0, 0, 1] }); // 2 m in front of the device
    expectSamePose(ahead, { p: [8, 0, 0], q: alignment.q });
    expect(transformPoint(alignment, [0, 0, -2])).toEqual(ahead.p);
  });

  it('alignmentFrom one correspondence maps the observed pose onto the known one', () => {
    fc.assert(
      fc.property(pose, pose, pose, (inRef, inSpace, other) => {
        const alignment = alignmentFrom(inRef, inSpace);
        expectSamePose(toSpacePose(alignment, inRef), inSpace);
        expectSamePose(toReferencePose(alignment, toSpacePose(alignment, other)), other);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('poseFromXRPose and xrRigidTransformInit convert WebXR transforms both ways', () => {
    fc.assert(
      fc.property(pose, (p) => {
        const init = xrRigidTransformInit(p);
        expect(init.position.w).toBe(1);
        expectSamePose(poseFromXRPose(init), p);
        expectSamePose(poseFromXRPose({ transform: init }), p);
      }),
      { seed: SEED, numRuns: 300 },
    );
    // A slightly denormalized orientation (float32 in some runtimes) comes back as a unit quaternion.
    const q = poseFromXRPose({ position: { x: 1, y: 2, z: 3, w: 1 }, orientation: { x: 0, y: 0.7072, z: 0, w: 0.7072 } }).q;
    expect(Math.hypot(...q)).toBeCloseTo(1, 12);
    expect(quatAngleDeg(q, quatFromAxisAngle([0, 1, 0], Math.PI / 2))).toBeLessThan(1e-6);
    expect(() => poseFromXRPose({ position: { x: Number.NaN, y: 0, z: 0, w: 1 }, orientation: { x: 0, y: 0, z: 0, w: 1 } })).toThrow(/non-finite/);
  });
});
