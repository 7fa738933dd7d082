/**
 * The Store contract for L2's deletions, run by every implementation: a deletion record for a doc or a whole
 * space, in force until restored or for good once purged; the purge schedule's listing; and the hard purge
 * of a doc, which removes its log, snapshot, quarantine, read-model and clientId rows and nothing of any
 * other doc.
 */
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCell } from '@cairn/shared';
import type { Store } from '../../packages/server/src/store/store.js';
import { anchorReplica } from '../support/readmodel-writer.js';
import { push } from './store-fixtures.js';

const DAY = 24 * 3600 * 1000;

export function describeDeletionsContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract, deletions: ${name}`, () => {
    let store: Store;
    let tenants = 0;
    const freshTenant = () => `del-${Date.now().toString(36)}-${tenants++}`;

    beforeAll(async () => {
      store = await makeStore();
      await store.migrate();
    });
    afterAll(async () => {
      await store.close();
    });

    it('L2: a doc deletion refuses that doc only; deleting it again returns the record in force', async () => {
      const t = freshTenant();
      const first = await store.markDeleted(t, 'site', 'site/notes', 'alice', 30 * DAY);
      expect(first).toMatchObject({ tenant: t, space: 'site', doc: 'site/notes', deletedBy: 'alice', restoredAt: null, restoredBy: null, purgedAt: null });
      expect(first.deletedAt).toBeInstanceOf(Date);
      expect(first.purgeAfter.getTime() - first.deletedAt.getTime()).toBe(30 * DAY); // one clock, the store's
      const again = await store.markDeleted(t, 'site', 'site/notes', 'bob', DAY);
      expect(again).toEqual(first);
      expect(await store.deletionOf(t, 'site/notes')).toEqual(first);
      expect(await store.deletionOf(t, 'site/other')).toBeNull();
      expect(await store.deletionOf(freshTenant(), 'site/notes')).toBeNull(); // S5: another tenant's is not seen
    });

    it('L2: a space deletion refuses every doc of the space, and is listed first', async () => {
      const t = freshTenant();
      await store.markDeleted(t, 'site', 'site/b', 'alice', DAY);
      const space = await store.markDeleted(t, 'site', null, 'alice', DAY);
      expect(space.doc).toBeNull();
      expect(await store.deletionOf(t, 'site/a')).toEqual(space);
      expect(await store.deletionOf(t, 'site/b')).toEqual(space);
      expect(await store.deletionOf(t, 'sites/a')).toBeNull();
      expect((await store.listDeletions(t, 'site')).map((d) => d.doc)).toEqual([null, 'site/b']);
      expect(await store.listDeletions(t, 'elsewhere')).toEqual([]);
    });

    it('L2: restore ends the deletion and keeps nothing in force; a second restore finds none', async () => {
      const t = freshTenant();
      await store.markDeleted(t, 'site', 'site/notes', 'alice', DAY);
      const restored = await store.restoreDeleted(t, 'site', 'site/notes', 'bob');
      expect(restored).toMatchObject({ doc: 'site/notes', restoredBy: 'bob' });
      expect(restored!.restoredAt).toBeInstanceOf(Date);
      expect(await store.deletionOf(t, 'site/notes')).toBeNull();
      expect(await store.listDeletions(t, 'site')).toEqual([]);
      expect(await store.restoreDeleted(t, 'site', 'site/notes', 'bob')).toBeNull();
      // Deleted again after a restore: a new record.
      const next = await store.markDeleted(t, 'site', 'site/notes', 'carol', DAY);
      expect(next).toMatchObject({ deletedBy: 'carol', restoredAt: null });
    });

    it('L2: dueDeletions lists records past their grace, oldest first; purged and restored ones are not due', async () => {
      const t = freshTenant();
      await store.markDeleted(t, 'a', 'a/x', 'u', 2 * DAY);
      await store.markDeleted(t, 'b', null, 'u', DAY);
      await store.markDeleted(t, 'c', 'c/x', 'u', 30 * DAY);
      await store.markDeleted(t, 'd', 'd/x', 'u', 0);
      await store.restoreDeleted(t, 'd', 'd/x', 'u');
      // Three days on, a and b are due, b (the shorter grace) first; c is not, d was restored.
      const mine = async () => (await store.dueDeletions(new Date(Date.now() + 3 * DAY), 1000)).filter((d) => d.tenant === t).map((d) => [d.space, d.doc]);
      expect((await store.dueDeletions(new Date(), 1000)).filter((d) => d.tenant === t)).toEqual([]);
      expect(await mine()).toEqual([['b', null], ['a', 'a/x']]);
      expect(await store.markPurged(t, 'b', null)).toBe(true);
      expect(await store.markPurged(t, 'b', null)).toBe(false);
      expect(await mine()).toEqual([['a', 'a/x']]);
      // A purged record stays in force (the tombstone) and cannot be restored.
      expect(await store.deletionOf(t, 'b/anything')).toMatchObject({ space: 'b', doc: null });
      expect((await store.deletionOf(t, 'b/anything'))!.purgedAt).toBeInstanceOf(Date);
      expect(await store.restoreDeleted(t, 'b', null, 'u')).toBeNull();
    });

    it('L2: purgeDoc removes the doc\'s log, head, snapshot, quarantine, read model and lone writers\' bindings, nothing else', async () => {
      const t = freshTenant();
      const writer = anchorReplica('w');
      const id = '018f2b3c-0000-7000-8000-000000000001';
      const [created] = writer.create('site', 'u4pruyd', id, [1, 2, 3]);
      const cellDoc = created!.doc;
      await store.commitBatch([
        { ...push(t, cellDoc, 'only-here', 0), update: created!.update },
        push(t, 'site/notes', 'both', 0),
        push(t, cellDoc, 'both', 1, new Uint8Array([0, 0])),
        push(t, 'site/notes', 'keeper', 0),
      ]);
      await store.saveSnapshot(t, cellDoc, { version: 1, state: created!.update });
      expect(await store.quarantine(t, cellDoc, 2, 'test')).toBe(true);
      for (const c of ['only-here', 'both', 'keeper']) await store.claimClient(t, c, 'alice');
      const ydoc = new Y.Doc();
      Y.applyUpdate(ydoc, created!.update);
      await store.anchors.applyCell({ tenant: t, doc: cellDoc, space: 'site', cell: 'u4pruyd', version: 2, since: null, entries: readCell(ydoc, 'u4pruyd'), removed: [] });
      const query = () => store.anchors.query(t, 'site', { kind: 'cell', prefix: '' }, { now: Date.now(), limit: 10 });
      expect((await query()).map((r) => r.anchor.id)).toEqual([id]);

      expect(await store.purgeDoc(t, cellDoc)).toBe(2);

      expect(await store.headVersion(t, cellDoc)).toBe(0);
      expect(await store.loadUpdates(t, cellDoc, 0)).toEqual([]);
      expect(await store.loadSnapshot(t, cellDoc)).toBeNull();
      expect(await store.listQuarantined(t, cellDoc)).toEqual([]);
      expect(await store.anchors.appliedVersion(t, cellDoc)).toBe(0);
      expect(await query()).toEqual([]);
      expect(await store.listDocs(t, 'site')).toEqual(['site/notes']);
      expect(await store.tenantUsage(t)).toMatchObject({ docs: 1 });
      // 'only-here' wrote nothing else: its binding went, so the next claim decides anew; the others keep theirs.
      expect(await store.claimClient(t, 'only-here', 'mallory')).toBe('mallory');
      expect(await store.claimClient(t, 'both', 'mallory')).toBe('alice');
      expect(await store.claimClient(t, 'keeper', 'mallory')).toBe('alice');
      // The doc starts over: (clientId, seq) pairs of its purged rows are free, versions start at 1.
      expect(await store.commitBatch([push(t, cellDoc, 'only-here', 0)])).toEqual([{ kind: 'committed', version: 1 }]);
      expect(await store.purgeDoc(t, 'site/never')).toBe(0);
    });
  });
}
