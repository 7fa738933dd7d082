/**
 * S7: room loads are budgeted. A node runs at most `maxConcurrentLoads` at once and lets at most
 * `maxQueuedLoads` wait (then OVERLOADED, retryable, naming the doc, and the socket drains); one socket has
 * at most `maxLoadsPerSocket` of them queued or running, its other cold subs wait their turn; a sub that is
 * unsubscribed (or whose socket closes) while its load still waits never reaches the Store.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, closeCodeFor } from '@cairn/shared';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { loadCountingStore } from '../support/load-counting-store.js';
import { until } from '../support/until.js';
import type { SyncNodeOptions } from '@cairn/server';

async function setup(opts: Partial<SyncNodeOptions> = {}) {
  const loads = loadCountingStore();
  const { net } = memoryNode({ store: loads.store, ...opts });
  let n = 0;
  const client = async (): Promise<RawClient> => {
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: `budget-${String(n++).padStart(4, '0')}`, token: 'reader' });
    await c.next('welcome');
    return c;
  };
  return { loads, client };
}

const sub = (c: RawClient, doc: string) => c.send({ type: 'sub', doc, stateVector: new Uint8Array([0]) });
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('room load budget', () => {
  it('S7: one socket has at most maxLoadsPerSocket loads running; its other cold subs wait and all get their sync', async () => {
    const { loads, client } = await setup({ limits: { maxLoadsPerSocket: 3 } });
    const c = await client();
    loads.hold();
    for (let i = 0; i < 20; i++) sub(c, `a/doc-${i}`);
    await until(() => loads.running === 3, 'three loads running');
    await settle();
    expect(loads.running).toBe(3);
    loads.release();
    for (let i = 0; i < 20; i++) await c.next('sync', (f) => f.doc === `a/doc-${i}`);
    expect(loads.peak).toBe(3);
    expect(loads.docs).toHaveLength(20);
  });

  it('S7: the node runs at most maxConcurrentLoads at once, whatever the number of sockets', async () => {
    const { loads, client } = await setup({ maxConcurrentLoads: 2 });
    const sockets = await Promise.all(Array.from({ length: 6 }, () => client()));
    loads.hold();
    sockets.forEach((c, i) => [0, 1, 2].forEach((j) => sub(c, `a/s${i}-${j}`)));
    await until(() => loads.running === 2, 'two loads running');
    await settle();
    expect(loads.running).toBe(2);
    loads.release();
    await Promise.all(sockets.map((c, i) => Promise.all([0, 1, 2].map((j) => c.next('sync', (f) => f.doc === `a/s${i}-${j}`)))));
    expect(loads.peak).toBe(2);
  });

  it('S7: past maxQueuedLoads a cold sub gets OVERLOADED naming its doc, and the socket drains and closes', async () => {
    const { loads, client } = await setup({ maxConcurrentLoads: 1, maxQueuedLoads: 2 });
    const sockets = await Promise.all(Array.from({ length: 4 }, () => client()));
    loads.hold();
    for (let i = 0; i < 3; i++) {
      sub(sockets[i]!, `a/q-${i}`); // one runs, two wait
      await settle();
    }
    sub(sockets[3]!, 'a/q-3');
    expect(await sockets[3]!.next('reject')).toMatchObject({ code: 'OVERLOADED', doc: 'a/q-3' });
    expect((await sockets[3]!.closed).code).toBe(closeCodeFor('OVERLOADED'));
    loads.release();
    for (let i = 0; i < 3; i++) await sockets[i]!.next('sync', (f) => f.doc === `a/q-${i}`);
    expect(loads.docs).not.toContain('a/q-3');
  });

  it('S7: loads still waiting when their doc is unsubscribed or their socket closes never reach the Store', async () => {
    const { loads, client } = await setup({ limits: { maxLoadsPerSocket: 2 } });
    const churner = await client();
    const leaver = await client();
    loads.hold();
    for (let i = 0; i < 50; i++) {
      sub(churner, `a/churn-${i}`);
      churner.send({ type: 'unsub', doc: `a/churn-${i}` });
      sub(leaver, `a/leave-${i}`);
    }
    await until(() => loads.running === 4, 'two loads per socket running');
    leaver.close();
    await leaver.closed;
    loads.release();
    const late = await client();
    sub(late, 'a/late'); // the node still loads for others
    await late.next('sync');
    await settle();
    // Two started per socket before the gate opened; the 96 that waited were dropped.
    expect(loads.docs.filter((d) => d !== 'a/late')).toHaveLength(4);
  });
});
