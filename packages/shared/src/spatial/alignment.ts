/**
 * A device's alignment (P3): the rigid transform from its tracking frame (a WebXR reference space) to the
 * space frame, fitted by least squares to correspondences, each a shared anchor's pose in the space frame
 * and the same anchor as the device observes it.
 *
 * Two models. 'yaw' is gravity-aligned: WebXR tracking frames keep +Y up, so only a rotation about +Y and a
 * translation remain (4 degrees of freedom); it works from ONE anchor, taking the yaw from the anchor's
 * orientation, and weighs positions and orientations together once there are more. 'rigid' is a full rotation
 * plus translation (Horn's closed form, 1987) and needs three anchors that are not on one line. 'auto'
 * (the default) takes 'rigid' when it is well posed and 'yaw' otherwise.
 *
 * The fitted transform is space-from-tracking, the `SpaceFromReference` of the client's xr/ helpers:
 * `composePose(fit.transform, observed)` is the anchor's pose in the space frame.
 */
import { CairnError } from '../errors.js';
import { composePose, isPose, transformPoint, type Pose } from './pose.js';
import { conjugateQuat, multiplyQuat, normalizeQuat, quatAngleDeg, quatFromAxisAngle, rotateVec3, type Quat } from './quat.js';
import { symmetricEigen } from './sym-eigen.js';
import { vec3Distance, vec3Sub, type Vec3 } from './vec3.js';

export interface AnchorCorrespondence {
  /** The anchor's pose in the space frame (as the replica holds it). */
  space: Pose;
  /** The same anchor as this device observes it, in its tracking frame. */
  observed: Pose;
  /** Relative confidence, finite and > 0. Default 1. */
  weight?: number;
}

export type AlignmentModel = 'yaw' | 'rigid';

export interface AlignmentResidual {
  /** RMS over the anchors of |fitted position − space position|, meters. */
  rmsM: number;
  /** Largest angle between an anchor's fitted orientation and its space orientation, degrees. */
  maxDeg: number;
}

export interface AlignmentFit {
  /** space-from-tracking. */
  transform: Pose;
  model: AlignmentModel;
  /** How many correspondences the fit used. */
  anchors: number;
  residual: AlignmentResidual;
}

export interface AlignmentFitOptions {
  /** Default 'auto': 'rigid' from three anchors spread off one line, else 'yaw'. */
  model?: 'auto' | AlignmentModel;
  /** Meters, ≥ 0; default {@link DEFAULT_ORIENTATION_LEVER_M}. */
  orientationLeverM?: number;
}

/** The rigid fit needs this many anchors. */
export const MIN_RIGID_ANCHORS = 3;
/**
 * The rigid fit refuses anchors whose RMS distance from their best-fit line is below this: the rotation
 * about that line would be decided by measurement noise (5 mm of noise at 1 cm is 30°).
 */
export const MIN_RIGID_SPREAD_M = 0.01;
/**
 * How much an anchor's observed orientation counts beside positions, as a lever arm: one orientation
 * weighs like one point this far from the centroid. 1 m because typical tracking noise (5 mm, 0.3°)
 * makes the two equally informative at about that distance; 0 ignores orientations (position-only
 * sightings, e.g. a user confirming where an anchor is).
 */
export const DEFAULT_ORIENTATION_LEVER_M = 1;

interface Weighted {
  space: Pose;
  observed: Pose;
  w: number;
}

function checked(cs: readonly AnchorCorrespondence[]): Weighted[] {
  if (!Array.isArray(cs) || cs.length === 0) {
    throw new CairnError('BAD_REQUEST', 'an alignment needs at least one anchor correspondence');
  }
  return cs.map((c, i) => {
    if (!isPose(c?.space) || !isPose(c?.observed)) {
      throw new CairnError('BAD_REQUEST', `correspondence ${i}: space and observed must be poses with finite components`);
    }
    const w = c.weight ?? 1;
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) {
      throw new CairnError('BAD_REQUEST', `correspondence ${i}: weight must be a finite number > 0, got ${String(w)}`);
    }
    return {
      space: { p: c.space.p, q: normalizeQuat(c.space.q) },
      observed: { p: c.observed.p, q: normalizeQuat(c.observed.q) },
      w,
    };
  });
}

function centroid(ws: readonly Weighted[], pick: (x: Weighted) => Vec3): Vec3 {
  let total = 0;
  const c: Vec3 = [0, 0, 0];
  for (const x of ws) {
    const p = pick(x);
    total += x.w;
    for (let k = 0; k < 3; k++) c[k] = c[k]! + x.w * p[k]!;
  }
  return [c[0] / total, c[1] / total, c[2] / total];
}

/** RMS distance of the observed positions from their best-fit line (principal axis). */
function offLineSpread(ws: readonly Weighted[], center: Vec3): number {
  const cov = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  let total = 0;
  for (const x of ws) {
    const d = vec3Sub(x.observed.p, center);
    total += x.w;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) cov[i]![j]! += x.w * d[i]! * d[j]!;
  }
  const { values } = symmetricEigen(cov);
  return Math.sqrt(Math.max(0, values[1]! + values[2]!) / total);
}

/** The rotation about +Y closest to `q` (its twist about Y), as an angle in radians. */
function yawOf(q: Readonly<Quat>): number {
  return 2 * Math.atan2(q[1], q[3]);
}

/** The rotation each anchor implies on its own: space orientation ∘ inverse(observed orientation). */
function impliedRotation(x: Weighted): Quat {
  return multiplyQuat(x.space.q, conjugateQuat(x.observed.q));
}

