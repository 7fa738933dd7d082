import fc from 'fast-check';
import ngeohash from 'ngeohash';
import { describe, expect, it } from 'vitest';
import { cellBounds, cellOf, distanceM, distanceToRectM, type GeoRect } from '@cairn/shared';
import { cellAt, cellRect, colOf, geohashGrid, rowOf } from '../../packages/shared/src/spatial/geohash-grid.js';

const seed = Number(process.env.SEED ?? 31337);
console.info(`geo-cell-edges seed=${seed} (SEED=${seed} reproduces)`);
const runs = { seed, numRuns: 3000 };

const precision = fc.integer({ min: 1, max: 12 });
/** The next double above (dir 1) or below (dir -1) x. */
function nextDouble(x: number, dir: 1 | -1): number {
  if (x === 0) return dir * Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigInt64(0, view.getBigInt64(0) + BigInt((x > 0 ? 1 : -1) * dir));
  return view.getFloat64(0);
}

// Exact cell edges at some precision, and the doubles one or a few ulps either side of them.
const edge = (start: number, span: number) =>
  fc
    .tuple(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, 1e-12, -1e-12))
    .map(([bits, f, ulps, nudge]) => {
      const step = span / 2 ** bits;
      let v = start + Math.round(f * 2 ** bits) * step + nudge;
      for (let i = 0; i < Math.abs(ulps); i++) v = nextDouble(v, ulps > 0 ? 1 : -1);
      return Math.max(start, Math.min(start + span, v));
    });
const lat = fc.oneof(fc.double({ min: -90, max: 90, noNaN: true }), edge(-90, 180));
const lon = fc.oneof(fc.double({ min: -180, max: 180, noNaN: true }), edge(-180, 360));

describe('geohash cells and their edges', () => {
  it('the row/column grid the covers count with names the same cell as ngeohash, on edges too', () => {
    fc.assert(
      fc.property(lat, lon, precision, (la, lo, p) => {
        const grid = geohashGrid(p);
        const row = rowOf(grid, la);
        const col = colOf(grid, lo);
        expect(cellAt(grid, row, col)).toBe(ngeohash.encode(la, lo, p));
        expect(cellOf(la, lo, p)).toBe(ngeohash.encode(la, lo, p));
        const r = cellRect(grid, row, col);
        expect(r).toEqual(cellBounds(cellAt(grid, row, col)));
        expect(la >= r.minLat && la <= r.maxLat && lo >= r.minLon && lo <= r.maxLon).toBe(true);
      }),
      runs,
    );
  });

  it('a point on an edge belongs to the cell south / west of it (ngeohash bisects with >)', () => {
    expect(cellOf(0, 0, 1)).toBe('7');
    expect(cellOf(1e-9, 1e-9, 1)).toBe('s');
    const b = cellBounds('u09tv');
    expect(cellOf(b.maxLat, b.maxLon, 5)).toBe('u09tv');
    expect(cellOf(b.minLat, b.minLon, 5)).not.toBe('u09tv');
    expect(cellOf((b.minLat + b.maxLat) / 2, (b.minLon + b.maxLon) / 2, 5)).toBe('u09tv');
  });

  it('distanceToRectM is never more than the distance to any point of the rectangle, and is attained', () => {
    const rect = fc
      .tuple(fc.double({ min: -90, max: 90, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: 0.001, max: 40, noNaN: true }))
      .map(([a, b, w, dw]): GeoRect => ({ minLat: Math.min(a, b), maxLat: Math.max(a, b), minLon: w, maxLon: Math.min(180, w + dw) }));
    const point = fc.record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }) });
    fc.assert(
      fc.property(rect, point, (r, pt) => {
        const d = distanceToRectM(pt, r);
        let sampled = Infinity;
        let below = Infinity; // the smallest dq - d: must never go below -1e-6
        const n = 60;
        for (let i = 0; i <= n; i++) {
          for (let j = 0; j <= n; j++) {
            const q = { lat: r.minLat + ((r.maxLat - r.minLat) * i) / n, lon: r.minLon + ((r.maxLon - r.minLon) * j) / n };
            const dq = distanceM(pt, q);
            below = Math.min(below, dq - d);
            sampled = Math.min(sampled, dq);
          }
        }
        expect(below).toBeGreaterThanOrEqual(-1e-6);
        // The sample grid's spacing bounds how far above the true minimum the sampled minimum can be.
        const spacing = distanceM({ lat: 0, lon: 0 }, { lat: (r.maxLat - r.minLat) / n, lon: (r.maxLon - r.minLon) / n });
        expect(d).toBeGreaterThanOrEqual(sampled - spacing - 1e-6);
      }),
      { ...runs, numRuns: 200 },
    );
  });

  it('distanceM is the haversine great-circle distance', () => {
    expect(distanceM({ lat: 48.8566, lon: 2.3522 }, { lat: 51.5074, lon: -0.1278 })).toBeCloseTo(343_556, -2);
    expect(distanceM({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * 6_371_008.8, 3);
    expect(distanceM({ lat: 0, lon: 179.9999 }, { lat: 0, lon: -179.9999 })).toBeCloseTo(22.239, 2);
    expect(distanceM({ lat: 89.9999, lon: 0 }, { lat: 89.9999, lon: 180 })).toBeCloseTo(22.239, 2);
  });
});
