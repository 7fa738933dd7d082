import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { controllableStore, memoryNode } from '../support/memory-node.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';

const CLIENT = 'client-0001';

async function hello(net: { connect: (u: string) => never } | { connect: (u: string) => import('@cairn/shared').ClientSocket }, token = 'writer', clientId = CLIENT) {
  const c = await connectRaw(net.connect);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token });
  await c.next('welcome');
  return c;
}

describe('the durable write path', () => {
  it('A1: no ack is sent while the commit is in flight; the ack follows the commit', async () => {
    const ctl = controllableStore();
    const { net } = memoryNode({ store: ctl.store });
    const c = await hello(net);
    const release = ctl.hold();
    c.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 1) });
    await new Promise((r) => setTimeout(r, 50));
    expect(c.frames.filter((f) => f.type === 'ack')).toHaveLength(0);
    expect(await ctl.store.headVersion('t1', 'a/doc')).toBe(0);
    release();
    const ack = await c.next('ack');
    expect(ack.seq).toBe(1);
    expect(await ctl.store.headVersion('t1', 'a/doc')).toBe(1);
  });

  it('A2: pushes arriving during a commit join the next batch, and one ack covers the batch', async () => {
    const ctl = controllableStore();
    const { net } = memoryNode({ store: ctl.store });
    const c = await hello(net);
    const release = ctl.hold();
    c.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k0', 0) });
    await new Promise((r) => setTimeout(r, 10)); // seq 1 is now in flight (held)
    for (let seq = 2; seq <= 21; seq++) c.send({ type: 'push', doc: 'a/doc', seq, update: mapUpdate(`k${seq}`, seq) });
    await new Promise((r) => setTimeout(r, 10));
    release();
    await c.next('ack', (a) => a.seq === 21);
    expect(ctl.batches).toEqual([1, 20]);
    const acks = c.frames.filter((f) => f.type === 'ack').map((f) => (f as { seq: number }).seq);
    expect(acks).toEqual([1, 21]);
  });

  it('C1: a resent push is acknowledged again and stored once', async () => {
    const store = createMemoryStore();
    const { net } = memoryNode({ store });
    const update = mapUpdate('k', 'v');
    const c1 = await hello(net);
    c1.send({ type: 'push', doc: 'a/doc', seq: 7, update });
    await c1.next('ack');
    c1.close();
    const c2 = await hello(net);
    c2.send({ type: 'push', doc: 'a/doc', seq: 7, update });
    c2.send({ type: 'push', doc: 'a/doc', seq: 7, update });
    expect((await c2.next('ack')).seq).toBe(7);
    expect(await store.headVersion('t1', 'a/doc')).toBe(1);
    expect((await store.loadUpdates('t1', 'a/doc', 0)).map((u) => u.version)).toEqual([1]);
  });

  it('C2: versions are gap-free and the room state equals the stored log', async () => {
    const store = createMemoryStore();
    const { net, node } = memoryNode({ store });
    const a = await hello(net, 'writer', 'client-aaaa');
    const b = await hello(net, 'writer', 'client-bbbb');
    a.send({ type: 'sub', doc: 'a/doc', stateVector: new Uint8Array() });
    await a.next('sync');
    for (let i = 1; i <= 30; i++) (i % 2 ? a : b).send({ type: 'push', doc: 'a/doc', seq: i, update: mapUpdate(`k${i}`, i) });
    await a.next('ack', (f) => f.seq === 29);
    await b.next('ack', (f) => f.seq === 30);
    const rows = await store.loadUpdates('t1', 'a/doc', 0);
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const room = node.rooms.peek('t1', 'a/doc')!;
    expect(room.version).toBe(30);
    expect(room.ydoc.getMap('m').toJSON()).toEqual(mapOf(...rows.map((r) => r.update)));
  });

  it('C3: an update that does not decode is rejected with INVALID_UPDATE, never stored, and the session keeps working', async () => {
    const store = createMemoryStore();
    const { net } = memoryNode({ store });
    const c = await hello(net);
    c.send({ type: 'push', doc: 'a/bad', seq: 1, update: new Uint8Array([9, 200, 1, 2, 3]) });
    const rej = await c.next('reject');
    expect(rej).toMatchObject({ code: 'INVALID_UPDATE', seq: 1, doc: 'a/bad' });
    c.send({ type: 'push', doc: 'a/good', seq: 2, update: mapUpdate('k', 1) });
    expect((await c.next('ack')).seq).toBe(2);
    expect(await store.headVersion('t1', 'a/bad')).toBe(0);
    expect(await store.headVersion('t1', 'a/good')).toBe(1);
    expect(c.isClosed()).toBe(false);
  });

  it('A1: a dead database mid-commit gets STORE_UNAVAILABLE (retryable) and a close, never an ack; the resend commits', async () => {
    const ctl = controllableStore();
    const { net } = memoryNode({ store: ctl.store });
    const c = await hello(net);
    ctl.fail(true);
    c.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 1) });
    expect(await c.next('reject')).toMatchObject({ code: 'STORE_UNAVAILABLE', seq: 1 });
    expect((await c.closed).code).toBe(4014);
    expect(c.frames.some((f) => f.type === 'ack')).toBe(false);
    ctl.fail(false);
    const again = await hello(net);
    again.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('k', 1) });
    expect((await again.next('ack')).seq).toBe(1);
    expect(await ctl.store.headVersion('t1', 'a/doc')).toBe(1);
  });

  it('O3/⑨: a subscriber gets what it lacks at sub, then live updates from others but never its own echo', async () => {
    const store = createMemoryStore();
    const { net } = memoryNode({ store });
    const a = await hello(net, 'writer', 'client-aaaa');
    a.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('first', 1) });
    await a.next('ack');
    const b = await hello(net, 'writer', 'client-bbbb');
    b.send({ type: 'sub', doc: 'a/doc', stateVector: new Uint8Array() });
    const sync = await b.next('sync');
    expect(sync.version).toBe(1);
    expect(sync.writable).toBe(true);
    expect(mapOf(sync.update)).toEqual({ first: 1 });
    a.send({ type: 'sub', doc: 'a/doc', stateVector: new Uint8Array() });
    await a.next('sync');
    a.send({ type: 'push', doc: 'a/doc', seq: 2, update: mapUpdate('second', 2) });
    await a.next('ack');
    const upd = await b.next('update');
    expect(upd.version).toBe(2);
    expect(mapOf(upd.update)).toEqual({ second: 2 });
    await new Promise((r) => setTimeout(r, 20));
    expect(a.frames.some((f) => f.type === 'update')).toBe(false);
  });
});

describe('a request the Store refuses for good', () => {
  it('A2: does not poison the other pushes of its batch', async () => {
    const { createGroupCommit } = await import('../../packages/server/src/commit/group-commit.js');
    const store = createMemoryStore();
    const group = createGroupCommit({ store });
    const base = { tenant: 't1', doc: 'a/doc', actor: 'x', update: mapUpdate('k', 1) };
    const results = await Promise.allSettled([
      group.submit({ ...base, clientId: 'client-0001', seq: 1 }),
      group.submit({ ...base, clientId: 'client-0001', seq: -1 }),
      group.submit({ ...base, clientId: 'client-0001', seq: 2 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await store.headVersion('t1', 'a/doc')).toBe(2);
  });
});
