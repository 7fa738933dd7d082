import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type MemoryNetwork } from '@cairn/shared';
import { createMemoryBusHub, createMemoryStore, type Bus, type Store } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';
import { decodeBusMessage } from '../../packages/server/src/fanout/bus-message.js';

/** Only committed updates count for F1/F3: a room that starts following a doc also asks for presence (P4). */
const isUpdate = (m: Uint8Array) => decodeBusMessage(m)?.kind === 'update';

async function subscriber(net: MemoryNetwork, clientId: string, doc = 'a/doc') {
  const c = await connectRaw(net.connect);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
  c.send({ type: 'sub', doc, stateVector: new Uint8Array() });
  await c.next('sync');
  return c;
}

describe('fan-out between nodes', () => {
  it('F1: a node publishes only after COMMIT returned', async () => {
    const events: string[] = [];
    const inner = createMemoryStore();
    const store: Store = {
      ...inner,
      async commitBatch(reqs) {
        events.push('commit-start');
        const out = await inner.commitBatch(reqs);
        events.push('commit-done');
        return out;
      },
    };
    const hub = createMemoryBusHub();
    const spy = hub.connect();
    await spy.subscribe('doc:t1/a/doc', (m) => isUpdate(m) && events.push('published'));
    const { net } = memoryNode({ store, hub });
    const c = await subscriber(net, 'client-aaaa');
    c.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 1) });
    await c.next('ack');
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['commit-start', 'commit-done', 'published']);
  });

  it('F1: a failed commit is never published', async () => {
    const published: Uint8Array[] = [];
    const inner = createMemoryStore();
    const store: Store = { ...inner, commitBatch: () => Promise.reject(new Error('db down')) };
    const hub = createMemoryBusHub();
    const spy = hub.connect();
    await spy.subscribe('doc:t1/a/doc', (m) => isUpdate(m) && published.push(m));
    const { net } = memoryNode({ store, hub });
    const c = await subscriber(net, 'client-aaaa');
    c.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 1) });
    await c.closed;
    await new Promise((r) => setTimeout(r, 10));
    expect(published).toHaveLength(0);
  });

  it('⑧: an update committed on node A reaches a subscriber on node B', async () => {
    const store = createMemoryStore();
    const hub = createMemoryBusHub();
    const a = memoryNode({ store, hub, nodeId: 'A' });
    const b = memoryNode({ store, hub, nodeId: 'B' });
    const onA = await subscriber(a.net, 'client-aaaa');
    const onB = await subscriber(b.net, 'client-bbbb');
    onA.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 'from A') });
    const u = await onB.next('update');
    expect(u.version).toBe(1);
    expect(mapOf(u.update)).toEqual({ k: 'from A' });
  });

  it('F2: a dropped bus message is repaired from the Store when the next version arrives', async () => {
    const store = createMemoryStore();
    let dropNext = 0;
    let bBus: Bus | null = null;
    const hub = createMemoryBusHub({ filter: (_c, _m, _from, to) => !(to === bBus && dropNext-- > 0) });
    const a = memoryNode({ store, hub, nodeId: 'A' });
    bBus = hub.connect();
    const b = memoryNode({ store, hub, nodeId: 'B', bus: bBus });
    const onA = await subscriber(a.net, 'client-aaaa');
    const onB = await subscriber(b.net, 'client-bbbb');
    dropNext = 1;
    onA.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('one', 1) });
    await onA.next('ack');
    await new Promise((r) => setTimeout(r, 10));
    expect(onB.frames.filter((f) => f.type === 'update')).toHaveLength(0); // version 1 was dropped
    onA.send({ type: 'push', doc: 'a/doc', seq: 2, update: mapUpdate('two', 2) });
    const first = await onB.next('update');
    const second = await onB.next('update');
    expect([first.version, second.version]).toEqual([1, 2]);
    expect(mapOf(first.update, second.update)).toEqual({ one: 1, two: 2 });
    expect(b.node.rooms.peek('t1', 'a/doc')!.version).toBe(2);
  });

  it('F2: after a bus reconnect a node resyncs its open docs from the Store', async () => {
    const store = createMemoryStore();
    const hub = createMemoryBusHub();
    const a = memoryNode({ store, hub, nodeId: 'A' });
    const bBus = hub.connect();
    const b = memoryNode({ store, hub, nodeId: 'B', bus: bBus });
    const onA = await subscriber(a.net, 'client-aaaa');
    const onB = await subscriber(b.net, 'client-bbbb');
    hub.disconnect(bBus);
    onA.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('while-cut', 1) });
    await onA.next('ack');
    await new Promise((r) => setTimeout(r, 10));
    expect(onB.frames.some((f) => f.type === 'update')).toBe(false);
    hub.reconnect(bBus);
    const u = await onB.next('update');
    expect(u.version).toBe(1);
    expect(mapOf(u.update)).toEqual({ 'while-cut': 1 });
  });

  it('F3: a node ignores its own messages and never re-publishes what it received', async () => {
    const store = createMemoryStore();
    const hub = createMemoryBusHub();
    const seen: Uint8Array[] = [];
    const spy = hub.connect();
    await spy.subscribe('doc:t1/a/doc', (m) => seen.push(m));
    const a = memoryNode({ store, hub, nodeId: 'A' });
    const b = memoryNode({ store, hub, nodeId: 'B' });
    const onA = await subscriber(a.net, 'client-aaaa');
    const onB = await subscriber(b.net, 'client-bbbb');
    onA.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 1) });
    await onB.next('update');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.filter(isUpdate)).toHaveLength(1); // A published once; B did not echo it
    // A dropped each of its own messages when the bus handed them back (its update, its presence-sync request).
    const own = seen.filter((m) => decodeBusMessage(m)?.nodeId === 'A').length;
    const dropped = await a.node.metrics.registry.getSingleMetricAsString('cairn_fanout_dropped_total');
    expect(dropped).toMatch(new RegExp(`reason="own"} ${own}$`, 'm'));
    expect(onA.frames.filter((f) => f.type === 'update')).toHaveLength(0);
  });
});

describe('fan-out while the bus is down', () => {
  it('F2: a publish that failed is sent again when the publishing node reconnects', async () => {
    const store = createMemoryStore();
    const hub = createMemoryBusHub();
    const aBus = hub.connect();
    const a = memoryNode({ store, hub, nodeId: 'A', bus: aBus });
    const b = memoryNode({ store, hub, nodeId: 'B' });
    const onA = await subscriber(a.net, 'client-aaaa');
    const onB = await subscriber(b.net, 'client-bbbb');
    hub.disconnect(aBus);
    onA.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('late', 1) });
    expect((await onA.next('ack')).seq).toBe(1); // durable: the bus is not on the ack path
    await new Promise((r) => setTimeout(r, 10));
    expect(onB.frames.some((f) => f.type === 'update')).toBe(false);
    hub.reconnect(aBus);
    const u = await onB.next('update');
    expect(mapOf(u.update)).toEqual({ late: 1 });
  });
});
