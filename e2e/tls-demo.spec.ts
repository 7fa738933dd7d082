/**
 * The demo page served over https by a node with CAIRN_TLS_CERT/KEY (a certificate from a throwaway CA made
 * at test time): the page connects with wss (it derives the scheme from its own location), and an anchor
 * one device places reaches another device through the TLS node. Chromium does not know the test CA, so
 * the contexts ignore certificate errors; test/integration/tls-direct.test.ts verifies the certificate.
 */
import { expect, test } from '@playwright/test';
import { isolatedEnv, startServer } from '../test/support/server-process.js';
import { createTestCa } from '../test/support/test-certificates.js';
import { openDevice, uniqueName } from './support/demo-device.js';
import { devModeEnv } from './support/dev-mode.js';

test('A1, M1: the demo page over https syncs an anchor between two devices over wss', async ({ browser }) => {
  const ca = createTestCa();
  const iso = isolatedEnv('e2e_tls');
  const { certFile, keyFile } = ca.issue('demo');
  const server = await startServer({ ...devModeEnv(iso.env), CAIRN_TLS_CERT: certFile, CAIRN_TLS_KEY: keyFile }, { ca: ca.caPem });
  try {
    expect(server.url).toMatch(/^https:/);
    const space = uniqueName('tls');
    const sockets: string[] = [];
    const [ctxA, ctxB] = [await browser.newContext({ ignoreHTTPSErrors: true }), await browser.newContext({ ignoreHTTPSErrors: true })];
    ctxA.on('page', (page) => page.on('websocket', (ws) => sockets.push(ws.url())));
    const a = await openDevice(browser, { baseUrl: server.url, db: 'tls-a', space, context: ctxA });
    const b = await openDevice(browser, { baseUrl: server.url, db: 'tls-b', space, context: ctxB });
    expect(await a.page.evaluate(() => location.protocol)).toBe('https:');

    const id = await a.clickFloor(1, -2);
    await a.waitSynced();
    await expect.poll(() => b.ids()).toEqual([id]);
    expect(sockets.length).toBeGreaterThan(0);
    for (const url of sockets) expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/v1\/sync$/);
    await ctxA.close();
    await ctxB.close();
  } finally {
    await server.kill('SIGTERM');
    await iso.drop();
    ca.remove();
  }
});
