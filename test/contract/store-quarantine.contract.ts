/**
 * The Store contract for C4's quarantine, run by every implementation: recording a log row that does not
 * apply (with a copy of its bytes), listing records by tenant and doc, and dropping one (its log row becomes
 * an empty update, its version stays, the record keeps the original and says when it was dropped).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../packages/server/src/store/store.js';
import { push } from './store-fixtures.js';

const DOC = 'space/doc';
const OTHER = 'space/other';

export function describeQuarantineContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract, quarantine: ${name}`, () => {
    let store: Store;
    let tenants = 0;
    const freshTenant = () => `q-${Date.now().toString(36)}-${tenants++}`;

    beforeAll(async () => {
      store = await makeStore();
      await store.migrate();
    });
    afterAll(async () => {
      await store.close();
    });

    it('C4: quarantine() records a stored row once, with its size; a missing row is not recorded', async () => {
      const t = freshTenant();
      const bad = new Uint8Array([1, 1, 7, 4, 0x84, 7, 11, 5, 104, 101, 108, 108, 111, 0]);
      await store.commitBatch([push(t, DOC, 'c', 0), push(t, DOC, 'c', 1, bad)]);
      expect(await store.quarantine(t, DOC, 2, 'Unexpected case')).toBe(true);
      expect(await store.quarantine(t, DOC, 2, 'again')).toBe(false);
      expect(await store.quarantine(t, DOC, 9, 'no such row')).toBe(false);
      const listed = await store.listQuarantined(t, DOC);
      expect(listed).toMatchObject([{ tenant: t, doc: DOC, version: 2, reason: 'Unexpected case', size: bad.byteLength, droppedAt: null }]);
      expect(listed[0]!.quarantinedAt).toBeInstanceOf(Date);
      // Recording changes nothing in the log.
      expect((await store.loadUpdates(t, DOC, 1)).map((r) => [...r.update])).toEqual([[...bad]]);
    });

    it('C4: listQuarantined() filters by tenant and by doc, in (doc, version) order', async () => {
      const t = freshTenant();
      const u = freshTenant();
      await store.commitBatch([push(t, DOC, 'c', 0), push(t, DOC, 'c', 1), push(t, OTHER, 'c', 2), push(u, DOC, 'c', 0)]);
      await store.quarantine(t, DOC, 2, 'b');
      await store.quarantine(t, OTHER, 1, 'c');
      await store.quarantine(t, DOC, 1, 'a');
      await store.quarantine(u, DOC, 1, 'd');
      expect((await store.listQuarantined(t)).map((q) => `${q.doc}@${q.version}`)).toEqual([`${DOC}@1`, `${DOC}@2`, `${OTHER}@1`]);
      expect((await store.listQuarantined(t, OTHER)).map((q) => q.reason)).toEqual(['c']);
      expect((await store.listQuarantined(u)).map((q) => q.reason)).toEqual(['d']);
      const all = await store.listQuarantined();
      expect(all.filter((q) => q.tenant === t || q.tenant === u)).toHaveLength(4);
    });

    it('C2/C4: dropQuarantined() empties the log row, keeps its version and the head, and stamps the record once', async () => {
      const t = freshTenant();
      await store.commitBatch([push(t, DOC, 'c', 0), push(t, DOC, 'c', 1), push(t, DOC, 'c', 2)]);
      expect(await store.dropQuarantined(t, DOC, 2)).toBe(false); // not quarantined
      await store.quarantine(t, DOC, 2, 'bad');
      expect(await store.dropQuarantined(t, DOC, 2)).toBe(true);
      expect(await store.dropQuarantined(t, DOC, 2)).toBe(false);
      const rows = await store.loadUpdates(t, DOC, 0);
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3]);
      expect([...rows[1]!.update]).toEqual([0, 0]);
      expect([...rows[2]!.update]).toEqual([...push(t, DOC, 'c', 2).update]);
      expect(await store.headVersion(t, DOC)).toBe(3);
      const [record] = await store.listQuarantined(t, DOC);
      expect(record!.droppedAt).toBeInstanceOf(Date);
      expect(record!.size).toBe(push(t, DOC, 'c', 1).update.byteLength);
      // The next commit still takes the next version (C2).
      expect(await store.commitBatch([push(t, DOC, 'c', 3)])).toEqual([{ kind: 'committed', version: 4 }]);
    });
  });
}
