/**
 * What one node tells the others after a commit (⑦): `{nodeId, tenant, doc, version, update}`, lib0-encoded.
 * A message that fails to decode is dropped; the next one (or a resync) repairs the gap (F2).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export interface BusMessage {
  nodeId: string;
  tenant: string;
  doc: string;
  version: number;
  update: Uint8Array;
}

const MESSAGE_VERSION = 1;

export function encodeBusMessage(m: BusMessage): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, MESSAGE_VERSION);
  encoding.writeVarString(enc, m.nodeId);
  encoding.writeVarString(enc, m.tenant);
  encoding.writeVarString(enc, m.doc);
  encoding.writeVarUint(enc, m.version);
  encoding.writeVarUint8Array(enc, m.update);
  return encoding.toUint8Array(enc);
}

export function decodeBusMessage(bytes: Uint8Array): BusMessage | null {
  try {
    const dec = decoding.createDecoder(bytes);
    if (decoding.readVarUint(dec) !== MESSAGE_VERSION) return null;
    const m: BusMessage = {
      nodeId: decoding.readVarString(dec),
      tenant: decoding.readVarString(dec),
      doc: decoding.readVarString(dec),
      version: decoding.readVarUint(dec),
      update: decoding.readVarUint8Array(dec),
    };
    return decoding.hasContent(dec) ? null : m;
  } catch {
    return null;
  }
}

/** One channel per doc, tenant included (S5). */
export function channelFor(tenant: string, doc: string): string {
  return `doc:${tenant}/${doc}`;
}
