#!/usr/bin/env node
// 100,000 anchors created in one browser, until durable: the client's bulk path (outbox rows, pushes) and
// the server's cost of one burst, on Cairn embedded (PGlite, in-process bus) and on Cairn Postgres + Redis
// in the same run.
//
//   node bench/bulk-anchors.mjs [--quick] [--anchors N] [--servers cairn-embedded,cairn-pg]
//                               [--cpu-prof] [--page-prof] [--out FILE]
//
// A real Chromium (/usr/bin/chromium, Playwright) opens the demo page's Vite build as the server under test
// serves it, and the page's own client (`window.cairnDemo.client`, real IndexedDB, the browser's WebSocket)
// creates the anchors in a space of their own, spread over ~60 cell docs of ~40 m, every create started
// before any finishes (as fast as the app can call `anchors.create`). Measured from the first create:
// all created (every create() resolved), in IndexedDB (`client.flush()`: every outbox row written),
// durable (`client.whenSynced()`: every row acked, i.e. committed, A1). An init script wraps the page's
// WebSocket to timestamp each `push` frame and each `ack` (frame type and seq only), which gives the
// outbox row count (distinct seqs pushed) and the ack latency per push (sent → the first ack ≥ its seq).
// Server RSS after (full GC first, SIGUSR2) and CPU (utime + stime over the burst) come from /proc.
// `--cpu-prof` writes the server's V8 profile and `--page-prof` the page's (CDP Profiler) under bench/.tmp/.
//
// Never fails on a timing; exits non-zero only when it cannot run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { cellOf, createGeoFrame } from '@cairn/shared';
import { startServer, TMP_DIR } from './lib/servers.mjs';
import { cpuSeconds, rssBytes, cpuSecondsNamed } from './lib/proc.mjs';
import { sleep } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
/** 400 anchors to a row, 0.5 m apart, precision-8 cells (~38 m x 19 m): 100,000 anchors over ~60 cell docs. */
const LAYOUT = { precision: 8, columns: 400, spacingM: 0.5 };
const TARGETS = {
  'cairn-embedded': { durableS: 20, rssMB: 400 },
  'cairn-pg': { durableS: 10, rssMB: null },
};
const LABELS = { 'cairn-embedded': 'Cairn embedded (PGlite)', 'cairn-pg': 'Cairn Postgres + Redis' };

function parseArgs(argv) {
  const a = { quick: false, anchors: null, servers: ['cairn-embedded', 'cairn-pg'], cpuProf: false, pageProf: false, out: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--quick') a.quick = true;
    else if (k === '--anchors') a.anchors = Number(argv[++i]);
    else if (k === '--servers') a.servers = argv[++i].split(',');
    else if (k === '--cpu-prof') a.cpuProf = true;
    else if (k === '--page-prof') a.pageProf = true;
    else if (k === '--out') a.out = argv[++i];
    else throw new Error(`unknown argument ${k}`);
  }
  a.anchors ??= a.quick ? 10_000 : 100_000;
  a.out ??= a.quick || a.anchors !== 100_000 || a.servers.length < 2 ? join(TMP_DIR, 'bulk-anchors.md') : join(ROOT, 'bench/results/bulk-anchors.md');
  return a;
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newestMtime(join(path, name))), st.mtimeMs);
}

