/**
 * C5, M1 across nodes and restarts: the owner of a Yjs clientID in a doc is derived from what is stored (the
 * actor of the first row that wrote it, carried by snapshots), so a claim made through node A is enforced
 * by node B, live (the bus message carries the actor) and after B restarts and loads the doc cold from a
 * snapshot plus the rows after it. Two real server processes on the real Postgres and Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { createPgStore, issueToken } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { isolatedEnv, PG_URL, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

const iso = isolatedEnv('it_yclient_owners');
const DOC = 'site/owned';
const VICTIM_YCLIENT = 31_337;
// Snapshots every 2 versions, so a restarted node loads this doc from a snapshot and a tail.
const env = { ...iso.env, CAIRN_SNAPSHOT_MIN_UPDATES: '2' };
let a: ServerProcess;
let b: ServerProcess;
const tokens: Record<string, string> = {};

const ws = (url: string) => (u: string) => new WebSocket(`${url}${u}`) as unknown as ClientSocket;

async function session(node: ServerProcess, who: string, clientId: string): Promise<RawClient> {
  const c = await connectRaw(ws(node.wsUrl), '/v1/sync');
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: tokens[who]! });
  await c.next('welcome');
  return c;
}

/** A replica's doc with a fixed Yjs clientID; `edit` returns the update an edit makes. */
function replica(yclient: number) {
  const doc = new Y.Doc();
  doc.clientID = yclient;
  const edit = (key: string, value: string): Uint8Array => {
    let update: Uint8Array | null = null;
    const take = (u: Uint8Array) => (update = u);
    doc.on('update', take);
    doc.getMap('m').set(key, value);
    doc.off('update', take);
    return update!;
  };
  return { doc, edit };
}

/** The attacker's forged edit: the doc as the server sent it, written under the victim's Yjs clientID. */
function forge(synced: Y.Doc, key: string): Uint8Array {
  const f = replica(1);
  Y.applyUpdate(f.doc, Y.encodeStateAsUpdate(synced));
  f.doc.clientID = VICTIM_YCLIENT;
  return f.edit(key, 'forged');
}

beforeAll(async () => {
  for (const who of ['victim', 'attacker']) tokens[who] = await issueToken({ secret: SECRET, tenant: 'acme', subject: who, spaces: { '*': 'rw' } });
  [a, b] = await Promise.all([startServer({ ...env, CAIRN_NODE_ID: 'node-a' }), startServer({ ...env, CAIRN_NODE_ID: 'node-b' })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.kill('SIGKILL'), b?.kill('SIGKILL')]);
  await iso.drop();
});

describe('Yjs client owners on two nodes', () => {
  it('C5: a Yjs clientID written through node A is refused to another subject on node B, live and after B restarts from a snapshot', async () => {
    const store = createPgStore({ connectionString: PG_URL, schema: iso.schema });
    try {
      // The attacker follows the doc on B, so B's room learns each commit from the bus.
      let attacker = await session(b, 'attacker', 'attacker-replica-1');
      attacker.send({ type: 'sub', doc: DOC, stateVector: new Uint8Array() });
      await attacker.next('sync');
      const seen = new Y.Doc();
      const victim = await session(a, 'victim', 'victim-replica-1');
      const v = replica(VICTIM_YCLIENT);
      for (const [seq, key] of [[1, 'one'], [2, 'two'], [3, 'three']] as const) {
        victim.send({ type: 'push', doc: DOC, seq, update: v.edit(key, 'victim') });
        expect((await victim.next('ack', (f) => f.seq === seq)).seq).toBe(seq);
        Y.applyUpdate(seen, (await attacker.next('update', (u) => u.version === seq)).update);
      }
      attacker.send({ type: 'push', doc: DOC, seq: 1, update: forge(seen, 'three') });
      expect(await attacker.next('reject')).toMatchObject({ code: 'INVALID_UPDATE', seq: 1 });
      expect(await store.headVersion('acme', DOC)).toBe(3);

      // A snapshot at version 2 carries the owner; version 3 is the tail a cold load replays.
      await until(async () => (await store.loadSnapshot('acme', DOC))?.version === 2, 'a snapshot at version 2', 10_000);
      expect((await store.loadSnapshot('acme', DOC))?.owners).toEqual(new Map([[VICTIM_YCLIENT, 'victim']]));

      attacker.close();
      await b.kill('SIGKILL');
      b = await startServer({ ...env, CAIRN_NODE_ID: 'node-b' });
      attacker = await session(b, 'attacker', 'attacker-replica-1');
      attacker.send({ type: 'sub', doc: DOC, stateVector: new Uint8Array() });
      const cold = new Y.Doc();
      Y.applyUpdate(cold, (await attacker.next('sync')).update);
      expect(cold.getMap('m').toJSON()).toEqual({ one: 'victim', two: 'victim', three: 'victim' });
      attacker.send({ type: 'push', doc: DOC, seq: 2, update: forge(cold, 'four') });
      expect(await attacker.next('reject')).toMatchObject({ code: 'INVALID_UPDATE', seq: 2 });
      expect(await store.headVersion('acme', DOC)).toBe(3);

      // The victim's next edit, at the clock the attacker tried to take, is stored and shown on B.
      victim.send({ type: 'push', doc: DOC, seq: 4, update: v.edit('four', 'victim') });
      expect((await victim.next('ack', (f) => f.seq === 4)).seq).toBe(4);
      Y.applyUpdate(cold, (await attacker.next('update', (u) => u.version === 4)).update);
      expect(cold.getMap('m').toJSON()).toEqual(v.doc.getMap('m').toJSON());
      victim.close();
      attacker.close();
    } finally {
      await store.close();
    }
  }, 60_000);
});
