/**
 * A space's meta doc (`<space>/meta`, shared/spatial/space-meta.ts) places its anchors on Earth in the read
 * model: without an origin they have no lat/lon (geo queries skip them, cell queries find them); setting,
 * moving or removing the origin re-places every anchor of the space.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  PROTOCOL_VERSION, cellDocId, createGeoFrame, DEFAULT_CELL_PRECISION, metaDocId, newAnchorId, readSpaceMeta, spaceOfMetaDocId,
  writeSpaceMeta, type MemoryNetwork,
} from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { anchorReplica, expectedView, readModelView, type DocUpdate } from '../support/readmodel-writer.js';

const SPACE = 'site';
const CELL = 'u09tvw0';
const NOW = Date.UTC(2030, 0, 1);
const PARIS = { lat: 48.8566, lon: 2.3522, alt: 35 };
const LYON = { lat: 45.764, lon: 4.8357, alt: 170 };
const WORLD = [{ minLat: -90, minLon: -180, maxLat: 90, maxLon: 180 }];

async function writer(net: MemoryNetwork, clientId: string, token: string) {
  const client = await connectRaw(net.connect);
  client.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token });
  await client.next('welcome');
  let seq = 0;
  return async (updates: readonly DocUpdate[]) => {
    for (const u of updates) client.send({ type: 'push', doc: u.doc, seq: ++seq, update: u.update });
    const last = seq;
    await client.next('ack', (a) => a.seq === last);
  };
}

describe('space meta helpers', () => {
  it('read what was written; a doc without meta has no origin and the default precision', () => {
    const doc = new Y.Doc();
    expect(readSpaceMeta(doc)).toEqual({ origin: null, precision: DEFAULT_CELL_PRECISION });
    writeSpaceMeta(doc, { origin: PARIS, precision: 8 });
    expect(readSpaceMeta(doc)).toEqual({ origin: PARIS, precision: 8 });
    writeSpaceMeta(doc, { origin: null });
    expect(readSpaceMeta(doc)).toEqual({ origin: null, precision: 8 });
    expect(() => writeSpaceMeta(doc, { origin: { lat: 2.35, lon: 148.85, alt: 0 }, precision: 13 })).toThrow(/precision/);
    expect(() => writeSpaceMeta(doc, { origin: { lat: 148.85, lon: 2.35, alt: 0 } })).toThrow(/swapped/);
    // A bad value written by someone else reads as absent, never as a broken origin.
    doc.getMap('space').set('origin', { lat: 'north', lon: 2, alt: 0 });
    expect(readSpaceMeta(doc).origin).toBeNull();
    expect([spaceOfMetaDocId(metaDocId('lab')), spaceOfMetaDocId('lab/metadata'), spaceOfMetaDocId('lab/cell/u09')]).toEqual(['lab', null, null]);
  });
});

describe('read model and space meta', () => {
  it('anchors of a space without origin have no lat/lon; the origin, once set, moved or removed, re-places them all', async () => {
    const store = createMemoryStore();
    const { node, net } = memoryNode({ store });
    const push = await writer(net, 'writer-0001', 'writer');
    const r = anchorReplica('r1');
    const [a, b] = [newAnchorId(), newAnchorId()];
    await push([...r.create(SPACE, CELL, a, [10, 0, -10]), ...r.create(SPACE, CELL, b, [-5, 2, 30])]);
    await node.readModel.idle();
    const check = async (origin: typeof PARIS | null) => {
      await node.readModel.idle();
      const actual = await readModelView(store, 't1', SPACE, NOW);
      expect(actual).toEqual(await expectedView(store, 't1', SPACE, [cellDocId(SPACE, CELL)], NOW));
      const frame = origin ? createGeoFrame(origin) : null;
      expect(actual.map((x) => x.geo)).toEqual(actual.map((x) => (frame ? frame.toGeo(x.anchor.pose.p) : null)));
      const geoHits = await store.anchors.query('t1', SPACE, { kind: 'rects', rects: WORLD }, { now: NOW, limit: 10 });
      expect(geoHits.length).toBe(origin ? 2 : 0);
    };
    await check(null);
    expect((await store.anchors.query('t1', SPACE, { kind: 'cell', prefix: 'u09' }, { now: NOW, limit: 10 })).map((x) => x.anchor.id).sort()).toEqual([a, b].sort());
    await push(r.meta(SPACE, { origin: PARIS, precision: 7 }));
    await check(PARIS);
    await push(r.meta(SPACE, { origin: LYON }));
    await check(LYON);
    // An anchor written after the origin is placed at once.
    await push(r.create(SPACE, CELL, newAnchorId(), [0, 0, 0]));
    await node.readModel.idle();
    expect((await readModelView(store, 't1', SPACE, NOW)).filter((x) => x.geo === null)).toEqual([]);
    await push(r.meta(SPACE, { origin: null }));
    await check(null);
  });
});
