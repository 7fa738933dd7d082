/**
 * A3 in Chromium (real IndexedDB, the browser's WebSocket): the demo page creates thousands of anchors in
 * one burst, online and offline, all in one cell doc. Before A3 the client merged such a burst into one push
 * above the server's 1 MiB maxPayload, dead-lettered it and still showed `synced`. Now every anchor reaches
 * the server: the REST read model counts them all, the dead-letter table is empty and the status is synced.
 */
import { expect, test } from '@playwright/test';
import { openDevice, serverUrl, uniqueName, type DemoDevice } from './support/demo-device.js';

/**
 * Creates `n` anchors at once (every create started before any finishes) on a 15 m x 10 m grid, through the
 * page's client in a space of their own: the demo's views draw only the page's space, and redrawing the
 * plan and list per anchor would measure the demo's rendering, not the sync.
 */
async function createBurst(d: DemoDevice, space: string, n: number): Promise<{ created: number; cells: string[] }> {
  return d.page.evaluate(
    async ({ name, count }) => {
      const origin = { lat: 48.8566, lon: 2.3522, alt: 35 };
      const s = window.cairnDemo!.client.space(name, { origin });
      await s.subscribeRegion({ lat: origin.lat, lon: origin.lon, radiusM: 25 });
      const made = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          s.anchors.create({ pose: { p: [(i % 60) * 0.25, 0, -Math.floor(i / 60) * 0.12], q: [0, 0, 0, 1] }, props: { label: `burst ${i}` } }),
        ),
      );
      return { created: made.length, cells: [...new Set(made.map((a) => a.cell))] };
    },
    { name: space, count: n },
  );
}

async function restCount(space: string, cells: readonly string[]): Promise<number> {
  let total = 0;
  for (const cell of cells) {
    const res = await fetch(`${serverUrl()}/v1/spaces/${space}/anchors?cell=${cell}&limit=10000`);
    expect(res.status).toBe(200);
    total += ((await res.json()) as { anchors: unknown[] }).anchors.length;
  }
  return total;
}

async function burst(d: DemoDevice, space: string, n: number, offline: boolean): Promise<void> {
  const rejected: string[] = [];
  d.page.on('console', (m) => {
    if (m.text().includes('refused')) rejected.push(m.text());
  });
  if (offline) await d.setOnline(false);
  else await d.waitSynced();
  const { created, cells } = await createBurst(d, space, n);
  expect(created).toBe(n);
  expect(cells).toHaveLength(1); // one cell doc: the burst that used to become one oversized push
  if (offline) {
    await expect(d.page.getByTestId('status')).toHaveAttribute('data-state', 'offline');
    await d.setOnline(true);
  }
  await d.waitSynced(60_000);
  expect(await d.page.evaluate(async () => (await window.cairnDemo!.client.deadLetters.list()).length)).toBe(0);
  expect(await d.page.evaluate(() => window.cairnDemo!.client.status)).toMatchObject({ state: 'synced', pending: 0, undeliverable: 0 });
  // The read model follows commits asynchronously.
  await expect.poll(() => restCount(space, cells), { timeout: 30_000 }).toBe(n);
  expect(rejected).toEqual([]);
}

test('A3: 3,000 anchor creates in a row online in Chromium all reach the server', async ({ browser }) => {
  test.setTimeout(120_000);
  const space = uniqueName('burst-online');
  const d = await openDevice(browser, { baseUrl: serverUrl(), db: 'burst-online', space: uniqueName('page') });
  await burst(d, space, 3000, false);
  await d.close();
});

test('A3: 5,000 anchor creates offline in Chromium all reach the server once back online', async ({ browser }) => {
  test.setTimeout(120_000);
  const space = uniqueName('burst-offline');
  const d = await openDevice(browser, { baseUrl: serverUrl(), db: 'burst-offline', space: uniqueName('page') });
  await burst(d, space, 5000, true);
  await d.close();
});
