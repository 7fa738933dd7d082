/**
 * A3: the server states its limits in the hello answer. A version 3 hello gets maxPayload, maxUpdateBytes,
 * the push rate and the presence limits (P4); a version 2 hello the same without the presence limits; a version 1 hello (a client built before them) still gets the version 1 welcome it can
 * decode, and its pushes work as before.
 */
import { describe, expect, it } from 'vitest';
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
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'client-0001', token: 'writer' });
    expect(PROTOCOL_VERSION).toBe(3);
    expect(await c.next('welcome')).toMatchObject({ protocolVersion: 3, ...limits });
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
