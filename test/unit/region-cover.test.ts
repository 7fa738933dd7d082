/**
 * Region covers (DESIGN §6): the cell docs of a region are its circle's geohash cover at the space's
 * partition precision, distinct cells only, across the antimeridian and around the poles, subscribed
 * nearest first; a region that would need more than MAX_REGION_CELLS partition cells is refused with
 * REGION_TOO_LARGE, naming the radius that fits and the precision that holds the asked one, and opens nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cellBounds, cellOf, createGeoFrame, distanceToRectM, type CairnError } from '@cairn/shared';
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

  it('the README example: 200 m around (48.8584, 2.2945) at precision 7 subscribes its 14 cells, the center first', async () => {
    const server = createFakeServer();
    const client = await online(server);
    const space = client.space('paris', { origin: { lat: 48.8584, lon: 2.2945, alt: 0 }, precision: 7 });
    const circle = { lat: 48.8584, lon: 2.2945, radiusM: 200 };
    const region = await space.subscribeRegion(circle);
    expect(region.cells).toHaveLength(14);
    expect(cellSubs(server, 'paris')).toEqual(region.cells);
    // Nearest first on the wire too: the server loads the ground under the device before the region's rim.
    const order = server.received('sub').map((f) => f.doc).filter((d) => d.startsWith('paris/cell/')).map((d) => d.slice('paris/cell/'.length));
    expect(order).toEqual(regionCells(circle, 7));
    expect(order[0]).toBe(cellOf(circle.lat, circle.lon, 7));
    const dist = order.map((c) => distanceToRectM(circle, cellBounds(c)));
    expect(dist).toEqual([...dist].sort((x, y) => x - y));
  });

  it('REGION_TOO_LARGE names the largest radius that fits and the precision that holds the asked one, and opens no cell', async () => {
    const server = createFakeServer();
    const client = await online(server);
    const space = client.space('city', { origin: { lat: 48.8584, lon: 2.2945, alt: 0 }, precision: 7 });
    const err = await space.subscribeRegion({ lat: 48.8584, lon: 2.2945, radiusM: 1000 }).catch((e: CairnError) => e);
    expect(err).toMatchObject({ code: 'REGION_TOO_LARGE', retryable: false });
    const message = (err as Error).message;
    expect(message).toContain(`a circle of 1000 m at (48.8584, 2.2945) needs more than ${MAX_REGION_CELLS} cells at precision 7`);
    const limit = Number(/a radius of at most (\d+) m fits at precision 7 at latitude 48\.86/.exec(message)?.[1]);
    expect(limit).toBeGreaterThan(600);
    expect(limit).toBeLessThan(1000);
    expect(message).toContain('client.space(id, { precision: 6 })');
    expect(cellSubs(server, 'city')).toEqual([]);
    await expect(space.subscribeRegion({ lat: 91, lon: 0, radiusM: 10 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(space.subscribeRegion({ lat: 0, lon: 0, radiusM: 10 }, { hysteresisMs: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    // Doing what it says works: the named radius here, and the asked radius in a space at the named precision.
    const region = await space.subscribeRegion({ lat: 48.8584, lon: 2.2945, radiusM: limit });
    expect(region.cells.length).toBeGreaterThan(100);
    expect(region.cells.length).toBeLessThanOrEqual(MAX_REGION_CELLS);
    const coarse = client.space('city-wide', { origin: { lat: 48.8584, lon: 2.2945, alt: 0 }, precision: 6 });
    expect((await coarse.subscribeRegion({ lat: 48.8584, lon: 2.2945, radiusM: 1000 })).cells.length).toBeGreaterThan(1);

    const before = region.cells;
    await expect(region.move({ lat: 48.8566, lon: 2.3522, radiusM: 5000 })).rejects.toMatchObject({ code: 'REGION_TOO_LARGE' });
    expect(region.cells).toEqual(before); // the failed move changed nothing
    expect(cellSubs(server, 'city')).toEqual(before);
    expect(server.received('unsub')).toEqual([]);
  });
});
