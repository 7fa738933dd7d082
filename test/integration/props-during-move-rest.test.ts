/**
 * X5 end to end: a real server process on Postgres and Redis. Replica A moves an anchor to another cell;
 * replica B, which has not seen the move, sets one prop and deletes another in the OLD cell, committed after
 * the move. `GET /v1/spaces/:space/anchors` answers the anchor once, in the new cell, with the moved pose
 * AND B's edit, as mergeAnchorView says over the committed docs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, cellDocId, cellOf, createGeoFrame, newAnchorId, type ClientSocket, type Vec3 } from '@cairn/shared';
import { createPgStore, issueToken, type Store } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { isolatedEnv, PG_URL, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { anchorReplica, expectedView, type DocUpdate } from '../support/readmodel-writer.js';
import { readModelCaughtUp } from '../support/readmodel-caught-up.js';

const iso = isolatedEnv('it_props_move');
const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const cellAt = (p: Vec3) => {
  const g = createGeoFrame(ORIGIN).toGeo(p);
  return cellOf(g.lat, g.lon, 7);
};
const HERE: Vec3 = [0, 0, 0];
const THERE: Vec3 = [130, 0, 0];
const C1 = cellAt(HERE);
const C2 = cellAt(THERE);

let server: ServerProcess;
let store: Store;
let client: RawClient;
let token = '';
let seq = 0;

async function push(updates: readonly DocUpdate[]): Promise<void> {
  for (const u of updates) client.send({ type: 'push', doc: u.doc, seq: ++seq, update: u.update });
  const last = seq;
  await client.next('ack', (a) => a.seq === last);
}

async function anchorsIn(cell: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${server.url}/v1/spaces/site/anchors?cell=${cell}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { anchors: Record<string, unknown>[] }).anchors;
}

beforeAll(async () => {
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'surveyor', spaces: { '*': 'rw' } });
  server = await startServer(iso.env);
  store = createPgStore({ connectionString: PG_URL, schema: iso.schema, poolSize: 2 });
  client = await connectRaw((u) => new WebSocket(`${server.wsUrl}${u}`) as unknown as ClientSocket, '/v1/sync');
  client.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'surveyor-000001', token });
  await client.next('welcome');
}, 60_000);

afterAll(async () => {
  client?.close();
  await server?.kill('SIGKILL');
  await store?.close();
  await iso.drop();
});

describe('X5 through the REST read model', () => {
  it('X5: a props edit and delete made in the old cell, concurrently with a move, show on the moved anchor', async () => {
    expect(C1).not.toBe(C2);
    // Fixed clocks: B's writes are later than all of A's, whatever the machine's clock does.
    const a = anchorReplica('a', () => 1_000);
    const b = anchorReplica('b', () => 2_000);
    const id = newAnchorId();
    const created = [...a.meta('site', { origin: ORIGIN, precision: 7 }), ...a.create('site', C1, id, HERE, { props: { label: 'crate', size: 2 } })];
    created.forEach((u) => b.receive(u));
    await push(created);
    await push(a.move('site', id, C1, THERE, C2));
    await push(b.props('site', C1, id, { color: 'red', label: undefined }));
    await readModelCaughtUp(iso.schema);

    const [moved] = await anchorsIn(C2);
    expect(moved).toMatchObject({ id, cell: C2, pose: { p: THERE } });
    expect(moved!['props']).toEqual({ color: 'red', size: 2 });
    expect(await anchorsIn(C1)).toEqual([]);
    const [expected] = await expectedView(store, 'acme', 'site', [cellDocId('site', C1), cellDocId('site', C2)], Date.now());
    expect(moved!['props']).toEqual(expected!.anchor.props);
  });
});
