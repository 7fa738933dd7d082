/**
 * F2 and the read model after compaction: the loads that move a copy of a doc forward by versions must not
 * silently skip the ones compaction trimmed. A room whose gap reaches below the history floor (it missed
 * bus messages for longer than the window) loads the doc again and hands its subscribers what they lacked;
 * a read-model copy that far behind is dropped and loaded again (ReplayBroken), not advanced past a hole.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStore, type Store } from '@cairn/server';
import { createRoom, type RoomSubscriber } from '../../packages/server/src/room/room.js';
import { advanceDoc, loadDoc, ReplayBroken } from '../../packages/server/src/readmodel/doc-replay.js';
import { compactDoc } from '../../packages/server/src/compact/compact-doc.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const T = 'tenant';
const DOC = 'space/doc';

async function commitRange(store: Store, from: number, to: number): Promise<Uint8Array[]> {
  const updates: Uint8Array[] = [];
  for (let i = from; i <= to; i++) {
    const update = mapUpdate(`k${i}`, i);
    updates.push(update);
    await store.commitBatch([{ tenant: T, doc: DOC, clientId: 'writer-0001', seq: i, actor: 'a', update }]);
  }
  return updates;
}

describe('loads after compaction', () => {
  it('F2: a room whose missing versions were trimmed reloads from the Store and sends its subscribers what they lacked', async () => {
    let clock = Date.now() - 10_000;
    const store = createMemoryStore({ now: () => clock });
    await commitRange(store, 1, 5);
    const room = createRoom({ tenant: T, doc: DOC, store });
    await room.ready;
    // A subscriber's replica, in sync with the room at version 5.
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(room.ydoc));
    const got: number[] = [];
    const sub: RoomSubscriber = { update: (v, u) => { got.push(v); Y.applyUpdate(replica, u); } };
    room.subscribe(sub);
    // Versions 6..12 are committed but never reach this room (bus drops), and compaction trims up to 10.
    await commitRange(store, 6, 12);
    clock = Date.now();
    const [last] = await commitRange(store, 13, 13);
    expect(await compactDoc(store, T, DOC, new Date(clock - 1))).toMatchObject({ rows: 12, floor: 12 });
    expect((await store.loadHistoryFloor(T, DOC))!.version).toBe(12);
    room.applyCommitted(13, last!);
    await until(() => room.version === 13, 'the room past the trimmed gap');
    await room.ready;
    const keys = Array.from({ length: 13 }, (_, i) => `k${i + 1}`).sort();
    expect(Object.keys(room.ydoc.getMap('m').toJSON()).sort()).toEqual(keys);
    expect(Object.keys(replica.getMap('m').toJSON()).sort(), 'the subscriber got the trimmed versions as one update').toEqual(keys);
    // The reload reached the head (13 was committed already): one update at 13 carries 6..13.
    expect(got).toEqual([13]);
    room.destroy();
  });

  it('read model: a cached copy behind the floor is not advanced past the hole; a fresh load has everything', async () => {
    let clock = Date.now() - 10_000;
    const store = createMemoryStore({ now: () => clock });
    await commitRange(store, 1, 3);
    const copy = await loadDoc(store, T, DOC, null);
    expect(copy.version).toBe(3);
    await commitRange(store, 4, 8);
    clock = Date.now();
    await commitRange(store, 9, 9);
    await compactDoc(store, T, DOC, new Date(clock - 1));
    await expect(advanceDoc(store, T, DOC, copy, null)).rejects.toBeInstanceOf(ReplayBroken);
    expect(copy.version).toBe(3);
    const fresh = await loadDoc(store, T, DOC, null);
    expect(fresh.version).toBe(9);
    expect(Object.keys(fresh.ydoc.getMap('m').toJSON())).toHaveLength(9);
  });
});
