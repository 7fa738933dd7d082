/**
 * P4: what a device puts on the socket. Many set() calls in one event-loop turn make one frame; frames go
 * no faster than the rate cap (nor the server's stated pose rate); the app state travels only when it
 * changed; with nothing new, a keepalive renews the poses every presenceKeepaliveMs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@cairn/shared';
import { settle, until } from './support/client-harness.js';
import { pose, presenceRig, type PresenceRig } from './support/presence-harness.js';

let rig: PresenceRig;
afterEach(async () => {
  await rig.destroy();
});

async function posing(server: Parameters<typeof presenceRig>[0] = {}) {
  rig = presenceRig(server);
  const a = await rig.client();
  a.space.presence.set({ head: pose(-1, 1.6, 0) });
  await until(() => rig.sent(a.client).length === 1, 'the first record');
  return a;
}

/** Calls set() every `stepMs` of virtual time for `ms`, letting each turn's microtasks run. */
async function moveFor(a: Awaited<ReturnType<typeof posing>>, ms: number, stepMs: number, state?: (i: number) => unknown): Promise<void> {
  for (let t = 0, i = 0; t < ms; t += stepMs, i++) {
    a.space.presence.set({ head: pose(-1 - t / 1e4, 1.6, 0), ...(state ? { state: state(i) } : {}) });
    await settle(1);
    rig.timers.advance(stepMs);
  }
  await settle();
}

describe('presence: sending', () => {
  it('P4: 100 set() calls in one turn make one pose frame, with the last values', async () => {
    const a = await posing();
    rig.timers.advance(100);
    await settle();
    const before = rig.sent(a.client).length;
    for (let i = 0; i < 100; i++) a.space.presence.set({ head: pose(-1 - i / 100, 1.6, 0) });
    await settle();
    const sent = rig.sent(a.client);
    expect(sent.length - before).toBe(1);
    expect(sent.at(-1)!.record.head!.p[0]).toBeCloseTo(-1.99, 3);
  });

  it('P4: frames follow the rate cap: 30 Hz by default, setRate(10) gives 10 Hz, over 2 s of 100 Hz set()', async () => {
    const a = await posing();
    rig.timers.advance(1000);
    await settle();
    let before = rig.sent(a.client).length;
    await moveFor(a, 2000, 10);
    const at30 = rig.sent(a.client).length - before;
    expect(at30).toBeGreaterThanOrEqual(59);
    expect(at30).toBeLessThanOrEqual(61);

    a.space.presence.setRate(10);
    rig.timers.advance(1000);
    await settle(); // the keepalive sent at the end of that second reaches the server
    before = rig.sent(a.client).length;
    await moveFor(a, 2000, 10);
    const at10 = rig.sent(a.client).length - before;
    expect(at10).toBeGreaterThanOrEqual(19);
    expect(at10).toBeLessThanOrEqual(21);
  });

  it("P4: the server's stated pose rate caps a higher setRate()", async () => {
    const a = await posing({ maxPosesPerSecond: 20 });
    a.space.presence.setRate(90);
    rig.timers.advance(1000);
    await settle();
    const before = rig.sent(a.client).length;
    await moveFor(a, 2000, 5);
    const n = rig.sent(a.client).length - before;
    expect(n).toBeGreaterThanOrEqual(39);
    expect(n).toBeLessThanOrEqual(41);
  });

  it('P4: the app state is sent only when it changed (frames and bytes counted)', async () => {
    const a = await posing();
    a.space.presence.set({ state: { name: 'ada', tool: 'pen' } });
    rig.timers.advance(1000);
    await settle();
    await moveFor(a, 1000, 10, () => ({ name: 'ada', tool: 'pen' })); // the same state, set again every time
    const sent = rig.sent(a.client);
    const withState = sent.filter((f) => f.record.state !== undefined);
    expect(withState.map((f) => f.record.state)).toEqual([{ name: 'ada', tool: 'pen' }]);
    const poseOnly = sent.filter((f) => f.record.state === undefined && f.record.head);
    expect(poseOnly.length).toBeGreaterThan(25);
    // A head-only record is flags, seq, 3 varint coordinates and 6 rotation bytes; the state adds its JSON.
    for (const f of poseOnly) expect(f.bytes).toBeLessThanOrEqual(20);
    const json = JSON.stringify({ name: 'ada', tool: 'pen' }).length;
    expect(withState[0]!.bytes - json).toBeGreaterThanOrEqual(11);
    expect(withState[0]!.bytes - json).toBeLessThanOrEqual(21);

    await moveFor(a, 1000, 10, (i) => ({ name: 'ada', tool: i < 50 ? 'pen' : 'eraser' }));
    expect(rig.sent(a.client).filter((f) => f.record.state !== undefined).map((f) => f.record.state)).toEqual([
      { name: 'ada', tool: 'pen' },
      { name: 'ada', tool: 'eraser' },
    ]);
  });

  it('P4: with nothing new, a keepalive carries the poses (not the state) every presenceKeepaliveMs, until clear()', async () => {
    const a = await posing();
    a.space.presence.set({ state: { name: 'ada' } });
    await settle();
    rig.timers.advance(34);
    await settle();
    const before = rig.sent(a.client).length;
    rig.timers.advance(DEFAULT_LIMITS.presenceKeepaliveMs - 1);
    await settle();
    expect(rig.sent(a.client).length).toBe(before);
    rig.timers.advance(1);
    await settle();
    expect(rig.sent(a.client).length).toBe(before + 1);
    rig.timers.advance(3 * DEFAULT_LIMITS.presenceKeepaliveMs);
    await settle();
    const keepalives = rig.sent(a.client).slice(before);
    expect(keepalives).toHaveLength(4);
    for (const k of keepalives) {
      expect(k.record.state).toBeUndefined();
      expect(k.record.head).toBeDefined();
    }
    expect(keepalives.map((k) => k.record.seq)).toEqual([...keepalives.keys()].map((i) => keepalives[0]!.record.seq + i));

    a.space.presence.clear();
    await until(() => rig.sent(a.client).at(-1)!.record.leave === true, 'the leave');
    const afterLeave = rig.sent(a.client).length;
    rig.timers.advance(5 * DEFAULT_LIMITS.presenceKeepaliveMs);
    await settle();
    expect(rig.sent(a.client).length).toBe(afterLeave);
  });
});
