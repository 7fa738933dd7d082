// Breaks one remote move down at N anchors (default 100,000 in 12 cells, as spatial-bench.mjs):
// Yjs alone (a plain copy of the cell doc, no listeners) vs. the client's cell doc, split at its own
// 'afterTransaction' listeners: Yjs integrating the update and the anchor-doc key index (before), the
// client's index sync (index-sync.ts, anchor-index.ts, live queries, events), and Yjs' cleanup with the
// update encoded for the open-docs 'update' listener (after). Medians per move, µs; CPU µs per move beside.
//
//   node bench/spatial/move-profile.mjs [N] [--live]    (--live: one `within` live query open)
import * as Y from 'yjs';
import { createCairnClient } from '@cairn/client';
import { ORIGIN, cellDocId, cellOf, localToGeodetic, putAnchor, setPose } from '@cairn/shared';
import { prng } from './prng.mjs';

const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
const MOVES = 2_000;
const ORIGIN_GEO = { lat: 48.8584, lon: 2.2945, alt: 35 };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rnd = prng(N);
const pts = Array.from({ length: N }, () => [(rnd.next() * 2 - 1) * 180, rnd.next() * 3, (rnd.next() * 2 - 1) * 180]);

const c = createCairnClient({ url: 'ws://127.0.0.1:9/v1/sync', persistence: 'memory', broadcastChannel: null, networkEvents: null });
c.goOffline();
const space = c.space('bench', { origin: ORIGIN_GEO, precision: 7 });
const byCell = new Map();
pts.forEach((p, i) => {
  const g = localToGeodetic(ORIGIN_GEO, p);
  const cell = cellOf(g.lat, g.lon, 7);
  if (!byCell.has(cell)) byCell.set(cell, []);
  byCell.get(cell).push(i);
});
const cells = [...byCell.keys()];
const cellDocs = new Map();
// Written before the space opens the cells, so the index is bulk loaded as from a stored replica.
for (const cell of cells) {
  const doc = await c.open(cellDocId('bench', cell));
  cellDocs.set(cell, doc);
  doc.transact(() => {
    for (const i of byCell.get(cell)) putAnchor(doc, { id: `a-${i}`, pose: { p: pts[i], q: [0, 0, 0, 1], hlc: '000000000001-000000-seed' }, created: { by: 'bench', at: '2026-01-01' }, props: { n: i } });
  });
}
let before = 0;
let after = 0;
for (const d of cellDocs.values()) d.on('afterTransaction', () => (before = performance.now()));
await space.openCells(cells);
for (const d of cellDocs.values()) d.on('afterTransaction', () => (after = performance.now()));
if (space.anchors.all().length !== N) throw new Error('the index does not hold every anchor');
if (process.argv.includes('--live')) space.anchors.observe({ kind: 'within', center: [0, 1, 0], radiusM: 20 }, () => undefined);

// Moves made on other replicas (one per cell, each move after the last), small enough to stay in the cell.
const states = cells.map((cell) => Y.encodeStateAsUpdate(cellDocs.get(cell)));
const others = new Map();
const updates = [];
for (let i = 0; i < MOVES; i++) {
  const id = rnd.int(N);
  const g = localToGeodetic(ORIGIN_GEO, pts[id]);
  const cell = cellOf(g.lat, g.lon, 7);
  let other = others.get(cell);
  if (!other) {
    others.set(cell, (other = new Y.Doc()));
    Y.applyUpdate(other, states[cells.indexOf(cell)]);
  }
  let update;
  const take = (u) => (update = u);
  other.on('update', take);
  other.transact(() => setPose(other, `a-${id}`, { p: [pts[id][0] + 0.1, pts[id][1], pts[id][2] + 0.1], q: [0, 0, 0, 1], hlc: `000000000002-${i.toString(16).padStart(6, '0')}-remote` }));
  other.off('update', take);
  updates.push([cellDocs.get(cell), update]);
}

const plain = new Map();
cells.forEach((cell, i) => {
  const d = new Y.Doc();
  Y.applyUpdate(d, states[i]);
  plain.set(cellDocs.get(cell), d);
});
const yjs = [];
let cpu = process.cpuUsage();
for (const [doc, u] of updates) {
  const t = performance.now();
  Y.applyUpdate(plain.get(doc), u, ORIGIN.REMOTE);
  yjs.push((performance.now() - t) * 1000);
}
const yjsCpu = process.cpuUsage(cpu);
const total = [];
const parts = [[], [], []];
cpu = process.cpuUsage();
for (const [doc, u] of updates) {
  const t = performance.now();
  Y.applyUpdate(doc, u, ORIGIN.REMOTE);
  const end = performance.now();
  total.push((end - t) * 1000);
  parts[0].push((before - t) * 1000);
  parts[1].push((after - before) * 1000);
  parts[2].push((end - after) * 1000);
}
const moveCpu = process.cpuUsage(cpu);
const us = (x) => `${median(x).toFixed(1)} µs`;
const cpuUs = (u) => `${((u.user + u.system) / MOVES).toFixed(1)} µs`;
console.log(`| anchors | Yjs alone | client doc | Yjs + key index | index sync | Yjs cleanup + update event | CPU: Yjs alone / client |`);
console.log(`|---|---|---|---|---|---|---|`);
console.log(`| ${N.toLocaleString('en')} | ${us(yjs)} | ${us(total)} | ${us(parts[0])} | ${us(parts[1])} | ${us(parts[2])} | ${cpuUs(yjsCpu)} / ${cpuUs(moveCpu)} |`);
await c.destroy();
