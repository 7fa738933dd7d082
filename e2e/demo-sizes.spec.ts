/**
 * The demo on the devices people use: a phone in portrait (390×844, touch) and a headset or laptop browser
 * (1280×800, mouse). At each size the page is checked by measurement, not by eye: the plan is big enough to
 * use, every control sits inside the viewport's width (no horizontal scrolling) and works when tapped or
 * clicked, and touch targets are finger-sized. The screenshots land in e2e/artifacts/demo-size-*.png.
 *
 * And: default labels do not collide across devices. Two devices that create anchors offline end, after
 * the merge, with labels that are all distinct.
 */
import { expect, test, type Page } from '@playwright/test';
import { artifactPath, openDevice, serverUrl, uniqueName, type DemoDevice } from './support/demo-device.js';

/** A finger-sized target (Apple's HIG says 44 pt, Material 48 dp; 40 px still takes a thumb reliably). */
const MIN_TOUCH_PX = 40;

interface Size {
  name: string;
  width: number;
  height: number;
  touch: boolean;
  /** The smallest plan element that is still usable at this size. */
  minPlan: { width: number; height: number };
}

const SIZES: Size[] = [
  // Portrait phone: the plan takes at least 60% of the height and nearly the whole width.
  { name: 'phone-390x844', width: 390, height: 844, touch: true, minPlan: { width: 360, height: 0.6 * 844 } },
  // A phone held sideways (AR sessions often run in landscape): the page is one screen, plan included.
  { name: 'landscape-844x390', width: 844, height: 390, touch: true, minPlan: { width: 440, height: 250 } },
  // Headset browser / laptop: the plan takes most of the window beside the side panel.
  { name: 'desktop-1280x800', width: 1280, height: 800, touch: false, minPlan: { width: 800, height: 560 } },
];

