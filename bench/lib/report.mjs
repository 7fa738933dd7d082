// Turns the raw results of every run into the markdown tables (medians over runs, and Cairn's advantage
// factor over each peer computed within each run, then the median of those) and the plots.
import { median } from './stats.mjs';
import { linePlot } from './svg-plot.mjs';
import { SERVERS } from './servers.mjs';

const PEERS = ['y-websocket', 'hocuspocus'];
const CAIRNS = ['cairn-pg', 'cairn-embedded'];
const SHORT = { 'y-websocket': 'y-websocket', hocuspocus: 'Hocuspocus', 'cairn-pg': 'Cairn PG+Redis', 'cairn-embedded': 'Cairn embedded', 'ws-floor': 'bare ws (floor)' };

const num = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v === Infinity ? '∞' : Number(v).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 }));
const fin = (v) => typeof v === 'number' && !Number.isNaN(v);

/** What each workload's table shows. better: which way is good; only: servers the row applies to. */
export const TABLES = [
  {
    key: 'fanout', title: '1. Fan-out', note: (c) => `${c.fanout.clients} clients in rooms of ${c.fanout.roomSize}, each sending a pose update (~55 bytes) ${c.fanout.hz} times a second (${c.fanout.clients * c.fanout.hz} updates/s, ${c.fanout.clients * c.fanout.hz * (c.fanout.roomSize - 1)} deliveries/s); latency from send to each of the 9 receivers; CPU over a ${c.fanout.windowMs / 1000} s window.`,
    rows: [
      { label: 'latency p50 (ms)', get: (r) => r.fanout?.p50, better: 'lower', d: 2 },
      { label: 'latency p95 (ms)', get: (r) => r.fanout?.p95, better: 'lower', d: 2 },
      { label: 'latency p99 (ms)', get: (r) => r.fanout?.p99, better: 'lower', d: 2 },
      { label: 'server CPU per delivered update (µs)', get: (r) => r.fanout?.serverCpuUsPerDelivered, better: 'lower', d: 2 },
      { label: 'Postgres + Redis CPU per delivered update (µs)¹', get: (r) => r.fanout?.servicesCpuUsPerDelivered, only: ['cairn-pg'], d: 2 },
      { label: 'delivered updates/s', get: (r) => r.fanout?.deliveredPerSec, better: 'higher', d: 0 },
      { label: 'server CPU (% of one core)', get: (r) => r.fanout?.serverCpuPercent, d: 0 },
      { label: 'load generator CPU (% of one core)', get: (r) => r.fanout?.loadgenCpuPercent, d: 0 },
    ],
  },
  {
    key: 'knee', title: '2. Throughput knee', note: (c) => `The fan-out setup at rising rates (${c.knee.steps.join(', ')} updates/s per client); the knee is the highest offered rate whose p99 stayed ≤ ${c.knee.p99LimitMs} ms (undelivered updates count as late).`,
    rows: [
      { label: 'knee (updates/s sent)', get: (r) => r.knee?.kneeUpdatesPerSec, better: 'higher', d: 0 },
      { label: 'deliveries/s at the knee', get: (r) => kneeStep(r)?.deliveredPerSec, better: 'higher', d: 0 },
      { label: 'p99 at the knee (ms)', get: (r) => kneeStep(r)?.p99, d: 1 },
      { label: 'server CPU at the knee (% of one core)', get: (r) => kneeStep(r)?.serverCpuPercent, d: 0 },
      { label: 'load generator CPU at the knee (% of one core)', get: (r) => kneeStep(r)?.loadgenCpuPercent, d: 0 },
    ],
  },
  {
    key: 'idle', title: '3. Idle connections', note: (c) => `Clients connect in rooms of ${c.idle.roomSize} (steps ${c.idle.steps.join(', ')}), sync and stay silent; server RSS after a full GC at each step; memory per connection = least-squares slope. Each protocol on a fresh server process, warmed by ${c.idle.warmup} connections opened and closed first.`,
    rows: [
      { label: 'memory per connection, y-websocket protocol (KB)', get: (r) => r.idle?.bytesPerConnection / 1024, better: 'lower', d: 2 },
      { label: 'memory per connection, native protocol (KB)', get: (r) => (r['idle-native'] ? r['idle-native'].bytesPerConnection / 1024 : undefined), only: CAIRNS, d: 2 },
      { label: 'RSS at the largest step, y-websocket protocol (MB)', get: (r) => last(r.idle?.points)?.y / 2 ** 20, better: 'lower', d: 1 },
    ],
  },
  {
    key: 'join', title: '4. Join a doc of 100k anchors (hot)', note: (c) => `A fresh client joins a doc of ${c.join.anchors.toLocaleString('en-US')} anchors the server holds in memory; time until it has applied the whole state; server CPU time (all threads) during the join; median of ${c.join.joins} joins.`,
    rows: [
      { label: 'join, y-websocket protocol: until the client holds everything (ms)', get: (r) => r.join?.joinMs, better: 'lower', d: 0 },
      { label: 'server CPU per join, y-websocket protocol (ms)', get: (r) => r.join?.serverMs, better: 'lower', d: 1 },
      { label: 'join, native protocol (ms)', get: (r) => r.join?.native?.joinMs, only: CAIRNS, d: 0 },
      { label: 'server CPU per join, native protocol (ms)', get: (r) => r.join?.native?.serverMs, only: CAIRNS, d: 1 },
      { label: 'doc size (MB)', get: (r) => r.join?.docBytes / 1e6, d: 1 },
      { label: 'seeding: all updates sent and served (s)', get: (r) => r.join?.seedMs / 1000, d: 1 },
    ],
  },
  {
    key: 'durable', title: '5. Durable writes (Cairn only: the peers have no durable ack)', note: (c) => `${c.durable.writers} writers on the native protocol, one doc each; an ack means committed to the Store (A1). Closed loop with ${c.durable.window} pushes in flight per writer, then open loops at ${c.durable.rate.toLocaleString('en-US')} and ${(c.durable.rate / 2).toLocaleString('en-US')} updates/s offered.`,
    only: CAIRNS,
    rows: [
      { label: 'most updates committed per second (closed loop)', get: (r) => r.durable?.max?.committedPerSec, d: 0 },
      { label: 'ack latency p50 / p99 in the closed loop (ms)', get: (r) => r.durable?.max?.ack?.p50, get2: (r) => r.durable?.max?.ack?.p99, d: 1 },
      { label: 'server CPU per committed update (µs)', get: (r) => r.durable?.max?.serverCpuUsPerCommit, d: 1 },
      { label: 'committed per second at the offered rate', get: (r) => r.durable?.fixed?.committedPerSec, d: 0 },
      { label: 'ack latency p50 / p99 at the offered rate (ms)', get: (r) => r.durable?.fixed?.ack?.p50, get2: (r) => r.durable?.fixed?.ack?.p99, d: 1 },
      { label: 'committed per second at half the offered rate', get: (r) => r.durable?.half?.committedPerSec, d: 0 },
      { label: 'ack latency p50 / p99 at half the offered rate (ms)', get: (r) => r.durable?.half?.ack?.p50, get2: (r) => r.durable?.half?.ack?.p99, d: 1 },
    ],
  },
  {
    key: 'reconnect', title: '6. Reconnect with 1,000 offline edits', note: () => 'y-websocket protocol: the returning client\'s sync step 2 carries all edits as one update; timed until a second client holds all of them. Native (Cairn): the outbox is resent as 1,000 pushes; timed until the ack of the last.',
    rows: [
      { label: 'y-websocket protocol: until another client holds all edits (ms)', get: (r) => r.reconnect?.yMs, better: 'lower', d: 1 },
      { label: 'native protocol: until all 1,000 are acked (ms)', get: (r) => r.reconnect?.nativeMs, only: CAIRNS, d: 1 },
    ],
  },
];

