/**
 * The room of the colocalization e2e (e2e/webxr-colocalize.spec.ts), as pure math so that a unit test can
 * run the same geometry and noise through the same estimator for thousands of seeds.
 *
 * Frames: the ROOM is IWER's world frame (the physical room, floor y = 0); the SPACE frame is the shared
 * space's, a gravity-aligned yaw + offset away from the room; each headset's tracking frame (its WebXR
 * `local` space) is where the headset stood, level, when its session started.
 *
 * A person sights a surveyed anchor by standing behind it, facing the way it points, and putting the
 * reticle on it: the sighting is the floor hit, whose heading is the gaze's heading. Noise model, bounded
 * so that no seed can fail the tolerance by luck (a fixed size in a random direction, as in
 * alignment-scene.ts):
 *   position  the aim misses the anchor by exactly NOISE.m on the floor, in a random horizontal direction
 *   heading   the person faces exactly NOISE.deg left or right of the anchor's heading
 * Vertical position and tilt carry no noise: the floor hit is on the floor, and WebXR keeps +Y up.
 */
import {
  composePose, invertPose, multiplyQuat, quatAngleDeg, quatFromAxisAngle, transformPoint, vec3Distance,
  type Pose, type Vec3,
} from '@cairn/shared';
import type { Prng } from './prng.js';

export const NOISE = { m: 0.002, deg: 0.1 };
/** The person's eye height and how far ahead of their feet the reticle sits when they sight or place. */
export const EYE_HEIGHT_M = 1.6;
export const REACH_M = 1;
/** Anchors lie on a 3.5 m square of floor, this far apart pairwise (and the third this far off the line of the first two). */
const ANCHOR_HALF_SIDE_M = 1.75;
const ANCHOR_GAP_M = 1.5;
/** Where a headset starts: within this of the anchors' centroid, and this far from the other headset. */
const START_RADIUS_M = 2.5;
const HEADSET_GAP_M = 1;
/** Each device places its anchor within this of the nearest surveyed anchor (the working area). */
const SPOT_RADIUS_M = 1.25;

const deg = (d: number): number => (d * Math.PI) / 180;
export const yaw = (d: number): Pose['q'] => quatFromAxisAngle([0, 1, 0], deg(d));
const uniform = (r: Prng, lo: number, hi: number): number => lo + (hi - lo) * r.next();

export interface ColocScene {
  /** space-from-room: where the room sits in the shared space. */
  spaceFromRoom: Pose;
  /** The surveyed anchors, on the room's floor. */
  anchors: Pose[];
  /** Where each headset stands, level, when its session starts: its tracking frame in the room. */
  starts: { a: Pose; b: Pose };
  /** Where each device places its anchor, on the room's floor. */
  spots: { a: Vec3; b: Vec3 };
}

function offLine(a: Vec3, b: Vec3, p: Vec3): number {
  const [ux, uz] = [b[0] - a[0], b[2] - a[2]];
  return Math.abs(ux * (p[2] - a[2]) - uz * (p[0] - a[0])) / Math.hypot(ux, uz);
}

function floorPoint(r: Prng, center: Vec3, radius: number): Vec3 {
  const t = uniform(r, 0, 2 * Math.PI);
  const d = radius * Math.sqrt(r.next());
  return [center[0] + d * Math.cos(t), 0, center[2] + d * Math.sin(t)];
}

