#!/usr/bin/env node
// What the data-lifecycle pieces cost the hot paths (issue 13): the fan-out and durable workloads of
// `npm run bench` (bench/workloads/) against Cairn on Postgres + Redis in three builds of the same commit:
//
//   cairn-pg            today's product: audit rows written (L4), the owner's one URL
//   cairn-pg-no-audit   the same with the audit log's batches never written (bench/servers/cairn-audit-unwritten.mjs)
//   cairn-pg-rls        the same as a tenant-scoped app role under FORCE row-level security (S5, migration 7)
//
// Rounds alternate the variants (rotated order) so each sees the same machine; medians over rounds and the
// ratio of each variant to cairn-pg. A ratio within the spread of the rounds (printed) is noise.
//
//   node bench/lifecycle-cost.mjs [--rounds 3] [--quick]
//   node bench/lifecycle-cost.mjs --report bench/results/lifecycle-cost.json
//
// Needs the build, Postgres (superuser at BENCH_DATABASE_URL, to create the app role) and Redis.
// Writes bench/results/lifecycle-cost.md and .json. Never fails on a timing.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { startServer, SERVERS, TMP_DIR, BENCH_DIR, postgresUp } from './lib/servers.mjs';
import { runLoadgen } from './lib/loadgen-fork.mjs';
import { readResultsJson, writeResultsJson } from './lib/results-json.mjs';
import { median } from './lib/stats.mjs';

const VARIANTS = ['cairn-pg', 'cairn-pg-no-audit', 'cairn-pg-rls'];
const FULL = {
  rounds: 3,
  fanout: { clients: 500, roomSize: 10, hz: 5, warmupMs: 2000, windowMs: 5000 },
  // Open loop at 4,000 offered, 2,000 at half: below this machine's closed-loop ceiling (~4,600/s), so the
  // half-rate ack latency is a latency, not a queue (at npm run bench's 20,000 both open loops saturate).
  durable: { writers: 40, window: 32, warmupMs: 1500, ms: 4000, rate: 4000 },
};
const QUICK = {
  rounds: 1,
  fanout: { clients: 100, roomSize: 10, hz: 5, warmupMs: 500, windowMs: 1500 },
  durable: { writers: 10, window: 16, warmupMs: 300, ms: 1000, rate: 5000 },
};

const ROWS = [
  ['fan-out: delivery p50 (ms)', (r) => r.fanout?.p50, 2],
  ['fan-out: delivery p99 (ms)', (r) => r.fanout?.p99, 2],
  ['fan-out: server CPU per delivered update (µs)', (r) => r.fanout?.serverCpuUsPerDelivered, 2],
  ['fan-out: Postgres + Redis CPU per delivered update (µs)', (r) => r.fanout?.servicesCpuUsPerDelivered, 2],
  ['durable: most committed per second (closed loop)', (r) => r.durable?.max?.committedPerSec, 0],
  ['durable: server CPU per committed update (µs)', (r) => r.durable?.max?.serverCpuUsPerCommit, 1],
  ['durable: ack p50 at half the offered rate (ms)', (r) => r.durable?.half?.ack?.p50, 1],
  ['durable: ack p99 at half the offered rate (ms)', (r) => r.durable?.half?.ack?.p99, 1],
];

function fmt(v, d) {
  return typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : 'n/a';
}

function report(results) {
  const { config, rounds } = results;
  const of = (id, get) => rounds.map((r) => r[id]).filter(Boolean).map(get);
  const lines = [
    '# What audit and row security cost the fan-out and durable paths',
    '',
    `${results.startedAt}, ${rounds.length} alternating round(s), medians (range in brackets). Machine: ${results.machine.cpus} cores, load average at start ${results.machine.loadavg.map((x) => x.toFixed(2)).join(' ')}.`,
    `Fan-out: ${config.fanout.clients} clients in rooms of ${config.fanout.roomSize}, ${config.fanout.hz} pose updates/s each. Durable: ${config.durable.writers} native writers, closed loop of ${config.durable.window}, then open loop at ${(config.durable.rate / 2).toLocaleString('en-US')} updates/s.`,
    'Reproduce: `node bench/lifecycle-cost.mjs` (after `npm run build`).',
    '',
    `| | ${VARIANTS.map((id) => SERVERS[id].label).join(' | ')} | no audit / today | row security / today |`,
    `|---|${VARIANTS.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const [label, get, d] of ROWS) {
    const cells = VARIANTS.map((id) => {
      const xs = of(id, get).filter((x) => typeof x === 'number' && Number.isFinite(x));
      return xs.length > 1 ? `${fmt(median(xs), d)} [${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}]` : fmt(median(xs), d);
    });
    const base = median(of('cairn-pg', get));
    const ratio = (id) => fmt(median(of(id, get)) / base, 2) + '×';
    lines.push(`| ${label} | ${cells.join(' | ')} | ${ratio('cairn-pg-no-audit')} | ${ratio('cairn-pg-rls')} |`);
  }
  const errors = rounds.flatMap((r, i) => VARIANTS.flatMap((id) => ['fanout', 'durable'].filter((w) => r[id]?.[w]?.error).map((w) => `round ${i + 1} ${id} ${w}: ${r[id][w].error.split('\n')[0]}`)));
  if (errors.length) lines.push('', 'Errors:', '', ...errors.map((e) => `- ${e}`));
  return `${lines.join('\n')}\n`;
}

const reportAt = process.argv.indexOf('--report');
if (reportAt >= 0) {
  const results = readResultsJson(process.argv[reportAt + 1]);
  writeFileSync(`${BENCH_DIR}results/lifecycle-cost.md`, report(results));
  process.exit(0);
}

const quick = process.argv.includes('--quick');
const config = { ...(quick ? QUICK : FULL) };
const roundsAt = process.argv.indexOf('--rounds');
if (roundsAt >= 0) config.rounds = Number(process.argv[roundsAt + 1]);
if (!(await postgresUp())) {
  console.error('lifecycle-cost: Postgres is not reachable; nothing to measure');
  process.exit(1);
}
const log = (m) => console.error(`[lifecycle-cost] ${m}`);
const stamp = Date.now().toString(36);
const results = { startedAt: new Date().toISOString(), machine: { cpus: os.cpus().length, loadavg: os.loadavg() }, config, rounds: [] };
for (let round = 1; round <= config.rounds; round++) {
  const entry = {};
  results.rounds.push(entry);
  const order = VARIANTS.map((_, i) => VARIANTS[(i + round - 1) % VARIANTS.length]);
  for (const id of order) {
    log(`round ${round}/${config.rounds}: ${id}`);
    const server = await startServer(id, { run: `lc_${stamp}_${round}_${id.replace(/-/g, '_')}`, log });
    try {
      entry[id] = {};
      for (const w of ['fanout', 'durable']) {
        entry[id][w] = await runLoadgen(w, server.target, { ...config[w], tmpDir: TMP_DIR }, 180_000);
        if (entry[id][w]?.error) log(`  ${w}: ERROR ${entry[id][w].error.split('\n')[0]}`);
      }
    } finally {
      await server.stop();
    }
  }
}
const out = quick ? `${TMP_DIR}lifecycle-cost` : `${BENCH_DIR}results/lifecycle-cost`;
writeResultsJson(`${out}.json`, results);
const md = report(results);
writeFileSync(`${out}.md`, md);
console.log(md);
