/**
 * The plan view shows a pose from above: its position on the floor (x, z) and its heading, the direction
 * its forward axis (-Z) points, in degrees counter-clockwise from north (-Z) seen from above (+Y up).
 * Editing the heading replaces the whole rotation with a turn about +Y: the plan has no way to show tilt.
 */
import { quatFromAxisAngle, rotateVec3, type Pose, type Quat } from '@cairn/shared';

export function headingDeg(q: Readonly<Quat>): number {
  const f = rotateVec3(q, [0, 0, -1]);
  if (Math.hypot(f[0], f[2]) < 1e-9) return 0; // looking straight up or down: no heading
  const deg = (Math.atan2(-f[0], -f[2]) * 180) / Math.PI;
  return ((deg % 360) + 360) % 360;
}

export function quatFromHeading(deg: number): Quat {
  return quatFromAxisAngle([0, 1, 0], (deg * Math.PI) / 180);
}

export function withHeading(pose: Readonly<Pose>, deg: number): Pose {
  return { p: [...pose.p], q: quatFromHeading(deg) };
}

export function withFloorPosition(pose: Readonly<Pose>, x: number, z: number): Pose {
  return { p: [x, pose.p[1], z], q: [...pose.q] };
}

export function withHeight(pose: Readonly<Pose>, y: number): Pose {
  return { p: [pose.p[0], y, pose.p[2]], q: [...pose.q] };
}
