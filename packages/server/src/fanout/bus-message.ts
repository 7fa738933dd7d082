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

export type BusMessage = UpdateMessage | PresenceMessage | PoseMessage | PoseSyncMessage;

const KIND = { update: 1, presence: 2, pose: 3, 'pose-sync': 4 } as const;

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
      encoding.writeVarString(enc, m.peer);
      encoding.writeVarString(enc, m.user);
      encoding.writeVarUint8Array(enc, m.record);
      encoding.writeUint8(enc, m.replay ? 1 : 0);
      break;
    case 'pose-sync':
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
      const peer = decoding.readVarString(dec);
      const user = decoding.readVarString(dec);
      const record = decoding.readVarUint8Array(dec);
      const replay = decoding.readUint8(dec);
      return replay > 1 ? null : { kind: 'pose', ...head, peer, user, record, replay: replay === 1 };
    }
    case KIND['pose-sync']:
      return { kind: 'pose-sync', ...head };
    default:
      return null;
  }
}

export function decodeBusMessage(bytes: Uint8Array): BusMessage | null {
  try {
    const dec = decoding.createDecoder(bytes);
    const kind = decoding.readVarUint(dec);
    if (kind < KIND.update || kind > KIND['pose-sync']) return null;
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
