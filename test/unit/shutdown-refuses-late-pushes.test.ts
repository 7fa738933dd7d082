/**
 * A1 at shutdown, deterministically (the integration test over real processes cannot force the timing): a
 * push that arrives after graceful shutdown began is refused with SHUTTING_DOWN (retryable: the client keeps
 * it), a push already committing still gets its ack, and the socket closes with 4013 once it has.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, closeCodeFor } from '@cairn/shared';
import { connectRaw } from '../support/raw-client.js';
import { controllableStore, memoryNode } from '../support/memory-node.js';
import { mapUpdate } from '../support/yjs-updates.js';

describe('pushes during shutdown', () => {
  it('A1: a push after shutdown began is refused as SHUTTING_DOWN; the one committing is acked; then close 4013', async () => {
    const ctl = controllableStore();
    const { node, net } = memoryNode({ store: ctl.store });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'late-pusher-1', token: 'writer' });
    await c.next('welcome');
    c.send({ type: 'sub', doc: 'a/doc', stateVector: new Uint8Array() });
    await c.next('sync');
    const release = ctl.hold();
    c.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k1', 1) });
    await new Promise((r) => setTimeout(r, 5)); // seq 1 is in the commit path, held by the Store
    const stopped = node.shutdown();
    c.send({ type: 'push', doc: 'a/doc', seq: 2, update: mapUpdate('k2', 2) });
    expect(await c.next('reject')).toMatchObject({ code: 'SHUTTING_DOWN', seq: 2 });
    release();
    expect(await c.next('ack')).toMatchObject({ seq: 1 });
    expect((await c.closed).code).toBe(closeCodeFor('SHUTTING_DOWN'));
    await stopped;
    expect(await ctl.store.headVersion('t1', 'a/doc')).toBe(1);
  });
});