/** Everything that overflows the viewport sideways, by test id or tag: empty when the page fits. */
function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; wide: string[] }> {
  return page.evaluate(() => {
    // HTML boxes only: the plan's floor grid reaches past its view box on purpose, clipped by the <svg>.
    const wide = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((el) => el instanceof HTMLElement && el.getClientRects().length > 0 && el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .map((el) => el.dataset.testid ?? `${el.tagName.toLowerCase()}.${el.className}`);
    return { scrollWidth: document.scrollingElement!.scrollWidth, innerWidth: window.innerWidth, wide };
  });
}

/** Sub-pixel layout (a 2x screen) may put an edge a fraction of a pixel past the viewport. */
const SUBPIXEL = 0.5;

/**
 * The element is inside the viewport's width and, scrolled to, inside its height; returns its box. A
 * container (the panel, the list) may be taller than a phone held sideways: only its width is checked.
 */
async function reachable(page: Page, testId: string, container = false): Promise<{ x: number; y: number; width: number; height: number }> {
  const el = page.getByTestId(testId);
  await el.scrollIntoViewIfNeeded();
  const box = await el.boundingBox();
  expect(box, `${testId} has a box`).not.toBeNull();
  const { innerWidth, innerHeight } = await page.evaluate(() => ({ innerWidth: window.innerWidth, innerHeight: window.innerHeight }));
  expect(box!.x, `${testId} left edge`).toBeGreaterThanOrEqual(-SUBPIXEL);
  expect(box!.x + box!.width, `${testId} right edge`).toBeLessThanOrEqual(innerWidth + SUBPIXEL);
  if (container) return box!;
  expect(box!.y, `${testId} top edge`).toBeGreaterThanOrEqual(-SUBPIXEL);
  expect(box!.y + box!.height, `${testId} bottom edge`).toBeLessThanOrEqual(innerHeight + SUBPIXEL);
  return box!;
}

/** Taps (touch) or clicks (mouse) the floor point (x, z) and returns the id of the anchor created there. */
async function createAt(d: DemoDevice, size: Size, x: number, z: number): Promise<string> {
  if (!size.touch) return d.clickFloor(x, z);
  const before = await d.ids();
  const at = await d.page.evaluate(([x, z]) => window.cairnDemo!.clientPoint(x!, z!), [x, z]);
  await d.page.touchscreen.tap(at.x, at.y);
  await expect.poll(async () => (await d.ids()).length).toBe(before.length + 1);
  const id = (await d.ids()).find((i) => !before.includes(i))!;
  const a = (await d.anchor(id))!;
  expect([a.pose.p[0], a.pose.p[2]]).toEqual([x, z]);
  return id;
}

for (const size of SIZES) {
  test(`demo at ${size.name}: the plan is usable, the controls are reachable and work, nothing overflows sideways`, async ({ browser }) => {
    const context = await browser.newContext({
      viewport: { width: size.width, height: size.height },
      hasTouch: size.touch,
      isMobile: size.touch,
      deviceScaleFactor: size.touch ? 2 : 1,
    });
    const d = await openDevice(browser, { baseUrl: serverUrl(), db: `sizes-${size.name}`, space: uniqueName('sizes'), context });
    await d.waitSynced();
    const page = d.page;

    const plan = await page.getByTestId('plan').boundingBox();
    expect(plan).not.toBeNull();
    expect(plan!.width, 'plan width').toBeGreaterThanOrEqual(size.minPlan.width);
    expect(plan!.height, 'plan height').toBeGreaterThanOrEqual(size.minPlan.height);
    // The whole plan is on the first screen: no scrolling to reach the part of the floor one wants.
    expect(plan!.y + plan!.height, 'plan bottom').toBeLessThanOrEqual(size.height);
    // The ±10 m × ±7 m plan fits inside the element and fills its width or its height (the view box
    // follows the element's shape: no letterboxing that would shrink the floor).
    const nw = await page.evaluate(() => window.cairnDemo!.clientPoint(-10, -7));
    const se = await page.evaluate(() => window.cairnDemo!.clientPoint(10, 7));
    const inner = { x: plan!.x + 1, y: plan!.y + 1, width: plan!.width - 2, height: plan!.height - 2 }; // 1 px border
    expect(nw.x, 'plan west edge').toBeGreaterThanOrEqual(inner.x - SUBPIXEL);
    expect(nw.y, 'plan north edge').toBeGreaterThanOrEqual(inner.y - SUBPIXEL);
    expect(se.x, 'plan east edge').toBeLessThanOrEqual(inner.x + inner.width + SUBPIXEL);
    expect(se.y, 'plan south edge').toBeLessThanOrEqual(inner.y + inner.height + SUBPIXEL);
    const fill = Math.max((se.x - nw.x) / inner.width, (se.y - nw.y) / inner.height);
    expect(fill, 'the plan fills the element along one axis').toBeGreaterThan(0.999);

    // Create on the plan the way this device does it (tap or click); the anchor shows in the list.
    const ids: string[] = [];
    for (const [x, z] of [[-6, -4], [3, -2], [-2, 4], [7, 5]] as const) ids.push(await createAt(d, size, x, z));
    for (const id of ids) {
      await expect(page.locator(`[data-testid=plan] [data-anchor-id="${id}"]`)).toHaveCount(1);
      await expect(page.locator(`[data-testid=anchor-list] li[data-anchor-id="${id}"]`)).toBeVisible();
    }
    // An anchor's glyph on the plan is a finger-sized target: pressing it selects it, it does not create.
    const hit = page.locator(`[data-testid=plan] [data-anchor-id="${ids[1]}"] .hit`);
    await expect(hit).toHaveCount(1);
    const glyph = await hit.boundingBox();
    expect(glyph).not.toBeNull();
    if (size.touch) expect(Math.min(glyph!.width, glyph!.height), 'anchor hit target').toBeGreaterThanOrEqual(MIN_TOUCH_PX);
    const centre = { x: glyph!.x + glyph!.width / 2, y: glyph!.y + glyph!.height / 2 };
    const offset = Math.min(glyph!.width, glyph!.height) / 3;
    if (size.touch) await page.touchscreen.tap(centre.x + offset, centre.y);
    else await page.mouse.click(centre.x + offset, centre.y);
    await expect(page.getByTestId('panel')).toHaveAttribute('data-anchor-id', ids[1]!);
    expect(await d.ids()).toHaveLength(ids.length);
    if (!size.touch) await page.mouse.move(1, 1); // off the plan: no hover marks in the screenshot
    await page.screenshot({ path: artifactPath(`demo-size-${size.name}`) });

    // The status, the switch, the panel and the list are all inside the viewport's width.
    for (const id of ['panel', 'anchor-list']) await reachable(page, id, true);
    for (const id of ['status', 'online-switch-label', 'panel-label', 'panel-delete']) await reachable(page, id);
    if (size.touch) {
      for (const id of ['online-switch-label', 'panel-delete', 'panel-set-ttl']) {
        const box = await reachable(page, id);
        expect(box.height, `${id} height`).toBeGreaterThanOrEqual(MIN_TOUCH_PX);
      }
      const item = await page.locator(`[data-testid=anchor-list] li[data-anchor-id="${ids[0]}"]`).boundingBox();
      expect(item!.height, 'list item height').toBeGreaterThanOrEqual(MIN_TOUCH_PX);
    }
    // A list item selects its anchor; the panel edits it.
    const item = page.locator(`[data-testid=anchor-list] li[data-anchor-id="${ids[2]}"]`);
    if (size.touch) await item.tap();
    else await item.click();
    await expect(page.getByTestId('panel')).toHaveAttribute('data-anchor-id', ids[2]!);
    await page.getByTestId('panel-label').fill('Door');
    await page.getByTestId('panel-label').press('Enter');
    await expect.poll(async () => (await d.anchor(ids[2]!))?.props['label']).toBe('Door');

    // The online switch, operated by its visible label, takes the device offline and back.
    const toggle = page.getByTestId('online-switch-label');
    await reachable(page, 'online-switch-label');
    if (size.touch) await toggle.tap();
    else await toggle.click();
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'offline');
    await reachable(page, 'online-switch-label');
    if (size.touch) await toggle.tap();
    else await toggle.click();
    await d.waitSynced();

    expect(await overflow(page)).toEqual({ scrollWidth: size.width, innerWidth: size.width, wide: [] });
    await page.screenshot({ path: artifactPath(`demo-size-${size.name}-full`), fullPage: true });
    await context.close();
  });
}

