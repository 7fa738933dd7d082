/**
 * The native wire protocol (`/v1/sync`): one binary WebSocket message = one frame.
 * Paired write/read functions in the manner of y-protocols; the byte layout is documented in
 * docs/PROTOCOL.md, which is the reference if the two ever disagree (a test round-trips every frame).
 *
 *   frame   := varUint(type) body
 *   string  := varUint(byteLength) utf8
 *   bytes   := varUint(length) raw
 *
 * Decoding validates everything (S3, C3 start here): unknown types, truncated bodies, trailing bytes,
 * oversized strings and bad doc ids raise a CairnError; nothing is ever half-parsed.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { CairnError, ErrorCodes, errorCodeFromNum, type ErrorCode } from '../errors.js';
import { isValidClientId, parseDocId } from '../ids.js';

/**
 * Version 2 added the limits of A3 to `welcome` and the `push-part` frame; version 3 the presence frames
 * `pose`, `peer-pose` and `peer-poses` (P4) and their limits in `welcome`; version 4 the server's epoch in
 * `welcome` and the server's state vector in `sync` (L3). A server also accepts an older hello and answers
 * it with a welcome of that version, which such a client decodes, and sends it no frame it does not know.
 */
export const PROTOCOL_VERSION = 4;
export const MIN_PROTOCOL_VERSION = 1;

/**
 * The oldest protocol version whose clients know DOC_DELETED (35). A client that does not reads 35 as
 * INTERNAL, which is retryable: it would keep a refused push only until an ack covering its seq deleted
 * it, a silent loss (O7). A session of an older hello is sent FORBIDDEN for it instead (docDeletedCodeFor),
 * which every version dead-letters. Version 4 is the first released with code 35 (docs/PROTOCOL.md, reject).
 */
export const DOC_DELETED_MIN_PROTOCOL_VERSION = 4;

/** The code a session of `protocolVersion` is sent for `code` (see DOC_DELETED_MIN_PROTOCOL_VERSION). */
export function wireCodeFor(code: ErrorCode, protocolVersion: number): ErrorCode {
  return code === 'DOC_DELETED' && protocolVersion < DOC_DELETED_MIN_PROTOCOL_VERSION ? 'FORBIDDEN' : code;
}

export const FrameType = {
  hello: 0,
  welcome: 1,
  sub: 2,
  unsub: 3,
  push: 4,
  ack: 5,
  reject: 6,
  sync: 7,
  update: 8,
  presence: 9,
  ping: 10,
  pong: 11,
  'push-part': 12,
  pose: 13,
  'peer-pose': 14,
  'peer-poses': 15,
} as const;
export type FrameTypeName = keyof typeof FrameType;

export interface HelloFrame { type: 'hello'; protocolVersion: number; clientId: string; token: string }
/**
 * The server's limits (A3). `maxUpdateBytes` and `maxPushesPerSecond` are on the wire from version 2 on; a
 * version 1 welcome decodes with both 0 (not stated: no fragments, no known rate).
 */
export interface WelcomeFrame {
  type: 'welcome'; protocolVersion: number; nodeId: string; heartbeatMs: number; maxPayload: number;
  maxUpdateBytes: number; maxPushesPerSecond: number;
  /** Version 3 on (0 before): the pose frames a socket may send per second, and when a silent peer is gone (P4). */
  maxPosesPerSecond: number; presenceTimeoutMs: number;
  /**
   * Version 4 on ('' before): the id of the database's history (L3). It changes when the database is
   * restored to an earlier point (import, `cairn-server new-epoch`); a replica that saw another one pushes
   * again what the server lacks.
   */
  epoch: string;
}
export interface SubFrame { type: 'sub'; doc: string; stateVector: Uint8Array }
export interface UnsubFrame { type: 'unsub'; doc: string }
export interface PushFrame { type: 'push'; doc: string; seq: number; update: Uint8Array }
/**
 * One fragment of a push whose frame would exceed maxPayload (A3): bytes [offset, offset + bytes.length) of
 * an update of `total` bytes. Parts of one push go in offset order, with no other push between them.
 */
