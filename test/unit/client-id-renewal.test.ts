/**
 * C5 from the client's side: a replica whose clientId the server refuses as another principal's (someone
 * squatted it, or two random ids collided) takes a fresh clientId and reconnects, without spinning and
 * without losing a single pending edit. Real client, real IndexedDB code (fake-indexeddb), real node.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCairnClient, type CairnClient, type CairnClientOptions } from '@cairn/client';
import { CairnError, PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { createMemoryStore, type Principal } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';
import { freshIndexedDB, until } from './support/client-harness.js';

const ALICE: Principal = { tenant: 't', subject: 'alice', spaces: { y: 'rw' } };
const BOB: Principal = { tenant: 't', subject: 'bob', spaces: { x: 'rw', y: 'r' } };
const EDITS = 20;

async function verify(token: string): Promise<Principal> {
  if (token === 'alice') return ALICE;
  if (token === 'bob') return BOB;
  throw new CairnError('UNAUTHENTICATED');
}

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

describe('a refused clientId is renewed, and the outbox still reaches the server', () => {
  it('C5: Bob squats Alice\'s clientId while she is offline; she takes a fresh id, connects once more, and all 20 edits are stored', async () => {
    const store = createMemoryStore();
    const { net } = memoryNode({ store, verify });
    const db = freshIndexedDB();
    let connects = 0;
    const options = (): CairnClientOptions => ({
      url: 'mem://node', token: 'alice', broadcastChannel: null, networkEvents: null, ...db,
      socket: (url: string): ClientSocket => (connects++, net.connect(url)),
    });

    // Alice edits offline: 20 edits wait in her outbox under her clientId.
    const offline = createCairnClient(options());
    offline.goOffline();
    const doc = await offline.open('y/plan');
    for (let i = 0; i < EDITS; i++) doc.getMap('m').set(`edit-${i}`, i);
    await offline.flush();
    const taken = offline.clientId!;
    await offline.destroy();
    expect(connects).toBe(0);

    // Bob says hello with it first and writes his own space under it.
    const bob = await connectRaw(net.connect);
    bob.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: taken, token: 'bob' });
    await bob.next('welcome');
    for (let seq = 1; seq <= EDITS; seq++) bob.send({ type: 'push', doc: 'x/doc', seq, update: mapUpdate(`bob-${seq}`, seq) });
    await bob.next('ack', (a) => a.seq === EDITS);

    const alice = createCairnClient(options());
    clients.push(alice);
    const errors: unknown[] = [];
    alice.on('error', (e) => errors.push(e));
    await alice.open('y/plan');
    await until(() => alice.status.state === 'synced' && alice.status.pending === 0, 'Alice synced with an empty outbox', 10_000);

    const stored = await store.loadUpdates('t', 'y/plan', 0);
    expect(mapOf(...stored.map((r) => r.update))).toEqual(Object.fromEntries(Array.from({ length: EDITS }, (_, i) => [`edit-${i}`, i])));
    expect(alice.clientId).not.toBe(taken);
    expect(connects).toBe(2); // refused once, then welcomed: no spinning
    expect(await alice.deadLetters.list()).toEqual([]);
    expect(errors).toEqual([]);
    expect(await store.headVersion('t', 'x/doc')).toBe(EDITS); // Bob's own writes are his

    // The fresh id is the replica's from now on: a reload says hello with it and is welcomed at once.
    const renewed = alice.clientId;
    await alice.destroy();
    clients.splice(0);
    const reloaded = createCairnClient(options());
    clients.push(reloaded);
    await reloaded.open('y/plan');
    await until(() => reloaded.status.state === 'synced', 'the reloaded client synced', 10_000);
    expect(reloaded.clientId).toBe(renewed);
    expect(connects).toBe(3);
  });
});
