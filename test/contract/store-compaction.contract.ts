/**
 * Compaction on the Store (migration 8, store/sql-trim.ts), run on every Store (Postgres, PGlite, memory):
 * trimHistory deletes the log below a floor and keeps what the rows were needed for. The history floor
 * (base state, owners, the time reads may start at), C1 for trimmed pushes (a resend is a duplicate, a seq
 * that was never stored is not), tenant usage, the reads that refuse to answer below the floor
 * (HISTORY_TRIMMED), and trims racing each other and commits on one Store (on Postgres, separate
 * connections: what two nodes do).
 */
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCairnError } from '@cairn/shared';
import type { Store } from '../../packages/server/src/store/store.js';
import { rebuildDoc } from '../../packages/server/src/room/rebuild-doc.js';
import { push } from './store-fixtures.js';
import { textEdits } from '../support/yjs-updates.js';

const DOC = 'site/plan';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return isCairnError(err) ? err.code : String(err);
  }
}

async function messageOf(p: Promise<unknown>): Promise<string> {
  return p.then(() => '', (err: Error) => err.message);
}

/** `n` Yjs updates, each inserting its index into one text, as one writer. */
const textUpdates = (n: number): Uint8Array[] => textEdits(Array.from({ length: n }, (_, i) => `${i},`), 7);

/** The doc as of `version`, replayed from these updates: what the floor's state must hold. */
function stateAt(updates: readonly Uint8Array[], version: number): Uint8Array {
  const d = new Y.Doc();
  for (const u of updates.slice(0, version)) Y.applyUpdate(d, u);
  return Y.encodeStateAsUpdate(d);
}

