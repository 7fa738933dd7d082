// L1 history reads: the cost of reading a doc as of a version from the Store (snapshot + log), and of
// computing a revert, on a doc of 10,000 committed updates, on each Store. A read at head/2 cannot use the
// newest snapshot (it is past the version), so it replays from version 1: that is the design, and the
// row "snapshot at head/2 − 500" shows what keeping older snapshots would buy. The first row is the
// baseline every room load pays (snapshot at head, nothing to replay).
//
//   npm run build && node bench/history/doc-at-bench.mjs [--quick] [--out bench/results/history.md]
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as Y from 'yjs';
import pg from 'pg';
import { createMemoryStore, createPgliteStore, createPgStore } from '@cairn/server';
import { readDocAt } from '../../packages/server/dist/history/doc-at.js';
import { revertUpdate } from '../../packages/server/dist/history/revert-update.js';
import { prng } from '../spatial/prng.mjs';

const quick = process.argv.includes('--quick');
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? process.argv[outArg + 1] : quick ? 'bench/.tmp/history.md' : 'bench/results/history.md';
const N = quick ? 2000 : 10_000;
const RUNS = quick ? 3 : 7;
const PG_URL = process.env.CAIRN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DOC = 'bench/notes';

/** N updates of a shared note: text typed and edited, a map of settings overwritten; ~30-60 bytes each. */
function makeUpdates(seed) {
  const random = prng(seed).next;
  const d = new Y.Doc();
  const updates = [];
  d.on('update', (u) => updates.push(u));
  const text = d.getText('t');
  const map = d.getMap('m');
  while (updates.length < N) {
    const r = random();
    if (r < 0.6) text.insert(Math.floor(random() * (text.length + 1)), `w${Math.floor(random() * 1000)} `);
    else if (r < 0.8 && text.length > 4) text.delete(Math.floor(random() * (text.length - 4)), 3);
    else map.set(`k${Math.floor(random() * 50)}`, { v: Math.floor(random() * 1e6), at: updates.length });
  }
  return { updates, stateAt: (v) => {
    const x = new Y.Doc();
    Y.transact(x, () => updates.slice(0, v).forEach((u) => Y.applyUpdate(x, u)));
    return Y.encodeStateAsUpdate(x);
  } };
}

async function seed(store, tenant, updates) {
  for (let i = 0; i < updates.length; i += 500) {
    await store.commitBatch(updates.slice(i, i + 500).map((update, j) => ({ tenant, doc: DOC, clientId: 'bench-writer', seq: i + j, actor: 'bench', update })));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeIt(fn) {
  await fn(); // warm-up: JIT and the Store's first query plans are not what a read costs
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function measure(name, makeStore) {
  const { updates, stateAt } = makeUpdates(7);
  const half = N / 2;
  const rows = [];
  // Three tenants: one per snapshot placement (a Store keeps one snapshot per doc, the newest).
  const store = await makeStore();
  await store.migrate();
  const t = (k) => `bench-${process.pid}-${k}`;
  for (const k of ['head', 'older']) await seed(store, t(k), updates);
  await store.saveSnapshot(t('head'), DOC, { version: N, state: stateAt(N) });
  await store.saveSnapshot(t('older'), DOC, { version: half - 500, state: stateAt(half - 500) });
  const read = (k, v) => async () => (await readDocAt(store, t(k), DOC, { version: v })).ydoc.destroy();
  rows.push([name, 'read at head (snapshot at head: a room load)', await timeIt(read('head', N))]);
  rows.push([name, `read at head/2 (snapshot at head: replay ${half} rows from 1)`, await timeIt(read('head', half))]);
  rows.push([name, 'read at head/2 (snapshot at head/2 − 500: replay 500 rows)', await timeIt(read('older', half))]);
  rows.push([name, `revert to head/2 (replay ${half}, then ${half} tracked + undo)`, await timeIt(async () => revertUpdate(store, t('head'), DOC, half))]);
  await store.close();
  return rows;
}

const stores = [
  ['memory', async () => createMemoryStore()],
  ['PGlite', async () => createPgliteStore({ dataDir: 'memory://' })],
];
const schema = `bench_history_${process.pid}`;
let pgOk = true;
try {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.end();
  stores.push(['Postgres', async () => createPgStore({ connectionString: PG_URL, schema })]);
} catch {
  pgOk = false;
}

const rows = [];
for (const [name, make] of stores) {
  rows.push(...(await measure(name, make)));
  console.error(`${name} done`);
}
if (pgOk) {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
}

const lines = [
  `# History reads (L1): a doc of ${N.toLocaleString('en')} updates`,
  '',
  `\`node bench/history/doc-at-bench.mjs${quick ? ' --quick' : ''}\`, ${new Date().toISOString().slice(0, 10)}, median of ${RUNS}. Node ${process.version}, one process (the Store's client in it; Postgres on the same 2 cores).${pgOk ? '' : ' Postgres was not reachable: skipped.'}`,
  '',
  '| store | read | ms |',
  '|---|---|---:|',
  ...rows.map(([s, what, ms]) => `| ${s} | ${what} | ${ms.toFixed(1)} |`),
  '',
];
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, lines.join('\n'));
console.log(lines.join('\n'));
