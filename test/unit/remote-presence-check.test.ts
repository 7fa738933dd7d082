/**
 * S6 (room/room.ts): presence another node publishes passes the same check as a client's before it enters
 * the room's awareness. A state too deep to encode again would otherwise stay in the room, and every later
 * relay and every joiner's initial awareness would throw.
 */
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { encodeAwarenessUpdate } from 'y-protocols/awareness';
import { createMemoryStore } from '@cairn/server';
import { createRoom } from '../../packages/server/src/room/room.js';

function presence(clientID: number, state: string): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 1);
  encoding.writeVarUint(enc, clientID);
  encoding.writeVarUint(enc, 1);
  encoding.writeVarString(enc, state);
  return encoding.toUint8Array(enc);
}

describe('presence from another node', () => {
  it('S6: a deep or non-JSON state from the bus never enters the room; a valid one does', async () => {
    const errors: unknown[] = [];
    const room = createRoom({ tenant: 't', doc: 's/remote', store: createMemoryStore(), onError: (e) => errors.push(e) });
    await room.ready;
    room.applyRemotePresence(presence(1, '['.repeat(10_000) + ']'.repeat(10_000)));
    room.applyRemotePresence(presence(2, '{nope'));
    room.applyRemotePresence(presence(3, '{"name":"ok"}'));
    expect([...room.awareness.getStates().keys()]).toEqual([3]);
    expect(() => encodeAwarenessUpdate(room.awareness, [...room.awareness.getStates().keys()])).not.toThrow();
    expect(errors).toHaveLength(2);
    room.destroy();
  });
});
