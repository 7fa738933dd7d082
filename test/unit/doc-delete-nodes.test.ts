/**
 * L2 across nodes on memory seams (one Store, one bus hub): a delete made on node A reaches a session
 * subscribed on node B over the bus at once; a node that never got the message still refuses at its room
 * load (the record in the Store), and one that was cut off from the bus retires its rooms after it
 * reconnects (F2).
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@cairn/shared';
import { createMemoryBusHub, createMemoryStore } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { memoryNode, WRITER } from '../support/memory-node.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

async function subscribed(connect: Parameters<typeof connectRaw>[0], clientId: string, doc: string): Promise<RawClient> {
  const c = await connectRaw(connect);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
  await c.next('welcome');
  c.send({ type: 'sub', doc, stateVector: new Uint8Array([0]) });
  await c.next('sync', (s) => s.doc === doc);
  return c;
}

describe('L2: every node refuses a deleted doc', () => {
  it('L2: a space deleted on node A ends a subscription on node B at once (bus), and B refuses new subs and pushes', async () => {
    const store = createMemoryStore();
    const hub = createMemoryBusHub();
    const a = memoryNode({ store, hub, nodeId: 'a' });
    const b = memoryNode({ store, hub, nodeId: 'b' });
    const onB = await subscribed(b.net.connect, 'sub-on-b-0000001', 'site/notes');
    await a.node.deletions.remove(WRITER, 'site', null);
    expect(await onB.next('reject')).toMatchObject({ seq: null, doc: 'site/notes', code: 'DOC_DELETED' });
    expect(b.node.rooms.peek('t1', 'site/notes')).toBeUndefined();
    onB.send({ type: 'push', doc: 'site/notes', seq: 1, update: mapUpdate('k', 1) });
    expect(await onB.next('reject', (r) => r.seq === 1)).toMatchObject({ code: 'DOC_DELETED' });
    expect(await store.headVersion('t1', 'site/notes')).toBe(0);
    onB.close();
  });

  it('L2/F2: a node that got no message refuses at its room load; one cut off from the bus retires its rooms when it reconnects', async () => {
    const store = createMemoryStore();
    const hub = createMemoryBusHub();
    const a = memoryNode({ store, hub, nodeId: 'a' });
    const b = memoryNode({ store, hub, nodeId: 'b' });
    const onB = await subscribed(b.net.connect, 'sub-on-b-0000002', 'site/plan');
    // Cut both off the bus (as a Redis outage does): the delete's message is lost.
    const buses = hub.connected();
    expect(buses).toHaveLength(2);
    for (const bus of buses) hub.disconnect(bus);
    await a.node.deletions.remove(WRITER, 'site', 'site/plan');
    // A session on another node with no bus at all: refused at its room load (the record).
    const c = memoryNode({ store, nodeId: 'c' });
    const onC = await connectRaw(c.net.connect);
    onC.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'sub-on-c-0000001', token: 'writer' });
    await onC.next('welcome');
    onC.send({ type: 'sub', doc: 'site/plan', stateVector: new Uint8Array([0]) });
    expect(await onC.next('reject')).toMatchObject({ seq: null, doc: 'site/plan', code: 'DOC_DELETED' });
    // B still holds its room until its bus comes back; then it re-checks and retires it.
    expect(b.node.rooms.peek('t1', 'site/plan')).toBeDefined();
    for (const bus of buses) hub.reconnect(bus);
    expect(await onB.next('reject')).toMatchObject({ seq: null, doc: 'site/plan', code: 'DOC_DELETED' });
    await until(() => b.node.rooms.peek('t1', 'site/plan') === undefined, 'B dropped its room');
    onB.close();
    onC.close();
  });
});
