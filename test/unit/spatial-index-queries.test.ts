import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '@cairn/shared';
import { createAnchorIndex } from '../../packages/client/src/spatial/anchor-index.js';
import type { IndexedAnchor } from '../../packages/client/src/spatial/indexed-anchor.js';

const seed = Number(process.env.SEED ?? 424242);
console.info(`spatial-index-queries seed=${seed} (SEED=${seed} reproduces)`);
const runs = { seed, numRuns: 200 };

// Half-meter grid coordinates give many exact distance ties (tie order is by id); continuous ones the rest.
const coord = (span: number) => fc.oneof(fc.integer({ min: -2 * span, max: 2 * span }).map((i) => i / 2), fc.double({ min: -span, max: span, noNaN: true }));
const point = fc.tuple(coord(50), coord(8), coord(50)) as fc.Arbitrary<Vec3>;
const T0 = 1_000_000;
const anchorAt = (i: number) =>
  fc.record({
    p: point,
    deleted: fc.option(fc.constant({ at: 'x', by: 'y' }), { freq: 8, nil: undefined }),
    expiresAt: fc.option(fc.integer({ min: T0 - 100, max: T0 + 100 }), { freq: 3, nil: undefined }),
  }).map(({ p, deleted, expiresAt }): IndexedAnchor => ({
    id: `a${String(i).padStart(3, '0')}`,
    p,
    q: [0, 0, 0, 1],
    cell: `c${i % 4}`,
    ...(deleted ? { deleted } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  }));
const anchors = fc.integer({ min: 0, max: 120 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => anchorAt(i))));

const visible = (a: IndexedAnchor, now: number) => !a.deleted && (a.expiresAt === undefined || now < a.expiresAt);
const d2 = (a: Vec3, b: Vec3) => (a[0] - b[0]) ** 2 + (a[2] - b[2]) ** 2 + (a[1] - b[1]) ** 2;
const ids = (xs: IndexedAnchor[]) => xs.map((a) => a.id).sort();

function bruteNearest(all: IndexedAnchor[], now: number, at: Vec3, k: number, maxD?: number, filter?: (a: IndexedAnchor) => boolean) {
  return all
    .filter((a) => visible(a, now) && (!filter || filter(a)) && (maxD === undefined || d2(a.p, at) <= maxD * maxD))
    .sort((a, b) => d2(a.p, at) - d2(b.p, at) || (a.id < b.id ? -1 : 1))
    .slice(0, k)
    .map((a) => a.id);
}

const build = (all: IndexedAnchor[], bulk: boolean, clock: () => number) => {
  const index = createAnchorIndex({ now: clock });
  if (bulk) index.load(all);
  else for (const a of all) index.upsert(a);
  return index;
};

