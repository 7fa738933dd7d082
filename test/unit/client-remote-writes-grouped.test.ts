/**
 * ⑨ Live server updates are applied to the doc at once and written to the replica in groups (inbound/apply-remote.ts):
 * while one replica transaction is in flight, every update applied meanwhile waits for the next one. X1: a
 * burst of remote moves leaves the index and live queries at the last poses; O3: a reload finds every update
 * the server sent in the replica.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cellDocId, cellOf, encodeHlc, putAnchor, setPose, type Vec3 } from '@cairn/shared';
import type { CairnClient } from '@cairn/client';
import { createRemoteApplier } from '../../packages/client/src/inbound/apply-remote.js';
import type { RemoteWrite } from '../../packages/client/src/replica/replica-store.js';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, freshIndexedDB, until } from './support/client-harness.js';
import { prng } from '../support/prng.js';

const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const CELL = cellOf(ORIGIN.lat, ORIGIN.lon, 7);
const DOC = cellDocId('site', CELL);
const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});
const track = (c: CairnClient) => (clients.push(c), c);

const update = (key: string): Uint8Array => {
  const d = new Y.Doc();
  d.getMap('m').set(key, 1);
  return Y.encodeStateAsUpdate(d);
};

describe('remote updates: grouped replica writes', () => {
  it('⑨: updates applied while a replica write is in flight go out together in the next one, in order', async () => {
    const calls: RemoteWrite[][] = [];
    const release: (() => void)[] = [];
    const errors: unknown[] = [];
    const doc = new Y.Doc();
    const applier = createRemoteApplier({
      replica: {
        writeRemotes: (writes) => {
          calls.push([...writes]);
          return new Promise<void>((resolve) => release.push(resolve));
        },
      },
      docOf: () => doc,
      onError: (err) => errors.push(err),
    });
    const first = applier.apply({ doc: 'd', version: 1, update: update('a') });
    void applier.apply({ doc: 'd', version: 2, update: update('b') });
    await Promise.resolve();
    await Promise.resolve();
    expect(calls.map((c) => c.map((w) => w.version))).toEqual([[1, 2]]); // one turn's updates: one write
    expect(doc.getMap('m').toJSON()).toEqual({ a: 1, b: 1 }); // the doc did not wait for the replica

    for (let v = 3; v <= 5; v++) void applier.apply({ doc: 'd', version: v, update: update(`k${v}`) });
    let allWritten = false;
    void applier.written().then(() => (allWritten = true));
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(1); // the first is still in flight: the others wait for it

    release[0]!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(calls.map((c) => c.map((w) => w.version))).toEqual([[1, 2], [3, 4, 5]]);
    expect(allWritten).toBe(false);
    release[1]!();
    await applier.written();
    expect(allWritten).toBe(true);
    expect(errors).toEqual([]);
  });

  it('⑨: a failed write is reported once and the writes after it still go out', async () => {
    const calls: number[][] = [];
    const errors: unknown[] = [];
    let fail = true;
    const applier = createRemoteApplier({
      replica: {
        writeRemotes: async (writes) => {
          calls.push(writes.map((w) => w.version!));
          if (fail) throw new Error('disk gone');
        },
      },
      docOf: () => undefined,
      onError: (err) => errors.push(err),
    });
    await applier.apply({ doc: 'd', version: 1, update: update('a') }); // resolves: the failure goes to onError
    fail = false;
    await applier.apply({ doc: 'd', version: 2, update: update('b') });
    expect(calls).toEqual([[1], [2]]);
    expect(errors).toHaveLength(1);
  });

  it('X1/O3: a burst of remote moves ends at the last poses in the index and a live query, in far fewer replica transactions, and a reload holds them all', async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 100000);
    console.log(`client-remote-writes-grouped seed=${seed} (SEED=${seed} reproduces)`);
    const rnd = prng(seed);
    const IDS = 20;
    const MOVES = 200;
    const server = createFakeServer();
    const other = new Y.Doc();
    const hlc = (n: number) => encodeHlc({ wallMs: 1_000 + n, counter: 0, nodeId: 'other' });
    const last = new Map<string, Vec3>();
    other.transact(() => {
      for (let i = 0; i < IDS; i++) {
        const p: Vec3 = [i - 10, 0, 0];
        last.set(`a-${i}`, p);
        putAnchor(other, { id: `a-${i}`, pose: { p, q: [0, 0, 0, 1], hlc: hlc(0) }, created: { by: 'other', at: 'then' } });
      }
    });
    server.commitFromElsewhere(DOC, Y.encodeStateAsUpdate(other));

    const db = freshIndexedDB();
    // Count the replica's write transactions on the updates table (Dexie binds the method when it opens a database:
    // patched before the client opens its own).
    const probe = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = db.indexedDB.open('probe');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const proto = Object.getPrototypeOf(probe) as IDBDatabase;
    probe.close();
    const transaction = proto.transaction;
    let writes = 0;
    let counting = false;
    proto.transaction = function (this: IDBDatabase, names: string | string[], mode?: IDBTransactionMode, ...rest: unknown[]) {
      if (counting && mode === 'readwrite' && [names].flat().includes('updates')) writes++;
      return (transaction as (...a: unknown[]) => IDBTransaction).call(this, names, mode, ...rest);
    } as typeof transaction;
    const client = track(clientOn(server, db));
    const space = client.space('site', { origin: ORIGIN });
    await space.openCells([CELL]);
    await client.whenSynced();
    await until(() => space.anchors.all().length === IDS, 'the seeded anchors are indexed');
    const live = space.anchors.observe({ kind: 'within', center: [0, 0, 0], radiusM: 5 }, () => undefined);

    try {
      counting = true;
      const updates: Uint8Array[] = [];
      other.on('update', (u: Uint8Array) => updates.push(u));
      for (let n = 1; n <= MOVES; n++) {
        const id = `a-${rnd.int(IDS)}`;
        const p: Vec3 = [Math.round((rnd.next() * 20 - 10) * 100) / 100, 0, Math.round((rnd.next() * 20 - 10) * 100) / 100];
        last.set(id, p);
        other.transact(() => setPose(other, id, { p, q: [0, 0, 0, 1], hlc: hlc(n) }));
      }
      for (const u of updates) server.commitFromElsewhere(DOC, u); // one turn: every frame is on its way at once

      const atLast = () => [...last].every(([id, p]) => JSON.stringify(space.anchors.get(id)?.pose.p) === JSON.stringify(p));
      await until(atLast, 'every anchor is at its last pose');
      const inside = [...last].filter(([, p]) => Math.hypot(p[0], p[1], p[2]) <= 5).map(([id]) => id).sort();
      expect([...live.current()].sort()).toEqual(inside);
      expect(space.anchors.within([0, 0, 0], 5).map((a) => a.id).sort()).toEqual(inside);
      await client.destroy(); // waits for the queued replica writes (router idle)
      console.log(`${MOVES} remote updates, ${writes} replica write transactions`);
      expect(writes).toBeGreaterThan(0);
      expect(writes).toBeLessThan(MOVES / 4);
    } finally {
      proto.transaction = transaction;
    }

    const reopened = track(clientOn(server, db));
    reopened.goOffline();
    const doc = await reopened.open(DOC);
    expect(Y.encodeStateVector(doc)).toEqual(Y.encodeStateVector(server.doc(DOC)));
    const again = reopened.space('site', { origin: ORIGIN });
    await again.openCells([CELL]);
    await until(() => again.anchors.all().length === IDS, 'the reloaded anchors are indexed');
    for (const [id, p] of last) expect(again.anchors.get(id)?.pose.p).toEqual(p);
  });
});
