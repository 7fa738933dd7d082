/**
 * P4 leave vs reconnect (room/peer-poses.ts): a client that reconnected (new socket, same clientId) and
 * posed again before its old socket closed keeps its presence: the old session's close sends no leave.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { flushed, headRecord, posePeer } from '../support/pose-peers.js';

describe('pose leave after a reconnect', () => {
  it('P4: the old socket of a client that already posed on its new socket closes without a leave', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const doc = 's/cell';
    const watcher = await posePeer(net.connect, 'watcher-0000001', { docs: [doc] });
    const old = await posePeer(net.connect, 'device-00000001', { docs: [doc] });
    old.send({ type: 'pose', doc, record: headRecord(1, 0) });
    await watcher.next('peer-pose');
    const fresh = await posePeer(net.connect, 'device-00000001', { docs: [doc] });
    fresh.send({ type: 'pose', doc, record: headRecord(2, 0) });
    await watcher.next('peer-pose');
    old.close();
    await old.closed;
    await flushed(fresh, 1);
    await flushed(watcher, 2);
    expect(watcher.frames.filter((f) => f.type === 'peer-pose')).toHaveLength(2);
    // And the new socket's own close does send one.
    fresh.close();
    expect((await watcher.next('peer-pose')).record).toEqual(Uint8Array.of(32, 0));
    await node.shutdown();
  });
});
