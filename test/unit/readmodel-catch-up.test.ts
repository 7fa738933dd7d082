/**
 * The read model replays from the Store, not from the commits it was told about: versions committed by a
 * node that died before updating it, or committed on another node, are picked up by the doc's next pass.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, cellDocId, newAnchorId, type MemoryNetwork } from '@cairn/shared';
import { createMemoryBusHub, createMemoryStore } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { anchorReplica, expectedView, readModelView, type DocUpdate } from '../support/readmodel-writer.js';

const SPACE = 'site';
const CELLS = ['u09tvw0', 'u09tvw1'];
const CELL_DOCS = CELLS.map((c) => cellDocId(SPACE, c));
const NOW = Date.UTC(2030, 0, 1);

async function writer(net: MemoryNetwork, clientId: string) {
  const client: RawClient = await connectRaw(net.connect);
  client.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
  await client.next('welcome');
  let seq = 0;
  return async (updates: readonly DocUpdate[]) => {
    for (const u of updates) client.send({ type: 'push', doc: u.doc, seq: ++seq, update: u.update });
    const last = seq;
    await client.next('ack', (a) => a.seq === last);
  };
}

describe('read model catch-up', () => {
  it('versions committed without a read model update (their node died) are applied at the next commit of the doc', async () => {
    const store = createMemoryStore();
    const r = anchorReplica('r1');
    const [a, b, c] = [newAnchorId(), newAnchorId(), newAnchorId()];
    // Versions 1-3 go straight into the Store, as if their node crashed between COMMIT and the read model.
    // Same replica, so same principal: its Yjs client is the writer's in this doc (C5, yclient-owners.ts).
    const ghost = [...r.create(SPACE, CELLS[0]!, a, [1, 0, 0]), ...r.create(SPACE, CELLS[0]!, b, [2, 0, 0]), ...r.move(SPACE, a, CELLS[0]!, [7, 7, 7])];
    await store.commitBatch(ghost.map((u, i) => ({ tenant: 't1', doc: u.doc, clientId: 'ghost-0001', seq: i, actor: 'writer', update: u.update })));
    const { node, net } = memoryNode({ store });
    const push = await writer(net, 'writer-0001');
    expect(await readModelView(store, 't1', SPACE, NOW)).toEqual([]);
    await push(r.create(SPACE, CELLS[0]!, c, [3, 0, 0]));
    await node.readModel.idle();
    const actual = await readModelView(store, 't1', SPACE, NOW);
    expect(actual).toEqual(await expectedView(store, 't1', SPACE, CELL_DOCS, NOW));
    expect(actual.map((x) => x.anchor.id).sort()).toEqual([a, b, c].sort());
    expect(actual.find((x) => x.anchor.id === a)!.anchor.pose.p).toEqual([7, 7, 7]);
    expect(await store.anchors.appliedVersion('t1', CELL_DOCS[0]!)).toBe(4);
  });

  it('a node that updated a doc before catches up on versions other nodes committed since (its cached copy replays them)', async () => {
    const store = createMemoryStore();
    const hub = createMemoryBusHub();
    const A = memoryNode({ store, hub, nodeId: 'A' });
    const B = memoryNode({ store, hub, nodeId: 'B' });
    const onA = await writer(A.net, 'writer-000a');
    const onB = await writer(B.net, 'writer-000b');
    const r = anchorReplica('r1');
    const ids = Array.from({ length: 4 }, () => newAnchorId());
    await onA(r.create(SPACE, CELLS[0]!, ids[0]!, [1, 0, 0]));
    await A.node.readModel.idle();
    // B commits version 2 while A is idle; version 3 lands with no read model update at all (its node died).
    await onB(r.create(SPACE, CELLS[0]!, ids[1]!, [2, 0, 0]));
    await B.node.readModel.idle();
    await store.commitBatch([{ tenant: 't1', doc: CELL_DOCS[0]!, clientId: 'ghost-0002', seq: 1, actor: 'ghost', update: r.move(SPACE, ids[0]!, CELLS[0]!, [5, 5, 5])[0]!.update }]);
    // A's next commits replay 2..5 into its cached copy (at 1): the anchors 2 and 3 touched are merged too.
    await onA([...r.create(SPACE, CELLS[0]!, ids[2]!, [3, 0, 0]), ...r.move(SPACE, ids[1]!, CELLS[0]!, [6, 0, 0], CELLS[1]!)]);
    await onB(r.create(SPACE, CELLS[1]!, ids[3]!, [4, 0, 0]));
    await Promise.all([A.node.readModel.idle(), B.node.readModel.idle()]);
    const actual = await readModelView(store, 't1', SPACE, NOW);
    expect(actual).toEqual(await expectedView(store, 't1', SPACE, CELL_DOCS, NOW));
    expect(actual.map((x) => [x.anchor.id, x.anchor.cell, x.anchor.pose.p])).toEqual(
      [[ids[0], CELLS[0], [5, 5, 5]], [ids[1], CELLS[1], [6, 0, 0]], [ids[2], CELLS[0], [3, 0, 0]], [ids[3], CELLS[1], [4, 0, 0]]]
        .sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
    for (const doc of CELL_DOCS) expect(await store.anchors.appliedVersion('t1', doc)).toBe(await store.headVersion('t1', doc));
  });

  it('catchUp() brings a doc nobody commits to any more up to the Store head', async () => {
    const store = createMemoryStore();
    const r = anchorReplica('r1');
    const id = newAnchorId();
    const [u] = r.create(SPACE, CELLS[1]!, id, [1, 2, 3]);
    await store.commitBatch([{ tenant: 't1', doc: u!.doc, clientId: 'ghost-0003', seq: 1, actor: 'ghost', update: u!.update }]);
    const { node } = memoryNode({ store });
    await node.readModel.catchUp('t1', CELL_DOCS[1]!);
    expect((await readModelView(store, 't1', SPACE, NOW)).map((x) => x.anchor.id)).toEqual([id]);
    // Docs that are neither cell nor meta docs are none of the read model's business.
    await node.readModel.catchUp('t1', `${SPACE}/app/layout`);
    expect(await store.anchors.appliedVersion('t1', `${SPACE}/app/layout`)).toBe(0);
  });
});
