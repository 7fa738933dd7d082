#!/usr/bin/env node
// Hydrate in Chromium (issue 14): a client opens a space whose cell docs are already in its IndexedDB
// replica, with no network, until its spatial index answers queries over them. For 10k and 100k anchors
// (spatial-bench.mjs's layout: 360 m x 360 m around the origin, 12 cells at precision 7), a page bundled
// from hydrate-page.mjs writes the anchors through the client API and closes the client; then, ROUNDS
// times, the page is reloaded, the network taken down, and the page times a fresh client: the region around the device (50 m)
// answering a query, and every cell indexed. Median of the rounds.
//
//   node bench/spatial/hydrate-browser.mjs [--quick] [--anchors N] [--rounds N] [--page-prof] [--out FILE]
//
// `--page-prof` writes one CDP CPU profile per size of the last round under bench/.tmp/. Never fails on
// a timing; exits non-zero only when it cannot run.
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const ORIGIN = { lat: 48.8584, lon: 2.2945, alt: 35 };
const PRECISION = 7;
const HALF = 180;
const NEAR_M = 50;
const TARGET_MS = 1_500;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const pageProf = args.includes('--page-prof');
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const ROUNDS = Number(opt('--rounds', quick ? 3 : 5));
const SIZES = args.includes('--anchors') ? [Number(opt('--anchors'))] : quick ? [10_000] : [10_000, 100_000];
const out = opt('--out', quick || args.includes('--anchors') ? join(ROOT, 'bench/.tmp/hydrate.md') : join(ROOT, 'bench/results/hydrate.md'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function bundle() {
  const res = await build({
    entryPoints: [join(ROOT, 'bench/spatial/hydrate-page.mjs')], bundle: true, format: 'esm', platform: 'browser',
    write: false, minify: false, sourcemap: false, logLevel: 'warning',
  });
  return res.outputFiles[0].text;
}

function serve(js) {
  const html = '<!doctype html><meta charset="utf-8"><title>hydrate</title><script type="module" src="/bench.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/bench.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function ready(page) {
  await page.waitForFunction(() => window.hydrateBench !== undefined);
}

async function main() {
  const js = await bundle();
  const server = await serve(js);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const rows = [];
  try {
    for (const n of SIZES) {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('pageerror', (err) => console.error('page error:', err));
      await page.goto(base);
      await ready(page);
      const dbName = `hydrate-${n}`;
      const t = performance.now();
      const cells = await page.evaluate((a) => window.hydrateBench.seed(a), { n, dbName, origin: ORIGIN, precision: PRECISION, half: HALF });
      const seedMs = performance.now() - t;
      const load = [];
      const regions = [];
      const alls = [];
      const opens = [];
      let near = 0;
      let cold = null;
      // Round 0 is the first open after the writes: no cell index is stored yet, it reads the docs and
      // stores them. The median is over the rounds after it.
      for (let r = 0; r <= ROUNDS; r++) {
        // The page itself comes from the local server; the network goes down before the client opens.
        await context.setOffline(false);
        await page.reload();
        await ready(page);
        await context.setOffline(true);
        const cdp = pageProf && r === ROUNDS ? await context.newCDPSession(page) : null;
        if (cdp) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
          await cdp.send('Profiler.start');
        }
        if (r > 0) load.push(os.loadavg()[0]);
        const res = await page.evaluate((a) => window.hydrateBench.hydrate(a), { dbName, origin: ORIGIN, precision: PRECISION, half: HALF, cells, n, nearM: NEAR_M });
        if (cdp) {
          const { profile } = await cdp.send('Profiler.stop');
          const file = join(ROOT, `bench/.tmp/hydrate-${n}.cpuprofile`);
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, JSON.stringify(profile));
          console.log(`page profile: ${file}`);
        }
        near = res.near;
        if (r === 0) cold = { ...res, load: os.loadavg()[0] };
        else {
          regions.push(res.regionMs);
          alls.push(res.indexedMs);
          opens.push(res.openMs);
        }
        console.log(`${n} anchors, ${r === 0 ? 'first open' : `round ${r}`}: region ${res.regionMs.toFixed(0)} ms, all indexed ${res.indexedMs.toFixed(0)} ms, all open ${res.openMs.toFixed(0)} ms`);
      }
      rows.push({ n, cells: cells.length, seedMs, near, cold, regionMs: median(regions), allMs: median(alls), openMs: median(opens), spread: [Math.min(...alls), Math.max(...alls)], load: median(load) });
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }

  const version = browser.version?.() ?? '';
  const lines = [
    '# Hydrate in Chromium (issue 14)',
    '',
    `Chromium ${version}, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, median of ${ROUNDS} rounds after a first open, each after a reload, with the network down while the client opens. Anchors spread over 360 m x 360 m at geohash precision ${PRECISION}, written through the client API (transactions of 1,000 anchors) and the client closed. The page asks at once for a ${NEAR_M} m region around the origin and for every cell, and times from \`createCairnClient\`: "region answers" until a query over the region returns all its anchors, "all indexed" until the index holds every anchor, "all docs open" until both calls resolved (every cell doc hydrated by Yjs, writable).`,
    '',
    'With the cell indexes stored (every open after the first):',
    '',
    '| anchors | cells | region answers | all indexed | all indexed: min-max | all docs open | anchors in region | load (1 min) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.n.toLocaleString('en')} | ${r.cells} | ${r.regionMs.toFixed(0)} ms | ${r.allMs.toFixed(0)} ms | ${r.spread.map((x) => x.toFixed(0)).join('-')} ms | ${r.openMs.toFixed(0)} ms | ${r.near} | ${r.load.toFixed(2)} |`),
    '',
    'The first open after the writes (one run: no cell index stored yet; it reads every doc and stores them):',
    '',
    '| anchors | region answers | all indexed | all docs open | load (1 min) |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.n.toLocaleString('en')} | ${r.cold.regionMs.toFixed(0)} ms | ${r.cold.indexedMs.toFixed(0)} ms | ${r.cold.openMs.toFixed(0)} ms | ${r.cold.load.toFixed(2)} |`),
    '',
    `Target at 100k: all indexed ≤ ${TARGET_MS.toLocaleString('en')} ms. Load is the machine's 1-minute load average at the start of each round (median).`,
    '',
  ];
  const md = lines.join('\n');
  console.log(`\n${md}`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
