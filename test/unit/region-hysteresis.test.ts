/**
 * Region sync with hysteresis (DESIGN §6): a device walking along a cell edge keeps both cells
 * subscribed instead of churning; cells it really left are let go after hysteresisMs; cells another
 * region or a write still holds are never closed under them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cellBounds, cellDocId, cellOf, createGeoFrame, distanceToRectM } from '@cairn/shared';
import type { CairnClient } from '@cairn/client';
import { createFakeServer, type FakeServer } from './support/fake-server.js';
import { clientOn, createManualTimers, settle, type ManualTimers } from './support/client-harness.js';
import { MAX_KEPT_CELLS, MAX_REGION_CELLS, regionCells } from '../../packages/client/src/spatial/region-cover.js';
import { openRegion } from '../../packages/client/src/spatial/region.js';

// The space's origin sits on the east edge of its cell, so x < 0 is in WEST and x > 0 in EAST.
const START = cellOf(48.8566, 2.3522, 7);
const EDGE = cellBounds(START);
const ORIGIN = { lat: (EDGE.minLat + EDGE.maxLat) / 2, lon: EDGE.maxLon, alt: 0 };
const frame = createGeoFrame(ORIGIN);
const WEST = START;
const EAST = cellOf(ORIGIN.lat, EDGE.maxLon + 1e-5, 7);
const at = (x: number, z: number, radiusM = 1) => ({ ...frame.toGeo([x, 0, z]), radiusM });

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

async function walker(server: FakeServer = createFakeServer()): Promise<{ client: CairnClient; timers: ManualTimers; server: FakeServer }> {
  const timers = createManualTimers();
  const client = clientOn(server, { timers, heartbeatMs: 1e9 });
  clients.push(client);
  await client.whenSynced();
  return { client, timers, server };
}

const subs = (server: FakeServer, cell: string) => server.received('sub').filter((f) => f.doc === cellDocId('site', cell)).length;
const unsubs = (server: FakeServer, cell: string) => server.received('unsub').filter((f) => f.doc === cellDocId('site', cell)).length;

describe('region hysteresis', () => {
  it('walking along a cell edge subscribes each cell once and unsubscribes neither', async () => {
    const { client, timers, server } = await walker();
    const space = client.space('site', { origin: ORIGIN, precision: 7 });
    const region = await space.subscribeRegion(at(-3, 0));
    expect(region.cells).toEqual([WEST]);
    for (let step = 0; step < 20; step++) {
      await region.move(at(step % 2 === 0 ? 3 : -3, -step * 3)); // zig-zag north along the edge, inside both cells
      timers.advance(5_000);
      await settle();
    }
    expect(region.cells).toEqual([EAST, WEST].sort());
    expect([subs(server, WEST), subs(server, EAST)]).toEqual([1, 1]);
    expect([unsubs(server, WEST), unsubs(server, EAST)]).toEqual([0, 0]);
  });

  it('a cell left behind is let go after hysteresisMs, not before; coming back in time cancels it', async () => {
    const { client, timers, server } = await walker();
    const space = client.space('site', { origin: ORIGIN });
    const region = await space.subscribeRegion(at(-3, 0), { hysteresisMs: 30_000 });
    await region.move(at(3, 0));
    expect(region.cells).toEqual([EAST, WEST].sort());
    timers.advance(29_999);
    await settle();
    expect(region.cells).toEqual([EAST, WEST].sort());
    await region.move(at(-3, 0)); // back into WEST: its release is cancelled, EAST's starts
    timers.advance(29_999);
    await settle();
    expect(unsubs(server, WEST)).toBe(0);
    expect(region.cells).toEqual([EAST, WEST].sort());
    timers.advance(1);
    await settle();
    expect(region.cells).toEqual([WEST]);
    expect(unsubs(server, EAST)).toBe(1);
    timers.advance(60_000);
    await settle();
    expect(unsubs(server, WEST)).toBe(0);
  });

  it('the anchors of a cell leave the view when its region lets go of it', async () => {
    const { client, timers } = await walker();
    const space = client.space('site', { origin: ORIGIN });
    const region = await space.subscribeRegion(at(3, 0), { hysteresisMs: 1_000 });
    const a = await space.anchors.create({ pose: { p: [3, 0, 0], q: [0, 0, 0, 1] } });
    expect(a.cell).toBe(EAST);
    await region.move(at(-50, 0));
    expect(space.anchors.get(a.id)?.id).toBe(a.id);
    timers.advance(1_000);
    await settle();
    expect(space.anchors.get(a.id)).toBeUndefined();
  });

  it('a cell another region holds stays open when one region lets go of it', async () => {
    const { client, timers, server } = await walker();
    const space = client.space('site', { origin: ORIGIN });
    const one = await space.subscribeRegion(at(3, 0), { hysteresisMs: 0 });
    const two = await space.subscribeRegion(at(3, -10), { hysteresisMs: 0 });
    const a = await space.anchors.create({ pose: { p: [3, 0, 0], q: [0, 0, 0, 1] } });
    await one.move(at(-50, 0));
    expect(one.cells).toEqual([WEST]);
    await one.close();
    timers.advance(60_000);
    await settle();
    expect(unsubs(server, EAST)).toBe(0);
    expect(space.anchors.get(a.id)?.id).toBe(a.id);
    await two.close();
    await settle();
    expect(unsubs(server, EAST)).toBe(1);
    expect(space.anchors.get(a.id)).toBeUndefined();
    await expect(two.move(at(3, 0))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('a write in progress keeps the cell it writes into open while a region lets go of it', async () => {
    const { client, server } = await walker();
    const space = client.space('site', { origin: ORIGIN });
    const region = await space.subscribeRegion(at(-3, 0), { hysteresisMs: 0 });
    const a = await space.anchors.create({ pose: { p: [-3, 0, 0], q: [0, 0, 0, 1] } });
    // The move opens EAST for its write while the region lets go of WEST: both transactions land.
    const moving = space.anchors.move(a.id, { p: [3, 0, 0], q: [0, 0, 0, 1] });
    const leaving = region.move(at(-3, -2000));
    const [moved] = await Promise.all([moving, leaving]);
    expect(moved.cell).toBe(EAST);
    const east = await client.open(cellDocId('site', EAST));
    expect(east.getMap('poses').size).toBe(1);
    await region.close();
    await space.openCells([EAST, WEST]);
    expect(space.anchors.all().map((x) => [x.id, x.cell])).toEqual([[a.id, EAST]]);
    expect(server.received('push').length).toBeGreaterThan(0);
  });

  it('a long jump of a large region keeps only MAX_KEPT_CELLS beyond its cover, the nearest, and lets the rest go before subscribing', async () => {
    // The server sees the region's cell subs at once; the most it ever holds must stay within the bound.
    let most = 0;
    const server = createFakeServer({
      sub: (f) => {
        if (f.doc.startsWith('site/cell/')) {
          const held = [...server.sessions.at(-1)!.subs].filter((d) => d.startsWith('site/cell/')).length + 1;
          most = Math.max(most, held);
        }
        return null;
      },
    });
    const { client, timers } = await walker(server);
    const space = client.space('site', { origin: ORIGIN, precision: 7 });
    const start = { lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 600 };
    const region = await space.subscribeRegion(start, { hysteresisMs: 30_000 });
    const first = region.cells;
    expect(first.length).toBeGreaterThan(80);
    expect(first.length).toBeLessThanOrEqual(MAX_REGION_CELLS);

    // A walk of 300 m east: everything left behind is kept (within the bound).
    const walked = { ...frame.toGeo([300, 0, 0]), radiusM: 600 };
    await region.move(walked);
    const afterWalk = region.cells;
    expect(afterWalk).toEqual(expect.arrayContaining([...first]));
    expect(afterWalk.length).toBeLessThanOrEqual(MAX_REGION_CELLS + MAX_KEPT_CELLS);

    // A jump of 2 km north: the whole old cover is left; only the cells nearest the new center are kept.
    const jumped = { ...frame.toGeo([0, 0, -2000]), radiusM: 600 };
    await region.move(jumped);
    const cover = new Set(regionCells(jumped, 7));
    const kept = region.cells.filter((c) => !cover.has(c));
    expect(region.cells.length).toBe(Math.min(MAX_REGION_CELLS + MAX_KEPT_CELLS, cover.size + afterWalk.length));
    expect(kept.length).toBe(MAX_REGION_CELLS + MAX_KEPT_CELLS - cover.size);
    const gone = afterWalk.filter((c) => !cover.has(c) && !kept.includes(c));
    const d = (c: string) => distanceToRectM(jumped, cellBounds(c));
    expect(Math.max(...kept.map(d))).toBeLessThanOrEqual(Math.min(...gone.map(d)));
    for (const c of gone) expect(unsubs(server, c)).toBe(1);
    expect(most).toBeLessThanOrEqual(MAX_REGION_CELLS + MAX_KEPT_CELLS);

    timers.advance(30_000);
    await settle();
    expect(new Set(region.cells)).toEqual(cover);
    expect(server.sessions.at(-1)!.subs.size).toBe(cover.size + 1); // and the meta doc
  });

  it('a jump whose new cells fail to open leaves the region on its old cover, the cells let go early held again', async () => {
    // A bare RegionHost counting holds per cell; opening any cell of the new place fails (a storage error).
    const holds = new Map<string, number>();
    const start = { lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 600 };
    const jumped = { ...frame.toGeo([0, 0, -2000]), radiusM: 600 };
    const bad = new Set(regionCells(jumped, 7));
    const timers = createManualTimers();
    const region = await openRegion(
      {
        precision: () => 7,
        acquire: async (cells) => {
          if (cells.some((c) => bad.has(c))) throw new Error('quota exceeded');
          for (const c of cells) holds.set(c, (holds.get(c) ?? 0) + 1);
        },
        release: async (cells) => {
          for (const c of cells) holds.set(c, holds.get(c)! - 1);
        },
        timers,
        onError: (err) => {
          throw err;
        },
        onClosed: () => undefined,
      },
      start,
      30_000,
    );
    const before = region.cells;
    const walk = { ...frame.toGeo([300, 0, 0]), radiusM: 600 };
    await region.move(walk); // a walk: left cells kept
    const walked = region.cells;
    expect(walked.length).toBeGreaterThan(before.length);
    await expect(region.move(jumped)).rejects.toThrow('quota exceeded');
    expect(region.cells).toEqual(walked);
    const held = [...holds].filter(([, n]) => n > 0).map(([c]) => c).sort();
    expect(held).toEqual(walked);
    expect([...holds.values()].every((n) => n === 0 || n === 1)).toBe(true);
    // The kept cells still leave after the hysteresis.
    timers.advance(30_000);
    await settle();
    expect(region.cells).toEqual([...regionCells(walk, 7)].sort());
    await region.close();
    expect([...holds.values()].every((n) => n === 0)).toBe(true);
  });
});

