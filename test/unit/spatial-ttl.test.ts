import { describe, expect, it } from 'vitest';
import { createAnchorIndex } from '../../packages/client/src/spatial/anchor-index.js';
import type { IndexedAnchor } from '../../packages/client/src/spatial/indexed-anchor.js';
import type { QueryDiff } from '../../packages/client/src/spatial/live-queries.js';

const anchor = (id: string, x: number, extra: Partial<IndexedAnchor> = {}): IndexedAnchor => ({ id, p: [x, 0, 0], q: [0, 0, 0, 1], cell: 'c', ...extra });

describe('TTL and tombstones in the anchor index (X4)', () => {
  it('X4: an anchor is hidden from every query from the instant it expires, by the replica clock alone', () => {
    let now = 1000;
    const index = createAnchorIndex({ now: () => now });
    index.load([anchor('ttl', 0, { expiresAt: 1500 }), anchor('keep', 1)]);
    expect(index.within([0, 0, 0], 5).map((a) => a.id).sort()).toEqual(['keep', 'ttl']);
    now = 1499;
    expect(index.get('ttl')).toBeDefined();
    now = 1500;
    expect(index.get('ttl')).toBeUndefined();
    expect(index.within([0, 0, 0], 5).map((a) => a.id)).toEqual(['keep']);
    expect(index.bbox({ min: [-1, -1, -1], max: [1, 1, 1] }).map((a) => a.id)).toEqual(['keep']);
    expect(index.nearest([0, 0, 0], 5).map((a) => a.id)).toEqual(['keep']);
    expect(index.all().map((a) => a.id)).toEqual(['keep']);
    expect(index.size).toBe(2);
  });

  it('X4: sweep drops what expired, tells live queries, and nextExpiry says when to sweep next', () => {
    let now = 0;
    const index = createAnchorIndex({ now: () => now });
    index.load([anchor('a', 0, { expiresAt: 30 }), anchor('b', 1, { expiresAt: 10 }), anchor('c', 2, { expiresAt: 20 }), anchor('d', 3)]);
    const diffs: QueryDiff[] = [];
    index.observe({ kind: 'within', center: [0, 0, 0], radiusM: 10 }, (d) => diffs.push(d));
    expect(index.nextExpiry()).toBe(10);
    // Extending a TTL supersedes the earlier expiry.
    index.upsert(anchor('b', 1, { expiresAt: 40 }));
    expect(index.nextExpiry()).toBe(20);
    now = 25;
    expect(index.sweep()).toEqual(['c']);
    expect(index.size).toBe(3);
    expect(index.nextExpiry()).toBe(30);
    now = 100;
    expect(index.sweep().sort()).toEqual(['a', 'b']);
    expect(index.nextExpiry()).toBeUndefined();
    expect(index.sweep()).toEqual([]);
    expect(diffs.slice(1)).toEqual([
      { added: [], changed: ['b'], removed: [] },
      { added: [], changed: [], removed: ['c'] },
      { added: [], changed: [], removed: expect.arrayContaining(['a', 'b']) },
    ]);
  });

  it('X4: a TTL extended before it ran out is not swept at the old time', () => {
    let now = 0;
    const index = createAnchorIndex({ now: () => now });
    index.upsert(anchor('a', 0, { expiresAt: 10 }));
    index.upsert(anchor('a', 0, { expiresAt: 40 }));
    now = 20;
    expect(index.sweep()).toEqual([]);
    expect(index.get('a')?.expiresAt).toBe(40);
    now = 40;
    expect(index.sweep()).toEqual(['a']);
  });

  it('X4: an anchor that is already expired when written is not indexed, and replaces a live copy', () => {
    const now = 1000;
    const index = createAnchorIndex({ now: () => now });
    index.upsert(anchor('x', 0));
    index.upsert(anchor('x', 0, { expiresAt: 999 }));
    expect(index.size).toBe(0);
    index.load([anchor('y', 0, { expiresAt: 1000 })]);
    expect(index.size).toBe(0);
  });

  it('a tombstoned anchor leaves the index and its live queries', () => {
    const index = createAnchorIndex();
    const diffs: QueryDiff[] = [];
    index.upsert(anchor('x', 0));
    index.observe({ kind: 'nearest', point: [0, 0, 0], k: 1 }, (d) => diffs.push(d));
    index.upsert(anchor('x', 0, { deleted: { at: '2024-01-01T00:00:00Z', by: 'u' } }));
    expect(index.get('x')).toBeUndefined();
    expect(index.size).toBe(0);
    expect(diffs).toEqual([
      { added: ['x'], changed: [], removed: [] },
      { added: [], changed: [], removed: ['x'] },
    ]);
  });

  it('tracks only the latest expiry of an anchor rewritten many times', () => {
    let now = 0;
    const index = createAnchorIndex({ now: () => now });
    for (let i = 1; i <= 5000; i++) index.upsert(anchor('x', i % 7, { expiresAt: 10_000 + i }));
    expect(index.nextExpiry()).toBe(15_000);
    now = 14_999;
    expect(index.sweep()).toEqual([]);
    now = 15_000;
    expect(index.sweep()).toEqual(['x']);
  });
});
