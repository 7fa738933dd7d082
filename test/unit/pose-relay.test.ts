/**
 * P4 relay (session/pose-path.ts, room/peer-poses.ts): a `pose` goes, bytes unchanged, to the doc's other
 * subscribers as `peer-pose`, naming the sender by its session: clientId as peer, the principal's subject as
 * user. Nothing in the record can name another peer (S1); the sender does not get its own record back.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { flushed, headRecord, posePeer, readRecord } from '../support/pose-peers.js';

describe('pose relay', () => {
  it('P4: a pose reaches the other subscribers as peer-pose with the server-set peer and user, bytes unchanged', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const doc = 's/cell-a';
    const sender = await posePeer(net.connect, 'sender-00000001', { token: 'reader', docs: [doc] });
    const b = await posePeer(net.connect, 'receiver-000001', { docs: [doc] });
    const c = await posePeer(net.connect, 'receiver-000002', { docs: [doc] });
    // The state claims to be another peer: it is app data, never identity.
    const record = headRecord(7, 1.25, -2, { peer: 'receiver-000001', user: 'writer' });
    sender.send({ type: 'pose', doc, record });
    for (const r of [b, c]) {
      const f = await r.next('peer-pose');
      expect(f).toEqual({ type: 'peer-pose', doc, peer: 'sender-00000001', user: 'reader', record });
      expect(readRecord(f.record).head?.p).toEqual([1.25, 1.6, -2]);
    }
    await flushed(sender, 1);
    expect(sender.frames.filter((f) => f.type === 'peer-pose')).toEqual([]);
    expect((await node.metrics.posesRelayed.get()).values[0]?.value).toBe(2);
    await node.shutdown();
  });
});
