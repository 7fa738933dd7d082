import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDBObjectStore, forceCloseDatabase } from 'fake-indexeddb';
import type { CairnClient, StorageErrorEvent } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, freshIndexedDB, mapOf, until } from './support/client-harness.js';

const DOC = 'space-a/notes';
const clients: CairnClient[] = [];
const track = (c: CairnClient) => (clients.push(c), c);
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

function storageErrors(client: CairnClient): StorageErrorEvent[] {
  const seen: StorageErrorEvent[] = [];
  client.on('storage-error', (e) => seen.push(e));
  return seen;
}

/** Every add/put to IndexedDB fails with QuotaExceededError from now on. */
function diskFull() {
  const fail = () => {
    throw new DOMException('the quota has been exceeded', 'QuotaExceededError');
  };
  vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(fail);
  vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(fail);
}

/** Records the IDBDatabase connections a fake IndexedDB factory hands out. */
function capturingFactory(db = freshIndexedDB()) {
  const connections: IDBDatabase[] = [];
  const open = db.indexedDB.open.bind(db.indexedDB);
  db.indexedDB.open = (name: string, version?: number) => {
    const req = open(name, version);
    req.addEventListener('success', () => connections.push(req.result));
    return req;
  };
  return { db, connections };
}

describe('storage failures surface as typed events and syncing goes on in memory', () => {
  it('O6: no IndexedDB at all: storage-error "unavailable", persisting false, and edits still sync', async () => {
    const server = createFakeServer();
    const client = track(clientOn(server, { indexedDB: undefined, IDBKeyRange: undefined }));
    const errors = storageErrors(client);
    const doc = await client.open(DOC);
    doc.getMap('m').set('k', 1);
    await client.whenSynced();
    expect(errors.map((e) => e.kind)).toEqual(['unavailable']);
    expect(client.persisting).toBe(false);
    expect(client.status.persisting).toBe(false);
    expect(mapOf(server.doc(DOC))).toEqual({ k: 1 });
  });

  it('O6: QuotaExceededError on a write: storage-error "quota", the pending outbox is carried into memory and still pushed', async () => {
    const server = createFakeServer();
    const client = track(clientOn(server));
    const errors = storageErrors(client);
    client.goOffline();
    const doc = await client.open(DOC);
    doc.getMap('m').set('before', 1); // persisted, waiting in the IndexedDB outbox
    await client.flush();
    const persistedClientId = client.clientId;

    diskFull();
    doc.getMap('m').set('after', 2); // this write fails and lands in memory instead
    await client.flush();
    expect(errors.map((e) => e.kind)).toEqual(['quota']);
    expect((errors[0]!.error as Error).name).toBe('QuotaExceededError');
    expect(client.persisting).toBe(false);
    // The memory replica is a replica of its own (see replica.ts): a new clientId.
    expect(client.clientId).not.toBe(persistedClientId);
    await until(() => client.status.pending === 2, 'both edits pending in memory');

    client.goOnline();
    await client.whenSynced();
    expect(mapOf(server.doc(DOC))).toEqual({ before: 1, after: 2 });
    expect(server.sessions[0]!.clientId).toBe(client.clientId);
    // Edits keep syncing after the switch.
    doc.getMap('m').set('later', 3);
    await client.whenSynced();
    expect(mapOf(server.doc(DOC))).toEqual({ before: 1, after: 2, later: 3 });
  });

  it('O6: the browser closing the database (eviction): storage-error "evicted", un-acked edits are still pushed', async () => {
    const server = createFakeServer({ push: () => 'hold' });
    const { db, connections } = capturingFactory();
    const client = track(clientOn(server, db));
    const errors = storageErrors(client);
    const doc = await client.open(DOC);
    doc.getMap('m').set('k', 1);
    await until(() => server.received('push').length === 1, 'pushed, not acked');
    const firstSession = server.sessions[0]!;

    server.options.push = () => 'ack'; // from now on; the first push stays un-acked
    for (const c of connections) forceCloseDatabase(c as never);
    await until(() => errors.length === 1, 'storage-error');
    expect(errors[0]!.kind).toBe('evicted');
    expect(client.persisting).toBe(false);

    // The client reconnects under its new clientId and resends the carried-over row.
    await client.whenSynced();
    expect(firstSession.closed).not.toBeNull();
    const resent = server.sessions.at(-1)!;
    expect(resent.clientId).toBe(client.clientId);
    expect(resent.frames.filter((f) => f.type === 'push')).toHaveLength(1);
    expect(mapOf(server.doc(DOC))).toEqual({ k: 1 });
    // The doc survives a close and reopen within the session, from the memory replica.
    await client.close(DOC);
    expect(mapOf(await client.open(DOC))).toEqual({ k: 1 });
  });

  it('O6: an upgrade blocked by another connection: storage-error "blocked", then sync in memory', async () => {
    const db = freshIndexedDB();
    // An old tab holds version 1 of the database and ignores versionchange.
    await new Promise<void>((resolve, reject) => {
      const req = db.indexedDB.open(db.dbName, 1);
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error);
    });
    const server = createFakeServer();
    const client = track(clientOn(server, db));
    const errors = storageErrors(client);
    const doc = await client.open(DOC);
    doc.getMap('m').set('k', 1);
    await client.whenSynced();
    expect(errors.map((e) => e.kind)).toEqual(['blocked']);
    expect(client.persisting).toBe(false);
    expect(mapOf(server.doc(DOC))).toEqual({ k: 1 });
  });

  it('O6: a memory-only client by choice persists nothing and reports no storage error', async () => {
    const server = createFakeServer();
    const client = track(clientOn(server, { persistence: 'memory' }));
    const errors = storageErrors(client);
    const doc = await client.open(DOC);
    doc.getMap('m').set('k', 1);
    await client.whenSynced();
    expect(errors).toEqual([]);
    expect(client.persisting).toBe(false);
  });
});
