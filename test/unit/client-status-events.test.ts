import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient, NetworkEvents, Status } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, settle, until } from './support/client-harness.js';

const DOC = 'space-a/notes';
const clients: CairnClient[] = [];
const track = (c: CairnClient) => (clients.push(c), c);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

/** A stand-in for `window` that tests fire online/offline events on. */
function fakeWindow() {
  const target = new EventTarget();
  return {
    events: target as unknown as NetworkEvents,
    fire: (type: 'online' | 'offline') => target.dispatchEvent(new Event(type)),
  };
}

describe('going online and offline is observable, with the pending count', () => {
  it('O4: status events walk offline → connecting → syncing → synced and count pending edits on the way', async () => {
    const server = createFakeServer({ push: () => 'hold' });
    const client = track(clientOn(server));
    const seen: Status[] = [];
    client.on('status', (s) => seen.push(s));
    client.goOffline();
    const doc = await client.open(DOC);
    doc.getMap('m').set('a', 1);
    await client.flush();
    doc.getMap('m').set('b', 2);
    await client.flush();
    await until(() => client.status.pending === 2, 'two edits pending');
    expect(client.status).toEqual({ state: 'offline', pending: 2, undeliverable: 0, persisting: true });
    expect(seen.map((s) => `${s.state}:${s.pending}`)).toEqual(['offline:1', 'offline:2']);

    seen.length = 0;
    client.goOnline();
    await until(() => server.received('push').length === 2, 'both pushed');
    expect(client.status).toEqual({ state: 'syncing', pending: 2, undeliverable: 0, persisting: true });
    server.sessions[0]!.ack(1);
    await until(() => client.status.pending === 1, 'one acked');
    server.sessions[0]!.ack(2);
    await client.whenSynced();
    expect(seen.map((s) => `${s.state}:${s.pending}`)).toEqual(['connecting:2', 'syncing:2', 'syncing:1', 'synced:0']);

    seen.length = 0;
    client.goOffline();
    expect(client.status.state).toBe('offline');
    await until(() => server.sessions[0]!.closed !== null, 'the socket is closed');
    expect(seen.map((s) => s.state)).toEqual(['offline']);
  });

  it('O4: a local edit flips synced to syncing at once, before its write commits', async () => {
    const server = createFakeServer();
    const client = track(clientOn(server));
    const doc = await client.open(DOC);
    await client.whenSynced();
    doc.getMap('m').set('k', 1);
    expect(client.status).toMatchObject({ state: 'syncing', pending: 1 });
    await client.whenSynced();
    expect(server.doc(DOC).getMap('m').toJSON()).toEqual({ k: 1 });
  });

  it("O4: the browser's offline event drops the socket at once; its online event reconnects at once", async () => {
    const server = createFakeServer();
    const win = fakeWindow();
    const client = track(clientOn(server, { networkEvents: win.events, backoff: { baseMs: 60_000, capMs: 60_000 } }));
    await client.open(DOC);
    await client.whenSynced();

    win.fire('offline');
    expect(client.status.state).toBe('offline');
    await until(() => server.sessions[0]!.closed !== null, 'the socket is closed');
    const doc = await client.open(DOC);
    doc.getMap('m').set('offline-edit', 1);
    await client.flush();
    expect(client.status).toMatchObject({ state: 'offline', pending: 1 });
    expect(server.sessions).toHaveLength(1); // no reconnect while the browser says offline

    win.fire('online'); // with a 60 s backoff, only an immediate reconnect can pass the wait below
    await client.whenSynced();
    expect(server.sessions).toHaveLength(2);
    expect(server.doc(DOC).getMap('m').toJSON()).toEqual({ 'offline-edit': 1 });
  });

  it('O4: goOffline() holds the client offline across network events until goOnline()', async () => {
    const server = createFakeServer();
    const win = fakeWindow();
    const client = track(clientOn(server, { networkEvents: win.events }));
    client.goOffline();
    await client.open(DOC);
    win.fire('offline');
    win.fire('online');
    await settle(20);
    expect(server.connections).toBe(0);
    expect(client.status.state).toBe('offline');
    client.goOnline();
    await client.whenSynced();
    expect(server.connections).toBe(1);
  });
});
