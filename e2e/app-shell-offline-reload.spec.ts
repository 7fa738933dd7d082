/**
 * O1, O2 with the network really gone: not the demo's "Device online" switch (the app's own simulation)
 * but the browser context offline, so the page's HTML and scripts cannot be fetched. The app-shell
 * service worker (demo/app-shell/) serves the page from its cache, the client's IndexedDB replica
 * brings back the plan and the anchors, a new anchor is made offline, and back online it syncs and a
 * fresh device sees it.
 *
 * The control: the same reload in a context whose service workers are blocked fails, so the first test
 * would fail if the worker did not answer.
 */
import { expect, test } from '@playwright/test';
import { networkReach, shellCaches, waitForShellWorker } from './support/app-shell.js';
import { openDevice, serverUrl, uniqueName } from './support/demo-device.js';

test('O1, O2: with the network cut, a reload comes from the app shell, shows the replica\'s anchors and takes new ones', async ({ browser }) => {
  const space = uniqueName('shell');
  const device = await openDevice(browser, { baseUrl: serverUrl(), db: 'shell-device', space });
  await device.waitSynced();
  const first = await device.clickFloor(-3, -2);
  const second = await device.clickFloor(2, 1);
  await device.waitSynced();
  await waitForShellWorker(device.page);
  expect(await shellCaches(device.page)).toHaveLength(1);
  const before = await device.anchors();

  await device.context.setOffline(true);
  expect(await networkReach(device.page)).toBe('cut');
  await expect(device.page.getByTestId('status')).toHaveAttribute('data-state', 'offline');

  const response = await device.page.reload();
  expect(response?.fromServiceWorker()).toBe(true);
  await device.page.waitForFunction(() => window.cairnDemo !== undefined);
  expect(await networkReach(device.page)).toBe('cut');
  await expect(device.page.getByTestId('plan')).toBeVisible();
  await expect.poll(() => device.anchors()).toEqual(before);
  await expect.poll(() => device.shownIds()).toEqual({ list: [first, second].sort(), plan: [first, second].sort() });
  await expect(device.page.getByTestId('status')).toHaveAttribute('data-state', 'offline');
  await device.screenshot('app-shell-1-reloaded-offline');

  const offline = await device.clickFloor(4, -3);
  await device.page.evaluate(() => window.cairnDemo!.client.flush());
  await expect.poll(() => device.pending()).toBeGreaterThan(0);
  const expected = await device.anchors();
  expect(expected.map((a) => a.id).sort()).toEqual([first, second, offline].sort());

  await device.context.setOffline(false);
  await device.waitSynced();
  await device.screenshot('app-shell-2-synced');

  const fresh = await openDevice(browser, { baseUrl: serverUrl(), db: 'shell-fresh', space });
  await fresh.waitSynced();
  await expect.poll(() => fresh.anchors()).toEqual(expected);
  await device.close();
  await fresh.close();
});

test('control: without the service worker the same offline reload cannot load the page', async ({ browser }) => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    const device = await openDevice(browser, { baseUrl: serverUrl(), db: 'no-shell', space: uniqueName('noshell'), context });
    await device.waitSynced();
    expect(await device.page.evaluate(() => navigator.serviceWorker.controller)).toBeNull();
    await context.setOffline(true);
    await expect(device.page.reload()).rejects.toThrow(/ERR_INTERNET_DISCONNECTED/);
  } finally {
    await context.close();
  }
});
