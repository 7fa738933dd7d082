import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, foreignUpdate, freshIndexedDB, mapOf, until } from './support/client-harness.js';

const DOC = 'space-a/notes';
const clients: CairnClient[] = [];
const track = (c: CairnClient) => (clients.push(c), c);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

describe('updates from the server are applied and persisted, never pushed back', () => {
  it('⑨: sync and live updates reach the doc with origin REMOTE, stay out of the outbox, and are in the replica after a reopen', async () => {
    const server = createFakeServer();
    server.commitFromElsewhere(DOC, foreignUpdate('before', 1));
    const db = freshIndexedDB();
    const client = track(clientOn(server, db));
    const doc = await client.open(DOC);
    const origins: unknown[] = [];
    doc.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin));
    await client.whenSynced();

    server.commitFromElsewhere(DOC, foreignUpdate('live', 2));
    await until(() => mapOf(doc)['live'] === 2, 'the live update arrived');
    expect(mapOf(doc)).toEqual({ before: 1, live: 2 });
    expect(origins).toEqual(['cairn:remote', 'cairn:remote']); // the sync, then the live update

    await client.flush();
    await client.whenSynced();
    expect(client.status.pending).toBe(0);
    expect(server.received('push')).toEqual([]);
    await client.destroy();

    const reopened = track(clientOn(server, db));
    reopened.goOffline();
    const hydrated = await reopened.open(DOC);
    expect(mapOf(hydrated)).toEqual({ before: 1, live: 2 });
    await reopened.flush();
    expect(reopened.status.pending).toBe(0);
  });

  it('⑨: a local edit after remote ones pushes only the local change', async () => {
    const server = createFakeServer();
    server.commitFromElsewhere(DOC, foreignUpdate('remote', 1));
    const client = track(clientOn(server));
    const doc = await client.open(DOC);
    await client.whenSynced();
    doc.getMap('m').set('mine', 2);
    await client.whenSynced();
    const pushes = server.received('push');
    expect(pushes).toHaveLength(1);
    const only = new Y.Doc();
    Y.applyUpdate(only, pushes[0]!.update);
    expect(only.getMap('m').toJSON()).toEqual({ mine: 2 });
  });
});
