/**
 * P4 in the demo: two devices (two browser contexts) in one space each see the other's avatar appear on the
 * plan, labelled with its name, follow it when its pointer moves, and see it disappear when it closes.
 */
import { expect, test, type Page } from '@playwright/test';
import { openDevice, serverUrl, uniqueName } from './support/demo-device.js';

const clientIdOf = (page: Page): Promise<string> => page.evaluate(() => window.cairnDemo!.client.clientId!);
const avatar = (page: Page, peer: string) => page.locator(`[data-testid=peers] [data-peer-id="${peer}"]`);

test('P4: each device sees the other as an avatar that appears, moves with its pointer, and goes when it closes', async ({ browser }) => {
  const space = uniqueName('presence');
  const ada = await openDevice(browser, { baseUrl: serverUrl(), db: 'ada', space });
  const bo = await openDevice(browser, { baseUrl: serverUrl(), db: 'bo', space });
  const [adaId, boId] = await Promise.all([clientIdOf(ada.page), clientIdOf(bo.page)]);

  await expect(avatar(bo.page, adaId)).toHaveCount(1);
  await expect(avatar(ada.page, boId)).toHaveCount(1);
  await expect(avatar(bo.page, adaId).locator('text')).toHaveText(/^ada·/);
  await expect(avatar(ada.page, boId).locator('text')).toHaveText(/^bo·/);

  // The pointer over ada's plan is where ada stands; bo's plan follows it.
  for (const [x, z] of [[5, -3], [-4, 2]] as const) {
    await ada.hover(x, z);
    await expect.poll(async () => {
      const g = avatar(bo.page, adaId);
      return [Number(await g.getAttribute('data-x')), Number(await g.getAttribute('data-z'))].map((v) => Math.round(v * 10) / 10);
    }).toEqual([x, z]);
  }
  // The last move went from (5, -3) to (-4, 2): the arrow points that way, at a heading (counter-clockwise
  // from north, -Z) of atan2(9, -5) = 119.05°, which SVG draws as rotate(-119.05).
  const rotate = await avatar(bo.page, adaId).locator('.body').getAttribute('transform');
  const deg = Number(/^rotate\((-?[\d.]+)\)$/.exec(rotate ?? '')?.[1]);
  expect(Math.abs(deg + (Math.atan2(9, -5) * 180) / Math.PI)).toBeLessThan(0.5);
  await bo.screenshot('presence-avatars');

  await ada.close();
  await expect(avatar(bo.page, adaId)).toHaveCount(0);
  await bo.close();
});
