import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, createChannelHub, freshIndexedDB, mapOf, until } from './support/client-harness.js';

const DOC = 'space-a/notes';
const clients: CairnClient[] = [];
const track = (c: CairnClient) => (clients.push(c), c);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

/** Two tabs of one origin: one IndexedDB, one BroadcastChannel namespace. */
function twoTabs(server = createFakeServer()) {
  const db = freshIndexedDB();
  const hub = createChannelHub();
  const a = track(clientOn(server, { ...db, broadcastChannel: hub }));
  const b = track(clientOn(server, { ...db, broadcastChannel: hub }));
  return { server, a, b };
}

describe('tabs share one replica and see each other\'s edits without the server', () => {
  it('O5: an edit in one tab reaches the other with the socket closed, and is queued once in the shared outbox', async () => {
    const { server, a, b } = twoTabs();
    a.goOffline();
    b.goOffline();
    const docA = await a.open(DOC);
    const docB = await b.open(DOC);
    const originsB: unknown[] = [];
    docB.on('update', (_u: Uint8Array, origin: unknown) => originsB.push(origin));

    docA.getMap('m').set('from-a', 1);
    await until(() => mapOf(docB)['from-a'] === 1, 'tab B sees tab A\'s edit');
    docB.getMap('m').set('from-b', 2);
    await until(() => mapOf(docA)['from-b'] === 2, 'tab A sees tab B\'s edit');
    expect(mapOf(docA)).toEqual(mapOf(docB));
    expect(originsB[0]).toBe('cairn:tab');
    expect(server.connections).toBe(0);

    // One row per edit in the shared outbox (the receiving tab wrote none), and both tabs count both.
    await until(() => a.status.pending === 2 && b.status.pending === 2, 'both tabs count the two shared rows');
    expect(a.clientId).toBe(b.clientId);
  });

  it('O5: both tabs push the shared outbox; the server stores each seq once and both tabs drain', async () => {
    const { server, a, b } = twoTabs();
    a.goOffline();
    b.goOffline();
    const docA = await a.open(DOC);
    const docB = await b.open(DOC);
    docA.getMap('m').set('a', 1);
    await a.flush();
    docB.getMap('m').set('b', 2);
    await b.flush();

    a.goOnline();
    b.goOnline();
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    expect([...server.stored.keys()].sort()).toEqual([`${a.clientId}:1`, `${a.clientId}:2`]);
    expect(mapOf(server.doc(DOC))).toEqual({ a: 1, b: 2 });
    expect(a.status.pending).toBe(0);
    expect(b.status.pending).toBe(0);
  });

  it('O5: an edit made in a tab while the other has the doc closed is there when the other opens it', async () => {
    const { a, b } = twoTabs();
    a.goOffline();
    b.goOffline();
    const docA = await a.open(DOC);
    docA.getMap('m').set('k', 1);
    await a.flush();
    const docB = await b.open(DOC);
    expect(mapOf(docB)).toEqual({ k: 1 });
  });
});
