import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createGeoFrame, distanceM, ecefToGeodetic, geodeticToEcef, geodeticToLocal, localToGeodetic, vec3Distance,
  type GeoPoint, type Vec3,
} from '@cairn/shared';

const seed = Number(process.env.SEED ?? 4326);
console.info(`geo-geodetic-roundtrip seed=${seed} (SEED=${seed} reproduces)`);
const runs = { seed, numRuns: 2000 };

const origin = fc.record({
  lat: fc.oneof(fc.double({ min: -90, max: 90, noNaN: true }), fc.constantFrom(-90, 90, 0, 89.9999, -89.9999)),
  lon: fc.oneof(fc.double({ min: -180, max: 180, noNaN: true }), fc.constantFrom(-180, 180, 179.9999, 0)),
  alt: fc.double({ min: -500, max: 9000, noNaN: true }),
}) as fc.Arbitrary<GeoPoint>;
const horizontal = fc.double({ min: -10_000, max: 10_000, noNaN: true });
const local = fc.tuple(horizontal, fc.double({ min: -1000, max: 1000, noNaN: true }), horizontal) as fc.Arbitrary<Vec3>;

const MM = 1e-3;

describe('geodetic <-> local frame (DESIGN §6)', () => {
  it('local -> WGS84 -> local is exact to < 1 mm within 10 km, at any origin incl. poles and ±180', () => {
    fc.assert(
      fc.property(origin, local, (o, p) => {
        const frame = createGeoFrame(o);
        expect(vec3Distance(frame.toLocal(frame.toGeo(p)), p)).toBeLessThan(MM);
      }),
      runs,
    );
  });

  it('WGS84 -> local -> WGS84 is the same place to < 1 mm', () => {
    fc.assert(
      fc.property(origin, local, (o, p) => {
        const frame = createGeoFrame(o);
        const g = frame.toGeo(p);
        const back = frame.toGeo(frame.toLocal(g));
        expect(vec3Distance(geodeticToEcef(back), geodeticToEcef(g))).toBeLessThan(MM);
        expect(Math.abs(back.alt - g.alt)).toBeLessThan(MM);
      }),
      runs,
    );
  });

  it('ECEF -> geodetic inverts geodetic -> ECEF (also at the poles)', () => {
    fc.assert(
      fc.property(origin, (g) => {
        const back = ecefToGeodetic(geodeticToEcef(g));
        expect(Math.abs(back.lat - g.lat)).toBeLessThan(1e-9);
        expect(Math.abs(back.alt - g.alt)).toBeLessThan(MM);
        expect(vec3Distance(geodeticToEcef(back), geodeticToEcef(g))).toBeLessThan(MM);
      }),
      runs,
    );
  });

  it('maps axes the WebXR way: +X east, +Y up, -Z north', () => {
    const o = { lat: 48.8584, lon: 2.2945, alt: 35 };
    const north = geodeticToLocal(o, { lat: 48.8594, lon: 2.2945, alt: 35 });
    expect(north[2]).toBeLessThan(-100);
    expect(Math.abs(north[0])).toBeLessThan(1e-6);
    const east = geodeticToLocal(o, { lat: 48.8584, lon: 2.2955, alt: 35 });
    expect(east[0]).toBeGreaterThan(70);
    expect(Math.abs(east[2])).toBeLessThan(0.01);
    const up = geodeticToLocal(o, { ...o, alt: 135 });
    expect(up[0]).toBeCloseTo(0, 9);
    expect(up[1]).toBeCloseTo(100, 9);
    expect(up[2]).toBeCloseTo(0, 9);
    expect(localToGeodetic(o, [0, 0, 0])).toEqual({ lat: expect.closeTo(o.lat, 12), lon: expect.closeTo(o.lon, 12), alt: expect.closeTo(35, 6) });
  });

  it('agrees with reference values: WGS84 semi-axes and a 1 km offset ≈ 1 km of great-circle distance', () => {
    expect(geodeticToEcef({ lat: 0, lon: 0, alt: 0 })).toEqual([6378137, 0, 0]);
    const pole = geodeticToEcef({ lat: 90, lon: 0, alt: 0 });
    expect(pole[2]).toBeCloseTo(6356752.314245, 5);
    const o = { lat: -33.8568, lon: 151.2153, alt: 0 };
    const g = localToGeodetic(o, [0, 0, -1000]);
    expect(distanceM(o, g)).toBeGreaterThan(995);
    expect(distanceM(o, g)).toBeLessThan(1005);
  });

  it('rejects an origin outside WGS84 ranges with BAD_REQUEST', () => {
    expect(() => createGeoFrame({ lat: 91, lon: 0, alt: 0 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => createGeoFrame({ lat: 0, lon: 0, alt: Number.NaN })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
