/**
 * A3 at scale: 100,000 anchor creates in one burst, online and offline, from the real client to a real
 * server process on Postgres and Redis, spread over ~60 cells. Each ends with every anchor on the server
 * (REST read model and a fresh replica), no dead letter, no frame above maxPayload, and no push refused
 * for the push rate (the client paces to the maxPushesPerSecond its welcome stated).
 *
 * Slow by nature (about a minute per burst here, most of it the client's own anchor writes into
 * fake-indexeddb), hence a file of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '@cairn/server';
import { DEFAULT_LIMITS } from '@cairn/shared';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import {
  MANY_CELLS, burstClient, burstGrid, burstSpace, createBurst, freshReplicaCount, restCountReaches, type SentFrames,
} from '../support/anchor-burst.js';

const iso = isolatedEnv('it_burst_100k');
const N = 100_000;
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

async function rejectedOnServer(code: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`cairn_rejected_frames_total{code="${code}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function burst(space: string, offline: boolean): Promise<void> {
  const sent: SentFrames = { largest: 0, count: 0 };
  const url = `${server.wsUrl}/v1/sync`;
  const client = burstClient(url, token, sent);
  const rejected: string[] = [];
  client.on('rejected', (r) => rejected.push(r.code));
  if (offline) client.goOffline();
  const s = burstSpace(client, space, MANY_CELLS);
  const { poses, cells } = burstGrid(N, MANY_CELLS);
  await s.openCells(cells);
  if (!offline) await client.whenSynced();
  const rateLimitedBefore = await rejectedOnServer('RATE_LIMITED');

  expect(await createBurst(s, poses, space)).toHaveLength(N);
  await client.flush();
  if (offline) client.goOnline();
  await client.whenSynced();

  expect(rejected).toEqual([]);
  expect(await client.deadLetters.list()).toEqual([]);
  expect(client.status).toMatchObject({ state: 'synced', pending: 0, undeliverable: 0 });
  expect(sent.largest).toBeLessThanOrEqual(DEFAULT_LIMITS.maxPayload);
  expect(await rejectedOnServer('RATE_LIMITED')).toBe(rateLimitedBefore);
  expect(await restCountReaches(server.url, token, space, cells, N, 120_000)).toBe(N);
  expect(await freshReplicaCount(url, token, space, MANY_CELLS, cells)).toBe(N);
  await client.destroy();
}

describe('A3: 100,000 creates in one burst', () => {
  it('A3: 100,000 anchor creates offline all reach the server once back online', async () => {
    await burst('burst-100k-offline', true);
  }, 400_000);

  it('A3: 100,000 anchor creates online all reach the server', async () => {
    await burst('burst-100k-online', false);
  }, 400_000);
});
