/**
 * The SnapshotCache contract (packages/server/src/cache/snapshot-cache.ts), DESIGN.md section 7 (L3): every
 * implementation runs these cases with two nodes that share one cache.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CachedSnapshot, SnapshotCache } from '../../packages/server/src/cache/snapshot-cache.js';

export interface CacheNodes {
  a: SnapshotCache;
  b: SnapshotCache;
  dispose(): Promise<void>;
}

export type CacheFactory = (opts: { ttlMs: number; maxBytes: number }) => Promise<CacheNodes>;

const snap = (version: number, epoch = 'e1', state: Uint8Array = new Uint8Array([1, 2, 3, version & 255])): CachedSnapshot => ({
  version, epoch, state, owners: new Map([[7, 'alice'], [1_000_000_007, 'bob']]),
});

export function describeSnapshotCacheContract(name: string, make: CacheFactory): void {
  describe(`SnapshotCache contract: ${name}`, () => {
    let nodes: CacheNodes | null = null;
    const open = async (opts: Partial<{ ttlMs: number; maxBytes: number }> = {}) => {
      nodes = await make({ ttlMs: 60_000, maxBytes: 1 << 20, ...opts });
      return nodes;
    };
    afterEach(async () => {
      await nodes?.dispose();
      nodes = null;
    });

    it('L3: a snapshot put by one node is read by another, bytes, version, epoch and owners intact', async () => {
      const { a, b } = await open();
      expect(await b.get('t1', 's/d')).toBeNull();
      const state = new Uint8Array(300_000);
      for (let i = 0; i < state.length; i++) state[i] = (i * 31) & 255;
      expect(await a.put('t1', 's/d', snap(42, 'epoch-x', state))).toBe('stored');
      const got = await b.get('t1', 's/d');
      expect(got?.version).toBe(42);
      expect(got?.epoch).toBe('epoch-x');
      expect(Buffer.from(got!.state).equals(Buffer.from(state))).toBe(true);
      expect([...got!.owners]).toEqual([[7, 'alice'], [1_000_000_007, 'bob']]);
    });

    it('L3: within an epoch the newer snapshot wins; one of another epoch replaces it', async () => {
      const { a, b } = await open();
      expect(await a.put('t1', 's/d', snap(10))).toBe('stored');
      expect(await b.put('t1', 's/d', snap(5))).toBe('kept');
      expect((await a.get('t1', 's/d'))?.version).toBe(10);
      expect(await b.put('t1', 's/d', snap(10))).toBe('stored');
      expect(await b.put('t1', 's/d', snap(3, 'e2'))).toBe('stored');
      expect(await a.get('t1', 's/d')).toMatchObject({ version: 3, epoch: 'e2' });
    });

    it('S5: tenants never see each other\'s snapshots, even when tenant and doc names could run together', async () => {
      const { a, b } = await open();
      await a.put('t1', 's/d', snap(1));
      expect(await b.get('t2', 's/d')).toBeNull();
      await a.put('a:b', 'c/d', snap(2));
      await a.put('a', 'b:c/d', snap(3));
      expect((await b.get('a:b', 'c/d'))?.version).toBe(2);
      expect((await b.get('a', 'b:c/d'))?.version).toBe(3);
      await b.delete('a', 'b:c/d');
      expect((await a.get('a:b', 'c/d'))?.version).toBe(2);
    });

    it('L3: a state over the size cap is not cached, and the older state of that doc goes too', async () => {
      const { a, b } = await open({ maxBytes: 1000 });
      expect(await a.put('t1', 's/d', snap(1, 'e1', new Uint8Array(1000)))).toBe('stored');
      expect(await a.put('t1', 's/d', snap(2, 'e1', new Uint8Array(1001)))).toBe('too_big');
      expect(await b.get('t1', 's/d')).toBeNull();
      expect((await b.probe('t1', 's/d')).cached).toBe(false);
    });

    it('L2: deleting a doc or a space forgets exactly its snapshots', async () => {
      const { a, b } = await open();
      for (const doc of ['s/one', 's/two', 's2/one', 's*/x']) await a.put('t1', doc, snap(1));
      await a.put('t2', 's/one', snap(1));
      await b.delete('t1', 's/one');
      expect(await a.get('t1', 's/one')).toBeNull();
      expect(await a.get('t1', 's/two')).not.toBeNull();
      await b.deleteSpace('t1', 's');
      expect(await a.get('t1', 's/two')).toBeNull();
      expect(await a.get('t1', 's2/one')).not.toBeNull();
      expect(await a.get('t1', 's*/x')).not.toBeNull();
      expect(await a.get('t2', 's/one')).not.toBeNull();
    });

    it('L3: one load lease per doc across nodes; it is free again after release or expiry, and a late release does not free a newer holder\'s', async () => {
      const { a, b } = await open();
      const held = await a.lease('t1', 's/d', 200);
      expect(held).not.toBeNull();
      expect(await b.lease('t1', 's/d', 200)).toBeNull();
      expect(await b.lease('t2', 's/d', 200)).not.toBeNull();
      expect(await b.probe('t1', 's/d')).toEqual({ cached: false, leased: true });
      await held!.release();
      expect((await b.probe('t1', 's/d')).leased).toBe(false);
      const expiring = await b.lease('t1', 's/d', 100);
      expect(expiring).not.toBeNull();
      await new Promise((r) => setTimeout(r, 250));
      const next = await a.lease('t1', 's/d', 5000);
      expect(next).not.toBeNull();
      await expiring!.release();
      expect(await expiring!.renew(5000)).toBe(false);
      expect((await b.probe('t1', 's/d')).leased).toBe(true);
      await next!.release();
    });

    it('L3: a holder that renews its lease keeps it past its first time to live', async () => {
      const { a, b } = await open();
      const held = await a.lease('t1', 's/d', 150);
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 80));
        expect(await held!.renew(150)).toBe(true);
      }
      expect(await b.lease('t1', 's/d', 150)).toBeNull();
      await held!.release();
    });

    it('L3: a snapshot nobody reads or writes expires after its time to live; a read renews it', async () => {
      const { a, b } = await open({ ttlMs: 400 });
      await a.put('t1', 's/read', snap(1));
      await a.put('t1', 's/idle', snap(1));
      await new Promise((r) => setTimeout(r, 250));
      expect(await b.get('t1', 's/read')).not.toBeNull();
      await new Promise((r) => setTimeout(r, 250));
      expect(await b.get('t1', 's/idle')).toBeNull();
      expect(await b.get('t1', 's/read')).not.toBeNull();
      expect(await b.probe('t1', 's/read')).toEqual({ cached: true, leased: false });
    });
  });
}
