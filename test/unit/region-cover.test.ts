/**
 * Region covers (DESIGN §6): the cell docs of a region are its circle's geohash cover at the space's
 * partition precision, distinct cells only, across the antimeridian and around the poles; a region that
 * would need more than 12 partition cells is refused with a clear error and opens nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cellBounds, cellDocId, cellOf, createGeoFrame, distanceToRectM, type CairnError } from '@cairn/shared';
import { MAX_REGION_CELLS, type CairnClient } from '@cairn/client';
import { regionCells } from '../../packages/client/src/spatial/region-cover.js';
import { createFakeServer, type FakeServer } from './support/fake-server.js';
import { clientOn } from './support/client-harness.js';

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

async function online(server: FakeServer): Promise<CairnClient> {
  const c = clientOn(server, { heartbeatMs: 1e9 });
  clients.push(c);
  await c.whenSynced();
  return c;
}

const cellSubs = (server: FakeServer, space: string) =>
  server.received('sub').map((f) => f.doc).filter((d) => d.startsWith(`${space}/cell/`)).map((d) => d.slice(`${space}/cell/`.length)).sort();

describe('region covers', () => {
  it('the antimeridian: a circle on it subscribes the cells on both sides, each once', async () => {
    const server = createFakeServer();
    const client = await online(server);
    const space = client.space('pacific', { origin: { lat: 0, lon: 180, alt: 0 }, precision: 7 });
    const region = await space.subscribeRegion({ lat: 0.0001, lon: 180, radiusM: 60 });
    const cells = region.cells;
    expect(new Set(cells).size).toBe(cells.length);
    expect(cells.some((c) => cellBounds(c).maxLon === 180)).toBe(true);
    expect(cells.some((c) => cellBounds(c).minLon === -180)).toBe(true);
    expect(cells.length).toBeLessThanOrEqual(MAX_REGION_CELLS);
    expect(cellSubs(server, 'pacific')).toEqual(cells);
  });

  it('a pole: at a precision where the cells around it are few enough, every one of them and none twice', async () => {
    const server = createFakeServer();
    const client = await online(server);
    const space = client.space('arctic', { origin: { lat: 89.9, lon: 0, alt: 0 }, precision: 1 });
    const region = await space.subscribeRegion({ lat: 90, lon: 0, radiusM: 100_000 });
    // Precision 1 has 8 columns: every one of them touches the pole.
    expect(region.cells).toHaveLength(8);
    expect(new Set(region.cells.map((c) => cellBounds(c).maxLat))).toEqual(new Set([90]));
    expect(cellSubs(server, 'arctic')).toEqual(region.cells);
  });

  it('every cell of a cover holds part of the circle, and every point of the circle is in one of them', () => {
    const circle = { lat: -33.8568, lon: 151.2153, radiusM: 120 };
    const cells = regionCells(circle, 7);
    expect(cells.length).toBeGreaterThan(1);
    for (const c of cells) expect(distanceToRectM(circle, cellBounds(c))).toBeLessThanOrEqual(circle.radiusM + 1e-3);
    const around = createGeoFrame({ lat: circle.lat, lon: circle.lon, alt: 0 });
    for (let i = 0; i < 360; i++) {
      const r = circle.radiusM * (i % 2 === 0 ? 0.999 : 0.5);
      const g = around.toGeo([r * Math.cos((i * Math.PI) / 180), 0, r * Math.sin((i * Math.PI) / 180)]);
      expect(cells).toContain(cellOf(g.lat, g.lon, 7));
    }
  });

  it('a region too large for the precision is refused with BAD_REQUEST and opens no cell', async () => {
    const server = createFakeServer();
    const client = await online(server);
    const space = client.space('city', { origin: { lat: 48.8566, lon: 2.3522, alt: 0 }, precision: 7 });
    const err = await space.subscribeRegion({ lat: 48.8566, lon: 2.3522, radiusM: 1000 }).catch((e: CairnError) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect((err as Error).message).toMatch(/region too large for precision 7/);
    expect(() => regionCells({ lat: 89.99, lon: 0, radiusM: 50 }, 5)).toThrow(/region too large for precision 5/);
    await expect(space.subscribeRegion({ lat: 91, lon: 0, radiusM: 10 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(space.subscribeRegion({ lat: 0, lon: 0, radiusM: 10 }, { hysteresisMs: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(cellSubs(server, 'city')).toEqual([]);
    const region = await space.subscribeRegion({ lat: 48.8566, lon: 2.3522, radiusM: 10 });
    await expect(region.move({ lat: 48.8566, lon: 2.3522, radiusM: 5000 })).rejects.toThrow(/region too large/);
    expect(cellSubs(server, 'city')).toEqual(region.cells); // the failed move changed nothing
    expect(server.received('sub').some((f) => f.doc === cellDocId('city', region.cells[0]!))).toBe(true);
  });
});
