/**
 * The Store contract: every implementation (Postgres, PGlite, memory) runs this suite. Each test works in
 * a tenant of its own, so one store serves the whole file (PGlite takes seconds to open).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../packages/server/src/store/store.js';
import { batchesOf, expectBytes, expectGapFreeLog, push } from './store-fixtures.js';
import { seededRandom } from './store-seeded-random.js';

const DOC = 'space/doc';
const OTHER = 'space/other';

export function describeStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    const random = seededRandom(`store contract (${name})`);
    let store: Store;
    let tenants = 0;
    const freshTenant = () => `tenant-${Date.now().toString(36)}-${tenants++}`;
    const versions = (records: readonly { version: number }[]) => records.map((r) => r.version);

    beforeAll(async () => {
      store = await makeStore();
      await store.migrate();
    });
    afterAll(async () => {
      await store.close();
    });

    it('migrate() run again is a no-op: the data stays and versions continue', async () => {
      const t = freshTenant();
      await store.commitBatch([push(t, DOC, 'client-a', 0)]);
      await store.migrate();
      await store.migrate();
      expect(await store.headVersion(t, DOC)).toBe(1);
      expect(await store.commitBatch([push(t, DOC, 'client-a', 1)])).toEqual([{ kind: 'committed', version: 2 }]);
      expect(versions(await store.loadUpdates(t, DOC, 0))).toEqual([1, 2]);
    });

    it('C2: a batch gives each doc versions 1..n in request order', async () => {
      const t = freshTenant();
      const batch = [push(t, DOC, 'c', 0), push(t, OTHER, 'c', 1), push(t, DOC, 'c', 2), push(t, DOC, 'c', 3), push(t, OTHER, 'c', 4)];
      expect((await store.commitBatch(batch)).map((o) => `${o.kind} ${o.version}`)).toEqual([
        'committed 1', 'committed 1', 'committed 2', 'committed 3', 'committed 2',
      ]);
      expect(await store.loadUpdates(t, DOC, 0)).toEqual([1, 2, 3].map((v, i) => ({ version: v, update: batch[[0, 2, 3][i]!]!.update, actor: 'tester' })));
      expect(await store.loadUpdates(t, OTHER, 0)).toEqual([1, 2].map((v, i) => ({ version: v, update: batch[[1, 4][i]!]!.update, actor: 'tester' })));
    });

    it('C2: the next batch continues each doc where the last one stopped', async () => {
      const t = freshTenant();
      await store.commitBatch([push(t, DOC, 'c', 0), push(t, DOC, 'c', 1)]);
      await store.commitBatch([push(t, OTHER, 'c', 2)]);
      expect(await store.commitBatch([push(t, DOC, 'c', 3), push(t, OTHER, 'c', 4)])).toEqual([
        { kind: 'committed', version: 3 }, { kind: 'committed', version: 2 },
      ]);
      expect(await store.headVersion(t, DOC)).toBe(3);
      expect(await store.headVersion(t, OTHER)).toBe(2);
    });

    it('C2: concurrent commitBatch calls on one doc use every version 1..N exactly once', async () => {
      const t = freshTenant();
      const batches = batchesOf(t, DOC, 'client', Array.from({ length: 40 }, () => random.int(1, 8)));
      const outcomes = await Promise.all(batches.map((batch) => store.commitBatch(batch)));
      await expectGapFreeLog(store, t, DOC, batches, outcomes, random.seed);
    });

    it('C2: a batch too large for one INSERT statement still commits whole, versions 1..n', async () => {
      const t = freshTenant();
      // 9,500 rows × 7 columns is past Postgres' 65,535 bind parameters: the store must split the insert.
      const [batch] = batchesOf(t, DOC, 'bulk', [9_500]);
      const outcomes = await store.commitBatch(batch!);
      await expectGapFreeLog(store, t, DOC, [batch!], [outcomes], random.seed);
    });

    it('C2: a batch of more bytes than one statement carries (> 32 MiB) commits whole, bytes intact', async () => {
      const t = freshTenant();
      // 34 × 1 MiB: the SQL stores leave the one-statement commit for BEGIN, chunked INSERTs, COMMIT.
      const batch = Array.from({ length: 34 }, (_, i) => push(t, DOC, 'big', i, random.bytes(1024 * 1024)));
      const outcomes = await store.commitBatch(batch);
      expect(outcomes, `SEED=${random.seed}`).toEqual(batch.map((_, i) => ({ kind: 'committed', version: i + 1 })));
      const stored = await store.loadUpdates(t, DOC, 0);
      expect(versions(stored)).toEqual(batch.map((_, i) => i + 1));
      stored.forEach((r, i) => expectBytes(r.update, batch[i]!.update, `SEED=${random.seed}: version ${r.version}`));
    }, 60_000);

    it('C1: a push resent in a later batch is stored once and answered with its first version', async () => {
      const t = freshTenant();
      await store.commitBatch([push(t, DOC, 'client-a', 0), push(t, DOC, 'client-a', 1)]);
      const resent = push(t, DOC, 'client-a', 1, new Uint8Array([9, 9, 9]));
      expect(await store.commitBatch([resent, push(t, DOC, 'client-a', 2)])).toEqual([
        { kind: 'duplicate', version: 2 }, { kind: 'committed', version: 3 },
      ]);
      const stored = await store.loadUpdates(t, DOC, 0);
      expect(versions(stored)).toEqual([1, 2, 3]);
      expect(stored[1]!.update).toEqual(push(t, DOC, 'client-a', 1).update);
    });

    it('C1: a push repeated inside one batch is stored once', async () => {
      const t = freshTenant();
      const a0 = push(t, DOC, 'client-a', 0);
      expect(await store.commitBatch([a0, a0, push(t, DOC, 'client-a', 1), a0])).toEqual([
        { kind: 'committed', version: 1 }, { kind: 'duplicate', version: 1 },
        { kind: 'committed', version: 2 }, { kind: 'duplicate', version: 1 },
      ]);
      expect(versions(await store.loadUpdates(t, DOC, 0))).toEqual([1, 2]);
      expect(await store.headVersion(t, DOC)).toBe(2);
    });

    it('C1: (tenant, clientId, seq) is the identity of a push, whatever doc a resend names', async () => {
      const t = freshTenant();
      await store.commitBatch([push(t, DOC, 'client-a', 0)]);
      expect(await store.commitBatch([push(t, OTHER, 'client-a', 0)])).toEqual([{ kind: 'duplicate', version: 1 }]);
      expect(await store.headVersion(t, OTHER)).toBe(0);
    });

    it('tenantUsage counts a tenant\'s docs with commits and their committed bytes, duplicates once, other tenants never', async () => {
      const [t1, t2] = [freshTenant(), freshTenant()];
      expect(await store.tenantUsage(t1)).toEqual({ docs: 0, bytes: 0 });
      const bytes = (n: number) => new Uint8Array(n).fill(1);
      await store.commitBatch([push(t1, DOC, 'c', 0, bytes(10)), push(t1, OTHER, 'c', 1, bytes(5)), push(t2, DOC, 'c', 0, bytes(7))]);
      await store.commitBatch([push(t1, DOC, 'c', 0, bytes(10)), push(t1, DOC, 'c', 2, bytes(3))]);
      expect(await store.tenantUsage(t1)).toEqual({ docs: 2, bytes: 18 });
      expect(await store.tenantUsage(t2)).toEqual({ docs: 1, bytes: 7 });
      // A batch too big for one statement takes the four-statement path (sql-commit.ts); it counts the same.
      const many = Array.from({ length: 9_400 }, (_, i) => push(t2, i % 2 === 0 ? DOC : OTHER, 'big', i, bytes(2)));
      await store.commitBatch(many);
      expect(await store.tenantUsage(t2)).toEqual({ docs: 2, bytes: 7 + 9_400 * 2 });
    });

    it('S5: tenants are isolated: the same doc and the same clientId/seq under two tenants are independent', async () => {
      const [t1, t2] = [freshTenant(), freshTenant()];
      await store.commitBatch([push(t1, DOC, 'client-a', 0, new Uint8Array([1])), push(t1, DOC, 'client-a', 1)]);
      expect(await store.commitBatch([push(t2, DOC, 'client-a', 0, new Uint8Array([2]))])).toEqual([{ kind: 'committed', version: 1 }]);
      await store.saveSnapshot(t1, DOC, { version: 2, state: new Uint8Array([7]) });
      expect(await store.headVersion(t1, DOC)).toBe(2);
      expect(await store.headVersion(t2, DOC)).toBe(1);
      expect(await store.loadUpdates(t2, DOC, 0)).toEqual([{ version: 1, update: new Uint8Array([2]), actor: 'tester' }]);
      expect((await store.loadUpdates(t1, DOC, 0))[0]!.update).toEqual(new Uint8Array([1]));
      expect(await store.loadSnapshot(t2, DOC)).toBeNull();
    });

    it('C5: claimClient binds a clientId to the first subject that claims it; every later claim gets that owner', async () => {
      const t = freshTenant();
      expect(await store.claimClient(t, 'client-a', 'alice')).toBe('alice');
      expect(await store.claimClient(t, 'client-a', 'alice')).toBe('alice');
      expect(await store.claimClient(t, 'client-a', 'bob')).toBe('alice');
      expect(await store.claimClient(t, 'client-b', 'bob')).toBe('bob');
      await store.migrate();
      expect(await store.claimClient(t, 'client-a', 'bob')).toBe('alice');
    });

    it('C5: concurrent claims of one clientId all get the same owner, one of the claimants', async () => {
      const t = freshTenant();
      const subjects = Array.from({ length: 8 }, (_, i) => `subject-${i}`);
      const owners = await Promise.all(subjects.map((s) => store.claimClient(t, 'contested', s)));
      expect(new Set(owners).size).toBe(1);
      expect(subjects).toContain(owners[0]);
    });

    it('S5: a clientId is bound per tenant: the same id in another tenant has an owner of its own', async () => {
      const [t1, t2] = [freshTenant(), freshTenant()];
      expect(await store.claimClient(t1, 'client-a', 'alice')).toBe('alice');
      expect(await store.claimClient(t2, 'client-a', 'bob')).toBe('bob');
    });

    it.each([
      ['a negative seq', -1],
      ['a fractional seq', 1.5],
    ])('A2: a batch holding %s is refused whole: nothing of it is stored and the next batch works', async (_, seq) => {
      const t = freshTenant();
      const good = [push(t, DOC, 'client-a', 0), push(t, OTHER, 'client-a', 1)];
      await expect(store.commitBatch([...good, push(t, DOC, 'client-b', seq)])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(await store.headVersion(t, DOC)).toBe(0);
      expect(await store.headVersion(t, OTHER)).toBe(0);
      expect(await store.loadUpdates(t, DOC, 0)).toEqual([]);
      // Committed, not duplicate: the refused batch left no trace for dedupe either.
      expect(await store.commitBatch(good)).toEqual([{ kind: 'committed', version: 1 }, { kind: 'committed', version: 1 }]);
    });

    it('loadUpdates returns after < version ≤ upTo, in version order', async () => {
      const t = freshTenant();
      await store.commitBatch(Array.from({ length: 10 }, (_, i) => push(t, DOC, 'c', i)));
      expect(versions(await store.loadUpdates(t, DOC, 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(versions(await store.loadUpdates(t, DOC, 7))).toEqual([8, 9, 10]);
      expect(versions(await store.loadUpdates(t, DOC, 3, 6))).toEqual([4, 5, 6]);
      expect(versions(await store.loadUpdates(t, DOC, 8, 100))).toEqual([9, 10]);
      expect(await store.loadUpdates(t, DOC, 5, 5)).toEqual([]);
      expect(await store.loadUpdates(t, DOC, 10)).toEqual([]);
      expect((await store.loadUpdates(t, DOC, 4, 5))[0]!.update).toEqual(push(t, DOC, 'c', 4).update);
    });

    it('a doc with no commits has head 0, no updates and no snapshot', async () => {
      const t = freshTenant();
      expect(await store.headVersion(t, DOC)).toBe(0);
      expect(await store.loadUpdates(t, DOC, 0)).toEqual([]);
      expect(await store.loadSnapshot(t, DOC)).toBeNull();
    });

    it('saveSnapshot keeps the newest snapshot and ignores an older one', async () => {
      const t = freshTenant();
      await store.saveSnapshot(t, DOC, { version: 5, state: new Uint8Array([5]) });
      expect(await store.loadSnapshot(t, DOC)).toEqual({ version: 5, state: new Uint8Array([5]) });
      await store.saveSnapshot(t, DOC, { version: 3, state: new Uint8Array([3]) });
      expect(await store.loadSnapshot(t, DOC)).toEqual({ version: 5, state: new Uint8Array([5]) });
      await store.saveSnapshot(t, DOC, { version: 8, state: new Uint8Array([8, 8]) });
      expect(await store.loadSnapshot(t, DOC)).toEqual({ version: 8, state: new Uint8Array([8, 8]) });
      expect(await store.loadSnapshot(t, OTHER)).toBeNull();
    });

    it('C5: loadUpdates gives each row its actor, and a snapshot keeps the Yjs client owners it was saved with', async () => {
      const t = freshTenant();
      await store.commitBatch([{ ...push(t, DOC, 'client-a', 0), actor: 'alice' }, { ...push(t, DOC, 'client-b', 0), actor: 'bob' }]);
      expect((await store.loadUpdates(t, DOC, 0)).map((r) => r.actor)).toEqual(['alice', 'bob']);
      const owners = new Map([[4_294_967_295, 'alice'], [7, 'bob ü'], [0, '']]);
      await store.saveSnapshot(t, DOC, { version: 2, state: new Uint8Array([2]), owners });
      expect(await store.loadSnapshot(t, DOC)).toEqual({ version: 2, state: new Uint8Array([2]), owners });
      // A newer snapshot replaces the owners too; one saved without owners (an older node's) has none.
      await store.saveSnapshot(t, DOC, { version: 3, state: new Uint8Array([3]), owners: new Map([[7, 'bob ü']]) });
      expect((await store.loadSnapshot(t, DOC))?.owners).toEqual(new Map([[7, 'bob ü']]));
      await store.saveSnapshot(t, OTHER, { version: 1, state: new Uint8Array([1]) });
      expect(await store.loadSnapshot(t, OTHER)).toEqual({ version: 1, state: new Uint8Array([1]) });
    });

    it('bytes round-trip exactly as plain Uint8Arrays: empty, random and a 512 KiB update', async () => {
      const t = freshTenant();
      const sizes = [0, 1, 2, 255, 4096, random.int(1, 65_536), 512 * 1024];
      const batch = sizes.map((size, i) => push(t, DOC, 'bytes', i, random.bytes(size)));
      await store.commitBatch(batch);
      const stored = await store.loadUpdates(t, DOC, 0);
      expect(stored.map((r) => r.update.byteLength), `SEED=${random.seed}`).toEqual(sizes);
      stored.forEach((r, i) => {
        expect(Object.getPrototypeOf(r.update), 'not a Buffer').toBe(Uint8Array.prototype);
        expectBytes(r.update, batch[i]!.update, `SEED=${random.seed}: version ${r.version}`);
      });
      for (const state of [new Uint8Array(0), random.bytes(300 * 1024)]) {
        await store.saveSnapshot(t, `space/snap-${state.byteLength}`, { version: 1, state });
        const snapshot = await store.loadSnapshot(t, `space/snap-${state.byteLength}`);
        expect(Object.getPrototypeOf(snapshot!.state)).toBe(Uint8Array.prototype);
        expectBytes(snapshot!.state, state, `SEED=${random.seed}: snapshot`);
      }
    });

    it('stored bytes are copies: mutating the caller\'s arrays later changes nothing', async () => {
      const t = freshTenant();
      const update = new Uint8Array([1, 2, 3]);
      const state = new Uint8Array([4, 5, 6]);
      await store.commitBatch([push(t, DOC, 'c', 0, update)]);
      await store.saveSnapshot(t, DOC, { version: 1, state });
      update.fill(0);
      state.fill(0);
      (await store.loadUpdates(t, DOC, 0))[0]!.update.fill(0);
      (await store.loadSnapshot(t, DOC))!.state.fill(0);
      expect((await store.loadUpdates(t, DOC, 0))[0]!.update).toEqual(new Uint8Array([1, 2, 3]));
      expect((await store.loadSnapshot(t, DOC))!.state).toEqual(new Uint8Array([4, 5, 6]));
    });

    it('an empty batch commits nothing and ping() resolves', async () => {
      expect(await store.commitBatch([])).toEqual([]);
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
