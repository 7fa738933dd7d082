/**
 * S2 against real server processes: in dev mode (no CAIRN_AUTH_SECRET) a page from any loopback origin (an
 * app on its own dev server) opens a socket without CAIRN_ALLOWED_ORIGINS; other origins, look-alikes
 * included, stay refused with a 403 whose body names the setting; with a secret, loopback is not special.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, startServer, type ServerProcess } from '../support/server-process.js';

const iso = isolatedEnv('it_dev_origins');
let dev: ServerProcess;
let auth: ServerProcess;

beforeAll(async () => {
  [dev, auth] = await Promise.all([startServer({ ...iso.env, CAIRN_AUTH_SECRET: '' }), startServer(iso.env)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([dev?.kill('SIGKILL'), auth?.kill('SIGKILL')]);
  await iso.drop();
});

const LOOPBACK = ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'http://app.localhost:5173'];
const FOREIGN = ['http://example.com', 'http://localhost.evil.com'];

/** One raw upgrade of /v1/sync from `origin`: 101 when upgraded, else the refusal's status and body. */
function upgrade(server: ServerProcess, origin: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: server.port,
      path: '/v1/sync',
      agent: false,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', origin },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dev mode accepts loopback origins (S2)', () => {
  it.each(LOOPBACK)('S2: dev mode upgrades a socket from %s without CAIRN_ALLOWED_ORIGINS', async (origin) => {
    expect((await upgrade(dev, origin)).status).toBe(101);
  });

  it.each(FOREIGN)('S2: dev mode still refuses %s with a 403 that names CAIRN_ALLOWED_ORIGINS', async (origin) => {
    const { status, body } = await upgrade(dev, origin);
    expect(status).toBe(403);
    const parsed = JSON.parse(body) as { error: { code: string; message: string } };
    expect(parsed.error.code).toBe('ORIGIN_NOT_ALLOWED');
    expect(parsed.error.message).toContain('CAIRN_ALLOWED_ORIGINS');
    // The probe a browser client reads (O4) says the same.
    const probe = await fetch(`${dev.url}/v1/sync`, { headers: { origin } });
    expect(probe.status).toBe(403);
    expect(((await probe.json()) as { error: { message: string } }).error.message).toContain('CAIRN_ALLOWED_ORIGINS');
  });

  it.each(LOOPBACK)('S2: with CAIRN_AUTH_SECRET set, %s is refused like any unlisted origin', async (origin) => {
    expect((await upgrade(auth, origin)).status).toBe(403);
  });

  it('S2: the server\'s own origin still passes with auth on', async () => {
    expect((await upgrade(auth, auth.url)).status).toBe(101);
  });
});
