/**
 * What one node tells the others, lib0-encoded, its first varUint naming the kind:
 * - 1, an update after its commit (⑦): `{nodeId, tenant, doc, version, update, actor}`; `actor` (the
 *   CommitRequest's, so rooms learn Yjs client owners from live commits, room/yclient-owners.ts) is a
 *   trailing field that nodes before it do not write: a message without it decodes with no actor;
 * - 2, presence (y-protocols awareness update) of a client of that node: `{nodeId, tenant, doc, payload}`.
 *   Presence is never stored: a lost one is replaced by the client's next renewal (every 15 s).
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

export type BusMessage = UpdateMessage | PresenceMessage;

const UPDATE = 1;
const PRESENCE = 2;

export function encodeBusMessage(m: BusMessage): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, m.kind === 'update' ? UPDATE : PRESENCE);
  encoding.writeVarString(enc, m.nodeId);
  encoding.writeVarString(enc, m.tenant);
  encoding.writeVarString(enc, m.doc);
  if (m.kind === 'update') {
    encoding.writeVarUint(enc, m.version);
    encoding.writeVarUint8Array(enc, m.update);
    if (m.actor !== undefined) encoding.writeVarString(enc, m.actor);
  } else {
    encoding.writeVarUint8Array(enc, m.payload);
  }
  return encoding.toUint8Array(enc);
}

export function decodeBusMessage(bytes: Uint8Array): BusMessage | null {
  try {
    const dec = decoding.createDecoder(bytes);
    const kind = decoding.readVarUint(dec);
    if (kind !== UPDATE && kind !== PRESENCE) return null;
    const head = { nodeId: decoding.readVarString(dec), tenant: decoding.readVarString(dec), doc: decoding.readVarString(dec) };
    const m: BusMessage = kind === UPDATE
      ? { kind: 'update', ...head, version: decoding.readVarUint(dec), update: decoding.readVarUint8Array(dec) }
      : { kind: 'presence', ...head, payload: decoding.readVarUint8Array(dec) };
    if (m.kind === 'update' && decoding.hasContent(dec)) m.actor = decoding.readVarString(dec);
    return decoding.hasContent(dec) ? null : m;
  } catch {
    return null;
  }
}

/** One channel per doc, tenant included (S5). */
export function channelFor(tenant: string, doc: string): string {
  return `doc:${tenant}/${doc}`;
}
