import { v7 as uuidv7, validate, version } from 'uuid';
import { CairnError } from '../errors.js';

/**
 * Anchor ids are UUIDv7, minted offline by any replica: 48 bits of Unix ms, then randomness, so ids are
 * unique without coordination and sort (as strings) by creation time on one device, which keeps a
 * cell doc's keys roughly in insertion order.
 */
export function newAnchorId(nowMs?: number): string {
  if (nowMs === undefined) return uuidv7();
  if (!Number.isInteger(nowMs) || nowMs < 0) throw new CairnError('BAD_REQUEST', `bad timestamp for an anchor id: ${nowMs}`);
  return uuidv7({ msecs: nowMs });
}

/** Any RFC 9562 UUID in canonical 8-4-4-4-12 hex form (either case). */
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && validate(s);
}

export function isUuidV7(s: unknown): s is string {
  return isUuid(s) && version(s) === 7;
}

/** The creation time (Unix ms) a UUIDv7 carries. */
export function uuidV7Time(id: string): number {
  if (!isUuidV7(id)) throw new CairnError('BAD_REQUEST', `not a UUIDv7: ${JSON.stringify(String(id).slice(0, 40))}`);
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
