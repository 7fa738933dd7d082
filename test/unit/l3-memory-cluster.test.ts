/**
 * L3 on in-process seams (DESIGN.md section 7): two sync nodes sharing a memory Store, bus hub and snapshot
 * cache. The snapshot follows the doc as its rooms write Store snapshots, and a load that gives up while it
 * waits for another node's lease holds nothing (S7: the socket's load slot comes back).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMemoryBusHub, createMemorySnapshotCache, createMemoryStore, createSyncNode, type SyncNode } from '@cairn/server';
import { createLoadSlots } from '../../packages/server/src/room/load-slots.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const nodes: SyncNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.shutdown();
});

function cluster() {
  const store = createMemoryStore();
  const hub = createMemoryBusHub();
  const cache = createMemorySnapshotCache();
  const start = (nodeId: string) => {
    const node = createSyncNode({ store, bus: hub.connect(), verify: async () => ({ tenant: 't', subject: 's', spaces: { '*': 'rw' } }), nodeId, cache, snapshotMinUpdates: 3 });
    nodes.push(node);
    return node;
  };
  return { store, cache, a: start('a'), b: start('b') };
}

const write = (store: ReturnType<typeof createMemoryStore>, from: number, to: number) =>
  store.commitBatch(Array.from({ length: to - from }, (_, i) => ({ tenant: 't', doc: 's/d', clientId: `c${from + i}`, seq: 1, actor: 'w', update: mapUpdate(`k${from + i}`, from + i) })));

describe('L3 in one process', () => {
  it('L3: the cached snapshot follows the doc as a room writes its Store snapshots, and another node starts from it', async () => {
    const { store, cache, a, b } = cluster();
    const room = await a.rooms.acquire('t', 's/d');
    await write(store, 0, 8);
    room.catchUp(8);
    await until(async () => ((await cache.get('t', 's/d'))?.version ?? 0) >= 3, 'a snapshot shared at version 3 or later');
    const shared = (await cache.get('t', 's/d'))!;
    expect((await store.loadSnapshot('t', 's/d'))?.version).toBe(shared.version);
    const other = await b.rooms.acquire('t', 's/d');
    expect(other.loadedFrom).toBe('l3');
    expect(other.version).toBe(8);
    expect(other.ydoc.getMap('m').toJSON()).toEqual(room.ydoc.getMap('m').toJSON());
    const d = new Y.Doc();
    Y.applyUpdate(d, shared.state);
    expect(Object.keys(d.getMap('m').toJSON()).length).toBe(shared.version);
  });

  it('L3: a Store load shares the Store snapshot as it is, and the other node reads the tail after it from the Store', async () => {
    const { store, cache, a, b } = cluster();
    await write(store, 0, 8);
    const base = new Y.Doc();
    for (const r of await store.loadUpdates('t', 's/d', 0, 5)) Y.applyUpdate(base, r.update);
    await store.saveSnapshot('t', 's/d', { version: 5, state: Y.encodeStateAsUpdate(base), owners: new Map() });
    const first = await a.rooms.acquire('t', 's/d');
    expect(first.loadedFrom).toBe('store');
    await until(async () => (await cache.get('t', 's/d'))?.version === 5, 'the Store snapshot shared');
    const other = await b.rooms.acquire('t', 's/d');
    expect(other.loadedFrom).toBe('l3');
    expect(other.version).toBe(8);
    expect(other.ydoc.getMap('m').toJSON()).toEqual(first.ydoc.getMap('m').toJSON());
  });

  it('S7: a load that gives up while waiting for another node\'s lease gives its socket\'s load slot back and loads nothing', async () => {
    const { cache, a } = cluster();
    const lease = await cache.lease('t', 's/d', 60_000); // another node loading, for a long time
    const owner = createLoadSlots(1);
    const stop = new AbortController();
    const join = a.rooms.acquire('t', 's/d', { owner, signal: stop.signal });
    await until(() => owner.running === 1, 'the wait under way');
    stop.abort(new Error('unsubscribed'));
    await expect(join).rejects.toThrow('unsubscribed');
    await until(() => owner.running === 0, 'the slot given back');
    expect(a.rooms.size).toBe(0);
    await lease!.release();
  });
});
