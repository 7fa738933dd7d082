/**
 * Where the AR view takes this device's alignment (space-from-reference: its tracking frame in the space)
 * from, one of two sources:
 *
 *   given     ?align= says it beforehand (a surveyed setup, a test); it never changes, nothing is sighted
 *   sighted   the client's device alignment (P3), fitted to the shared anchors the person sighted in this
 *             session (ar-target.ts: stand at an anchor, put the reticle on it, pull the trigger)
 *
 * Until the first sighting the reference space stands in for the space frame (identity): that is how the
 * first device of a new space defines its frame, and what every later device aligns to by sighting the
 * anchors the first one placed. The status strip says which of these holds (alignment-status.ts).
 */
import { identityPose, type AlignmentFit, type Pose } from '@cairn/shared';
import type { DeviceAlignment, SpaceFromReference } from '@cairn/client';

export interface ArAlignment {
  /** True for ?align=: fixed, and sightings are off. */
  readonly given: boolean;
  /** space-from-reference as of now. */
  current(): SpaceFromReference;
  /** Bumped whenever current() changes: what was computed under an older one (XRAnchors) is redone. */
  readonly epoch: number;
  /** The fit of the sightings, with its residual; null when given or before the first sighting. */
  readonly fit: AlignmentFit | null;
  /** A new XR session: WebXR starts a new `local` frame, so sightings taken in an earlier one no longer hold. */
  restart(): Promise<void>;
  /** The person stands at `anchor` and the device sees it at `observed` (reference space). */
  sight(anchor: { id: string; pose: Pose }, observed: Pose): Promise<AlignmentFit>;
  onChange(cb: () => void): () => void;
}

export function givenAlignment(transform: SpaceFromReference): ArAlignment {
  return {
    given: true,
    current: () => transform,
    epoch: 0,
    fit: null,
    restart: () => Promise.resolve(),
    sight: () => Promise.reject(new Error('this page was given its alignment (?align=): sightings are off')),
    onChange: () => () => undefined,
  };
}

export function sightedAlignment(device: DeviceAlignment): ArAlignment {
  let epoch = 0;
  device.onChange(() => epoch++);
  return {
    given: false,
    current: () => device.transform ?? identityPose(),
    get epoch() {
      return epoch;
    },
    get fit() {
      return device.fit;
    },
    async restart() {
      await device.ready;
      if (device.observations.length > 0) await device.reset();
    },
    // Position and heading both count: the reticle's heading is the way the person faces, lined up with
    // the anchor's (the demo's model is 'yaw', so one sighting aligns).
    sight: (anchor, observed) => device.observe(anchor.id, { space: anchor.pose, observed }),
    onChange: (cb) => device.onChange(() => cb()),
  };
}
