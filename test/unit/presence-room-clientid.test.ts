/**
 * S1 (session/presence-guard.ts): no connection may speak for the room's own awareness clientID. The room
 * has no presence of its own; a state put there would be renewed by y-protocols forever instead of timing out.
 */
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { DEFAULT_LIMITS } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { createRoom } from '../../packages/server/src/room/room.js';
import { applyGuardedPresence } from '../../packages/server/src/session/presence-guard.js';

describe("the room's own awareness clientID", () => {
  it('S1: a presence entry for the room clientID is dropped; the sender\'s own entry is applied', async () => {
    const room = createRoom({ tenant: 't', doc: 's/own-id', store: createMemoryStore() });
    await room.ready;
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, 2);
    for (const id of [room.awareness.clientID, 77]) {
      encoding.writeVarUint(enc, id);
      encoding.writeVarUint(enc, 5);
      encoding.writeVarString(enc, '{"name":"me"}');
    }
    expect(applyGuardedPresence(room, encoding.toUint8Array(enc), {}, DEFAULT_LIMITS)).toBeNull();
    expect([...room.awareness.getStates().keys()]).toEqual([77]);
    room.destroy();
  });
});
