/**
 * S3/S7: what a socket's subs hold while their answers wait for room in its outbound buffer
 * (session/sync-pacer.ts) is bounded. A reader that does not read, subscribed to a doc bigger than the
 * low-water mark, could send subs of that doc again and again (200 a second), each with a state vector of
 * up to maxPayload: every one waited in the pacer's queue with its bytes, and with no live update to that
 * doc the slow-consumer check never ran. Memory grew with everything the socket sent.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, closeCodeFor, encodeFrame } from '@cairn/shared';
import { createMemoryBus, createMemoryStore, createSyncNode } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';
import { fakeSessionSocket } from '../support/fake-session-socket.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const KIB = 1024;

describe('sync answers waiting for a reader', () => {
  it('S3: a reader that does not read and resends subs with big state vectors is closed as a SLOW_CONSUMER once they hold more than maxBufferedBytes', async () => {
    const store = createMemoryStore();
    await store.commitBatch([{ tenant: 't1', doc: 'a/big', clientId: 'seed-000001', seq: 1, actor: 'writer', update: mapUpdate('blob', 'x'.repeat(1536 * KIB)) }]);
    const node = createSyncNode({ store, bus: createMemoryBus(), verify: testVerify, limits: { maxBufferedBytes: 4 * 1024 * KIB } });
    const peer = fakeSessionSocket();
    const h = node.acceptNative(peer.socket);
    h.receive(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'reader-00001', token: 'reader' }));
    await until(() => peer.sent.some((f) => f.type === 'welcome'), 'welcome');
    h.receive(encodeFrame({ type: 'sub', doc: 'a/big', stateVector: new Uint8Array() }));
    await until(() => peer.sent.some((f) => f.type === 'sync'), 'the first sync'); // 1.5 MB now sits in the buffer
    // 100 subs of the same doc, 256 KiB of state vector each: 25 MiB asked for, nothing read.
    const stateVector = new Uint8Array(256 * KIB);
    for (let i = 0; i < 100 && !peer.state.closed; i++) h.receive(encodeFrame({ type: 'sub', doc: 'a/big', stateVector }));
    expect(peer.state.closed).toEqual({ code: closeCodeFor('SLOW_CONSUMER'), reason: 'SLOW_CONSUMER' });
    await node.shutdown();
  });

  it('S3: a reader that reads gets every answer to its repeated subs, and stays open', async () => {
    const store = createMemoryStore();
    await store.commitBatch([{ tenant: 't1', doc: 'a/big', clientId: 'seed-000001', seq: 1, actor: 'writer', update: mapUpdate('blob', 'x'.repeat(1536 * KIB)) }]);
    const node = createSyncNode({ store, bus: createMemoryBus(), verify: testVerify, limits: { maxBufferedBytes: 4 * 1024 * KIB } });
    const peer = fakeSessionSocket();
    const drain = setInterval(() => (peer.state.buffered = Math.max(0, peer.state.buffered - 512 * KIB)), 2);
    const h = node.acceptNative(peer.socket);
    h.receive(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'reader-00002', token: 'reader' }));
    await until(() => peer.sent.some((f) => f.type === 'welcome'), 'welcome');
    h.receive(encodeFrame({ type: 'sub', doc: 'a/big', stateVector: new Uint8Array() }));
    await until(() => peer.sent.some((f) => f.type === 'sync'), 'the first sync');
    // 40 more with 256 KiB state vectors (10 MiB, more than the 4 MiB limit in all), sent as the reader reads.
    const stateVector = new Uint8Array(256 * KIB);
    for (let i = 0; i < 40; i++) {
      h.receive(encodeFrame({ type: 'sub', doc: 'a/big', stateVector }));
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => peer.state.closed !== null || peer.sent.filter((f) => f.type === 'sync').length === 41, '41 syncs', 10_000);
    clearInterval(drain);
    expect(peer.state.closed).toBeNull();
    await node.shutdown();
  });
});
