/**
 * P4 against the real sync node (in-memory seams): two real clients see each other through the node's
 * relay, with the user from the session; a joiner gets a peer's state from the room's cache without
 * waiting for it to change, and a region that comes to cover a peer's cell shows it at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCairnClient, type CairnClient, type PeerPresence } from '@cairn/client';
import { createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { freshIndexedDB, until } from './support/client-harness.js';
import { EAST, ORIGIN, SPACE, WEST, around, expectNear, pose } from './support/presence-harness.js';

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

async function pair() {
  const { net } = memoryNode({ store: createMemoryStore() });
  const make = async () => {
    const client = createCairnClient({ url: 'mem://node', token: 'writer', socket: net.connect, broadcastChannel: null, networkEvents: null, ...freshIndexedDB() });
    clients.push(client);
    await client.whenSynced();
    return { client, space: client.space(SPACE, { origin: ORIGIN, precision: 7 }) };
  };
  return [await make(), await make()] as const;
}

describe('presence through the real node', () => {
  it('P4: two clients see each other (user from the session), moves arrive, close is a leave', async () => {
    const [a, b] = await pair();
    b.space.presence.set({ head: pose(-1, 1.6, -1), state: { name: 'bo' } });
    a.space.presence.set({ head: pose(-2, 1.6, 0, [0, Math.SQRT1_2, 0, Math.SQRT1_2]), state: { name: 'ada' } });
    await until(() => b.space.presence.peers().length === 1 && a.space.presence.peers().length === 1, 'each sees the other');
    const seen = b.space.presence.get(a.client.clientId!)!;
    expect(seen).toMatchObject({ peer: a.client.clientId, user: 'writer', cell: WEST, state: { name: 'ada' } });
    expectNear(seen.head, pose(-2, 1.6, 0, [0, Math.SQRT1_2, 0, Math.SQRT1_2]));
    expect(a.space.presence.get(b.client.clientId!)?.state).toEqual({ name: 'bo' });

    a.space.presence.set({ head: pose(-2.5, 1.6, 1) });
    await until(() => Math.abs((b.space.presence.get(a.client.clientId!)?.head?.p[0] ?? 0) + 2.5) < 1e-3, 'the move arrives');

    const leaves: PeerPresence[] = [];
    b.space.presence.on('leave', (p) => leaves.push(p));
    await a.space.close();
    await until(() => leaves.length === 1, 'a leaves');
    expect(b.space.presence.peers()).toEqual([]);
  });

  it("P4: a device that comes later gets a peer's state from the room at once; a region that comes to cover a peer shows it", async () => {
    const [a, b] = await pair();
    a.space.presence.set({ head: pose(-3, 1.6, 0), state: { name: 'ada', colour: '#e33' } });
    const region = await b.space.subscribeRegion(around(20, 0), { hysteresisMs: 0 });
    expect(region.cells).toEqual([EAST]);
    b.space.presence.set({ head: pose(20, 1.6, 0) }); // b poses in EAST, a is in WEST
    await until(() => a.client.status.state === 'synced' && b.client.status.state === 'synced', 'both synced');
    await new Promise((r) => setTimeout(r, 200));
    expect(b.space.presence.peers()).toEqual([]);

    await region.move(around(0, 0, 30));
    // a sent its state once, before b covered WEST, and keepalives carry no state: only the room's cache has it.
    await until(() => b.space.presence.get(a.client.clientId!)?.state !== undefined, 'the cached state');
    expect(b.space.presence.get(a.client.clientId!)).toMatchObject({ cell: WEST, state: { name: 'ada', colour: '#e33' } });
  });

  it('P4: crossing into another cell is no leave for a device whose region covers both', async () => {
    const [a, b] = await pair();
    await b.space.subscribeRegion(around(0, 0, 10));
    const events: string[] = [];
    for (const ev of ['join', 'leave'] as const) b.space.presence.on(ev, (p) => events.push(`${ev}:${p.cell}`));
    a.space.presence.set({ head: pose(-3, 1.6, 0) });
    await until(() => events.length === 1, 'b sees a');
    for (let x = -2; x <= 3; x++) {
      a.space.presence.set({ head: pose(x, 1.6, 0) });
      await new Promise((r) => setTimeout(r, 50));
    }
    await until(() => b.space.presence.get(a.client.clientId!)?.cell === EAST, 'a is in EAST for b');
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toEqual([`join:${WEST}`]);
  });
});
