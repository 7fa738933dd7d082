/**
 * O4 in real Chromium: a WebSocket that fails its handshake tells the page nothing but close 1006, so the
 * client asks the server with a plain fetch of the same URL, which must be readable from another origin
 * (CORS). The page lives on the shared server A; server B lists A's origin in CAIRN_ALLOWED_ORIGINS. The
 * real @cairn/client, bundled for the browser, runs in the page with the browser's own WebSocket and fetch.
 * Both servers run in dev mode, where every loopback origin is allowed (S2), so the foreign page is B's
 * served under a name that is not loopback: Chromium resolves `b.test` to 127.0.0.1, and B serves that Host.
 */
import { expect, test, type Page } from '@playwright/test';
import { build } from 'vite';
import { fileURLToPath } from 'node:url';
import { freePort, isolatedEnv, startServer, type ServerProcess } from '../test/support/server-process.js';
import { serverUrl } from './support/demo-device.js';
import { devModeEnv } from './support/dev-mode.js';
import { CHROMIUM } from './support/chromium.js';

declare global {
  interface Window {
    diagnose(url: string): Promise<{ codes: string[]; state: string; retriesAfterDiagnosis: number; sockets: number }>;
  }
}

test.describe.configure({ mode: 'default' }); // one worker: one server B and one bundle
test.use({ launchOptions: { executablePath: CHROMIUM.executablePath, args: [...CHROMIUM.args, '--host-resolver-rules=MAP b.test 127.0.0.1'] } });

const CLIENT = fileURLToPath(new URL('../packages/client/src/index.ts', import.meta.url));
let bundle = '';
let b: ServerProcess;
const iso = isolatedEnv('e2e_diagnosis');

test.beforeAll(async () => {
  const a = new URL(serverUrl());
  b = await startServer({ ...devModeEnv(iso.env), CAIRN_ALLOWED_ORIGINS: a.origin, CAIRN_ALLOWED_HOSTS: 'b.test' });
  const out = await build({
    configFile: false,
    logLevel: 'warn',
    build: { write: false, minify: false, lib: { entry: CLIENT, name: 'Cairn', formats: ['iife'], fileName: 'cairn' } },
  });
  const first = Array.isArray(out) ? out[0]! : out;
  bundle = (first as { output: { code?: string }[] }).output[0]!.code!;
});

test.afterAll(async () => {
  await b?.kill('SIGKILL');
  await iso.drop();
});

/** A page on `origin` with the client loaded and `window.diagnose(url)`: the error codes of a client on url. */
async function pageOn(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/healthz`);
  await page.addScriptTag({ content: bundle });
  await page.evaluate(() => {
    window.diagnose = async (url) => {
      const Cairn = (window as unknown as { Cairn: typeof import('@cairn/client') }).Cairn;
      let sockets = 0;
      const client = Cairn.createCairnClient({
        url,
        persistence: 'memory',
        broadcastChannel: null,
        backoff: { baseMs: 20, capMs: 40 },
        socket: (u) => (sockets++, new WebSocket(u)),
      });
      const codes: string[] = [];
      let socketsAtDiagnosis = 0;
      client.on('error', (e) => {
        codes.push((e as { code: string }).code);
        socketsAtDiagnosis ||= sockets;
      });
      const deadline = Date.now() + 10_000;
      while (codes.length === 0 && client.status.state !== 'synced' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // Long enough for many retries at the 20-40 ms backoff, had a fatal diagnosis not stopped them.
      await new Promise((r) => setTimeout(r, 500));
      const result = { codes, state: client.status.state, retriesAfterDiagnosis: sockets - socketsAtDiagnosis, sockets };
      await client.destroy();
      return result;
    };
  });
}

test('O4: a wrong path on another origin is NOT_FOUND, told once, and the retries stop', async ({ page }) => {
  await pageOn(page, new URL(serverUrl()).origin);
  const r = await page.evaluate((u) => window.diagnose(u), `${b.wsUrl}/v1/synk`);
  expect(r).toMatchObject({ codes: ['NOT_FOUND'], state: 'offline', retriesAfterDiagnosis: 0 });
});

test('O4/S2: an Origin outside the allowlist is ORIGIN_NOT_ALLOWED; the allowed origin syncs', async ({ page }) => {
  // B's page, on a name that is not loopback, connecting to A: A allows only its own origin and loopback ones.
  await pageOn(page, `http://b.test:${b.port}`);
  const refused = await page.evaluate((u) => window.diagnose(u), `${serverUrl().replace('http', 'ws')}/v1/sync`);
  expect(refused).toMatchObject({ codes: ['ORIGIN_NOT_ALLOWED'], state: 'offline', retriesAfterDiagnosis: 0 });
  // A's page connecting to B, which lists A's origin.
  await pageOn(page, new URL(serverUrl()).origin);
  const allowed = await page.evaluate((u) => window.diagnose(u), `${b.wsUrl}/v1/sync`);
  expect(allowed.codes).toEqual([]);
  expect(allowed.state).toBe('synced');
});

test('S2: in dev mode a page on another loopback origin (an app on its own dev server) syncs without an allowlist entry', async ({ page }) => {
  // B's page on 127.0.0.1:<B's port> connecting to A, whose CAIRN_ALLOWED_ORIGINS is unset.
  await pageOn(page, b.url);
  const r = await page.evaluate((u) => window.diagnose(u), `${serverUrl().replace('http', 'ws')}/v1/sync`);
  expect(r.codes).toEqual([]);
  expect(r.state).toBe('synced');
});

test('O4: a port nobody listens on is UNREACHABLE, told once while the retries go on', async ({ page }) => {
  await pageOn(page, new URL(serverUrl()).origin);
  const r = await page.evaluate((u) => window.diagnose(u), `ws://127.0.0.1:${await freePort()}/v1/sync`);
  expect(r.codes).toEqual(['UNREACHABLE']);
  expect(r.retriesAfterDiagnosis).toBeGreaterThan(3);
  expect(r.state).not.toBe('synced');
});

test('O4: a URL without a scheme throws INVALID_URL instead of being resolved against the page', async ({ page }) => {
  await pageOn(page, new URL(serverUrl()).origin);
  const code = await page.evaluate(() => {
    const Cairn = (window as unknown as { Cairn: typeof import('@cairn/client') }).Cairn;
    try {
      Cairn.createCairnClient({ url: `${location.host}/v1/sync`, persistence: 'memory' });
      return 'no error';
    } catch (err) {
      return (err as { code: string }).code;
    }
  });
  expect(code).toBe('INVALID_URL');
});
