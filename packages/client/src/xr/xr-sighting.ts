/**
 * Feeds what WebXR tracks into a device alignment (P3): the pose of an XRSpace that stands for a shared
 * anchor (an XRAnchor restored from its persistent handle, a tracked marker image, a hit the user
 * confirmed) read in the app's reference space this frame, as a sighting of that anchor.
 */
import type { AlignmentFit, Pose } from '@cairn/shared';
import type { DeviceAlignment } from './device-alignment.js';
import { poseFromXRPose } from './xr-pose.js';
import type { XRFrameLike, XRSpaceLike } from './xr-types.js';

/** Null, and nothing observed, when the platform does not track `xrSpace` this frame. */
export async function observeXRSpace(
  alignment: Pick<DeviceAlignment, 'observe'>,
  frame: XRFrameLike,
  refSpace: XRSpaceLike,
  xrSpace: XRSpaceLike,
  anchor: { id: string; pose: Pose },
  weight?: number,
): Promise<AlignmentFit | null> {
  const seen = frame.getPose(xrSpace, refSpace);
  if (!seen) return null;
  return alignment.observe(anchor.id, { space: anchor.pose, observed: poseFromXRPose(seen), ...(weight !== undefined ? { weight } : {}) });
}
