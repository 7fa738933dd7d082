/**
 * S1 for presence: an awareness update may only speak for the Yjs clientIDs its connection owns. The
 * first time a connection sends a clientID no one owns, it claims it (up to MAX_CLAIMS); entries for
 * clientIDs owned by another connection are dropped, so no one can overwrite or remove another client's
 * presence. Ownership is per room and released when the connection leaves (its states are removed). A
 * clientID whose state came from another node cannot be claimed here either: that client is connected there.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type { Room } from '../room/room.js';

const MAX_CLAIMS = 4;
const owners = new WeakMap<Room, Map<number, object>>();

function ownersOf(room: Room): Map<number, object> {
  let m = owners.get(room);
  if (!m) owners.set(room, (m = new Map()));
  return m;
}

/** Applies the allowed part of an awareness update to the room; returns false if nothing was allowed. */
export function applyGuardedPresence(room: Room, payload: Uint8Array, connection: object): boolean {
  const own = ownersOf(room);
  const dec = decoding.createDecoder(payload);
  const enc = encoding.createEncoder();
  let kept = 0;
  try {
    const n = decoding.readVarUint(dec);
    const entries: Array<[number, number, string]> = [];
    for (let i = 0; i < n; i++) entries.push([decoding.readVarUint(dec), decoding.readVarUint(dec), decoding.readVarString(dec)]);
    if (decoding.hasContent(dec)) return false;
    const allowed = entries.filter(([id]) => {
      const owner = own.get(id);
      if (owner === connection) return true;
      if (owner !== undefined) return false;
      // A state no connection here owns came from another node (room.applyRemotePresence): its client's.
      if (room.awareness.getStates().has(id)) return false;
      const mine = [...own.values()].filter((o) => o === connection).length;
      if (mine >= MAX_CLAIMS) return false;
      own.set(id, connection);
      return true;
    });
    encoding.writeVarUint(enc, allowed.length);
    for (const [id, clock, state] of allowed) {
      encoding.writeVarUint(enc, id);
      encoding.writeVarUint(enc, clock);
      encoding.writeVarString(enc, state);
    }
    kept = allowed.length;
  } catch {
    return false;
  }
  if (kept === 0) return false;
  applyAwarenessUpdate(room.awareness, encoding.toUint8Array(enc), connection);
  return true;
}

/** Removes the presence of every clientID the connection owns in the room (it left). */
export function releasePresence(room: Room, connection: object): void {
  const own = owners.get(room);
  if (!own) return;
  const ids = [...own].filter(([, o]) => o === connection).map(([id]) => id);
  for (const id of ids) own.delete(id);
  if (ids.length > 0) removeAwarenessStates(room.awareness, ids, 'server');
}
