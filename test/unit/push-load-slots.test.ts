/**
 * S7: a push to a doc this node does not hold loads its room (C4), and that load takes one of the pushing
 * socket's own load slots (maxLoadsPerSocket), as a sub's does. It took only the node's: one writer pushing
 * to many cold docs held every load the node runs at once, and every other socket's subs waited behind it.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@cairn/shared';
import { createMemoryStore, type Store } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

describe('room loads started by pushes', () => {
  it('S7: pushes to 20 cold docs run at most maxLoadsPerSocket room loads at once; another socket\'s sub still loads', async () => {
    const inner = createMemoryStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const store: Store = {
      ...inner,
      kind: inner.kind,
      async loadSnapshot(tenant, doc) {
        started.push(doc);
        if (doc.startsWith('a/cold-')) await gate;
        return inner.loadSnapshot(tenant, doc);
      },
    };
    const { net } = memoryNode({ store, maxConcurrentLoads: 8, limits: { maxLoadsPerSocket: 2 } });
    const w = await connectRaw(net.connect);
    w.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'writer-0001', token: 'writer' });
    await w.next('welcome');
    for (let seq = 1; seq <= 20; seq++) w.send({ type: 'push', doc: `a/cold-${seq}`, seq, update: mapUpdate('k', seq) });
    await until(() => started.length >= 2, 'the first loads');
    await new Promise((r) => setTimeout(r, 50));
    expect(started.filter((d) => d.startsWith('a/cold-')).length).toBe(2);

    const r = await connectRaw(net.connect);
    r.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'reader-0001', token: 'reader' });
    await r.next('welcome');
    r.send({ type: 'sub', doc: 'a/warm', stateVector: new Uint8Array() });
    await r.next('sync');

    release();
    expect(await w.next('ack', (a) => a.seq === 20, 10_000)).toMatchObject({ seq: 20 });
  });
});