export interface PushPartFrame { type: 'push-part'; doc: string; seq: number; total: number; offset: number; bytes: Uint8Array }
export interface AckFrame { type: 'ack'; seq: number }
export interface RejectFrame { type: 'reject'; code: ErrorCode; seq: number | null; doc: string | null; message: string }
/**
 * The answer to `sub`: what the client lacks given its state vector, and the doc's version (O3). From
 * version 4 the server also sends its own state vector of the doc (flag bit 1), so a replica can push what
 * a restored server lacks (L3); absent before.
 */
export interface SyncFrame { type: 'sync'; doc: string; version: number; writable: boolean; update: Uint8Array; stateVector?: Uint8Array }
export interface UpdateFrame { type: 'update'; doc: string; version: number; update: Uint8Array }
/** An awareness update (y-protocols/awareness encoding) relayed to the doc's other subscribers. */
export interface PresenceFrame { type: 'presence'; doc: string; payload: Uint8Array }
/**
 * A device's own presence record (shared/src/presence/presence-record.ts) for the cell doc it is in; the
 * sender must be subscribed to the doc. Relayed to the doc's other subscribers, never stored (P4).
 */
export interface PoseFrame { type: 'pose'; doc: string; record: Uint8Array }
/**
 * A peer's presence record as the server relays it: `peer` is the sender's clientId and `user` its token's
 * subject ('' when anonymous), both set by the server from the authenticated session, never by the sender.
 */
export interface PeerPoseFrame { type: 'peer-pose'; doc: string; peer: string; user: string; record: Uint8Array }
/** One relayed record of a `peer-poses` frame: a `peer-pose` without its frame type. */
export type PeerPoseEntry = Omit<PeerPoseFrame, 'type'>;
/**
 * The records the server relays to one socket within one event-loop turn, in the order it relayed them,
 * for any of its docs: one WebSocket message instead of one per record (protocol 3; a server still sends a
 * lone record as `peer-pose`). Each entry means exactly what the same `peer-pose` would.
 */
export interface PeerPosesFrame { type: 'peer-poses'; poses: PeerPoseEntry[] }
export interface PingFrame { type: 'ping'; id: number }
export interface PongFrame { type: 'pong'; id: number }

export type Frame =
  | HelloFrame | WelcomeFrame | SubFrame | UnsubFrame | PushFrame | AckFrame | RejectFrame
  | SyncFrame | UpdateFrame | PresenceFrame | PingFrame | PongFrame | PushPartFrame | PoseFrame | PeerPoseFrame | PeerPosesFrame;

export const MAX_TOKEN_BYTES = 8192;
export const MAX_STRING_BYTES = 1024;
/** Entries in one `peer-poses` frame: a sender splits a longer turn into several frames; more is MALFORMED_FRAME. */
export const MAX_PEER_POSES_PER_FRAME = 1024;

function writeDoc(enc: encoding.Encoder, doc: string): void {
  encoding.writeVarString(enc, doc);
}

