/**
 * P4: offline, set() keeps the local value and nothing is sent; on reconnect the latest presence (state
 * included) goes out as soon as the cell is subscribed again. A peer silent for presenceTimeoutMs is gone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerPresence } from '@cairn/client';
import { settle, until } from './support/client-harness.js';
import { expectNear, pose, presenceRig, type PresenceRig } from './support/presence-harness.js';

let rig: PresenceRig;
afterEach(async () => {
  await rig.destroy();
});

describe('presence: offline and timeouts', () => {
  it('P4: offline set() works and sends nothing; on reconnect the latest presence arrives at the peer', async () => {
    rig = presenceRig();
    const a = await rig.client();
    const b = await rig.client();
    b.space.presence.set({ head: pose(-1, 1.6, -1) });
    await until(() => rig.sent(b.client).length === 1, 'b poses');
    a.space.presence.set({ head: pose(-2, 1.6, 0), state: { name: 'ada' } });
    await until(() => b.space.presence.peers().length === 1, 'b sees a');

    a.client.goOffline();
    await until(() => b.space.presence.peers().length === 0, 'the server tells b that a left');
    const before = rig.sent(a.client).length;
    a.space.presence.set({ head: pose(-4, 1.6, 2), state: { name: 'ada', away: true } });
    for (let i = 0; i < 5; i++) {
      rig.timers.advance(1000);
      await settle();
    }
    expect(a.space.presence.local).toMatchObject({ head: pose(-4, 1.6, 2), state: { name: 'ada', away: true } });
    expect(rig.sent(a.client).length).toBe(before);

    const joins: PeerPresence[] = [];
    b.space.presence.on('join', (p) => joins.push(p));
    a.client.goOnline();
    await until(() => joins.length === 1, 'a is back for b');
    expectNear(joins[0]!.head, pose(-4, 1.6, 2));
    expect(joins[0]!.state).toEqual({ name: 'ada', away: true });
    expect(rig.sent(a.client).length).toBe(before + 1);
  });

  it('P4: a peer silent for presenceTimeoutMs (the welcome value) leaves, not earlier; it joins again when it speaks', async () => {
    rig = presenceRig({ presenceTimeoutMs: 3000 });
    const a = await rig.client();
    const b = await rig.client();
    b.space.presence.set({ head: pose(-1, 1.6, -1) });
    await until(() => rig.sent(b.client).length === 1, 'b poses');
    const events: string[] = [];
    for (const ev of ['join', 'change', 'leave'] as const) b.space.presence.on(ev, () => events.push(ev));
    a.space.presence.set({ head: pose(-2, 1.6, 0) });
    await until(() => events.length === 1, 'b sees a');

    rig.server.options.relayPoses = false; // a's keepalives stop reaching b, and no leave comes (a dead node)
    rig.timers.advance(2999);
    await settle();
    expect(b.space.presence.peers()).toHaveLength(1);
    rig.timers.advance(1);
    await settle();
    expect(b.space.presence.peers()).toHaveLength(0);
    expect(events).toEqual(['join', 'leave']);

    rig.server.options.relayPoses = true;
    rig.timers.advance(1000);
    await until(() => events.length === 3, 'a speaks again');
    expect(events[2]).toBe('join');
  });

  it('P4: a connection lost for longer than presenceTimeoutMs clears the peers, with leave events', async () => {
    rig = presenceRig();
    const a = await rig.client();
    const b = await rig.client();
    b.space.presence.set({ head: pose(-1, 1.6, -1) });
    await until(() => rig.sent(b.client).length === 1, 'b poses');
    a.space.presence.set({ head: pose(-2, 1.6, 0) });
    await until(() => b.space.presence.peers().length === 1, 'b sees a');
    const leaves: PeerPresence[] = [];
    b.space.presence.on('leave', (p) => leaves.push(p));
    b.client.goOffline();
    rig.timers.advance(4999);
    await settle();
    expect(leaves).toHaveLength(0);
    rig.timers.advance(1);
    await settle();
    expect(leaves.map((p) => p.peer)).toEqual([a.client.clientId]);
  });
});
