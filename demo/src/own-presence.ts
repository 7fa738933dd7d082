/**
 * This device's presence from the plan view: "me" stands where the pointer last moved on the plan, at eye
 * height, looking the way the pointer went; before any move, at a spot of its own near the origin. The AR
 * view sets the head from the XR viewer pose instead while a session runs.
 */
import type { SpacePresence } from '@cairn/client';
import type { Pose } from '@cairn/shared';
import { quatFromHeading } from './heading.js';
import type { PeerLook } from './peer-look.js';
import { floorPoint } from './plan-frame.js';

const EYE_M = 1.6;
/** Pointer moves shorter than this keep the heading (a hand's jitter should not spin the arrow). */
const TURN_MIN_M = 0.05;

export function mountOwnPresence(svg: SVGSVGElement, presence: SpacePresence, look: PeerLook, start: { x: number; z: number }): { pause(on: boolean): void } {
  let at = start;
  let heading = 0;
  let paused = false;
  const head = (): Pose => ({ p: [at.x, EYE_M, at.z], q: quatFromHeading(heading) });
  presence.set({ head: head(), state: look });

  svg.addEventListener('pointermove', (e) => {
    if (paused) return;
    const next = floorPoint(svg, e);
    const dx = next.x - at.x;
    const dz = next.z - at.z;
    // Heading counter-clockwise from north (-Z) seen from above (heading.ts).
    if (Math.hypot(dx, dz) >= TURN_MIN_M) heading = (Math.atan2(-dx, -dz) * 180) / Math.PI;
    at = next;
    presence.set({ head: head() });
  });

  return {
    pause(on) {
      paused = on;
    },
  };
}
