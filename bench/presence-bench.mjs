#!/usr/bin/env node
// The presence benchmark (issue 11, P4): 500 headsets in 50 spaces of 10, each sending its head and hands
// 30 times a second; Cairn's native pose path beside y-websocket awareness carrying the same poses as JSON,
// in the same run, on this machine. Part of `npm run bench`.
//
//   node bench/presence-bench.mjs [--quick] [--runs N] [--variants y-websocket,cairn-pg,cairn-pg-2node] [--out DIR] [--quiet-wait S]
//   node bench/presence-bench.mjs --report bench/results/presence.json   (rewrite the report from raw results)
//
// Each variant gets a fresh server (cairn-pg-2node: two Cairn processes on one Postgres schema and Redis
// prefix, half of every space on each) and a fresh load generator (workloads/presence.mjs, which spreads
// the clients over several processes). The order rotates between runs. Results: bench/results/presence.md
// and presence.json, the plot presence-latency.svg; --quick writes to bench/.tmp/quick/. Exits non-zero only
// when it could not run.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { startServer, TMP_DIR, BENCH_DIR } from './lib/servers.mjs';
import { readResultsJson, writeResultsJson } from './lib/results-json.mjs';
import { runLoadgen } from './lib/loadgen-fork.mjs';
import { machineBusySeconds } from './lib/proc.mjs';
import { sleep } from './lib/stats.mjs';
import { VARIANTS, payloadSample, presencePlot, presenceTable, presenceTargets, sweepPlots, sweepTable } from './lib/presence-report.mjs';

const FULL = { runs: 3, clients: 500, roomSize: 10, hz: 30, parts: 3, warmupMs: 3000, windowMs: 10_000, graceMs: 3000, sweep: { rates: [5, 10, 15, 20, 25, 30, 40], warmupMs: 2000, windowMs: 5000 } };
const QUICK = { runs: 1, clients: 100, roomSize: 10, hz: 30, parts: 2, warmupMs: 1000, windowMs: 2000, graceMs: 2000, sweep: { rates: [10, 30], warmupMs: 500, windowMs: 1000 } };
const TIMEOUT_MS = 120_000;

/**
 * The machine is shared (2 cores): before each variant, wait until the rest of it has been under
 * `QUIET_PERCENT` of one core busy for a second, at most `maxMs`. Returns how long it waited and whether
 * it found the machine quiet; the workload also reports the other processes' CPU during its window.
 */
const QUIET_PERCENT = 25;
async function waitQuiet(maxMs) {
  const t0 = Date.now();
  for (;;) {
    const b0 = machineBusySeconds();
    await sleep(1000);
    const busy = (machineBusySeconds() - b0) * 100;
    if (busy < QUIET_PERCENT) return { waitedMs: Date.now() - t0, quiet: true, busyPercent: busy };
    if (Date.now() - t0 > maxMs) return { waitedMs: Date.now() - t0, quiet: false, busyPercent: busy };
  }
}

const log = (msg) => console.log(`[presence ${new Date().toISOString().slice(11, 19)}] ${msg}`);

function parseArgs(argv) {
  const a = { quick: false, runs: null, variants: Object.keys(VARIANTS), out: null, report: null, quietWaitMs: 30_000 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--quick') a.quick = true;
    else if (k === '--runs') a.runs = Number(argv[++i]);
    else if (k === '--variants') a.variants = argv[++i].split(',');
    else if (k === '--out') a.out = argv[++i];
    else if (k === '--report') a.report = argv[++i];
    else if (k === '--quiet-wait') a.quietWaitMs = Number(argv[++i]) * 1000;
    else throw new Error(`unknown argument ${k}`);
  }
  for (const v of a.variants) if (!VARIANTS[v]) throw new Error(`unknown variant ${v}`);
  return a;
}

