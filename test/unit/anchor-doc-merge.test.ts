/**
 * The anchor layout's merge semantics under random concurrent edits on offline replicas (X2, X3, X4),
 * checked with fast-check on real Yjs docs exchanging real updates.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { createHlc, markDeleted, markMoved, mergeAnchorView, putAnchor, readCell, setExpiry, setPose, type AnchorPose } from '@cairn/shared';

const SEED = process.env.SEED ? Number(process.env.SEED) : Date.now() % 2 ** 31;
const CELLS = ['u4pruyd', 'u4pruye', 'u4pruyf'];
const ID = '0190a6b2-0000-7000-8000-000000000001';

interface Replica {
  docs: Map<string, Y.Doc>;
  hlc: ReturnType<typeof createHlc>;
  name: string;
}

function replica(name: string, clock: () => number): Replica {
  return { docs: new Map(CELLS.map((c) => [c, new Y.Doc()])), hlc: createHlc(name, clock), name };
}

function syncAll(replicas: Replica[]): void {
  for (const cell of CELLS) {
    const merged = Y.mergeUpdates(replicas.map((r) => Y.encodeStateAsUpdate(r.docs.get(cell)!)));
    for (const r of replicas) Y.applyUpdate(r.docs.get(cell)!, merged);
  }
}

function view(r: Replica, now: number) {
  return mergeAnchorView('s', CELLS.flatMap((c) => readCell(r.docs.get(c)!, c)), now);
}

/** Where this replica currently sees the anchor (its live cell), if anywhere. */
function liveCell(r: Replica): string | null {
  return view(r, 0).get(ID)?.cell ?? null;
}

type Op = { kind: 'move'; replica: number; cell: number; x: number } | { kind: 'delete'; replica: number } | { kind: 'ttl'; replica: number; at: number } | { kind: 'sync' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('move' as const), replica: fc.nat(2), cell: fc.nat(2), x: fc.integer({ min: -1000, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), replica: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ttl' as const), replica: fc.nat(2), at: fc.integer({ min: 0, max: 2000 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'sync' as const }) },
);

let latestMove = '';

function apply(rs: Replica[], o: Op): void {
  if (o.kind === 'sync') return syncAll(rs);
  const r = rs[o.replica]!;
  const from = liveCell(r);
  if (from === null) return; // this replica sees no live anchor (deleted or expired): nothing to edit
  const hlc = r.hlc.now();
  if (o.kind === 'delete') return r.docs.get(from)!.transact(() => markDeleted(r.docs.get(from)!, ID, hlc, r.name));
  if (o.kind === 'ttl') return r.docs.get(from)!.transact(() => setExpiry(r.docs.get(from)!, ID, o.at, hlc));
  const pose: AnchorPose = { p: [o.x, o.replica, -o.x], q: [0, 0, 0, 1], hlc };
  if (hlc > latestMove) latestMove = hlc;
  const to = CELLS[o.cell]!;
  if (to === from) return r.docs.get(from)!.transact(() => setPose(r.docs.get(from)!, ID, pose));
  // A move across a cell edge: forwarding tombstone in the old cell, the whole anchor in the new one.
  r.docs.get(from)!.transact(() => markMoved(r.docs.get(from)!, ID, to, hlc));
  r.docs.get(to)!.transact(() => putAnchor(r.docs.get(to)!, { id: ID, pose, created: { by: 'a', at: 'x' } }));
}

describe(`anchor merge semantics (SEED=${SEED})`, () => {
  it('X2/X3: after any interleaving of offline moves across cells, every replica sees the same single whole pose', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let t = 1000;
        const clock = () => t++;
        const rs = [replica('r0', clock), replica('r1', clock), replica('r2', clock)];
        const first = rs[0]!;
        first.docs.get(CELLS[0]!)!.transact(() =>
          putAnchor(first.docs.get(CELLS[0]!)!, { id: ID, pose: { p: [0, 0, 0], q: [0, 0, 0, 1], hlc: first.hlc.now() }, created: { by: 'r0', at: 'now' } }),
        );
        syncAll(rs);
        const issued: AnchorPose[] = [view(first, 0).get(ID)!.pose];
        latestMove = issued[0]!.hlc;
        for (const o of ops) {
          apply(rs, o);
          for (const r of rs) {
            // X3 at every step, even mid-way through concurrent cross-cell moves: one entry per id at most.
            const v = view(r, 0);
            expect(v.size).toBeLessThanOrEqual(1);
            const a = v.get(ID);
            if (a) issued.push(a.pose);
          }
        }
        syncAll(rs);
        const views = rs.map((r) => view(r, 0).get(ID) ?? null);
        expect(views[1]).toEqual(views[0]);
        expect(views[2]).toEqual(views[0]);
        const final = views[0];
        if (final) {
          // X2: the pose is one that some replica wrote, whole (no mixing of components from two moves).
          expect(issued.some((p) => JSON.stringify(p) === JSON.stringify(final.pose))).toBe(true);
          // …and it is the move with the latest hybrid logical clock, wherever it happened.
          expect(final.pose.hlc).toBe(latestMove);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('X4: an anchor whose TTL passed is hidden by every replica from its own clock, offline too', () => {
    const r = replica('solo', () => 5);
    const d = r.docs.get(CELLS[0]!)!;
    d.transact(() => putAnchor(d, { id: ID, pose: { p: [1, 2, 3], q: [0, 0, 0, 1], hlc: r.hlc.now() }, created: { by: 'x', at: 'y' }, expiresAt: 1000 }));
    expect(view(r, 999).get(ID)).toBeDefined();
    expect(view(r, 1000).get(ID)).toBeUndefined();
    d.transact(() => setExpiry(d, ID, 5000, r.hlc.now()));
    expect(view(r, 1000).get(ID)?.expiresAt).toBe(5000);
  });

  it('delete wins over a concurrent move to another cell', () => {
    let t = 10;
    const a = replica('a', () => t++);
    const b = replica('b', () => t++);
    const d0 = a.docs.get(CELLS[0]!)!;
    d0.transact(() => putAnchor(d0, { id: ID, pose: { p: [0, 0, 0], q: [0, 0, 0, 1], hlc: a.hlc.now() }, created: { by: 'a', at: 'x' } }));
    syncAll([a, b]);
    apply([a, b], { kind: 'delete', replica: 0 });
    apply([a, b], { kind: 'move', replica: 1, cell: 2, x: 5 }); // later HLC than the delete
    syncAll([a, b]);
    expect(view(a, 0).has(ID)).toBe(false);
    expect(view(b, 0).has(ID)).toBe(false);
  });
});