export function encodeFrame(frame: Frame): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, FrameType[frame.type]);
  switch (frame.type) {
    case 'hello':
      // The version comes first so that any future hello can still be told apart from this one.
      writeUint(enc, frame.protocolVersion, 'protocolVersion');
      encoding.writeVarString(enc, frame.clientId);
      encoding.writeVarString(enc, frame.token);
      break;
    case 'welcome':
      writeUint(enc, frame.protocolVersion, 'protocolVersion');
      encoding.writeVarString(enc, frame.nodeId);
      writeUint(enc, frame.heartbeatMs, 'heartbeatMs');
      writeUint(enc, frame.maxPayload, 'maxPayload');
      if (frame.protocolVersion >= 2) {
        writeUint(enc, frame.maxUpdateBytes, 'maxUpdateBytes');
        writeUint(enc, frame.maxPushesPerSecond, 'maxPushesPerSecond');
      }
      if (frame.protocolVersion >= 3) {
        writeUint(enc, frame.maxPosesPerSecond, 'maxPosesPerSecond');
        writeUint(enc, frame.presenceTimeoutMs, 'presenceTimeoutMs');
      }
      if (frame.protocolVersion >= 4) encoding.writeVarString(enc, frame.epoch);
      break;
    case 'sub':
      writeDoc(enc, frame.doc);
      encoding.writeVarUint8Array(enc, frame.stateVector);
      break;
    case 'unsub':
      writeDoc(enc, frame.doc);
      break;
    case 'push':
      writeDoc(enc, frame.doc);
      writeUint(enc, frame.seq, 'seq');
      encoding.writeVarUint8Array(enc, frame.update);
      break;
    case 'ack':
      writeUint(enc, frame.seq, 'seq');
      break;
    case 'reject': {
      encoding.writeVarUint(enc, ErrorCodes[frame.code].num);
      // flags: bit 0 = has seq, bit 1 = has doc
      encoding.writeUint8(enc, (frame.seq === null ? 0 : 1) | (frame.doc === null ? 0 : 2));
      if (frame.seq !== null) writeUint(enc, frame.seq, 'seq');
      if (frame.doc !== null) writeDoc(enc, frame.doc);
      encoding.writeVarString(enc, frame.message);
      break;
    }
    case 'sync': {
      writeDoc(enc, frame.doc);
      writeUint(enc, frame.version, 'version');
      // flags: bit 0 = writable, bit 1 = the server's state vector follows the update (version 4)
      const sv = frame.stateVector ?? null;
      encoding.writeUint8(enc, (frame.writable ? 1 : 0) | (sv === null ? 0 : 2));
      encoding.writeVarUint8Array(enc, frame.update);
      if (sv !== null) encoding.writeVarUint8Array(enc, sv);
      break;
    }
    case 'update':
      writeDoc(enc, frame.doc);
      writeUint(enc, frame.version, 'version');
      encoding.writeVarUint8Array(enc, frame.update);
      break;
    case 'presence':
      writeDoc(enc, frame.doc);
      encoding.writeVarUint8Array(enc, frame.payload);
      break;
    case 'ping':
    case 'pong':
      writeUint(enc, frame.id, 'id');
      break;
    case 'push-part':
      writeDoc(enc, frame.doc);
      writeUint(enc, frame.seq, 'seq');
      writeUint(enc, frame.total, 'total');
      writeUint(enc, frame.offset, 'offset');
      encoding.writeVarUint8Array(enc, frame.bytes);
      break;
    case 'pose':
      writeDoc(enc, frame.doc);
      encoding.writeVarUint8Array(enc, frame.record);
      break;
    case 'peer-pose':
      writeDoc(enc, frame.doc);
      encoding.writeVarString(enc, frame.peer);
      encoding.writeVarString(enc, frame.user);
      encoding.writeVarUint8Array(enc, frame.record);
      break;
    case 'peer-poses':
      writePeerPoses(enc, frame.poses);
      break;
  }
  return encoding.toUint8Array(enc);
}

/**
 * `peer-poses` body: the docs once, then each entry's doc as an index into them (a socket's records of one
 * turn are mostly of one or two cell docs, each id ~20 bytes).
 *   varUint(docCount) string(doc)*docCount varUint(count) (varUint(docIndex) string(peer) string(user) bytes(record))*count
 */
function writePeerPoses(enc: encoding.Encoder, poses: readonly PeerPoseEntry[]): void {
  if (poses.length === 0 || poses.length > MAX_PEER_POSES_PER_FRAME) throw new CairnError('BAD_REQUEST', `peer-poses holds 1-${MAX_PEER_POSES_PER_FRAME} entries`);
  const docs: string[] = [];
  for (const p of poses) if (!docs.includes(p.doc)) docs.push(p.doc);
  encoding.writeVarUint(enc, docs.length);
  for (const doc of docs) writeDoc(enc, doc);
  encoding.writeVarUint(enc, poses.length);
  for (const p of poses) {
    encoding.writeVarUint(enc, docs.indexOf(p.doc));
    encoding.writeVarString(enc, p.peer);
    encoding.writeVarString(enc, p.user);
    encoding.writeVarUint8Array(enc, p.record);
  }
}

