/**
 * A3: the server states its limits in the hello answer (and, from version 4, the database epoch, L3). A version 3 hello gets maxPayload, maxUpdateBytes,
 * the push rate and the presence limits (P4); a version 2 hello the same without the presence limits; a version 1 hello (a client built before them) still gets the version 1 welcome it can
 * decode, and its pushes work as before.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEFAULT_LIMITS, PROTOCOL_VERSION } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapUpdate } from '../support/yjs-updates.js';

describe('welcome states the limits', () => {
  it('A3, P4: a version 3 welcome carries maxPayload, maxUpdateBytes, the push and pose rates and the presence timeout as configured', async () => {
    const limits = { maxPayload: 65_536, maxUpdateBytes: 1_000_000, maxPushesPerSecond: 50, maxPosesPerSecond: 60, presenceTimeoutMs: 3000 };
    const { net } = memoryNode({ store: createMemoryStore(), limits });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: 3, clientId: 'client-0001', token: 'writer' });
    expect(await c.next('welcome')).toMatchObject({ protocolVersion: 3, ...limits, epoch: '' });
  });

  it('L3: a version 4 welcome names the database epoch, and its syncs carry the server state vector; a version 3 session gets neither', async () => {
    const store = createMemoryStore();
    const { net } = memoryNode({ store });
    expect(PROTOCOL_VERSION).toBe(4);
    const v4 = await connectRaw(net.connect);
    v4.send({ type: 'hello', protocolVersion: 4, clientId: 'client-0004', token: 'writer' });
    expect(await v4.next('welcome')).toMatchObject({ protocolVersion: 4, epoch: await store.epoch() });
    v4.send({ type: 'push', doc: 'lab/doc', seq: 1, update: mapUpdate('k', 1) });
    await v4.next('ack');
    v4.send({ type: 'sub', doc: 'lab/doc', stateVector: new Uint8Array([0]) });
    const sync = await v4.next('sync');
    expect(sync.stateVector).toBeInstanceOf(Uint8Array);
    expect(Y.decodeStateVector(sync.stateVector!).size).toBe(1);
    const v3 = await connectRaw(net.connect);
    v3.send({ type: 'hello', protocolVersion: 3, clientId: 'client-0003', token: 'writer' });
    await v3.next('welcome');
    v3.send({ type: 'sub', doc: 'lab/doc', stateVector: new Uint8Array([0]) });
    expect(await v3.next('sync')).not.toHaveProperty('stateVector');
  });

  it('A3: a version 2 hello gets a version 2 welcome (no presence limits)', async () => {
    const { net } = memoryNode({ store: createMemoryStore(), limits: { maxPushesPerSecond: 50 } });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: 2, clientId: 'client-0001', token: 'writer' });
    expect(await c.next('welcome')).toMatchObject({ protocolVersion: 2, maxPushesPerSecond: 50, maxPosesPerSecond: 0, presenceTimeoutMs: 0 });
  });

  it('A3: the defaults are 1 MiB frames and 32 MiB updates', async () => {
    const { net } = memoryNode({ store: createMemoryStore() });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'client-0001', token: 'writer' });
    expect(await c.next('welcome')).toMatchObject({ maxPayload: 1024 * 1024, maxUpdateBytes: 32 * 1024 * 1024, maxPushesPerSecond: DEFAULT_LIMITS.maxPushesPerSecond });
  });

  it('§4: a version 1 hello gets a version 1 welcome (no trailing limit fields) and its pushes are acked', async () => {
    const { net } = memoryNode({ store: createMemoryStore() });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: 1, clientId: 'client-0001', token: 'writer' });
    // The decoder refuses trailing bytes, so a welcome that decodes as version 1 has exactly the old layout.
    expect(await c.next('welcome')).toMatchObject({ protocolVersion: 1, maxPayload: 1024 * 1024, maxUpdateBytes: 0, maxPushesPerSecond: 0 });
    c.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 1) });
    expect(await c.next('ack')).toMatchObject({ seq: 1 });
  });
});
