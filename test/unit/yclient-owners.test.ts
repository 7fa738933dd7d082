/**
 * C5, M1: a Yjs clientID belongs, in a doc, to the subject that first wrote structs with it. A writer who
 * pushes structs under the victim's Yjs clientID at the victim's next clocks used to be stored: the
 * victim's real edit at those clocks was then acked and stored but skipped by Yjs, so the room (and every
 * cold load) never showed it while the victim's replica did. Such a push is refused, never stored.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { CairnError, PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { createMemoryBusHub, createMemoryStore, type Principal, type Store } from '@cairn/server';
import { createRoom } from '../../packages/server/src/room/room.js';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { controllableStore, memoryNode } from '../support/memory-node.js';
import { until } from '../support/until.js';

const DOC = 'site/plan';
const VICTIM_YCLIENT = 4242;
const principals: Record<string, Principal> = {
  victim: { tenant: 't1', subject: 'victim', spaces: { '*': 'rw' } },
  attacker: { tenant: 't1', subject: 'attacker', spaces: { '*': 'rw' } },
};
async function verify(token: string): Promise<Principal> {
  const p = principals[token];
  if (!p) throw new CairnError('UNAUTHENTICATED', 'unknown test token');
  return p;
}

async function session(connect: (url: string) => ClientSocket, token: string, clientId: string): Promise<RawClient> {
  const c = await connectRaw(connect);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token });
  await c.next('welcome');
  return c;
}

/** A replica's doc with a fixed Yjs clientID, and the update each of its edits makes. */
function replica(yclient: number) {
  const doc = new Y.Doc();
  doc.clientID = yclient;
  const edit = (fn: (m: Y.Map<unknown>) => void): Uint8Array => {
    let update: Uint8Array | null = null;
    const take = (u: Uint8Array) => (update = u);
    doc.on('update', take);
    doc.transact(() => fn(doc.getMap('m')));
    doc.off('update', take);
    return update!;
  };
  return { doc, edit };
}

/** What a cold load of the doc from the Store shows (a fresh room, as another node or a restart). */
async function coldMap(store: Store): Promise<Record<string, unknown>> {
  const room = createRoom({ tenant: 't1', doc: DOC, store });
  await room.ready;
  const json = room.ydoc.getMap('m').toJSON();
  room.destroy();
  return json;
}

async function setup(store: Store = createMemoryStore(), snapshotMinUpdates?: number) {
  const { node, net } = memoryNode({ store, verify, ...(snapshotMinUpdates ? { snapshotMinUpdates } : {}) });
  const victim = await session(net.connect, 'victim', 'victim-replica-1');
  const attacker = await session(net.connect, 'attacker', 'attacker-replica-1');
  const v = replica(VICTIM_YCLIENT);
  victim.send({ type: 'push', doc: DOC, seq: 1, update: v.edit((m) => m.set('a', 'victim 1')) });
  expect((await victim.next('ack')).seq).toBe(1);
  return { node, net, store, victim, attacker, v };
}

