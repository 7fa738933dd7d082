/**
 * P2/P4, S7: pose frames are rate-limited per socket (token bucket, `maxPosesPerSecond`, burst 2x). What is
 * over the rate is dropped and counted, not refused: the sender stays connected and its next record supersedes.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { flushed, headRecord, posePeer } from '../support/pose-peers.js';

describe('pose rate limit', () => {
  it('P4: a socket sending 100 poses at once gets at most its burst relayed, the rest dropped and counted; it stays open', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore(), limits: { maxPosesPerSecond: 1 } });
    const doc = 's/cell';
    const peer = await posePeer(net.connect, 'peer-000000001', { docs: [doc] });
    const chatty = await posePeer(net.connect, 'chatty-00000001', { docs: [doc] });
    for (let seq = 1; seq <= 100; seq++) chatty.send({ type: 'pose', doc, record: headRecord(seq, seq / 100) });
    await flushed(chatty, 1);
    await flushed(peer, 2);
    const relayed = peer.frames.filter((f) => f.type === 'peer-pose').length;
    expect(relayed).toBeGreaterThanOrEqual(2); // the burst
    expect(relayed).toBeLessThanOrEqual(3); // plus one a second, if the machine stalled that long
    expect(chatty.isClosed()).toBe(false);
    expect(chatty.frames.filter((f) => f.type === 'reject')).toEqual([]);
    const dropped = (await node.metrics.posesDropped.get()).values.find((v) => v.labels.reason === 'rate_limited')?.value;
    expect(dropped).toBe(100 - relayed);
    expect((await node.metrics.rejected.get()).values.find((v) => v.labels.code === 'RATE_LIMITED')?.value).toBe(100 - relayed);
    await node.shutdown();
  });
});
