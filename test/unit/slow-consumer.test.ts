/**
 * S3: a socket that does not read is closed (SLOW_CONSUMER), not buffered forever.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, closeCodeFor, encodeFrame } from '@cairn/shared';
import { createMemoryBus, createMemoryStore, createSyncNode } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';
import { fakeSessionSocket } from '../support/fake-session-socket.js';
import { mapUpdate } from '../support/yjs-updates.js';

describe('slow readers', () => {
  it('S3: a subscriber whose outbound buffer passes maxBufferedBytes is closed with SLOW_CONSUMER', async () => {
    const node = createSyncNode({ store: createMemoryStore(), bus: createMemoryBus(), verify: testVerify, limits: { maxBufferedBytes: 4096 } });
    const slow = fakeSessionSocket();
    const slowHandle = node.acceptNative(slow.socket);
    slowHandle.receive(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'slow-reader-1', token: 'writer' }));
    slowHandle.receive(encodeFrame({ type: 'sub', doc: 'a/doc', stateVector: new Uint8Array() }));
    const fast = fakeSessionSocket();
    const fastHandle = node.acceptNative(fast.socket);
    fastHandle.receive(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'fast-writer-1', token: 'writer' }));
    await new Promise((r) => setTimeout(r, 10));
    expect(slow.sent.some((f) => f.type === 'sync')).toBe(true);
    // The writer pushes; the slow subscriber never drains its buffer (bufferedAmount only grows).
    for (let seq = 1; seq <= 20; seq++) {
      fastHandle.receive(encodeFrame({ type: 'push', doc: 'a/doc', seq, update: mapUpdate(`k${seq}`, 'x'.repeat(400)) }));
      fast.state.buffered = 0; // the writer reads everything
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(slow.state.closed).toEqual({ code: closeCodeFor('SLOW_CONSUMER'), reason: 'SLOW_CONSUMER' });
    expect(fast.state.closed).toBeNull();
    const acks = fast.sent.filter((f) => f.type === 'ack');
    expect(acks.at(-1)).toMatchObject({ seq: 20 }); // the writer is unaffected
    await node.shutdown();
  });
});
