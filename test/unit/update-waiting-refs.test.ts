/**
 * C4: an update that references clocks the room does not hold would wait in Yjs' pending state, where
 * hostile items break later, honest updates (the fuzzer found several ways). Such an update is stored only
 * once every earlier write of its doc on this node committed and the room caught up with the Store; if it
 * still waits, it references items nobody committed and is refused. Honest pipelining is unaffected: a
 * push that builds on the same client's push still committing is stored.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { connectRaw } from '../support/raw-client.js';
import { controllableStore, memoryNode } from '../support/memory-node.js';
import { craftUpdate } from '../support/craft-update.js';

const DOC = 'a/doc';

async function subscribed() {
  const ctl = controllableStore();
  const { net } = memoryNode({ store: ctl.store });
  const c = await connectRaw(net.connect as (url: string) => ClientSocket);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'client-0001', token: 'writer' });
  await c.next('welcome');
  c.send({ type: 'sub', doc: DOC, stateVector: new Uint8Array() });
  await c.next('sync');
  return { ctl, c };
}

describe('updates that would wait for clocks the room does not hold', () => {
  it('C4: an item whose origin is a clock no one committed is refused and not stored', async () => {
    const { ctl, c } = await subscribed();
    const dangling = craftUpdate([{ client: 5, clock: 0, structs: [{ kind: 'item', origin: { client: 9, clock: 3 }, content: { kind: 'string', text: 'x' } }] }]);
    c.send({ type: 'push', doc: DOC, seq: 1, update: dangling });
    expect(await c.next('reject')).toMatchObject({ code: 'INVALID_UPDATE', seq: 1 });
    const deletes = craftUpdate([], [{ client: 9, ranges: [[0, 2]] }]);
    c.send({ type: 'push', doc: DOC, seq: 2, update: deletes });
    expect(await c.next('reject', (f) => f.seq === 2)).toMatchObject({ code: 'INVALID_UPDATE' });
    expect(await ctl.store.headVersion('t1', DOC)).toBe(0);
  });

  it('C4: a push that builds on the same client\'s push still committing is stored (pipelining)', async () => {
    const { ctl, c } = await subscribed();
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    doc.getText('t').insert(0, 'ab');
    doc.getText('t').insert(1, 'X'); // origin and right origin are the first push's items
    doc.getMap('m').set('k', 1);
    const release = ctl.hold();
    updates.forEach((update, i) => c.send({ type: 'push', doc: DOC, seq: i + 1, update }));
    await new Promise((r) => setTimeout(r, 20));
    release();
    await c.next('ack', (f) => f.seq === 3);
    expect(c.frames.some((f) => f.type === 'reject')).toBe(false);
    expect(await ctl.store.headVersion('t1', DOC)).toBe(3);
  });

  it('C4: a waiting push waits for every earlier write of its doc, not only the one just before it', async () => {
    // Two tabs share one outbox, so one session pipelines both tabs' Yjs clients: tab A's second and third
    // pushes wait for its first while it commits; tab B's push between them applies at once and commits in
    // the first batch. The third push then waited only for B's push (its predecessor), found A's second
    // still uncommitted after the resync, and was refused: an honest edit lost.
    const { ctl, c } = await subscribed();
    const [a, b] = [new Y.Doc(), new Y.Doc()];
    const pushes: Uint8Array[] = [];
    for (const d of [a, b]) d.on('update', (u: Uint8Array) => pushes.push(u));
    a.getMap('m').set('a1', 1);
    a.getMap('m').set('a2', 2); // waits for a1
    b.getMap('m').set('b1', 3); // applies at once
    a.getMap('m').set('a3', 4); // waits for a2
    const release = ctl.hold();
    pushes.forEach((update, i) => c.send({ type: 'push', doc: DOC, seq: i + 1, update }));
    await new Promise((r) => setTimeout(r, 20));
    release();
    await c.next('ack', (f) => f.seq === 4);
    expect(c.frames.filter((f) => f.type === 'reject')).toEqual([]);
    expect(await ctl.store.headVersion('t1', DOC)).toBe(4);
  });

  it('A2, C4: a pipelined push that waited only for the writes before it commits without reading the Store again', async () => {
    // Every read is a turn of the Store's queue: on one database thread (the embedded store) a read per
    // waiting push, behind a slow commit, made a doc's pushes take a read and a commit each, for good.
    const ctl = controllableStore();
    let reads = 0;
    const store = { ...ctl.store, kind: ctl.store.kind, loadUpdates: (...args: Parameters<typeof ctl.store.loadUpdates>) => (reads++, ctl.store.loadUpdates(...args)) };
    const { net } = memoryNode({ store });
    const c = await connectRaw(net.connect as (url: string) => ClientSocket);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'client-0001', token: 'writer' });
    await c.next('welcome');
    c.send({ type: 'sub', doc: DOC, stateVector: new Uint8Array() });
    await c.next('sync');
    const readsAfterLoad = reads;
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 5; i++) doc.getMap('m').set('pose', i); // each one builds on the one before
    const release = ctl.hold();
    updates.forEach((update, i) => c.send({ type: 'push', doc: DOC, seq: i + 1, update }));
    await new Promise((r) => setTimeout(r, 20));
    release();
    await c.next('ack', (f) => f.seq === 5);
    expect(c.frames.filter((f) => f.type === 'reject')).toEqual([]);
    expect(await ctl.store.headVersion('t1', DOC)).toBe(5);
    expect(reads - readsAfterLoad).toBe(0);
  });
});