/** The demo's Vite build, rebuilt when any input is newer (the server serves demo/dist at /). */
function buildDemoIfStale() {
  const built = newestMtime(join(ROOT, 'demo/dist/index.html'));
  const inputs = Math.max(...['demo/index.html', 'demo/vite.config.ts', 'demo/src', 'demo/app-shell', 'packages/client/dist', 'packages/shared/dist'].map((p) => newestMtime(join(ROOT, p))));
  if (built > inputs) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'demo', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

function cellsOf(n) {
  const frame = createGeoFrame(ORIGIN);
  const cells = new Set();
  for (let i = 0; i < n; i++) {
    const g = frame.toGeo([(i % LAYOUT.columns) * LAYOUT.spacingM, 0, -Math.floor(i / LAYOUT.columns) * LAYOUT.spacingM]);
    cells.add(cellOf(g.lat, g.lon, LAYOUT.precision));
  }
  return [...cells];
}

/**
 * Runs in the page before its scripts: every WebSocket the client opens records when each `push` (4) and
 * `push-part` (12) left and when each `ack` (5) arrived, decoding only the frame type, the doc id and the
 * seq (docs/PROTOCOL.md: varUint type, varString doc, varUint seq).
 */
function wireProbe() {
  const log = { pushes: [], acks: [] };
  window.__bulkWire = log;
  const varUint = (b, pos) => {
    let n = 0;
    let mult = 1;
    for (;;) {
      const x = b[pos.i++];
      n += (x & 0x7f) * mult;
      if (x < 0x80) return n;
      mult *= 128;
    }
  };
  const Native = window.WebSocket;
  class Probed extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (ev) => {
        if (!(ev.data instanceof ArrayBuffer)) return;
        const b = new Uint8Array(ev.data);
        const pos = { i: 0 };
        if (varUint(b, pos) === 5) log.acks.push([performance.now(), varUint(b, pos)]);
      });
    }
    send(data) {
      const b = data instanceof Uint8Array ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data instanceof ArrayBuffer ? new Uint8Array(data) : null;
      if (b) {
        const pos = { i: 0 };
        const type = varUint(b, pos);
        if (type === 4 || type === 12) {
          const docBytes = varUint(b, pos);
          pos.i += docBytes;
          log.pushes.push([performance.now(), varUint(b, pos), b.byteLength, type]);
        }
      }
      return super.send(data);
    }
  }
  window.WebSocket = Probed;
}

/** In the page: the burst itself. Returns the phase times (ms from the first create) and the wire log. */
async function burstInPage({ space, n, layout, cells, origin }) {
  const client = window.cairnDemo.client;
  const s = client.space(space, { origin, precision: layout.precision });
  await s.openCells(cells);
  await client.whenSynced();
  window.__bulkWire.pushes.length = 0;
  window.__bulkWire.acks.length = 0;
  // Local: every anchor is in the space's view (its transaction ran), before any IndexedDB write.
  let shown = 0;
  let tShown = NaN;
  const off = s.anchors.onChange((c) => {
    if (c.origin !== 'local') return;
    shown += c.added.length;
    if (shown >= n && Number.isNaN(tShown)) tShown = performance.now() - t0;
  });
  const t0 = performance.now();
  const made = [];
  for (let i = 0; i < n; i++) {
    made.push(s.anchors.create({ pose: { p: [(i % layout.columns) * layout.spacingM, 0, -Math.floor(i / layout.columns) * layout.spacingM], q: [0, 0, 0, 1] }, props: { label: `bulk ${i}` } }));
  }
  const tCalled = performance.now() - t0;
  const anchors = await Promise.all(made);
  const tCreated = performance.now() - t0;
  off();
  await client.flush();
  const tStored = performance.now() - t0;
  await client.whenSynced();
  const tDurable = performance.now() - t0;
  const deadLetters = (await client.deadLetters.list()).length;
  return {
    created: new Set(anchors.map((a) => a.id)).size,
    tCalled, tShown, tCreated, tStored, tDurable, t0, deadLetters,
    status: client.status,
    pushes: window.__bulkWire.pushes,
    acks: window.__bulkWire.acks,
  };
}

/** Per push (one outbox row, or the parts of one): ms from its last frame sent to the first ack covering it. */
function ackLatencies(pushes, acks) {
  const sentAt = new Map();
  for (const [t, seq] of pushes) sentAt.set(seq, t); // a row in parts: its last part
  const seqs = [...sentAt.keys()].sort((a, b) => a - b);
  const ordered = [...acks].sort((a, b) => a[0] - b[0]);
  const out = [];
  let ai = 0;
  let ackedUpTo = -1;
  let ackedAt = 0;
  for (const seq of seqs) {
    while (ackedUpTo < seq && ai < ordered.length) [ackedAt, ackedUpTo] = [ordered[ai][0], Math.max(ackedUpTo, ordered[ai++][1])];
    if (ackedUpTo >= seq) out.push(ackedAt - sentAt.get(seq));
  }
  return out;
}

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function fullGcRss(pid) {
  process.kill(pid, 'SIGUSR2');
  await sleep(1500);
  return rssBytes(pid);
}

