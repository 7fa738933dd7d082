/**
 * A1, O2: the server is killed with SIGKILL while the device holds edits it has not acknowledged, then
 * restarted on the same port against the same Postgres. Nothing is lost: the edits acknowledged before
 * the kill were committed, the un-acked ones are resent from the outbox, and a device that never saw
 * this one reads them all from the restarted server.
 *
 * The server is frozen (SIGSTOP) before the last edits so that they are pushed down an open socket and
 * certainly never acknowledged: an in-flight push, not just an offline one.
 */
import { expect, test } from '@playwright/test';
import { isolatedEnv, startServer, type ServerProcess } from '../test/support/server-process.js';
import { openDevice, uniqueName } from './support/demo-device.js';
import { devModeEnv } from './support/dev-mode.js';

test('A1, O2: kill -9 of the server while a device holds un-acked edits loses nothing', async ({ browser }) => {
  const iso = isolatedEnv('e2e_kill');
  const env = devModeEnv(iso.env);
  let server: ServerProcess | null = await startServer(env);
  const port = server.port;
  try {
    const space = uniqueName('kill');
    const device = await openDevice(browser, { baseUrl: server.url, db: 'survivor', space });
    const acked = await device.clickFloor(-4, -2);
    await device.waitSynced();

    server.child.kill('SIGSTOP');
    const unacked = await device.clickFloor(2, 3);
    await device.drag(acked, -1, -4);
    await device.page.evaluate(() => window.cairnDemo!.client.flush());
    await expect.poll(() => device.pending()).toBeGreaterThan(0);
    const expected = await device.anchors();
    await device.screenshot('server-kill-1-unacked');

    const killed = await server.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    server = null;
    await expect(device.page.getByTestId('status')).not.toHaveAttribute('data-state', /sync/);
    expect(await device.pending()).toBeGreaterThan(0);

    server = await startServer(env, { port });
    await device.waitSynced(40_000);
    await device.screenshot('server-kill-2-resynced');

    const fresh = await openDevice(browser, { baseUrl: server.url, db: 'after-restart', space });
    await fresh.waitSynced();
    await expect.poll(() => fresh.anchors()).toEqual(expected);
    expect(expected.map((a) => a.id).sort()).toEqual([acked, unacked].sort());
    await device.close();
    await fresh.close();
  } finally {
    if (server) await server.kill('SIGKILL');
    await iso.drop();
  }
});
