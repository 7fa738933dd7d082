/**
 * P4: two clients in one space see each other's head, hands, ray and app state (in the space frame, within
 * the wire's quantization), with join, change and leave events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerPresence } from '@cairn/client';
import { settle, until } from './support/client-harness.js';
import { WEST, docOf, expectNear, expectNearVec, pose, presenceRig, type PresenceRig } from './support/presence-harness.js';

let rig: PresenceRig;
afterEach(async () => {
  await rig.destroy();
});

const s = Math.SQRT1_2;

describe('presence: peers see each other', () => {
  it('P4: a peer joins with its head, hands, ray and state, changes, and leaves on clear() and on close', async () => {
    rig = presenceRig();
    const a = await rig.client();
    const b = await rig.client();
    const events: [string, PeerPresence][] = [];
    for (const ev of ['join', 'change', 'leave'] as const) b.space.presence.on(ev, (p) => events.push([ev, p]));

    b.space.presence.set({ head: pose(-1, 1.6, -1) });
    await until(() => rig.sent(b.client).length === 1, 'b poses in WEST');

    const head = pose(-2.12345, 1.61234, 3.4567, [0, s, 0, s]);
    const left = pose(-2.3, 1.2, 3.2, [0.1, 0.2, 0.3, Math.sqrt(1 - 0.14)]);
    const right = pose(-1.9, 1.2, 3.2);
    const ray = { origin: [-1.9, 1.2, 3.2] as [number, number, number], direction: [0, 0, -1] as [number, number, number] };
    a.space.presence.set({ head, left, right, ray, state: { name: 'ada', colour: '#e33' } });
    await until(() => b.space.presence.peers().length === 1, 'b sees a');

    const peer = b.space.presence.get(a.client.clientId!)!;
    expect(peer).toMatchObject({ peer: a.client.clientId, user: '', cell: WEST, state: { name: 'ada', colour: '#e33' } });
    expectNear(peer.head, head);
    expectNear(peer.left, left);
    expectNear(peer.right, right);
    expectNearVec(peer.ray?.origin, ray.origin, 0.00025 + 1e-9);
    expectNearVec(peer.ray?.direction, ray.direction, 1e-3);
    expect(events.map(([ev]) => ev)).toEqual(['join']);
    expect(rig.sent(a.client).map((f) => f.doc)).toEqual([docOf(WEST)]);

    // A hand taken away is gone at the peer; the state it did not resend stays.
    a.space.presence.set({ head: pose(-2, 1.6, 3), left: null });
    rig.timers.advance(34); // the rate cap (30 Hz) holds the second record this long
    await until(() => events.length === 2, 'a change');
    expect(events[1]![0]).toBe('change');
    expect(events[1]![1].left).toBeUndefined();
    expectNear(events[1]![1].head, pose(-2, 1.6, 3));
    expect(events[1]![1].state).toEqual({ name: 'ada', colour: '#e33' });

    a.space.presence.clear();
    await until(() => events.length === 3, 'a leaves');
    expect(events[2]![0]).toBe('leave');
    expect(b.space.presence.peers()).toEqual([]);
    expect(a.space.presence.local).toBeNull();

    a.space.presence.set({ head: pose(-3, 1.6, 0) });
    rig.timers.advance(34);
    await until(() => events.length === 4, 'a is back');
    expect(events[3]![0]).toBe('join');
    await a.space.close();
    await until(() => events.length === 5, 'a closed');
    expect(events[4]![0]).toBe('leave');
  });

  it('P4: the app state is copied at set(), must be JSON and within its size; a keepalive with the same poses is no change', async () => {
    rig = presenceRig();
    const a = await rig.client();
    const b = await rig.client();
    b.space.presence.set({ head: pose(-1, 1.6, -1) });
    await until(() => rig.sent(b.client).length === 1, 'b poses');
    const changes: PeerPresence[] = [];
    b.space.presence.on('change', (p) => changes.push(p));

    const state = { name: 'ada' };
    a.space.presence.set({ head: pose(-2, 1.6, 0), state });
    state.name = 'mutated after set';
    await until(() => b.space.presence.peers().length === 1, 'b sees a');
    expect(b.space.presence.peers()[0]!.state).toEqual({ name: 'ada' });
    expect(a.space.presence.local?.state).toEqual({ name: 'ada' });

    expect(() => a.space.presence.set({ state: 'x'.repeat(2000) })).toThrow(/presence state/);
    expect(() => a.space.presence.set({ state: () => 1 })).toThrow(/JSON/);
    expect(() => a.space.presence.set({ head: pose(Number.NaN, 0, 0) })).toThrow(/not finite/);
    expect(() => a.space.presence.setRate(0)).toThrow(/1-90 Hz/);
    expect(() => a.space.presence.setRate(91)).toThrow(/1-90 Hz/);
    expect(a.space.presence.local?.state).toEqual({ name: 'ada' });

    const before = rig.sent(a.client).length;
    rig.timers.advance(1000); // keepalive
    await until(() => rig.sent(a.client).length === before + 1, 'keepalive');
    await settle();
    expect(changes).toEqual([]);
    expect(b.space.presence.peers()[0]!.updatedAt).toBe(rig.timers.now);
  });
});
