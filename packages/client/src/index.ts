/**
 * The public surface of @cairn/client and its only barrel: what an app needs, nothing it could come to
 * depend on by accident. A type a public signature names is exported too, so an app can name it.
 * packages/client/api/client.api.md records all of it; `npm run api:update` after a deliberate change.
 * Tests that need an internal import it from its src path. docs/DECISIONS.md says what is public and why.
 */
export { createCairnClient } from './create-client.js';
export type { CairnClient, CairnClientEvents, CairnClientOptions, CellsEvicted, ReplicaOptions } from './client-api.js';
export { ConnectionState, type Status } from './socket/status.js';

// Errors: one catalog shared with the server (S4); the `error` event carries a CairnError.
export { CairnError, ErrorCodes, isCairnError, type ErrorCode } from '@cairn/shared';
export { UndeliverableError, type UndeliverableEdit } from './outbox/undeliverable.js';
export { StorageErrorKind, type StorageErrorEvent } from './replica/storage-error.js';
export type { Rejection } from './outbox/settle.js';
export type { DocDeleted } from './inbound/doc-deletion.js';
export type { DeadLetters } from './outbox/dead-letters.js';
export type { DeadLetter } from './replica/replica-store.js';
export type { HistoricalDoc, HistoryTarget, AnchorsAtQuery, AnchorAt } from './history/history-reads.js';

// What the options take where the host is not a browser tab (Node, a worker, a test) and injects its own.
export type { ClientSocket, ClientSocketFactory } from '@cairn/shared';
export type { BackoffOptions } from './socket/backoff.js';
export type { NetworkEvents } from './socket/network-events.js';
export type { Probe } from './socket/probe.js';
export type { Timers } from './socket/timers.js';
export type { TabPort, TabPortFactory } from './tabs/tab-channel.js';

// Yjs transaction origins an app's own observers tell apart.
export { ORIGIN, type Origin } from '@cairn/shared';

// Geometry the app passes in and gets back (meters, WebXR convention; DESIGN.md section 6).
export type { Pose, Vec3, Quat, GeoPoint, Anchor, AnchorPose, PlatformRef } from '@cairn/shared';

// Spaces: anchors, regions, queries, presence.
export type {
  AnchorChange, Anchors, CreateAnchorInput, Region, RegionInput, Space, SpaceAnchor, SpaceOptions,
} from './spatial/space-api.js';
export type { AnchorQuery } from './spatial/anchor-query.js';
export type { IndexedAnchor } from './spatial/indexed-anchor.js';
export type { LiveQuery, QueryDiff } from './spatial/live-queries.js';
export { DEFAULT_HYSTERESIS_MS } from './spatial/region.js';
export { MAX_REGION_CELLS } from './spatial/region-cover.js';
export type { LocalPresence, PeerPresence, PresenceEvent, PresenceRay, SpacePresence } from './presence/presence-api.js';
export { DEFAULT_PRESENCE_RATE_HZ, MAX_PRESENCE_RATE_HZ } from './presence/local-sender.js';

// WebXR: pose conversions, XRAnchor binding, the device's alignment to a space (P3).
export {
  toSpacePose, toReferencePose, alignmentFrom, poseFromXRPose, xrRigidTransformInit, type SpaceFromReference,
} from './xr/xr-pose.js';
export { createXRAnchorFor, restoreXRAnchor, WEBXR_PERSISTENT, type CreateXRAnchorOptions, type XRAnchorBinding } from './xr/xr-anchor.js';
export { observeXRSpace } from './xr/xr-sighting.js';
export type {
  XRAnchorLike, XRFrameLike, XRPointLike, XRPoseLike, XRRigidTransformConstructor, XRRigidTransformInit,
  XRRigidTransformLike, XRSessionLike, XRSpaceLike,
} from './xr/xr-types.js';
export type { DeviceAlignment, DeviceAlignmentOptions } from './xr/device-alignment.js';
export type { AlignmentModelChoice } from './replica/alignment-record.js';
export type {
  AlignmentFit, AlignmentModel, AlignmentObservation, AlignmentResidual, AnchorCorrespondence,
} from '@cairn/shared';