async function runOne(id, o, browser, log) {
  const run = `bulk_${id.replace('cairn-', '')}_${Date.now().toString(36)}`;
  const profDir = join(TMP_DIR, 'prof', run);
  if (o.cpuProf) mkdirSync(profDir, { recursive: true });
  const server = await startServer(id, { run, log, extraFlags: o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [] });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const context = await browser.newContext();
    await context.addInitScript(wireProbe);
    const page = await context.newPage();
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(`${base}/?db=${run}&space=page-${run}`);
    await page.waitForFunction(() => window.cairnDemo !== undefined, undefined, { timeout: 30_000 });
    const cdp = o.pageProf ? await context.newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    }
    const rssBefore = await fullGcRss(server.pid);
    const cpu0 = cpuSeconds(server.pid);
    const svc0 = server.target.services.length ? cpuSecondsNamed(server.target.services) : null;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      try {
        peakRss = Math.max(peakRss, rssBytes(server.pid));
      } catch {
        // the server ended; the run reports it
      }
    }, 250);
    let r;
    try {
      r = await page.evaluate(burstInPage, { space: `bulk-${run}`, n: o.anchors, layout: LAYOUT, cells: o.cells, origin: ORIGIN });
    } finally {
      clearInterval(sampler);
    }
    const cpu = cpuSeconds(server.pid) - cpu0;
    let svcCpu = null;
    if (svc0) {
      svcCpu = 0;
      for (const [pid, s] of cpuSecondsNamed(server.target.services)) svcCpu += s - (svc0.get(pid) ?? 0);
    }
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      mkdirSync(join(TMP_DIR, 'prof'), { recursive: true });
      writeFileSync(join(TMP_DIR, 'prof', `${run}-page.cpuprofile`), JSON.stringify(profile));
    }
    const metrics = await serverMetrics(base);
    const rssAfter = await fullGcRss(server.pid);
    await context.close();
    const lat = ackLatencies(r.pushes, r.acks);
    const rows = new Set(r.pushes.map((p) => p[1])).size;
    const at = (list) => (list.length ? [(list[0][0] - r.t0) / 1000, (list.at(-1)[0] - r.t0) / 1000] : [NaN, NaN]);
    const [firstPushS, lastPushS] = at(r.pushes);
    const [firstAckS, lastAckS] = at(r.acks);
    return {
      id, n: o.anchors, created: r.created, deadLetters: r.deadLetters, state: r.status.state, pending: r.status.pending,
      calledS: r.tCalled / 1000, shownS: r.tShown / 1000, createdS: r.tCreated / 1000, storedS: r.tStored / 1000, durableS: r.tDurable / 1000,
      rows, frames: r.pushes.length, firstPushS, lastPushS, firstAckS, lastAckS, acks: r.acks.length, pushBytes: r.pushes.reduce((a, p) => a + p[2], 0),
      ackMeanMs: mean(lat), ackP99Ms: pct(lat, 99),
      ...metrics,
      rssBeforeMB: rssBefore / 2 ** 20, rssPeakMB: peakRss / 2 ** 20, rssAfterMB: rssAfter / 2 ** 20, cpuS: cpu, servicesCpuS: svcCpu,
    };
  } finally {
    if (o.cpuProf) await stopForProfile(server.pid);
    await server.stop();
  }
}

/** Sums and counts of the server's own histograms (prom-client text format): where the time of a push went. */
async function serverMetrics(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name) => {
    let total = 0;
    for (const line of text.split('\n')) if (line.startsWith(name) && /^[a-z_]+(\{[^}]*\})? /.test(line)) total += Number(line.split(' ').at(-1));
    return total;
  };
  return {
    commits: value('cairn_commit_seconds_count'),
    commitMeanMs: (value('cairn_commit_seconds_sum') / value('cairn_commit_seconds_count')) * 1000,
    commitBatchMean: value('cairn_commit_batch_size_sum') / value('cairn_commit_batch_size_count'),
    serverAckMeanMs: (value('cairn_ack_seconds_sum') / value('cairn_ack_seconds_count')) * 1000,
    readModelLagMeanS: value('cairn_readmodel_lag_seconds_sum') / value('cairn_readmodel_lag_seconds_count'),
  };
}

/** --cpu-prof writes the profile when the process exits: give a graceful shutdown the time it takes. */
async function stopForProfile(pid) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 600; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const mark = (ok) => (ok === null ? '' : ok ? ' ✓' : ' ✗');

