/**
 * S6 (room/room.ts): a room hands each committed update and each presence change to its subscribers in
 * turn; one subscriber that throws must not stop delivery to the others, nor throw back into the sender.
 */
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { DEFAULT_LIMITS } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { createRoom, type RoomSubscriber } from '../../packages/server/src/room/room.js';
import { applyGuardedPresence } from '../../packages/server/src/session/presence-guard.js';
import { mapUpdate } from '../support/yjs-updates.js';

function presence(clientID: number, clock: number, state: string): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 1);
  encoding.writeVarUint(enc, clientID);
  encoding.writeVarUint(enc, clock);
  encoding.writeVarString(enc, state);
  return encoding.toUint8Array(enc);
}

describe('room relays', () => {
  it('S6: a subscriber that throws on update or presence does not stop the others or the sender', async () => {
    const errors: unknown[] = [];
    const room = createRoom({ tenant: 't', doc: 's/relay', store: createMemoryStore(), onError: (e) => errors.push(e) });
    await room.ready;
    const got = { first: 0, last: 0, firstPresence: 0, lastPresence: 0 };
    const first: RoomSubscriber = { update: () => void got.first++, presence: () => void got.firstPresence++ };
    const broken: RoomSubscriber = {
      update: () => {
        throw new Error('broken subscriber');
      },
      presence: () => {
        throw new Error('broken subscriber');
      },
    };
    const last: RoomSubscriber = { update: () => void got.last++, presence: () => void got.lastPresence++ };
    const sender: RoomSubscriber = { update: () => undefined };
    for (const s of [first, broken, last, sender]) room.subscribe(s);

    expect(() => room.applyCommitted(1, mapUpdate('k', 1))).not.toThrow();
    expect(() => applyGuardedPresence(room, presence(42, 1, '{"n":1}'), sender, DEFAULT_LIMITS)).not.toThrow();
    expect(got).toEqual({ first: 1, last: 1, firstPresence: 1, lastPresence: 1 });
    expect(errors).toHaveLength(2);
    expect(room.version).toBe(1);
    room.destroy();
  });
});
