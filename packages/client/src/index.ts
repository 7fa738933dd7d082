export { createCairnClient } from './create-client.js';
export type { CairnClient, CairnClientEvents, CairnClientOptions } from './client-api.js';
export type { DeadLetters } from './outbox/dead-letters.js';
export type { Rejection } from './outbox/settle.js';
export type { DeadLetter, OutboxRow } from './replica/replica-store.js';
export { StorageErrorKind, type StorageErrorEvent } from './replica/storage-error.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './socket/backoff.js';
export type { NetworkEvents } from './socket/network-events.js';
export { createHttpProbe, type HttpProbeOptions, type Probe } from './socket/probe.js';
export { ConnectionState, type Status } from './socket/status.js';
export { UndeliverableError, type UndeliverableEdit } from './outbox/undeliverable.js';
export type { Timers } from './socket/timers.js';
export type { TabPort, TabPortFactory } from './tabs/tab-channel.js';
// spatial/ and xr/ exports are appended below this line.
export type {
  AnchorChange, Anchors, CreateAnchorInput, Region, RegionInput, Space, SpaceAnchor, SpaceOptions,
} from './spatial/space-api.js';
export type { LocalPresence, PeerPresence, PresenceEvent, PresenceRay, SpacePresence } from './presence/presence-api.js';
export { DEFAULT_PRESENCE_RATE_HZ, MAX_PRESENCE_RATE_HZ } from './presence/local-sender.js';
export type { AnchorQuery } from './spatial/anchor-query.js';
export type { LiveQuery, QueryDiff } from './spatial/live-queries.js';
export { createAnchorIndex, type AnchorIndex, type AnchorIndexOptions } from './spatial/anchor-index.js';
export type { IndexedAnchor } from './spatial/indexed-anchor.js';
export { DEFAULT_HYSTERESIS_MS } from './spatial/region.js';
export { MAX_REGION_CELLS, regionCells } from './spatial/region-cover.js';
export {
  toSpacePose, toReferencePose, alignmentFrom, poseFromXRPose, xrRigidTransformInit, type SpaceFromReference,
} from './xr/xr-pose.js';
export { createXRAnchorFor, restoreXRAnchor, WEBXR_PERSISTENT, type CreateXRAnchorOptions, type XRAnchorBinding } from './xr/xr-anchor.js';
export type {
  XRAnchorLike, XRFrameLike, XRPointLike, XRPoseLike, XRRigidTransformConstructor, XRRigidTransformInit,
  XRRigidTransformLike, XRSessionLike, XRSpaceLike,
} from './xr/xr-types.js';
export type { DeviceAlignment, DeviceAlignmentOptions } from './xr/device-alignment.js';
export type { AlignmentModelChoice } from './replica/alignment-record.js';
export { observeXRSpace } from './xr/xr-sighting.js';
