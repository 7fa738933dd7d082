/**
 * S7: loads of one doc are coalesced. Many sockets subscribing to one cold doc at once cause one Store
 * load, also while some of them unsubscribe and resubscribe during it; once everyone has left, the room
 * stays warm and the next subs cost no load at all.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@cairn/shared';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { loadCountingStore } from '../support/load-counting-store.js';
import { until } from '../support/until.js';

describe('load coalescing', () => {
  it('S7: concurrent subs of one cold doc from 20 sockets, with unsub/resub churn during the load, cause one load; the doc stays warm after', async () => {
    const loads = loadCountingStore();
    const { net } = memoryNode({ store: loads.store });
    const sockets: RawClient[] = [];
    for (let i = 0; i < 20; i++) {
      const c = await connectRaw(net.connect);
      c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: `coalesce-${String(i).padStart(4, '0')}`, token: 'reader' });
      await c.next('welcome');
      sockets.push(c);
    }
    const sub = (c: RawClient) => c.send({ type: 'sub', doc: 'a/hot', stateVector: new Uint8Array([0]) });
    loads.hold();
    sockets.forEach(sub);
    await until(() => loads.running === 1, 'the load running');
    for (const c of sockets.slice(0, 10)) {
      c.send({ type: 'unsub', doc: 'a/hot' });
      sub(c);
    }
    // Everyone of these leaves before the load ends: the load must still finish and park the room warm.
    for (const c of sockets.slice(10)) c.send({ type: 'unsub', doc: 'a/hot' });
    await new Promise((r) => setTimeout(r, 20));
    loads.release();
    for (const c of sockets.slice(0, 10)) await c.next('sync');
    expect(loads.docs).toEqual(['a/hot']);
    for (const c of sockets) c.send({ type: 'unsub', doc: 'a/hot' });
    for (const c of sockets) sub(c);
    for (const c of sockets.slice(10)) await c.next('sync');
    expect(loads.docs).toEqual(['a/hot']);
  });
});
