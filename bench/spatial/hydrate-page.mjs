// The page side of hydrate-browser.mjs, bundled by esbuild into the page it serves: seeds a replica through
// the client API (cell docs written in transactions of PER_TX anchors, then the client closes) and, after a
// reload, times a client opening that replica offline. Exposed as `window.hydrateBench`.
import { createCairnClient } from '@cairn/client';
import { cellDocId, cellOf, localToGeodetic, putAnchor } from '@cairn/shared';
import { prng } from './prng.mjs';

const URL = 'ws://127.0.0.1:9/v1/sync'; // never reached: the page is offline and the client too
const PER_TX = 1_000;

function client(dbName) {
  const c = createCairnClient({ url: URL, dbName, networkEvents: null });
  c.goOffline();
  return c;
}

/** The bench's layout (spatial-bench.mjs): n anchors over a 2·half m square around the origin, by cell. */
function layout(n, origin, precision, half) {
  const rnd = prng(n);
  const byCell = new Map();
  for (let i = 0; i < n; i++) {
    const p = [(rnd.next() * 2 - 1) * half, rnd.next() * 3, (rnd.next() * 2 - 1) * half];
    const g = localToGeodetic(origin, p);
    const cell = cellOf(g.lat, g.lon, precision);
    if (!byCell.has(cell)) byCell.set(cell, []);
    byCell.get(cell).push([i, p]);
  }
  return byCell;
}

async function seed({ n, dbName, origin, precision, half }) {
  const c = client(dbName);
  const byCell = layout(n, origin, precision, half);
  for (const [cell, list] of byCell) {
    const doc = await c.open(cellDocId('bench', cell));
    for (let s = 0; s < list.length; s += PER_TX) {
      doc.transact(() => {
        for (const [i, p] of list.slice(s, s + PER_TX)) {
          putAnchor(doc, { id: `a-${i}`, pose: { p, q: [0, 0, 0, 1], hlc: '000000000001-000000-seed' }, created: { by: 'bench', at: '2026-01-01' }, props: { n: i } });
        }
      });
    }
  }
  await c.flush();
  await c.destroy();
  return [...byCell.keys()];
}

/**
 * Opens the replica as an app would: the region around the device (radius `nearM` around the origin) and
 * every cell of the space, asked for at once. Times from the client's creation: `regionMs` until a query
 * over the region returns all its anchors, `indexedMs` until the index holds every anchor, `openMs` until
 * both calls resolved (every cell doc hydrated: writable).
 */
async function hydrate({ dbName, origin, precision, half, cells, n, nearM }) {
  let expectNear = 0;
  for (const list of layout(n, origin, precision, half).values()) for (const [, p] of list) if (Math.hypot(...p) <= nearM) expectNear++;
  const t0 = performance.now();
  const c = client(dbName);
  const space = c.space('bench', { origin, precision });
  let regionMs = null;
  let indexedMs = null;
  const check = () => {
    const t = performance.now() - t0;
    if (regionMs === null && space.anchors.within([0, 0, 0], nearM).length === expectNear) regionMs = t;
    if (indexedMs === null && space.anchors.all().length === n) indexedMs = t;
  };
  const off = space.anchors.onChange(check);
  await Promise.all([space.subscribeRegion({ lat: origin.lat, lon: origin.lon, radiusM: nearM }, { hysteresisMs: 0 }), space.openCells(cells)]);
  const openMs = performance.now() - t0;
  off();
  check();
  if (indexedMs === null) throw new Error(`the index holds ${space.anchors.all().length} anchors, not ${n}`);
  if (regionMs === null) throw new Error(`the region answered ${space.anchors.within([0, 0, 0], nearM).length} anchors, not ${expectNear}`);
  await c.destroy();
  return { regionMs, indexedMs, openMs, near: expectNear };
}

window.hydrateBench = { seed, hydrate };
