import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { PROTOCOL_VERSION, closeCodeFor, encodeFrame } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode, testVerify } from '../support/memory-node.js';
import { mapUpdate } from '../support/yjs-updates.js';

const clientId = 'client-0001';

function setup(limits = {}) {
  const store = createMemoryStore();
  return { store, ...memoryNode({ store, limits }) };
}

describe('a session refuses what it must, with a code, and stores nothing', () => {
  it('S1: a frame before hello gets HELLO_REQUIRED and a close', async () => {
    const { net } = setup();
    const c = await connectRaw(net.connect);
    c.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 1) });
    expect(await c.next('reject')).toMatchObject({ code: 'HELLO_REQUIRED' });
    expect((await c.closed).code).toBe(closeCodeFor('HELLO_REQUIRED'));
  });

  it('S1: a bad token gets UNAUTHENTICATED and a close', async () => {
    const { net } = setup();
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'bad' });
    expect(await c.next('reject')).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await c.closed).code).toBe(closeCodeFor('UNAUTHENTICATED'));
  });

  it('§4: a mismatched protocol version gets PROTOCOL_VERSION and a close, never a misparse', async () => {
    const { net } = setup();
    const c = await connectRaw(net.connect);
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, 0); // hello
    encoding.writeVarUint(enc, PROTOCOL_VERSION + 1);
    encoding.writeVarString(enc, 'some future layout');
    c.sendBytes(encoding.toUint8Array(enc));
    expect(await c.next('reject')).toMatchObject({ code: 'PROTOCOL_VERSION' });
    expect((await c.closed).code).toBe(closeCodeFor('PROTOCOL_VERSION'));
  });

  it('S1: a read-only session subscribes and reads, but its pushes get READ_ONLY and are never stored or broadcast', async () => {
    const { net, store } = setup();
    const writer = await connectRaw(net.connect);
    writer.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'writer-0001', token: 'writer' });
    writer.send({ type: 'sub', doc: 'a/doc', stateVector: new Uint8Array() });
    await writer.next('sync');
    const reader = await connectRaw(net.connect);
    reader.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'reader' });
    reader.send({ type: 'sub', doc: 'a/doc', stateVector: new Uint8Array() });
    expect((await reader.next('sync')).writable).toBe(false);
    reader.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 1) });
    expect(await reader.next('reject')).toMatchObject({ code: 'READ_ONLY', seq: 1, doc: 'a/doc' });
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.headVersion('t1', 'a/doc')).toBe(0);
    expect(writer.frames.some((f) => f.type === 'update')).toBe(false);
    expect(reader.isClosed()).toBe(false);
  });

  it('S1: a space outside the token is FORBIDDEN for sub and push', async () => {
    const { net, store } = setup();
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'a-only' });
    c.send({ type: 'sub', doc: 'b/doc', stateVector: new Uint8Array() });
    expect(await c.next('reject')).toMatchObject({ code: 'FORBIDDEN', doc: 'b/doc', seq: null });
    c.send({ type: 'push', doc: 'b/doc', seq: 1, update: mapUpdate('k', 1) });
    expect(await c.next('reject')).toMatchObject({ code: 'FORBIDDEN', seq: 1 });
    c.send({ type: 'push', doc: 'a/doc', seq: 2, update: mapUpdate('k', 1) });
    expect((await c.next('ack')).seq).toBe(2);
    expect(await store.headVersion('t1', 'b/doc')).toBe(0);
  });

  it('S5: the same doc name under two tenants is two docs', async () => {
    const { net, store } = setup();
    const t1 = await connectRaw(net.connect);
    t1.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
    t1.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('tenant', 1) });
    await t1.next('ack');
    const t2 = await connectRaw(net.connect);
    t2.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'other' });
    t2.send({ type: 'sub', doc: 'a/doc', stateVector: new Uint8Array() });
    const sync = await t2.next('sync');
    expect(sync.version).toBe(0);
    expect(await store.headVersion('t2', 'a/doc')).toBe(0);
  });

  it('S3/C3: a malformed frame gets MALFORMED_FRAME and a close; other sockets keep working', async () => {
    const { net } = setup();
    const good = await connectRaw(net.connect);
    good.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'good-0001', token: 'writer' });
    await good.next('welcome');
    const bad = await connectRaw(net.connect);
    bad.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
    await bad.next('welcome');
    const truncated = encodeFrame({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 1) }).slice(0, 12);
    bad.sendBytes(truncated);
    expect(await bad.next('reject')).toMatchObject({ code: 'MALFORMED_FRAME' });
    expect((await bad.closed).code).toBe(closeCodeFor('MALFORMED_FRAME'));
    good.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 1) });
    expect((await good.next('ack')).seq).toBe(1);
  });

  it('S3: a frame over maxPayload gets FRAME_TOO_LARGE and nothing of it is stored', async () => {
    const { net, store } = setup({ maxPayload: 1024 });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
    await c.next('welcome');
    c.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 'x'.repeat(4096)) });
    expect(await c.next('reject')).toMatchObject({ code: 'FRAME_TOO_LARGE' });
    expect((await c.closed).code).toBe(closeCodeFor('FRAME_TOO_LARGE'));
    expect(await store.headVersion('t1', 'a/doc')).toBe(0);
  });

  it('S3: more frames than the pre-auth limit before welcome close the socket', async () => {
    const store = createMemoryStore();
    const slowVerify = async (token: string) => {
      await new Promise((r) => setTimeout(r, 50)); // the token check is still running when the frames come
      return testVerify(token);
    };
    const { net } = memoryNode({ store, limits: { maxPreAuthFrames: 2 }, verify: slowVerify });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
    for (let i = 0; i < 5; i++) c.send({ type: 'ping', id: i });
    expect(await c.next('reject')).toMatchObject({ code: 'HELLO_REQUIRED' });
    expect((await c.closed).code).toBe(closeCodeFor('HELLO_REQUIRED'));
    expect(c.frames.some((f) => f.type === 'welcome' || f.type === 'pong')).toBe(false);
  });

  it('S3: frames sent right behind hello, within the pre-auth limit, are answered after welcome', async () => {
    const store = createMemoryStore();
    const slowVerify = async (token: string) => {
      await new Promise((r) => setTimeout(r, 50));
      return testVerify(token);
    };
    const { net } = memoryNode({ store, verify: slowVerify });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
    c.send({ type: 'ping', id: 1 });
    c.send({ type: 'ping', id: 2 });
    expect((await c.next('pong')).id).toBe(1);
    expect((await c.next('pong')).id).toBe(2);
    expect(c.frames[0]!.type).toBe('welcome');
  });

  it('S3: pushes beyond the per-socket rate get RATE_LIMITED (retryable) and a close', async () => {
    const { net } = setup({ maxPushesPerSecond: 5 });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
    await c.next('welcome');
    for (let seq = 1; seq <= 20; seq++) c.send({ type: 'push', doc: 'a/doc', seq, update: mapUpdate(`k${seq}`, seq) });
    expect(await c.next('reject')).toMatchObject({ code: 'RATE_LIMITED' });
    expect((await c.closed).code).toBe(closeCodeFor('RATE_LIMITED'));
  });

  it('S3: a socket may not hold more docs than maxDocsPerSocket', async () => {
    const { net } = setup({ maxDocsPerSocket: 2 });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
    for (const d of ['a/1', 'a/2', 'a/3']) c.send({ type: 'sub', doc: d, stateVector: new Uint8Array() });
    expect(await c.next('reject')).toMatchObject({ code: 'TOO_MANY_DOCS', doc: 'a/3' });
    await c.next('sync', (s) => s.doc === 'a/1');
    await c.next('sync', (s) => s.doc === 'a/2');
  });
});
