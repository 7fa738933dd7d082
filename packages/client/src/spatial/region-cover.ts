/**
 * The cell docs a region needs: the geohash cover of its circle at the space's partition precision
 * (shared coverCircle: distinct cells, poles and the antimeridian handled). Cell docs exist only at the
 * partition precision, so a coarser cover is of no use: when the circle needs more than MAX_REGION_CELLS
 * partition cells, coverCircle coarsens, and every coarser cell holds at least 32 partition cells, so the
 * region is refused instead.
 */
import { CairnError, checkGeoCircle, coverCircle } from '@cairn/shared';
import type { RegionInput } from './space-api.js';

export const MAX_REGION_CELLS = 12;

export function regionCells(input: Readonly<RegionInput>, precision: number): string[] {
  const circle = { lat: input.lat, lon: input.lon, radiusM: input.radiusM };
  checkGeoCircle(circle);
  const cover = coverCircle(circle, precision, MAX_REGION_CELLS);
  if (cover.precision !== precision) {
    throw new CairnError(
      'BAD_REQUEST',
      `region too large for precision ${precision}: a circle of ${input.radiusM} m at (${input.lat}, ${input.lon}) needs more than ${MAX_REGION_CELLS} cells`,
    );
  }
  return cover.cells;
}
