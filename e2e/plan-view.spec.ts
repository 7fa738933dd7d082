/**
 * The plan view a person uses: click to create, edit props and pose in the panel, the nearest anchor under
 * the pointer (the replica's R-tree), a TTL that hides the anchor on every replica by its own clock even
 * offline (X4), and delete. A second device watches each change arrive.
 */
import { expect, test } from '@playwright/test';
import { openDevice, serverUrl, uniqueName, type AnchorView } from './support/demo-device.js';

/** The nearest anchor to a floor point, computed here from the replica's data, not by the page. */
function nearestTo(anchors: AnchorView[], x: number, z: number): { id: string; d: number } {
  const ranked = anchors.map((a) => ({ id: a.id, d: Math.hypot(a.pose.p[0] - x, a.pose.p[1], a.pose.p[2] - z) })).sort((u, v) => u.d - v.d);
  return ranked[0]!;
}

test('X4: create, edit props and pose, nearest under the pointer, TTL expiry offline, delete', async ({ browser }) => {
  const space = uniqueName('plan');
  const d = await openDevice(browser, { baseUrl: serverUrl(), db: 'planner', space });
  const watcher = await openDevice(browser, { baseUrl: serverUrl(), db: 'watcher', space });

  const ids = [];
  for (const [x, z] of [[-6, -4], [-1, -3], [4, -1], [2, 4], [-4, 3]] as const) ids.push(await d.clickFloor(x, z));
  const [entrance, kiosk, stage, exit, popup] = ids as [string, string, string, string, string];

  await d.select(entrance);
  await d.editField('label', 'Entrance');
  await d.page.getByTestId('panel-color').fill('#2e86ab');
  await d.select(stage);
  await d.editField('label', 'Stage');
  await d.editField('heading', '135');
  await d.editField('y', '1.5');
  await expect.poll(async () => (await watcher.anchor(stage))?.pose.p).toEqual([4, 1.5, -1]);
  const stageSeen = (await watcher.anchor(stage))!;
  expect(stageSeen.props['label']).toBe('Stage');
  expect(stageSeen.pose.q[1]).toBeCloseTo(Math.sin((135 * Math.PI) / 360), 12);
  await expect.poll(async () => (await watcher.anchor(entrance))?.props).toEqual({ label: 'Entrance', color: '#2e86ab' });

  // Nearest under the pointer, checked against a brute-force search over the replica's anchors.
  for (const [x, z] of [[3, 0], [-5, -2], [1, 3]] as const) {
    await d.hover(x, z);
    const want = nearestTo(await d.anchors(), x, z);
    await expect(d.page.getByTestId('nearest')).toHaveAttribute('data-anchor-id', want.id);
    await expect(d.page.getByTestId('nearest')).toContainText(`${want.d.toFixed(2)} m`);
  }
  await d.select(stage);
  await d.page.getByTestId('panel-color').fill('#7e52a0');
  await d.hover(3, 2.5);
  await expect(d.page.getByTestId('nearest')).toHaveAttribute('data-anchor-id', exit);
  await d.screenshot('plan-1-tour');

  // A 5 s TTL; the watcher goes offline and still hides the anchor when it expires (X4).
  await d.select(popup);
  await d.page.getByTestId('panel-ttl').selectOption({ label: '5 s' });
  await d.page.getByTestId('panel-set-ttl').click();
  await expect(d.page.getByTestId('panel-expiry')).toContainText('expires in');
  await expect.poll(async () => (await watcher.anchor(popup))?.expiresAt ?? null).not.toBeNull();
  await watcher.setOnline(false);
  for (const device of [d, watcher]) {
    await expect(device.page.locator(`[data-testid=anchor-list] li[data-anchor-id="${popup}"]`)).toHaveCount(0, { timeout: 10_000 });
    await expect(device.page.locator(`[data-testid=plan] [data-anchor-id="${popup}"]`)).toHaveCount(0);
  }
  await watcher.screenshot('plan-2-expired-while-offline');
  await watcher.setOnline(true);

  await d.select(kiosk);
  await d.deleteSelected();
  await expect.poll(() => watcher.ids()).toEqual([entrance, stage, exit].sort());
  await d.waitSynced();
  await watcher.waitSynced();
  expect(await watcher.anchors()).toEqual(await d.anchors());
  await d.close();
  await watcher.close();
});
