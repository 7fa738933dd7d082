// Pose updates as a real client makes them: one Yjs transaction that sets the client's pose in a shared map,
// captured as the v1 update Yjs emits. Every update is identified by (clientID, clock) of its first struct,
// which survives the servers' re-encoding, so a receiver can find its send time without applying it.
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';

/**
 * `shape`: 'pq' sets `pose:<clientID>` to `{ p: [x, y, z], q: [x, y, z, w] }`; 'peer9'
 * sets the key `<clientID>` to a flat array of 9 numbers as the outside peer run did: position x, y, z, a
 * unit quaternion x, y, z, w, then a (sequence number, send time in ms on the performance clock) pair
 * (78-byte update, 75 for 'pq'). Receivers never read the values: latency is keyed by the update id.
 */
export function createPoseWriter(clientID, { shape = 'pq' } = {}) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const poses = doc.getMap('poses');
  let last = null;
  doc.on('update', (u) => {
    last = u;
  });
  let n = 0;
  return {
    doc,
    clientID,
    /** The next pose update and its id. */
    next() {
      const t = n++ * 0.01;
      const clock = Y.getState(doc.store, clientID);
      if (shape === 'peer9') poses.set(String(clientID), [Math.sin(t), 1.6, Math.cos(t), 0, Math.sin(t / 2), 0, Math.cos(t / 2), n, performance.now()]);
      else poses.set(`pose:${clientID}`, { p: [Math.sin(t), 1.6, Math.cos(t)], q: [0, Math.sin(t / 2), 0, Math.cos(t / 2)] });
      return { update: last, id: updateId(clientID, clock) };
    },
  };
}

/** One number per (clientID, clock); the bench keeps clientIDs below 2^20. */
export function updateId(client, clock) {
  return client * 1e8 + clock;
}

/** The id of an update's first struct (numClients, numStructs, client, clock), or -1 if it has none. */
export function readUpdateId(update) {
  try {
    const dec = decoding.createDecoder(update);
    if (decoding.readVarUint(dec) === 0) return -1;
    decoding.readVarUint(dec);
    const client = decoding.readVarUint(dec);
    return updateId(client, decoding.readVarUint(dec));
  } catch {
    return -1;
  }
}

/**
 * Every update id an update carries. A server may merge several of a client's updates into one message
 * (Cairn's /y endpoint merges what a socket sent while its last write was committing); each pose update is
 * one struct of length 1, so the merged one holds its client's clocks from..to-1. One struct: the fast path.
 */
export function readUpdateIds(update, onId) {
  try {
    const dec = decoding.createDecoder(update);
    const clients = decoding.readVarUint(dec);
    if (clients === 0) return;
    const structs = decoding.readVarUint(dec);
    if (clients === 1 && structs === 1) return onId(updateId(decoding.readVarUint(dec), decoding.readVarUint(dec)));
    const { from, to } = Y.parseUpdateMeta(update);
    for (const [client, end] of to) for (let clock = from.get(client) ?? 0; clock < end; clock++) onId(updateId(client, clock));
  } catch {
    // not a pose update: nothing to measure
  }
}
