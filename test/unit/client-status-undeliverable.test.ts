/**
 * "Synced" means synced (O7, O4): a real client against a real sync node (memory seams, in-memory
 * sockets). Edits the server refuses for good sit in the dead letters; the status says `undeliverable`
 * with their count instead of `synced`, whenSynced() rejects with UNDELIVERABLE naming them, and retrying
 * or discarding them moves the status on. A socket that drops before its syncs arrived never reads synced.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UndeliverableError, type CairnClient, type Status } from '@cairn/client';
import { createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { clientOn, freshIndexedDB, until } from './support/client-harness.js';
import { createFakeServer, type FakeServer } from './support/fake-server.js';

const DOC = 'a/notes';
const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

/** A real node; `token` picks the principal (test/support/memory-node.ts): reader = read-only everywhere. */
function realClient(token: string, db = freshIndexedDB()): CairnClient {
  const { net } = memoryNode({ store: createMemoryStore() });
  const c = clientOn({ connect: net.connect } as unknown as FakeServer, { token, ...db });
  clients.push(c);
  return c;
}

describe("status 'undeliverable' and whenSynced()", () => {
  it('O7: a READ_ONLY push makes the status undeliverable with count 1 and whenSynced() rejects with UNDELIVERABLE naming it; discarding it makes it synced again', async () => {
    const client = realClient('reader');
    const doc = await client.open(DOC);
    await client.whenSynced();
    const seen: Status[] = [];
    client.on('status', (s) => seen.push(s));
    doc.getMap('m').set('k', 1);

    const err: unknown = await client.whenSynced().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UndeliverableError);
    expect(err).toMatchObject({ code: 'UNDELIVERABLE', deadLetters: [{ seq: 1, doc: DOC, code: 'READ_ONLY' }] });
    expect(client.status).toEqual({ state: 'undeliverable', pending: 0, undeliverable: 1, persisting: true });
    // Never a false `synced` between the edit and its refusal.
    expect(seen.map((s) => s.state)).not.toContain('synced');
    expect(seen.at(-1)).toMatchObject({ state: 'undeliverable', undeliverable: 1 });
    // Asked again while undeliverable: rejects at once.
    await expect(client.whenSynced()).rejects.toMatchObject({ code: 'UNDELIVERABLE' });

    expect(await client.deadLetters.discard(1)).toBe(true);
    await client.whenSynced();
    expect(client.status).toEqual({ state: 'synced', pending: 0, undeliverable: 0, persisting: true });
    expect(seen.at(-1)).toMatchObject({ state: 'synced', undeliverable: 0 });
  });

  it('O7: retrying a dead letter counts it down while it is pending again, and up again when it is refused again', async () => {
    const client = realClient('reader');
    const doc = await client.open(DOC);
    doc.getMap('m').set('k', 1);
    await expect(client.whenSynced()).rejects.toMatchObject({ code: 'UNDELIVERABLE' });
    const states: string[] = [];
    client.on('status', (s) => states.push(`${s.state}:${s.pending}:${s.undeliverable}`));
    expect(await client.deadLetters.retry(1)).toBe(2);
    await expect(client.whenSynced()).rejects.toMatchObject({ deadLetters: [{ seq: 2, code: 'READ_ONLY' }] });
    expect(states[0]).toMatch(/^syncing:1:/);
    expect(states).toContain('syncing:1:0');
    expect(states.at(-1)).toBe('undeliverable:0:1');
  });

  it('O7: dead letters from an earlier session count at startup; offline they show in the count, online the state is undeliverable', async () => {
    const db = freshIndexedDB();
    const first = realClient('reader', db);
    const doc = await first.open(DOC);
    doc.getMap('m').set('k', 1);
    await expect(first.whenSynced()).rejects.toMatchObject({ code: 'UNDELIVERABLE' });
    await first.destroy();

    const second = realClient('writer', db);
    second.goOffline();
    await until(() => second.status.undeliverable === 1, 'the stored dead letter is counted');
    expect(second.status.state).toBe('offline');
    second.goOnline();
    await second.open(DOC);
    await expect(second.whenSynced()).rejects.toMatchObject({ code: 'UNDELIVERABLE', deadLetters: [{ seq: 1, code: 'READ_ONLY' }] });
    // The writer may write: a retry now goes through and the client is synced.
    await second.deadLetters.retry(1);
    await second.whenSynced();
    expect(second.status).toMatchObject({ state: 'synced', undeliverable: 0 });
  });
});

describe('a dropped socket is never synced', () => {
  it('O4: a socket that drops while a sync is outstanding goes syncing → offline, never through a false synced', async () => {
    const server = createFakeServer({ holdSyncs: true });
    const client = clientOn(server);
    clients.push(client);
    await client.open(DOC);
    await until(() => server.received('sub').length === 1 && client.status.state === 'syncing', 'the sub is out, unanswered');
    const states: string[] = [];
    client.on('status', (s) => states.push(s.state));
    const synced = client.whenSynced().then(() => 'resolved');
    server.cutAll();
    await until(() => client.status.state === 'offline', 'the client noticed the cut');
    expect(states).not.toContain('synced');
    expect(await Promise.race([synced, Promise.resolve('pending')])).toBe('pending');
  });
});
