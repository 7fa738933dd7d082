/**
 * S8 against DNS rebinding: a page on evil.example whose name was re-pointed at 127.0.0.1 talks to a
 * dev-mode server (anonymous read+write) from its own origin, so its Origin equals its Host and the
 * Origin rule (S2) alone lets it in. Its browser still sends `Host: evil.example`: every request and upgrade
 * with a Host the server does not serve is 421 HOST_NOT_ALLOWED, before any handshake or route. Dev mode
 * serves loopback names only; CAIRN_ALLOWED_HOSTS adds public ones. Real server processes (main.ts reads
 * the environment), requests over node:http, which, unlike fetch, lets the test choose the Host header.
 */
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '@cairn/server';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';

const devIso = isolatedEnv('it_hosts_dev');
const prodIso = isolatedEnv('it_hosts_prod');
let dev: ServerProcess;
let prod: ServerProcess;
let staticDir = '';
let token = '';

beforeAll(async () => {
  staticDir = await mkdtemp(join(tmpdir(), 'cairn-static-'));
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>demo</title>');
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'w', spaces: { '*': 'rw' } });
  dev = await startServer({ ...devIso.env, CAIRN_AUTH_SECRET: '', CAIRN_STATIC_DIR: staticDir });
  prod = await startServer({ ...prodIso.env, CAIRN_ALLOWED_HOSTS: 'cairn.example.com, sync.example.com:8443', CAIRN_STATIC_DIR: staticDir });
}, 90_000);

afterAll(async () => {
  await Promise.all([dev?.kill('SIGKILL'), prod?.kill('SIGKILL')]);
  await Promise.all([devIso.drop(), prodIso.drop(), rm(staticDir, { recursive: true, force: true })]);
});

interface Answer {
  status: number;
  body: string;
}

/** One request to `server` with the given Host header; an upgrade answers 101 or the refusal. */
function send(server: ServerProcess, path: string, host: string, opts: { upgrade?: boolean; origin?: string; bearer?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { host };
  if (opts.origin) headers['origin'] = opts.origin;
  if (opts.bearer) headers['authorization'] = `Bearer ${opts.bearer}`;
  if (opts.upgrade) {
    Object.assign(headers, { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' });
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers, agent: false });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The paths a rebinding page would go for: both socket endpoints, REST and the demo page. */
const targets = [
  { what: '/v1/sync', path: '/v1/sync', upgrade: true, ok: 101 },
  { what: '/y/room', path: '/y/room', upgrade: true, ok: 101 },
  { what: 'REST', path: '/v1/spaces/site/anchors?cell=u', upgrade: false, ok: 200 },
  { what: 'demo page', path: '/', upgrade: false, ok: 200 },
] as const;

function expectRefused(what: string, res: Answer): void {
  expect([what, res.status]).toEqual([what, 421]);
  expect([what, JSON.parse(res.body)]).toEqual([what, { error: { code: 'HOST_NOT_ALLOWED', message: expect.any(String), retryable: false } }]);
}

describe('Host allowlist', () => {
  it('S8: a dev-mode server refuses Host: evil.example (a rebinding page) on /v1/sync, /y/room, REST and the demo page', async () => {
    for (const t of targets) {
      expectRefused(t.what, await send(dev, t.path, 'evil.example', { upgrade: t.upgrade }));
      // What the rebinding page really sends: its own origin, equal to its Host.
      expectRefused(`${t.what} with Origin`, await send(dev, t.path, `evil.example:${dev.port}`, { upgrade: t.upgrade, origin: `http://evil.example:${dev.port}` }));
      // A LAN address is not loopback either: dev mode is not served there without CAIRN_ALLOWED_HOSTS.
      expectRefused(`${t.what} on a LAN address`, await send(dev, t.path, `192.168.1.20:${dev.port}`, { upgrade: t.upgrade }));
    }
    const metrics = await send(dev, '/metrics', `127.0.0.1:${dev.port}`);
    expect(metrics.body).toMatch(/cairn_rejected_frames_total\{code="HOST_NOT_ALLOWED"\} (\d{2,}|[2-9])/);
  });

  it('S8: a dev-mode server serves Host: localhost:PORT, 127.0.0.1:PORT and [::1]:PORT', async () => {
    for (const host of [`localhost:${dev.port}`, `127.0.0.1:${dev.port}`, `[::1]:${dev.port}`, `127.1.2.3:${dev.port}`]) {
      for (const t of targets) {
        const res = await send(dev, t.path, host, { upgrade: t.upgrade, origin: `http://${host}` });
        expect([host, t.what, res.status]).toEqual([host, t.what, t.ok]);
      }
    }
  });

  it('S8: with CAIRN_ALLOWED_HOSTS, the configured public hosts are served and any other Host is refused', async () => {
    for (const host of ['cairn.example.com', `cairn.example.com:${prod.port}`, 'CAIRN.example.com', 'sync.example.com:8443', `localhost:${prod.port}`]) {
      for (const t of targets) {
        const path = t.what === '/y/room' ? `${t.path}?token=${token}` : t.path;
        const res = await send(prod, path, host, { upgrade: t.upgrade, bearer: token });
        expect([host, t.what, res.status]).toEqual([host, t.what, t.ok]);
      }
    }
    for (const host of ['evil.example', 'sync.example.com:9999', 'example.com', 'cairn.example.com.evil.example']) {
      for (const t of targets) expectRefused(`${host} ${t.what}`, await send(prod, t.path, host, { upgrade: t.upgrade, bearer: token }));
    }
  });
});
