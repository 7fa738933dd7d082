/**
 * Export, import and the epoch on the Store (L3, C1, C2), run on every Store (Postgres, PGlite, memory):
 * exportRows gives whole rows, importRows writes them back at their versions, skips rows it holds already,
 * refuses a different row at the same version (IMPORT_CONFLICT) unless told to replace it, and the epoch
 * changes only when asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCairnError } from '@cairn/shared';
import type { LogRow, Store } from '../../packages/server/src/store/store.js';
import { push } from './store-fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return isCairnError(err) ? err.code : `not a CairnError: ${String(err)}`;
  }
  return 'resolved';
}

export function describeRestoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store restore contract: ${name}`, () => {
    let store: Store;
    let tenants = 0;
    const freshTenant = () => `restore-${Date.now().toString(36)}-${tenants++}`;

    beforeAll(async () => {
      store = await makeStore();
      await store.migrate();
    });
    afterAll(async () => {
      await store.close();
    });

    /** Commits `n` rows to `doc` (one per batch, a few ms apart so commit times differ) and exports them. */
    async function seeded(tenant: string, doc: string, n: number, client = 'cl-seed'): Promise<LogRow[]> {
      for (let i = 0; i < n; i++) {
        await store.commitBatch([{ ...push(tenant, doc, client, i), actor: `actor-${i % 2}` }]);
        await sleep(2);
      }
      return store.exportRows(tenant, doc, 0, 1000);
    }

    it('L3: the epoch is stable until newEpoch, which gives a different one', async () => {
      const a = await store.epoch();
      expect(a).toMatch(/^[A-Za-z0-9-]{8,}$/);
      expect(await store.epoch()).toBe(a);
      const b = await store.newEpoch();
      expect(b).not.toBe(a);
      expect(await store.epoch()).toBe(b);
    });

    it('L3: exportRows gives each row whole, in version order, paged by version; listTenantDocs every space of one tenant', async () => {
      const t = freshTenant();
      const rows = await seeded(t, 'plans/a', 5);
      await seeded(t, 'maps/b', 1, 'cl-other');
      await seeded(freshTenant(), 'plans/z', 1);
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5]);
      const changes = await store.listChanges(t, 'plans/a', 0, 100);
      expect(rows.map((r) => ({ v: r.version, c: r.clientId, s: r.seq, a: r.actor, at: r.committedAt.getTime(), n: r.update.byteLength })))
        .toEqual(changes.map((c) => ({ v: c.version, c: c.clientId, s: c.seq, a: c.actor, at: c.committedAt.getTime(), n: c.size })));
      expect(new TextDecoder().decode(rows[2]!.update)).toBe('cl-seed#2');
      expect((await store.exportRows(t, 'plans/a', 3, 10)).map((r) => r.version)).toEqual([4, 5]);
      expect((await store.exportRows(t, 'plans/a', 0, 2)).map((r) => r.version)).toEqual([1, 2]);
      expect(await store.listTenantDocs(t)).toEqual(['maps/b', 'plans/a']);
    });

    it('L3, C2: an import writes the rows at their versions with their commit times; repeated, it adds nothing', async () => {
      const src = freshTenant();
      const dst = freshTenant();
      const rows = await seeded(src, 'plans/a', 6);
      expect(await store.importRows(dst, 'plans/a', rows.slice(0, 4), { replace: false })).toEqual({ added: 4, replacedFrom: null });
      // Chunks overlap: the stored prefix is skipped, the rest appended.
      expect(await store.importRows(dst, 'plans/a', rows.slice(2), { replace: false })).toEqual({ added: 2, replacedFrom: null });
      expect(await store.importRows(dst, 'plans/a', rows, { replace: false })).toEqual({ added: 0, replacedFrom: null });
      expect(await store.headVersion(dst, 'plans/a')).toBe(6);
      expect(await store.exportRows(dst, 'plans/a', 0, 100)).toEqual(rows);
      expect(await store.listChanges(dst, 'plans/a', 0, 100)).toEqual(await store.listChanges(src, 'plans/a', 0, 100));
      expect(await store.versionAt(dst, 'plans/a', rows[2]!.committedAt)).toBe(await store.versionAt(src, 'plans/a', rows[2]!.committedAt));
      expect(await store.tenantUsage(dst)).toEqual(await store.tenantUsage(src));
    });

    it('C1, C2: after an import, a resent push of an imported (clientId, seq) is a duplicate and a new one takes the next version', async () => {
      const src = freshTenant();
      const dst = freshTenant();
      const rows = await seeded(src, 'plans/a', 3);
      await store.importRows(dst, 'plans/a', rows, { replace: false });
      const [dup, fresh] = await store.commitBatch([push(dst, 'plans/a', 'cl-seed', 1), push(dst, 'plans/a', 'cl-seed', 3)]);
      expect(dup).toEqual({ kind: 'duplicate', version: 2 });
      expect(fresh).toEqual({ kind: 'committed', version: 4 });
    });

    it('L3: a different row at a stored version is IMPORT_CONFLICT and changes nothing; with replace it takes the export\'s rows from there', async () => {
      const src = freshTenant();
      const dst = freshTenant();
      const rows = await seeded(src, 'plans/a', 4);
      // dst shares the first two rows, then diverged (another history after a restore).
      await store.importRows(dst, 'plans/a', rows.slice(0, 2), { replace: false });
      await store.commitBatch([push(dst, 'plans/a', 'cl-diverged', 0), push(dst, 'plans/a', 'cl-diverged', 1), push(dst, 'plans/a', 'cl-diverged', 2)]);
      await store.saveSnapshot(dst, 'plans/a', { version: 5, state: new Uint8Array([0, 0]) });
      const before = await store.exportRows(dst, 'plans/a', 0, 100);
      expect(await codeOf(store.importRows(dst, 'plans/a', rows, { replace: false }))).toBe('IMPORT_CONFLICT');
      expect(await store.exportRows(dst, 'plans/a', 0, 100)).toEqual(before);
      expect(await store.importRows(dst, 'plans/a', rows, { replace: true })).toEqual({ added: 2, replacedFrom: 3 });
      expect(await store.exportRows(dst, 'plans/a', 0, 100)).toEqual(rows);
      expect(await store.headVersion(dst, 'plans/a')).toBe(4);
      expect(await store.loadSnapshot(dst, 'plans/a')).toBeNull();
      // The replaced rows' (clientId, seq) are free again: a resent push of one is stored, not a duplicate.
      expect(await store.commitBatch([push(dst, 'plans/a', 'cl-diverged', 1)])).toEqual([{ kind: 'committed', version: 5 }]);
    });

    it('C1: a row whose (clientId, seq) the tenant holds at another doc is IMPORT_CONFLICT, even with replace', async () => {
      const src = freshTenant();
      const dst = freshTenant();
      const rows = await seeded(src, 'plans/a', 2);
      await store.commitBatch([push(dst, 'plans/other', 'cl-seed', 1)]);
      expect(await codeOf(store.importRows(dst, 'plans/a', rows, { replace: false }))).toBe('IMPORT_CONFLICT');
      expect(await codeOf(store.importRows(dst, 'plans/a', rows, { replace: true }))).toBe('IMPORT_CONFLICT');
      expect(await store.headVersion(dst, 'plans/a')).toBe(0);
    });

    it('C2: rows that would leave a gap, or are not consecutive, are BAD_REQUEST', async () => {
      const src = freshTenant();
      const dst = freshTenant();
      const rows = await seeded(src, 'plans/a', 4);
      expect(await codeOf(store.importRows(dst, 'plans/a', rows.slice(2), { replace: false }))).toBe('BAD_REQUEST');
      expect(await codeOf(store.importRows(dst, 'plans/a', [rows[0]!, rows[2]!], { replace: false }))).toBe('BAD_REQUEST');
      expect(await store.headVersion(dst, 'plans/a')).toBe(0);
    });
  });
}
