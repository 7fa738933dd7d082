/**
 * Compaction (room/room.ts): a room writes snapshots of its doc as versions and bytes accumulate, a room
 * loaded later starts from the snapshot and replays only the tail, and the log keeps every update.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStore, type Store } from '@cairn/server';
import { createRoom, type Room } from '../../packages/server/src/room/room.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const T = 'tenant';
const DOC = 'space/doc';

/** Commits the update to the Store, as the commit path does, then hands it to the room. */
async function commit(store: Store, room: Room, seq: number, update: Uint8Array): Promise<number> {
  const [outcome] = await store.commitBatch([{ tenant: T, doc: DOC, clientId: 'writer-0001', seq, actor: 'a', update }]);
  room.applyCommitted(outcome!.version, update);
  return outcome!.version;
}

describe('room snapshots', () => {
  it('a snapshot is written after minUpdates versions; a room loaded later holds the same doc and the log is whole', async () => {
    const store = createMemoryStore();
    const room = createRoom({ tenant: T, doc: DOC, store, snapshot: { minUpdates: 10 } });
    await room.ready;
    for (let i = 1; i <= 9; i++) await commit(store, room, i, mapUpdate(`k${i}`, i));
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.loadSnapshot(T, DOC), 'no snapshot before 10 versions').toBeNull();
    for (let i = 10; i <= 25; i++) await commit(store, room, i, mapUpdate(`k${i}`, i));
    await until(async () => ((await store.loadSnapshot(T, DOC))?.version ?? 0) >= 10, 'a snapshot');
    const snap = (await store.loadSnapshot(T, DOC))!;
    const fromSnapshot = new Y.Doc();
    Y.applyUpdate(fromSnapshot, snap.state);
    expect(Object.keys(fromSnapshot.getMap('m').toJSON())).toHaveLength(snap.version);

    const later = createRoom({ tenant: T, doc: DOC, store });
    await later.ready;
    expect(later.version).toBe(25);
    expect(later.ydoc.getMap('m').toJSON()).toEqual(room.ydoc.getMap('m').toJSON());
    expect(Object.keys(later.ydoc.getMap('m').toJSON())).toHaveLength(25);
    expect((await store.loadUpdates(T, DOC, 0)).map((r) => r.version)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    room.destroy();
    later.destroy();
  });

  it('a big doc is not snapshotted again for a few small updates: a quarter of its size must come after', async () => {
    const store = createMemoryStore();
    const room = createRoom({ tenant: T, doc: DOC, store, snapshot: { minUpdates: 2 } });
    await room.ready;
    await commit(store, room, 1, mapUpdate('big', 'x'.repeat(40_000)));
    await commit(store, room, 2, mapUpdate('small', 1));
    await until(async () => (await store.loadSnapshot(T, DOC))?.version === 2, 'the first snapshot');
    // ~40 KB snapshot: 10 small updates (~30 bytes each) are far from 10 KB, so no new snapshot.
    let seq = 3;
    for (; seq < 13; seq++) await commit(store, room, seq, mapUpdate(`s${seq}`, seq));
    await new Promise((r) => setTimeout(r, 20));
    expect((await store.loadSnapshot(T, DOC))?.version).toBe(2);
    // 11 KB more in one update: past a quarter of the snapshot, so the next snapshot comes.
    const last = await commit(store, room, seq, mapUpdate('more', 'y'.repeat(11_000)));
    await until(async () => (await store.loadSnapshot(T, DOC))?.version === last, 'the second snapshot');
    room.destroy();
  });
});
