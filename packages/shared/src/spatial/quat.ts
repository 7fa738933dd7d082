import { CairnError } from '../errors.js';
import type { Vec3 } from './vec3.js';

/**
 * Rotations as unit quaternions `[x, y, z, w]`, the layout of WebXR's `DOMPointReadOnly` orientation.
 * `q` and `-q` are the same rotation; functions here that compare rotations account for that.
 */
export type Quat = [x: number, y: number, z: number, w: number];

export function identityQuat(): Quat {
  return [0, 0, 0, 1];
}

export function isQuat(v: unknown): v is Quat {
  return Array.isArray(v) && v.length === 4 && v.every((c) => typeof c === 'number' && Number.isFinite(c));
}

/** Scales `q` to unit length. A zero or non-finite quaternion encodes no rotation: a bad input. */
export function normalizeQuat(q: Readonly<Quat>): Quat {
  const len = Math.hypot(q[0], q[1], q[2], q[3]);
  if (!Number.isFinite(len) || len === 0) throw new CairnError('BAD_REQUEST', `not a rotation quaternion: [${q.join(', ')}]`);
  return [q[0] / len, q[1] / len, q[2] / len, q[3] / len];
}

/** Hamilton product `a ⊗ b`: the rotation `b` followed by `a` (the order of composing frames). */
export function multiplyQuat(a: Readonly<Quat>, b: Readonly<Quat>): Quat {
  const [ax, ay, az, aw] = a;
  const [bx, by, bz, bw] = b;
  return [
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  ];
}

/** The inverse rotation of a unit quaternion (its conjugate). */
export function conjugateQuat(q: Readonly<Quat>): Quat {
  return [-q[0], -q[1], -q[2], q[3]];
}

/** Rotates `v` by the unit quaternion `q` (v' = q v q*, expanded to avoid building quaternions). */
export function rotateVec3(q: Readonly<Quat>, v: Readonly<Vec3>): Vec3 {
  const [x, y, z, w] = q;
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  return [
    v[0] + w * tx + (y * tz - z * ty),
    v[1] + w * ty + (z * tx - x * tz),
    v[2] + w * tz + (x * ty - y * tx),
  ];
}

/** A rotation of `radians` about `axis` (any non-zero length; right-handed). */
export function quatFromAxisAngle(axis: Readonly<Vec3>, radians: number): Quat {
  const len = Math.hypot(axis[0], axis[1], axis[2]);
  if (!Number.isFinite(len) || len === 0 || !Number.isFinite(radians)) {
    throw new CairnError('BAD_REQUEST', 'a rotation needs a non-zero axis and a finite angle');
  }
  const s = Math.sin(radians / 2) / len;
  return [axis[0] * s, axis[1] * s, axis[2] * s, Math.cos(radians / 2)];
}

/**
 * The angle in degrees (0..180) of the rotation that takes `a` to `b`. atan2 rather than acos of the
 * dot product: acos loses all precision near 0, exactly where "did it move?" is decided.
 */
export function quatAngleDeg(a: Readonly<Quat>, b: Readonly<Quat>): number {
  const r = multiplyQuat(conjugateQuat(normalizeQuat(a)), normalizeQuat(b));
  const angle = 2 * Math.atan2(Math.hypot(r[0], r[1], r[2]), Math.abs(r[3]));
  return (angle * 180) / Math.PI;
}
