/**
 * The purge's candidates (readmodel/purge-rules.ts, and the same rules in SQL) on every Store: memory, PGlite,
 * Postgres answer the same list for the same commits. A deleted anchor that moved lists BOTH cells, the one
 * without a `deleted` key carrying the other's tombstone; an expired one lists both too; a forwarding entry
 * is due only once its move is a grace period old and while the anchor lives on elsewhere; a tombstone
 * whose `at` is not ISO 8601 is never due; bare tombstones are due only after the keep period, and only
 * when every cell of the id is bare; pages follow the cursor to the same list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cellDocId, markDeleted, markMoved, newAnchorId, putAnchor, setExpiry } from '@cairn/shared';
import { createMemoryStore, createPgStore, createPgliteStore, createReadModelUpdater, type PurgeCandidate, type PurgeCutoffs, type Store } from '@cairn/server';
import { dropSchema, PG_URL, uniqueSchema } from '../contract/store-pg-schema.js';

const SPACE = 'lot';
const [A, B, C] = ['u09tvw0', 'u09tvw1', 'u09tvw2'];
const DAY = 86_400_000;
const T = Date.UTC(2030, 0, 1);
const hlc = (ms: number, n = 0) => `${ms.toString(16).padStart(12, '0')}-${n.toString(16).padStart(6, '0')}-w`;
const iso = (ms: number) => new Date(ms).toISOString();

/** Cut-offs of a pass at `now` with 30 days of grace and 365 of keeping (purger.ts purgeCutoffs). */
const cutoffs = (now: number): PurgeCutoffs => ({
  expiredBefore: now - 30 * DAY, deletedBefore: iso(now - 30 * DAY), droppedBefore: iso(now - 365 * DAY), forwardedBefore: `${hlc(now - 30 * DAY).slice(0, 12)}-`,
});

