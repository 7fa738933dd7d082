#!/usr/bin/env node
// `npm run bench`: Cairn and its peers side by side, in one run, on this machine.
//
//   node bench/run.mjs [--quick] [--runs N] [--servers a,b] [--workloads a,b] [--out DIR]
//   node bench/run.mjs --report bench/results/results.json   (rewrite tables and plots from raw results)
//
// For each run, each server (y-websocket reference server, Hocuspocus, Cairn on Postgres + Redis, Cairn
// embedded) is started as its own process and every workload is run against it by a load generator in
// another process (bench/loadgen.mjs). Results: bench/results/RESULTS.md (tables, targets), results.json
// (raw), and the plots. `--quick` is a short smoke run that writes to bench/.tmp/quick/. Never fails on a
// timing: it exits non-zero only when it could not run.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { startServer, SERVERS, DEFAULT_SERVERS, TMP_DIR, BENCH_DIR, PG_URL, postgresUp } from './lib/servers.mjs';
import { readResultsJson, writeResultsJson } from './lib/results-json.mjs';
import { waitIdle } from './lib/proc.mjs';
import { markdownTables, targets } from './lib/report.mjs';
import { plots } from './lib/plots.mjs';
import { storeCeiling } from './lib/store-ceiling.mjs';
import { runLoadgen } from './lib/loadgen-fork.mjs';

const FULL = {
  runs: 3,
  fanout: { clients: 500, roomSize: 10, hz: 5, warmupMs: 2000, windowMs: 5000 },
  knee: { clients: 500, roomSize: 10, steps: [5, 7.5, 10, 12.5, 15, 17.5, 20, 25, 30, 40], warmupMs: 700, windowMs: 2500, p99LimitMs: 100 },
  idle: { steps: [0, 1000, 2500, 5000], roomSize: 10, batch: 250, warmup: 50 },
  join: { anchors: 100_000, joins: 3, seedTimeoutMs: 120_000 },
  durable: { writers: 40, window: 32, warmupMs: 1500, ms: 4000, rate: 20_000 },
  reconnect: { rounds: 3, edits: 1000 },
  // The outside peer run's two workloads (9-number pose in Y.Map('poses'), random seeded phases).
  'peer-team': { clients: 500, roomSize: 10, hz: 2, warmupMs: 2000, windowMs: 8000, graceMs: 2000 },
  // Steps: doubling where every server holds; 6 and 10 so a knee near 10/s (18k delivered/s: Cairn in the
  // peer run) falls on a step; then 4/s apart, 24 and 32 being the peers' knees there (43.2k and 57.6k/s).
  'peer-knee': { rooms: 20, roomSize: 10, steps: [1, 2, 4, 6, 8, 10, 12, 16, 20, 24, 28, 32], warmupMs: 1000, windowMs: 3000, graceMs: 1500, p99LimitMs: 100, stopAfter: 2 },
};
const QUICK = {
  runs: 1,
  fanout: { clients: 100, roomSize: 10, hz: 5, warmupMs: 500, windowMs: 1500 },
  knee: { clients: 100, roomSize: 10, steps: [5, 20], warmupMs: 300, windowMs: 1000, p99LimitMs: 100 },
  idle: { steps: [0, 500], roomSize: 10, batch: 250, warmup: 20 },
  join: { anchors: 10_000, joins: 1, seedTimeoutMs: 60_000 },
  durable: { writers: 10, window: 16, warmupMs: 300, ms: 1000, rate: 5000 },
  reconnect: { rounds: 1, edits: 1000 },
  'peer-team': { clients: 100, roomSize: 10, hz: 2, warmupMs: 500, windowMs: 2000, graceMs: 1500 },
  'peer-knee': { rooms: 10, roomSize: 10, steps: [1, 8, 32], warmupMs: 300, windowMs: 1000, graceMs: 1000, p99LimitMs: 100, stopAfter: 2 },
};
const WORKLOADS = ['idle', 'idle-native', 'fanout', 'knee', 'join', 'durable', 'reconnect', 'peer-team', 'peer-knee'];
/** Workloads the bare ws relay (the floor, not a peer) runs: memory per connection and the cost of a delivery. */
const FLOOR_WORKLOADS = new Set(['idle', 'fanout', 'peer-team', 'peer-knee']);
/** Workloads whose clients draw their send phases from the run's seed. */
const SEEDED = new Set(['peer-team', 'peer-knee']);
/** Workloads that get a server of their own (memory readings), and the config and options they use. */
const FRESH = new Set(['idle', 'idle-native']);
const CONFIG_OF = { 'idle-native': 'idle' };
const OPTIONS_OF = { idle: { protocol: 'y' }, 'idle-native': { protocol: 'native' } };
const WORKLOAD_TIMEOUT_MS = 180_000;

