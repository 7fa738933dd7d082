import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '@cairn/shared';
import { createAnchorIndex } from '../../packages/client/src/spatial/anchor-index.js';
import type { AnchorQuery } from '../../packages/client/src/spatial/anchor-query.js';
import type { IndexedAnchor } from '../../packages/client/src/spatial/indexed-anchor.js';
import type { QueryDiff } from '../../packages/client/src/spatial/live-queries.js';

const seed = Number(process.env.SEED ?? 8080);
console.info(`spatial-live-queries seed=${seed} (SEED=${seed} reproduces)`);
const runs = { seed, numRuns: 150 };

const coord = fc.integer({ min: -20, max: 20 });
const point = fc.tuple(coord, fc.integer({ min: -3, max: 3 }), coord) as fc.Arbitrary<Vec3>;
const id = fc.integer({ min: 0, max: 25 }).map((i) => `n${i}`);
const anchor = fc
  .record({ id, p: point, cell: fc.constantFrom('a', 'b'), ttl: fc.option(fc.integer({ min: -5, max: 30 }), { nil: undefined }), deleted: fc.boolean() })
  .map(({ id, p, cell, ttl, deleted }) => ({ id, p, cell, ttl, deleted: deleted && Math.abs(p[0]) % 7 === 0 }));

type Op =
  | { kind: 'upsert'; a: { id: string; p: Vec3; cell: string; ttl: number | undefined; deleted: boolean } }
  | { kind: 'remove'; id: string }
  | { kind: 'load'; as: { id: string; p: Vec3; cell: string; ttl: number | undefined; deleted: boolean }[] }
  | { kind: 'tick'; ms: number };
const op = fc.oneof(
  { weight: 6, arbitrary: anchor.map((a): Op => ({ kind: 'upsert', a })) },
  { weight: 2, arbitrary: id.map((id): Op => ({ kind: 'remove', id })) },
  { weight: 1, arbitrary: fc.array(anchor, { maxLength: 8 }).map((as): Op => ({ kind: 'load', as })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 15 }).map((ms): Op => ({ kind: 'tick', ms })) },
) as fc.Arbitrary<Op>;

const queries: AnchorQuery[] = [
  { kind: 'bbox', min: [-8, -1, -8], max: [8, 2, 8] },
  { kind: 'within', center: [3, 0, -3], radiusM: 9 },
  { kind: 'nearest', point: [0, 0, 0], k: 4 },
  { kind: 'nearest', point: [5, 1, 5], k: 3, maxDistance: 10, filter: (a) => a.cell === 'a' },
  { kind: 'geoWithin', lat: 47.0001, lon: 8.0001, radiusM: 12 },
];

