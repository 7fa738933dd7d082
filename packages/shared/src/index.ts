export { assert, unreachable, AssertionError } from './assert.js';
export {
  ErrorCodes, CairnError, isCairnError, isErrorCode, toCairnError, isRetryable, errorCodeFromNum, closeCodeFor, errorCodeFromClose,
  type ErrorCode,
} from './errors.js';
export { parseDocId, isValidDocId, isValidSegment, spaceOf, newClientId, isValidClientId, type DocRef } from './ids.js';
export { DEFAULT_LIMITS } from './limits.js';
export {
  PROTOCOL_VERSION, MIN_PROTOCOL_VERSION, DOC_DELETED_MIN_PROTOCOL_VERSION, wireCodeFor, FrameType, encodeFrame, decodeFrame, rejectFrame, MAX_TOKEN_BYTES, MAX_PEER_POSES_PER_FRAME,
  type Frame, type FrameTypeName, type HelloFrame, type WelcomeFrame, type SubFrame, type UnsubFrame,
  type PushFrame, type AckFrame, type RejectFrame, type SyncFrame, type UpdateFrame, type PresenceFrame,
  type PingFrame, type PongFrame, type PushPartFrame, type PoseFrame, type PeerPoseFrame, type PeerPosesFrame, type PeerPoseEntry,
} from './protocol/frames.js';
export {
  encodePresenceRecord, decodePresenceRecord, leaveRecordBytes,
  type PresenceRecord, type PresenceRay, type PresenceRecordLimits,
} from './presence/presence-record.js';
export { POSITION_STEP_M, MAX_PRESENCE_COORD_M } from './presence/quantize.js';
export { jsonDepth } from './presence/json-depth.js';
export { ORIGIN, type Origin } from './origins.js';
export {
  SocketState, toBytes,
  type ClientSocket, type ClientSocketFactory, type SessionSocket, type SessionHandle, type SessionAcceptor,
} from './socket/socket.js';
export { createMemoryNetwork, type MemoryNetwork, type Deliver } from './socket/memory-socket.js';
export { isVec3, vec3Add, vec3Sub, vec3Scale, vec3Dot, vec3Cross, vec3Length, vec3Distance, type Vec3 } from './spatial/vec3.js';
export {
  identityQuat, isQuat, normalizeQuat, multiplyQuat, conjugateQuat, rotateVec3, quatFromAxisAngle, quatAngleDeg,
  type Quat,
} from './spatial/quat.js';
export { identityPose, isPose, transformPoint, composePose, invertPose, poseDistance, type Pose, type PoseDistance } from './spatial/pose.js';
export {
  WGS84, geodeticToEcef, ecefToGeodetic, checkGeoPoint, createGeoFrame, geodeticToLocal, localToGeodetic,
  type GeoPoint, type GeoFrame,
} from './spatial/geodetic.js';
export { MAX_GEOHASH_PRECISION, checkLatLon, checkRadius, type LatLon } from './spatial/geo-validate.js';
export { EARTH_RADIUS_M, distanceM, distanceToRectM, lonGapDeg, type GeoRect } from './spatial/geo-distance.js';
export { checkGeoBox, checkGeoCircle, splitAntimeridian, circleRects, type GeoBox, type GeoCircle } from './spatial/geo-box.js';
export { cellOf, cellBounds, isGeohash } from './spatial/geohash-grid.js';
export { coverCircle, coverBox, type GeohashCover } from './spatial/geohash-cover.js';
export { createHlc, compareHlc, encodeHlc, parseHlc, isHlc, type Hlc, type HlcTimestamp } from './spatial/hlc.js';
export { newAnchorId, isUuid, isUuidV7, uuidV7Time } from './spatial/anchor-id.js';
export {
  cellDocId, cellOfDocId, readCell, isForwarded, mergeEntries, mergeAnchorView, putAnchor, setPose, markMoved,
  setProps, setExpiry, markDeleted, addPlatformRef, touchedAnchorIds, changedAnchorMaps, readEntry, rereadEntry, readPose, POSES_BIT, CELL_DOC_PREFIX, propWritesOf, copyProps, writeProps, ANCHOR_MAPS,
  type Anchor, type AnchorPose, type AnchorInit, type CellEntry, type PlatformRef,
} from './spatial/anchor-doc.js';
export { mergeProps, type PropWrite } from './spatial/anchor-props.js';
export { frameTransform, createSpaceFrame, sameGeoPoint, type SpaceFrame } from './spatial/frame-transform.js';
export {
  readSpaceMeta, writeSpaceMeta, metaDocId, spaceOfMetaDocId, DEFAULT_CELL_PRECISION, META_DOC_NAME, type SpaceMeta,
} from './spatial/space-meta.js';
export {
  fitAlignment, MIN_RIGID_ANCHORS, MIN_RIGID_SPREAD_M, DEFAULT_ORIENTATION_LEVER_M,
  type AnchorCorrespondence, type AlignmentModel, type AlignmentResidual, type AlignmentFit, type AlignmentFitOptions,
} from './spatial/alignment.js';
export {
  createAlignmentEstimator, DEFAULT_MAX_OBSERVATIONS,
  type AlignmentEstimator, type AlignmentEstimatorOptions, type AlignmentObservation,
} from './spatial/alignment-estimator.js';
