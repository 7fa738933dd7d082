export { assert, unreachable, AssertionError } from './assert.js';
export {
  ErrorCodes, CairnError, isCairnError, isRetryable, errorCodeFromNum, closeCodeFor, errorCodeFromClose,
  type ErrorCode,
} from './errors.js';
export { parseDocId, isValidDocId, isValidSegment, spaceOf, newClientId, isValidClientId, type DocRef } from './ids.js';
export { DEFAULT_LIMITS } from './limits.js';
export {
  PROTOCOL_VERSION, FrameType, encodeFrame, decodeFrame, rejectFrame, MAX_TOKEN_BYTES,
  type Frame, type FrameTypeName, type HelloFrame, type WelcomeFrame, type SubFrame, type UnsubFrame,
  type PushFrame, type AckFrame, type RejectFrame, type SyncFrame, type UpdateFrame, type PresenceFrame,
  type PingFrame, type PongFrame,
} from './protocol/frames.js';
export { ORIGIN, type Origin } from './origins.js';
export {
  SocketState, toBytes,
  type ClientSocket, type ClientSocketFactory, type SessionSocket, type SessionHandle, type SessionAcceptor,
} from './socket/socket.js';
export { createMemoryNetwork, type MemoryNetwork, type Deliver } from './socket/memory-socket.js';
// Issue 4 (spatial) exports are appended below this line.
