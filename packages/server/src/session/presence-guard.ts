/**
 * S1 for presence: an awareness update may only speak for the Yjs clientIDs its connection owns. The
 * first time a connection sends a clientID no one owns, it claims it (up to MAX_CLAIMS); entries for
 * clientIDs owned by another connection are dropped, so no one can overwrite or remove another client's
 * presence. Ownership is per room and released when the connection leaves (its states are removed). A
 * clientID whose state came from another node cannot be claimed here either: that client is connected there.
 */
import * as encoding from 'lib0/encoding';
import { applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type { Room } from '../room/room.js';
import { readPresence, type PresenceLimits } from '../room/presence-payload.js';

const MAX_CLAIMS = 4;
const owners = new WeakMap<Room, Map<number, object>>();

function ownersOf(room: Room): Map<number, object> {
  let m = owners.get(room);
  if (!m) owners.set(room, (m = new Map()));
  return m;
}

/**
 * Checks an awareness update (room/presence-payload.ts) and applies the allowed part of it to the room.
 * Returns INVALID_PRESENCE, with nothing applied, if the update does not decode or a state is not JSON, too
 * large or too deep; null otherwise (entries for clientIDs the connection may not speak for are dropped).
 */
export function applyGuardedPresence(room: Room, payload: Uint8Array, connection: object, limits: PresenceLimits): 'INVALID_PRESENCE' | null {
  const read = readPresence(payload, limits);
  if (!read.ok) return 'INVALID_PRESENCE';
  const own = ownersOf(room);
  const allowed = read.entries.filter(({ clientID: id }) => {
    const owner = own.get(id);
    if (owner === connection) return true;
    if (owner !== undefined) return false;
    // The room's own clientID: its awareness would renew that state forever instead of timing it out.
    if (id === room.awareness.clientID) return false;
    // A state no connection here owns came from another node (room.applyRemotePresence): its client's.
    if (room.awareness.getStates().has(id)) return false;
    const mine = [...own.values()].filter((o) => o === connection).length;
    if (mine >= MAX_CLAIMS) return false;
    own.set(id, connection);
    return true;
  });
  if (allowed.length === 0) return null;
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, allowed.length);
  for (const { clientID, clock, state } of allowed) {
    encoding.writeVarUint(enc, clientID);
    encoding.writeVarUint(enc, clock);
    encoding.writeVarString(enc, state);
  }
  applyAwarenessUpdate(room.awareness, encoding.toUint8Array(enc), connection);
  return null;
}

/** Removes the presence of every clientID the connection owns in the room (it left). */
export function releasePresence(room: Room, connection: object): void {
  const own = owners.get(room);
  if (!own) return;
  const ids = [...own].filter(([, o]) => o === connection).map(([id]) => id);
  for (const id of ids) own.delete(id);
  if (ids.length > 0) removeAwarenessStates(room.awareness, ids, 'server');
}
