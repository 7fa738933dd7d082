/**
 * The Store contract for L4's audit trail, run by every implementation: batched append in order, the admin
 * filters, newest-first keyset pages that neither skip nor repeat a row, and retention that deletes old rows
 * in bounded batches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../packages/server/src/store/store.js';
import type { AuditRecord, AuditRow } from '../../packages/server/src/audit/audit-event.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function row(tenant: string | null, over: Partial<AuditRow> = {}): AuditRow {
  return {
    at: new Date(T0), tenant, subject: 'alice', clientId: 'c1', node: 'node-a', action: 'write', space: 'site', doc: 'site/plan',
    outcome: 'ok', count: 1, detail: {}, ...over,
  };
}

export function describeAuditContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract, audit: ${name}`, () => {
    let store: Store;
    let tenants = 0;
    const freshTenant = () => `a-${Date.now().toString(36)}-${tenants++}`;
    const all = async (tenant: string, limit = 1000) => (await store.queryAudit({ tenant, limit })).rows;

    beforeAll(async () => {
      store = await makeStore();
      await store.migrate();
    });
    afterAll(async () => {
      await store.close();
    });

    it('L4: appendAudit() stores every field as given, nulls and jsonb detail included; ids follow the batch order', async () => {
      const t = freshTenant();
      await store.appendAudit([
        row(t, { detail: { fromVersion: 3, toVersion: 9, nested: { ok: true, list: [1, 'two'] } }, count: 7 }),
        row(t, { subject: null, clientId: null, space: null, doc: null, action: 'auth.refused', outcome: 'UNAUTHENTICATED' }),
      ]);
      const rows = await all(t);
      expect(rows).toHaveLength(2);
      const [refused, write] = rows as [AuditRecord, AuditRecord];
      // Same `at`: newest first falls back to the id, the later row first.
      expect(refused.id).toBeGreaterThan(write.id);
      expect(write).toEqual({ ...row(t, { detail: { fromVersion: 3, toVersion: 9, nested: { ok: true, list: [1, 'two'] } }, count: 7 }), id: write.id });
      expect(refused).toMatchObject({ tenant: t, subject: null, clientId: null, space: null, doc: null, action: 'auth.refused', outcome: 'UNAUTHENTICATED', count: 1 });
      expect(refused.at.getTime()).toBe(T0);
    });

    it('L4: an empty batch is a no-op; a batch the schema refuses (count 0) stores nothing of the batch', async () => {
      const t = freshTenant();
      await store.appendAudit([]);
      await expect(store.appendAudit([row(t), row(t, { count: 0 })])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(await all(t)).toEqual([]);
    });

    it('L4: queryAudit() filters by tenant, subject, action and [since, until), newest first', async () => {
      const t = freshTenant();
      const u = freshTenant();
      const at = (min: number) => new Date(T0 + min * 60_000);
      await store.appendAudit([
        row(t, { at: at(1), subject: 'alice', action: 'write' }),
        row(t, { at: at(2), subject: 'bob', action: 'access.denied', outcome: 'READ_ONLY' }),
        row(t, { at: at(3), subject: 'alice', action: 'rest.query' }),
        row(u, { at: at(2), subject: 'alice', action: 'write' }),
      ]);
      const mins = (rows: AuditRecord[]) => rows.map((r) => (r.at.getTime() - T0) / 60_000);
      expect(mins(await all(t))).toEqual([3, 2, 1]);
      expect(mins((await store.queryAudit({ tenant: t, subject: 'alice', limit: 10 })).rows)).toEqual([3, 1]);
      expect((await store.queryAudit({ tenant: t, action: 'access.denied', limit: 10 })).rows.map((r) => r.outcome)).toEqual(['READ_ONLY']);
      expect(mins((await store.queryAudit({ tenant: t, since: at(2), until: at(3), limit: 10 })).rows)).toEqual([2]);
      expect((await store.queryAudit({ tenant: u, limit: 10 })).rows.map((r) => r.tenant)).toEqual([u]);
      // No tenant filter: every tenant's rows (the operator's view).
      const both = (await store.queryAudit({ subject: 'alice', action: 'write', since: at(1), until: at(3), limit: 1000 })).rows.filter((r) => r.tenant === t || r.tenant === u);
      expect(both.map((r) => r.tenant).sort()).toEqual([t, u].sort());
    });

    it('L4: pages follow (at, id) newest first: every row exactly once, rows added meanwhile do not shift them', async () => {
      const t = freshTenant();
      // 25 rows over 10 distinct times: ties on `at` are broken by id.
      await store.appendAudit(Array.from({ length: 25 }, (_, i) => row(t, { at: new Date(T0 + (i % 10) * 1000), detail: { i } })));
      const seen: number[] = [];
      let page = await store.queryAudit({ tenant: t, limit: 7 });
      let pages = 1;
      seen.push(...page.rows.map((r) => r.detail['i'] as number));
      // A newer row written between pages appears in no later page.
      await store.appendAudit([row(t, { at: new Date(T0 + 60_000), detail: { i: 99 } })]);
      while (page.next) {
        page = await store.queryAudit({ tenant: t, limit: 7, after: page.next });
        pages++;
        seen.push(...page.rows.map((r) => r.detail['i'] as number));
      }
      expect(pages).toBe(4);
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
      // Newest first: times never increase along the pages.
      const times = seen.map((i) => i % 10);
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('L4: deleteAuditBefore() deletes at most `limit` rows older than the cutoff, oldest first, and keeps the rest', async () => {
      const t = freshTenant();
      const day = 86_400_000;
      // Far in the past, so other tests' rows (at T0) are not older than the cutoff.
      const old = T0 - 400 * day;
      await store.appendAudit([
        ...Array.from({ length: 5 }, (_, i) => row(t, { at: new Date(old + i * 1000), detail: { i } })),
        row(t, { at: new Date(old + 10 * day), detail: { i: 'recent' } }),
      ]);
      const cutoff = new Date(old + 5 * day);
      expect(await store.deleteAuditBefore(cutoff, 3)).toBe(3);
      expect((await all(t)).map((r) => r.detail['i'])).toEqual(['recent', 4, 3]);
      expect(await store.deleteAuditBefore(cutoff, 3)).toBe(2);
      expect(await store.deleteAuditBefore(cutoff, 3)).toBe(0);
      expect((await all(t)).map((r) => r.detail['i'])).toEqual(['recent']);
    });
  });
}
