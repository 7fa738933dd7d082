/**
 * Two real server processes on the real Postgres and Redis of this machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { createPgStore, issueToken } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { isolatedEnv, PG_URL, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const iso = isolatedEnv('it_two_nodes');
let a: ServerProcess;
let b: ServerProcess;
let token: string;

const ws = (url: string) => (u: string) => new WebSocket(`${url}${u}`) as unknown as ClientSocket;

async function session(node: ServerProcess, clientId: string, docs: string[] = []): Promise<RawClient> {
  const c = await connectRaw(ws(node.wsUrl), '/v1/sync');
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token });
  await c.next('welcome');
  for (const doc of docs) {
    c.send({ type: 'sub', doc, stateVector: new Uint8Array() });
    await c.next('sync', (s) => s.doc === doc);
  }
  return c;
}

beforeAll(async () => {
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'tester', spaces: { '*': 'rw' } });
  [a, b] = await Promise.all([startServer({ ...iso.env, CAIRN_NODE_ID: 'node-a' }), startServer({ ...iso.env, CAIRN_NODE_ID: 'node-b' })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.kill('SIGKILL'), b?.kill('SIGKILL')]);
  await iso.drop();
});

describe('two server processes on Postgres and Redis', () => {
  it('⑦⑧: an update acked on node A reaches a subscriber on node B', async () => {
    const onB = await session(b, 'reader-0000001', ['site/plan']);
    const onA = await session(a, 'writer-0000001');
    onA.send({ type: 'push', doc: 'site/plan', seq: 1, update: mapUpdate('hello', 'from A') });
    expect((await onA.next('ack')).seq).toBe(1);
    const u = await onB.next('update');
    expect(mapOf(u.update)).toEqual({ hello: 'from A' });
    onA.close();
    onB.close();
  });

  it('C1: a push resent to the other node after an ack is acked again and stored once', async () => {
    const update = mapUpdate('once', 1);
    const onA = await session(a, 'resender-00001');
    onA.send({ type: 'push', doc: 'site/c1', seq: 1, update });
    await onA.next('ack');
    onA.close();
    const onB = await session(b, 'resender-00001');
    onB.send({ type: 'push', doc: 'site/c1', seq: 1, update });
    expect((await onB.next('ack')).seq).toBe(1);
    const store = createPgStore({ connectionString: PG_URL, schema: iso.schema });
    expect(await store.headVersion('acme', 'site/c1')).toBe(1);
    await store.close();
    onB.close();
  });

  it('F2: a version that never came over Redis is loaded from Postgres before the next one is applied', async () => {
    const onB = await session(b, 'watcher-000001', ['site/gap']);
    const onA = await session(a, 'writer-0000002');
    onA.send({ type: 'push', doc: 'site/gap', seq: 1, update: mapUpdate('v1', 1) });
    await onB.next('update', (u) => u.version === 1);
    // Version 2 is committed straight into Postgres, as if its node died before publishing: no bus message.
    const store = createPgStore({ connectionString: PG_URL, schema: iso.schema });
    const [outcome] = await store.commitBatch([{ tenant: 'acme', doc: 'site/gap', clientId: 'ghost-00000001', seq: 1, actor: 'ghost', update: mapUpdate('v2', 2) }]);
    await store.close();
    expect(outcome).toEqual({ kind: 'committed', version: 2 });
    onA.send({ type: 'push', doc: 'site/gap', seq: 2, update: mapUpdate('v3', 3) });
    await onA.next('ack');
    const v2 = await onB.next('update', (u) => u.version === 2);
    const v3 = await onB.next('update', (u) => u.version === 3);
    expect(mapOf(v2.update)).toEqual({ v2: 2 });
    expect(mapOf(v3.update)).toEqual({ v3: 3 });
    onA.close();
    onB.close();
  });

  it('A1: kill -9 of a node right after an ack loses nothing', async () => {
    const victim = await startServer({ ...iso.env, CAIRN_NODE_ID: 'node-victim' });
    const c = await session(victim, 'doomed-0000001');
    for (let seq = 1; seq <= 50; seq++) c.send({ type: 'push', doc: 'site/kill', seq, update: mapUpdate(`k${seq}`, seq) });
    await c.next('ack', (f) => f.seq === 50);
    await victim.kill('SIGKILL');
    const onB = await session(b, 'survivor-00001');
    onB.send({ type: 'sub', doc: 'site/kill', stateVector: new Uint8Array() });
    const sync = await onB.next('sync');
    expect(sync.version).toBe(50);
    expect(Object.keys(mapOf(sync.update))).toHaveLength(50);
    onB.close();
  });

  it('§4: y-websocket presence crosses nodes: set on A, seen on B, gone from B when the client leaves A', async () => {
    const provider = (node: ServerProcess, doc: Y.Doc) =>
      new WebsocketProvider(`${node.wsUrl}/y`, 'presence', doc, { WebSocketPolyfill: WebSocket as never, params: { token }, disableBc: true });
    const dA = new Y.Doc();
    const dB = new Y.Doc();
    const pA = provider(a, dA);
    const pB = provider(b, dB);
    await until(() => pA.synced && pB.synced, 'both providers synced');
    pA.awareness.setLocalState({ name: 'alice' });
    await until(() => pB.awareness.getStates().get(dA.clientID)?.name === 'alice', 'B to see alice from A');
    pB.awareness.setLocalState({ name: 'bob' });
    await until(() => pA.awareness.getStates().get(dB.clientID)?.name === 'bob', 'A to see bob from B');

    // S1 across nodes: a connection on B cannot claim alice's clientID, although B's own sessions never owned it.
    const forger = new Awareness(new Y.Doc({ gc: false }));
    forger.clientID = dA.clientID;
    forger.setLocalState({ name: 'mallory' });
    forger.meta.set(dA.clientID, { clock: 1000, lastUpdated: Date.now() });
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, 1); // messageAwareness
    encoding.writeVarUint8Array(enc, encodeAwarenessUpdate(forger, [dA.clientID]));
    pB.ws!.send(encoding.toUint8Array(enc));
    const dC = new Y.Doc();
    const pC = provider(a, dC);
    await until(() => pC.synced && pC.awareness.getStates().has(dA.clientID) && pC.awareness.getStates().has(dB.clientID), 'C on A to see alice and bob');
    await new Promise((r) => setTimeout(r, 200));
    expect(pC.awareness.getStates().get(dA.clientID)?.name).toBe('alice');
    expect(pB.awareness.getStates().get(dA.clientID)?.name).toBe('alice');

    pA.destroy(); // closes the socket: A removes alice's state and tells B
    await until(() => !pB.awareness.getStates().has(dA.clientID), 'alice to be gone from B');
    forger.destroy();
    pB.destroy();
    pC.destroy();
  });

  it('S2: an upgrade from a foreign Origin is refused with 403 before the handshake', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const sock = new WebSocket(`${a.wsUrl}/v1/sync`, { origin: 'https://evil.example' });
      sock.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      sock.on('open', () => reject(new Error('a foreign origin was let in')));
      sock.on('error', () => undefined);
    });
    expect(status).toBe(403);
    const own = new WebSocket(`${a.wsUrl}/v1/sync`, { origin: a.url });
    await new Promise<void>((resolve, reject) => {
      own.on('open', () => resolve());
      own.on('error', reject);
    });
    own.close();
  });
});
