/**
 * S5: the read model keys every row by tenant: two tenants with the same space name and the same anchor
 * ids each see only their own anchors, deletions and origin.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, createGeoFrame, newAnchorId, type MemoryNetwork } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { anchorReplica, readModelView, type DocUpdate } from '../support/readmodel-writer.js';

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

describe('read model tenants', () => {
  it('S5: tenants with the same space and anchor ids never see each other’s anchors or origins', async () => {
    const store = createMemoryStore();
    const { node, net } = memoryNode({ store });
    const t1 = await writer(net, 'writer-0001', 'writer');
    const t2 = await writer(net, 'writer-0002', 'other');
    const r = anchorReplica('r1');
    const [shared, mine] = [newAnchorId(), newAnchorId()];
    const created = r.create(SPACE, CELL, shared, [1, 0, 0], { props: { owner: 't1' } });
    await t1([...created, ...r.create(SPACE, CELL, mine, [2, 0, 0]), ...r.meta(SPACE, { origin: PARIS })]);
    const r2 = anchorReplica('r2');
    await t2([...r2.create(SPACE, CELL, shared, [9, 0, 0], { props: { owner: 't2' } }), ...r2.meta(SPACE, { origin: LYON })]);
    await t2(r2.remove(SPACE, CELL, shared));
    await node.readModel.idle();
    const one = await readModelView(store, 't1', SPACE, NOW);
    expect(one.map((x) => [x.anchor.id, x.anchor.props['owner'] ?? null]).sort()).toEqual([[shared, 't1'], [mine, null]].sort());
    expect(one.map((x) => x.geo)).toEqual(one.map((x) => createGeoFrame(PARIS).toGeo(x.anchor.pose.p)));
    expect(await readModelView(store, 't2', SPACE, NOW)).toEqual([]);
    expect(await store.anchors.query('t2', SPACE, { kind: 'rects', rects: WORLD }, { now: NOW, limit: 10 })).toEqual([]);
  });
});
