/**
 * A3 end to end: bursts of anchor creates larger than one frame's worth, online and offline, from the real
 * client to a real server process on Postgres and Redis. Before A3 the client merged such a burst into one
 * push above the 1 MiB maxPayload, dead-lettered it with FRAME_TOO_LARGE and still reported `synced`.
 * Each burst must end with every anchor on the server (REST read model and a fresh replica), an empty
 * dead-letter table, and no frame sent above the server's maxPayload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '@cairn/server';
import { DEFAULT_LIMITS } from '@cairn/shared';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import {
  ONE_CELL, burstClient, burstGrid, burstSpace, createBurst, freshReplicaCount, restCountReaches, type SentFrames,
} from '../support/anchor-burst.js';

const iso = isolatedEnv('it_burst_creates');
let server: ServerProcess;
let token: string;

beforeAll(async () => {
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'surveyor', spaces: { '*': 'rw' } });
  server = await startServer(iso.env);
}, 60_000);

afterAll(async () => {
  await server?.kill('SIGKILL');
  await iso.drop();
});

async function burst(space: string, n: number, offline: boolean): Promise<void> {
  const sent: SentFrames = { largest: 0, count: 0 };
  const url = `${server.wsUrl}/v1/sync`;
  const client = burstClient(url, token, sent);
  const rejected: string[] = [];
  client.on('rejected', (r) => rejected.push(r.code));
  if (offline) client.goOffline();
  const s = burstSpace(client, space, ONE_CELL);
  const { poses, cells } = burstGrid(n, ONE_CELL);
  expect(cells).toHaveLength(1); // one doc: the burst that used to become one oversized push
  await s.openCells(cells);
  if (!offline) await client.whenSynced();

  const made = await createBurst(s, poses, space);
  expect(made).toHaveLength(n);
  await client.flush();
  if (offline) {
    expect(client.status.state).toBe('offline');
    client.goOnline();
  }
  await client.whenSynced();

  expect(rejected).toEqual([]);
  expect(await client.deadLetters.list()).toEqual([]);
  expect(client.status).toMatchObject({ state: 'synced', pending: 0, undeliverable: 0 });
  expect(sent.largest).toBeLessThanOrEqual(DEFAULT_LIMITS.maxPayload);
  expect(await restCountReaches(server.url, token, space, cells, n)).toBe(n);
  expect(await freshReplicaCount(url, token, space, ONE_CELL, cells)).toBe(n);
  await client.destroy();
}

describe('A3: bursts of creates reach the server whole', () => {
  it('A3: 3,000 anchor creates in a row online all reach the server; no dead letter, no frame above maxPayload', async () => {
    await burst('burst-online', 3000, false);
  }, 60_000);

  it('A3: 5,000 anchor creates offline all reach the server once back online; no dead letter, no frame above maxPayload', async () => {
    await burst('burst-offline', 5000, true);
  }, 60_000);
});
