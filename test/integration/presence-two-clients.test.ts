/**
 * P4 end to end: two real clients (Node, `ws`, fake-indexeddb) against a real server process (built dist)
 * on Postgres and Redis: each sees the other's head and state, moves arrive, a peer that goes offline
 * leaves and comes back with its latest presence, and close is a leave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellBounds, cellOf } from '@cairn/shared';
import { type CairnClient, type PeerPresence } from '@cairn/client';
import { issueToken } from '@cairn/server';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';
import { nodeClient } from '../support/node-client.js';

const iso = isolatedEnv('it_presence');
const CELL = cellOf(48.8566, 2.3522, 7);
const B = cellBounds(CELL);
const ORIGIN = { lat: (B.minLat + B.maxLat) / 2, lon: (B.minLon + B.maxLon) / 2, alt: 0 };
let server: ServerProcess;
const clients: CairnClient[] = [];

async function device(subject: string) {
  const token = await issueToken({ secret: SECRET, tenant: 'acme', subject, spaces: { '*': 'rw' } });
  const client = nodeClient(server, token, { dbName: subject });
  clients.push(client);
  await client.whenSynced();
  return { client, space: client.space('venue', { origin: ORIGIN }) };
}

const head = (x: number, z: number) => ({ p: [x, 1.6, z] as [number, number, number], q: [0, 0, 0, 1] as [number, number, number, number] });
const near = (p: PeerPresence | undefined, x: number, z: number) => !!p?.head && Math.abs(p.head.p[0] - x) < 1e-3 && Math.abs(p.head.p[2] - z) < 1e-3;

beforeAll(async () => {
  server = await startServer({ ...iso.env, CAIRN_NODE_ID: 'node-p' });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await server?.kill('SIGKILL');
  await iso.drop();
});

describe('presence between two real clients', () => {
  it('P4: two clients on a real server see each other, follow a move, see a leave offline and the latest presence after it, and a leave on close', async () => {
    const ada = await device('ada');
    const bo = await device('bo');
    ada.space.presence.set({ head: head(1, 2), state: { name: 'Ada' } });
    bo.space.presence.set({ head: head(-1, -2), state: { name: 'Bo' } });
    await until(() => near(bo.space.presence.get(ada.client.clientId!), 1, 2) && near(ada.space.presence.get(bo.client.clientId!), -1, -2), 'each sees the other');
    expect(bo.space.presence.get(ada.client.clientId!)).toMatchObject({ user: 'ada', cell: CELL, state: { name: 'Ada' } });
    expect(ada.space.presence.get(bo.client.clientId!)).toMatchObject({ user: 'bo', state: { name: 'Bo' } });

    ada.space.presence.set({ head: head(3, 4) });
    await until(() => near(bo.space.presence.get(ada.client.clientId!), 3, 4), 'the move arrives');

    ada.client.goOffline();
    await until(() => bo.space.presence.peers().length === 0, 'ada leaves when her socket closes');
    ada.space.presence.set({ head: head(5, 6), state: { name: 'Ada', away: false } });
    ada.client.goOnline();
    await until(() => near(bo.space.presence.get(ada.client.clientId!), 5, 6), 'ada is back with her latest pose');
    expect(bo.space.presence.get(ada.client.clientId!)?.state).toEqual({ name: 'Ada', away: false });

    await ada.space.close();
    await until(() => bo.space.presence.peers().length === 0, 'close is a leave');
  });
});
