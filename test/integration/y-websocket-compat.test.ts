/**
 * §4 compatible endpoint: a stock y-websocket `WebsocketProvider` from npm, unchanged, syncs through
 * `/y/:room`, its updates take the durable path, and it converges with a native-protocol peer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { buildServer, createMemoryBus, createMemoryStore, type CairnServer, type Store } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { testVerify } from '../support/memory-node.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

let server: CairnServer;
let store: Store;
let base: string;


function provider(room: string, doc: Y.Doc, token = 'writer') {
  return new WebsocketProvider(`${base}/y`, room, doc, { WebSocketPolyfill: WebSocket as never, params: { token }, disableBc: true });
}

beforeAll(async () => {
  store = createMemoryStore();
  server = await buildServer({ store, bus: createMemoryBus(), verify: testVerify, defaultSpace: 'default' });
  const address = await server.listen({ port: 0 });
  base = address.replace('http', 'ws');
});

afterAll(async () => {
  await server.close();
});

describe('stock y-websocket clients on /y/:room', () => {
  it('§4: two providers sync, and every update is in the Store before the other provider sees it', async () => {
    const d1 = new Y.Doc();
    const d2 = new Y.Doc();
    const p1 = provider('room-1', d1);
    const p2 = provider('room-1', d2);
    await until(() => p1.synced && p2.synced, 'both providers synced');
    d1.getMap('m').set('from', 'p1');
    await until(() => d2.getMap('m').get('from') === 'p1', 'p2 to see p1');
    const rows = await store.loadUpdates('t1', 'default/room-1', 0);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(mapOf(...rows.map((r) => r.update))).toEqual({ from: 'p1' });
    p1.destroy();
    p2.destroy();
  });

  it('§4: a y-websocket provider and a native Cairn session edit the same doc and converge', async () => {
    const doc = new Y.Doc();
    const p = provider('shared', doc);
    await until(() => p.synced, 'provider synced');
    const native = await connectRaw((u) => new WebSocket(`${base}${u}`) as unknown as ClientSocket, '/v1/sync');
    native.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'native-000001', token: 'writer' });
    native.send({ type: 'sub', doc: 'default/shared', stateVector: new Uint8Array() });
    await native.next('sync');
    native.send({ type: 'push', doc: 'default/shared', seq: 1, update: mapUpdate('native', 1) });
    await native.next('ack');
    await until(() => doc.getMap('m').get('native') === 1, 'provider to see the native push');
    doc.getMap('m').set('yws', 2);
    const u = await native.next('update');
    expect(mapOf(u.update)).toEqual({ yws: 2 });
    const rows = await store.loadUpdates('t1', 'default/shared', 0);
    expect(mapOf(...rows.map((r) => r.update))).toEqual({ native: 1, yws: 2 });
    native.close();
    p.destroy();
  });

  it('S1: a read-only y-websocket client reads, but its edits are never stored or broadcast', async () => {
    const writerDoc = new Y.Doc();
    const w = provider('ro-room', writerDoc);
    await until(() => w.synced, 'writer synced');
    writerDoc.getMap('m').set('seed', 1);
    const roDoc = new Y.Doc();
    const r = provider('ro-room', roDoc, 'reader');
    await until(() => r.synced && roDoc.getMap('m').get('seed') === 1, 'reader to see the seed');
    roDoc.getMap('m').set('sneaky', 1);
    await new Promise((res) => setTimeout(res, 200));
    expect(writerDoc.getMap('m').get('sneaky')).toBeUndefined();
    const rows = await store.loadUpdates('t1', 'default/ro-room', 0);
    expect(mapOf(...rows.map((x) => x.update))).toEqual({ seed: 1 });
    r.destroy();
    w.destroy();
  });

  it('S1: a bad token is refused at the upgrade with 401 and no socket', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const sock = new WebSocket(`${base}/y/room-x?token=bad`);
      sock.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      sock.on('open', () => reject(new Error('a bad token was let in')));
      sock.on('error', () => undefined);
    });
    expect(status).toBe(401);
  });

  it('S1: awareness cannot claim another client\'s identity', async () => {
    const d1 = new Y.Doc();
    const d2 = new Y.Doc();
    const p1 = provider('aw', d1);
    const p2 = provider('aw', d2);
    await until(() => p1.synced && p2.synced, 'synced');
    p1.awareness.setLocalState({ name: 'alice' });
    await until(() => p2.awareness.getStates().get(d1.clientID)?.name === 'alice', 'p2 to see alice');
    // A forged update from p2 that speaks for p1's clientID is dropped by the server.
    const { encodeAwarenessUpdate, Awareness } = await import('y-protocols/awareness');
    const forger = new Awareness(new Y.Doc({ gc: false }));
    forger.clientID = d1.clientID;
    forger.setLocalState({ name: 'mallory' });
    forger.meta.set(d1.clientID, { clock: 1000, lastUpdated: Date.now() });
    const forged = encodeAwarenessUpdate(forger, [d1.clientID]);
    const encoding = await import('lib0/encoding');
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, 1);
    encoding.writeVarUint8Array(enc, forged);
    p2.ws!.send(encoding.toUint8Array(enc));
    const d3 = new Y.Doc();
    const p3 = provider('aw', d3);
    await until(() => p3.synced && p3.awareness.getStates().has(d1.clientID), 'p3 to see p1');
    await new Promise((r) => setTimeout(r, 100));
    expect(p3.awareness.getStates().get(d1.clientID)?.name).toBe('alice');
    forger.destroy();
    p1.destroy();
    p2.destroy();
    p3.destroy();
  });
});
