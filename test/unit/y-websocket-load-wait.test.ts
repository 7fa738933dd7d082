/**
 * S7: a `/y/:room` socket whose room load waits its turn in the node's load budget may not pile up
 * messages without bound meanwhile: past maxBufferedBytes of them it is closed with OVERLOADED
 * (retryable; y-websocket reconnects by itself), and its load, still waiting, never reaches the Store.
 */
import { describe, expect, it } from 'vitest';
import { closeCodeFor, createMemoryNetwork } from '@cairn/shared';
import { createMemoryBusHub, createSyncNode } from '@cairn/server';
import { READER, testVerify } from '../support/memory-node.js';
import { loadCountingStore } from '../support/load-counting-store.js';
import { until } from '../support/until.js';

describe('y-websocket load wait', () => {
  it('S7: messages queued while the room waits to load are bounded: past maxBufferedBytes the socket closes with OVERLOADED', async () => {
    const loads = loadCountingStore();
    const node = createSyncNode({ store: loads.store, bus: createMemoryBusHub().connect(), verify: testVerify, maxConcurrentLoads: 1, limits: { maxBufferedBytes: 1024 * 1024 } });
    let n = 0;
    const net = createMemoryNetwork((socket) => node.acceptY(socket, { principal: READER, doc: `default/waiting-${n++}`, space: 'default' }));
    loads.hold();
    const busy = net.connect('mem://busy'); // takes the node's only load slot
    await until(() => loads.running === 1, 'the first load running');
    const y = net.connect('mem://y');
    const closed = new Promise<number>((resolve) => (y.onclose = (ev) => resolve(ev.code)));
    await new Promise<void>((resolve) => (y.onopen = () => resolve()));
    const chunk = new Uint8Array(200_000).fill(7);
    for (let i = 0; i < 6 && y.readyState === 1; i++) y.send(chunk);
    expect(await closed).toBe(closeCodeFor('OVERLOADED'));
    loads.release();
    await until(() => loads.running === 0, 'the first load done');
    await new Promise((r) => setTimeout(r, 20));
    busy.close();
    expect(loads.docs).toEqual(['default/waiting-0']);
  });
});
