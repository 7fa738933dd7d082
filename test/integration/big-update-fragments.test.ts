/**
 * A3: one update larger than a frame (a big doc written in one transaction, offline or not) still reaches
 * the server, in push-part fragments each below maxPayload; a dead letter an older client left with
 * FRAME_TOO_LARGE goes through on retry; only an update above the server's maxUpdateBytes stays behind,
 * dead-lettered with UPDATE_TOO_LARGE (honest and visible, never sent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { createCairnClient, type CairnClient } from '@cairn/client';
import { buildServer, createMemoryBus, createMemoryStore, createTokenVerifier, issueToken } from '@cairn/server';
import { DEFAULT_LIMITS, type ClientSocket } from '@cairn/shared';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { measuredSockets, type SentFrames } from '../support/anchor-burst.js';

const iso = isolatedEnv('it_big_update');
const MB = 1024 * 1024;
let server: ServerProcess;
let token: string;

beforeAll(async () => {
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'author', spaces: { '*': 'rw' } });
  server = await startServer(iso.env);
}, 60_000);

afterAll(async () => {
  await server?.kill('SIGKILL');
  await iso.drop();
});

function client(url: string, opts: { indexedDB?: IDBFactory; dbName?: string; sent?: SentFrames; token?: string } = {}): CairnClient {
  return createCairnClient({
    url,
    token: opts.token ?? token,
    dbName: opts.dbName ?? 'big',
    indexedDB: opts.indexedDB ?? new IDBFactory(),
    IDBKeyRange,
    socket: opts.sent ? measuredSockets(opts.sent) : (u) => new WebSocket(u) as unknown as ClientSocket,
    broadcastChannel: null,
    networkEvents: null,
  });
}

/** The text a brand-new replica reads from the server. */
async function serverText(url: string, docId: string): Promise<string> {
  const fresh = client(url, { dbName: 'reader' });
  try {
    const doc = await fresh.open(docId);
    await fresh.whenSynced();
    return doc.getText('t').toString();
  } finally {
    await fresh.destroy();
  }
}

/** One update holding `bytes` characters of text, as one Y.transact writes it. */
function bigTextUpdate(bytes: number): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, 'x'.repeat(bytes));
  return Y.encodeStateAsUpdate(doc);
}

describe('A3: an update larger than one frame', () => {
  it('A3: a 3 MB text written offline in one transaction reaches the server in fragments below maxPayload', async () => {
    const sent: SentFrames = { largest: 0, count: 0 };
    const url = `${server.wsUrl}/v1/sync`;
    const c = client(url, { sent });
    c.goOffline();
    const doc = await c.open('site/big-doc');
    const text = 'cairn '.repeat(500_000); // 3,000,000 bytes
    doc.transact(() => doc.getText('t').insert(0, text));
    await c.flush();
    expect(c.status.pending).toBe(1);
    c.goOnline();
    await c.whenSynced();
    expect(await c.deadLetters.list()).toEqual([]);
    expect(sent.largest).toBeLessThanOrEqual(DEFAULT_LIMITS.maxPayload);
    expect(sent.count).toBeGreaterThan(3 * 4); // at least 3 MB / (maxPayload / 4) parts
    expect(await serverText(url, 'site/big-doc')).toBe(text);
    await c.destroy();
  }, 30_000);

  it('A3/O7: a dead letter an older client left as FRAME_TOO_LARGE is retried and now reaches the server', async () => {
    const url = `${server.wsUrl}/v1/sync`;
    const indexedDB = new IDBFactory();
    const update = bigTextUpdate(2 * MB);
    // The replica as the older client left it: the edit in the doc state, its push in the dead letters.
    const db = new Dexie('legacy', { indexedDB, IDBKeyRange });
    db.version(1).stores({ docs: 'doc', updates: '++id, doc', outbox: 'seq', deadLetters: 'seq', meta: 'key' });
    await db.open();
    await db.table('updates').add({ doc: 'site/legacy', update });
    await db.table('deadLetters').put({ seq: 1, doc: 'site/legacy', update, code: 'FRAME_TOO_LARGE', message: 'the push is larger than the server accepts', at: Date.now() });
    await db.table('meta').bulkPut([{ key: 'clientId', value: 'legacy-client-0001' }, { key: 'lastSeq', value: 1 }]);
    db.close();

    const c = client(url, { indexedDB, dbName: 'legacy' });
    await c.open('site/legacy');
    await expect(c.whenSynced()).rejects.toMatchObject({ code: 'UNDELIVERABLE', deadLetters: [{ seq: 1, code: 'FRAME_TOO_LARGE' }] });
    expect(await c.deadLetters.retry(1)).toBe(2);
    await c.whenSynced();
    expect(await c.deadLetters.list()).toEqual([]);
    expect(await serverText(url, 'site/legacy')).toHaveLength(2 * MB);
    await c.destroy();
  }, 30_000);

  it('A3/O7: an update above the server\'s maxUpdateBytes is dead-lettered locally with UPDATE_TOO_LARGE and never sent; edits of other docs still sync', async () => {
    const small = await buildServer({
      store: createMemoryStore(),
      bus: createMemoryBus(),
      verify: createTokenVerifier({}).verify,
      limits: { maxUpdateBytes: 2 * MB },
    });
    const address = await small.listen({ port: 0 });
    const url = `${address.replace('http', 'ws')}/v1/sync`;
    const sent: SentFrames = { largest: 0, count: 0 };
    const c = client(url, { sent, dbName: 'too-big' });
    const rejected: string[] = [];
    c.on('rejected', (r) => rejected.push(r.code));
    const doc = await c.open('site/too-big');
    const other = await c.open('site/other');
    await c.whenSynced();
    doc.transact(() => doc.getText('t').insert(0, 'y'.repeat(3 * MB)));
    await c.flush();
    // Another doc: later edits of the same doc would wait on the server behind the missing one (Yjs
    // applies one client's structs in clock order).
    other.getMap('m').set('after', 1);
    await expect(c.whenSynced()).rejects.toMatchObject({ code: 'UNDELIVERABLE', deadLetters: [{ seq: 1, code: 'UPDATE_TOO_LARGE' }] });
    expect(rejected).toEqual(['UPDATE_TOO_LARGE']);
    expect(c.status).toMatchObject({ state: 'undeliverable', pending: 0, undeliverable: 1 });
    expect(sent.largest).toBeLessThan(64 * 1024); // the big update never went out, not even in parts
    const reader = client(url, { dbName: 'too-big-reader' });
    const seen = await reader.open('site/too-big');
    const seenOther = await reader.open('site/other');
    await reader.whenSynced();
    expect(seenOther.getMap('m').toJSON()).toEqual({ after: 1 });
    expect(seen.getText('t').length).toBe(0);
    await reader.destroy();
    await c.destroy();
    await small.close();
  }, 30_000);
});
