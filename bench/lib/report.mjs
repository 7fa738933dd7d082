// Turns the raw results of every run into the markdown tables (medians over runs, and Cairn's advantage
// factor over each peer computed within each run, then the median of those) and the targets table.
import { median } from './stats.mjs';
import { SERVERS } from './servers.mjs';
import { peerRampTable, stallNotes } from './step-report.mjs';
import { SHORT, fin, num } from './report-format.mjs';

const CAIRNS = ['cairn-pg', 'cairn-embedded'];


/**
 * Cache hit ratios per level (DESIGN section 7) over the workload's joins, from Cairn's
 * cairn_cache_lookups_total: L1 the joining replica already held the doc, L2 this node held the room, L3
 * Redis held its snapshot (a node with no Redis has none).
 */
function cacheRows(key) {
  return ['l1', 'l2', 'l3'].map((level) => ({ label: `cache hit ratio ${level.toUpperCase()} over the workload's joins (%)`, get: (r) => (r[key]?.cache?.[level] ? 100 * r[key].cache[level].ratio : undefined), only: CAIRNS, d: 1 }));
}

/** What each workload's table shows. better: which way is good; only: servers the row applies to. */
export const TABLES = [
  {
    key: 'fanout', floor: true, title: '1. Fan-out', note: (c) => `${c.fanout.clients} clients in rooms of ${c.fanout.roomSize}, each sending a pose update (~55 bytes) ${c.fanout.hz} times a second (${c.fanout.clients * c.fanout.hz} updates/s, ${c.fanout.clients * c.fanout.hz * (c.fanout.roomSize - 1)} deliveries/s); latency from send to each of the 9 receivers; CPU over a ${c.fanout.windowMs / 1000} s window.`,
    rows: [
      { label: 'latency p50 (ms)', get: (r) => r.fanout?.p50, better: 'lower', d: 2 },
      { label: 'latency p95 (ms)', get: (r) => r.fanout?.p95, better: 'lower', d: 2 },
      { label: 'latency p99 (ms)', get: (r) => r.fanout?.p99, better: 'lower', d: 2 },
      { label: 'server CPU per delivered update (µs)', get: (r) => r.fanout?.serverCpuUsPerDelivered, better: 'lower', d: 2 },
      { label: 'Postgres + Redis CPU per delivered update (µs)¹', get: (r) => r.fanout?.servicesCpuUsPerDelivered, only: ['cairn-pg'], d: 2 },
      ...machineRows('fanout'),
      { label: 'delivered updates/s', get: (r) => r.fanout?.deliveredPerSec, better: 'higher', d: 0 },
      { label: 'server CPU (% of one core)', get: (r) => r.fanout?.serverCpuPercent, d: 0 },
      { label: 'load generator CPU (% of one core)', get: (r) => r.fanout?.loadgenCpuPercent, d: 0 },
      ...cacheRows('fanout'),
      ...noiseRows('fanout'),
    ],
  },
  {
    key: 'knee', title: '2. Throughput knee', note: (c) => `The fan-out setup at rising rates (${c.knee.steps.join(', ')} updates/s per client); the knee is the highest offered rate whose p99 stayed ≤ ${c.knee.p99LimitMs} ms (undelivered updates count as late).`,
    rows: [
      { label: 'knee (updates/s sent)', get: (r) => r.knee?.kneeUpdatesPerSec, better: 'higher', d: 0 },
      { label: 'deliveries/s at the knee', get: (r) => kneeStep(r)?.deliveredPerSec, better: 'higher', d: 0 },
      { label: 'p99 at the knee (ms)', get: (r) => kneeStep(r)?.p99, d: 1 },
      { label: 'server CPU at the knee (% of one core)', get: (r) => kneeStep(r)?.serverCpuPercent, d: 0 },
      { label: 'server CPU per delivered update at the knee (µs)', get: (r) => kneeStep(r)?.serverCpuUsPerDelivered, better: 'lower', d: 2 },
      { label: 'machine-wide CPU per delivered update at the knee: server + Postgres + Redis (µs)²', get: (r) => kneeStep(r)?.machineCpuUsPerDelivered, better: 'lower', d: 2 },
      { label: 'load generator CPU at the knee (% of one core)', get: (r) => kneeStep(r)?.loadgenCpuPercent, d: 0 },
    ],
  },
  {
    key: 'idle', floor: true, title: '3. Idle connections', note: (c) => `Clients connect in rooms of ${c.idle.roomSize} (steps ${c.idle.steps.join(', ')}), sync and stay silent; server RSS after a full GC at each step; memory per connection = least-squares slope. Each protocol on a fresh server process, warmed by ${c.idle.warmup} connections opened and closed first.`,
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
  {
    key: 'peer-team', floor: true, title: '7. Peer team: 1,000 updates/s in rooms of 10 (the outside peer run\'s shape)',
    note: (c) => `${c['peer-team'].clients} clients in ${c['peer-team'].clients / c['peer-team'].roomSize} rooms of ${c['peer-team'].roomSize}, each setting its own key of a shared \`Y.Map('poses')\` to 9 numbers (position, quaternion, sequence number and send time; a 78-byte update) ${c['peer-team'].hz} times a second (${c['peer-team'].clients * c['peer-team'].hz} updates/s), open loop, each client's phase drawn from SEED=${c.seed}; latency from send to each other member of the room; CPU over a ${c['peer-team'].windowMs / 1000} s window.`,
    rows: [
      { label: 'latency p50 (ms)', get: (r) => r['peer-team']?.p50, better: 'lower', d: 2 },
      { label: 'latency p95 (ms)', get: (r) => r['peer-team']?.p95, better: 'lower', d: 2 },
      { label: 'latency p99 (ms)', get: (r) => r['peer-team']?.p99, better: 'lower', d: 2 },
      { label: 'server CPU per delivered update (µs)', get: (r) => r['peer-team']?.serverCpuUsPerDelivered, better: 'lower', d: 2 },
      ...machineRows('peer-team'),
      { label: 'delivered updates/s', get: (r) => r['peer-team']?.deliveredPerSec, better: 'higher', d: 0 },
      { label: 'server CPU (% of one core)', get: (r) => r['peer-team']?.serverCpuPercent, d: 0 },
      { label: 'Postgres + Redis CPU (% of one core)', get: (r) => r['peer-team']?.servicesCpuPercent, only: ['cairn-pg'], d: 0 },
      { label: 'load generator CPU (% of one core)', get: (r) => r['peer-team']?.loadgenCpuPercent, d: 0 },
      ...cacheRows('peer-team'),
      ...noiseRows('peer-team'),
    ],
  },
  {
    key: 'peer-knee', floor: true, title: '8. Peer ramp knee (the outside peer run\'s shape)',
    note: (c) => `${c['peer-knee'].rooms} rooms of ${c['peer-knee'].roomSize} clients, the peer-team update, the rate per client ramped ${c['peer-knee'].steps.join(', ')} updates/s (SEED=${c.seed}); the knee is the highest delivered/s (deliveries to receivers per second) of a step whose p99 stayed ≤ ${c['peer-knee'].p99LimitMs} ms, an undelivered update counting as late; the ramp stops after ${c['peer-knee'].stopAfter} saturated steps in a row (over a tenth of the deliveries missing). Every step: the table after this one.`,
    rows: [
      { label: 'knee: delivered/s with p99 ≤ limit', get: (r) => r['peer-knee']?.kneeDeliveredPerSec, better: 'higher', d: 0 },
      { label: 'rate per client at the knee (updates/s)', get: (r) => r['peer-knee']?.kneeHz, d: 0 },
      { label: 'p99 at the knee (ms)', get: (r) => peerKneeStep(r)?.p99, d: 1 },
      { label: 'server CPU per delivered update at the knee (µs)', get: (r) => peerKneeStep(r)?.serverCpuUsPerDelivered, better: 'lower', d: 2 },
      { label: 'machine-wide CPU per delivered update at the knee: server + Postgres + Redis (µs)²', get: (r) => peerKneeStep(r)?.machineCpuUsPerDelivered, better: 'lower', d: 2 },
      { label: 'server CPU at the knee (% of one core)', get: (r) => peerKneeStep(r)?.serverCpuPercent, d: 0 },
      { label: 'load generator CPU at the knee (% of one core)', get: (r) => peerKneeStep(r)?.loadgenCpuPercent, d: 0 },
    ],
  },
];

/** The machine-wide CPU row of a one-phase workload: the server's own plus Postgres and Redis. */
function machineRows(key) {
  return [{ label: 'machine-wide CPU per delivered update: server + Postgres + Redis (µs)²', get: (r) => r[key]?.machineCpuUsPerDelivered, better: 'lower', d: 2 }];
}

/** What says how far to trust a one-phase workload's figures: other users' CPU, and sockets the server closed. */
function noiseRows(key) {
  return [
    { label: 'other processes on the machine (% of one core)', get: (r) => r[key]?.otherCpuPercent, d: 0 },
    { label: 'sockets closed by the server mid-phase (reconnected)', get: (r) => r[key]?.sockets?.closed, d: 0 },
  ];
}

function last(a) {
  return a?.[a.length - 1];
}

function peerKneeStep(r) {
  return r['peer-knee']?.steps?.find((s) => s.hz === r['peer-knee'].kneeHz && s.p99 <= r['peer-knee'].p99LimitMs);
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

/** The median over runs; an ∞ (an update that never arrived) counts as the largest value, not as no value. */
export function medianOf(results, server, get) {
  const v = results.runs.map((run) => run.servers[server]).filter(Boolean).map((r) => get(r)).filter(fin).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function advantageOf(results, row, cairn, peer) {
  return median(results.runs.map((run) => advantage(row, valueOf(row, run.servers[cairn]), valueOf(row, run.servers[peer]))));
}

export function markdownTables(results) {
  const servers = results.servers;
  const out = [];
  const pairs = [['cairn-pg', 'y-websocket'], ['cairn-pg', 'hocuspocus'], ['cairn-embedded', 'y-websocket'], ['cairn-embedded', 'hocuspocus']].filter(([a, b]) => servers.includes(a) && servers.includes(b));
  for (const t of TABLES) {
    const cols = servers.filter((s) => (!t.only || t.only.includes(s)) && (t.floor || !SERVERS[s].floor) && results.runs.some((run) => run.servers[s]?.[t.key]));
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
    if (t.key === 'peer-knee') out.push(...peerRampTable(results, cols), '');
  }
  out.push(...stallNotes(results), '');
  out.push('Ratios are Cairn\'s advantage factor (×, above 1 = Cairn better, whichever way the metric points), computed within each run and then the median over runs. Cells are medians over runs.', '');
  out.push('¹ CPU of every `postgres` and `redis-server` process on the machine over the window: Cairn\'s share of the database work (it includes anything else those services did meanwhile).', '');
  out.push('² The server\'s own CPU plus ¹ for Cairn on Postgres + Redis; the other servers use neither, so theirs equals their own. The load generator and other processes are not in it.', '');
  return out.join('\n');
}

/** The targets of the issue, each against the measurement that decides it. */
export function targets(results) {
  const has = (s) => results.servers.includes(s);
  if (!has('cairn-pg')) return [];
  const t = (name, value, pass, detail) => ({ name, value, pass, detail });
  const ran = (w) => results.runs.some((run) => run.servers['cairn-pg']?.[w] && !run.servers['cairn-pg'][w].error);
  const fan = TABLES[0].rows[3];
  const kneeRow = TABLES[1].rows[0];
  const out = [...peerTargets(results, t)];
  if (has('y-websocket') && ran('fanout')) {
    const cpu = advantageOf(results, fan, 'cairn-pg', 'y-websocket');
    out.push(t('fan-out rig (5/s): server CPU per delivered update ≥ 2× lower than y-websocket', `${num(cpu, 2)}×`, cpu >= 2,
      `${num(medianOf(results, 'cairn-pg', fan.get), 2)} µs vs ${num(medianOf(results, 'y-websocket', fan.get), 2)} µs${has('ws-floor') ? `; a bare ws relay that never decodes an update: ${num(medianOf(results, 'ws-floor', fan.get), 2)} µs` : ''}`));
  }
  if (has('y-websocket') && ran('knee')) {
    const knee = advantageOf(results, kneeRow, 'cairn-pg', 'y-websocket');
    const past = (id) => (r) => r.knee?.steps?.find((st) => !(st.p99 <= r.knee.p99LimitMs));
    const pct = (id, f) => num(medianOf(results, id, (r) => { const st = past(id)(r); return st ? f(st) : undefined; }), 0);
    out.push(t('fan-out rig knee (5-40/s, rooms of 10, 500 clients) ≥ 2× higher than y-websocket', `${num(knee, 2)}×`, knee >= 2,
      `${num(medianOf(results, 'cairn-pg', kneeRow.get), 0)} vs ${num(medianOf(results, 'y-websocket', kneeRow.get), 0)} updates/s. First step past the knee, % of one core (the machine has 200): Cairn ${pct('cairn-pg', (st) => st.serverCpuPercent)} + Postgres/Redis ${pct('cairn-pg', (st) => (100 * st.cpu.servicesSeconds) / st.cpu.wallSeconds)} + load generator ${pct('cairn-pg', (st) => st.loadgenCpuPercent)}; y-websocket ${pct('y-websocket', (st) => st.serverCpuPercent)} + load generator ${pct('y-websocket', (st) => st.loadgenCpuPercent)}`));
  }
  return [...out, ...olderTargets(results, t, has, ran)];
}

/**
 * Issue 14's targets, on the outside peer run's workloads: the ramp knee ≥ 1× y-websocket's (then 2×), CPU
 * per delivered update ≤ y-websocket's (the server's own and machine-wide), fan-out p50 ≤ 3 ms at 1,000
 * updates/s.
 */
function peerTargets(results, t) {
  const has = (s) => results.servers.includes(s) && results.runs.some((run) => run.servers[s]?.['peer-team'] || run.servers[s]?.['peer-knee']);
  const [team, knee] = ['peer-team', 'peer-knee'].map((key) => TABLES.find((x) => x.key === key));
  const row = (table, start) => table.rows.find((r) => r.label.startsWith(start));
  const out = [];
  const vs = (r, d, unit) => ['y-websocket', 'hocuspocus', 'ws-floor'].filter(has).map((s) => `${SHORT[s]} ${num(medianOf(results, s, r.get), d)}${unit}${s === 'ws-floor' ? '' : ` (${num(advantageOf(results, r, 'cairn-pg', s), 2)}×)`}`).join(', ');
  const kneeRow = row(knee, 'knee');
  if (has('y-websocket') && results.runs.some((run) => run.servers['cairn-pg']?.['peer-knee']?.steps)) {
    const k = advantageOf(results, kneeRow, 'cairn-pg', 'y-websocket');
    out.push(t('peer ramp knee ≥ 1× y-websocket\'s (then 2×)', `${num(k, 2)}×`, k >= 1,
      `delivered/s with p99 ≤ ${results.config['peer-knee'].p99LimitMs} ms: Cairn ${num(medianOf(results, 'cairn-pg', kneeRow.get), 0)}; ${vs(kneeRow, 0, '')}; 2× ${k >= 2 ? 'holds' : 'does not hold'}`));
  }
  if (has('y-websocket') && results.runs.some((run) => run.servers['cairn-pg']?.['peer-team']?.delivered)) {
    const own = row(team, 'server CPU per');
    const wide = row(team, 'machine-wide');
    const a = advantageOf(results, own, 'cairn-pg', 'y-websocket');
    out.push(t('CPU per delivered update ≤ y-websocket\'s, the server\'s own (peer team)', `${num(a, 2)}×`, a >= 1, `Cairn ${num(medianOf(results, 'cairn-pg', own.get), 2)} µs; ${vs(own, 2, ' µs')}`));
    const w = advantageOf(results, wide, 'cairn-pg', 'y-websocket');
    out.push(t('CPU per delivered update ≤ y-websocket\'s, machine-wide: server + Postgres + Redis (peer team)', `${num(w, 2)}×`, w >= 1, `Cairn ${num(medianOf(results, 'cairn-pg', wide.get), 2)} µs (of which Postgres + Redis ${num(medianOf(results, 'cairn-pg', (r) => r['peer-team']?.servicesCpuUsPerDelivered), 2)}); ${vs(wide, 2, ' µs')}`));
  }
  if (results.runs.some((run) => run.servers['cairn-pg']?.['peer-team']?.delivered)) {
    const p50 = medianOf(results, 'cairn-pg', (r) => r['peer-team']?.p50);
    out.push(t('fan-out p50 ≤ 3 ms at 1,000 updates/s (peer team)', `${num(p50, 2)} ms`, p50 <= 3, `Cairn PG+Redis, durable ack; p99 ${num(medianOf(results, 'cairn-pg', (r) => r['peer-team']?.p99), 1)} ms${has('y-websocket') ? `; y-websocket p50 ${num(medianOf(results, 'y-websocket', (r) => r['peer-team']?.p50), 2)} ms` : ''}`));
  }
  return out;
}

/** The targets of earlier issues that still apply, each only when its workload ran. */
function olderTargets(results, t, has, ran) {
  const out = [];
  const p99 = medianOf(results, 'cairn-pg', (r) => r.fanout?.p99);
  if (ran('fanout')) out.push(t('fan-out p99 ≤ 15 ms (5/s rig)', `${num(p99, 2)} ms`, p99 <= 15, 'Cairn PG+Redis, durable ack'));
  const idleY = medianOf(results, 'cairn-pg', (r) => r.idle?.bytesPerConnection) / 1024;
  const idleN = medianOf(results, 'cairn-pg', (r) => r['idle-native']?.bytesPerConnection) / 1024;
  const floor = has('ws-floor') ? medianOf(results, 'ws-floor', (r) => r.idle?.bytesPerConnection) / 1024 : NaN;
  if (ran('idle')) out.push(t('≤ 3 KB per idle connection', `${num(idleY, 2)} KB (y-websocket protocol), ${num(idleN, 2)} KB (native)`, idleY <= 3 && idleN <= 3,
    `RSS slope after full GC${has('ws-floor') ? `; a bare ws server that keeps nothing per connection: ${num(floor, 2)} KB` : ''}`));
  const join = medianOf(results, 'cairn-pg', (r) => r.join?.serverMs);
  if (ran('join')) out.push(t('100k-anchor join ≤ 50 ms of server time (hot doc)', `${num(join, 1)} ms`, join <= 50, `client holds the state after ${num(medianOf(results, 'cairn-pg', (r) => r.join?.joinMs), 0)} ms (client-side apply included)`));
  const max = medianOf(results, 'cairn-pg', (r) => r.durable?.max?.committedPerSec);
  const ackP99 = medianOf(results, 'cairn-pg', (r) => r.durable?.fixed?.ack?.p99);
  const rate = results.config.durable?.rate;
  const halfP99 = medianOf(results, 'cairn-pg', (r) => r.durable?.half?.ack?.p99);
  if (ran('durable')) out.push(t('≥ 20k durable updates/s with ack p99 ≤ 20 ms', `${num(max, 0)}/s max; ack p99 ${num(ackP99, 1)} ms at ${num(rate, 0)}/s offered, ${num(halfP99, 1)} ms at ${num(rate / 2, 0)}/s`, max >= 20000 && ackP99 <= 20,
    results.storeCeiling ? `Store alone (commitBatch, no server): ${results.storeCeiling.map((c) => `${c.batch}/batch → ${num(c.rowsPerSec, 0)}/s in ${num(c.ms, 1)} ms`).join('; ')}` : ''));
  return out;
}
