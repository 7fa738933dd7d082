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

describe('subscribing sends the state vector and receives only what the replica lacks', () => {
  it('O3: sub carries the doc state vector and the sync fills in what is missing', async () => {
    const server = createFakeServer();
    server.commitFromElsewhere(DOC, foreignUpdate('remote', 1));
    const db = freshIndexedDB();

    // First session: an offline edit, then a sync with the server's state.
    const first = track(clientOn(server, db));
    const doc = await first.open(DOC);
    doc.getMap('m').set('local', 1);
    await first.whenSynced();
    expect(mapOf(doc)).toEqual({ remote: 1, local: 1 });
    const replicaSv = Y.encodeStateVector(doc);
    await first.destroy();

    // Second session on the same replica: the sub says what the replica has.
    server.commitFromElsewhere(DOC, foreignUpdate('later', 2));
    const second = track(clientOn(server, db));
    const again = await second.open(DOC);
    await second.whenSynced();
    const subs = server.sessions[1]!.frames.filter((f) => f.type === 'sub');
    expect(subs).toEqual([{ type: 'sub', doc: DOC, stateVector: replicaSv }]);
    // What the server owes for that state vector is the 'later' commit alone.
    const owed = new Y.Doc();
    Y.applyUpdate(owed, Y.encodeStateAsUpdate(server.doc(DOC), replicaSv));
    expect(mapOf(owed)).toEqual({ later: 2 });
    expect(mapOf(again)).toEqual({ remote: 1, local: 1, later: 2 });
  });

  it('O3: a reopened client hydrates the doc from the replica, with no server at all', async () => {
    const server = createFakeServer();
    const db = freshIndexedDB();
    const first = track(clientOn(server, db));
    first.goOffline();
    const doc = await first.open(DOC);
    doc.getMap('m').set('a', 1);
    await first.flush();
    doc.getMap('m').set('b', 2);
    await first.destroy();

    const down = createFakeServer({ down: true });
    const second = track(clientOn(down, db));
    second.goOffline();
    const hydrated = await second.open(DOC);
    expect(mapOf(hydrated)).toEqual({ a: 1, b: 2 });
    await until(() => second.status.pending === 2, 'both outbox rows are counted');
  });
});
