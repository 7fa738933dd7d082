/**
 * Random alignment scenes for P3 tests: a true space-from-tracking transform, anchors in a room, and the
 * device's noisy observations of them. Noise is bounded (a fixed magnitude in a random direction), so a
 * tolerance test cannot fail on an unlucky tail draw: 5 mm is at most 5 mm.
 */
import {
  composePose, invertPose, multiplyQuat, normalizeQuat, quatAngleDeg, quatFromAxisAngle, transformPoint,
  type AnchorCorrespondence, type Pose, type Quat, type Vec3,
} from '@cairn/shared';
import type { Prng } from './prng.js';

export const SEED = process.env.SEED ? Number(process.env.SEED) : Date.now() % 2 ** 31;

export function unitVec(r: Prng): Vec3 {
  for (;;) {
    const v: Vec3 = [r.next() * 2 - 1, r.next() * 2 - 1, r.next() * 2 - 1];
    const len = Math.hypot(...v);
    if (len > 0.1 && len <= 1) return [v[0] / len, v[1] / len, v[2] / len];
  }
}

/** A uniformly random rotation (Shoemake). */
export function randomQuat(r: Prng): Quat {
  const [u1, u2, u3] = [r.next(), r.next(), r.next()];
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  return [a * Math.sin(2 * Math.PI * u2), a * Math.cos(2 * Math.PI * u2), b * Math.sin(2 * Math.PI * u3), b * Math.cos(2 * Math.PI * u3)];
}

export function randomYaw(r: Prng): Quat {
  return quatFromAxisAngle([0, 1, 0], (r.next() * 2 - 1) * Math.PI);
}

/** A true space-from-tracking transform: the tracking origin anywhere within 5 m of the space origin. */
export function randomTruth(r: Prng, kind: 'yaw' | 'rigid'): Pose {
  return { p: [(r.next() * 2 - 1) * 5, (r.next() * 2 - 1) * 1, (r.next() * 2 - 1) * 5], q: kind === 'yaw' ? randomYaw(r) : randomQuat(r) };
}

/** A point in an 8 m x 3 m x 8 m room around the space origin. */
export function roomPoint(r: Prng): Vec3 {
  return [(r.next() * 2 - 1) * 4, r.next() * 3, (r.next() * 2 - 1) * 4];
}

export interface Noise {
  /** Position error magnitude, meters. */
  m: number;
  /** Orientation error angle, degrees. */
  deg: number;
}

export const NO_NOISE: Noise = { m: 0, deg: 0 };

/** How the device sees an anchor at `space`, given the truth, with noise of exactly the given size. */
export function observe(r: Prng, truth: Pose, space: Pose, noise: Noise): Pose {
  const exact = composePose(invertPose(truth), space);
  const d = unitVec(r);
  const p: Vec3 = [exact.p[0] + d[0] * noise.m, exact.p[1] + d[1] * noise.m, exact.p[2] + d[2] * noise.m];
  const q = noise.deg === 0 ? exact.q : normalizeQuat(multiplyQuat(quatFromAxisAngle(unitVec(r), (noise.deg * Math.PI) / 180), exact.q));
  return { p, q };
}

/**
 * `n` anchors spread through the room (each pair ≥ 1.5 m apart, and from the third on ≥ 1.5 m off the
 * line of the first two) with the device's observations.
 */
export function scene(r: Prng, truth: Pose, n: number, noise: Noise): AnchorCorrespondence[] {
  const spots: Vec3[] = [];
  while (spots.length < n) {
    const p = roomPoint(r);
    if (spots.some((s) => Math.hypot(s[0] - p[0], s[1] - p[1], s[2] - p[2]) < 1.5)) continue;
    if (spots.length >= 2 && offLine(spots[0]!, spots[1]!, p) < 1.5) continue;
    spots.push(p);
  }
  return spots.map((p) => {
    const space: Pose = { p, q: randomQuat(r) };
    return { space, observed: observe(r, truth, space, noise) };
  });
}

function offLine(a: Vec3, b: Vec3, p: Vec3): number {
  const ab: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const ap: Vec3 = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
  const c: Vec3 = [ab[1] * ap[2] - ab[2] * ap[1], ab[2] * ap[0] - ab[0] * ap[2], ab[0] * ap[1] - ab[1] * ap[0]];
  return Math.hypot(...c) / Math.hypot(...ab);
}

export interface TransformError {
  /** Largest distance, over the anchors, between where the estimate and the truth put the tracked anchor. */
  m: number;
  /** Angle between the estimated and the true rotation. */
  deg: number;
}

/**
 * How far an estimate is from the truth where it matters, at the anchors it was fitted to (the
 * transform's own translation is its error at the tracking origin, which may be meters away).
 */
export function transformError(est: Pose, truth: Pose, cs: readonly AnchorCorrespondence[]): TransformError {
  const m = Math.max(...cs.map((c) => Math.hypot(...sub(transformPoint(est, c.observed.p), transformPoint(truth, c.observed.p)))));
  return { m, deg: quatAngleDeg(est.q, truth.q) };
}

function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
