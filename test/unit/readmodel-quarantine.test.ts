/**
 * C4 for the anchor read model: its own copies of cell docs skip quarantined log rows and, like rooms, build
 * a doc whose log holds a row that does not apply without it (quarantining it), instead of failing the doc
 * forever: before, one such row kept the read model retrying the cell and every later anchor of it missing.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, cellDocId, newAnchorId } from '@cairn/shared';
import { createMemoryStore, type Store } from '@cairn/server';
import { loadDoc } from '../../packages/server/src/readmodel/doc-replay.js';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { craftUpdate } from '../support/craft-update.js';
import { anchorReplica, readModelView } from '../support/readmodel-writer.js';

const SPACE = 'site';
const CELL = 'u09tvw0';
const DOC = cellDocId(SPACE, CELL);
const NOW = Date.UTC(2030, 0, 1);

/** Client 99's first item, whose origin is a clock client 99 never wrote: it throws whenever it is applied. */
const broken = () => craftUpdate([{ client: 99, clock: 0, structs: [{ kind: 'item', origin: { client: 99, clock: 7 }, content: { kind: 'string', text: 'x' } }] }]);

/** Version 1: anchor `a`; version 2: the broken row, written straight into the log (as by an older node). */
async function poisonedLog(store: Store, a: string): Promise<ReturnType<typeof anchorReplica>> {
  const r = anchorReplica('r1');
  const [created] = r.create(SPACE, CELL, a, [1, 0, 0]);
  await store.commitBatch([
    { tenant: 't1', doc: DOC, clientId: 'old-node-0001', seq: 1, actor: 'writer', update: created!.update },
    { tenant: 't1', doc: DOC, clientId: 'old-node-0001', seq: 2, actor: 'writer', update: broken() },
  ]);
  return r;
}

describe('read model and quarantined rows', () => {
  it('C4: a cell whose log holds a row that does not apply still reaches the read model, with every later anchor', async () => {
    const store = createMemoryStore();
    const [a, b] = [newAnchorId(), newAnchorId()];
    const r = await poisonedLog(store, a);
    const { node, net } = memoryNode({ store });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'writer-0001', token: 'writer' });
    await c.next('welcome');
    for (const u of r.create(SPACE, CELL, b, [2, 0, 0])) c.send({ type: 'push', doc: u.doc, seq: 1, update: u.update });
    await c.next('ack');
    await node.readModel.idle();
    const view = await readModelView(store, 't1', SPACE, NOW);
    expect(view.map((x) => x.anchor.id).sort()).toEqual([a, b].sort());
    expect(await store.anchors.appliedVersion('t1', DOC)).toBe(3);
    expect((await store.listQuarantined('t1', DOC)).map((q) => q.version)).toEqual([2]);
    c.close();
  });

  it('C4: the read model\'s own load of such a doc leaves the row out and quarantines it', async () => {
    const store = createMemoryStore();
    const a = newAnchorId();
    await poisonedLog(store, a);
    const d = await loadDoc(store, 't1', DOC, CELL);
    expect(d.version).toBe(2);
    expect((await store.listQuarantined('t1', DOC)).map((q) => q.version)).toEqual([2]);
    expect(d.ydoc.getMap('created').has(a)).toBe(true);
  });
});