describe('a Yjs clientID belongs to the subject that first wrote it in the doc', () => {
  it('C5: structs under another subject\'s Yjs clientID at its next clocks are refused; the victim\'s next edit is stored and visible', async () => {
    const { node, store, victim, attacker, v } = await setup();
    // The attacker syncs the doc, takes the victim's clientID and writes at the victim's next clock.
    const forged = replica(1);
    Y.applyUpdate(forged.doc, Y.encodeStateAsUpdate(node.rooms.peek('t1', DOC)!.ydoc));
    forged.doc.clientID = VICTIM_YCLIENT;
    attacker.send({ type: 'push', doc: DOC, seq: 1, update: forged.edit((m) => m.set('a', 'forged')) });
    const reject = await attacker.next('reject');
    expect(reject).toMatchObject({ code: 'INVALID_UPDATE', seq: 1, doc: DOC });
    expect(await store.headVersion('t1', DOC)).toBe(1);

    victim.send({ type: 'push', doc: DOC, seq: 2, update: v.edit((m) => m.set('b', 'victim 2')) });
    expect((await victim.next('ack')).seq).toBe(2);
    const expected = { a: 'victim 1', b: 'victim 2' };
    expect(v.doc.getMap('m').toJSON()).toEqual(expected);
    expect(node.rooms.peek('t1', DOC)!.ydoc.getMap('m').toJSON()).toEqual(expected);
    expect(await coldMap(store)).toEqual(expected);
  });

  it('C5: deleting another subject\'s items, resending structs the doc holds, and writing with one\'s own clientID are accepted', async () => {
    const { node, store, attacker } = await setup();
    const other = replica(777);
    const synced = Y.encodeStateAsUpdate(node.rooms.peek('t1', DOC)!.ydoc);
    Y.applyUpdate(other.doc, synced);
    // A y-websocket style resend: the victim's structs the doc already holds, plus the writer's own edit.
    const own = other.edit((m) => {
      m.set('c', 'other');
      m.delete('a');
    });
    attacker.send({ type: 'push', doc: DOC, seq: 1, update: Y.mergeUpdates([synced, own]) });
    expect((await attacker.next('ack')).seq).toBe(1);
    expect(await store.headVersion('t1', DOC)).toBe(2);
    expect(await coldMap(store)).toEqual({ c: 'other' });
  });

  it('C5: another subject\'s structs that this node\'s room has not received yet are accepted once it catches up from the Store', async () => {
    const { store, victim, attacker: other, v } = await setup();
    // Node B shares the Store but not the bus: its room falls behind what node A commits.
    const { node: nodeB, net: netB } = memoryNode({ store, verify, hub: createMemoryBusHub() });
    const onB = await session(netB.connect, 'attacker', 'other-replica-b');
    onB.send({ type: 'sub', doc: DOC, stateVector: new Uint8Array() });
    await onB.next('sync');
    other.send({ type: 'sub', doc: DOC, stateVector: new Uint8Array() });
    const relay = replica(555);
    Y.applyUpdate(relay.doc, (await other.next('sync')).update);
    const second = v.edit((m) => m.set('b', 'victim 2'));
    victim.send({ type: 'push', doc: DOC, seq: 2, update: second });
    expect((await victim.next('ack')).seq).toBe(2);
    Y.applyUpdate(relay.doc, (await other.next('update')).update);
    expect(nodeB.rooms.peek('t1', DOC)!.version).toBe(1);
    // What a y-websocket provider resends on B: the victim's edit B lacks, and its own.
    const resend = Y.mergeUpdates([second, relay.edit((m) => m.set('c', 'other'))]);
    onB.send({ type: 'push', doc: DOC, seq: 1, update: resend });
    expect((await onB.next('ack')).seq).toBe(1);
    expect(await coldMap(store)).toEqual({ a: 'victim 1', b: 'victim 2', c: 'other' });
  });

  it('C5: two subjects pushing the same new Yjs clientID while a commit is in flight: only the first passes', async () => {
    const held = controllableStore();
    const { store, victim, attacker } = await setup(held.store);
    const release = held.hold();
    const first = replica(9001);
    const second = replica(9001);
    victim.send({ type: 'push', doc: DOC, seq: 2, update: first.edit((m) => m.set('x', 'victim')) });
    attacker.send({ type: 'push', doc: DOC, seq: 1, update: second.edit((m) => m.set('y', 'attacker')) });
    expect(await attacker.next('reject')).toMatchObject({ code: 'INVALID_UPDATE', seq: 1 });
    release();
    expect((await victim.next('ack', (a) => a.seq === 2)).seq).toBe(2);
    expect(await store.headVersion('t1', DOC)).toBe(2);
  });

  it('C5: a claim whose commit failed is released when the doc holds nothing of that client', async () => {
    const failing = controllableStore();
    const { store, victim, attacker } = await setup(failing.store);
    failing.fail(true);
    victim.send({ type: 'push', doc: DOC, seq: 2, update: replica(9002).edit((m) => m.set('x', 'lost')) });
    expect(await victim.next('reject')).toMatchObject({ code: 'STORE_UNAVAILABLE', seq: 2 });
    failing.fail(false);
    attacker.send({ type: 'push', doc: DOC, seq: 1, update: replica(9002).edit((m) => m.set('y', 'attacker')) });
    expect((await attacker.next('ack')).seq).toBe(1);
    expect(await store.headVersion('t1', DOC)).toBe(2);
  });

  it('C5: the owners survive a snapshot: a cold load from a snapshot still refuses the forged push', async () => {
    const store = createMemoryStore();
    const { v, victim } = await setup(store, 2);
    victim.send({ type: 'push', doc: DOC, seq: 2, update: v.edit((m) => m.set('b', 'victim 2')) });
    expect((await victim.next('ack')).seq).toBe(2);
    // The room writes a snapshot at version 2 with the owners; a new node then loads from it alone.
    await until(async () => (await store.loadSnapshot('t1', DOC))?.version === 2, 'a snapshot at version 2');
    const snap = await store.loadSnapshot('t1', DOC);
    expect(snap?.owners).toEqual(new Map([[VICTIM_YCLIENT, 'victim']]));
    const { node, net } = memoryNode({ store, verify });
    const attacker = await session(net.connect, 'attacker', 'attacker-replica-2');
    attacker.send({ type: 'sub', doc: DOC, stateVector: new Uint8Array() });
    await attacker.next('sync');
    const forged = replica(1);
    Y.applyUpdate(forged.doc, Y.encodeStateAsUpdate(node.rooms.peek('t1', DOC)!.ydoc));
    forged.doc.clientID = VICTIM_YCLIENT;
    attacker.send({ type: 'push', doc: DOC, seq: 1, update: forged.edit((m) => m.set('b', 'forged')) });
    expect(await attacker.next('reject')).toMatchObject({ code: 'INVALID_UPDATE', seq: 1 });
    expect(await store.headVersion('t1', DOC)).toBe(2);
  });
});