function last(a) {
  return a?.[a.length - 1];
}

function kneeStep(r) {
  const steps = r.knee?.steps ?? [];
  return [...steps].reverse().find((s) => s.p99 <= r.knee.p99LimitMs);
}

/** Cairn's advantage over a peer in one run: >1 means Cairn is better, whichever way the metric points. */
function advantage(row, cairn, peer) {
  if (!fin(cairn) || !fin(peer)) return NaN;
  if (row.better === 'lower') return cairn === 0 ? Infinity : peer / cairn;
  return peer === 0 ? Infinity : cairn / peer;
}

const valueOf = (row, r) => (r ? row.get(r) : undefined);

export function medianOf(results, server, get) {
  return median(results.runs.map((run) => run.servers[server]).filter(Boolean).map((r) => get(r)).filter(fin));
}

export function advantageOf(results, row, cairn, peer) {
  return median(results.runs.map((run) => advantage(row, valueOf(row, run.servers[cairn]), valueOf(row, run.servers[peer]))));
}

export function markdownTables(results) {
  const servers = results.servers;
  const out = [];
  const pairs = [['cairn-pg', 'y-websocket'], ['cairn-pg', 'hocuspocus'], ['cairn-embedded', 'y-websocket']].filter(([a, b]) => servers.includes(a) && servers.includes(b));
  for (const t of TABLES) {
    const cols = servers.filter((s) => (!t.only || t.only.includes(s)) && (t.key === 'idle' || t.key === 'fanout' || !SERVERS[s].floor));
    if (cols.length === 0) continue;
    const showPairs = t.only ? [] : pairs;
    out.push(`### ${t.title}`, '', t.note(results.config), '');
    out.push(`| metric | ${cols.map((s) => SHORT[s]).join(' | ')} |${showPairs.map(([a, b]) => ` ${SHORT[a]} vs ${SHORT[b]} |`).join('')}`);
    out.push(`|---|${cols.map(() => '---:').join('|')}|${showPairs.map(() => '---:|').join('')}`);
    for (const row of t.rows) {
      const cells = cols.map((s) => {
        if (row.only && !row.only.includes(s)) return '—';
        const v = medianOf(results, s, row.get);
        return row.get2 ? `${num(v, row.d)} / ${num(medianOf(results, s, row.get2), row.d)}` : num(v, row.d);
      });
      const ratios = showPairs.map(([a, b]) => (row.better && !row.only ? `${num(advantageOf(results, row, a, b), 2)}×` : ''));
      out.push(`| ${row.label} | ${cells.join(' | ')} |${ratios.map((r) => ` ${r} |`).join('')}`);
    }
    out.push('');
  }
  out.push('Ratios are Cairn\'s advantage factor (×, above 1 = Cairn better, whichever way the metric points), computed within each run and then the median over runs. Cells are medians over runs.', '');
  out.push('¹ CPU of every `postgres` and `redis-server` process on the machine over the window: Cairn\'s share of the database work (it includes anything else those services did meanwhile).', '');
  return out.join('\n');
}

