import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellBounds, cellOf, coverBox, type GeoBox } from '@cairn/shared';

const seed = Number(process.env.SEED ?? 777);
console.info(`geo-cover-box seed=${seed} (SEED=${seed} reproduces)`);
const runs = { seed, numRuns: 400 };

const lat = fc.oneof(fc.double({ min: -90, max: 90, noNaN: true }), fc.constantFrom(-90, 90, 0, 45, -45, 89.99));
const lon = fc.oneof(fc.double({ min: -180, max: 180, noNaN: true }), fc.constantFrom(-180, 180, 0, 179.99, -179.99));
const span = fc.double({ min: 0, max: 2, noNaN: true });

// Boxes up to a couple of degrees, anywhere; minLon > maxLon when the box runs over the antimeridian.
const box = fc.tuple(lat, lon, span, span).map(([la, lo, dLat, dLon]): GeoBox => {
  const minLat = Math.max(-90, Math.min(90, la));
  const maxLat = Math.min(90, minLat + dLat);
  let maxLon = lo + dLon;
  if (maxLon > 180) maxLon -= 360;
  return { minLat, minLon: lo, maxLat, maxLon };
});

/** A point of the box at fractions (fy, fx), walking east from minLon across ±180 if need be. */
function pointIn(b: GeoBox, fy: number, fx: number): { lat: number; lon: number } {
  const width = b.minLon <= b.maxLon ? b.maxLon - b.minLon : 360 - (b.minLon - b.maxLon);
  let lon = b.minLon + width * fx;
  if (lon > 180) lon -= 360;
  return { lat: b.minLat + (b.maxLat - b.minLat) * fy, lon };
}

const frac = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1));

describe('coverBox (DESIGN §6 region sync)', () => {
  it('every point of the box (edges included) lies in a cell of the cover; cells distinct and <= maxCells', () => {
    fc.assert(
      fc.property(box, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 4, max: 40 }), fc.array(fc.tuple(frac, frac), { minLength: 10, maxLength: 40 }), (b, p, maxCells, pts) => {
        const cover = coverBox(b, p, maxCells);
        expect(cover.precision).toBeLessThanOrEqual(p);
        expect(cover.cells.length).toBeLessThanOrEqual(maxCells);
        expect(new Set(cover.cells).size).toBe(cover.cells.length);
        const cells = new Set(cover.cells);
        for (const [fy, fx] of [[0, 0], [1, 1], [0, 1], [1, 0], ...pts] as [number, number][]) {
          const pt = pointIn(b, fy, fx);
          expect(cells.has(cellOf(pt.lat, pt.lon, cover.precision)), `${pt.lat},${pt.lon}`).toBe(true);
        }
        if (cover.precision < p) expect(coverBox(b, cover.precision + 1, 1_000_000).cells.length).toBeGreaterThan(maxCells);
      }),
      runs,
    );
  });

  it('splits a box that crosses the antimeridian (minLon > maxLon) and keeps only cells on the two sides', () => {
    const cover = coverBox({ minLat: 10, minLon: 179.5, maxLat: 10.5, maxLon: -179.5 }, 3, 100);
    expect(cover.precision).toBe(3);
    for (const cell of cover.cells) {
      const b = cellBounds(cell);
      expect(b.minLon >= 178 || b.maxLon <= -178).toBe(true);
    }
    expect(cover.cells.some((c) => cellBounds(c).maxLon === 180)).toBe(true);
    expect(cover.cells.some((c) => cellBounds(c).minLon === -180)).toBe(true);
  });

  it('a box that is exactly one cell also takes the neighbours owning its south and west edges', () => {
    // ngeohash puts a point on an edge in the cell below / to the west of it, so a closed box needs them.
    const b = cellBounds('u09tv');
    const cover = coverBox(b, 5, 12);
    expect(cover.cells).toContain('u09tv');
    expect(cover.cells).toHaveLength(4);
    const inner = coverBox({ minLat: b.minLat + 1e-9, minLon: b.minLon + 1e-9, maxLat: b.maxLat, maxLon: b.maxLon }, 5, 12);
    expect(inner.cells).toEqual(['u09tv']);
  });

  it('a box reaching a pole lists every cell of it once', () => {
    const cover = coverBox({ minLat: 80, minLon: -180, maxLat: 90, maxLon: 180 }, 2, 12);
    expect(coverBox({ minLat: 80, minLon: -180, maxLat: 90, maxLon: 180 }, 2, 100).cells).toHaveLength(64);
    expect(cover.precision).toBe(1);
    expect(cover.cells).toEqual(['b', 'c', 'f', 'g', 'u', 'v', 'y', 'z']);
  });

  it('coarsens a large box, and refuses the whole world at maxCells 12', () => {
    const cover = coverBox({ minLat: 40, minLon: -5, maxLat: 50, maxLon: 10 }, 6, 12);
    expect(cover.precision).toBeLessThan(6);
    expect(cover.cells.length).toBeLessThanOrEqual(12);
    expect(() => coverBox({ minLat: -90, minLon: -180, maxLat: 90, maxLon: 180 }, 3, 12)).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining('precision 1') }),
    );
    expect(coverBox({ minLat: -90, minLon: -180, maxLat: 90, maxLon: 180 }, 3, 32).cells).toHaveLength(32);
  });
});
