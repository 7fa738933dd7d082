/**
 * O1, O2: edits made offline live in IndexedDB. The page is reloaded while the device is still offline
 * (the switch stays off across the reload): every edit is still there and still pending. Switched back on,
 * the outbox drains, and a device that never saw this one gets the same anchors from the server.
 */
import { expect, test } from '@playwright/test';
import { openDevice, serverUrl, uniqueName } from './support/demo-device.js';

test('O1, O2: a reload while offline keeps every edit, and they reach the server once online', async ({ browser }) => {
  const space = uniqueName('reload');
  const device = await openDevice(browser, { baseUrl: serverUrl(), db: 'reloading', space });
  await device.waitSynced();
  await device.setOnline(false);

  const kept = await device.clickFloor(-2, -1);
  const moved = await device.clickFloor(1, 1);
  const dropped = await device.clickFloor(3, -3);
  await device.drag(moved, 5, 2);
  await device.select(kept);
  await device.editField('label', 'kept across reload');
  await device.select(dropped);
  await device.deleteSelected();
  await device.page.evaluate(() => window.cairnDemo!.client.flush());
  const before = await device.anchors();
  const pendingBefore = await device.pending();
  expect(pendingBefore).toBeGreaterThan(0);

  await device.reload();
  await expect(device.page.getByRole('switch', { name: 'Device online' })).not.toBeChecked();
  await expect(device.page.getByTestId('status')).toHaveAttribute('data-state', 'offline');
  await expect.poll(() => device.anchors()).toEqual(before);
  await expect.poll(() => device.pending()).toBe(pendingBefore);
  expect((await device.anchor(kept))?.props['label']).toBe('kept across reload');
  expect(await device.shownIds()).toEqual({ list: [kept, moved].sort(), plan: [kept, moved].sort() });
  await device.screenshot('reload-offline-1-after-reload');

  await device.setOnline(true);
  await device.waitSynced();
  await device.screenshot('reload-offline-2-synced');

  const fresh = await openDevice(browser, { baseUrl: serverUrl(), db: 'fresh-device', space });
  await fresh.waitSynced();
  await expect.poll(() => fresh.anchors()).toEqual(before);
  await device.close();
  await fresh.close();
});
