/**
 * O2: every anchor write resolves only once its update is in the replica (doc state and outbox row, one
 * Dexie transaction, O1): what `move`, `update`, `delete`, `extendTtl` and `addPlatformRef` resolved
 * survives a reload, as `create` already did (anchors-create-batch.test.ts). Before, they resolved as soon
 * as the Yjs transaction ran, and a reload right after could lose an edit the app was told was made.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cellOf, createGeoFrame, type Vec3 } from '@cairn/shared';
import type { CairnClient } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, freshIndexedDB } from './support/client-harness.js';

const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

/**
 * A fake IndexedDB that counts the completed read-write transactions on the outbox store: the count a
 * test reads synchronously right after a write resolved says whether the write had reached IndexedDB.
 */
function countingIndexedDB() {
  const idb = freshIndexedDB();
  const counter = { outboxWrites: 0 };
  const open = idb.indexedDB.open.bind(idb.indexedDB);
  idb.indexedDB.open = (...args: Parameters<typeof open>) => {
    const req = open(...args);
    req.addEventListener('success', () => {
      const db = req.result;
      const transaction = db.transaction.bind(db);
      db.transaction = ((stores: string | string[], mode?: IDBTransactionMode, options?: IDBTransactionOptions) => {
        const tx = transaction(stores, mode, options);
        const names = typeof stores === 'string' ? [stores] : [...stores];
        if (mode === 'readwrite' && names.includes('outbox')) tx.addEventListener('complete', () => counter.outboxWrites++);
        return tx;
      }) as typeof db.transaction;
    });
    return req;
  };
  return { idb, counter };
}

describe('anchor edits resolve once stored', () => {
  it('O2: move, update, extendTtl, addPlatformRef and delete each resolve with their outbox row written', async () => {
    const server = createFakeServer();
    const { idb, counter } = countingIndexedDB();
    const client = clientOn(server, idb);
    clients.push(client);
    client.goOffline();
    const space = client.space('edits', { origin: ORIGIN, precision: 8 });
    const frame = createGeoFrame(ORIGIN);
    const cell = (p: Vec3) => {
      const g = frame.toGeo(p);
      return cellOf(g.lat, g.lon, 8);
    };
    const cells = [cell([0, 0, 0]), cell([400, 0, -400])];
    expect(cells[0]).not.toBe(cells[1]);
    await space.openCells(cells);
    const a = await space.anchors.create({ pose: { p: [0, 0, 0], q: [0, 0, 0, 1] }, props: { n: 1 } });
    // Read synchronously after each write resolved: nothing else ran in between.
    let seen = counter.outboxWrites;
    const wrote = () => {
      const grew = counter.outboxWrites > seen;
      seen = counter.outboxWrites;
      return grew;
    };
    await space.anchors.move(a.id, { p: [1, 0, 0], q: [0, 0, 0, 1] });
    expect(wrote(), 'move').toBe(true);
    // Across a cell edge (two docs, two rows).
    await space.anchors.move(a.id, { p: [400, 0, -400], q: [0, 0, 0, 1] });
    expect(wrote(), 'move across cells').toBe(true);
    await space.anchors.update(a.id, { n: 2 });
    expect(wrote(), 'update').toBe(true);
    await space.anchors.extendTtl(a.id, 60_000);
    expect(wrote(), 'extendTtl').toBe(true);
    await space.anchors.addPlatformRef(a.id, { kind: 'webxr', handle: 'h-1' });
    expect(wrote(), 'addPlatformRef').toBe(true);
    await space.anchors.delete(a.id);
    expect(wrote(), 'delete').toBe(true);
  });
});
