/**
 * History on the Store (L1, L2), run on every Store (Postgres, PGlite, memory): the log's metadata
 * (listChanges), times to versions (versionAt), a space's docs (listDocs), and the reads and revert
 * updates built on them (packages/server/src/history/). Seeded: each suite prints its SEED.
 */
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommitRequest, Store } from '../../packages/server/src/store/store.js';
import { readDocAt } from '../../packages/server/src/history/doc-at.js';
import { revertUpdate } from '../../packages/server/src/history/revert-update.js';
import { push } from './store-fixtures.js';
import { seededRandom, type SeededRandom } from './store-seeded-random.js';

const DOC = 'plans/notes';

/** The doc's content as plain data plus its state vector: what two copies must share to be equal. */
function contentOf(d: Y.Doc): unknown {
  return { text: d.getText('t').toString(), map: d.getMap('m').toJSON(), list: d.getArray('a').toJSON(), sv: [...Y.decodeStateVector(Y.encodeStateVector(d))].sort() };
}

/** Content only (a revert adds structs of its own client, so its state vector differs from the old one). */
function plainOf(d: Y.Doc): unknown {
  return { text: d.getText('t').toString(), map: d.getMap('m').toJSON(), list: d.getArray('a').toJSON() };
}

/** One random edit by one of three writers; returns the update it produced. */
function randomEdit(random: SeededRandom, writers: Y.Doc[], live: Y.Doc): Uint8Array {
  const w = writers[random.int(0, writers.length - 1)]!;
  Y.applyUpdate(w, Y.encodeStateAsUpdate(live, Y.encodeStateVector(w)));
  let out: Uint8Array | null = null;
  const capture = (u: Uint8Array) => (out = u);
  w.on('update', capture);
  const text = w.getText('t');
  const map = w.getMap('m');
  const list = w.getArray<number>('a');
  switch (random.int(0, 5)) {
    case 0: text.insert(random.int(0, text.length), `x${random.int(0, 99)}`); break;
    case 1: if (text.length > 0) text.delete(random.int(0, text.length - 1), 1); else text.insert(0, 'a'); break;
    case 2: map.set(`k${random.int(0, 4)}`, random.int(0, 1000)); break;
    case 3: if (map.size > 0) map.delete([...map.keys()][random.int(0, map.size - 1)]!); else map.set('k0', 0); break;
    case 4: list.insert(random.int(0, list.length), [random.int(0, 9)]); break;
    default: if (list.length > 0) list.delete(random.int(0, list.length - 1), 1); else list.push([1]); break;
  }
  w.off('update', capture);
  Y.applyUpdate(live, out!);
  return out!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function describeHistoryContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store history contract: ${name}`, () => {
    let store: Store;
    let tenants = 0;
    const freshTenant = () => `hist-${Date.now().toString(36)}-${tenants++}`;

    beforeAll(async () => {
      store = await makeStore();
      await store.migrate();
    });
    afterAll(async () => {
      await store.close();
    });

    /** Commits `n` random edits in random batches, saving snapshots of the replayed state at random versions. */
    async function seedLog(random: SeededRandom, t: string, n: number): Promise<Uint8Array[]> {
      const writers = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
      const live = new Y.Doc();
      const updates: Uint8Array[] = [];
      let seq = 0;
      while (updates.length < n) {
        const batch: CommitRequest[] = [];
        for (let i = random.int(1, 5); i > 0 && updates.length + batch.length < n; i--) {
          batch.push(push(t, DOC, 'writer', seq++, randomEdit(random, writers, live)));
        }
        await store.commitBatch(batch);
        updates.push(...batch.map((b) => b.update));
        if (random.next() < 0.15) {
          // A snapshot as a room writes it: the state at that version; later ones replace it.
          const at = new Y.Doc();
          for (const u of updates) Y.applyUpdate(at, u);
          await store.saveSnapshot(t, DOC, { version: updates.length, state: Y.encodeStateAsUpdate(at) });
          at.destroy();
        }
      }
      return updates;
    }

    function replayTo(updates: readonly Uint8Array[], v: number): Y.Doc {
      const d = new Y.Doc();
      for (const u of updates.slice(0, v)) Y.applyUpdate(d, u);
      return d;
    }

    it('L1: every version read equals replaying the log to that version, with snapshots newer and older than it (seeded)', async () => {
      const random = seededRandom(`L1 version reads (${name})`);
      const t = freshTenant();
      const updates = await seedLog(random, t, 120);
      const snapshot = await store.loadSnapshot(t, DOC);
      for (let v = 0; v <= updates.length; v++) {
        const read = await readDocAt(store, t, DOC, { version: v });
        const expected = replayTo(updates, v);
        expect(contentOf(read.ydoc), `SEED=${random.seed} version ${v}`).toEqual(contentOf(expected));
        expect(read.version).toBe(v);
        // The snapshot is used only when it is not past the version asked.
        if (snapshot && v >= snapshot.version) expect(read.replayedFrom, `SEED=${random.seed} v ${v}`).toBe(snapshot.version);
        if (!snapshot || v < snapshot.version) expect(read.replayedFrom).toBe(0);
        read.ydoc.destroy();
        expected.destroy();
      }
      await expect(readDocAt(store, t, DOC, { version: updates.length + 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(readDocAt(store, t, DOC, { version: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('L2: the revert update of any version, applied to the head, gives that version\'s content (seeded)', async () => {
      const random = seededRandom(`L2 revert updates (${name})`);
      const t = freshTenant();
      const updates = await seedLog(random, t, 60);
      const head = replayTo(updates, updates.length);
      for (let round = 0; round < 12; round++) {
        const v = random.int(0, updates.length);
        const plan = await revertUpdate(store, t, DOC, v);
        const d = new Y.Doc();
        Y.applyUpdate(d, Y.encodeStateAsUpdate(head));
        if (plan.update) Y.applyUpdate(d, plan.update);
        expect(plainOf(d), `SEED=${random.seed} revert to ${v}`).toEqual(plainOf(replayTo(updates, v)));
        expect(plan.head).toBe(updates.length);
        // Nothing pending: the update only references what the head holds.
        expect(d.store.pendingStructs, `SEED=${random.seed} revert to ${v}`).toBeNull();
        d.destroy();
      }
      expect((await revertUpdate(store, t, DOC, updates.length)).update).toBeNull();
    });

    it('L1: listChanges pages the log with version, time, actor, client and seq', async () => {
      const t = freshTenant();
      await store.commitBatch([push(t, DOC, 'c-1', 0), { ...push(t, DOC, 'c-2', 7), actor: 'bob' }, push(t, 'plans/other', 'c-1', 1)]);
      await store.commitBatch([push(t, DOC, 'c-1', 2)]);
      const all = await store.listChanges(t, DOC, 0, 10);
      expect(all.map((c) => [c.version, c.actor, c.clientId, c.seq, c.size])).toEqual([
        [1, 'tester', 'c-1', 0, 5], [2, 'bob', 'c-2', 7, 5], [3, 'tester', 'c-1', 2, 5],
      ]);
      for (const c of all) expect(Math.abs(c.committedAt.getTime() - Date.now())).toBeLessThan(60_000);
      expect((await store.listChanges(t, DOC, 1, 1)).map((c) => c.version)).toEqual([2]);
      expect(await store.listChanges(t, DOC, 3, 10)).toEqual([]);
      expect(await store.listChanges('another-tenant', DOC, 0, 10)).toEqual([]);
      await expect(store.listChanges(t, DOC, 0, -1)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('L1: versionAt at the boundaries: a row\'s own time includes it, a millisecond before excludes it', async () => {
      const t = freshTenant();
      for (let seq = 0; seq < 3; seq++) {
        await store.commitBatch([push(t, DOC, 'c', seq)]);
        await sleep(15);
      }
      const times = (await store.listChanges(t, DOC, 0, 10)).map((c) => c.committedAt.getTime());
      expect(times[0]! < times[1]! && times[1]! < times[2]!).toBe(true);
      expect(await store.versionAt(t, DOC, new Date(times[0]! - 1))).toBe(0);
      expect(await store.versionAt(t, DOC, new Date(times[0]!))).toBe(1);
      expect(await store.versionAt(t, DOC, new Date(times[1]! - 1))).toBe(1);
      expect(await store.versionAt(t, DOC, new Date(times[1]!))).toBe(2);
      expect(await store.versionAt(t, DOC, new Date(times[2]!))).toBe(3);
      expect(await store.versionAt(t, DOC, new Date(times[2]! + 86_400_000))).toBe(3);
      expect(await store.versionAt(t, 'plans/none', new Date())).toBe(0);
      expect(await store.versionAt('another-tenant', DOC, new Date())).toBe(0);
      await expect(store.versionAt(t, DOC, new Date(Number.NaN))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      // A read by time is the read of the version it maps to.
      const read = await readDocAt(store, t, DOC, { at: new Date(times[1]!) });
      expect(read.version).toBe(2);
      read.ydoc.destroy();
    });

    it('L1, S5: listDocs names the docs of one space of one tenant, in order', async () => {
      const t = freshTenant();
      await store.commitBatch([
        push(t, 'site/meta', 'c', 0), push(t, 'site/cell/u4pru', 'c', 1), push(t, 'site2/notes', 'c', 2), push(t, 'site/a', 'c', 3),
        push('other-tenant-' + t, 'site/secret', 'c', 0),
      ]);
      expect(await store.listDocs(t, 'site')).toEqual(['site/a', 'site/cell/u4pru', 'site/meta']);
      expect(await store.listDocs(t, 'sit')).toEqual([]);
      expect(await store.listDocs(t, 'nothing')).toEqual([]);
    });

    it('S5: another tenant\'s doc reads as empty at version 0 and its versions are out of range', async () => {
      const t = freshTenant();
      await store.commitBatch([push(t, DOC, 'c', 0, Y.encodeStateAsUpdate(((d) => (d.getText('t').insert(0, 'secret'), d))(new Y.Doc())))]);
      const read = await readDocAt(store, `${t}-x`, DOC, { at: new Date() });
      expect([read.version, read.head, read.ydoc.getText('t').toString()]).toEqual([0, 0, '']);
      read.ydoc.destroy();
      await expect(readDocAt(store, `${t}-x`, DOC, { version: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });
  });
}
