/**
 * The bytes of cairn_snapshots.owners: a snapshot's Yjs client owners (store.ts YClientOwners) as lib0
 * varUint count, then per client varUint clientID and varString subject, in ascending clientID order so
 * the same owners always give the same bytes.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { YClientOwners } from './store.js';

export function encodeSnapshotOwners(owners: YClientOwners): Uint8Array {
  const enc = encoding.createEncoder();
  const clients = [...owners.keys()].sort((a, b) => a - b);
  encoding.writeVarUint(enc, clients.length);
  for (const c of clients) {
    encoding.writeVarUint(enc, c);
    encoding.writeVarString(enc, owners.get(c)!);
  }
  return encoding.toUint8Array(enc);
}

/** Throws on bytes this module did not write (the Store maps that to STORE_UNAVAILABLE). */
export function decodeSnapshotOwners(bytes: Uint8Array): Map<number, string> {
  const dec = decoding.createDecoder(bytes);
  const owners = new Map<number, string>();
  for (let n = decoding.readVarUint(dec); n > 0; n--) {
    const client = decoding.readVarUint(dec);
    owners.set(client, decoding.readVarString(dec));
  }
  if (decoding.hasContent(dec)) throw new Error('trailing bytes after the snapshot owners');
  return owners;
}
