/**
 * O5: two tabs of one device (one browser context, one `?db=`) share the replica. With both sockets
 * closed by the switch, an edit in one tab shows up in the other through the BroadcastChannel, and both
 * count the same shared outbox. Back online, one drain empties it for both.
 */
import { expect, test } from '@playwright/test';
import { openDevice, serverUrl, uniqueName } from './support/demo-device.js';

test('O5: two tabs of one device converge through BroadcastChannel with the socket closed', async ({ browser }) => {
  const space = uniqueName('tabs');
  const context = await browser.newContext();
  const one = await openDevice(browser, { baseUrl: serverUrl(), db: 'tabbed', space, context });
  const two = await openDevice(browser, { baseUrl: serverUrl(), db: 'tabbed', space, context });
  await one.waitSynced();
  await two.waitSynced();
  await one.setOnline(false);
  await two.setOnline(false);

  const id = await one.clickFloor(-1, -1);
  await expect.poll(() => two.ids()).toEqual([id]);
  const pose = await two.drag(id, 3, 2);
  await expect.poll(async () => (await one.anchor(id))?.pose).toEqual(pose);
  await one.select(id);
  await one.editField('label', 'from tab one');
  await expect.poll(async () => (await two.anchor(id))?.props['label']).toBe('from tab one');
  const other = await two.clickFloor(4, -4);
  await expect.poll(() => one.ids()).toEqual([id, other].sort());

  // Nothing went through a server: both tabs are offline, and both count the same outbox.
  for (const tab of [one, two]) await expect(tab.page.getByTestId('status')).toHaveAttribute('data-state', 'offline');
  await expect.poll(async () => (await one.pending()) > 0 && (await one.pending()) === (await two.pending())).toBe(true);
  expect(await one.anchors()).toEqual(await two.anchors());
  await one.screenshot('tabs-1-tab-one-offline');
  await two.screenshot('tabs-2-tab-two-offline');

  await one.setOnline(true);
  await one.waitSynced();
  await expect.poll(() => two.pending()).toBe(0);
  await two.setOnline(true);
  await two.waitSynced();
  expect(await one.anchors()).toEqual(await two.anchors());
  await context.close();
});
