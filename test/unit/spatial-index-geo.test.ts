import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGeoFrame, distanceM, type GeoPoint, type Vec3 } from '@cairn/shared';
import { createAnchorIndex } from '../../packages/client/src/spatial/anchor-index.js';
import type { IndexedAnchor } from '../../packages/client/src/spatial/indexed-anchor.js';

const seed = Number(process.env.SEED ?? 180180);
console.info(`spatial-index-geo seed=${seed} (SEED=${seed} reproduces)`);
const runs = { seed, numRuns: 150 };

// Spaces whose anchors straddle the antimeridian or surround a pole, and some anywhere.
const origin = fc.oneof(
  fc.record({ lat: fc.double({ min: -80, max: 80, noNaN: true }), lon: fc.oneof(fc.double({ min: 179.95, max: 180, noNaN: true }), fc.double({ min: -180, max: -179.95, noNaN: true })) }),
  fc.record({ lat: fc.oneof(fc.double({ min: 89.97, max: 90, noNaN: true }), fc.double({ min: -90, max: -89.97, noNaN: true })), lon: fc.double({ min: -180, max: 180, noNaN: true }) }),
  fc.record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }) }),
).chain((o) => fc.double({ min: -100, max: 3000, noNaN: true }).map((alt): GeoPoint => ({ ...o, alt })));
const h = fc.double({ min: -6000, max: 6000, noNaN: true });
const local = fc.tuple(h, fc.double({ min: -200, max: 200, noNaN: true }), h) as fc.Arbitrary<Vec3>;
const anchors = fc.array(fc.tuple(local, fc.boolean()), { maxLength: 150 }).map((xs) =>
  xs.map(([p, live], i): IndexedAnchor => ({ id: `g${i}`, p, q: [0, 0, 0, 1], cell: 'c', ...(live ? {} : { deleted: { at: 't', by: 'u' } }) })),
);

describe('geoWithin: great-circle queries through the space origin (DESIGN §6)', () => {
  it('X1: equals a brute-force haversine scan, near the antimeridian and the poles too', () => {
    fc.assert(
      fc.property(origin, anchors, local, fc.double({ min: 1, max: 8000, noNaN: true }), fc.boolean(), (o, all, centerLocal, r, early) => {
        const frame = createGeoFrame(o);
        const index = createAnchorIndex({ origin: o });
        const c = frame.toGeo(centerLocal);
        // Either the geo tree is built before the anchors arrive (maintained by upserts) or after.
        if (early) index.geoWithin(c.lat, c.lon, r);
        for (const a of all) index.upsert(a);
        const expected = all.filter((a) => !a.deleted && distanceM(c, frame.toGeo(a.p)) <= r).map((a) => a.id).sort();
        expect(index.geoWithin(c.lat, c.lon, r).map((a) => a.id).sort()).toEqual(expected);
        // The same center named on the other side of the antimeridian finds the same anchors.
        if (Math.abs(c.lon) === 180) expect(index.geoWithin(c.lat, -c.lon, r).map((a) => a.id).sort()).toEqual(expected);
      }),
      runs,
    );
  });

  it('finds an anchor just across the antimeridian and one across the pole', () => {
    const o = { lat: 0, lon: 179.9999, alt: 0 };
    const index = createAnchorIndex({ origin: o });
    // 40 m east of the origin is past 180 (longitude about -179.99954).
    index.upsert({ id: 'east', p: [40, 0, 0], q: [0, 0, 0, 1], cell: 'c' });
    expect(createGeoFrame(o).toGeo([40, 0, 0]).lon).toBeLessThan(0);
    expect(index.geoWithin(0, 179.9999, 41).map((a) => a.id)).toEqual(['east']);
    expect(index.geoWithin(0, 179.9999, 39)).toEqual([]);

    const pole = createAnchorIndex({ origin: { lat: 89.9999, lon: 0, alt: 0 } });
    pole.upsert({ id: 'over', p: [0, 0, -20], q: [0, 0, 0, 1], cell: 'c' }); // 20 m north: past the pole, at lon 180
    expect(pole.geoWithin(89.9999, 0, 21).map((a) => a.id)).toEqual(['over']);
    expect(pole.geoWithin(89.9999, 0, 5)).toEqual([]);
  });

  it('re-locates an anchor whose height alone changed (height shifts lat/lon away from the origin)', () => {
    const o = { lat: 45, lon: 7, alt: 0 };
    const frame = createGeoFrame(o);
    const index = createAnchorIndex({ origin: o });
    const low: Vec3 = [0, 0, -5000];
    const high: Vec3 = [0, 1000, -5000];
    const dLow = distanceM(o, frame.toGeo(low));
    const dHigh = distanceM(o, frame.toGeo(high));
    expect(Math.abs(dLow - dHigh)).toBeGreaterThan(0.5);
    const r = (dLow + dHigh) / 2;
    index.upsert({ id: 'a', p: low, q: [0, 0, 0, 1], cell: 'c' });
    expect(index.geoWithin(o.lat, o.lon, r).length).toBe(dLow <= r ? 1 : 0);
    index.upsert({ id: 'a', p: high, q: [0, 0, 0, 1], cell: 'c' });
    expect(index.geoWithin(o.lat, o.lon, r).length).toBe(dHigh <= r ? 1 : 0);
  });

  it('needs an origin; setOrigin supplies or moves it', () => {
    const index = createAnchorIndex();
    index.upsert({ id: 'a', p: [0, 0, 0], q: [0, 0, 0, 1], cell: 'c' });
    expect(() => index.geoWithin(0, 0, 10)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    index.setOrigin({ lat: 10, lon: 20, alt: 0 });
    expect(index.geoWithin(10, 20, 1).map((a) => a.id)).toEqual(['a']);
    index.setOrigin({ lat: -10, lon: 20, alt: 0 });
    expect(index.geoWithin(10, 20, 1)).toEqual([]);
    expect(index.geoWithin(-10, 20, 1).map((a) => a.id)).toEqual(['a']);
    expect(() => index.geoWithin(95, 20, 1)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
