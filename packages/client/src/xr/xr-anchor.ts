/**
 * Binds space anchors to WebXR anchors (DESIGN §6 xr/): an XRAnchor created where the anchor is, so the
 * device's tracking keeps it in place, and its persistent handle stored in the anchor's platformRefs so a
 * later session on the same device can restore it without re-aligning.
 */
import { CairnError, type Pose } from '@cairn/shared';
import type { Anchors, SpaceAnchor } from '../spatial/space-api.js';
import { toReferencePose, xrRigidTransformInit, type SpaceFromReference } from './xr-pose.js';
import type { XRAnchorLike, XRFrameLike, XRRigidTransformConstructor, XRSessionLike, XRSpaceLike } from './xr-types.js';

export const WEBXR_PERSISTENT = 'webxr-persistent';

export interface CreateXRAnchorOptions {
  /** Where to store the persistent handle; without it no handle is requested. */
  anchors?: Pick<Anchors, 'addPlatformRef'>;
  /** Recorded with the handle: handles restore only on the device that made them. */
  deviceId?: string;
  /** Default: the global XRRigidTransform. */
  XRRigidTransform?: XRRigidTransformConstructor;
}

export interface XRAnchorBinding {
  xrAnchor: XRAnchorLike;
  /** The persistent handle, if the platform gave one and it was stored. */
  handle: string | null;
}

function rigidTransformClass(given: XRRigidTransformConstructor | undefined): XRRigidTransformConstructor {
  const ctor = given ?? (globalThis as { XRRigidTransform?: XRRigidTransformConstructor }).XRRigidTransform;
  if (!ctor) throw new CairnError('BAD_REQUEST', 'XRRigidTransform is not available: not a WebXR browser');
  return ctor;
}

/** Creates an XRAnchor at the anchor's pose, given in `refSpace` through the alignment. */
export async function createXRAnchorFor(
  frame: XRFrameLike,
  refSpace: XRSpaceLike,
  anchor: Pick<SpaceAnchor, 'id'> & { pose: Pose },
  alignment: Readonly<SpaceFromReference>,
  opts: CreateXRAnchorOptions = {},
): Promise<XRAnchorBinding> {
  if (typeof frame.createAnchor !== 'function') {
    throw new CairnError('BAD_REQUEST', "this XR session cannot create anchors (request the 'anchors' feature)");
  }
  const init = xrRigidTransformInit(toReferencePose(alignment, anchor.pose));
  const Transform = rigidTransformClass(opts.XRRigidTransform);
  const created = frame.createAnchor(new Transform(init.position, init.orientation), refSpace);
  if (!created) throw new CairnError('BAD_REQUEST', 'the XR frame refused to create an anchor');
  const xrAnchor = await created;
  let handle: string | null = null;
  if (opts.anchors && typeof xrAnchor.requestPersistentHandle === 'function') {
    handle = await xrAnchor.requestPersistentHandle();
    await opts.anchors.addPlatformRef(anchor.id, {
      kind: WEBXR_PERSISTENT,
      handle,
      ...(opts.deviceId !== undefined ? { deviceId: opts.deviceId } : {}),
    });
  }
  return { xrAnchor, handle };
}

/**
 * Restores the XRAnchor a previous session persisted for this anchor (on this device, if `deviceId` is
 * given); null if it has no such handle or the session cannot restore anchors.
 */
export async function restoreXRAnchor(session: XRSessionLike, anchor: Pick<SpaceAnchor, 'platformRefs'>, deviceId?: string): Promise<XRAnchorLike | null> {
  const ref = anchor.platformRefs?.find((r) => r.kind === WEBXR_PERSISTENT && (deviceId === undefined || r.deviceId === deviceId));
  if (!ref || typeof session.restorePersistentAnchor !== 'function') return null;
  return session.restorePersistentAnchor(ref.handle);
}
