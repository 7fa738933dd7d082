/**
 * P4: a client takes a server's `peer-poses` frame (one turn's relayed records in one message) entry by
 * entry, exactly as the `peer-pose` frames that would carry each alone: joins, moves in order, leaves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, encodePresenceRecord, leaveRecordBytes, type PeerPoseEntry } from '@cairn/shared';
import type { PeerPresence } from '@cairn/client';
import { until } from './support/client-harness.js';
import { WEST, docOf, expectNear, pose, presenceRig, type PresenceRig } from './support/presence-harness.js';

let rig: PresenceRig;
afterEach(async () => {
  await rig.destroy();
});

const record = (seq: number, x: number) => encodePresenceRecord({ seq, head: pose(x, 1.6, 0) }, DEFAULT_LIMITS);

describe('presence: the peer-poses frame', () => {
  it('P4: each entry of a peer-poses frame counts as its own peer-pose, in order (join, move, leave)', async () => {
    rig = presenceRig();
    const b = await rig.client();
    const events: string[] = [];
    for (const ev of ['join', 'change', 'leave'] as const) b.space.presence.on(ev, (p: PeerPresence) => events.push(`${ev}:${p.peer}:${p.head?.p[0].toFixed(1) ?? '-'}`));
    b.space.presence.set({ head: pose(-1, 1.6, -1) });
    await until(() => rig.sent(b.client).length === 1, 'b poses in WEST');
    const session = rig.server.sessions.find((s) => s.clientId === b.client.clientId && !s.closed)!;
    const doc = docOf(WEST);
    const entry = (peer: string, bytes: Uint8Array): PeerPoseEntry => ({ doc, peer, user: 'u', record: bytes });

    session.send({ type: 'peer-poses', poses: [entry('peer-one-0001', record(1, -2)), entry('peer-two-0001', record(1, -3)), entry('peer-one-0001', record(2, -2.5)), entry('peer-one-0001', record(2, -9))] });
    await until(() => b.space.presence.peers().length === 2, 'both peers');
    expectNear(b.space.presence.get('peer-one-0001')?.head, pose(-2.5, 1.6, 0)); // seq 2 moved it; the repeated seq 2 was dropped
    session.send({ type: 'peer-poses', poses: [entry('peer-two-0001', leaveRecordBytes()), entry('peer-one-0001', record(3, -2.25))] });
    await until(() => b.space.presence.peers().length === 1, 'peer two left');
    expect(events).toEqual(['join:peer-one-0001:-2.0', 'join:peer-two-0001:-3.0', 'change:peer-one-0001:-2.5', 'leave:peer-two-0001:-3.0', 'change:peer-one-0001:-2.3']);
  });
});
