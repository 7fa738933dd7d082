/**
 * O4 against a real server process: a misconfigured client is told why it cannot connect (a refused port,
 * a wrong path, a foreign Origin), each refusal kind leaves a warn line in the server's log, and 1,000
 * refusals do not leave 1,000 lines.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createCairnClient, type CairnClient, type CairnClientOptions } from '@cairn/client';
import { issueToken } from '@cairn/server';
import { CairnError, type ClientSocket } from '@cairn/shared';
import { createHttpProbe } from '../../packages/client/src/socket/probe.js';
import { freePort, isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

const APP = 'https://app.example';
const EVIL = 'https://evil.example';
const iso = isolatedEnv('it_connect_diagnosis');
let server: ServerProcess;
let token: string;
const clients: CairnClient[] = [];

beforeAll(async () => {
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'diag', spaces: { '*': 'rw' } });
  server = await startServer({ ...iso.env, CAIRN_ALLOWED_ORIGINS: APP });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.destroy()));
  await server?.kill('SIGKILL');
  await iso.drop();
});

/** A real client (ws, fake-indexeddb) whose every socket and probe carries `origin`, as a page on it would. */
function client(url: string, origin?: string, extra: Partial<CairnClientOptions> = {}) {
  let sockets = 0;
  const errors: CairnError[] = [];
  const c = createCairnClient({
    url,
    token,
    indexedDB: new IDBFactory(),
    IDBKeyRange,
    broadcastChannel: null,
    networkEvents: null,
    backoff: { baseMs: 20, capMs: 40 },
    socket: (u) => (sockets++, new WebSocket(u, origin ? { origin } : {}) as unknown as ClientSocket),
    probe: createHttpProbe(origin ? { headers: { origin } } : {}),
    ...extra,
  });
  c.on('error', (e) => errors.push(e as CairnError));
  clients.push(c);
  return { c, errors, sockets: () => sockets };
}

/** Lets the client run long enough for many retries at the 20-40 ms backoff, had it kept retrying. */
const pause = () => new Promise((r) => setTimeout(r, 500));

describe('a misconfigured client is told why it cannot connect', () => {
  it('O4: a refused port is UNREACHABLE, told once while the retries go on', async () => {
    const { c, errors, sockets } = client(`ws://127.0.0.1:${await freePort()}/v1/sync`);
    await until(() => sockets() >= 5, 'five attempts');
    await until(() => errors.length > 0, 'the diagnosis');
    expect(errors.map((e) => [e instanceof CairnError, e.code])).toEqual([[true, 'UNREACHABLE']]);
    expect(c.status.state).not.toBe('synced');
  });

  it('O4: a wrong path is NOT_FOUND and stops the retries', async () => {
    const { c, errors, sockets } = client(`${server.wsUrl}/v1/synk`);
    await expect(c.whenSynced()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(errors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    const after = sockets();
    await pause();
    expect(sockets()).toBe(after);
    expect(c.status.state).toBe('offline');
  });

  it('O4/S2: an Origin outside the allowlist is ORIGIN_NOT_ALLOWED and stops the retries; the allowed one syncs', async () => {
    const evil = client(`${server.wsUrl}/v1/sync`, EVIL);
    await expect(evil.c.whenSynced()).rejects.toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    expect(evil.errors.map((e) => e.code)).toEqual(['ORIGIN_NOT_ALLOWED']);
    const after = evil.sockets();
    await pause();
    expect(evil.sockets()).toBe(after);

    const app = client(`${server.wsUrl}/v1/sync`, APP);
    await app.c.open('site/diag');
    await app.c.whenSynced();
    expect(app.errors).toEqual([]);
  });

  it('O4: a plain GET of /v1/sync answers what an upgrade would meet, readable cross-origin', async () => {
    const allowed = await fetch(`${server.url}/v1/sync`, { headers: { origin: APP } });
    expect(allowed.status).toBe(426);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await allowed.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    const foreign = await fetch(`${server.url}/v1/sync`, { headers: { origin: EVIL } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBe('*');
    expect(await foreign.json()).toEqual({ error: { code: 'ORIGIN_NOT_ALLOWED', message: 'the Origin of the upgrade is not allowed: list it in CAIRN_ALLOWED_ORIGINS on the server', retryable: false } });
    const wrong = await fetch(`${server.url}/v1/synk`, { headers: { origin: APP } });
    expect(wrong.status).toBe(404);
    expect(wrong.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});

/** One raw upgrade request; resolves with the HTTP status of the refusal. */
function upgrade(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: server.port,
      path,
      agent: false,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      reject(new Error(`${path} was upgraded`));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the server logs refusals', () => {
  it('O4/S7: each refusal kind leaves a warn line, and 1,000 refusals do not leave 1,000 lines', async () => {
    for (let i = 0; i < 1000; i += 50) {
      const statuses = await Promise.all(Array.from({ length: 50 }, (_, j) => upgrade(`/v1/nope-${i + j}`)));
      expect(new Set(statuses)).toEqual(new Set([404]));
    }
    expect(await upgrade('/v1/sync', { origin: EVIL })).toBe(403);
    expect(await upgrade('/y/room?token=forged.token.value')).toBe(401);

    await until(() => server.output().includes('"code":"UNAUTHENTICATED"'), 'the log lines');
    const lines = server
      .output()
      .split('\n')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { level: number; msg: string; code?: string; path?: string }];
        } catch {
          return [];
        }
      })
      .filter((l) => l.msg === 'upgrade refused');
    const count = (code: string) => lines.filter((l) => l.code === code).length;
    expect(lines.every((l) => l.level === 40)).toBe(true); // pino's warn
    expect(count('NOT_FOUND')).toBeGreaterThanOrEqual(1);
    expect(count('NOT_FOUND')).toBeLessThanOrEqual(10);
    expect(count('ORIGIN_NOT_ALLOWED')).toBeGreaterThanOrEqual(1);
    expect(count('UNAUTHENTICATED')).toBe(1);
    // The /y token rides in the query string and never reaches the log.
    expect(server.output()).not.toContain('forged.token.value');
  });
});
