/**
 * Poses between a device's WebXR reference space and the space frame. A device tracks in its own
 * reference space (`local`, `local-floor`, …) whose origin is wherever the session started; an alignment
 * (from a marker, a shared anchor, GPS + compass, …) says where that reference space sits in the space
 * frame. Both frames use the WebXR convention (+X right, +Y up, -Z forward), so an alignment is one rigid
 * transform and conversions are compositions with it (shared pose math).
 */
import { composePose, invertPose, isPose, normalizeQuat, CairnError, type Pose } from '@cairn/shared';
import type { XRPoseLike, XRRigidTransformInit, XRRigidTransformLike } from './xr-types.js';

/** A Pose that maps a device reference space into the space frame: space-from-reference. */
export type SpaceFromReference = Pose;

/** A pose given in the device's reference space, expressed in the space frame. */
export function toSpacePose(alignment: Readonly<SpaceFromReference>, poseInRef: Readonly<Pose>): Pose {
  return composePose(alignment, poseInRef);
}

/** A pose given in the space frame, expressed in the device's reference space. */
export function toReferencePose(alignment: Readonly<SpaceFromReference>, poseInSpace: Readonly<Pose>): Pose {
  return composePose(invertPose(alignment), poseInSpace);
}

/**
 * The alignment from one correspondence: something the device sees at `poseInRef` is known to be at
 * `poseInSpace` (a shared anchor, a printed marker).
 */
export function alignmentFrom(poseInRef: Readonly<Pose>, poseInSpace: Readonly<Pose>): SpaceFromReference {
  return composePose(poseInSpace, invertPose(poseInRef));
}

/** An XRPose (or its XRRigidTransform) as a Pose. */
export function poseFromXRPose(xr: XRPoseLike | XRRigidTransformLike): Pose {
  const t = 'transform' in xr ? xr.transform : xr;
  const { position: p, orientation: o } = t;
  const w = p.w === 0 || p.w === undefined ? 1 : p.w; // DOMPoint positions carry w = 1
  const pose = { p: [p.x / w, p.y / w, p.z / w], q: [o.x, o.y, o.z, o.w] };
  if (!isPose(pose)) throw new CairnError('BAD_REQUEST', 'the XR transform has non-finite components');
  return { p: pose.p, q: normalizeQuat(pose.q) };
}

/** The arguments of `new XRRigidTransform(position, orientation)` for a pose. */
export function xrRigidTransformInit(pose: Readonly<Pose>): XRRigidTransformInit {
  const [x, y, z] = pose.p;
  const [qx, qy, qz, qw] = normalizeQuat(pose.q);
  return { position: { x, y, z, w: 1 }, orientation: { x: qx, y: qy, z: qz, w: qw } };
}
