/**
 * A space's origin and partition precision on the client, from its meta doc `<space>/meta` (shared
 * space-meta.ts). The options of `client.space()` are defaults: written to the meta doc only where it has
 * no value, and the meta doc's value wins once it has one (also when it arrives later from the server).
 *
 * Yjs resolves two concurrent writes of one map key by client id, not by time, so a device that wrote
 * its own origin before it had seen the space's existing one could replace it and shift every anchor.
 * Defaults are therefore written only once the client is synced (it has what the server has) or offline
 * (there is nothing to wait for); a meta doc the replica already holds is never rewritten.
 */
import type * as Y from 'yjs';
import {
  CairnError, checkGeoPoint, DEFAULT_CELL_PRECISION, MAX_GEOHASH_PRECISION, ORIGIN, readSpaceMeta, sameGeoPoint, writeSpaceMeta,
  type GeoPoint,
} from '@cairn/shared';
import { originOf } from './index-sync.js';
import type { AnchorChange, SpaceOptions } from './space-api.js';

/** The origin of a space that has none: its local frame is still partitioned into cells around it. */
export const NULL_ISLAND: GeoPoint = Object.freeze({ lat: 0, lon: 0, alt: 0 });

export interface SpaceFrameValues {
  origin: GeoPoint;
  /** False when `origin` is NULL_ISLAND for want of any: poses are then written without a frame stamp (X6). */
  hasOrigin: boolean;
  precision: number;
}

export interface MetaWatch {
  readonly values: SpaceFrameValues;
  close(): void;
}

export function checkSpaceOptions(opts: SpaceOptions): void {
  if (opts.origin !== undefined) checkGeoPoint(opts.origin, 'space origin');
  const p = opts.precision;
  if (p !== undefined && (!Number.isInteger(p) || p < 1 || p > MAX_GEOHASH_PRECISION)) {
    throw new CairnError('BAD_REQUEST', `space precision must be an integer in [1, ${MAX_GEOHASH_PRECISION}] (got ${String(p)})`);
  }
}

// readSpaceMeta reads an absent precision as the default; whether one is stored decides who wins.
const hasPrecision = (doc: Y.Doc) => doc.getMap('space').has('precision');

function valuesOf(doc: Y.Doc, opts: SpaceOptions): SpaceFrameValues {
  const meta = readSpaceMeta(doc);
  return {
    origin: meta.origin ?? opts.origin ?? NULL_ISLAND,
    hasOrigin: meta.origin !== null || opts.origin !== undefined,
    precision: hasPrecision(doc) ? meta.precision : (opts.precision ?? DEFAULT_CELL_PRECISION),
  };
}

/**
 * Writes the missing defaults (after `settled()` if any are missing) and calls `onChange` whenever the
 * origin or precision in effect changes.
 */
export async function watchSpaceMeta(
  doc: Y.Doc,
  opts: SpaceOptions,
  settled: () => Promise<void>,
  onChange: (values: SpaceFrameValues, previous: SpaceFrameValues, origin: AnchorChange['origin']) => void,
): Promise<MetaWatch> {
  let values = valuesOf(doc, opts);
  const onTx = (tx: Y.Transaction) => {
    const next = valuesOf(doc, opts);
    if (sameGeoPoint(next.origin, values.origin) && next.hasOrigin === values.hasOrigin && next.precision === values.precision) return;
    const previous = values;
    values = next;
    onChange(next, previous, originOf(tx.origin));
  };
  doc.on('afterTransaction', onTx);
  const missing = () => ({
    ...(readSpaceMeta(doc).origin === null && opts.origin ? { origin: opts.origin } : {}),
    ...(hasPrecision(doc) ? {} : { precision: opts.precision ?? DEFAULT_CELL_PRECISION }),
  });
  try {
    if (Object.keys(missing()).length > 0) {
      await settled();
      const write = missing();
      if (Object.keys(write).length > 0) writeSpaceMeta(doc, write, ORIGIN.LOCAL);
    }
  } catch (err) {
    doc.off('afterTransaction', onTx);
    throw err;
  }
  return {
    get values() {
      return values;
    },
    close: () => doc.off('afterTransaction', onTx),
  };
}
