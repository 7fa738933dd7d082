/**
 * C5 across two real server processes on Postgres and Redis: a clientId claimed on one node is refused to
 * another principal on the other node, and a duplicate push never reaches the rooms of either node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, closeCodeFor, type ClientSocket } from '@cairn/shared';
import { createPgStore, issueToken, type SpaceAccess } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { isolatedEnv, PG_URL, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const iso = isolatedEnv('it_client_id');
let one: ServerProcess;
let two: ServerProcess;
const tokens: Record<string, string> = {};

const ws = (url: string) => (u: string) => new WebSocket(`${url}${u}`) as unknown as ClientSocket;

/** Says hello and waits for the answer: the welcome, or the refusal and the close that follows it. */
async function hello(node: ServerProcess, who: string, clientId: string): Promise<RawClient> {
  const c = await connectRaw(ws(node.wsUrl), '/v1/sync');
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: tokens[who]! });
  await until(() => c.frames.some((f) => f.type === 'welcome') || c.isClosed(), `an answer to ${who}'s hello`);
  return c;
}

async function headVersion(doc: string): Promise<number> {
  const store = createPgStore({ connectionString: PG_URL, schema: iso.schema });
  try {
    return await store.headVersion('acme', doc);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  const principals: Record<string, Record<string, SpaceAccess>> = { alice: { y: 'rw' }, bob: { x: 'rw', y: 'r' }, carol: { '*': 'rw' } };
  for (const [subject, spaces] of Object.entries(principals)) {
    tokens[subject] = await issueToken({ secret: SECRET, tenant: 'acme', subject, spaces });
  }
  [one, two] = await Promise.all([startServer({ ...iso.env, CAIRN_NODE_ID: 'node-1' }), startServer({ ...iso.env, CAIRN_NODE_ID: 'node-2' })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([one?.kill('SIGKILL'), two?.kill('SIGKILL')]);
  await iso.drop();
});

describe('clientIds are bound to their principal on every node', () => {
  it('C5: a clientId claimed on node 1 is refused to another principal on node 2, and all 20 of its owner\'s pushes are stored', async () => {
    const alice = await hello(one, 'alice', 'alice-replica-1');
    const bob = await hello(two, 'bob', 'alice-replica-1');
    if (!bob.isClosed()) {
      // Before the fix Bob was welcomed and pre-claimed Alice's seqs 1..20 in his own space.
      for (let seq = 1; seq <= 20; seq++) bob.send({ type: 'push', doc: 'x/doc', seq, update: mapUpdate(`bob-${seq}`, seq) });
      await bob.next('ack', (a) => a.seq === 20).catch(() => undefined);
    }
    for (let seq = 1; seq <= 20; seq++) alice.send({ type: 'push', doc: 'y/doc', seq, update: mapUpdate(`alice-${seq}`, seq) });
    await alice.next('ack', (a) => a.seq === 20);

    expect(await headVersion('y/doc')).toBe(20);
    expect(await headVersion('x/doc')).toBe(0);
    expect(bob.frames.find((f) => f.type === 'reject')).toMatchObject({ code: 'CLIENT_ID_TAKEN' });
    expect((await bob.closed).code).toBe(closeCodeFor('CLIENT_ID_TAKEN'));
    alice.close();
  });

  it('C5: a duplicate naming another doc reaches no room on either node; a third user\'s commit reaches the subscriber on node 2', async () => {
    const watcher = await hello(two, 'carol', 'carol-watcher-1');
    watcher.send({ type: 'sub', doc: 'y/dup', stateVector: new Uint8Array() });
    await watcher.next('sync');
    const resender = await hello(one, 'alice', 'alice-replica-2');
    resender.send({ type: 'push', doc: 'y/first', seq: 1, update: mapUpdate('first', 1) });
    await resender.next('ack', (a) => a.seq === 1);
    resender.send({ type: 'push', doc: 'y/dup', seq: 1, update: mapUpdate('resent', 1) });
    await resender.next('ack', (a) => a.seq === 1);

    const third = await hello(one, 'carol', 'carol-writer-1');
    third.send({ type: 'push', doc: 'y/dup', seq: 1, update: mapUpdate('third', 3) });
    await third.next('ack');
    const got = await watcher.next('update');
    expect({ version: got.version, m: mapOf(got.update) }).toEqual({ version: 1, m: { third: 3 } });
    expect(await headVersion('y/dup')).toBe(1);
    for (const c of [watcher, resender, third]) c.close();
  });
});