test('labels: two devices that create anchors offline end with distinct labels after the merge', async ({ browser }) => {
  const space = uniqueName('labels');
  const a = await openDevice(browser, { baseUrl: serverUrl(), db: 'labels-a', space });
  const b = await openDevice(browser, { baseUrl: serverUrl(), db: 'labels-b', space });
  await a.waitSynced();
  await b.waitSynced();
  await a.setOnline(false);
  await b.setOnline(false);
  for (const [x, z] of [[-6, -4], [-2, -4], [2, -4]] as const) await a.clickFloor(x, z);
  for (const [x, z] of [[-6, 4], [-2, 4], [2, 4]] as const) await b.clickFloor(x, z);
  await a.setOnline(true);
  await b.setOnline(true);
  await a.waitSynced();
  await b.waitSynced();
  for (const d of [a, b]) await expect.poll(async () => (await d.ids()).length).toBe(6);

  const shown = (d: DemoDevice): Promise<string[]> => d.page.locator('[data-testid=anchor-list] li[data-anchor-id] .name').allTextContents();
  await expect.poll(async () => (await shown(a)).length).toBe(6);
  const labels = await shown(a);
  expect(new Set(labels).size, `labels ${labels.join(', ')}`).toBe(6);
  expect([...(await shown(b))].sort()).toEqual([...labels].sort());
  // Short enough to read under a glyph on a phone.
  for (const label of labels) expect(label.length, label).toBeLessThanOrEqual(12);
  await a.screenshot('demo-labels-after-merge');
  await a.close();
  await b.close();
});
