import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, freshIndexedDB, mapOf, until } from './support/client-harness.js';

const clients: CairnClient[] = [];
const track = (c: CairnClient) => (clients.push(c), c);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

describe('the outbox survives a reload and is resent in seq order', () => {
  it('O2: edits made offline are pushed after a reopen on the same db, in seq order, then acked away', async () => {
    const server = createFakeServer();
    const db = freshIndexedDB();
    const first = track(clientOn(server, db));
    first.goOffline();
    const notes = await first.open('space-a/notes');
    const pins = await first.open('space-a/pins');
    notes.getMap('m').set('n1', 1);
    await first.flush();
    pins.getMap('m').set('p1', 1);
    await first.flush();
    notes.getMap('m').set('n2', 2);
    await first.flush();
    const clientId = first.clientId;
    await first.destroy(); // the tab is closed before anything reached the server
    expect(server.connections).toBe(0);

    const second = track(clientOn(server, db));
    // No doc is opened: the outbox goes out on its own, read back from the replica.
    await until(() => server.stored.size === 3, 'the three pushes are stored');
    const pushes = server.received('push');
    expect(pushes.map((p) => [p.seq, p.doc])).toEqual([[1, 'space-a/notes'], [2, 'space-a/pins'], [3, 'space-a/notes']]);
    expect(server.sessions[0]!.clientId).toBe(clientId);
    await until(() => second.status.pending === 0, 'the acks emptied the outbox');
    expect(mapOf(server.doc('space-a/notes'))).toEqual({ n1: 1, n2: 2 });
    expect(mapOf(server.doc('space-a/pins'))).toEqual({ p1: 1 });
  });

  it('O2: un-acked pushes are resent after a reconnect; acked ones are not', async () => {
    const server = createFakeServer({ push: (p) => (p.seq <= 2 ? 'ack' : 'hold') });
    const client = track(clientOn(server, { backoff: { baseMs: 1, capMs: 1 } }));
    const doc = await client.open('space-a/notes');
    for (let i = 1; i <= 4; i++) {
      doc.getMap('m').set(`k${i}`, i);
      await client.flush();
    }
    await until(() => server.received('push').length === 4, 'four pushes went out');
    await until(() => client.status.pending === 2, 'seqs 1 and 2 were acked away');

    server.options.push = () => 'ack';
    server.cutAll();
    await until(() => server.sessions.length === 2 && client.status.state === 'synced', 'reconnected and synced');
    expect(server.sessions[1]!.frames.filter((f) => f.type === 'push').map((f) => (f as { seq: number }).seq)).toEqual([3, 4]);
    expect(client.status.pending).toBe(0);
  });

  it('O2: an ack deletes exactly the rows with seq ≤ its seq', async () => {
    const server = createFakeServer({ push: () => 'hold' });
    const client = track(clientOn(server, { backoff: { baseMs: 1, capMs: 1 } }));
    const doc = await client.open('space-a/notes');
    for (let i = 1; i <= 5; i++) {
      doc.getMap('m').set(`k${i}`, i);
      await client.flush();
    }
    await until(() => server.received('push').length === 5, 'five pushes went out');
    const session = server.sessions[0]!;
    session.ack(3);
    await until(() => client.status.pending === 2, 'three rows deleted');
    session.ack(3); // a repeated ack changes nothing

    // What is left is exactly 4 and 5: that is what a new session gets.
    server.cutAll();
    await until(() => server.sessions[1]?.frames.filter((f) => f.type === 'push').length === 2, 'the rest was resent');
    expect(server.sessions[1]!.frames.filter((f) => f.type === 'push').map((f) => (f as { seq: number }).seq)).toEqual([4, 5]);
    server.sessions[1]!.ack(5);
    await until(() => client.status.state === 'synced', 'the outbox is empty');
    expect(client.status.pending).toBe(0);
  });
});
