#!/usr/bin/env node
// The team benchmark (issue 12): can the embedded default (`npm start`, no DATABASE_URL) hold a small team?
// 500 clients in groups of 10, 2 pose updates/s each (1,000 updates/s, 9,000 deliveries/s), on Cairn embedded
// (PGlite in its worker thread, in-process bus), Cairn on Postgres + Redis, and the y-websocket reference
// server, in the same run; plus each server's idle RSS right after start. Part of `npm run bench`.
//
//   node bench/team-bench.mjs [--quick] [--runs N] [--servers cairn-embedded,cairn-pg,y-websocket] [--out DIR]
//   node bench/team-bench.mjs --report bench/results/team.json   (rewrite the report from raw results)
//
// Each server is started fresh per run (a fresh, empty data folder for the embedded one: the first start of
// `npm start` is what a new user sees), its idle RSS read after a full GC (bench/servers/gc-on-signal.mjs),
// then the workload runs in a fresh load generator process (workloads/team.mjs). The order rotates between
// runs. Results: bench/results/team.md and team.json; --quick writes to bench/.tmp/quick/. Never fails on a
// timing: exits non-zero only when it could not run.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { startServer, TMP_DIR, BENCH_DIR, PG_URL, postgresUp } from './lib/servers.mjs';
import { readResultsJson, writeResultsJson } from './lib/results-json.mjs';
import { runLoadgen } from './lib/loadgen-fork.mjs';
import { rssBytes } from './lib/proc.mjs';
import { sleep } from './lib/stats.mjs';
import { teamReport } from './lib/team-report.mjs';

const FULL = { runs: 3, clients: 500, groupSize: 10, hz: 2, warmupMs: 3000, windowMs: 10_000, graceMs: 3000, idleSettleMs: 3000 };
const QUICK = { runs: 1, clients: 100, groupSize: 10, hz: 2, warmupMs: 1000, windowMs: 3000, graceMs: 2000, idleSettleMs: 1500 };
const SERVER_IDS = ['cairn-embedded', 'cairn-pg', 'y-websocket'];
const TIMEOUT_MS = 120_000;

const log = (msg) => console.log(`[team ${new Date().toISOString().slice(11, 19)}] ${msg}`);

function parseArgs(argv) {
  const a = { quick: false, runs: null, servers: SERVER_IDS, out: null, report: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--quick') a.quick = true;
    else if (k === '--runs') a.runs = Number(argv[++i]);
    else if (k === '--servers') a.servers = argv[++i].split(',');
    else if (k === '--out') a.out = argv[++i];
    else if (k === '--report') a.report = argv[++i];
    else throw new Error(`unknown argument ${k}`);
  }
  for (const s of a.servers) if (!SERVER_IDS.includes(s)) throw new Error(`unknown server ${s}`);
  return a;
}

/** RSS of a server that has just started and serves nobody, after a full GC of its main heap. */
async function idleRss(pid, settleMs) {
  await sleep(settleMs);
  process.kill(pid, 'SIGUSR2');
  await sleep(600);
  return rssBytes(pid);
}

function writeReport(results, outDir) {
  const md = teamReport(results);
  writeFileSync(`${outDir}team.md`, md);
  writeResultsJson(`${outDir}team.json`, results);
  return md;
}

const args = parseArgs(process.argv.slice(2));
if (args.report) {
  const results = readResultsJson(args.report);
  writeReport(results, args.report.replace(/[^/]*$/, ''));
  console.log(`rewrote the report next to ${args.report}`);
  process.exit(0);
}
const config = { ...(args.quick ? QUICK : FULL) };
if (args.runs) config.runs = args.runs;
const partial = args.servers.length < SERVER_IDS.length;
const outDir = args.out ?? (args.quick ? `${TMP_DIR}quick/` : partial ? `${TMP_DIR}partial/` : `${BENCH_DIR}results/`);
mkdirSync(outDir, { recursive: true });
mkdirSync(TMP_DIR, { recursive: true });
let servers = args.servers;
if (servers.includes('cairn-pg') && !(await postgresUp())) {
  log(`Postgres at ${PG_URL} is not reachable: skipping cairn-pg`);
  servers = servers.filter((s) => s !== 'cairn-pg');
}
const stamp = `${Date.now().toString(36)}${process.pid}`;
const results = {
  startedAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
  quick: args.quick,
  servers,
  config,
  runs: [],
};
const started = Date.now();

for (let run = 1; run <= config.runs; run++) {
  const entry = {};
  results.runs.push(entry);
  const order = servers.map((_, i) => servers[(i + run - 1) % servers.length]);
  for (const id of order) {
    log(`run ${run}/${config.runs}: ${id}`);
    let server = null;
    try {
      const t0 = performance.now();
      server = await startServer(id, { run: `t${stamp}_${run}`, log });
      const startMs = performance.now() - t0;
      const idleRssBytes = await idleRss(server.pid, config.idleSettleMs);
      log(`  idle RSS ${(idleRssBytes / 2 ** 20).toFixed(1)} MB (listening after ${Math.round(startMs)} ms)`);
      const r = await runLoadgen('team', server.target, config, TIMEOUT_MS);
      if (r.error) log(`  team: ERROR ${r.error.split('\n')[0]}`);
      else {
        const ack = r.ack ? `ack p50 ${r.ack.p50.toFixed(1)} / p99 ${r.ack.p99.toFixed(1)} ms, ` : '';
        log(`  team: ${ack}delivery p50 ${r.delivery.p50.toFixed(1)} / p99 ${r.delivery.p99.toFixed(1)} ms, ${Math.round(r.deliveredPerSec)} deliveries/s, server ${r.serverCpuPercent.toFixed(0)}%, RSS max ${(r.rss.maxBytes / 2 ** 20).toFixed(0)} MB`);
      }
      entry[id] = { startMs, idleRssBytes, team: r };
    } catch (err) {
      log(`${id}: ${err.message}`);
      entry[id] = { error: err.message };
    } finally {
      await server?.stop();
    }
  }
}
results.seconds = (Date.now() - started) / 1000;
const md = writeReport(results, outDir);
console.log(`\n${md}`);
log(`wrote ${outDir}team.md`);
