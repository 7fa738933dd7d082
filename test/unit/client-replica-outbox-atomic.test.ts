import * as Y from 'yjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDBObjectStore } from 'fake-indexeddb';
import { openDexieStore } from '../../packages/client/src/replica/dexie-store.js';
import type { ReplicaStore } from '../../packages/client/src/replica/replica-store.js';
import { foreignUpdate, freshIndexedDB } from './support/client-harness.js';

const DOC = 'space-a/notes';
const stores: ReplicaStore[] = [];

async function open(db = freshIndexedDB()) {
  const store = await openDexieStore({ ...db, compactThreshold: 64, onFailure: () => undefined });
  stores.push(store);
  return store;
}

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

/** Makes IndexedDB refuse every add to one object store, inside whatever transaction does it. */
function failAddsTo(storeName: string) {
  const add = IDBObjectStore.prototype.add;
  vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(function (this: IDBObjectStore, ...args) {
    if (this.name === storeName) throw new DOMException('forced failure', 'UnknownError');
    return add.apply(this, args);
  });
}

describe('a local write lands in the doc state and the outbox together, or in neither', () => {
  it('O1: when the outbox row fails, the doc-state row written before it in the transaction is rolled back', async () => {
    const store = await open();
    failAddsTo('outbox');
    await expect(store.writeLocal([{ doc: DOC, update: foreignUpdate('k', 1) }], 1)).rejects.toThrow();
    vi.restoreAllMocks();
    expect(await store.loadDoc(DOC)).toEqual([]);
    expect(await store.outboxSize()).toBe(0);
    // The seq was not consumed either: the next write still gets seq 1.
    expect(await store.writeLocal([{ doc: DOC, update: foreignUpdate('k', 2) }], 2)).toEqual([1]);
  });

  it('O1: when the doc-state row fails, no outbox row is written', async () => {
    const store = await open();
    failAddsTo('updates');
    await expect(store.writeLocal([{ doc: DOC, update: foreignUpdate('k', 1) }], 1)).rejects.toThrow();
    vi.restoreAllMocks();
    expect(await store.outboxSize()).toBe(0);
    expect(await store.loadDoc(DOC)).toEqual([]);
  });

  it('O1: a burst written as one transaction (many docs, many rows) fails whole when one outbox row fails', async () => {
    const store = await open();
    const add = IDBObjectStore.prototype.add;
    let outboxAdds = 0;
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === 'outbox' && ++outboxAdds === 3) throw new DOMException('forced failure', 'UnknownError');
      return add.apply(this, args);
    });
    const writes = Array.from({ length: 6 }, (_, i) => ({ doc: `space-a/cell/c${i % 3}`, update: foreignUpdate(`k${i}`, i) }));
    await expect(store.writeLocal(writes, 1)).rejects.toThrow();
    expect(outboxAdds).toBe(3);
    vi.restoreAllMocks();
    expect(await store.outboxSize()).toBe(0);
    for (let c = 0; c < 3; c++) expect(await store.loadDoc(`space-a/cell/c${c}`)).toEqual([]);
    expect(await store.writeLocal(writes.slice(0, 2), 2)).toEqual([1, 2]);
  });

  it('O1: a successful write holds the update in both, under one seq', async () => {
    const store = await open();
    const update = foreignUpdate('k', 1);
    expect(await store.writeLocal([{ doc: DOC, update }], 7)).toEqual([1]);
    expect(await store.loadDoc(DOC)).toEqual([update]);
    expect(await store.outboxAfter(0)).toEqual([{ seq: 1, doc: DOC, update, createdAt: 7 }]);
  });

  it('O1: two connections to one database (two tabs) allocate gap-free seqs that never collide', async () => {
    const db = freshIndexedDB();
    const tabA = await open(db);
    const tabB = await open(db);
    const writes = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? tabA : tabB).writeLocal([{ doc: DOC, update: foreignUpdate(`k${i}`, i) }], i));
    const seqs = (await Promise.all(writes)).flat();
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await tabB.outboxAfter(0)).map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await tabA.clientId()).toBe(await tabB.clientId());
    const merged = new Y.Doc();
    for (const u of await tabA.loadDoc(DOC)) Y.applyUpdate(merged, u);
    expect(Object.keys(merged.getMap('m').toJSON())).toHaveLength(20);
  });
});
