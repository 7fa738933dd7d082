/**
 * The query string of `GET /v1/spaces/:space/anchors` into a read model query: exactly one of bbox, near
 * (with radius) or cell, and a limit; every refusal is BAD_REQUEST with a message that says what to fix.
 */
import { describe, expect, it } from 'vitest';
import { CairnError, circleRects } from '@cairn/shared';
import { parseAnchorQuery } from '../../packages/server/src/readmodel/query-params.js';

function refusal(params: Parameters<typeof parseAnchorQuery>[0]): string {
  try {
    parseAnchorQuery(params);
  } catch (err) {
    expect(err).toBeInstanceOf(CairnError);
    expect((err as CairnError).code).toBe('BAD_REQUEST');
    return (err as CairnError).message;
  }
  throw new Error(`accepted ${JSON.stringify(params)}`);
}

describe('anchor query parameters', () => {
  it('bbox: one rectangle, or two when minLon > maxLon crosses the antimeridian', () => {
    expect(parseAnchorQuery({ bbox: '48.8,2.3,48.9,2.4' })).toEqual({
      query: { kind: 'rects', rects: [{ minLat: 48.8, minLon: 2.3, maxLat: 48.9, maxLon: 2.4 }] }, limit: 1000, center: null,
    });
    expect(parseAnchorQuery({ bbox: '-1,179.5,1,-179.5', limit: '5' })).toEqual({
      query: { kind: 'rects', rects: [{ minLat: -1, minLon: 179.5, maxLat: 1, maxLon: 180 }, { minLat: -1, minLon: -180, maxLat: 1, maxLon: -179.5 }] },
      limit: 5,
      center: null,
    });
  });

  it('near: the circle and the rectangles that bound it, split at the antimeridian', () => {
    const parsed = parseAnchorQuery({ near: '0,180', radius: '500' });
    expect(parsed.query).toEqual({ kind: 'near', center: { lat: 0, lon: 180 }, radiusM: 500, rects: circleRects({ lat: 0, lon: 180, radiusM: 500 }) });
    expect(parsed.query.kind === 'near' && parsed.query.rects.length).toBe(2);
    expect(parsed.center).toEqual({ lat: 0, lon: 180 });
  });

  it('cell: a geohash prefix', () => {
    expect(parseAnchorQuery({ cell: 'u09t' }).query).toEqual({ kind: 'cell', prefix: 'u09t' });
  });

  it('refuses anything but exactly one well-formed query, with a message that says what to fix', () => {
    expect(refusal({})).toMatch(/exactly one of bbox, near or cell \(got none\)/);
    expect(refusal({ bbox: '1,2,3,4', cell: 'u' })).toMatch(/got bbox, cell/);
    expect(refusal({ bbox: '1,2,3' })).toMatch(/minLat,minLon,maxLat,maxLon/);
    expect(refusal({ bbox: '1,,3,4' })).toMatch(/4 comma-separated numbers/);
    expect(refusal({ bbox: '3,2,1,4' })).toMatch(/swapped/);
    expect(refusal({ bbox: '148.8,2.3,148.9,2.4' })).toMatch(/were lat and lon swapped/);
    expect(refusal({ near: '1,2' })).toMatch(/needs radius/);
    expect(refusal({ near: '1,2', radius: '0' })).toMatch(/radius/);
    expect(refusal({ near: 'Infinity,2', radius: '5' })).toMatch(/lat,lon/);
    expect(refusal({ cell: 'u', radius: '5' })).toMatch(/only allowed with near/);
    expect(refusal({ cell: 'ua' })).toMatch(/geohash/);
    expect(refusal({ cell: 'u', limit: '10001' })).toMatch(/limit/);
    expect(refusal({ cell: 'u', limit: '0.5' })).toMatch(/limit/);
  });
});
