/**
 * P4: interest is the cell docs a device subscribes to. A peer in a cell outside this device's region is
 * not seen until the region covers it; a peer crossing a cell edge is one peer throughout for a device that
 * sees both cells (no leave, no second join), and leaves for a device that sees only the old cell.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerPresence } from '@cairn/client';
import { settle, until } from './support/client-harness.js';
import { EAST, WEST, around, docOf, pose, presenceRig, type PresenceRig } from './support/presence-harness.js';

let rig: PresenceRig;
afterEach(async () => {
  await rig.destroy();
});

function log(presence: { on(ev: 'join' | 'change' | 'leave', cb: (p: PeerPresence) => void): () => void }) {
  const events: [string, string][] = [];
  for (const ev of ['join', 'change', 'leave'] as const) presence.on(ev, (p) => events.push([ev, p.cell]));
  return events;
}

describe('presence: interest by region', () => {
  it('P4: a peer in a cell the region does not cover is not seen; it is once the region covers it', async () => {
    rig = presenceRig();
    const a = await rig.client();
    const b = await rig.client();
    const region = await b.space.subscribeRegion(around(20, 0), { hysteresisMs: 0 });
    expect(region.cells).toEqual([EAST]);
    const events = log(b.space.presence);

    a.space.presence.set({ head: pose(-20, 1.6, 0), state: { name: 'ada' } });
    await until(() => rig.sent(a.client).length === 1, 'a poses in WEST');
    expect(rig.sent(a.client)[0]!.doc).toBe(docOf(WEST));
    for (let i = 0; i < 3; i++) {
      rig.timers.advance(1000); // keepalives
      await settle();
    }
    expect(rig.sent(a.client).length).toBe(4);
    expect(b.space.presence.peers()).toEqual([]);
    expect(events).toEqual([]);

    await region.move(around(0, 0, 30)); // now WEST and EAST
    rig.timers.advance(1000); // the fake server keeps no room cache: a's next keepalive brings it
    await until(() => b.space.presence.peers().length === 1, 'b sees a');
    expect(events).toEqual([['join', WEST]]);

    // The region lets go of WEST: the server tells b nothing more of it, so a is gone for b at once.
    await region.move(around(20, 0));
    await until(() => events.length === 2, 'a leaves with the cell');
    expect(events[1]).toEqual(['leave', WEST]);
  });

  it('P4: crossing a cell edge: no leave for a device that sees both cells, a leave for one that sees the old cell only', async () => {
    rig = presenceRig();
    const a = await rig.client();
    const both = await rig.client();
    const westOnly = await rig.client();
    await both.space.subscribeRegion(around(0, 0, 10));
    const r = await westOnly.space.subscribeRegion(around(-20, 0));
    expect(r.cells).toEqual([WEST]);
    const seenByBoth = log(both.space.presence);
    const seenByWest = log(westOnly.space.presence);

    a.space.presence.set({ head: pose(-3, 1.6, 0) });
    await until(() => seenByBoth.length === 1 && seenByWest.length === 1, 'both see a');
    for (let step = 1; step <= 6; step++) {
      a.space.presence.set({ head: pose(-3 + step, 1.6, 0) }); // x from -2 to 3: into EAST at x > 0
      rig.timers.advance(50);
      await settle();
    }
    await until(() => seenByWest.at(-1)?.[0] === 'leave', 'the west-only device sees a leave');
    await settle();
    expect(seenByBoth.filter(([ev]) => ev !== 'change')).toEqual([['join', WEST]]);
    expect(seenByBoth.at(-1)).toEqual(['change', EAST]);
    expect(both.space.presence.get(a.client.clientId!)?.cell).toBe(EAST);

    // On the wire: the new cell's record went out before the leave to the old one.
    const sent = rig.sent(a.client);
    const firstEast = sent.findIndex((f) => f.doc === docOf(EAST));
    const leave = sent.findIndex((f) => f.record.leave);
    expect(firstEast).toBeGreaterThan(0);
    expect(leave).toBeGreaterThan(firstEast);
    expect(sent[leave]!.doc).toBe(docOf(WEST));
    expect(sent.slice(leave + 1).every((f) => f.doc === docOf(EAST))).toBe(true);
  });
});