export function describeCompactionContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store compaction contract: ${name}`, () => {
    let store: Store;
    let tenants = 0;
    const freshTenant = () => `trim-${Date.now().toString(36)}-${tenants++}`;

    beforeAll(async () => {
      store = await makeStore();
      await store.migrate();
    });
    afterAll(async () => {
      await store.close();
    });

    /** Commits the updates one push each from `writer`, seqs 0…n-1; returns the updates. */
    async function seed(t: string, n: number, writer = 'writer'): Promise<Uint8Array[]> {
      const updates = textUpdates(n);
      await store.commitBatch(updates.map((u, i) => ({ ...push(t, DOC, writer, i, u), actor: `actor-${i % 2}` })));
      return updates;
    }

    it('L1: trimHistory deletes the rows at or below the floor and keeps the base state, owners and counts', async () => {
      const t = freshTenant();
      const updates = await seed(t, 10);
      const before = await store.listChanges(t, DOC, 0, 100);
      const base = { version: 6, state: stateAt(updates, 6), owners: new Map([[7, 'actor-0']]) };
      const bytes = updates.slice(0, 6).reduce((n, u) => n + u.byteLength, 0);
      expect(await store.trimHistory(t, DOC, base)).toEqual({ rows: 6, bytes, floor: 6 });
      const floor = await store.loadHistoryFloor(t, DOC);
      expect(floor).toMatchObject({ version: 6, rowsTrimmed: 6, bytesTrimmed: bytes });
      expect([...floor!.state]).toEqual([...base.state]);
      expect([...floor!.owners]).toEqual([[7, 'actor-0']]);
      // The floor's time is the newest commit time among the trimmed rows: reads at or after it answer.
      expect(floor!.at.getTime()).toBe(Math.max(...before.slice(0, 6).map((c) => c.committedAt.getTime())));
      expect((await store.loadUpdates(t, DOC, 6)).map((r) => r.version)).toEqual([7, 8, 9, 10]);
      expect((await store.listChanges(t, DOC, 0, 100)).map((c) => c.version)).toEqual([7, 8, 9, 10]);
      expect(await store.headVersion(t, DOC)).toBe(10);
      expect(await store.loadHistoryFloor(t, 'site/other')).toBeNull();
    });

    it('L1: loadUpdates below the floor throws HISTORY_TRIMMED naming the oldest readable version; never a shorter list', async () => {
      const t = freshTenant();
      const updates = await seed(t, 5);
      await store.trimHistory(t, DOC, { version: 3, state: stateAt(updates, 3), owners: new Map() });
      expect(await codeOf(store.loadUpdates(t, DOC, 0))).toBe('HISTORY_TRIMMED');
      expect(await codeOf(store.loadUpdates(t, DOC, 2, 4))).toBe('HISTORY_TRIMMED');
      expect(await messageOf(store.loadUpdates(t, DOC, 1))).toMatch(/oldest readable version is 3, committed by \d{4}-/);
      expect(await store.loadUpdates(t, DOC, 2, 2)).toEqual([]);
      expect((await store.loadUpdates(t, DOC, 3, 4)).map((r) => r.version)).toEqual([4]);
    });

    it('L1: versionAt before the floor time throws HISTORY_TRIMMED; at or after it, the prefix as before', async () => {
      const t = freshTenant();
      const updates = await seed(t, 4);
      await new Promise((r) => setTimeout(r, 5));
      await store.commitBatch([push(t, DOC, 'late', 0, textUpdates(1)[0])]);
      const changes = await store.listChanges(t, DOC, 0, 100);
      await store.trimHistory(t, DOC, { version: 4, state: stateAt(updates, 4), owners: new Map() });
      const floor = (await store.loadHistoryFloor(t, DOC))!;
      expect(await codeOf(store.versionAt(t, DOC, new Date(floor.at.getTime() - 1)))).toBe('HISTORY_TRIMMED');
      expect(await store.versionAt(t, DOC, floor.at)).toBe(4);
      expect(await store.versionAt(t, DOC, changes[4]!.committedAt)).toBe(5);
    });

    it('C1: a resent push whose row was trimmed is a duplicate (version 0) and is not stored again', async () => {
      const t = freshTenant();
      const updates = await seed(t, 6);
      await store.trimHistory(t, DOC, { version: 4, state: stateAt(updates, 4), owners: new Map() });
      const resent = await store.commitBatch([0, 1, 2, 3, 4, 5].map((seq) => push(t, DOC, 'writer', seq, updates[seq])));
      expect(resent).toEqual([
        ...[0, 1, 2, 3].map(() => ({ kind: 'duplicate', version: 0 })),
        { kind: 'duplicate', version: 5 }, { kind: 'duplicate', version: 6 },
      ]);
      // Also as the repeat inside one batch and mixed with a new push.
      expect(await store.commitBatch([push(t, DOC, 'writer', 2), push(t, DOC, 'writer', 2), push(t, DOC, 'writer', 6)]))
        .toEqual([{ kind: 'duplicate', version: 0 }, { kind: 'duplicate', version: 0 }, { kind: 'committed', version: 7 }]);
      expect(await store.headVersion(t, DOC)).toBe(7);
      expect((await store.loadUpdates(t, DOC, 4)).map((r) => r.version)).toEqual([5, 6, 7]);
    });

    it('C1: a seq that was never stored (a hole among trimmed seqs) is stored when it comes, not acked as a duplicate', async () => {
      const t = freshTenant();
      // Seq 2 was refused (or is still in an outbox after a retryable refusal) while 3 was stored.
      await store.commitBatch([0, 1, 3, 4].map((seq) => push(t, DOC, 'writer', seq)));
      await store.trimHistory(t, DOC, { version: 4, state: new Uint8Array([0, 0]), owners: new Map() });
      expect(await store.commitBatch([push(t, DOC, 'writer', 2), push(t, DOC, 'writer', 3), push(t, DOC, 'writer', 5)]))
        .toEqual([{ kind: 'committed', version: 5 }, { kind: 'duplicate', version: 0 }, { kind: 'committed', version: 6 }]);
      // Another replica's seqs are its own.
      expect(await store.commitBatch([push(t, DOC, 'other', 0)])).toEqual([{ kind: 'committed', version: 7 }]);
    });

    it('C1: a replica that interleaves two docs keeps every trimmed seq across trims of each doc', async () => {
      const t = freshTenant();
      const docs = ['site/a', 'site/b'];
      // seq s goes to doc s % 2; then a refused seq 10 (never stored) and seq 11 on doc a.
      await store.commitBatch(Array.from({ length: 10 }, (_, s) => push(t, docs[s % 2]!, 'writer', s)));
      await store.commitBatch([push(t, 'site/a', 'writer', 11)]);
      await store.trimHistory(t, 'site/a', { version: 3, state: new Uint8Array([0, 0]), owners: new Map() });
      await store.trimHistory(t, 'site/b', { version: 5, state: new Uint8Array([0, 0]), owners: new Map() });
      await store.trimHistory(t, 'site/a', { version: 6, state: new Uint8Array([0, 0]), owners: new Map() });
      const again = await store.commitBatch(Array.from({ length: 12 }, (_, s) => push(t, docs[s % 2]!, 'writer', s)));
      expect(again.map((o) => o.kind)).toEqual([...Array.from({ length: 10 }, () => 'duplicate'), 'committed', 'duplicate']);
      expect(again[10]).toEqual({ kind: 'committed', version: 7 }); // doc a held seqs 0, 2, 4, 6, 8 and 11
    });

    it('tenant usage counts the bytes still in the log: a trim takes its rows off, the doc count stays', async () => {
      const t = freshTenant();
      const updates = await seed(t, 8);
      const total = updates.reduce((n, u) => n + u.byteLength, 0);
      expect(await store.tenantUsage(t)).toEqual({ docs: 1, bytes: total });
      const { bytes } = await store.trimHistory(t, DOC, { version: 5, state: stateAt(updates, 5), owners: new Map() });
      expect(await store.tenantUsage(t)).toEqual({ docs: 1, bytes: total - bytes });
      await store.trimHistory(t, DOC, { version: 8, state: stateAt(updates, 8), owners: new Map() });
      expect(await store.tenantUsage(t)).toEqual({ docs: 1, bytes: 0 });
    });

    it('a trim at or below the floor is a no-op; past the head or not a version, BAD_REQUEST; quarantine of a trimmed row, false', async () => {
      const t = freshTenant();
      const updates = await seed(t, 4);
      await store.trimHistory(t, DOC, { version: 3, state: stateAt(updates, 3), owners: new Map() });
      expect(await store.trimHistory(t, DOC, { version: 2, state: stateAt(updates, 2), owners: new Map() })).toEqual({ rows: 0, bytes: 0, floor: 3 });
      expect((await store.loadHistoryFloor(t, DOC))!.version).toBe(3);
      expect(await codeOf(store.trimHistory(t, DOC, { version: 5, state: new Uint8Array([0, 0]), owners: new Map() }))).toBe('BAD_REQUEST');
      expect(await codeOf(store.trimHistory(t, DOC, { version: 0, state: new Uint8Array([0, 0]), owners: new Map() }))).toBe('BAD_REQUEST');
      expect(await store.quarantine(t, DOC, 2, 'test')).toBe(false);
      expect(await store.quarantine(t, DOC, 4, 'test')).toBe(true);
    });

    it('listTrimmable: docs whose oldest kept row is older than the time, by tenant, paged after a doc', async () => {
      const t = freshTenant();
      await store.commitBatch(['s/a', 's/b', 's/c'].map((doc, i) => push(t, doc, 'writer', i)));
      const later = new Date(Date.now() + 60_000);
      expect(await store.listTrimmable({ before: later, limit: 10, tenant: t })).toEqual(['s/a', 's/b', 's/c'].map((doc) => ({ tenant: t, doc })));
      expect(await store.listTrimmable({ before: later, limit: 1, tenant: t, after: { tenant: t, doc: 's/a' } })).toEqual([{ tenant: t, doc: 's/b' }]);
      expect(await store.listTrimmable({ before: new Date(Date.now() - 60_000), limit: 10, tenant: t })).toEqual([]);
      await store.trimHistory(t, 's/b', { version: 1, state: new Uint8Array([0, 0]), owners: new Map() });
      expect(await store.listTrimmable({ before: later, limit: 10, tenant: t })).toEqual(['s/a', 's/c'].map((doc) => ({ tenant: t, doc })));
      const all = await store.listTrimmable({ before: later, limit: 10_000 });
      expect(all.filter((r) => r.tenant === t).map((r) => r.doc)).toEqual(['s/a', 's/c']);
    });

    it('C1, C2: trims racing each other and resends of the trimmed pushes: each row is trimmed once, no push is stored twice', async () => {
      const t = freshTenant();
      const updates = await seed(t, 40);
      const total = updates.reduce((n, u) => n + u.byteLength, 0);
      const base = (v: number) => ({ version: v, state: stateAt(updates, v), owners: new Map<number, string>() });
      const [r1, r2, r3, resent] = await Promise.all([
        store.trimHistory(t, DOC, base(20)),
        store.trimHistory(t, DOC, base(30)),
        store.trimHistory(t, DOC, base(30)),
        store.commitBatch(updates.map((u, seq) => push(t, DOC, 'writer', seq, u))),
      ]);
      expect(resent.every((o) => o.kind === 'duplicate')).toBe(true);
      expect(await store.headVersion(t, DOC)).toBe(40);
      const floor = (await store.loadHistoryFloor(t, DOC))!;
      expect(floor.version).toBe(30);
      expect(r1.rows + r2.rows + r3.rows).toBe(30);
      expect(floor.rowsTrimmed).toBe(30);
      const kept = await store.loadUpdates(t, DOC, 30);
      expect(kept.map((r) => r.version)).toEqual(Array.from({ length: 10 }, (_, i) => 31 + i));
      expect((await store.tenantUsage(t)).bytes).toBe(total - floor.bytesTrimmed);
      expect((await store.commitBatch(updates.map((u, seq) => push(t, DOC, 'writer', seq, u)))).every((o) => o.kind === 'duplicate')).toBe(true);
    });

    it('M1: a room-style rebuild with no usable snapshot starts at the floor and equals the replayed log', async () => {
      const t = freshTenant();
      const updates = await seed(t, 12);
      await store.trimHistory(t, DOC, { version: 7, state: stateAt(updates, 7), owners: new Map([[7, 'actor-0']]) });
      const built = await rebuildDoc({ store, tenant: t, doc: DOC, upTo: undefined, skip: new Set(), quarantine: async () => {} });
      try {
        expect(built.version).toBe(12);
        expect([...built.owners]).toEqual([[7, 'actor-0']]);
        const full = new Y.Doc();
        for (const u of updates) Y.applyUpdate(full, u);
        expect(built.doc.getText('t').toString()).toBe(full.getText('t').toString());
      } finally {
        built.doc.destroy();
      }
      expect(await codeOf(rebuildDoc({ store, tenant: t, doc: DOC, upTo: 5, skip: new Set(), quarantine: async () => {} }))).toBe('HISTORY_TRIMMED');
    });
  });
}
