/**
 * A device's alignment to one space as the replica keeps it (P3): the observations it was fitted from, not
 * the fitted transform, so that the next sighting after a reload re-fits over all of them. Read back
 * through {@link parseAlignmentRecord}: the database may hold what an older or newer version wrote.
 */
import { isPose, type AlignmentObservation } from '@cairn/shared';

export type AlignmentModelChoice = 'auto' | 'yaw' | 'rigid';

export interface AlignmentRecord {
  space: string;
  model: AlignmentModelChoice;
  observations: AlignmentObservation[];
  /** Milliseconds since the epoch of the last change. */
  updatedAt: number;
}

function isObservation(v: unknown): v is AlignmentObservation {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const w = o['weight'];
  return typeof o['anchorId'] === 'string' && isPose(o['space']) && isPose(o['observed']) && (w === undefined || (typeof w === 'number' && w > 0 && Number.isFinite(w)));
}

/** The record if `v` is one for `space`, else null (the alignment then starts empty). */
export function parseAlignmentRecord(space: string, v: unknown): AlignmentRecord | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const model = o['model'];
  if (o['space'] !== space || (model !== 'auto' && model !== 'yaw' && model !== 'rigid')) return null;
  if (!Array.isArray(o['observations']) || !o['observations'].every(isObservation) || typeof o['updatedAt'] !== 'number') return null;
  return { space, model, observations: o['observations'], updatedAt: o['updatedAt'] };
}
