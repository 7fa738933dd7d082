/**
 * The cell docs a region needs: the geohash cover of its circle at the space's partition precision
 * (shared coverCircle: distinct cells, poles and the antimeridian handled), nearest cells first, so the
 * ground around the device is subscribed, and loaded by the server, before the far edge of the region.
 *
 * Cell docs exist only at the partition precision, so a coarser cover is of no use. What bounds a cover is
 * the server's per-socket doc budget (`maxDocsPerSocket`, 256 by default; a sub past it is refused with
 * TOO_MANY_DOCS and that cell never syncs): a region may cover MAX_REGION_CELLS = 128 cells, half the
 * budget, and keeps at most MAX_KEPT_CELLS more for hysteresis (region.ts), so one region at its largest
 * holds 160 docs and leaves 96 for meta docs, app docs and smaller regions on the same socket. The bound
 * is fixed rather than read from the server: a region may be made offline, before any welcome, and the
 * welcome does not state maxDocsPerSocket. At precision 7, 128 cells hold a radius of about 700 m at the
 * equator and 600 m at 49° N (the README's Paris example asks 200 m: 14 cells).
 *
 * A circle that needs more is refused with REGION_TOO_LARGE, naming the largest radius that fits at this
 * precision and latitude and the precision that would hold the asked radius (region-limit.ts).
 */
import { CairnError, checkGeoCircle, coverCircle, distanceToRectM, cellBounds } from '@cairn/shared';
import { precisionFor, regionLimitM } from './region-limit.js';
import type { RegionInput } from './space-api.js';

export const MAX_REGION_CELLS = 128;
export const MAX_KEPT_CELLS = 32;

/** The cells of the circle's cover at `precision`, nearest to the center first (ties by name). */
export function regionCells(input: Readonly<RegionInput>, precision: number): string[] {
  const circle = { lat: input.lat, lon: input.lon, radiusM: input.radiusM };
  checkGeoCircle(circle);
  const cover = coverCircle(circle, precision, MAX_REGION_CELLS);
  if (cover.precision !== precision) throw regionTooLarge(circle, precision);
  const dist = new Map(cover.cells.map((c) => [c, distanceToRectM(circle, cellBounds(c))]));
  return cover.cells.sort((a, b) => dist.get(a)! - dist.get(b)! || (a < b ? -1 : 1));
}

function regionTooLarge(c: RegionInput, precision: number): CairnError {
  const limit = regionLimitM(c.lat, precision, MAX_REGION_CELLS);
  const coarser = precision > 1 ? precisionFor(c.lat, c.radiusM, MAX_REGION_CELLS, precision - 1) : null;
  const at = `at latitude ${c.lat.toFixed(2)}`;
  const smaller = limit > 0
    ? `a radius of at most ${limit} m fits at precision ${precision} ${at}`
    : `no radius fits at precision ${precision} this close to the pole`;
  const instead = coarser !== null
    ? `or partition a new space at precision ${coarser}: client.space(id, { precision: ${coarser} })`
    : 'no precision holds that radius here: cover the area with several smaller regions';
  return new CairnError(
    'REGION_TOO_LARGE',
    `a circle of ${c.radiusM} m at (${c.lat}, ${c.lon}) needs more than ${MAX_REGION_CELLS} cells at precision ${precision}; ${smaller}, ${instead}`,
  );
}
