/**
 * O6, quota: a write that fails with QuotaExceededError moves the replica to memory (storage-error
 * 'quota', persisting false) and syncing goes on; an eviction pass makes room at once, and persisting is
 * retried every `replica.retryPersistMs` until IndexedDB takes the memory replica back. Nothing edited
 * meanwhile is lost: it is acked by the server, or persisted once there is room. The real browser quota is
 * tested in e2e/storage-quota.spec.ts; here fake-indexeddb's add/put throw while the "disk is full".
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDBObjectStore } from 'fake-indexeddb';
import { cellDocId } from '@cairn/shared';
import type { CairnClient, CellsEvicted, StorageErrorEvent } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, createManualTimers, freshIndexedDB, mapOf, until } from './support/client-harness.js';

const DOC = 'site/notes';
const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const EVICT_AFTER_MS = 3_600_000;
const RETRY_MS = 5_000;
const clients: CairnClient[] = [];
const track = (c: CairnClient) => (clients.push(c), c);
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

/** Every add/put to IndexedDB fails with QuotaExceededError until the returned function is called. */
function diskFull(): () => void {
  const fail = () => {
    throw new DOMException('the quota has been exceeded', 'QuotaExceededError');
  };
  const spies = [vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(fail), vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(fail)];
  return () => spies.forEach((s) => s.mockRestore());
}

async function setup(online: boolean) {
  const db = freshIndexedDB();
  const server = createFakeServer();
  let clock = 1_000_000;
  const timers = createManualTimers();
  const client = track(clientOn(server, { ...db, now: () => clock, replica: { evictAfterMs: EVICT_AFTER_MS, retryPersistMs: RETRY_MS, timers } }));
  const errors: StorageErrorEvent[] = [];
  const evicted: CellsEvicted[] = [];
  const persisting: boolean[] = [];
  client.on('storage-error', (e) => errors.push(e));
  client.on('cells-evicted', (e) => evicted.push(e));
  client.on('status', (s) => {
    if (persisting.at(-1) !== s.persisting) persisting.push(s.persisting);
  });
  // A cell visited long ago: what the eviction pass can free.
  const space = client.space('site', { origin: ORIGIN, precision: 7 });
  const old = await space.anchors.create({ pose: { p: [2000, 0, 0], q: [0, 0, 0, 1] } });
  await client.whenSynced();
  clock += 2 * 3_600_000;
  if (!online) client.goOffline();
  const doc = await client.open(DOC);
  doc.getMap('m').set('before', 1);
  await client.flush();
  return { db, server, client, timers, errors, evicted, persisting, doc, oldCell: cellDocId('site', old.cell) };
}

describe('O6: a full disk: sync goes on in memory, eviction makes room, persisting resumes', () => {
  it('O6: offline: storage-error quota, cells evicted at once, and once there is room every edit is persisted', async () => {
    const s = await setup(false);
    const freed = diskFull();
    s.doc.getMap('m').set('after', 2); // this write fails: the replica moves to memory
    await s.client.flush();
    expect(s.errors.map((e) => e.kind)).toEqual(['quota']);
    expect(s.client.persisting).toBe(false);

    s.timers.advance(0); // the first retry runs at once: it evicts, but the disk is still full
    await until(() => s.evicted.length === 1, 'the eviction pass');
    expect(s.evicted[0]!.docs).toEqual([s.oldCell]);
    expect(s.evicted[0]!.bytes).toBeGreaterThan(0);
    await until(() => s.timers.pending().includes(RETRY_MS), 'the next retry is scheduled');
    expect(s.client.persisting).toBe(false);

    s.doc.getMap('m').set('during', 3); // in memory only
    await s.client.flush();
    freed();
    s.timers.advance(RETRY_MS);
    await until(() => s.client.persisting, 'persisting again');
    expect(s.persisting).toEqual([true, false, true]);
    s.doc.getMap('m').set('resumed', 4); // straight to IndexedDB again
    await s.client.flush();
    expect(s.errors).toHaveLength(1);

    // Everything is in IndexedDB: a fresh client on it, still offline, has every edit and every row pending.
    await s.client.destroy();
    const reopened = track(clientOn(s.server, { ...s.db, replica: { evictAfterMs: EVICT_AFTER_MS, timers: createManualTimers() } }));
    reopened.goOffline();
    expect(mapOf(await reopened.open(DOC))).toEqual({ before: 1, after: 2, during: 3, resumed: 4 });
    await until(() => reopened.status.pending > 0, 'the outbox is read');
    reopened.goOnline();
    await reopened.whenSynced();
    expect(mapOf(s.server.doc(DOC))).toEqual({ before: 1, after: 2, during: 3, resumed: 4 });
  });

  it('O6, O7: the handover replaces the rows it carried: each pending edit once, the dead letter kept', async () => {
    const db = freshIndexedDB();
    const server = createFakeServer({ push: (p) => (p.doc === 'site/refused' ? { reject: 'READ_ONLY' } : 'ack') });
    const timers = createManualTimers();
    const client = track(clientOn(server, { ...db, replica: { evictAfterMs: EVICT_AFTER_MS, retryPersistMs: RETRY_MS, timers } }));
    (await client.open('site/refused')).getMap('m').set('no', 0);
    await until(async () => (await client.deadLetters.list()).length === 1, 'the push is dead-lettered');
    client.goOffline();
    const doc = await client.open(DOC);
    doc.getMap('m').set('before', 1); // an outbox row in IndexedDB, carried into memory
    await client.flush();

    const freed = diskFull();
    doc.getMap('m').set('after', 2);
    await client.flush();
    expect(client.persisting).toBe(false);
    freed();
    timers.advance(0);
    await until(() => client.persisting, 'persisting again');

    await client.destroy();
    const reopened = track(clientOn(server, { ...db, replica: { evictAfterMs: EVICT_AFTER_MS, timers: createManualTimers() } }));
    reopened.goOffline();
    expect(mapOf(await reopened.open(DOC))).toEqual({ before: 1, after: 2 });
    // Two rows: 'before' (renumbered, its carried original deleted) and 'after'; not three.
    await until(() => reopened.status.pending === 2, 'two pending rows');
    expect((await reopened.deadLetters.list()).map((d) => [d.doc, d.code])).toEqual([['site/refused', 'READ_ONLY']]);
  });

  it('O6: online: edits made while not persisting are acked by the server, and the handover keeps the replica whole', async () => {
    const s = await setup(true);
    await s.client.whenSynced();
    const freed = diskFull();
    s.doc.getMap('m').set('after', 2);
    await s.client.whenSynced(); // acked from the memory replica
    expect(s.errors.map((e) => e.kind)).toEqual(['quota']);
    expect(mapOf(s.server.doc(DOC))).toEqual({ before: 1, after: 2 });

    s.timers.advance(0);
    await until(() => s.timers.pending().includes(RETRY_MS), 'the first retry failed');
    freed();
    s.timers.advance(RETRY_MS);
    await until(() => s.client.persisting, 'persisting again');
    await s.client.whenSynced();
    expect(s.client.status.pending).toBe(0);

    await s.client.destroy();
    const reopened = track(clientOn(s.server, { ...s.db, replica: { evictAfterMs: EVICT_AFTER_MS, timers: createManualTimers() } }));
    reopened.goOffline();
    expect(mapOf(await reopened.open(DOC))).toEqual({ before: 1, after: 2 });
  });
});
