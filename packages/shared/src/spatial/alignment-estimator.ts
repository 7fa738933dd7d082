/**
 * Incremental alignment (P3): observations arrive one at a time as the device sees anchors; each one
 * re-fits over all of them. A re-observation of an anchor replaces its earlier one (the newer sighting
 * is the better one: tracking drifts, and the user may have corrected it). The oldest observations are
 * dropped beyond `maxObservations`, so a long session keeps a bounded, recent set.
 */
import { CairnError } from '../errors.js';
import { fitAlignment, type AlignmentFit, type AlignmentFitOptions, type AnchorCorrespondence } from './alignment.js';

export interface AlignmentObservation extends AnchorCorrespondence {
  anchorId: string;
}

export interface AlignmentEstimatorOptions extends AlignmentFitOptions {
  /** Default 64. */
  maxObservations?: number;
  /** Observations to start from (e.g. stored ones), oldest first. */
  initial?: readonly AlignmentObservation[];
}

export interface AlignmentEstimator {
  /**
   * Adds (or replaces) the anchor's observation and re-fits. An invalid observation throws BAD_REQUEST
   * and is not kept; one the model cannot use yet (a 'rigid' estimator with two anchors) is kept, and
   * the fit's error is thrown.
   */
  observe(anchorId: string, correspondence: AnchorCorrespondence): AlignmentFit;
  /** Drops the anchor's observation and re-fits; null once no observation is left. */
  forget(anchorId: string): AlignmentFit | null;
  clear(): void;
  /** Oldest first. */
  readonly observations: readonly AlignmentObservation[];
  /** The latest successful fit of the current observations, null if there is none. */
  readonly current: AlignmentFit | null;
}

export const DEFAULT_MAX_OBSERVATIONS = 64;

export function createAlignmentEstimator(opts: AlignmentEstimatorOptions = {}): AlignmentEstimator {
  const max = opts.maxObservations ?? DEFAULT_MAX_OBSERVATIONS;
  if (!Number.isInteger(max) || max < 1) throw new CairnError('BAD_REQUEST', `maxObservations must be an integer ≥ 1, got ${String(max)}`);
  const fitOpts: AlignmentFitOptions = {
    ...(opts.model !== undefined ? { model: opts.model } : {}),
    ...(opts.orientationLeverM !== undefined ? { orientationLeverM: opts.orientationLeverM } : {}),
  };
  const byAnchor = new Map<string, AlignmentObservation>(); // insertion order is observation order
  let current: AlignmentFit | null = null;

  function put(o: AlignmentObservation): void {
    byAnchor.delete(o.anchorId);
    byAnchor.set(o.anchorId, o);
    for (const oldest of byAnchor.keys()) {
      if (byAnchor.size <= max) break;
      byAnchor.delete(oldest);
    }
  }

  function refit(): AlignmentFit | null {
    current = null;
    if (byAnchor.size === 0) return null;
    current = fitAlignment([...byAnchor.values()], fitOpts);
    return current;
  }

  function observation(anchorId: string, c: AnchorCorrespondence): AlignmentObservation {
    if (typeof anchorId !== 'string' || anchorId === '') throw new CairnError('BAD_REQUEST', 'an observation needs an anchor id');
    fitAlignment([c], { model: 'yaw', orientationLeverM: 1 }); // validates the poses and the weight before anything is kept
    return { anchorId, space: c.space, observed: c.observed, ...(c.weight !== undefined ? { weight: c.weight } : {}) };
  }

  for (const o of opts.initial ?? []) put(observation(o.anchorId, o));
  if (byAnchor.size > 0) {
    try {
      refit();
    } catch {
      // Stored observations the model cannot fit yet: current stays null until more arrive.
    }
  }

  return {
    observe(anchorId, c) {
      put(observation(anchorId, c));
      return refit()!;
    },
    forget(anchorId) {
      byAnchor.delete(anchorId);
      return refit();
    },
    clear() {
      byAnchor.clear();
      current = null;
    },
    get observations() {
      return [...byAnchor.values()];
    },
    get current() {
      return current;
    },
  };
}
