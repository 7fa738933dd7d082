/**
 * C3/C4: Yjs trusts an item's references to its own client (Item.getMissing skips them), so an origin,
 * right origin or parent at a clock that client has not written throws inside the apply: on the room's doc
 * at once, or later, when the items before it arrive and the pending item integrates. Such an update used
 * to pass (it has no struct at clock 0, so it was never applied before storing) and then made its doc
 * unloadable on every node. It must be refused with INVALID_UPDATE and never stored.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { craftUpdate } from '../support/craft-update.js';

const DOC = 'a/doc';

/** Client 7 sets map m's k and writes "abc" into text t (clocks 0..3), in one update. */
function honestContent(): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = 7;
  let update: Uint8Array = new Uint8Array();
  doc.on('update', (u: Uint8Array) => (update = u));
  doc.transact(() => {
    doc.getMap('m').set('k', 'abc');
    doc.getText('t').insert(0, 'abc');
  });
  return update;
}

/** 14 bytes: client 7's next item, at clock `clock`, whose origin is a clock client 7 never wrote. */
function originAhead(client: number, clock: number): Uint8Array {
  return craftUpdate([{ client, clock, structs: [{ kind: 'item', origin: { client, clock: clock + 7 }, content: { kind: 'string', text: 'hello' } }] }]);
}

async function setup(subscribe: boolean) {
  const store = createMemoryStore();
  const { net } = memoryNode({ store });
  const c = await connectRaw(net.connect as (url: string) => ClientSocket);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'client-0001', token: 'writer' });
  await c.next('welcome');
  if (subscribe) {
    c.send({ type: 'sub', doc: DOC, stateVector: new Uint8Array() });
    await c.next('sync');
  }
  c.send({ type: 'push', doc: DOC, seq: 1, update: honestContent() });
  await c.next('ack');
  return { store, c };
}

describe('updates whose references to their own client point ahead', () => {
  it('C4: the 14-byte update (origin at a clock its client never wrote) is refused on a doc this node holds, and not stored', async () => {
    const bad = originAhead(7, 4);
    expect(bad.byteLength).toBe(14);
    const { store, c } = await setup(true);
    c.send({ type: 'push', doc: DOC, seq: 2, update: bad });
    expect(await c.next('reject')).toMatchObject({ code: 'INVALID_UPDATE', seq: 2, doc: DOC });
    expect(await store.headVersion('t1', DOC)).toBe(1);
    expect(c.isClosed()).toBe(false);
  });

  it('C4: the same update is refused when no room holds the doc on this node', async () => {
    const { store, c } = await setup(false);
    c.send({ type: 'push', doc: DOC, seq: 2, update: originAhead(7, 4) });
    expect(await c.next('reject')).toMatchObject({ code: 'INVALID_UPDATE', seq: 2 });
    expect(await store.headVersion('t1', DOC)).toBe(1);
  });

  it('C4: an item that would wait for its own client and throw once the gap fills is refused', async () => {
    const { store, c } = await setup(true);
    // Client 11 never wrote: clock 3 waits (pending); the honest clocks 0..2 would then make it throw.
    c.send({ type: 'push', doc: DOC, seq: 2, update: originAhead(11, 3) });
    expect(await c.next('reject')).toMatchObject({ code: 'INVALID_UPDATE', seq: 2 });
    const fill = craftUpdate([{ client: 11, clock: 0, structs: [{ kind: 'item', parent: 'l', content: { kind: 'any', values: [1, 2, 3] } }] }]);
    c.send({ type: 'push', doc: DOC, seq: 3, update: fill });
    expect((await c.next('ack')).seq).toBe(3);
    expect(await store.headVersion('t1', DOC)).toBe(2);
  });

  it('C4: right origin and parent ahead of the item\'s own clock are refused too', async () => {
    const { store, c } = await setup(true);
    const right = craftUpdate([{ client: 7, clock: 6, structs: [{ kind: 'item', rightOrigin: { client: 7, clock: 6 }, content: { kind: 'string', text: 'x' } }] }]);
    const parent = craftUpdate([{ client: 7, clock: 6, structs: [{ kind: 'item', parent: { client: 7, clock: 9 }, parentSub: 'p', content: { kind: 'any', values: [1] } }] }]);
    c.send({ type: 'push', doc: DOC, seq: 2, update: right });
    expect(await c.next('reject', (f) => f.seq === 2)).toMatchObject({ code: 'INVALID_UPDATE' });
    c.send({ type: 'push', doc: DOC, seq: 3, update: parent });
    expect(await c.next('reject', (f) => f.seq === 3)).toMatchObject({ code: 'INVALID_UPDATE' });
    expect(await store.headVersion('t1', DOC)).toBe(1);
  });
});
