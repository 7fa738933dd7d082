/**
 * C5 on one node: a clientId belongs to the first principal whose hello claims it. Bob may write space x and
 * read space y; Alice writes space y. If Bob could say hello with Alice's clientId he could pre-claim her
 * seqs in x, and her pushes to y would be acked as duplicates and never stored.
 */
import { describe, expect, it } from 'vitest';
import { CairnError, PROTOCOL_VERSION, closeCodeFor, type ClientSocket } from '@cairn/shared';
import { createMemoryStore, type Principal, type Store } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const ALICE: Principal = { tenant: 't', subject: 'alice', spaces: { y: 'rw' } };
const BOB: Principal = { tenant: 't', subject: 'bob', spaces: { x: 'rw', y: 'r' } };
const OTHER_TENANT_ALICE: Principal = { tenant: 'u', subject: 'alice', spaces: { y: 'rw' } };
const PRINCIPALS: Record<string, Principal> = { alice: ALICE, bob: BOB, 'u-alice': OTHER_TENANT_ALICE };
const ALICE_ID = 'alice-replica-0001';
const SEQS = Array.from({ length: 20 }, (_, i) => i + 1);

async function verify(token: string): Promise<Principal> {
  const p = PRINCIPALS[token];
  if (!p) throw new CairnError('UNAUTHENTICATED');
  return p;
}

function node(store: Store) {
  return memoryNode({ store, verify });
}

/** Says hello and waits for the answer: the welcome, or the refusal and the close that follows it. */
async function hello(connect: (url: string) => ClientSocket, token: string, clientId: string): Promise<RawClient> {
  const c = await connectRaw(connect);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token });
  await until(() => c.frames.some((f) => f.type === 'welcome') || c.isClosed(), `an answer to ${token}'s hello`);
  return c;
}

/** Pushes seqs 1..20 to `doc` and waits for the ack of the last one. */
async function pushAll(c: RawClient, doc: string, who: string): Promise<void> {
  for (const seq of SEQS) c.send({ type: 'push', doc, seq, update: mapUpdate(`${who}-${seq}`, seq) });
  await c.next('ack', (a) => a.seq === SEQS.length);
}

async function expectRefused(c: RawClient): Promise<void> {
  expect(c.frames.some((f) => f.type === 'welcome'), 'welcomed').toBe(false);
  expect(c.frames.find((f) => f.type === 'reject')).toMatchObject({ code: 'CLIENT_ID_TAKEN' });
  expect((await c.closed).code).toBe(closeCodeFor('CLIENT_ID_TAKEN'));
}

describe('a clientId belongs to the principal whose hello claimed it first', () => {
  it('C5: Alice first: Bob\'s hello with her clientId is refused, and all 20 of her pushes are stored', async () => {
    const store = createMemoryStore();
    const { net } = node(store);
    const alice = await hello(net.connect, 'alice', ALICE_ID);
    const bob = await hello(net.connect, 'bob', ALICE_ID);
    // Before the fix Bob was welcomed here and pre-claimed seqs 1..20 in his own space.
    if (!bob.isClosed()) await pushAll(bob, 'x/doc', 'bob').catch(() => undefined);

    await pushAll(alice, 'y/doc', 'alice');

    const stored = await store.loadUpdates('t', 'y/doc', 0);
    expect(stored).toHaveLength(20);
    expect(mapOf(...stored.map((r) => r.update))).toEqual(Object.fromEntries(SEQS.map((s) => [`alice-${s}`, s])));
    expect(await store.headVersion('t', 'x/doc')).toBe(0);
    await expectRefused(bob);
  });

  it('C5: Bob first: Alice is refused, says hello again under a fresh clientId, and all 20 of her pushes are stored', async () => {
    const store = createMemoryStore();
    const { net } = node(store);
    const bob = await hello(net.connect, 'bob', ALICE_ID);
    await pushAll(bob, 'x/doc', 'bob'); // Bob's own writes to his own space: stored, under the id he holds

    const refused = await hello(net.connect, 'alice', ALICE_ID);
    await expectRefused(refused);

    const alice = await hello(net.connect, 'alice', 'alice-replica-0002');
    await pushAll(alice, 'y/doc', 'alice');
    const stored = await store.loadUpdates('t', 'y/doc', 0);
    expect(mapOf(...stored.map((r) => r.update))).toEqual(Object.fromEntries(SEQS.map((s) => [`alice-${s}`, s])));
    expect(await store.headVersion('t', 'x/doc')).toBe(20);
  });

  it('C5: the claim holds on another node of the same Store, and its owner reconnects there and resends: acked, stored once', async () => {
    const store = createMemoryStore();
    const one = node(store);
    const two = node(store);
    const alice = await hello(one.net.connect, 'alice', ALICE_ID);
    alice.send({ type: 'push', doc: 'y/doc', seq: 1, update: mapUpdate('a', 1) });
    await alice.next('ack');
    alice.close();

    await expectRefused(await hello(two.net.connect, 'bob', ALICE_ID));
    const again = await hello(two.net.connect, 'alice', ALICE_ID);
    again.send({ type: 'push', doc: 'y/doc', seq: 1, update: mapUpdate('a', 1) });
    expect((await again.next('ack')).seq).toBe(1);
    expect(await store.headVersion('t', 'y/doc')).toBe(1);
  });

  it('C5: a hello cannot claim an id of the form the /y endpoint gives its sockets (yws-…)', async () => {
    const { net } = node(createMemoryStore());
    await expectRefused(await hello(net.connect, 'alice', 'yws-0123456789abcdef0123456789abcdef'));
  });

  it('S5: the same clientId in another tenant is a binding of its own', async () => {
    const { net } = node(createMemoryStore());
    await hello(net.connect, 'alice', ALICE_ID);
    const other = await hello(net.connect, 'u-alice', ALICE_ID);
    expect(other.frames.some((f) => f.type === 'welcome')).toBe(true);
  });
});
