/**
 * What a node tells the others about a deletion, on the bus channel DELETIONS_CHANNEL (every node follows
 * it from start, unlike the per-doc channels: a space delete concerns rooms of docs no message names).
 * lib0-encoded: varUint kind (1 deleted, 2 restored, 3 purged), varString nodeId, tenant, space, doc
 * ('' for the whole space). A message that fails to decode is dropped: the deletion record in the Store is
 * what every room load checks (F2: the bus may drop messages, correctness never depends on it).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export const DELETIONS_CHANNEL = 'deletions';

const KINDS = ['deleted', 'restored', 'purged'] as const;

export interface DeletionMessage {
  kind: (typeof KINDS)[number];
  nodeId: string;
  tenant: string;
  space: string;
  /** Null for the whole space. */
  doc: string | null;
}

export function encodeDeletionMessage(m: DeletionMessage): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, KINDS.indexOf(m.kind) + 1);
  for (const s of [m.nodeId, m.tenant, m.space, m.doc ?? '']) encoding.writeVarString(enc, s);
  return encoding.toUint8Array(enc);
}

/** The message, or null if the bytes are not one. */
export function decodeDeletionMessage(bytes: Uint8Array): DeletionMessage | null {
  try {
    const dec = decoding.createDecoder(bytes);
    const kind = KINDS[decoding.readVarUint(dec) - 1];
    const [nodeId, tenant, space, doc] = [0, 1, 2, 3].map(() => decoding.readVarString(dec)) as [string, string, string, string];
    if (!kind || decoding.hasContent(dec) || space === '' || (doc !== '' && !doc.startsWith(`${space}/`))) return null;
    return { kind, nodeId, tenant, space, doc: doc === '' ? null : doc };
  } catch {
    return null;
  }
}
