/**
 * One XRAnchor per anchor of the space, where the session has the 'anchors' feature: the device keeps
 * each one locked to the world as its tracking improves, which a pose computed once would not. An anchor
 * whose pose changes (a newer HLC) gets a new XRAnchor, and so does every anchor when the alignment
 * changes (a sighting re-fitted it); one that is gone loses its XRAnchor. The anchors
 * this device places also get their persistent handle stored in platformRefs (createXRAnchorFor).
 */
import { createXRAnchorFor, poseFromXRPose, type Anchors, type SpaceAnchor, type XRAnchorLike, type XRRigidTransformConstructor, type XRSpaceLike } from '@cairn/client';
import type { Pose } from '@cairn/shared';
import type { ArAlignment } from './ar-alignment.js';
import type { ArFrame } from './xr-types.js';

interface Held {
  /** The anchor's pose HLC and the alignment's epoch the XRAnchor was made under. */
  version: string;
  xrAnchor: XRAnchorLike | null;
  /** Its persistent handle was asked for (placed here): stored once, not again on a re-bind. */
  persisted: boolean;
}

export interface XrAnchorsDeps {
  ref: XRSpaceLike;
  alignment: Pick<ArAlignment, 'current' | 'epoch'>;
  XRRigidTransform: XRRigidTransformConstructor;
  /** For the persistent handles of anchors placed on this device. */
  anchors: Anchors;
  deviceId: string | null;
}

export function createXrAnchors(deps: XrAnchorsDeps) {
  const held = new Map<string, Held>();

  const versionOf = (a: SpaceAnchor): string => `${a.pose.hlc}@${deps.alignment.epoch}`;

  const bind = (a: SpaceAnchor, frame: ArFrame, persist: boolean, persistedBefore: boolean): void => {
    const entry: Held = { version: versionOf(a), xrAnchor: null, persisted: persist || persistedBefore };
    held.set(a.id, entry);
    const opts = {
      XRRigidTransform: deps.XRRigidTransform,
      ...(persist ? { anchors: deps.anchors, ...(deps.deviceId ? { deviceId: deps.deviceId } : {}) } : {}),
    };
    createXRAnchorFor(frame, deps.ref, a, deps.alignment.current(), opts).then(
      ({ xrAnchor }) => {
        if (held.get(a.id) === entry) entry.xrAnchor = xrAnchor;
        else xrAnchor.delete();
      },
      // The runtime refused (tracking lost, too many anchors): the view draws from the computed pose.
      (err: unknown) => console.warn('no XRAnchor for', a.id, err),
    );
  };

  return {
    /** Brings the XRAnchors in line with the anchors to show; `placedHere` also get a persistent handle. */
    sync(all: readonly SpaceAnchor[], frame: ArFrame, placedHere: ReadonlySet<string>): void {
      if (typeof frame.createAnchor !== 'function') return;
      const ids = new Set<string>();
      for (const a of all) {
        ids.add(a.id);
        const cur = held.get(a.id);
        // An anchor shows (its Yjs transaction ran) before create() resolves and names it placed here:
        // bound without a handle first, it is bound again once it is known to be this device's.
        const persist = placedHere.has(a.id) && !cur?.persisted;
        if (cur && cur.version === versionOf(a) && !persist) continue;
        cur?.xrAnchor?.delete();
        // Storing the handle writes platformRefs, not the pose: the HLC stays and this runs once.
        bind(a, frame, persist, cur?.persisted ?? false);
      }
      for (const [id, entry] of held) {
        if (ids.has(id)) continue;
        entry.xrAnchor?.delete();
        held.delete(id);
      }
    },
    /** The anchor's pose in the reference space as the runtime tracks it; null without an XRAnchor (yet). */
    poseOf(id: string, frame: ArFrame): Pose | null {
      const xrAnchor = held.get(id)?.xrAnchor;
      const pose = xrAnchor ? frame.getPose(xrAnchor.anchorSpace, deps.ref) : null;
      return pose ? poseFromXRPose(pose) : null;
    },
  };
}