function readPeerPoses(dec: decoding.Decoder): PeerPosesFrame {
  const docCount = readUint(dec);
  if (docCount < 1 || docCount > MAX_PEER_POSES_PER_FRAME) throw new CairnError('MALFORMED_FRAME', `peer-poses names 1-${MAX_PEER_POSES_PER_FRAME} docs`);
  const docs: string[] = [];
  for (let i = 0; i < docCount; i++) docs.push(readDoc(dec));
  const count = readUint(dec);
  if (count < docCount || count > MAX_PEER_POSES_PER_FRAME) throw new CairnError('MALFORMED_FRAME', `peer-poses holds ${docCount}-${MAX_PEER_POSES_PER_FRAME} entries, not ${count}`);
  const poses: PeerPoseEntry[] = [];
  for (let i = 0; i < count; i++) {
    const doc = docs[readUint(dec)];
    if (doc === undefined) throw new CairnError('MALFORMED_FRAME', 'peer-poses entry names no listed doc');
    const peer = readString(dec, 64, 'peer');
    const user = readString(dec, MAX_STRING_BYTES, 'user');
    poses.push({ doc, peer, user, record: decoding.readVarUint8Array(dec) });
  }
  return { type: 'peer-poses', poses };
}

function readString(dec: decoding.Decoder, maxBytes: number, what: string): string {
  const len = decoding.peekVarUint(dec);
  if (len > maxBytes) throw new CairnError('MALFORMED_FRAME', `${what} longer than ${maxBytes} bytes`);
  return decoding.readVarString(dec);
}

function readDoc(dec: decoding.Decoder): string {
  const doc = readString(dec, MAX_STRING_BYTES, 'doc id');
  parseDocId(doc); // throws INVALID_DOC_ID
  return doc;
}

/** A varUint that must be a safe integer: lib0 lets values past 2^53 - 1 through with lost precision. */
function readUint(dec: decoding.Decoder): number {
  const v = decoding.readVarUint(dec);
  if (!Number.isSafeInteger(v)) throw new CairnError('MALFORMED_FRAME', 'integer out of range');
  return v;
}

function writeUint(enc: encoding.Encoder, v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new CairnError('BAD_REQUEST', `${what} must be an integer in [0, 2^53)`);
  encoding.writeVarUint(enc, v);
}

function readFlag(dec: decoding.Decoder, max: number): number {
  const v = decoding.readUint8(dec);
  if (v > max) throw new CairnError('MALFORMED_FRAME', `flag byte ${v} out of range`);
  return v;
}