function report(o, results) {
  const lines = [
    '# 100,000 anchors from one browser, until durable',
    '',
    `${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, Chromium ${o.browserVersion}.`,
    `${o.anchors.toLocaleString('en-US')} anchors over ${o.cells.length} cell docs (precision ${LAYOUT.precision}), one space, the demo page's client in Chromium.`,
    'Reproduce: `npm run build && node bench/bulk-anchors.mjs` (`--quick` for 10,000; `--cpu-prof`, `--page-prof` for profiles).',
    '',
    'Times are seconds from the first `anchors.create` call. *local*: every anchor in the space\'s view (its Yjs transaction ran); *created*: every create() resolved',
    '(a create resolves once its outbox row is written); *in IndexedDB*: `client.flush()` (every outbox row written);',
    '*durable*: `client.whenSynced()` (every row acked = committed, A1). Ack latency is per push: its frame sent → the first ack covering its seq.',
    'Server RSS after a full GC once the burst is durable; CPU is the server process over the burst (Postgres + Redis processes beside it for cairn-pg).',
    '',
    '| server | local | created | in IndexedDB | durable | target | outbox rows | push frames | MB pushed | ack mean ms | ack p99 ms | RSS peak MB | RSS after MB | RSS target | server CPU s | pg+redis CPU s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${LABELS[r.id]} | failed: ${r.error.replace(/\|/g, '/').split('\n')[0]} |`);
      continue;
    }
    const t = TARGETS[r.id];
    lines.push(
      `| ${LABELS[r.id]} | ${f(r.shownS)} | ${f(r.createdS)} | ${f(r.storedS)} | ${f(r.durableS)} | ≤ ${t.durableS} s${mark(r.n === 100_000 ? r.durableS <= t.durableS : null)} | ${r.rows.toLocaleString('en-US')} | ${r.frames.toLocaleString('en-US')} | ${f(r.pushBytes / 2 ** 20)} | ${f(r.ackMeanMs, 0)} | ${f(r.ackP99Ms, 0)} | ${f(r.rssPeakMB, 0)} | ${f(r.rssAfterMB, 0)} | ${t.rssMB ? `≤ ${t.rssMB}${mark(r.n === 100_000 ? r.rssAfterMB <= t.rssMB : null)}` : '–'} | ${f(r.cpuS)} | ${r.servicesCpuS === null ? '–' : f(r.servicesCpuS)} |`,
    );
  }
  lines.push(
    '',
    'Where the time went on the server (its own metrics): group commits, their mean size and duration, the server\'s ack latency (push received → ack), the read model\'s lag;',
    'and on the wire: when the first and last push left the page and the first and last ack arrived (s from the first create).',
    '',
    '| server | commits | pushes per commit | commit mean ms | server ack mean ms | read model lag mean s | pushes sent | acks received |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const r of results) {
    if (r.error) continue;
    lines.push(`| ${LABELS[r.id]} | ${r.commits} | ${f(r.commitBatchMean)} | ${f(r.commitMeanMs, 0)} | ${f(r.serverAckMeanMs, 0)} | ${f(r.readModelLagMeanS)} | ${f(r.firstPushS)}-${f(r.lastPushS)} | ${f(r.firstAckS)}-${f(r.lastAckS)} (${r.acks}) |`);
  }
  lines.push('', 'Checks (each run): every create resolved with a distinct id, no dead letter, status synced with 0 pending afterwards.', '');
  for (const r of results) {
    if (r.error) continue;
    lines.push(`- ${LABELS[r.id]}: ${r.created.toLocaleString('en-US')} distinct anchors, ${r.deadLetters} dead letters, status ${r.state} (${r.pending} pending); create() calls returned after ${f(r.calledS, 2)} s.`);
  }
  lines.push('', 'Timings are from a 2-core machine shared with other work: compare rows of one run, rerun on a quiet machine for absolute figures.', '');
  return lines.join('\n');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  o.cells = cellsOf(o.anchors);
  const log = (m) => console.error(`[bulk] ${m}`);
  mkdirSync(TMP_DIR, { recursive: true });
  buildDemoIfStale();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  o.browserVersion = browser.version();
  const results = [];
  try {
    for (const id of o.servers) {
      log(`${id}: ${o.anchors} anchors over ${o.cells.length} cells`);
      try {
        const r = await runOne(id, o, browser, log);
        log(JSON.stringify(r));
        results.push(r);
      } catch (err) {
        log(`${id} failed: ${err.stack ?? err}`);
        results.push({ id, error: String(err.message ?? err) });
      }
    }
  } finally {
    await browser.close();
  }
  const md = report(o, results);
  mkdirSync(join(o.out, '..'), { recursive: true });
  writeFileSync(o.out, md);
  console.log(md);
  console.error(`[bulk] written to ${o.out}`);
  if (results.every((r) => r.error)) process.exit(1);
}

await main();