function parseArgs(argv) {
  const a = { quick: false, runs: null, servers: DEFAULT_SERVERS, workloads: WORKLOADS, out: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--quick') a.quick = true;
    else if (k === '--runs') a.runs = Number(argv[++i]);
    else if (k === '--servers') a.servers = argv[++i].split(',');
    else if (k === '--workloads') a.workloads = argv[++i].split(',');
    else if (k === '--out') a.out = argv[++i];
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const log = (msg) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);


/** Writes RESULTS.md, results.json and the plots for `results` into `outDir`. */
function writeResults(results, outDir) {
  const config = results.config;
  const tables = markdownTables(results);
  const checks = targets(results);
  const figures = plots(results);
  const targetLines = checks.map((c) => `| ${c.name} | ${c.value} | ${c.pass ? 'holds' : '**does not hold**'} | ${c.detail} |`);
  const md = [
    `# Cairn benchmark results${results.quick ? ' (quick smoke run: small sizes, not for comparison)' : ''}`,
    '',
    `${results.startedAt}, ${config.runs} run(s), ${Math.round(results.seconds)} s. Machine: ${results.machine.cpus} cores (${results.machine.cpuModel}), ${results.machine.memGiB} GiB, Node ${results.machine.node}; load average at start ${results.machine.loadavg.map((l) => l.toFixed(2)).join(' ')}.`,
    'Every server, the load generator, Postgres and Redis share these cores: absolute figures move with whatever else the machine does, the ratios within one run are what count. How the bench works, the optimizations and what bounds each target that does not hold: [bench/README.md](../README.md).',
    '',
    '## Targets (Cairn on Postgres + Redis, durable ack on, vs the y-websocket reference server in the same run)',
    '',
    '| target | measured (median) | | what decides it |',
    '|---|---|---|---|',
    ...targetLines,
    '',
    '## Tables',
    '',
    tables,
    '## Plots',
    '',
    ...Object.keys(figures).flatMap((name) => [`![${name.replace('.svg', '').replace(/-/g, ' ')}](${name})`, '']),
  ].join('\n');
  writeFileSync(`${outDir}RESULTS.md`, md);
  writeResultsJson(`${outDir}results.json`, results);
  for (const [name, svg] of Object.entries(figures)) writeFileSync(`${outDir}${name}`, svg);
  return md;
}

// `--report FILE`: rewrite the tables and plots from a results.json, next to it, without running anything.
const reportAt = process.argv.indexOf('--report');
if (reportAt > 0) {
  const file = process.argv[reportAt + 1];
  const results = readResultsJson(file);
  writeResults(results, file.replace(/[^/]*$/, ''));
  console.log(`rewrote the report next to ${file}`);
  process.exit(0);
}

const args = parseArgs(process.argv.slice(2));
const config = { ...(args.quick ? QUICK : FULL) };
if (args.runs) config.runs = args.runs;
// One seed for the whole run: every server's clients get the same send phases. SEED= repeats a run's.
config.seed = process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
log(`SEED=${config.seed}`);
// Only a full run (every server, every workload) replaces the committed results; a partial one goes aside.
const partial = args.servers.length < DEFAULT_SERVERS.length || args.workloads.length < WORKLOADS.length;
const outDir = args.out ?? (args.quick ? `${TMP_DIR}quick/` : partial ? `${TMP_DIR}partial/` : `${BENCH_DIR}results/`);
mkdirSync(outDir, { recursive: true });
mkdirSync(TMP_DIR, { recursive: true });
let servers = args.servers.filter((s) => SERVERS[s]);
if (servers.includes('cairn-pg') && !(await postgresUp())) {
  log(`Postgres at ${PG_URL} is not reachable: skipping cairn-pg`);
  servers = servers.filter((s) => s !== 'cairn-pg');
}
const stamp = `${Date.now().toString(36)}${process.pid}`;
const results = {
  startedAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadavg: os.loadavg() },
  quick: args.quick,
  servers,
  config: { ...config, join: { ...config.join } },
  runs: [],
  storeCeiling: null,
};
const started = Date.now();

if (servers.includes('cairn-pg') && args.workloads.includes('durable')) {
  log('store ceiling: commitBatch straight into Postgres, no server');
  results.storeCeiling = await storeCeiling(PG_URL, `bench_${stamp}_store`, args.quick ? [256] : [128, 512, 1024]).catch((err) => {
    log(`store ceiling failed: ${err.message}`);
    return null;
  });
}

for (let run = 1; run <= config.runs; run++) {
  const entry = { run, servers: {} };
  results.runs.push(entry);
  // Rotate the order each run so slow drift on a shared machine does not always favour the same server.
  const order = servers.map((_, i) => servers[(i + run - 1) % servers.length]);
  for (const id of order) {
    log(`run ${run}/${config.runs}: ${id}`);
    const res = {};
    let server = null;
    try {
      for (const w of args.workloads) {
        if (w === 'idle-native' && !SERVERS[id].cairn) continue;
        if (w === 'durable' && !SERVERS[id].cairn) continue;
        if (SERVERS[id].floor && !FLOOR_WORKLOADS.has(w)) continue;
        if (server && FRESH.has(w)) {
          await server.stop();
          server = null;
        }
        server ??= await startServer(id, { run: `${stamp}_${run}`, log });
        const t0 = Date.now();
        const options = { ...config[CONFIG_OF[w] ?? w], ...OPTIONS_OF[w], ...(SEEDED.has(w) ? { seed: config.seed } : {}), tmpDir: TMP_DIR };
        res[w] = await runLoadgen(CONFIG_OF[w] ?? w, server.target, options, WORKLOAD_TIMEOUT_MS);
        if (res[w]?.error) log(`  ${w}: ERROR ${res[w].error.split('\n')[0]}`);
        else log(`  ${w} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        if (FRESH.has(w)) {
          await server.stop();
          server = null;
        } else await waitIdle(server.pid, 15_000); // a workload's backlog stays out of the next
      }
    } catch (err) {
      log(`${id}: ${err.message}`);
      res.error = err.message;
    } finally {
      await server?.stop();
    }
    entry.servers[id] = res;
  }
}
results.finishedAt = new Date().toISOString();
results.seconds = (Date.now() - started) / 1000;

const md = writeResults(results, outDir);
console.log(`\n${md}`);
log(`wrote ${outDir}RESULTS.md in ${Math.round(results.seconds)} s`);
