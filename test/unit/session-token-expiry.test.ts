/**
 * S8 at push time: a frame that arrives after the token's exp is refused even before the expiry timer has
 * run (a late timer, a busy loop). Only Date is faked: the clock jumps past exp while the sessions' real
 * timers, armed for a minute later, have not fired.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { PROTOCOL_VERSION, closeCodeFor, createMemoryNetwork, type ClientSocket } from '@cairn/shared';
import { createMemoryStore, type Principal } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapUpdate } from '../support/yjs-updates.js';

const T0 = Date.UTC(2026, 0, 1);
const principal = (): Principal => ({ tenant: 't1', subject: 'short-lived', spaces: { '*': 'rw' }, expiresAt: T0 + 60_000 });

afterEach(() => {
  vi.useRealTimers();
});

function ySyncUpdate(update: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 0); // sync message
  syncProtocol.writeUpdate(enc, update);
  return encoding.toUint8Array(enc);
}

describe('a session refuses frames that arrive after its token expired', () => {
  it('S8: a native push after exp gets TOKEN_EXPIRED with its seq, is never stored, and the socket closes with 4021', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const store = createMemoryStore();
    const { net } = memoryNode({ store, verify: () => Promise.resolve(principal()) });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'client-expiry-1', token: 'short' });
    c.send({ type: 'sub', doc: 'a/doc', stateVector: new Uint8Array() });
    await c.next('sync');
    c.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('before', 1) });
    await c.next('ack', (a) => a.seq === 1);

    vi.setSystemTime(T0 + 60_000);
    c.send({ type: 'push', doc: 'a/doc', seq: 2, update: mapUpdate('after', 2) });
    expect(await c.next('reject')).toMatchObject({ code: 'TOKEN_EXPIRED', seq: 2, doc: 'a/doc' });
    expect((await c.closed).code).toBe(closeCodeFor('TOKEN_EXPIRED'));
    expect(await store.headVersion('t1', 'a/doc')).toBe(1);
  });

  it('S8: a /y update after exp is never stored and the socket closes with 4021', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const store = createMemoryStore();
    const { node } = memoryNode({ store });
    const net = createMemoryNetwork((socket) => node.acceptY(socket, { principal: principal(), doc: 'default/room', space: 'default' }));
    const socket: ClientSocket = net.connect('mem://y');
    const closed = new Promise<number>((resolve) => (socket.onclose = (ev) => resolve(ev.code)));
    await new Promise<void>((resolve) => (socket.onopen = () => resolve()));
    socket.send(ySyncUpdate(mapUpdate('before', 1)));
    await vi.waitFor(async () => expect(await store.headVersion('t1', 'default/room')).toBe(1), { timeout: 5000, interval: 10 });

    vi.setSystemTime(T0 + 60_001);
    socket.send(ySyncUpdate(mapUpdate('after', 2)));
    expect(await closed).toBe(closeCodeFor('TOKEN_EXPIRED'));
    expect(await store.headVersion('t1', 'default/room')).toBe(1);
  });
});