/**
 * Decodes one frame. Throws CairnError with MALFORMED_FRAME, PROTOCOL_VERSION (a hello of another
 * version) or INVALID_DOC_ID; never returns a partly parsed frame.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  const dec = decoding.createDecoder(bytes);
  let frame: Frame;
  try {
    frame = readBody(dec);
  } catch (err) {
    if (err instanceof CairnError) throw err;
    throw new CairnError('MALFORMED_FRAME', err instanceof Error ? err.message : 'decode failed');
  }
  if (decoding.hasContent(dec)) throw new CairnError('MALFORMED_FRAME', 'trailing bytes after frame');
  return frame;
}

function readBody(dec: decoding.Decoder): Frame {
  if (!decoding.hasContent(dec)) throw new CairnError('MALFORMED_FRAME', 'empty frame');
  const tag = readUint(dec);
  switch (tag) {
    case FrameType.hello: {
      const protocolVersion = readUint(dec);
      if (protocolVersion < MIN_PROTOCOL_VERSION || protocolVersion > PROTOCOL_VERSION) {
        throw new CairnError('PROTOCOL_VERSION', `client speaks ${protocolVersion}, server speaks ${MIN_PROTOCOL_VERSION}-${PROTOCOL_VERSION}`);
      }
      const clientId = readString(dec, 64, 'clientId');
      if (!isValidClientId(clientId)) throw new CairnError('MALFORMED_FRAME', 'clientId is not 8-64 of [A-Za-z0-9:_-]');
      const token = readString(dec, MAX_TOKEN_BYTES, 'token');
      return { type: 'hello', protocolVersion, clientId, token };
    }
    case FrameType.welcome: {
      const protocolVersion = readUint(dec);
      const nodeId = readString(dec, MAX_STRING_BYTES, 'nodeId');
      const heartbeatMs = readUint(dec);
      const maxPayload = readUint(dec);
      const v2 = protocolVersion >= 2;
      const maxUpdateBytes = v2 ? readUint(dec) : 0;
      const maxPushesPerSecond = v2 ? readUint(dec) : 0;
      const v3 = protocolVersion >= 3;
      const maxPosesPerSecond = v3 ? readUint(dec) : 0;
      const presenceTimeoutMs = v3 ? readUint(dec) : 0;
      const epoch = protocolVersion >= 4 ? readString(dec, MAX_STRING_BYTES, 'epoch') : '';
      return {
        type: 'welcome', protocolVersion, nodeId, heartbeatMs, maxPayload, maxUpdateBytes, maxPushesPerSecond,
        maxPosesPerSecond, presenceTimeoutMs, epoch,
      };
    }
    case FrameType.sub:
      return { type: 'sub', doc: readDoc(dec), stateVector: decoding.readVarUint8Array(dec) };
    case FrameType.unsub:
      return { type: 'unsub', doc: readDoc(dec) };
    case FrameType.push:
      return { type: 'push', doc: readDoc(dec), seq: readUint(dec), update: decoding.readVarUint8Array(dec) };
    case FrameType.ack:
      return { type: 'ack', seq: readUint(dec) };
    case FrameType.reject: {
      const num = readUint(dec);
      // A code from a newer server that this build does not know is treated as an internal error.
      const code = errorCodeFromNum(num) ?? 'INTERNAL';
      const flags = readFlag(dec, 3);
      const seq = flags & 1 ? readUint(dec) : null;
      const doc = flags & 2 ? readDoc(dec) : null;
      const message = readString(dec, MAX_STRING_BYTES, 'message');
      return { type: 'reject', code, seq, doc, message };
    }
    case FrameType.sync: {
      const doc = readDoc(dec);
      const version = readUint(dec);
      const flags = readFlag(dec, 3);
      const update = decoding.readVarUint8Array(dec);
      const frame: SyncFrame = { type: 'sync', doc, version, writable: (flags & 1) === 1, update };
      if (flags & 2) frame.stateVector = decoding.readVarUint8Array(dec);
      return frame;
    }
    case FrameType.update:
      return { type: 'update', doc: readDoc(dec), version: readUint(dec), update: decoding.readVarUint8Array(dec) };
    case FrameType.presence:
      return { type: 'presence', doc: readDoc(dec), payload: decoding.readVarUint8Array(dec) };
    case FrameType.ping:
      return { type: 'ping', id: readUint(dec) };
    case FrameType.pong:
      return { type: 'pong', id: readUint(dec) };
    case FrameType['push-part']: {
      const doc = readDoc(dec);
      const seq = readUint(dec);
      const total = readUint(dec);
      const offset = readUint(dec);
      const bytes = decoding.readVarUint8Array(dec);
      if (bytes.byteLength === 0 || offset + bytes.byteLength > total) {
        throw new CairnError('MALFORMED_FRAME', 'push-part bytes must be non-empty and end within total');
      }
      return { type: 'push-part', doc, seq, total, offset, bytes };
    }
    case FrameType.pose:
      return { type: 'pose', doc: readDoc(dec), record: decoding.readVarUint8Array(dec) };
    case FrameType['peer-pose']: {
      const doc = readDoc(dec);
      const peer = readString(dec, 64, 'peer');
      const user = readString(dec, MAX_STRING_BYTES, 'user');
      return { type: 'peer-pose', doc, peer, user, record: decoding.readVarUint8Array(dec) };
    }
    case FrameType['peer-poses']:
      return readPeerPoses(dec);
    default:
      throw new CairnError('MALFORMED_FRAME', `unknown frame type ${tag}`);
  }
}

/** A reject frame for a code, with the catalog message unless a more specific one is given. */
export function rejectFrame(code: ErrorCode, opts: { seq?: number; doc?: string; message?: string } = {}): RejectFrame {
  return { type: 'reject', code, seq: opts.seq ?? null, doc: opts.doc ?? null, message: opts.message ?? ErrorCodes[code].message };
}
