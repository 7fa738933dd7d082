import { conjugateQuat, identityQuat, isQuat, multiplyQuat, normalizeQuat, quatAngleDeg, rotateVec3, type Quat } from './quat.js';
import { isVec3, vec3Add, vec3Distance, type Vec3 } from './vec3.js';

/**
 * A rigid transform: rotate by `q`, then translate by `p`. As an anchor's pose it maps the anchor's own
 * frame into the space frame, so `transformPoint(pose, [0, 0, -1])` is the point 1 m in front of it.
 */
export interface Pose {
  p: Vec3;
  q: Quat;
}

export function identityPose(): Pose {
  return { p: [0, 0, 0], q: identityQuat() };
}

export function isPose(v: unknown): v is Pose {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return isVec3(o['p']) && isQuat(o['q']);
}

export function transformPoint(pose: Readonly<Pose>, v: Readonly<Vec3>): Vec3 {
  return vec3Add(rotateVec3(pose.q, v), pose.p);
}

/**
 * `a ∘ b`: first `b`, then `a`. With `a` = space-from-device and `b` = device-from-anchor the result
 * is space-from-anchor. The rotation is re-normalized so chains of composes do not drift off unit length.
 */
export function composePose(a: Readonly<Pose>, b: Readonly<Pose>): Pose {
  return { p: transformPoint(a, b.p), q: normalizeQuat(multiplyQuat(a.q, b.q)) };
}

/** The inverse transform: `composePose(invertPose(a), a)` is the identity. */
export function invertPose(a: Readonly<Pose>): Pose {
  const qi = conjugateQuat(normalizeQuat(a.q));
  const p = rotateVec3(qi, a.p);
  return { p: [-p[0], -p[1], -p[2]], q: qi };
}

export interface PoseDistance {
  /** Euclidean distance between the positions, meters. */
  meters: number;
  /** Angle of the rotation between the orientations, degrees in [0, 180]. */
  degrees: number;
}

export function poseDistance(a: Readonly<Pose>, b: Readonly<Pose>): PoseDistance {
  return { meters: vec3Distance(a.p, b.p), degrees: quatAngleDeg(a.q, b.q) };
}
