/**
 * Two browser contexts are two devices with their own replicas. Both go offline with the switch, both
 * edit (create, move, delete, and the SAME anchor concurrently: one drags it along x, the other along z
 * and turns it), both come back, and both end up showing the same anchors, with the contested anchor at
 * ONE of the two whole poses (X2: no franken-pose mixing x of one and z of the other).
 */
import { expect, test } from '@playwright/test';
import { compareHlc } from '@cairn/shared';
import { openDevice, serverUrl, uniqueName } from './support/demo-device.js';

test('X2, X3, M1: two devices edit offline, concurrently, and converge to the same anchors with whole poses', async ({ browser }) => {
  const space = uniqueName('merge');
  const a = await openDevice(browser, { baseUrl: serverUrl(), db: 'device-a', space });
  const b = await openDevice(browser, { baseUrl: serverUrl(), db: 'device-b', space });

  // Online: three anchors everyone knows.
  const shared = await a.clickFloor(-3, -2);
  const doomedByA = await a.clickFloor(0, 3);
  const doomedByB = await b.clickFloor(4, -3);
  await a.waitSynced();
  await b.waitSynced();
  for (const d of [a, b]) await expect.poll(() => d.ids()).toEqual([shared, doomedByA, doomedByB].sort());

  await a.setOnline(false);
  await b.setOnline(false);

  // Device A: moves the shared anchor east, creates one, deletes one.
  const poseA = await a.drag(shared, 2, -2);
  const createdByA = await a.clickFloor(-6, 4);
  await a.select(doomedByA);
  await a.deleteSelected();

  // Device B: moves the same anchor south and turns it, renames it, creates one, deletes another.
  await b.drag(shared, -3, 2);
  await b.select(shared);
  await b.editField('heading', '90');
  await expect.poll(async () => (await b.anchor(shared))?.pose.q[1]).toBeCloseTo(Math.SQRT1_2, 9);
  await b.editField('label', 'contested');
  const createdByB = await b.clickFloor(6, 5);
  await b.select(doomedByB);
  await b.deleteSelected();
  const poseB = (await b.anchor(shared))!.pose;

  for (const d of [a, b]) {
    await expect(d.page.getByTestId('status')).toHaveAttribute('data-state', 'offline');
    expect(await d.pending()).toBeGreaterThan(0);
  }
  expect(poseA.p[0]).not.toBe(poseB.p[0]);
  expect(poseA.p[2]).not.toBe(poseB.p[2]);
  await a.screenshot('offline-merge-1-device-a-offline');
  await b.screenshot('offline-merge-2-device-b-offline');

  await a.setOnline(true);
  await b.setOnline(true);
  await a.waitSynced();
  await b.waitSynced();
  await expect.poll(async () => JSON.stringify(await a.anchors()) === JSON.stringify(await b.anchors()), { timeout: 20_000 }).toBe(true);

  const final = await a.anchors();
  const survivors = [shared, createdByA, createdByB].sort();
  expect(final.map((x) => x.id)).toEqual(survivors);
  const winner = final.find((x) => x.id === shared)!;
  // One whole pose, the one with the later HLC, never a mix of components.
  const later = compareHlc(poseA.hlc, poseB.hlc) > 0 ? poseA : poseB;
  expect({ p: winner.pose.p, q: winner.pose.q }).toEqual({ p: later.p, q: later.q });
  // Props merge per key: B's rename survives whichever pose won.
  expect(winner.props['label']).toBe('contested');

  // The pages show the same thing, each anchor once (X3).
  const shownA = await a.shownIds();
  const shownB = await b.shownIds();
  expect(shownA).toEqual({ list: survivors, plan: survivors });
  expect(shownB).toEqual(shownA);
  await a.screenshot('offline-merge-3-device-a-merged');
  await b.screenshot('offline-merge-4-device-b-merged');
  await a.close();
  await b.close();
});
