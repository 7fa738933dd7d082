/**
 * S3 for joiners: a client that opens many big docs at once gets every sync, one after another as its
 * socket drains, instead of being closed as a SLOW_CONSUMER by the server's own answers (and then asking for
 * the same bytes again after every reconnect). A reader that does not read is still closed.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, closeCodeFor, encodeFrame } from '@cairn/shared';
import { createMemoryBus, createMemoryStore, createSyncNode } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';
import { fakeSessionSocket } from '../support/fake-session-socket.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const DOCS = Array.from({ length: 40 }, (_, i) => `a/big-${i}`);

async function bigDocs() {
  const store = createMemoryStore();
  // 40 docs of ~0.5 MB each: 20 MB of syncs, well past the 8 MiB outbound limit.
  await store.commitBatch(DOCS.map((doc, i) => ({ tenant: 't1', doc, clientId: 'seed-000001', seq: i, actor: 'writer', update: mapUpdate('blob', 'x'.repeat(512 * 1024)) })));
  return createSyncNode({ store, bus: createMemoryBus(), verify: testVerify });
}

describe('joining many big docs at once', () => {
  it('S3: 40 docs of 0.5 MB each are all answered to a reader that reads, and the socket stays open', async () => {
    const node = await bigDocs();
    const peer = fakeSessionSocket(256 * 1024);
    const h = node.acceptNative(peer.socket);
    h.receive(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'joiner-00001', token: 'reader' }));
    await until(() => peer.sent.some((f) => f.type === 'welcome'), 'welcome');
    for (const doc of DOCS) h.receive(encodeFrame({ type: 'sub', doc, stateVector: new Uint8Array() }));
    await until(() => peer.state.closed !== null || peer.sent.filter((f) => f.type === 'sync').length === DOCS.length, 'every sync', 20_000);
    peer.stop();
    expect(peer.state.closed).toBeNull();
    expect(new Set(peer.sent.filter((f) => f.type === 'sync').map((f) => (f as { doc: string }).doc))).toEqual(new Set(DOCS));
    // Paced: the buffer never held much more than one sync beyond the low-water mark.
    expect(peer.state.peak).toBeLessThan(8 * 1024 * 1024);
    await node.shutdown();
  });

  it('S3: a joiner that never reads gets a few syncs, not 20 MB, and is closed only once live updates pile up', async () => {
    const node = await bigDocs();
    const peer = fakeSessionSocket(0);
    const h = node.acceptNative(peer.socket);
    h.receive(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'joiner-00002', token: 'reader' }));
    await until(() => peer.sent.some((f) => f.type === 'welcome'), 'welcome');
    for (const doc of DOCS) h.receive(encodeFrame({ type: 'sub', doc, stateVector: new Uint8Array() }));
    await until(() => peer.sent.some((f) => f.type === 'sync'), 'the first sync');
    await new Promise((r) => setTimeout(r, 50));
    // Nothing drains: syncs went out only while the buffer was under its 1 MiB low-water mark, the rest
    // wait; the server did not buffer 20 MB for it.
    expect(peer.sent.filter((f) => f.type === 'sync').length).toBeLessThanOrEqual(3);
    expect(peer.state.buffered).toBeLessThan(2 * 1024 * 1024);
    // Live updates to the subscribed doc pile up past the limit: now it is a slow consumer.
    const w = fakeSessionSocket(Number.MAX_SAFE_INTEGER);
    const wh = node.acceptNative(w.socket);
    wh.receive(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'writer-00001', token: 'writer' }));
    for (let seq = 1; seq <= 40 && !peer.state.closed; seq++) {
      wh.receive(encodeFrame({ type: 'push', doc: DOCS[0]!, seq, update: mapUpdate(`k${seq}`, 'y'.repeat(256 * 1024)) }));
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => peer.state.closed !== null, 'the slow reader to be closed');
    expect(peer.state.closed).toEqual({ code: closeCodeFor('SLOW_CONSUMER'), reason: 'SLOW_CONSUMER' });
    peer.stop();
    w.stop();
    await node.shutdown();
  });
});
