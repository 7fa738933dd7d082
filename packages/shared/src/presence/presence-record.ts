/**
 * One presence record (P4): what a user's device says about itself, at up to its display rate. It travels
 * inside a `pose` frame (client to server) and a `peer-pose` frame (server to client), never stored.
 *
 *   record := flags:uint8 seq:varUint [head:pose] [left:pose] [right:pose] [ray] [state]
 *   flags  := bit 0 head, 1 left hand, 2 right hand, 3 ray, 4 state, 5 leave (alone: no other bit)
 *   pose   := position rotation          (quantize.ts: 0.5 mm steps; smallest-three in 6 bytes)
 *   ray    := position direction         (origin, then an octahedral unit direction in 4 bytes)
 *   state  := varUint8Array              (UTF-8 JSON, at most maxPresenceAppStateBytes, depth ≤ 16)
 *
 * `seq` grows with every record a device sends (a server-made leave has 0), so a receiver can drop one that
 * arrives after a newer one. Poses are in the space frame. The app state is a part of a record only when it
 * changed (or on the keepalive that renews it); a receiver keeps the last one it got.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { CairnError } from '../errors.js';
import type { Pose } from '../spatial/pose.js';
import type { Vec3 } from '../spatial/vec3.js';
import { jsonDepth } from './json-depth.js';
import { readDirection, readPosition, readRotation, writeDirection, writePosition, writeRotation } from './quantize.js';

export interface PresenceRay {
  origin: Vec3;
  /** Unit vector, space frame. */
  direction: Vec3;
}

export interface PresenceRecord {
  seq: number;
  /** The device leaves this cell (moved out, unsubscribed, closed); nothing else is set. */
  leave?: boolean;
  head?: Pose;
  left?: Pose;
  right?: Pose;
  ray?: PresenceRay;
  /** The app-defined state (JSON), present only when the record carries it. */
  state?: unknown;
}

export interface PresenceRecordLimits {
  maxPresenceAppStateBytes: number;
  maxPresenceDepth: number;
}

const HEAD = 1;
const LEFT = 2;
const RIGHT = 4;
const RAY = 8;
const STATE = 16;
const LEAVE = 32;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Encodes a record; a pose that is not finite or a state too large or too deep is BAD_REQUEST. */
export function encodePresenceRecord(record: Readonly<PresenceRecord>, limits: PresenceRecordLimits): Uint8Array {
  const enc = encoding.createEncoder();
  if (!Number.isSafeInteger(record.seq) || record.seq < 0) throw new CairnError('BAD_REQUEST', 'presence seq must be a safe non-negative integer');
  if (record.leave === true) {
    encoding.writeUint8(enc, LEAVE);
    encoding.writeVarUint(enc, record.seq);
    return encoding.toUint8Array(enc);
  }
  let stateBytes: Uint8Array | undefined;
  if (record.state !== undefined) {
    const text = JSON.stringify(record.state);
    if (typeof text !== 'string') throw new CairnError('BAD_REQUEST', 'presence state must be JSON');
    stateBytes = utf8.encode(text);
    if (stateBytes.byteLength > limits.maxPresenceAppStateBytes) {
      throw new CairnError('BAD_REQUEST', `presence state is ${stateBytes.byteLength} bytes, over ${limits.maxPresenceAppStateBytes}`);
    }
    if (jsonDepth(text) > limits.maxPresenceDepth) throw new CairnError('BAD_REQUEST', `presence state nests deeper than ${limits.maxPresenceDepth}`);
  }
  const flags = (record.head ? HEAD : 0) | (record.left ? LEFT : 0) | (record.right ? RIGHT : 0) | (record.ray ? RAY : 0) | (stateBytes ? STATE : 0);
  encoding.writeUint8(enc, flags);
  encoding.writeVarUint(enc, record.seq);
  for (const pose of [record.head, record.left, record.right]) {
    if (!pose) continue;
    writePosition(enc, pose.p);
    writeRotation(enc, pose.q);
  }
  if (record.ray) {
    writePosition(enc, record.ray.origin);
    writeDirection(enc, record.ray.direction);
  }
  if (stateBytes) encoding.writeVarUint8Array(enc, stateBytes);
  return encoding.toUint8Array(enc);
}

/**
 * Decodes and checks a record. Anything malformed (unknown flag, truncated, trailing bytes, a state that is
 * not UTF-8 JSON or is too large or too deep) is INVALID_PRESENCE: it comes from a broken or hostile peer.
 */
export function decodePresenceRecord(bytes: Uint8Array, limits: PresenceRecordLimits): PresenceRecord {
  const dec = decoding.createDecoder(bytes);
  try {
    const record = readRecord(dec, limits);
    if (decoding.hasContent(dec)) throw new CairnError('INVALID_PRESENCE', 'trailing bytes after the presence record');
    return record;
  } catch (err) {
    if (err instanceof CairnError) throw err;
    throw new CairnError('INVALID_PRESENCE', `presence record: ${err instanceof Error ? err.message : 'decode failed'}`);
  }
}

function readRecord(dec: decoding.Decoder, limits: PresenceRecordLimits): PresenceRecord {
  const flags = decoding.readUint8(dec);
  if (flags > 63 || ((flags & LEAVE) !== 0 && flags !== LEAVE)) throw new CairnError('INVALID_PRESENCE', `presence flags ${flags}`);
  const seq = decoding.readVarUint(dec);
  if (!Number.isSafeInteger(seq)) throw new CairnError('INVALID_PRESENCE', 'presence seq out of range');
  if (flags === LEAVE) return { seq, leave: true };
  const record: PresenceRecord = { seq };
  if (flags & HEAD) record.head = { p: readPosition(dec), q: readRotation(dec) };
  if (flags & LEFT) record.left = { p: readPosition(dec), q: readRotation(dec) };
  if (flags & RIGHT) record.right = { p: readPosition(dec), q: readRotation(dec) };
  if (flags & RAY) record.ray = { origin: readPosition(dec), direction: readDirection(dec) };
  if (flags & STATE) {
    const len = decoding.peekVarUint(dec);
    if (len > limits.maxPresenceAppStateBytes) throw new CairnError('INVALID_PRESENCE', `presence state over ${limits.maxPresenceAppStateBytes} bytes`);
    const text = fromUtf8.decode(decoding.readVarUint8Array(dec));
    if (jsonDepth(text) > limits.maxPresenceDepth) throw new CairnError('INVALID_PRESENCE', `presence state nests deeper than ${limits.maxPresenceDepth}`);
    record.state = JSON.parse(text) as unknown;
  }
  return record;
}

/** The leave record a server sends for a device whose socket, subscription or cell went away. */
export function leaveRecordBytes(): Uint8Array {
  return Uint8Array.of(LEAVE, 0);
}
