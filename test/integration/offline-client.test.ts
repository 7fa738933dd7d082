/**
 * The real client (Node, fake-indexeddb for IndexedDB, `ws` for WebSocket) against two real server
 * processes on Postgres and Redis: offline edits on node A are acked after reconnect and reach node B.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { IDBFactory } from 'fake-indexeddb';
import type { CairnClient } from '@cairn/client';
import { issueToken, createPgStore } from '@cairn/server';
import { isolatedEnv, PG_URL, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';
import { nodeClient } from '../support/node-client.js';

const iso = isolatedEnv('it_offline_client');
let a: ServerProcess;
let b: ServerProcess;
let token: string;

function client(node: ServerProcess, indexedDB: IDBFactory, dbName = 'replica'): CairnClient {
  return nodeClient(node, token, { indexedDB, dbName });
}


beforeAll(async () => {
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'field-tech', spaces: { '*': 'rw' } });
  [a, b] = await Promise.all([startServer({ ...iso.env, CAIRN_NODE_ID: 'node-a' }), startServer({ ...iso.env, CAIRN_NODE_ID: 'node-b' })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.kill('SIGKILL'), b?.kill('SIGKILL')]);
  await iso.drop();
});

describe('a real client offline and back', () => {
  it('O2/A1: edits made offline on node A are acked after reconnect and reach a client on node B', async () => {
    const onA = client(a, new IDBFactory());
    onA.goOffline();
    const doc = await onA.open('site/notes');
    for (let i = 0; i < 25; i++) doc.getMap('m').set(`offline-${i}`, i);
    await onA.flush();
    expect(onA.status.state).toBe('offline');
    const pendingOffline = onA.status.pending; // edits of one tick may share an outbox row
    expect(pendingOffline).toBeGreaterThan(0);

    const onB = client(b, new IDBFactory());
    const docB = await onB.open('site/notes');
    await onB.whenSynced();

    onA.goOnline();
    await onA.whenSynced();
    expect(onA.status.pending).toBe(0);
    await until(() => docB.getMap('m').size === 25, 'node B client to hold all 25 offline edits');

    const store = createPgStore({ connectionString: PG_URL, schema: iso.schema });
    expect(await store.headVersion('acme', 'site/notes')).toBe(pendingOffline); // one version per pushed row
    await store.close();
    await onA.destroy();
    await onB.destroy();
  });

  it('O2: the outbox survives a restart of the client while offline and is sent after it comes back', async () => {
    const idb = new IDBFactory();
    const first = client(a, idb, 'restart');
    first.goOffline();
    const doc = await first.open('site/restart');
    doc.getText('t').insert(0, 'written before the restart');
    await first.flush();
    await first.destroy();

    const second = client(b, idb, 'restart');
    const again = await second.open('site/restart');
    expect(again.getText('t').toString()).toBe('written before the restart'); // hydrated from the replica
    await second.whenSynced();
    expect(second.status.pending).toBe(0);

    const observer = client(a, new IDBFactory(), 'observer');
    const seen = await observer.open('site/restart');
    await observer.whenSynced();
    expect(seen.getText('t').toString()).toBe('written before the restart');
    await second.destroy();
    await observer.destroy();
  });

  it('A1: a server killed with -9 while the client holds unacked edits loses nothing once it is back', async () => {
    const victim = await startServer({ ...iso.env, CAIRN_NODE_ID: 'node-v' });
    const port = victim.port;
    const c = client(victim, new IDBFactory(), 'kill');
    const doc = await c.open('site/kill');
    await c.whenSynced();
    await victim.kill('SIGKILL');
    for (let i = 0; i < 10; i++) doc.getMap('m').set(`during-outage-${i}`, i);
    await c.flush();
    await until(() => c.status.state !== 'synced' && c.status.pending > 0, 'client to notice the outage with edits pending');
    const pendingDuringOutage = c.status.pending;
    const revived = await startServer({ ...iso.env, CAIRN_NODE_ID: 'node-v2' }, { port });
    c.goOnline(); // skip the backoff wait
    await c.whenSynced();
    const store = createPgStore({ connectionString: PG_URL, schema: iso.schema });
    expect(await store.headVersion('acme', 'site/kill')).toBe(pendingDuringOutage);
    const check = client(revived, new IDBFactory(), 'kill-check');
    const seen = await check.open('site/kill');
    await check.whenSynced();
    expect(seen.getMap('m').size).toBe(10);
    await check.destroy();
    await store.close();
    await c.destroy();
    await revived.kill('SIGKILL');
  });

  it('§4: a stock y-websocket provider on node B and a Cairn client on node A edit the same doc and converge', async () => {
    const cairn = client(a, new IDBFactory(), 'mixed');
    const doc = await cairn.open('default/mixed');
    await cairn.whenSynced();
    const ydoc = new Y.Doc();
    const provider = new WebsocketProvider(`${b.wsUrl}/y`, 'mixed', ydoc, { WebSocketPolyfill: WebSocket as never, params: { token }, disableBc: true });
    await until(() => provider.synced, 'provider synced');
    doc.getText('t').insert(0, 'cairn ');
    ydoc.getText('t').insert(0, 'y-websocket ');
    await until(() => doc.getText('t').toString() === ydoc.getText('t').toString() && doc.getText('t').length === 18, 'both to hold both edits');
    await cairn.whenSynced();
    provider.destroy();
    await cairn.destroy();
  });
});
