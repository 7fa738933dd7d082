/**
 * P4/S3: a peer-pose is dropped, not queued, for a socket whose outbound buffer is over half of
 * maxBufferedBytes: the next record supersedes it, and poses alone never get a slow reader closed. The records
 * batched for the turn's end (session/pose-batch.ts) count as buffered: a turn cannot pile them up past it.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, encodeFrame } from '@cairn/shared';
import { createMemoryBus, createMemoryStore, createSyncNode } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';
import { fakeSessionSocket } from '../support/fake-session-socket.js';
import { headRecord } from '../support/pose-peers.js';

describe('poses to a slow reader', () => {
  it('P4: past half of maxBufferedBytes a slow reader gets no more peer-pose, is not closed, and the drops are counted', async () => {
    const node = createSyncNode({ store: createMemoryStore(), bus: createMemoryBus(), verify: testVerify, limits: { maxBufferedBytes: 4096, maxPosesPerSecond: 1000 } });
    const open = (clientId: string) => {
      const s = fakeSessionSocket();
      const h = node.acceptNative(s.socket);
      h.receive(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' }));
      h.receive(encodeFrame({ type: 'sub', doc: 's/cell', stateVector: new Uint8Array() }));
      return { s, h };
    };
    const slow = open('slow-reader-01');
    const fast = open('fast-poser-001');
    await new Promise((r) => setTimeout(r, 10));
    expect(slow.s.sent.some((f) => f.type === 'sync')).toBe(true);
    const state = { pad: 'x'.repeat(200) };
    for (let seq = 1; seq <= 100; seq++) {
      fast.h.receive(encodeFrame({ type: 'pose', doc: 's/cell', record: headRecord(seq, 0, 0, state) }));
      fast.s.state.buffered = 0;
    }
    await new Promise((r) => setImmediate(r)); // the turn's end: its records leave in one peer-poses
    const got = slow.s.sent.reduce((n, f) => n + (f.type === 'peer-pose' ? 1 : f.type === 'peer-poses' ? f.poses.length : 0), 0);
    expect(slow.s.state.buffered).toBeLessThanOrEqual(2048 + 300); // stopped at half, plus the frame that crossed it
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(100);
    expect(slow.s.state.closed).toBeNull();
    const dropped = (await node.metrics.posesDropped.get()).values.find((v) => v.labels.reason === 'slow_reader')?.value;
    expect(dropped).toBe(100 - got);
    await node.shutdown();
  });
});