/**
 * Maximizes Σ w b'·R(θ)a' + L² Σ w cos(θ − ψᵢ) over the yaw θ, where ψᵢ is the yaw anchor i's orientation
 * implies: both terms lose (spread² or L²)·δ²/2 for a yaw error δ, so they weigh like one least-squares
 * problem. R(θ) maps (x, z) to (x cosθ + z sinθ, −x sinθ + z cosθ).
 */
function fitYaw(ws: readonly Weighted[], lever: number): Pose {
  const a = centroid(ws, (x) => x.observed.p);
  const b = centroid(ws, (x) => x.space.p);
  let c = 0;
  let s = 0;
  let total = 0;
  for (const x of ws) {
    const da = vec3Sub(x.observed.p, a);
    const db = vec3Sub(x.space.p, b);
    const yaw = yawOf(impliedRotation(x));
    c += x.w * (da[0] * db[0] + da[2] * db[2] + lever ** 2 * Math.cos(yaw));
    s += x.w * (da[2] * db[0] - da[0] * db[2] + lever ** 2 * Math.sin(yaw));
    total += x.w;
  }
  if (Math.hypot(c, s) <= 1e-12 * total) {
    throw new CairnError('BAD_REQUEST', 'the yaw is undetermined: the anchors share one vertical line and orientations are not used');
  }
  const q = quatFromAxisAngle([0, 1, 0], Math.atan2(s, c));
  return { p: vec3Sub(b, rotateVec3(q, a)), q };
}

function fitRigid(ws: readonly Weighted[], lever: number): Pose {
  if (ws.length < MIN_RIGID_ANCHORS) {
    throw new CairnError('BAD_REQUEST', `the rigid fit needs ${MIN_RIGID_ANCHORS} anchors, got ${ws.length}; use the 'yaw' model`);
  }
  const a = centroid(ws, (x) => x.observed.p);
  const b = centroid(ws, (x) => x.space.p);
  const spread = offLineSpread(ws, a);
  if (spread < MIN_RIGID_SPREAD_M) {
    throw new CairnError(
      'BAD_REQUEST',
      `the anchors are collinear (RMS ${spread.toExponential(2)} m off one line, need ${MIN_RIGID_SPREAD_M} m): the rotation about that line is undetermined`,
    );
  }
  // S[i][j] = Σ w a'_i b'_j; Horn's N is built from it, and its top eigenvector is the rotation (w, x, y, z).
  const S = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (const x of ws) {
    const da = vec3Sub(x.observed.p, a);
    const db = vec3Sub(x.space.p, b);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) S[i]![j]! += x.w * da[i]! * db[j]!;
  }
  const [[xx, xy, xz], [yx, yy, yz], [zx, zy, zz]] = S as [[number, number, number], [number, number, number], [number, number, number]];
  const N = [
    [xx + yy + zz, yz - zy, zx - xz, xy - yx],
    [yz - zy, xx - yy - zz, xy + yx, zx + xz],
    [zx - xz, xy + yx, -xx + yy - zz, yz + zy],
    [xy - yx, zx + xz, yz + zy, -xx - yy + zz],
  ];
  // Orientations: qᵀ(d dᵀ)q = cos²(δ/2) for a rotation δ away from the implied d, so 2L²·d dᵀ loses
  // L²δ²/2, the same as a point L from the centroid (the yaw fit's weighing).
  for (const x of ws) {
    const [dx, dy, dz, dw] = impliedRotation(x);
    const d = [dw, dx, dy, dz];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) N[i]![j]! += 2 * lever ** 2 * x.w * d[i]! * d[j]!;
  }
  const [w, qx, qy, qz] = symmetricEigen(N).vectors[0]!;
  const q = normalizeQuat([qx!, qy!, qz!, w!]);
  return { p: vec3Sub(b, rotateVec3(q, a)), q };
}

function residualOf(transform: Pose, ws: readonly Weighted[]): AlignmentResidual {
  let sq = 0;
  let maxDeg = 0;
  for (const x of ws) {
    sq += vec3Distance(transformPoint(transform, x.observed.p), x.space.p) ** 2;
    maxDeg = Math.max(maxDeg, quatAngleDeg(composePose(transform, x.observed).q, x.space.q));
  }
  return { rmsM: Math.sqrt(sq / ws.length), maxDeg };
}

/**
 * Fits space-from-tracking to the correspondences. Throws CairnError BAD_REQUEST for no correspondences,
 * a non-finite pose or weight, and (model 'rigid') fewer than three anchors or anchors on one line.
 */
export function fitAlignment(correspondences: readonly AnchorCorrespondence[], opts: AlignmentFitOptions = {}): AlignmentFit {
  const ws = checked(correspondences);
  const asked = opts.model ?? 'auto';
  if (asked !== 'auto' && asked !== 'yaw' && asked !== 'rigid') {
    throw new CairnError('BAD_REQUEST', `unknown alignment model ${JSON.stringify(asked)}`);
  }
  const lever = opts.orientationLeverM ?? DEFAULT_ORIENTATION_LEVER_M;
  if (typeof lever !== 'number' || !Number.isFinite(lever) || lever < 0) {
    throw new CairnError('BAD_REQUEST', `orientationLeverM must be a finite number ≥ 0, got ${String(lever)}`);
  }
  const model: AlignmentModel =
    asked !== 'auto' ? asked : ws.length >= MIN_RIGID_ANCHORS && offLineSpread(ws, centroid(ws, (x) => x.observed.p)) >= MIN_RIGID_SPREAD_M ? 'rigid' : 'yaw';
  const transform = model === 'rigid' ? fitRigid(ws, lever) : fitYaw(ws, lever);
  return { transform, model, anchors: ws.length, residual: residualOf(transform, ws) };
}