/** The targets of the issue, each against the measurement that decides it. */
export function targets(results) {
  const has = (s) => results.servers.includes(s);
  if (!has('cairn-pg')) return [];
  const t = (name, value, pass, detail) => ({ name, value, pass, detail });
  const fan = TABLES[0].rows[3];
  const kneeRow = TABLES[1].rows[0];
  const out = [];
  if (has('y-websocket')) {
    const cpu = advantageOf(results, fan, 'cairn-pg', 'y-websocket');
    out.push(t('server CPU per delivered update ≥ 2× lower than y-websocket', `${num(cpu, 2)}×`, cpu >= 2,
      `${num(medianOf(results, 'cairn-pg', fan.get), 2)} µs vs ${num(medianOf(results, 'y-websocket', fan.get), 2)} µs${has('ws-floor') ? `; a bare ws relay that never decodes an update: ${num(medianOf(results, 'ws-floor', fan.get), 2)} µs` : ''}`));
    const knee = advantageOf(results, kneeRow, 'cairn-pg', 'y-websocket');
    const past = (id) => (r) => r.knee?.steps?.find((st) => !(st.p99 <= r.knee.p99LimitMs));
    const pct = (id, f) => num(medianOf(results, id, (r) => { const st = past(id)(r); return st ? f(st) : undefined; }), 0);
    out.push(t('throughput knee ≥ 2× higher than y-websocket', `${num(knee, 2)}×`, knee >= 2,
      `${num(medianOf(results, 'cairn-pg', kneeRow.get), 0)} vs ${num(medianOf(results, 'y-websocket', kneeRow.get), 0)} updates/s. First step past the knee, % of one core (the machine has 200): Cairn ${pct('cairn-pg', (st) => st.serverCpuPercent)} + Postgres/Redis ${pct('cairn-pg', (st) => (100 * st.cpu.servicesSeconds) / st.cpu.wallSeconds)} + load generator ${pct('cairn-pg', (st) => st.loadgenCpuPercent)}; y-websocket ${pct('y-websocket', (st) => st.serverCpuPercent)} + load generator ${pct('y-websocket', (st) => st.loadgenCpuPercent)}`));
  }
  const p99 = medianOf(results, 'cairn-pg', (r) => r.fanout?.p99);
  out.push(t('fan-out p99 ≤ 15 ms', `${num(p99, 2)} ms`, p99 <= 15, 'Cairn PG+Redis, durable ack'));
  const idleY = medianOf(results, 'cairn-pg', (r) => r.idle?.bytesPerConnection) / 1024;
  const idleN = medianOf(results, 'cairn-pg', (r) => r['idle-native']?.bytesPerConnection) / 1024;
  const floor = has('ws-floor') ? medianOf(results, 'ws-floor', (r) => r.idle?.bytesPerConnection) / 1024 : NaN;
  out.push(t('≤ 3 KB per idle connection', `${num(idleY, 2)} KB (y-websocket protocol), ${num(idleN, 2)} KB (native)`, idleY <= 3 && idleN <= 3,
    `RSS slope after full GC${has('ws-floor') ? `; a bare ws server that keeps nothing per connection: ${num(floor, 2)} KB` : ''}`));
  const join = medianOf(results, 'cairn-pg', (r) => r.join?.serverMs);
  out.push(t('100k-anchor join ≤ 50 ms of server time (hot doc)', `${num(join, 1)} ms`, join <= 50, `client holds the state after ${num(medianOf(results, 'cairn-pg', (r) => r.join?.joinMs), 0)} ms (client-side apply included)`));
  const max = medianOf(results, 'cairn-pg', (r) => r.durable?.max?.committedPerSec);
  const ackP99 = medianOf(results, 'cairn-pg', (r) => r.durable?.fixed?.ack?.p99);
  const rate = results.config.durable.rate;
  const halfP99 = medianOf(results, 'cairn-pg', (r) => r.durable?.half?.ack?.p99);
  out.push(t('≥ 20k durable updates/s with ack p99 ≤ 20 ms', `${num(max, 0)}/s max; ack p99 ${num(ackP99, 1)} ms at ${num(rate, 0)}/s offered, ${num(halfP99, 1)} ms at ${num(rate / 2, 0)}/s`, max >= 20000 && ackP99 <= 20,
    results.storeCeiling ? `Store alone (commitBatch, no server): ${results.storeCeiling.map((c) => `${c.batch}/batch → ${num(c.rowsPerSec, 0)}/s in ${num(c.ms, 1)} ms`).join('; ')}` : ''));
  return out;
}

