/**
 * S8 against a real server process (Postgres, Redis, CAIRN_AUTH_SECRET): a session ends at its token's exp
 * with close 4021, nothing that arrives after exp is stored on either endpoint, and a real client with a
 * token callback goes on syncing across expiries without losing an edit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { decodeJwt } from 'jose';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createCairnClient } from '@cairn/client';
import { createPgStore, issueToken, type Store } from '@cairn/server';
import { PROTOCOL_VERSION, closeCodeFor, type ClientSocket } from '@cairn/shared';
import { connectRaw } from '../support/raw-client.js';
import { isolatedEnv, PG_URL, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';

const iso = isolatedEnv('it_token_expiry');
let server: ServerProcess;
let store: Store;

/** A token that expires within 1-2 s (exp is whole seconds). */
const shortToken = (subject = 'short') => issueToken({ secret: SECRET, tenant: 'acme', subject, spaces: { '*': 'rw' }, expiresInSec: 2 });
const expiryOf = (token: string) => decodeJwt(token).exp! * 1000;
const wsFactory = (url: string) => new WebSocket(url) as unknown as ClientSocket;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = await startServer(iso.env);
  store = createPgStore({ connectionString: PG_URL, schema: iso.schema, poolSize: 2 });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await server?.kill('SIGKILL');
  await iso.drop();
});

const storedMap = async (doc: string) => mapOf(...(await store.loadUpdates('acme', doc, 0)).map((r) => r.update));

describe('a session ends when its token expires', () => {
  it('S8: a native session is closed with 4021 at exp; pushes sent after exp are never stored', async () => {
    const token = await shortToken();
    const exp = expiryOf(token);
    const c = await connectRaw(wsFactory, `${server.wsUrl}/v1/sync`);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'raw-expiry-0001', token });
    c.send({ type: 'sub', doc: 'site/raw', stateVector: new Uint8Array() });
    await c.next('sync');

    // Push every 50 ms until the server closes the socket: the last pushes race the expiry timer.
    const sentAt = new Map<number, number>();
    for (let seq = 1; !c.isClosed() && Date.now() < exp + 3000; seq++) {
      sentAt.set(seq, Date.now());
      c.send({ type: 'push', doc: 'site/raw', seq, update: mapUpdate(`seq-${seq}`, seq) });
      await sleep(50);
    }
    expect(c.isClosed()).toBe(true);
    const closed = await c.closed;
    expect(closed.code).toBe(closeCodeFor('TOKEN_EXPIRED'));

    const acked = Math.max(0, ...c.frames.flatMap((f) => (f.type === 'ack' ? [f.seq] : [])));
    const refused = c.frames.flatMap((f) => (f.type === 'reject' ? [f.seq] : []));
    expect(refused.every((seq) => seq !== null && seq > acked)).toBe(true);
    const stored = Object.keys(await storedMap('site/raw')).map((k) => Number(k.slice(4)));
    expect(acked).toBeGreaterThan(0);
    for (let seq = 1; seq <= acked; seq++) expect(stored).toContain(seq);
    for (const seq of stored) expect(sentAt.get(seq)!).toBeLessThan(exp);
    expect(stored.some((seq) => refused.includes(seq))).toBe(false);
  });

  it('S8: a /y session is closed with 4021 at exp and an edit made after exp is not stored', async () => {
    const token = await shortToken('y-user');
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${server.wsUrl}/y`, 'expiring', doc, { WebSocketPolyfill: WebSocket as never, params: { token }, disableBc: true });
    const closes: number[] = [];
    let refusedReconnects = 0;
    provider.on('connection-close', (ev: CloseEvent | null) => closes.push(ev?.code ?? 0));
    provider.on('connection-error', () => refusedReconnects++);
    try {
      await until(() => provider.synced, 'provider synced');
      doc.getMap('m').set('before', 1);
      await until(async () => (await storedMap('default/expiring'))['before'] === 1, 'the edit before exp stored');

      await until(() => closes.length > 0, 'the server closed the provider', 5000);
      expect(closes[0]).toBe(closeCodeFor('TOKEN_EXPIRED'));
      doc.getMap('m').set('after', 2);
      // The provider reconnects with the same (expired) token: refused at the upgrade, twice at least.
      await until(() => refusedReconnects >= 2, 'reconnects refused', 10_000);
      expect(await storedMap('default/expiring')).toEqual({ before: 1 });
    } finally {
      provider.destroy();
    }
  });

  it('S8: a real client with a token callback syncs across expiries and loses nothing', async () => {
    let tokens = 0;
    const client = createCairnClient({
      url: `${server.wsUrl}/v1/sync`,
      token: () => (tokens++, shortToken('client')),
      dbName: 'expiry',
      indexedDB: new IDBFactory(),
      IDBKeyRange,
      socket: wsFactory,
      broadcastChannel: null,
      networkEvents: null,
    });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    try {
      const doc = await client.open('site/across');
      const started = Date.now();
      let n = 0;
      // ~4.5 s of edits every 100 ms: at least two sessions end at their token's exp meanwhile.
      while (Date.now() - started < 4500) {
        doc.getMap('m').set(`k${n}`, n);
        n++;
        await sleep(100);
      }
      await client.whenSynced();
      expect(tokens).toBeGreaterThanOrEqual(3);
      expect(errors).toEqual([]);
      expect(await client.deadLetters.list()).toEqual([]);
      const rows = await store.loadUpdates('acme', 'site/across', 0);
      expect(rows.length).toBe(await store.headVersion('acme', 'site/across'));
      const stored = mapOf(...rows.map((r) => r.update));
      expect(Object.keys(stored)).toHaveLength(n);
      expect(stored).toEqual(doc.getMap('m').toJSON());
    } finally {
      await client.destroy();
    }
  });
});
