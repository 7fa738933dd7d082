/**
 * Region sync with hysteresis (DESIGN §6): a device walking along a cell edge keeps both cells
 * subscribed instead of churning; cells it really left are let go after hysteresisMs; cells another
 * region or a write still holds are never closed under them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cellBounds, cellDocId, cellOf, createGeoFrame } from '@cairn/shared';
import type { CairnClient } from '@cairn/client';
import { createFakeServer, type FakeServer } from './support/fake-server.js';
import { clientOn, createManualTimers, settle, type ManualTimers } from './support/client-harness.js';

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
});