export function plots(results) {
  const servers = results.servers;
  const kneeSeries = [];
  for (const s of servers.filter((id) => !SERVERS[id].floor)) {
    // The median p99 per step over the runs that reached it.
    const byHz = new Map();
    for (const run of results.runs) for (const st of run.servers[s]?.knee?.steps ?? []) {
      if (!byHz.has(st.offeredUpdatesPerSec)) byHz.set(st.offeredUpdatesPerSec, []);
      byHz.get(st.offeredUpdatesPerSec).push(st.p99 === Infinity ? 5000 : st.p99);
    }
    kneeSeries.push({ name: `${SERVERS[s].label}`, points: [...byHz].map(([x, ys]) => ({ x, y: median(ys) })) });
  }
  const latency = linePlot({
    title: 'Fan-out p99 latency vs offered rate (rooms of 10, median over runs)', xLabel: 'updates/s sent (each delivered to 9 receivers)', yLabel: 'p99 latency (ms, log)', yLog: true,
    hLine: { y: results.config.knee.p99LimitMs, label: `${results.config.knee.p99LimitMs} ms: the knee` }, series: kneeSeries,
  });
  const memSeries = [];
  for (const s of servers) {
    for (const proto of ['y', 'native']) {
      const byN = new Map();
      for (const run of results.runs) {
        const pts = run.servers[s]?.[proto === 'y' ? 'idle' : 'idle-native']?.points;
        if (!pts) continue;
        const base = pts[0].y;
        for (const p of pts) {
          if (!byN.has(p.x)) byN.set(p.x, []);
          byN.get(p.x).push((p.y - base) / 2 ** 20);
        }
      }
      if (byN.size) memSeries.push({ name: `${SERVERS[s].label}${proto === 'native' ? ', native protocol' : ''}`, dashed: proto === 'native', points: [...byN].map(([x, ys]) => ({ x, y: median(ys) })) });
    }
  }
  const memory = linePlot({ title: 'Server memory vs idle connections (RSS above 0 connections, after full GC)', xLabel: 'idle connections', yLabel: 'RSS growth (MB)', series: memSeries });
  return { 'latency-vs-rate.svg': latency, 'memory-vs-connections.svg': memory };
}
