/**
 * L1 as the server counts it (OPERATIONS.md "Edge cache"): each sync a room answers is a hit when what the
 * joiner lacks is at most L1_HIT_MAX_BYTES (its replica held the doc), a miss otherwise (an empty replica
 * of a non-empty doc always).
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStore } from '../../packages/server/src/store/memory-store.js';
import { createRoom, L1_HIT_MAX_BYTES } from '../../packages/server/src/room/room.js';

describe('L1 hit count', () => {
  it('L1: a joiner holding the doc, or all but a small update, is a hit; an empty replica or one far behind is a miss', async () => {
    const store = createMemoryStore();
    const writer = new Y.Doc();
    const updates: Uint8Array[] = [];
    writer.on('update', (u: Uint8Array) => updates.push(u));
    writer.getText('t').insert(0, 'x'.repeat(3 * L1_HIT_MAX_BYTES));
    const behind = Y.encodeStateVector(new Y.Doc());
    const early = new Y.Doc();
    Y.applyUpdate(early, updates[0]!);
    writer.getMap('m').set('small', 1);
    const almost = Y.encodeStateVector(early);
    await store.commitBatch(updates.map((update, i) => ({ tenant: 't', doc: 's/d', clientId: 'c', seq: i, actor: 'a', update })));
    const seen: boolean[] = [];
    const room = createRoom({ tenant: 't', doc: 's/d', store, observer: { repaired() {}, applied() {}, l1: (hit) => seen.push(hit) } });
    await room.ready;
    room.syncFor(Y.encodeStateVector(writer));
    room.syncFor(almost);
    room.syncFor(null);
    room.syncFor(behind);
    expect(seen).toEqual([true, true, false, false]);
    room.destroy();
  });
});
