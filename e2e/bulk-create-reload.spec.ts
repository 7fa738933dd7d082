/**
 * O1, O2 for a bulk burst in Chromium (real IndexedDB): the demo page's client creates anchors a thousand
 * at a time (each thousand started in one tick, so they share transactions and outbox rows), and the page
 * reloads itself right after starting the third thousand, while its writes and pushes are in flight. Every
 * anchor whose create() had resolved before the reload reaches the server: the REST read model holds each.
 */
import { expect, test } from '@playwright/test';
import { cellOf, createGeoFrame, type Vec3 } from '@cairn/shared';
import { openDevice, serverUrl, uniqueName } from './support/demo-device.js';

const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const PRECISION = 8;
const CHUNK = 1000;
const COLUMNS = 100;
const poseOf = (i: number): Vec3 => [(i % COLUMNS) * 0.5, 0, -Math.floor(i / COLUMNS) * 0.5];

function cellsOf(n: number): string[] {
  const frame = createGeoFrame(ORIGIN);
  const cells = new Set<string>();
  for (let i = 0; i < n; i++) {
    const g = frame.toGeo(poseOf(i));
    cells.add(cellOf(g.lat, g.lon, PRECISION));
  }
  return [...cells];
}

async function restIds(base: string, space: string, cells: readonly string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const cell of cells) {
    const res = await fetch(`${base}/v1/spaces/${space}/anchors?cell=${cell}&limit=10000`);
    expect(res.status).toBe(200);
    for (const a of ((await res.json()) as { anchors: { id: string }[] }).anchors) ids.add(a.id);
  }
  return ids;
}

test('O1, O2: a reload in the middle of a bulk creation loses no anchor whose create() resolved', async ({ browser }) => {
  test.setTimeout(120_000);
  const base = serverUrl();
  const space = uniqueName('bulk-reload');
  const cells = cellsOf(3 * CHUNK);
  expect(cells.length).toBeGreaterThan(1);
  const d = await openDevice(browser, { baseUrl: base, db: uniqueName('bulk-reload'), space: uniqueName('page') });
  await d.waitSynced();

  // The page records each resolved id in localStorage (synchronous, survives the reload) and reloads itself
  // right after it started the third thousand: those creates, their IndexedDB write and pushes are cut off.
  const burst = d.page.evaluate(
    async ({ name, origin, precision, cellList, chunk, columns }) => {
      const s = window.cairnDemo!.client.space(name, { origin, precision });
      await s.openCells(cellList);
      localStorage.setItem('bulk-resolved', '[]');
      const create = (i: number) => s.anchors.create({ pose: { p: [(i % columns) * 0.5, 0, -Math.floor(i / columns) * 0.5], q: [0, 0, 0, 1] }, props: { i } });
      for (let c = 0; c < 3; c++) {
        const started = Array.from({ length: chunk }, (_, k) => create(c * chunk + k));
        if (c === 2) {
          location.reload();
          return;
        }
        const made = await Promise.all(started);
        const kept = JSON.parse(localStorage.getItem('bulk-resolved')!) as string[];
        localStorage.setItem('bulk-resolved', JSON.stringify([...kept, ...made.map((a) => a.id)]));
      }
    },
    { name: space, origin: ORIGIN, precision: PRECISION, cellList: cells, chunk: CHUNK, columns: COLUMNS },
  );
  await burst.catch(() => undefined); // the reload destroys the context the burst ran in
  await d.page.waitForFunction(() => window.cairnDemo !== undefined, undefined, { timeout: 30_000 });

  const resolved = await d.page.evaluate(() => JSON.parse(localStorage.getItem('bulk-resolved') ?? '[]') as string[]);
  expect(resolved).toHaveLength(2 * CHUNK);
  await d.waitSynced(60_000);
  expect(await d.page.evaluate(async () => (await window.cairnDemo!.client.deadLetters.list()).length)).toBe(0);
  // The read model follows commits asynchronously.
  await expect
    .poll(async () => {
      const held = await restIds(base, space, cells);
      return resolved.filter((id) => !held.has(id)).length;
    }, { timeout: 60_000, intervals: [1000] })
    .toBe(0);
  await d.close();
});
