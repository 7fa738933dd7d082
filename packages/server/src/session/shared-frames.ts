/**
 * Frames that many sessions send with the same bytes, encoded once: a room hands the same update or sync state
 * to each of its subscribers in turn, so one encoding serves every receiver (presence records: pose-batch.ts).
 */
import { encodeFrame } from '@cairn/shared';

/**
 * A room hands the same committed update to each of its subscribers in turn, so the last encoded `update`
 * frame is kept: one encoding per update instead of one per receiver.
 */
let lastUpdate: { doc: string; version: number; update: Uint8Array; bytes: Uint8Array } | null = null;

export function updateFrame(doc: string, version: number, update: Uint8Array): Uint8Array {
  if (lastUpdate?.update !== update || lastUpdate.version !== version || lastUpdate.doc !== doc) {
    lastUpdate = { doc, version, update, bytes: encodeFrame({ type: 'update', doc, version, update }) };
  }
  return lastUpdate.bytes;
}

/**
 * `sync` frames of whole-doc states the room shares between joiners (room.syncFor), so a burst of joins to
 * a big doc copies it into a frame once, not once per joiner. Keyed by the state's bytes; a frame differs
 * only by `writable`.
 */
const syncFrames = new WeakMap<Uint8Array, { doc: string; version: number; writable: boolean; stateVector: Uint8Array | null; bytes: Uint8Array }>();

/** `stateVector`: the room's own (protocol 4 on, L3), or null for an older client. */
export function syncFrame(doc: string, version: number, writable: boolean, update: Uint8Array, stateVector: Uint8Array | null = null): Uint8Array {
  const hit = syncFrames.get(update);
  if (hit && hit.doc === doc && hit.version === version && hit.writable === writable && sameBytes(hit.stateVector, stateVector)) return hit.bytes;
  const bytes = encodeFrame({ type: 'sync', doc, version, writable, update, ...(stateVector ? { stateVector } : {}) });
  syncFrames.set(update, { doc, version, writable, stateVector, bytes });
  return bytes;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}
