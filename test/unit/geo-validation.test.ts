import { describe, expect, it } from 'vitest';
import { cellBounds, cellOf, coverBox, coverCircle, distanceM } from '@cairn/shared';

const badRequest = (text?: string) =>
  expect.objectContaining({ name: 'CairnError', code: 'BAD_REQUEST', ...(text ? { message: expect.stringContaining(text) } : {}) });

describe('geo arguments are validated with a clear BAD_REQUEST (latitude first)', () => {
  it('rejects latitudes and longitudes out of range, and hints at swapped coordinates', () => {
    expect(() => coverCircle({ lat: 91, lon: 0, radiusM: 10 }, 5)).toThrow(badRequest('latitude 91 is outside [-90, 90]'));
    expect(() => coverCircle({ lat: 151.2, lon: -33.9, radiusM: 10 }, 5)).toThrow(badRequest('swapped'));
    expect(() => coverCircle({ lat: 0, lon: 180.5, radiusM: 10 }, 5)).toThrow(badRequest('longitude 180.5'));
    expect(() => cellOf(-90.0001, 0, 5)).toThrow(badRequest('latitude'));
    expect(() => cellOf(0, -181, 5)).toThrow(badRequest('longitude'));
  });

  it('rejects non-finite numbers', () => {
    for (const v of [Number.NaN, Infinity, -Infinity]) {
      expect(() => cellOf(v, 0, 5)).toThrow(badRequest('finite'));
      expect(() => cellOf(0, v, 5)).toThrow(badRequest('finite'));
      expect(() => coverCircle({ lat: 0, lon: 0, radiusM: v }, 5)).toThrow(badRequest('radius'));
    }
    expect(() => cellOf('12' as unknown as number, 0, 5)).toThrow(badRequest('finite'));
  });

  it('rejects a radius <= 0, a precision outside 1..12 and a bad maxCells', () => {
    expect(() => coverCircle({ lat: 0, lon: 0, radiusM: 0 }, 5)).toThrow(badRequest('radius'));
    expect(() => coverCircle({ lat: 0, lon: 0, radiusM: -3 }, 5)).toThrow(badRequest('radius'));
    for (const p of [0, 13, 2.5, Number.NaN]) expect(() => coverCircle({ lat: 0, lon: 0, radiusM: 1 }, p)).toThrow(badRequest('precision'));
    expect(() => coverCircle({ lat: 0, lon: 0, radiusM: 1 }, 5, 0)).toThrow(badRequest('maxCells'));
    expect(() => coverBox({ minLat: 0, minLon: 0, maxLat: 1, maxLon: 1 }, 5, 1.5)).toThrow(badRequest('maxCells'));
  });

  it('rejects a box whose latitudes are swapped (longitudes may cross the antimeridian)', () => {
    expect(() => coverBox({ minLat: 10, minLon: 0, maxLat: 5, maxLon: 1 }, 5)).toThrow(badRequest('minLat 10 > maxLat 5'));
    expect(() => coverBox({ minLat: 0, minLon: 0, maxLat: 95, maxLon: 1 }, 5)).toThrow(badRequest('box max corner'));
    expect(coverBox({ minLat: 0, minLon: 1, maxLat: 0.01, maxLon: 0 }, 1, 32).cells.length).toBeGreaterThan(1);
  });

  it('rejects strings that are not geohashes', () => {
    for (const bad of ['', 'a', 'u09t!', 'U09TV', 'u09tvu09tvu09tv']) expect(() => cellBounds(bad)).toThrow(badRequest('geohash'));
  });

  it('keeps valid extremes valid', () => {
    expect(cellOf(90, 180, 1)).toBe('z');
    expect(cellOf(-90, -180, 1)).toBe('0');
    expect(distanceM({ lat: 0, lon: 180 }, { lat: 0, lon: -180 })).toBeCloseTo(0, 6);
    expect(distanceM({ lat: 90, lon: 0 }, { lat: 90, lon: 137 })).toBeCloseTo(0, 6);
  });
});
