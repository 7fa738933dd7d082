/**
 * P4 cache expiry (room/peer-poses.ts): a peer's cached records go after presenceTimeoutMs with no record
 * from it; any record renews the entry, state included (the state is sent only when it changes).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { createPeerPoses } from '../../packages/server/src/room/peer-poses.js';
import { memoryNode } from '../support/memory-node.js';
import { flushed, headRecord, posePeer, readRecord } from '../support/pose-peers.js';

describe('pose cache expiry', () => {
  it('P4: an entry is kept while records come within the timeout, with its older state, and gone after it', () => {
    let t = 0;
    const poses = createPeerPoses({ subscribers: new Set(), timeoutMs: 5000, limits: DEFAULT_LIMITS, now: () => t });
    const from = {};
    const put = (r: Uint8Array) => poses.local(from, 'p1', 'u', r, readRecord(r));
    put(headRecord(1, 0, 0, { s: 1 }));
    for (let seq = 2; seq <= 5; seq++) {
      t += 4000; // under the timeout each time: renewed
      put(headRecord(seq, seq));
    }
    expect(poses.cached().map((r) => readRecord(r.record).seq)).toEqual([1, 5]);
    t += 5000; // exactly the timeout: still there
    expect(poses.size).toBe(1);
    expect(poses.cached()).toHaveLength(2);
    t += 1;
    expect(poses.cached()).toEqual([]);
    expect(poses.size).toBe(0);
  });

  it('P4: on a node with presenceTimeoutMs 50, a joiner long after the last record gets nothing', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore(), limits: { presenceTimeoutMs: 50 } });
    const doc = 's/cell';
    const poser = await posePeer(net.connect, 'poser-000000001', { docs: [doc] });
    poser.send({ type: 'pose', doc, record: headRecord(1, 0, 0, { s: 1 }) });
    await flushed(poser, 1);
    await new Promise((r) => setTimeout(r, 200));
    const joiner = await posePeer(net.connect, 'joiner-00000001', { docs: [doc] });
    await flushed(joiner, 2);
    expect(joiner.frames.filter((f) => f.type === 'peer-pose')).toEqual([]);
    expect(poser.isClosed()).toBe(false);
    expect(node.rooms.peek('t1', doc)?.poses.size).toBe(0);
    await node.shutdown();
  });
});