export function colocScene(r: Prng, anchorCount: number): ColocScene {
  const spaceFromRoom: Pose = { p: [uniform(r, -5, 5), uniform(r, -0.5, 0.5), uniform(r, -5, 5)], q: yaw(uniform(r, -180, 180)) };
  const spots: Vec3[] = [];
  while (spots.length < anchorCount) {
    const p: Vec3 = [uniform(r, -ANCHOR_HALF_SIDE_M, ANCHOR_HALF_SIDE_M), 0, uniform(r, -ANCHOR_HALF_SIDE_M, ANCHOR_HALF_SIDE_M)];
    if (spots.some((s) => vec3Distance(s, p) < ANCHOR_GAP_M)) continue;
    if (spots.length === 2 && offLine(spots[0]!, spots[1]!, p) < ANCHOR_GAP_M / 1.5) continue;
    spots.push(p);
  }
  const anchors = spots.map((p) => ({ p, q: yaw(uniform(r, -180, 180)) }));
  const centroid: Vec3 = [spots.reduce((s, p) => s + p[0], 0) / spots.length, 0, spots.reduce((s, p) => s + p[2], 0) / spots.length];
  const start = (): Pose => {
    const f = floorPoint(r, centroid, START_RADIUS_M);
    return { p: [f[0], EYE_HEIGHT_M, f[2]], q: yaw(uniform(r, -180, 180)) };
  };
  const a = start();
  let b = start();
  while (vec3Distance(a.p, b.p) < HEADSET_GAP_M) b = start();
  const spot = (): Vec3 => floorPoint(r, r.pick(spots), SPOT_RADIUS_M);
  return { spaceFromRoom, anchors, starts: { a, b }, spots: { a: spot(), b: spot() } };
}

/** The floor hit a person produces sighting `anchor` (room frame): off by the noise model above. */
export function sightingHit(r: Prng, anchor: Pose): Pose {
  const t = uniform(r, 0, 2 * Math.PI);
  const heading = headingDeg(anchor.q) + (r.chance(0.5) ? NOISE.deg : -NOISE.deg);
  return { p: [anchor.p[0] + NOISE.m * Math.cos(t), 0, anchor.p[2] + NOISE.m * Math.sin(t)], q: yaw(heading) };
}

/** The floor hit of a person placing an anchor at `spot`, facing a random way. */
export function placementHit(r: Prng, spot: Vec3): Pose {
  return { p: spot, q: yaw(uniform(r, -180, 180)) };
}

/** Degrees left of -Z (north) of a yaw rotation. */
export function headingDeg(q: Pose['q']): number {
  return (2 * Math.atan2(q[1], q[3]) * 180) / Math.PI;
}

/** The headset pose (room frame) whose gaze meets the floor at `hit`, heading along it: REACH_M behind, at eye height. */
export function gazeFor(hit: Pose): Pose {
  const h = deg(headingDeg(hit.q));
  const down = Math.atan2(EYE_HEIGHT_M, REACH_M);
  return {
    p: [hit.p[0] + REACH_M * Math.sin(h), EYE_HEIGHT_M, hit.p[2] + REACH_M * Math.cos(h)],
    q: multiplyQuat(hit.q, quatFromAxisAngle([1, 0, 0], -down)),
  };
}

/** The true alignment of a headset that started at `start`: its tracking frame in the space. */
export function trueAlignment(scene: ColocScene, start: Pose): Pose {
  return composePose(scene.spaceFromRoom, start);
}

/** A room pose as the headset that started at `start` sees it in its tracking frame. */
export function inTracking(start: Pose, roomPose: Pose): Pose {
  return composePose(invertPose(start), roomPose);
}

export interface AlignmentError {
  /** Largest distance between where the estimate and the truth put a room point, over the working area. */
  m: number;
  /** Angle between the estimated and the true rotation. */
  deg: number;
}

/**
 * An estimated alignment against the truth where it is used: at the surveyed anchors, at both placement
 * spots and at the headset's own tracking origin (the transform's translation alone would be the error
 * at that one point).
 */
export function alignmentError(scene: ColocScene, start: Pose, estimate: Pose): AlignmentError {
  const truth = trueAlignment(scene, start);
  const points = [...scene.anchors.map((a) => a.p), scene.spots.a, scene.spots.b, start.p];
  const m = Math.max(...points.map((x) => vec3Distance(transformPoint(estimate, inTracking(start, { p: x, q: [0, 0, 0, 1] }).p), transformPoint(scene.spaceFromRoom, x))));
  return { m, deg: quatAngleDeg(estimate.q, truth.q) };
}
