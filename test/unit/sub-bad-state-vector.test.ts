/**
 * C3/S6: a `sub` whose state vector does not decode is refused with `reject {MALFORMED_FRAME, doc}`, so the
 * client does not wait for a `sync` that never comes; the subscription is not kept and the socket and its
 * other docs go on. (Before, the throw ended in a 'sub failed' log line and no answer at all.)
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapUpdate } from '../support/yjs-updates.js';

describe('sub with a bad state vector', () => {
  it('C3: gets MALFORMED_FRAME for its doc, is not subscribed, and the socket keeps serving', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'badsv-00001', token: 'writer' });
    c.send({ type: 'sub', doc: 's/bad-sv', stateVector: Uint8Array.of(5, 0x80) });
    expect(await c.next('reject')).toMatchObject({ code: 'MALFORMED_FRAME', doc: 's/bad-sv', seq: null });
    expect(node.rooms.peek('t1', 's/bad-sv')?.subscribers.size ?? 0).toBe(0);

    c.send({ type: 'sub', doc: 's/good', stateVector: new Uint8Array() });
    await c.next('sync', (f) => f.doc === 's/good');
    c.send({ type: 'push', doc: 's/good', seq: 1, update: mapUpdate('k', 1) });
    await c.next('ack');
    expect(c.isClosed()).toBe(false);
    await node.shutdown();
  });
});
