import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellBounds, cellOf, coverCircle, distanceM, EARTH_RADIUS_M, type GeoCircle } from '@cairn/shared';
import { destination } from '../support/geo-destination.js';

const seed = Number(process.env.SEED ?? 9001);
console.info(`geo-cover-circle seed=${seed} (SEED=${seed} reproduces)`);
const runs = { seed, numRuns: 400 };

// Centers weighted toward the hard places: the poles, the antimeridian and cell edges (multiples of
// coarse cell sizes).
const lat = fc.oneof(
  fc.double({ min: -90, max: 90, noNaN: true }),
  fc.double({ min: 89, max: 90, noNaN: true }),
  fc.double({ min: -90, max: -89, noNaN: true }),
  fc.integer({ min: -16, max: 16 }).map((i) => i * 5.625),
);
const lon = fc.oneof(
  fc.double({ min: -180, max: 180, noNaN: true }),
  fc.double({ min: 179, max: 180, noNaN: true }),
  fc.double({ min: -180, max: -179, noNaN: true }),
  fc.integer({ min: -32, max: 32 }).map((i) => i * 5.625),
);
const radius = fc.oneof(fc.double({ min: 0.5, max: 100, noNaN: true }), fc.double({ min: 100, max: 300_000, noNaN: true }));
const circle = fc.record({ lat, lon, radiusM: radius }) as fc.Arbitrary<GeoCircle>;
const precision = fc.integer({ min: 1, max: 9 });
const samples = fc.array(fc.tuple(fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), {
  minLength: 20,
  maxLength: 60,
});

describe('coverCircle (DESIGN §6 region sync)', () => {
  it('every point inside the circle lies in a cell of the cover; cells are distinct, <= maxCells, at the reported precision', () => {
    fc.assert(
      fc.property(circle, precision, fc.integer({ min: 8, max: 16 }), samples, (c, p, maxCells, pts) => {
        const cover = coverCircle(c, p, maxCells);
        expect(cover.precision).toBeLessThanOrEqual(p);
        expect(new Set(cover.cells).size).toBe(cover.cells.length);
        expect(cover.cells.length).toBeLessThanOrEqual(maxCells);
        for (const cell of cover.cells) expect(cell).toHaveLength(cover.precision);
        const cells = new Set(cover.cells);
        // Random points of the disc, plus a dense ring just inside the edge, where a cell that the
        // circle only grazes is the one a sloppy cover would miss.
        const rim = Array.from({ length: 360 }, (_, i) => destination(c, (i * 2 * Math.PI) / 360, c.radiusM * (1 - 1e-9)));
        const points = [c, ...rim, ...pts.map(([bearing, f]) => destination(c, bearing, c.radiusM * Math.sqrt(f)))];
        for (const pt of points) {
          if (distanceM(c, pt) > c.radiusM) continue;
          expect(cells.has(cellOf(pt.lat, pt.lon, cover.precision)), `${pt.lat},${pt.lon} in ${cover.cells.join(' ')}`).toBe(true);
        }
      }),
      runs,
    );
  });

  it('coarsens only when the finer precision would need more than maxCells cells, and lists no cell the circle misses', () => {
    fc.assert(
      fc.property(circle, precision, (c, p) => {
        const cover = coverCircle(c, p, 12);
        if (cover.precision < p) expect(coverCircle(c, cover.precision + 1, 10_000).cells.length).toBeGreaterThan(12);
        for (const cell of cover.cells) {
          const b = cellBounds(cell);
          // The cell's nearest point to the center, sampled on a fine grid, is within reach.
          let best = Infinity;
          for (let i = 0; i <= 40; i++) {
            for (let j = 0; j <= 40; j++) {
              const q = { lat: b.minLat + ((b.maxLat - b.minLat) * i) / 40, lon: b.minLon + ((b.maxLon - b.minLon) * j) / 40 };
              best = Math.min(best, distanceM(c, q));
            }
          }
          const cellDiag = distanceM({ lat: b.minLat, lon: b.minLon }, { lat: b.maxLat, lon: b.maxLon });
          expect(best).toBeLessThanOrEqual(c.radiusM + cellDiag / 20 + 1e-3);
        }
      }),
      { ...runs, numRuns: 150 },
    );
  });

  it('a circle on a cell corner takes the four cells around it', () => {
    expect(coverCircle({ lat: 0, lon: 0, radiusM: 1 }, 5)).toEqual({ cells: ['7zzzz', 'ebpbp', 'kpbpb', 's0000'], precision: 5 });
    const corner = cellBounds('u09tv');
    const around = coverCircle({ lat: corner.maxLat, lon: corner.maxLon, radiusM: 0.5 }, 5);
    expect(around.cells).toHaveLength(4);
    expect(around.cells).toContain('u09tv');
  });

  it('a circle that pokes a hair over a cell edge takes the cell beyond it', () => {
    // Precision 4 rows are 180/2^10 degrees; lat 0 is a row edge. The circle reaches 0.05 % of its
    // radius north of it, and the points there belong to the northern cell.
    const r = 500;
    const reachDeg = (r / EARTH_RADIUS_M) * (180 / Math.PI);
    const c = { lat: -reachDeg * (1 - 0.0005), lon: 0.17, radiusM: r };
    const north = destination(c, 0, r * (1 - 1e-9));
    expect(north.lat).toBeGreaterThan(0);
    expect(coverCircle(c, 4).cells).toContain(cellOf(north.lat, north.lon, 4));
    expect(coverCircle(c, 4).cells).toContain(cellOf(c.lat, c.lon, 4));
  });

  it('a circle around a pole takes each cell of the polar row once', () => {
    for (const pole of [90, -90]) {
      const cover = coverCircle({ lat: pole, lon: 123, radiusM: 1000 }, 3);
      expect(cover.precision).toBe(1);
      expect(cover.cells).toHaveLength(8);
      expect(new Set(cover.cells).size).toBe(8);
      for (const cell of cover.cells) expect(cellBounds(cell)[pole > 0 ? 'maxLat' : 'minLat']).toBe(pole);
    }
    // Near, but not around, the pole: fine cells, each listed once.
    const near = coverCircle({ lat: 89.9, lon: 0, radiusM: 100 }, 4);
    expect(near.precision).toBe(4);
    expect(near.cells.length).toBeGreaterThan(1);
    expect(new Set(near.cells).size).toBe(near.cells.length);
  });

  it('a circle across the antimeridian takes cells on both sides, whichever of ±180 names its center', () => {
    const east = coverCircle({ lat: 10, lon: 180, radiusM: 50 }, 6);
    const west = coverCircle({ lat: 10, lon: -180, radiusM: 50 }, 6);
    expect(east).toEqual(west);
    const sides = east.cells.map((c) => Math.sign(cellBounds(c).minLon));
    expect(sides).toContain(1);
    expect(sides).toContain(-1);
    const justWest = coverCircle({ lat: -40, lon: 179.9999, radiusM: 30 }, 7);
    expect(justWest.cells.some((c) => cellBounds(c).minLon === -180)).toBe(true);
  });

  it('reports the coarser precision it used for a large region, and refuses a region too large for any precision', () => {
    const cover = coverCircle({ lat: 48.85, lon: 2.35, radiusM: 20_000 }, 9);
    expect(cover.precision).toBeLessThan(9);
    expect(cover.cells.length).toBeLessThanOrEqual(12);
    expect(() => coverCircle({ lat: 0, lon: 0, radiusM: 15_000_000 }, 4)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
