/**
 * X5 at the layout level (anchor-doc.ts, anchor-props.ts): a props key is the write with the greatest hlc,
 * whichever Yjs client wrote it and whichever cell it landed in; props written before props had clocks
 * (the legacy `props` map, and read-model rows without propClocks) read exactly as they did before.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  copyProps, encodeHlc, markMoved, mergeAnchorView, propWritesOf, putAnchor, readCell, setProps, type AnchorPose,
} from '@cairn/shared';
import { cleanEntry, entryBody, entryFromJson } from '../../packages/server/src/readmodel/entry-codec.js';
import { frameOf, mergeRecord } from '../../packages/server/src/readmodel/anchor-row.js';

const ID = '0190a6b2-0000-7000-8000-000000000005';
const C1 = 'u09tvw0';
const C2 = 'u09tvw1';
const hlc = (wallMs: number, nodeId: string) => encodeHlc({ wallMs, counter: 0, nodeId });
const pose = (x: number, at: string): AnchorPose => ({ p: [x, 0, 0], q: [0, 0, 0, 1], hlc: at });

function docWithClient(clientID: number): Y.Doc {
  const d = new Y.Doc();
  d.clientID = clientID;
  return d;
}

function exchange(a: Y.Doc, b: Y.Doc): void {
  const ua = Y.encodeStateAsUpdate(a);
  const ub = Y.encodeStateAsUpdate(b);
  Y.applyUpdate(a, ub);
  Y.applyUpdate(b, ua);
}

function view(cells: [string, Y.Doc][]) {
  return mergeAnchorView('s', cells.flatMap(([c, d]) => readCell(d, c)), 0).get(ID);
}

describe('props merge by hlc (X5)', () => {
  for (const [early, late] of [[1, 2], [2, 1]] as const) {
    it(`X5: two replicas set one key in one cell concurrently: the later hlc wins (Yjs client ${late} wrote it)`, () => {
      const base = docWithClient(99);
      base.transact(() => putAnchor(base, { id: ID, pose: pose(0, hlc(1, 'c')), created: { by: 'c', at: 'x' } }));
      const e = docWithClient(early);
      const l = docWithClient(late);
      Y.applyUpdate(e, Y.encodeStateAsUpdate(base));
      Y.applyUpdate(l, Y.encodeStateAsUpdate(base));
      e.transact(() => setProps(e, ID, { color: 'early' }, hlc(10, 'e')));
      l.transact(() => setProps(l, ID, { color: 'late' }, hlc(20, 'l')));
      exchange(e, l);
      expect(view([[C1, e]])?.props).toEqual({ color: 'late' });
      expect(view([[C1, l]])?.props).toEqual({ color: 'late' });
    });
  }

  it('X5: a delete is a write: it hides an older set in another cell, and loses to a newer one', () => {
    const c1 = new Y.Doc();
    const c2 = new Y.Doc();
    c1.transact(() => putAnchor(c1, { id: ID, pose: pose(0, hlc(1, 'a')), props: { a: 1, b: 1 }, created: { by: 'a', at: 'x' } }));
    c2.transact(() => {
      putAnchor(c2, { id: ID, pose: pose(9, hlc(5, 'a')), created: { by: 'a', at: 'x' } });
      copyProps(c2, ID, propWritesOf(readCell(c1, C1)));
    });
    c1.transact(() => markMoved(c1, ID, C2, hlc(5, 'a')));
    // Concurrently with the move, in the old cell: a deleted, b set again; then b deleted in the new cell before that.
    c1.transact(() => setProps(c1, ID, { a: undefined, b: 2 }, hlc(7, 'b')));
    c2.transact(() => setProps(c2, ID, { b: undefined }, hlc(6, 'a')));
    expect(view([[C1, c1], [C2, c2]])).toMatchObject({ cell: C2, props: { b: 2 } });
    expect(view([[C1, c1], [C2, c2]])?.props).toEqual({ b: 2 });
  });
});

describe('props written before props had clocks', () => {
  /** A cell doc as the old writers left it: props under `<id>|<key>` in the `props` map. */
  function legacyCell(x: number, at: string, props: Record<string, unknown>): Y.Doc {
    const d = new Y.Doc();
    d.transact(() => {
      putAnchor(d, { id: ID, pose: pose(x, at), created: { by: 'old', at: 'x' } });
      for (const [k, v] of Object.entries(props)) d.getMap('props').set(`${ID}|${k}`, v);
    });
    return d;
  }

  it('X5: a legacy value shows on the anchor it belongs to; one in a cell the anchor left does not come back', () => {
    const c1 = legacyCell(0, hlc(1, 'o'), { label: 'crate', gone: true });
    c1.transact(() => markMoved(c1, ID, C2, hlc(2, 'o')));
    // The old move copied the props it saw, then `gone` was deleted in the new cell (no tombstone then).
    const c2 = legacyCell(9, hlc(2, 'o'), { label: 'crate' });
    expect(view([[C1, c1], [C2, c2]])?.props).toEqual({ label: 'crate' });
  });

  it('X5: a clocked write replaces the legacy value of its key, and a move clears legacy leftovers in the new cell', () => {
    const c1 = legacyCell(0, hlc(1, 'o'), { label: 'crate', n: 1 });
    c1.transact(() => setProps(c1, ID, { label: 'box' }, hlc(3, 'n')));
    expect(c1.getMap('props').has(`${ID}|label`)).toBe(false);
    expect(view([[C1, c1]])?.props).toEqual({ label: 'box', n: 1 });
    // An earlier stay in C2 left a legacy `stale` there; the move copies what C1 shows and nothing else.
    const c2 = legacyCell(5, hlc(0, 'o'), { stale: 1 });
    c2.transact(() => {
      putAnchor(c2, { id: ID, pose: pose(9, hlc(4, 'n')), created: { by: 'old', at: 'x' } });
      copyProps(c2, ID, propWritesOf(readCell(c1, C1)));
    });
    c1.transact(() => markMoved(c1, ID, C2, hlc(4, 'n')));
    expect(view([[C1, c1], [C2, c2]])).toMatchObject({ cell: C2, props: { label: 'box', n: 1 } });
    expect(view([[C1, c1], [C2, c2]])?.props).toEqual({ label: 'box', n: 1 });
    expect(view([[C2, c2]])?.props).toEqual({ label: 'box', n: 1 });
  });

  it('X5: read-model rows stored without propClocks merge as legacy; rows with them round-trip', () => {
    const c1 = legacyCell(0, hlc(1, 'o'), { label: 'crate' });
    c1.transact(() => setProps(c1, ID, { n: 2, gone: undefined }, hlc(3, 'n')));
    const [entry] = readCell(c1, C1).map(cleanEntry);
    const stored = JSON.parse(JSON.stringify(entryBody(entry!))) as Record<string, unknown>;
    expect(stored['propClocks']).toEqual({ n: hlc(3, 'n'), gone: hlc(3, 'n') });
    expect(mergeRecord('s', [entryFromJson(C1, ID, stored)], frameOf(null))?.anchor.props).toEqual({ label: 'crate', n: 2 });
    delete stored['propClocks'];
    expect(entryFromJson(C1, ID, stored)).not.toHaveProperty('propClocks');
    expect(mergeRecord('s', [entryFromJson(C1, ID, stored)], frameOf(null))?.anchor.props).toEqual({ label: 'crate', n: 2 });
  });
});