describe('live queries (observe) track their result exactly (DESIGN §2 ⑩, X1, X4)', () => {
  it('X1: the index holds exactly the visible anchors of a model, and applying the reported diffs reproduces every query result, through upserts, removes, loads and expiry', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let now = 1000;
        const index = createAnchorIndex({ now: () => now, origin: { lat: 47, lon: 8, alt: 400 } });
        const mirrors = queries.map((q) => {
          const seen = new Set<string>();
          const handle = index.observe(q, (d: QueryDiff) => {
            for (const x of d.added) {
              expect(seen.has(x), `added ${x} twice`).toBe(false);
              seen.add(x);
            }
            for (const x of d.changed) expect(seen.has(x), `changed ${x} not in result`).toBe(true);
            for (const x of d.removed) expect(seen.delete(x), `removed ${x} not in result`).toBe(true);
            expect(d.added.length + d.changed.length + d.removed.length).toBeGreaterThan(0);
          });
          return { q, seen, handle };
        });
        const toAnchor = (a: Extract<Op, { kind: 'upsert' }>['a']): IndexedAnchor => ({
          id: a.id, p: a.p, q: [0, 0, 0, 1], cell: a.cell,
          ...(a.ttl === undefined ? {} : { expiresAt: now + a.ttl }),
          ...(a.deleted ? { deleted: { at: 'x', by: 'y' } } : {}),
        });
        const model = new Map<string, IndexedAnchor>();
        for (const o of ops) {
          if (o.kind === 'upsert') {
            const a = toAnchor(o.a);
            model.set(a.id, a);
            index.upsert(a);
          } else if (o.kind === 'remove') {
            model.delete(o.id);
            index.remove(o.id);
          } else if (o.kind === 'load') {
            const as = o.as.map(toAnchor);
            for (const a of as) model.set(a.id, a);
            index.load(as);
          } else {
            now += o.ms;
            index.sweep();
          }
          const visible = [...model.values()].filter((a) => !a.deleted && (a.expiresAt === undefined || now < a.expiresAt));
          expect(index.all().map((a) => a.id).sort()).toEqual(visible.map((a) => a.id).sort());
          expect(index.size).toBe(visible.length);
          for (const m of mirrors) {
            const expected = index.query(m.q).map((a) => a.id);
            expect([...m.seen].sort()).toEqual([...expected].sort());
            if (m.q.kind === 'nearest') expect(m.handle.current()).toEqual(expected);
            else expect(m.handle.current().sort()).toEqual([...expected].sort());
          }
        }
      }),
      runs,
    );
  });

  it('reports added, changed and removed for moves into, within and out of a region', () => {
    const index = createAnchorIndex();
    const a = (p: Vec3): IndexedAnchor => ({ id: 'm', p, q: [0, 0, 0, 1], cell: 'c' });
    index.upsert({ id: 'pre', p: [0, 0, 0], q: [0, 0, 0, 1], cell: 'c' });
    const diffs: QueryDiff[] = [];
    const handle = index.observe({ kind: 'within', center: [0, 0, 0], radiusM: 5 }, (d) => diffs.push(d));
    index.upsert(a([9, 0, 0]));
    index.upsert(a([1, 0, 0]));
    index.upsert(a([2, 0, 0]));
    index.upsert(a([2, 0, 8]));
    handle.close();
    index.upsert(a([0, 0, 0]));
    expect(diffs).toEqual([
      { added: ['pre'], changed: [], removed: [] },
      { added: ['m'], changed: [], removed: [] },
      { added: [], changed: ['m'], removed: [] },
      { added: [], changed: [], removed: ['m'] },
    ]);
  });

  it('geo observers follow the origin: empty without one, re-evaluated when it is set or moved', () => {
    const index = createAnchorIndex();
    index.upsert({ id: 'a', p: [0, 0, 0], q: [0, 0, 0, 1], cell: 'c' });
    const diffs: QueryDiff[] = [];
    const handle = index.observe({ kind: 'geoWithin', lat: 10, lon: 20, radiusM: 5 }, (d) => diffs.push(d));
    expect(handle.current()).toEqual([]);
    index.setOrigin({ lat: 10, lon: 20, alt: 0 });
    index.upsert({ id: 'b', p: [3, 0, 0], q: [0, 0, 0, 1], cell: 'c' });
    index.upsert({ id: 'b', p: [30, 0, 0], q: [0, 0, 0, 1], cell: 'c' });
    index.setOrigin({ lat: 11, lon: 20, alt: 0 });
    index.upsert({ id: 'c', p: [0, 0, 0], q: [0, 0, 0, 1], cell: 'c' });
    index.clear();
    expect(diffs).toEqual([
      { added: ['a'], changed: [], removed: [] },
      { added: ['b'], changed: [], removed: [] },
      { added: [], changed: [], removed: ['b'] },
      { added: [], changed: [], removed: ['a'] },
    ]);
    index.setOrigin({ lat: 10, lon: 20, alt: 0 });
    index.upsert({ id: 'c', p: [0, 0, 0], q: [0, 0, 0, 1], cell: 'c' });
    expect(handle.current()).toEqual(['c']);
    index.clear();
    expect(diffs.at(-1)).toEqual({ added: [], changed: [], removed: ['c'] });
  });

  it('a callback that edits the index sees its edit delivered after the current round, in order', () => {
    const index = createAnchorIndex();
    const log: string[] = [];
    const box: AnchorQuery = { kind: 'bbox', min: [-1, -1, -1], max: [1, 1, 1] };
    index.observe(box, (d) => {
      log.push(`first ${JSON.stringify(d)}`);
      if (d.added.includes('x')) index.remove('x');
    });
    const second = index.observe(box, (d) => log.push(`second ${JSON.stringify(d)}`));
    index.upsert({ id: 'x', p: [0, 0, 0], q: [0, 0, 0, 1], cell: 'c' });
    expect(second.current()).toEqual([]);
    expect(log).toEqual([
      'first {"added":["x"],"changed":[],"removed":[]}',
      // By the time the second observer is told, x is already gone: it never sees a stale add.
      'first {"added":[],"changed":[],"removed":["x"]}',
    ]);
  });

  it('a throwing callback does not stop the others; its error surfaces after they ran', () => {
    const index = createAnchorIndex();
    const seen: string[] = [];
    index.observe({ kind: 'within', center: [0, 0, 0], radiusM: 1 }, () => {
      throw new Error('app bug');
    });
    index.observe({ kind: 'within', center: [0, 0, 0], radiusM: 1 }, (d) => seen.push(...d.added));
    expect(() => index.upsert({ id: 'x', p: [0, 0, 0], q: [0, 0, 0, 1], cell: 'c' })).toThrow('app bug');
    expect(seen).toEqual(['x']);
    expect(index.get('x')).toBeDefined();
  });

  it('a nearest observer is not re-run by changes that cannot reach its top k, and is by those that can', () => {
    const index = createAnchorIndex();
    const mk = (id: string, x: number): IndexedAnchor => ({ id, p: [x, 0, 0], q: [0, 0, 0, 1], cell: 'c' });
    index.load([mk('a', 1), mk('b', 2)]);
    const diffs: QueryDiff[] = [];
    index.observe({ kind: 'nearest', point: [0, 0, 0], k: 2 }, (d) => diffs.push(d));
    index.upsert(mk('far', 50));
    index.upsert(mk('near', 0.5));
    index.upsert(mk('a', 1.5));
    // A newcomer exactly as far as the k-th wins the tie by id.
    index.upsert(mk('Z', -1.5));
    expect(diffs).toEqual([
      { added: ['a', 'b'], changed: [], removed: [] },
      { added: ['near'], changed: [], removed: ['b'] },
      { added: [], changed: ['a'], removed: [] },
      { added: ['Z'], changed: [], removed: ['a'] },
    ]);
  });
});