function writeReport(results, outDir) {
  const c = results.config;
  const s = payloadSample();
  const md = [
    `# Presence benchmark${results.quick ? ' (quick smoke run: small sizes, not for comparison)' : ''}`,
    '',
    `${results.startedAt}, ${c.runs} run(s), ${Math.round(results.seconds)} s. Machine: ${results.machine.cpus} cores (${results.machine.cpuModel}), Node ${results.machine.node}; load average at start ${results.machine.loadavg.map((l) => l.toFixed(2)).join(' ')}. ${c.clients} headsets in ${c.clients / c.roomSize} spaces of ${c.roomSize}, ${c.hz} pose updates/s each (${(c.clients * c.hz).toLocaleString('en-US')}/s offered, ${(c.clients * c.hz * (c.roomSize - 1)).toLocaleString('en-US')} deliveries/s), open loop; ${c.warmupMs / 1000} s warm-up, then a ${c.windowMs / 1000} s window whose sends are measured and whose CPU is read, then up to ${c.graceMs / 1000} s for their deliveries. The load generator runs as ${c.parts} processes (whole spaces each). How it works, and what bounds the targets: [bench/README.md](../README.md), section Presence.`,
    '',
    '## Targets (Cairn, median over runs)',
    '',
    presenceTargets(results),
    '',
    '## Results (median over runs; ratios computed within each run, then the median)',
    '',
    presenceTable(results),
    '',
    '![latency by percentile](presence-latency.svg)',
    '',
    ...(results.sweep ? [
      `## Rate sweep (one run, ${c.sweep.windowMs / 1000} s window per rate, one server per variant)`,
      '',
      'Where each saturates: the same headsets at other rates. A server past its capacity queues, and its latency grows with the length of the window.',
      '',
      sweepTable(results),
      '',
      '![p99 vs rate](presence-p99-vs-rate.svg)',
      '',
      '![server CPU vs rate](presence-cpu-vs-rate.svg)',
      '',
    ] : []),
    '## What one pose update carries',
    '',
    `Each headset sends its head and both hands (no ray, no app state): per pose a position in meters and a unit quaternion, float32 values as WebXR reports them, walking a 1-3 m circle around the space origin (bench/lib/headset-pose.mjs).`,
    '',
    `- **Cairn**: a presence record (\`encodePresenceRecord\`: flags, seq, three poses of 0.5 mm position steps and a 6-byte rotation) of ${s.record} bytes, in a \`pose\` frame of ${s.poseFrame} bytes with the cell doc id (\`pb7/cell/u09tunq\`); a receiver gets the records relayed to it in one event-loop turn in one \`peer-poses\` message (each doc named once, then per record the sender's clientId \`pb-73-12345\`, user '' in dev mode and the record's bytes unchanged), or a lone record as a \`peer-pose\` frame of ${s.peerPose} bytes; bytes per delivery below are each message's bytes shared among its records.`,
    `- **y-websocket**: \`awareness.setLocalStateField('pose', { head, left, right })\`, sent as the provider does ([messageAwareness][encodeAwarenessUpdate]): ${s.awarenessMsg} bytes for this sample, of which ${s.jsonBytes} are the state's JSON; the server relays the same bytes to every client of the room, the sender included (the echo). The sample state:`,
    '',
    '```json',
    s.json,
    '```',
    '',
    `No timestamp is added on either side: latency is found from (clientId, seq) for Cairn and (clientID, clock) for awareness, which each message already carries, in a send-time table inside the load generator process that holds both the sender and its receivers. An app that rounds the same poses to 0.1 mm / 1e-4 before setting them would send ${s.roundedBytes} bytes of JSON instead of ${s.jsonBytes} (computed, not run).`,
    '',
  ].join('\n');
  writeFileSync(`${outDir}presence.md`, md);
  writeResultsJson(`${outDir}presence.json`, results);
  writeFileSync(`${outDir}presence-latency.svg`, presencePlot(results));
  for (const [name, svg] of Object.entries(sweepPlots(results))) writeFileSync(`${outDir}${name}`, svg);
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
const outDir = args.out ?? (args.quick ? `${TMP_DIR}quick/` : `${BENCH_DIR}results/`);
mkdirSync(outDir, { recursive: true });
mkdirSync(TMP_DIR, { recursive: true });
const stamp = `${Date.now().toString(36)}${process.pid}`;
const results = {
  startedAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
  quick: args.quick,
  variants: args.variants,
  config,
  runs: [],
};
const started = Date.now();

/** One measurement on a running server, after waiting for a quiet machine; never throws. */
async function measure(server, cfg, what) {
  const quiet = await waitQuiet(args.quietWaitMs);
  if (!quiet.quiet) log(`  the machine stayed busy (${quiet.busyPercent.toFixed(0)}% of a core by others after ${Math.round(quiet.waitedMs / 1000)} s): running anyway`);
  const r = await runLoadgen('presence', server.target, cfg, TIMEOUT_MS);
  r.quietBefore = quiet;
  if (r.error) log(`  ${what}: ERROR ${r.error.split('\n')[0]}`);
  else log(`  ${what}: p50 ${r.p50?.toFixed(2)} ms, p99 ${r.p99?.toFixed(2)} ms, ${Math.round(r.deliveredPerSec)} deliveries/s, missing ${r.missing}, closed sockets ${r.closed}, server ${r.serverCpuPercent.toFixed(0)}%, load generator ${r.loadgenCpuPercent.toFixed(0)}%, others ${r.otherCpuPercent.toFixed(0)}%`);
  return r;
}

/** Starts the variant's server, runs `body(server)` and stops it; an error becomes { error }. */
async function withServer(v, run, body) {
  let server = null;
  try {
    server = await startServer(VARIANTS[v].server, { run: `p${stamp}_${run}_${VARIANTS[v].nodes}`, log, nodes: VARIANTS[v].nodes });
    return await body(server);
  } catch (err) {
    log(`${v}: ${err.message}`);
    return { error: err.message };
  } finally {
    await server?.stop();
  }
}

for (let run = 1; run <= config.runs; run++) {
  const entry = {};
  results.runs.push(entry);
  const order = args.variants.map((_, i) => args.variants[(i + run - 1) % args.variants.length]);
  for (const v of order) {
    log(`run ${run}/${config.runs}: ${v}`);
    entry[v] = await withServer(v, run, (server) => measure(server, config, `${config.hz} Hz`));
  }
}

// The rate sweep: one server per variant, one shorter measurement per rate, once: where each one saturates.
results.sweep = { rates: config.sweep.rates, byVariant: {} };
for (const v of args.variants) {
  log(`sweep: ${v}`);
  const points = [];
  results.sweep.byVariant[v] = points;
  await withServer(v, 'sweep', async (server) => {
    for (const hz of config.sweep.rates) points.push(await measure(server, { ...config, ...config.sweep, hz }, `${hz} Hz`));
  });
}
results.seconds = (Date.now() - started) / 1000;
const md = writeReport(results, outDir);
console.log(`\n${md}`);
log(`wrote ${outDir}presence.md`);
