/**
 * P4 interest: a pose reaches only sessions subscribed to the doc it was sent in (the sender's cell doc),
 * and only native sessions of protocol 3 or later; a version 2 session subscribed to the same doc never
 * gets a frame it does not know.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { flushed, headRecord, posePeer } from '../support/pose-peers.js';

describe('pose interest', () => {
  it('P4: no peer-pose for a session not subscribed to the doc, nor for a version 2 session that is', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const sender = await posePeer(net.connect, 'sender-00000001', { docs: ['s/here'] });
    const elsewhere = await posePeer(net.connect, 'elsewhere-00001', { docs: ['s/there'] });
    const old = await posePeer(net.connect, 'old-client-0001', { docs: ['s/here'], version: 2 });
    const current = await posePeer(net.connect, 'current-000001', { docs: ['s/here'] });
    sender.send({ type: 'pose', doc: 's/here', record: headRecord(1, 0) });
    await current.next('peer-pose');
    // The relay to every subscriber of the room happens in one turn: by now the others would have it.
    await flushed(elsewhere, 1);
    await flushed(old, 2);
    expect(elsewhere.frames.filter((f) => f.type === 'peer-pose')).toEqual([]);
    expect(old.frames.filter((f) => f.type === 'peer-pose')).toEqual([]);
    expect(old.isClosed()).toBe(false);
    await node.shutdown();
  });
});
