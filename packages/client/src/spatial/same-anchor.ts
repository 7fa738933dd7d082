/**
 * Whether a fold of an anchor's entries changed anything an app can see: index-sync skips the index and
 * the change event when it did not. Field by field, not a JSON fingerprint: stringifying every merged
 * anchor cost more than the rest of a remote move's index update, and kept a string per anchor alive.
 */
import type { Anchor, AnchorPose, PlatformRef } from '@cairn/shared';

const sameNumbers = (a: readonly number[], b: readonly number[]): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
};

function samePose(a: AnchorPose, b: AnchorPose): boolean {
  if (a === b) return true;
  if (a.hlc !== b.hlc || !sameNumbers(a.p, b.p) || !sameNumbers(a.q, b.q)) return false;
  const f = a.frame;
  const g = b.frame;
  if (!f || !g) return f === g;
  return Object.is(f.lat, g.lat) && Object.is(f.lon, g.lon) && Object.is(f.alt, g.alt);
}

/** Equal values; objects compare by their JSON, and one that does not serialize is never equal. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

function sameProps(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.prototype.hasOwnProperty.call(b, k) || !sameValue(a[k], b[k])) return false;
  return true;
}

function sameRefs(a: readonly PlatformRef[] | undefined, b: readonly PlatformRef[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
  return true;
}

export function sameAnchor(a: Anchor, b: Anchor): boolean {
  return (
    a.id === b.id && a.space === b.space && a.cell === b.cell && a.createdBy === b.createdBy && a.createdAt === b.createdAt &&
    Object.is(a.expiresAt, b.expiresAt) && samePose(a.pose, b.pose) && sameValue(a.deleted, b.deleted) &&
    sameProps(a.props, b.props) && sameRefs(a.platformRefs, b.platformRefs)
  );
}
