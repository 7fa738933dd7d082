/**
 * What one node tells the others, lib0-encoded, its first varUint naming the kind:
 * - 1, an update after its commit (⑦): `{nodeId, tenant, doc, version, update, actor}`; `actor` (the
 *   CommitRequest's, so rooms learn Yjs client owners from live commits, room/yclient-owners.ts) is a
 *   trailing field that nodes before it do not write: a message without it decodes with no actor;
 * - 2, presence (y-protocols awareness update) of a client of that node: `{nodeId, tenant, doc, payload}`.
 *   Presence is never stored: a lost one is replaced by the client's next renewal (every 15 s).
 * - 3, a presence record (P4) of a client of that node: `{nodeId, tenant, doc, peer, user, record, replay}`;
 *   `peer` and `user` are the sending session's (never the record's), `replay` marks a record re-sent for
 *   a presence-sync request rather than a live one (room/peer-poses.ts keeps a replay only if it is newer);
 * - 4, a presence-sync request: `{nodeId, tenant, doc}`; a node that starts following a doc asks the others
 *   to replay their local peers' cached records, so its joiners get every peer's state at once.
 * - 5, the presence records of one doc published in one event-loop turn, in order:
 *   `{nodeId, tenant, doc, count, (peer, user, record, replay)*count}` with 2 ≤ count ≤ MAX_BUS_POSES; each
 *   entry means exactly what the same kind 3 message would (a node publishes a turn's lone record as kind
 *   3, so a node that predates kind 5 still gets those; it drops a kind 5 as undecodable).
 * A message that fails to decode is dropped; for updates the next one (or a resync) repairs the gap (F2).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export interface UpdateMessage {
  kind: 'update';
  nodeId: string;
  tenant: string;
  doc: string;
  version: number;
  update: Uint8Array;
  /** Who wrote it; absent in a message from a node that does not send it. */
  actor?: string;
}

export interface PresenceMessage {
  kind: 'presence';
  nodeId: string;
  tenant: string;
  doc: string;
  payload: Uint8Array;
}

export interface PoseMessage {
  kind: 'pose';
  nodeId: string;
  tenant: string;
  doc: string;
  /** The sending session's clientId (C5) and principal subject ('' if none). */
  peer: string;
  user: string;
  /** The presence record's bytes, as the client sent them. */
  record: Uint8Array;
  replay: boolean;
}

export interface PoseSyncMessage {
  kind: 'pose-sync';
  nodeId: string;
  tenant: string;
  doc: string;
}

export type PoseEntry = Pick<PoseMessage, 'peer' | 'user' | 'record' | 'replay'>;

export interface PosesMessage {
  kind: 'poses';
  nodeId: string;
  tenant: string;
  doc: string;
  poses: PoseEntry[];
}

export type BusMessage = UpdateMessage | PresenceMessage | PoseMessage | PoseSyncMessage | PosesMessage;

/** Entries in one kind 5 message: a longer turn is published as several. */
export const MAX_BUS_POSES = 1024;

const KIND = { update: 1, presence: 2, pose: 3, 'pose-sync': 4, poses: 5 } as const;

function writePose(enc: encoding.Encoder, p: PoseEntry): void {
  encoding.writeVarString(enc, p.peer);
  encoding.writeVarString(enc, p.user);
  encoding.writeVarUint8Array(enc, p.record);
  encoding.writeUint8(enc, p.replay ? 1 : 0);
}

/** An entry, or null when its replay flag is out of range. */
function readPose(dec: decoding.Decoder): PoseEntry | null {
  const peer = decoding.readVarString(dec);
  const user = decoding.readVarString(dec);
  const record = decoding.readVarUint8Array(dec);
  const replay = decoding.readUint8(dec);
  return replay > 1 ? null : { peer, user, record, replay: replay === 1 };
}

export function encodeBusMessage(m: BusMessage): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, KIND[m.kind]);
  encoding.writeVarString(enc, m.nodeId);
  encoding.writeVarString(enc, m.tenant);
  encoding.writeVarString(enc, m.doc);
  switch (m.kind) {
    case 'update':
      encoding.writeVarUint(enc, m.version);
      encoding.writeVarUint8Array(enc, m.update);
      if (m.actor !== undefined) encoding.writeVarString(enc, m.actor);
      break;
    case 'presence':
      encoding.writeVarUint8Array(enc, m.payload);
      break;
    case 'pose':
      writePose(enc, m);
      break;
    case 'pose-sync':
      break;
    case 'poses':
      encoding.writeVarUint(enc, m.poses.length);
      for (const p of m.poses) writePose(enc, p);
      break;
  }
  return encoding.toUint8Array(enc);
}

function readBody(kind: number, dec: decoding.Decoder, head: { nodeId: string; tenant: string; doc: string }): BusMessage | null {
  switch (kind) {
    case KIND.update: {
      const m: UpdateMessage = { kind: 'update', ...head, version: decoding.readVarUint(dec), update: decoding.readVarUint8Array(dec) };
      if (decoding.hasContent(dec)) m.actor = decoding.readVarString(dec);
      return m;
    }
    case KIND.presence:
      return { kind: 'presence', ...head, payload: decoding.readVarUint8Array(dec) };
    case KIND.pose: {
      const p = readPose(dec);
      return p && { kind: 'pose', ...head, ...p };
    }
    case KIND['pose-sync']:
      return { kind: 'pose-sync', ...head };
    case KIND.poses: {
      const count = decoding.readVarUint(dec);
      if (count < 2 || count > MAX_BUS_POSES) return null;
      const poses: PoseEntry[] = [];
      for (let i = 0; i < count; i++) {
        const p = readPose(dec);
        if (!p) return null;
        poses.push(p);
      }
      return { kind: 'poses', ...head, poses };
    }
    default:
      return null;
  }
}

export function decodeBusMessage(bytes: Uint8Array): BusMessage | null {
  try {
    const dec = decoding.createDecoder(bytes);
    const kind = decoding.readVarUint(dec);
    if (kind < KIND.update || kind > KIND.poses) return null;
    const head = { nodeId: decoding.readVarString(dec), tenant: decoding.readVarString(dec), doc: decoding.readVarString(dec) };
    const m = readBody(kind, dec, head);
    return !m || decoding.hasContent(dec) ? null : m;
  } catch {
    return null;
  }
}

/** One channel per doc, tenant included (S5). */
export function channelFor(tenant: string, doc: string): string {
  return `doc:${tenant}/${doc}`;
}
