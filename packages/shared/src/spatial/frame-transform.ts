/**
 * X6: one space, many authoring frames. Two devices that create a space offline each write their own
 * origin to `<space>/meta`; when they meet, Yjs keeps one. Every pose is stamped with the origin it was
 * authored in (anchor-doc.ts, `poses`), so a reader shows it in the winning frame through the exact rigid
 * transform between the two tangent frames, and no anchor moves on Earth.
 *
 * Each local frame is the East-Up-South tangent frame of geodetic.ts (x = east, y = up, z = -north) at its
 * origin. Going through ECEF, a point x of frame F is at o_F + R_F x, so
 *
 *   T(to <- from):  x  ↦  R_toᵀ R_from x  +  R_toᵀ (o_from − o_to)
 *
 * The rotation is not the identity: tangent planes at two points are tilted against each other by the
 * angle between their verticals (about 9e-6 rad per meter of separation, ~0.5° at 50 km), so dropping it
 * would turn an orientation and, over the size of a space, a position by that much.
 */
import type { Anchor, AnchorPose } from './anchor-doc.js';
import { geodeticToEcef, type GeoPoint } from './geodetic.js';
import { composePose, type Pose } from './pose.js';
import { normalizeQuat, type Quat } from './quat.js';
import type { Vec3 } from './vec3.js';

const RAD = Math.PI / 180;

type Mat3 = [Vec3, Vec3, Vec3];

/** The local axes x (east), y (up), z (-north) at the origin, in ECEF: the columns of R_F. */
function axesOf(o: Readonly<GeoPoint>): Mat3 {
  const sLat = Math.sin(o.lat * RAD);
  const cLat = Math.cos(o.lat * RAD);
  const sLon = Math.sin(o.lon * RAD);
  const cLon = Math.cos(o.lon * RAD);
  return [
    [-sLon, cLon, 0],
    [cLat * cLon, cLat * sLon, sLat],
    [sLat * cLon, sLat * sLon, -cLat],
  ];
}

const dot = (a: Readonly<Vec3>, b: Readonly<Vec3>) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** The unit quaternion of a rotation matrix m[row][col] (Shepperd: the branch with the largest divisor). */
function quatOfMatrix(m: Readonly<Mat3>): Quat {
  const [[m00, m01, m02], [m10, m11, m12], [m20, m21, m22]] = m;
  const trace = m00 + m11 + m22;
  let q: Quat;
  if (trace > 0) {
    const s = 2 * Math.sqrt(trace + 1);
    q = [(m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s, s / 4];
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    q = [s / 4, (m01 + m10) / s, (m02 + m20) / s, (m21 - m12) / s];
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    q = [(m01 + m10) / s, s / 4, (m12 + m21) / s, (m02 - m20) / s];
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    q = [(m02 + m20) / s, (m12 + m21) / s, s / 4, (m10 - m01) / s];
  }
  return normalizeQuat(q);
}

/** T(to <- from) as a pose: `composePose(frameTransform(a, b), poseInA)` is the same pose in frame b. */
export function frameTransform(from: Readonly<GeoPoint>, to: Readonly<GeoPoint>): Pose {
  const rf = axesOf(from);
  const rt = axesOf(to);
  const of = geodeticToEcef(from);
  const ot = geodeticToEcef(to);
  const d: Vec3 = [of[0] - ot[0], of[1] - ot[1], of[2] - ot[2]];
  // m[i][j] = (R_toᵀ R_from)[i][j] = axis i of `to` · axis j of `from`.
  const m = rt.map((ti) => rf.map((fj) => dot(ti, fj))) as Mat3;
  return { p: [dot(rt[0], d), dot(rt[1], d), dot(rt[2], d)], q: quatOfMatrix(m) };
}

export function sameGeoPoint(a: Readonly<GeoPoint>, b: Readonly<GeoPoint>): boolean {
  return a.lat === b.lat && a.lon === b.lon && a.alt === b.alt;
}

/** The frame a reader shows anchors in: the space's current (winning) origin. */
export interface SpaceFrame {
  /** null: the space has no geodetic origin, and poses are shown as stored. */
  readonly origin: GeoPoint | null;
  /** The pose in this frame, without its authoring stamp (the same object when it has none). */
  pose(pose: AnchorPose): AnchorPose;
  /** The anchor with its pose in this frame (the same object when its pose has no stamp). */
  anchor<A extends Anchor>(a: A): A;
}

/**
 * A pose with no stamp was written before X6 (or in a space with no origin): it is in whatever frame is
 * current, so existing data reads exactly as before. Transforms are cached per authoring origin; the last
 * one is checked first, since the anchors of a space come from very few frames.
 */
export function createSpaceFrame(origin: Readonly<GeoPoint> | null): SpaceFrame {
  const to = origin ? Object.freeze({ lat: origin.lat, lon: origin.lon, alt: origin.alt }) : null;
  const cache = new Map<string, Pose>();
  let last: { from: GeoPoint; t: Pose } | null = null;

  const transformFrom = (from: GeoPoint): Pose => {
    if (last && sameGeoPoint(last.from, from)) return last.t;
    const key = `${from.lat},${from.lon},${from.alt}`;
    let t = cache.get(key);
    if (!t) cache.set(key, (t = frameTransform(from, to!)));
    last = { from, t };
    return t;
  };

  const pose = (p: AnchorPose): AnchorPose => {
    const from = p.frame;
    if (!from) return p;
    if (!to || sameGeoPoint(from, to)) return { p: p.p, q: p.q, hlc: p.hlc };
    const moved = composePose(transformFrom(from), p);
    return { p: moved.p, q: moved.q, hlc: p.hlc };
  };

  return {
    origin: to,
    pose,
    anchor: (a) => (a.pose.frame ? { ...a, pose: pose(a.pose) } : a),
  };
}