describe('anchor index queries equal a brute-force scan (DESIGN §6, X1, X4)', () => {
  it('X1/X4: all, get, bbox, within and nearest (k, maxDistance, filter) match, before and after time passes and sweep', () => {
    const box = fc.tuple(point, point).map(([a, b]) => ({ min: a.map((v, i) => Math.min(v, b[i]!)) as Vec3, max: a.map((v, i) => Math.max(v, b[i]!)) as Vec3 }));
    const filterArb = fc.option(fc.constantFrom('c0', 'c1'), { nil: undefined });
    fc.assert(
      fc.property(
        anchors, fc.boolean(), box, point, fc.double({ min: 0, max: 60, noNaN: true }), point, fc.integer({ min: 0, max: 25 }),
        fc.option(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 60, noNaN: true })), { nil: undefined }), filterArb, fc.integer({ min: 0, max: 150 }),
        (all, bulk, b, center, r, at, k, maxD, cell, later) => {
          let now = T0;
          const index = build(all, bulk, () => now);
          const filter = cell === undefined ? undefined : (a: IndexedAnchor) => a.cell !== cell;
          const check = () => {
            const live = all.filter((a) => visible(a, now));
            expect(ids(index.all())).toEqual(ids(live));
            expect(ids(index.bbox(b))).toEqual(ids(live.filter((a) => a.p.every((v, i) => v >= b.min[i]! && v <= b.max[i]!))));
            expect(ids(index.within(center, r))).toEqual(ids(live.filter((a) => d2(a.p, center) <= r * r)));
            expect(index.nearest(at, k, maxD, filter).map((a) => a.id)).toEqual(bruteNearest(all, now, at, k, maxD, filter));
            for (const a of all) expect(index.get(a.id)).toBe(visible(a, now) ? a : undefined);
          };
          check();
          now = T0 + later;
          check();
          index.sweep();
          check();
          expect(index.size).toBe(all.filter((a) => visible(a, now)).length);
        },
      ),
      runs,
    );
  });

  it('nearest uses true 3D distance, not the horizontal distance the R-tree is built on', () => {
    const index = createAnchorIndex();
    const a = (id: string, p: Vec3): IndexedAnchor => ({ id, p, q: [0, 0, 0, 1], cell: 'c' });
    index.load([a('above', [0, 100, 0]), a('beside', [5, 0, 0]), a('far', [6, 0, 0]), a('below', [0, -5.5, 0])]);
    expect(index.nearest([0, 0, 0], 1).map((x) => x.id)).toEqual(['beside']);
    expect(index.nearest([0, 0, 0], 3).map((x) => x.id)).toEqual(['beside', 'below', 'far']);
    expect(index.nearest([0, 0, 0], 10, 5.5).map((x) => x.id)).toEqual(['beside', 'below']);
    expect(index.nearest([0, 100, 0], 1, 0).map((x) => x.id)).toEqual(['above']);
    expect(index.nearest([0, 0, 0], 0)).toEqual([]);
    expect(index.within([0, 0, 0], 5).map((x) => x.id)).toEqual(['beside']);
    expect(index.bbox({ min: [-1, -1, -1], max: [6, 1, 1] }).map((x) => x.id).sort()).toEqual(['beside', 'far']);
  });

  it('nearest breaks distance ties by id, whatever order the R-tree yields them in', () => {
    const ring: Vec3[] = [[5, 0, 0], [-5, 0, 0], [0, 0, 5], [0, 0, -5], [3, 0, 4], [-3, 0, 4], [3, 0, -4], [-3, 0, -4], [4, 0, 3], [-4, 0, 3], [4, 0, -3], [-4, 0, -3], [0, 5, 0], [3, 4, 0]];
    const names = ring.map((_, i) => `r${String((i * 3) % ring.length).padStart(2, '0')}`);
    for (let rot = 0; rot < ring.length; rot++) {
      const index = createAnchorIndex();
      for (let i = 0; i < ring.length; i++) {
        const j = (i + rot) % ring.length;
        index.upsert({ id: names[j]!, p: ring[j]!, q: [0, 0, 0, 1], cell: 'c' });
      }
      const sorted = [...names].sort();
      expect(index.nearest([0, 0, 0], 1).map((a) => a.id)).toEqual(sorted.slice(0, 1));
      expect(index.nearest([0, 0, 0], 5).map((a) => a.id)).toEqual(sorted.slice(0, 5));
    }
  });

  it('upsert replaces, remove forgets, and load of duplicates keeps the last', () => {
    const index = createAnchorIndex();
    const a = (p: Vec3, cell = 'c'): IndexedAnchor => ({ id: 'x', p, q: [0, 0, 0, 1], cell });
    index.upsert(a([0, 0, 0]));
    index.upsert(a([10, 0, 0]));
    expect(index.size).toBe(1);
    expect(index.within([0, 0, 0], 1)).toEqual([]);
    index.upsert(a([10, 0, 0], 'other'));
    expect(index.within([10, 0, 0], 1)[0]?.cell).toBe('other');
    expect(index.remove('x')).toBe(true);
    expect(index.remove('x')).toBe(false);
    index.load([a([1, 1, 1]), a([2, 2, 2])]);
    expect(index.size).toBe(1);
    expect(index.get('x')?.p).toEqual([2, 2, 2]);
    index.clear();
    expect(index.size).toBe(0);
  });

  it('rejects bad queries and bad anchors with BAD_REQUEST', () => {
    const index = createAnchorIndex();
    const bad = expect.objectContaining({ code: 'BAD_REQUEST' });
    expect(() => index.bbox({ min: [1, 0, 0], max: [0, 1, 1] })).toThrow(bad);
    expect(() => index.within([0, Number.NaN, 0], 1)).toThrow(bad);
    expect(() => index.within([0, 0, 0], -1)).toThrow(bad);
    expect(() => index.nearest([0, 0, 0], 1.5)).toThrow(bad);
    expect(() => index.nearest([0, 0, 0], 1, -2)).toThrow(bad);
    expect(() => index.upsert({ id: '', p: [0, 0, 0], q: [0, 0, 0, 1], cell: 'c' })).toThrow(bad);
    expect(() => index.upsert({ id: 'a', p: [0, 0] as unknown as Vec3, q: [0, 0, 0, 1], cell: 'c' })).toThrow(bad);
    expect(() => index.load([{ id: 'a', p: [0, 0, 0], q: [0, 0, 0, 1], cell: 'c', expiresAt: Number.NaN }])).toThrow(bad);
  });
});
