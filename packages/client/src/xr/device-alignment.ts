/**
 * This device's alignment to a space (P3): where its tracking frame (the WebXR reference space the app
 * passes poses in) sits in the space frame, fitted by least squares to the shared anchors the device has
 * observed (shared spatial/alignment.ts), re-fitted on every sighting and kept in the replica, so a reload
 * resumes with the same observations.
 *
 * A stored alignment holds only while the tracking frame does: a new XR session usually starts a new
 * reference space origin, and sightings from the old one then disagree with new ones (the residual shows
 * it). An app whose platform does not keep the frame across sessions calls reset() at session start.
 */
import {
  CairnError, createAlignmentEstimator, isValidSegment,
  type AlignmentEstimator, type AlignmentFit, type AlignmentObservation, type AnchorCorrespondence, type Pose,
} from '@cairn/shared';
import { createEmitter } from '../emitter.js';
import { parseAlignmentRecord, type AlignmentModelChoice, type AlignmentRecord } from '../replica/alignment-record.js';
import { toReferencePose, toSpacePose, type SpaceFromReference } from './xr-pose.js';

export interface DeviceAlignmentOptions {
  /** Default 'auto' (rigid from three anchors spread off one line, else gravity-aligned yaw). */
  model?: AlignmentModelChoice;
  /** See DEFAULT_ORIENTATION_LEVER_M in @cairn/shared; 0 for position-only sightings. */
  orientationLeverM?: number;
}

export interface DeviceAlignment {
  readonly space: string;
  /** Resolves once the stored observations are loaded (and fitted). */
  readonly ready: Promise<void>;
  /** The current fit: transform, model, anchors used, residual. Null until aligned. */
  readonly fit: AlignmentFit | null;
  /** space-from-reference for the xr/ helpers (createXRAnchorFor, toSpacePose, …); null until aligned. */
  readonly transform: SpaceFromReference | null;
  readonly observations: readonly AlignmentObservation[];
  /**
   * The device sees the anchor at `observed` (reference space) and the space says it is at `space`:
   * replaces the anchor's earlier sighting, re-fits, stores. Rejects BAD_REQUEST for an invalid sighting
   * (not kept) or one the model cannot fit yet (kept and stored: a 'rigid' alignment with two anchors).
   */
  observe(anchorId: string, correspondence: AnchorCorrespondence): Promise<AlignmentFit>;
  /** Drops the anchor's sighting (e.g. the anchor was moved), re-fits and stores. */
  forget(anchorId: string): Promise<AlignmentFit | null>;
  /** Drops every sighting: a new tracking frame. */
  reset(): Promise<void>;
  /** A pose in the reference space, in the space frame. Throws BAD_REQUEST while not aligned. */
  toSpace(poseInReference: Pose): Pose;
  /** A pose in the space frame, in the reference space. Throws BAD_REQUEST while not aligned. */
  toReference(poseInSpace: Pose): Pose;
  /** Called with each new fit (null after reset). Returns an unsubscribe function. */
  onChange(cb: (fit: AlignmentFit | null) => void): () => void;
}

/** What an alignment needs of its client. */
export interface AlignmentHost {
  load(space: string): Promise<unknown>;
  save(space: string, record: AlignmentRecord | null): Promise<void>;
  now(): number;
  onError(err: unknown): void;
}

export interface DeviceAlignments {
  /** One instance per space name; the options apply when it is first asked for. */
  alignment(space: string, opts?: DeviceAlignmentOptions): DeviceAlignment;
  /** Resolves when every alignment's writes are stored. */
  idle(): Promise<void>;
}

export function createDeviceAlignments(host: AlignmentHost): DeviceAlignments {
  const open = new Map<string, { a: DeviceAlignment; writes: () => Promise<void> }>();
  return {
    alignment(space, opts = {}) {
      const existing = open.get(space);
      if (existing) return existing.a;
      const made = createDeviceAlignment(host, space, opts);
      open.set(space, made);
      return made.a;
    },
    async idle() {
      await Promise.all([...open.values()].map((x) => x.writes()));
    },
  };
}

function createDeviceAlignment(host: AlignmentHost, space: string, opts: DeviceAlignmentOptions): { a: DeviceAlignment; writes: () => Promise<void> } {
  if (typeof space !== 'string' || !isValidSegment(space)) {
    throw new CairnError('INVALID_DOC_ID', `space name ${JSON.stringify(String(space).slice(0, 80))} is not a doc id segment`);
  }
  const model = opts.model ?? 'auto';
  const estimatorOpts = { model, ...(opts.orientationLeverM !== undefined ? { orientationLeverM: opts.orientationLeverM } : {}) };
  let estimator: AlignmentEstimator = createAlignmentEstimator(estimatorOpts); // validates the options now
  const changes = createEmitter<{ change: AlignmentFit | null }>();
  // Writes go out one after another, so the stored record is always the latest one.
  let writing: Promise<void> = Promise.resolve();

  const ready = (async () => {
    try {
      const record = parseAlignmentRecord(space, await host.load(space));
      // A record fitted under another model is still a set of sightings: re-fit them under this one.
      if (record) estimator = createAlignmentEstimator({ ...estimatorOpts, initial: record.observations });
    } catch (err) {
      host.onError(err);
    }
  })();

  function store(): Promise<void> {
    const observations = estimator.observations;
    const record: AlignmentRecord | null = observations.length ? { space, model, observations: [...observations], updatedAt: host.now() } : null;
    const next = writing.then(() => host.save(space, record));
    writing = next.catch(() => undefined);
    return next;
  }

  function aligned(): SpaceFromReference {
    const fit = estimator.current;
    if (!fit) throw new CairnError('BAD_REQUEST', `this device is not aligned to space ${space} yet: observe a shared anchor first`);
    return fit.transform;
  }

  async function change<T>(op: () => T): Promise<T> {
    await ready;
    let result: T;
    try {
      result = op();
    } catch (err) {
      // The sighting may have been kept though the model cannot fit it yet: store what is kept.
      await store();
      throw err;
    }
    changes.emit('change', estimator.current);
    await store();
    return result;
  }

  const a: DeviceAlignment = {
    space,
    ready,
    get fit() {
      return estimator.current;
    },
    get transform() {
      return estimator.current?.transform ?? null;
    },
    get observations() {
      return estimator.observations;
    },
    observe: (anchorId, c) => change(() => estimator.observe(anchorId, c)),
    forget: (anchorId) => change(() => estimator.forget(anchorId)),
    reset: () => change(() => estimator.clear()),
    toSpace: (pose) => toSpacePose(aligned(), pose),
    toReference: (pose) => toReferencePose(aligned(), pose),
    onChange: (cb) => changes.on('change', cb),
  };
  return {
    a,
    writes: async () => {
      await ready;
      await writing;
    },
  };
}
