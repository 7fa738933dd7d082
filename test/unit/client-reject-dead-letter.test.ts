import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient, Rejection } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, freshIndexedDB, until } from './support/client-harness.js';

const DOC = 'space-a/notes';
const clients: CairnClient[] = [];
const track = (c: CairnClient) => (clients.push(c), c);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

describe('a push rejected for good moves to the dead letters, with its code', () => {
  it('O7: READ_ONLY moves the row to the dead letters, tells the app, and the later seq is still acked', async () => {
    const READ_ONLY_DOC = 'space-b/notes';
    const server = createFakeServer({ push: (p) => (p.doc === READ_ONLY_DOC ? { reject: 'READ_ONLY' } : 'ack') });
    const db = freshIndexedDB();
    const client = track(clientOn(server, db));
    const rejected: Rejection[] = [];
    client.on('rejected', (r) => rejected.push(r));
    const readOnly = await client.open(READ_ONLY_DOC);
    const writable = await client.open(DOC);
    readOnly.getMap('m').set('refused', 1);
    await client.flush();
    writable.getMap('m').set('accepted', 2);
    // Synced but for the dead letter: whenSynced() says so instead of resolving.
    await expect(client.whenSynced()).rejects.toMatchObject({ code: 'UNDELIVERABLE', deadLetters: [{ seq: 1, doc: READ_ONLY_DOC, code: 'READ_ONLY' }] });

    expect(rejected).toEqual([{ seq: 1, doc: READ_ONLY_DOC, code: 'READ_ONLY', message: expect.any(String) }]);
    const letters = await client.deadLetters.list();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ seq: 1, doc: READ_ONLY_DOC, code: 'READ_ONLY' });
    expect(letters[0]!.update.byteLength).toBeGreaterThan(0);
    expect(client.status.pending).toBe(0);
    expect(server.received('push').map((p) => p.seq)).toEqual([1, 2]);
    expect(server.doc(DOC).getMap('m').toJSON()).toEqual({ accepted: 2 });
    expect(server.doc(READ_ONLY_DOC).getMap('m').toJSON()).toEqual({});

    // The dead letter is in the replica: it survives a reopen.
    await client.destroy();
    const reopened = track(clientOn(server, db));
    reopened.goOffline();
    expect((await reopened.deadLetters.list()).map((d) => [d.seq, d.code])).toEqual([[1, 'READ_ONLY']]);
  });

  it('O7: retry re-enqueues a dead letter under a new seq, and it is pushed and acked', async () => {
    const server = createFakeServer({ push: () => ({ reject: 'FORBIDDEN' }) });
    const client = track(clientOn(server));
    const doc = await client.open(DOC);
    doc.getMap('m').set('k', 1);
    await until(async () => (await client.deadLetters.list()).length === 1, 'the push is dead-lettered');
    await until(() => client.status.pending === 0, 'the outbox is empty');

    server.options.push = () => 'ack'; // e.g. the user was granted write access
    const next = await client.deadLetters.retry(1);
    expect(next).toBe(2);
    await client.whenSynced();
    expect(server.received('push').map((p) => p.seq)).toEqual([1, 2]);
    expect(server.doc(DOC).getMap('m').toJSON()).toEqual({ k: 1 });
    expect(await client.deadLetters.list()).toEqual([]);
    expect(await client.deadLetters.retry(1)).toBeNull();
  });

  it('O7: discard deletes the dead letter and nothing is pushed again', async () => {
    const server = createFakeServer({ push: () => ({ reject: 'INVALID_UPDATE' }) });
    const client = track(clientOn(server));
    const doc = await client.open(DOC);
    doc.getMap('m').set('k', 1);
    await until(async () => (await client.deadLetters.list()).length === 1, 'the push is dead-lettered');
    expect(await client.deadLetters.discard(1)).toBe(true);
    expect(await client.deadLetters.discard(1)).toBe(false);
    expect(await client.deadLetters.list()).toEqual([]);
    await client.whenSynced();
    expect(server.received('push')).toHaveLength(1);
  });

  it('O7/A3: an update larger than the server accepts (no fragments stated) is dead-lettered locally as UPDATE_TOO_LARGE, never sent', async () => {
    const server = createFakeServer({ maxPayload: 512, maxUpdateBytes: 0 });
    const client = track(clientOn(server));
    const rejected: Rejection[] = [];
    client.on('rejected', (r) => rejected.push(r));
    const doc = await client.open(DOC);
    doc.getMap('m').set('big', 'x'.repeat(2000));
    await client.flush();
    doc.getMap('m').set('small', 1);
    await expect(client.whenSynced()).rejects.toMatchObject({ code: 'UNDELIVERABLE' });
    expect(rejected).toMatchObject([{ seq: 1, code: 'UPDATE_TOO_LARGE' }]);
    expect(server.received('push').map((p) => p.seq)).toEqual([2]);
    expect(server.received('push-part')).toEqual([]);
    expect((await client.deadLetters.list()).map((d) => d.code)).toEqual(['UPDATE_TOO_LARGE']);
  });
});
