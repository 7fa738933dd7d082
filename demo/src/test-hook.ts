/**
 * `window.cairnDemo`: read-only access for scripts and end-to-end tests, so they can read the replica's
 * state exactly (anchor poses to the last bit) while they drive the page like a person does.
 */
import type { CairnClient, Region, Space } from '@cairn/client';
import type { Pose } from '@cairn/shared';
import type { Selection } from './selection.js';

export interface ArHook {
  /** An immersive session is running. */
  active: boolean;
  /** Where the hit test meets a surface, in the session's reference space (last frame). */
  reticle: Pose | null;
  /** Every anchor as the AR view drew it in the last frame, in the session's reference space. */
  seen: Record<string, Pose>;
  /** Ids among `seen` whose pose came from an XRAnchor the runtime tracks (not computed). */
  tracked: string[];
  /** Ids of the anchors this session placed, in order. */
  placed: string[];
  /** Each peer's head as the AR view drew it in the last frame, in the session's reference space. */
  peers: Record<string, Pose>;
  /** Frames rendered so far. */
  frames: number;
}

export interface CairnDemo {
  client: CairnClient;
  space: Space;
  region: Region;
  selection: Selection;
  /** Screen coordinates of the floor point (x, z) on the plan, for pointer input. */
  clientPoint(x: number, z: number): { x: number; y: number };
  ar: ArHook;
}

declare global {
  interface Window {
    cairnDemo?: CairnDemo;
  }
}

export function exposeTestHook(hook: CairnDemo): void {
  window.cairnDemo = hook;
}