function describeCandidates(name: string, open: () => Promise<{ store: Store; close(): Promise<void> }>) {
  describe(`purge candidates on the ${name} store`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const tenant = `purge-${name}`;
    const docs = new Map<string, Y.Doc>();
    let seq = 0;
    const ids = { movedDeleted: newAnchorId(), movedExpired: newAnchorId(), forwarded: newAnchorId(), oddTombstone: newAnchorId(), live: newAnchorId(), bare: newAnchorId() };

    async function write(cell: string, fn: (d: Y.Doc) => void): Promise<void> {
      const doc = cellDocId(SPACE, cell);
      let d = docs.get(doc);
      if (!d) docs.set(doc, (d = new Y.Doc()));
      const sv = Y.encodeStateVector(d);
      Y.transact(d, () => fn(d));
      const updater = createReadModelUpdater({ store });
      const [o] = await store.commitBatch([{ tenant, doc, clientId: 'writer-0001', seq: seq++, actor: 'w', update: Y.encodeStateAsUpdate(d, sv) }]);
      updater.committed(tenant, doc, o!.version);
      await updater.close();
    }
    const put = (cell: string, id: string, at: number, expiresAt?: number) => write(cell, (d) => putAnchor(d, {
      id, pose: { p: [1, 0, 0], q: [0, 0, 0, 1], hlc: hlc(at) }, created: { by: 'w', at: iso(at) }, ...(expiresAt ? { expiresAt } : {}),
    }));
    const move = async (id: string, from: string, to: string, at: number, expiresAt?: number) => {
      await write(from, (d) => markMoved(d, id, to, hlc(at)));
      await put(to, id, at, expiresAt);
    };
    const list = async (now: number) => (await store.anchors.purgeCandidates(cutoffs(now), 100)).filter((c) => c.tenant === tenant);
    const brief = (cs: PurgeCandidate[]) => cs.map((c) => [c.cell, Object.entries(ids).find(([, v]) => v === c.id)![0], c.reason, c.deleted?.at ?? null]);

    beforeAll(async () => {
      ({ store, close } = await open());
      await store.migrate();
      // Moved A → B, then deleted in B only (a replica that held only B).
      await put(A, ids.movedDeleted, T);
      await move(ids.movedDeleted, A, B, T + 1);
      await write(B, (d) => markDeleted(d, ids.movedDeleted, iso(T + 2), 'w'));
      // Moved A → C with a TTL that ends at T + 1 day.
      await put(A, ids.movedExpired, T, T + DAY);
      await move(ids.movedExpired, A, C, T + 1, T + DAY);
      // Moved A → B at T, lives on in B with no TTL: A holds a forwarding entry.
      await put(A, ids.forwarded, T);
      await move(ids.forwarded, A, B, T + 5);
      // Deleted by a writer whose `at` is an hlc, not ISO 8601.
      await put(C, ids.oddTombstone, T);
      await write(C, (d) => markDeleted(d, ids.oddTombstone, hlc(T), 'other-app'));
      await put(C, ids.live, T, T + 1000 * DAY);
      // Already reduced to its tombstone.
      await write(B, (d) => markDeleted(d, ids.bare, iso(T), 'w'));
    });

    afterAll(async () => {
      await close?.();
    });

    it('L5: nothing is due within the grace period', async () => {
      expect(await list(T + 29 * DAY)).toEqual([]);
    });

    it('L5: past the grace: a deleted anchor in both its cells (tombstone carried over), an expired one in both, an old forwarding entry', async () => {
      const expected = [
        [A, 'movedDeleted', 'deleted', iso(T + 2)],
        [A, 'movedExpired', 'expired', null],
        [A, 'forwarded', 'forwarded', null],
        [B, 'movedDeleted', 'deleted', iso(T + 2)],
        [C, 'movedExpired', 'expired', null],
      ] as const;
      // In (cell, id) order, as every store pages them.
      const order = (r: readonly unknown[]) => `${String(r[0])}|${ids[r[1] as keyof typeof ids]}`;
      expect(brief(await list(T + 40 * DAY))).toEqual([...expected].sort((x, y) => (order(x) < order(y) ? -1 : 1)));
    });

    it('L5: a bare tombstone is due after the keep period; a non-ISO one never is', async () => {
      const late = brief(await list(T + 400 * DAY));
      expect(late).toContainEqual([B, 'bare', 'tombstone', iso(T)]);
      expect(late.some((r) => r[1] === 'oddTombstone')).toBe(false);
      expect(late.some((r) => r[1] === 'live')).toBe(false);
    });

    it('L5: an expiry extended before the pass makes the anchor live again: only its old forwarding entry is due', async () => {
      await write(C, (d) => setExpiry(d, ids.movedExpired, T + 500 * DAY, hlc(T + 10)));
      // Live again in C: only its old forwarding entry in A is left to purge.
      expect(brief(await list(T + 40 * DAY)).filter((r) => r[1] === 'movedExpired')).toEqual([[A, 'movedExpired', 'forwarded', null]]);
    });

    it('L5: pages of one follow the cursor to the whole list', async () => {
      const now = T + 400 * DAY;
      const whole = await store.anchors.purgeCandidates(cutoffs(now), 100);
      const paged: PurgeCandidate[] = [];
      for (let page = await store.anchors.purgeCandidates(cutoffs(now), 1); page.length > 0; page = await store.anchors.purgeCandidates(cutoffs(now), 1, page[0]!)) paged.push(...page);
      expect(paged).toEqual(whole);
      expect(whole.length).toBeGreaterThan(3);
    });
  });
}

describeCandidates('memory', async () => {
  const s = createMemoryStore();
  return { store: s, close: () => s.close() };
});
describeCandidates('pglite', async () => {
  const s = await createPgliteStore({ dataDir: 'memory://' });
  return { store: s, close: () => s.close() };
});
describeCandidates('postgres', async () => {
  const schema = uniqueSchema('purge_candidates');
  const s = createPgStore({ connectionString: PG_URL, schema, poolSize: 2 });
  return { store: s, async close() {
    await s.close();
    await dropSchema(schema);
  } };
});
