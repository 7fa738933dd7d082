/**
 * P4/S1: a pose needs a subscription to its doc (reject FORBIDDEN, the socket goes on, nothing relayed), and
 * a session of protocol 2 has no pose frame (MALFORMED_FRAME, closed).
 */
import { describe, expect, it } from 'vitest';
import { closeCodeFor } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { flushed, headRecord, posePeer } from '../support/pose-peers.js';

describe('pose without a subscription', () => {
  it('P4: a pose for a doc the session is not subscribed to is refused with FORBIDDEN and not relayed', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const watcher = await posePeer(net.connect, 'watcher-0000001', { docs: ['s/cell'] });
    const stranger = await posePeer(net.connect, 'stranger-000001', { docs: ['s/other'] });
    stranger.send({ type: 'pose', doc: 's/cell', record: headRecord(1, 0) });
    const reject = await stranger.next('reject');
    expect(reject).toMatchObject({ code: 'FORBIDDEN', doc: 's/cell' });
    await flushed(stranger, 1);
    await flushed(watcher, 2);
    expect(watcher.frames.filter((f) => f.type === 'peer-pose')).toEqual([]);
    expect(stranger.isClosed()).toBe(false);
    await node.shutdown();
  });

  it('P4: a version 2 session that sends a pose is closed with MALFORMED_FRAME', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const old = await posePeer(net.connect, 'old-client-0001', { docs: ['s/cell'], version: 2 });
    old.send({ type: 'pose', doc: 's/cell', record: headRecord(1, 0) });
    expect((await old.closed).code).toBe(closeCodeFor('MALFORMED_FRAME'));
    await node.shutdown();
  });
});
