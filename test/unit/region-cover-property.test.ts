/**
 * Region covers of any radius (DESIGN §6, docs/DECISIONS.md "region cover bound"): seeded random circles,
 * weighted toward the poles, the antimeridian and cell edges. A cover that is returned holds every point of
 * the circle, lists only cells the circle meets, at most MAX_REGION_CELLS of them, nearest first; a circle
 * that is refused really needs more; and the largest radius a refusal names fits wherever the center sits
 * at that latitude.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cellBounds, cellOf, coverCircle, distanceM, distanceToRectM, type CairnError,
} from '@cairn/shared';
import { MAX_REGION_CELLS } from '@cairn/client';
import { regionCells } from '../../packages/client/src/spatial/region-cover.js';
import { precisionFor, regionLimitM } from '../../packages/client/src/spatial/region-limit.js';
import { destination } from '../support/geo-destination.js';

const seed = Number(process.env.SEED ?? 1207);
console.info(`region-cover-property seed=${seed} (SEED=${seed} reproduces)`);
const runs = { seed, numRuns: 150 };

const lat = fc.oneof(
  fc.double({ min: -90, max: 90, noNaN: true }),
  fc.double({ min: 89, max: 90, noNaN: true }),
  fc.double({ min: -90, max: -89, noNaN: true }),
  fc.integer({ min: -128, max: 128 }).map((i) => i * (180 / 2 ** 17) * 64), // row edges of precision 4 and finer
);
const lon = fc.oneof(
  fc.double({ min: -180, max: 180, noNaN: true }),
  fc.double({ min: 179.99, max: 180, noNaN: true }),
  fc.double({ min: -180, max: -179.99, noNaN: true }),
);
const precision = fc.integer({ min: 4, max: 9 });
// Radii around what a precision-p region holds: from a few cells to several times the bound.
const circleAt = precision.chain((p) =>
  fc.record({
    p: fc.constant(p),
    c: fc.record({ lat, lon, radiusM: fc.double({ min: 0.2, max: 3 * 856 * 32 ** ((7 - p) / 2), noNaN: true }) }),
  }),
);

describe('region covers of any radius', () => {
  it('§6: a returned cover holds the whole circle, only cells it meets, at most MAX_REGION_CELLS, nearest first; a refused one needs more', () => {
    fc.assert(
      fc.property(circleAt, ({ p, c }) => {
        let cells: string[];
        try {
          cells = regionCells(c, p);
        } catch (err) {
          expect((err as CairnError).code).toBe('REGION_TOO_LARGE');
          const full = coverCircle(c, p, 4 * MAX_REGION_CELLS);
          expect(full.precision < p || full.cells.length > MAX_REGION_CELLS, `${JSON.stringify(c)} at ${p}`).toBe(true);
          return;
        }
        expect(cells.length).toBeLessThanOrEqual(MAX_REGION_CELLS);
        expect(new Set(cells).size).toBe(cells.length);
        const dist = cells.map((cell) => distanceToRectM(c, cellBounds(cell)));
        for (const [i, d] of dist.entries()) {
          expect(cells[i]).toHaveLength(p);
          expect(d, `${cells[i]} meets the circle`).toBeLessThanOrEqual(c.radiusM * (1 + 1e-9) + 1e-3);
          if (i > 0) expect(d).toBeGreaterThanOrEqual(dist[i - 1]!);
        }
        expect(dist[0]).toBe(0);
        expect(cells.slice(0, dist.filter((d) => d === 0).length)).toContain(cellOf(c.lat, c.lon, p));
        const set = new Set(cells);
        const rim = Array.from({ length: 720 }, (_, i) => destination(c, (i * Math.PI) / 360, c.radiusM * (1 - 1e-9)));
        const inner = Array.from({ length: 200 }, (_, i) => destination(c, i * 2.399963, c.radiusM * Math.sqrt(i / 200)));
        for (const pt of [...rim, ...inner]) {
          if (distanceM(c, pt) > c.radiusM) continue;
          expect(set.has(cellOf(pt.lat, pt.lon, p)), `${pt.lat},${pt.lon} of ${JSON.stringify(c)} at ${p}`).toBe(true);
        }
      }),
      runs,
    );
  });

  it('§6: the largest radius a refusal names fits wherever the center sits at that latitude; a little more does not fit somewhere', () => {
    const where = fc.record({ lat: fc.double({ min: -88, max: 88, noNaN: true }), lon, p: fc.integer({ min: 5, max: 8 }) });
    const offsets = fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 10, maxLength: 10 });
    fc.assert(
      fc.property(where, offsets, ({ lat: la, lon: lo, p }, offs) => {
        const limit = regionLimitM(la, p, MAX_REGION_CELLS);
        expect(limit).toBeGreaterThan(0);
        // Random centers in the cell of (la, lo): every cell of a row has the same shape.
        const b = cellBounds(cellOf(la, lo, p));
        for (const [u, v] of offs) {
          const center = { lat: b.minLat + (b.maxLat - b.minLat) * u, lon: b.minLon + (b.maxLon - b.minLon) * v };
          expect(() => regionCells({ ...center, radiusM: limit }, p), `${limit} m at ${JSON.stringify(center)} p${p}`).not.toThrow();
        }
        // The limit is tight: 3 % (and 2 m, the rounding to whole meters) more needs more cells for some center in the row.
        const grid = Array.from({ length: 256 }, (_, i) => ({
          lat: b.minLat + ((b.maxLat - b.minLat) * (i % 16)) / 16, lon: b.minLon + ((b.maxLon - b.minLon) * Math.floor(i / 16)) / 16, radiusM: limit * 1.03 + 2,
        }));
        expect(grid.some((c) => coverCircle(c, p, MAX_REGION_CELLS).precision < p), `${limit} m is not tight at ${la} p${p}`).toBe(true);
        // The precision named for a larger radius holds it.
        const q = precisionFor(la, limit * 4, MAX_REGION_CELLS, p);
        expect(q).toBeLessThan(p);
        for (const [u, v] of offs.slice(0, 3)) {
          const g = cellBounds(cellOf(la, lo, q!));
          expect(() => regionCells({ lat: g.minLat + (g.maxLat - g.minLat) * u, lon: g.minLon + (g.maxLon - g.minLon) * v, radiusM: limit * 4 }, q!)).not.toThrow();
        }
      }),
      { seed, numRuns: 40 },
    );
  });

  it('§6: next to a pole, where a row of coarse cells meets at one point, the limit is 0 and says so', () => {
    expect(regionLimitM(89.999, 7, MAX_REGION_CELLS)).toBe(0);
    expect(regionLimitM(-89.999, 7, MAX_REGION_CELLS)).toBe(0);
    expect(() => regionCells({ lat: 90, lon: 10, radiusM: 5 }, 7)).toThrow(/no radius fits at precision 7 this close to the pole.*precision: \d\b/);
  });
});
