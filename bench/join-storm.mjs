// Join storm (DESIGN.md section 7, L3): 1,000 clients join a cold 100k-anchor doc spread over 2 Cairn nodes
// (main.js processes on one Postgres schema and one Redis prefix), once with L3 on and once with CAIRN_L3=off,
// in the same run. Per variant: seed the doc through node 1 (y-websocket, every update committed), restart
// both nodes (the doc is cold everywhere: no room, no L2), then open every client at once, alternating nodes.
//
// Reported: Postgres room loads (cairn_room_loads_total{source="store"} summed over the nodes; the target is
// one per doc, not one per node), loads from L3, time from the storm's start until each client has the
// server's sync step 2 (p50, p99, max), and the hit ratio per level from /metrics (l1: the joiner's replica,
// l2: the node's rooms, l3: Redis).
//
// Clients: `--fresh` of them (default 100) join with an empty state vector and receive the whole doc (~20 MB
// each); the others hold the seeded doc (one shared Y.Doc in this process, sent as their state vector: an L1
// replica) and receive a few bytes. Receivers never decode the state: they count the sync step 2 (its bytes
// are a view, not a copy), so the load generator stays small next to the servers. With all 1,000 fresh, the
// storm is 20 GB of loopback traffic on a 2-core machine and measures the socket copy, not the cache.
//
//   node bench/join-storm.mjs [--clients 1000] [--fresh 100] [--anchors 100000] [--only on|off]
// Writes bench/results/join-storm.md.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { connectY } from './lib/y-client.mjs';
import { anchorSeed } from './lib/anchor-seed.mjs';
import { postgresUp, startServer, TMP_DIR, BENCH_DIR, REDIS_URL } from './lib/servers.mjs';
import { quantile, sleep } from './lib/stats.mjs';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    fresh: { type: 'string', default: '100' },
    anchors: { type: 'string', default: '100000' },
    only: { type: 'string' },
    // Versions between Postgres snapshots (CAIRN_SNAPSHOT_MIN_UPDATES) while seeding: 50 leaves the doc with
    // a Postgres snapshot at its head, as any doc past 1,000 versions has; 1000 (the default) leaves the
    // 100 seed rows as a log to replay.
    'snapshot-every': { type: 'string', default: '50' },
  },
});
const CLIENTS = Number(args.clients);
const FRESH = Math.min(CLIENTS, Number(args.fresh));
const ANCHORS = Number(args.anchors);
const ROOM = 'join-storm';
const log = (m) => console.error(`[join-storm ${new Date().toISOString().slice(11, 19)}] ${m}`);

async function metrics(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const get = (name, labels = '') => {
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (labels.split(',').every((l) => line.includes(l))) sum += Number(line.split(' ').pop());
    }
    return sum;
  };
  return get;
}

const yUrl = (port) => `ws://127.0.0.1:${port}/y/${ROOM}`;

async function seedDoc(server, seed) {
  const [port] = server.ports();
  const seeder = connectY({ flavor: 'y', url: yUrl(port), room: ROOM });
  await seeder.ready;
  for (const u of seed.updates) {
    seeder.sendUpdate(u);
    while (seeder.ws.bufferedAmount > 4 * 1024 * 1024) await sleep(5);
  }
  const t0 = performance.now();
  for (;;) {
    const m = await metrics(port);
    if (m('cairn_updates_committed_total') >= seed.updates.length) break;
    if (performance.now() - t0 > 300_000) throw new Error('seeding did not commit within 5 min');
    await sleep(250);
  }
  seeder.close();
}

async function flushL3(prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys = await redis.keys(`${prefix}l3*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

async function storm(server, warmDoc) {
  const ports = server.ports();
  const times = [];
  const perNode = ports.map(() => []);
  let failed = 0;
  const reasons = new Map();
  let bytes = 0;
  const t0 = performance.now();
  const joins = [];
  for (let i = 0; i < CLIENTS; i++) {
    const fresh = i < FRESH;
    // Fresh and warm joiners alternate nodes too: the first FRESH of each node's share are fresh.
    const port = ports[i % ports.length];
    const c = connectY({ flavor: 'y', url: yUrl(port), room: ROOM, ...(fresh ? {} : { doc: warmDoc }), onUpdate: (u) => (bytes += u.byteLength) });
    joins.push(
      Promise.race([c.ready, sleep(180_000).then(() => Promise.reject(new Error('no sync within 180 s')))]).then(
        () => {
          times.push(performance.now() - t0);
          perNode[i % ports.length].push(performance.now() - t0);
        },
        (err) => {
          failed++;
          reasons.set(err.message, (reasons.get(err.message) ?? 0) + 1);
        },
      ).finally(() => c.close()),
    );
  }
  await Promise.all(joins);
  times.sort((a, b) => a - b);
  for (const t of perNode) t.sort((a, b) => a - b);
  const m = await Promise.all(ports.map((p) => metrics(p)));
  const sum = (name, labels) => m.reduce((s, get) => s + get(name, labels), 0);
  const ratio = (level) => {
    const hit = sum('cairn_cache_lookups_total', `level="${level}",result="hit"`);
    const miss = sum('cairn_cache_lookups_total', `level="${level}",result="miss"`);
    return { hit, miss, ratio: hit + miss > 0 ? hit / (hit + miss) : null };
  };
  return {
    synced: times.length, failed, reasons: Object.fromEntries(reasons), bytes,
    p50: quantile(times, 0.5), p99: quantile(times, 0.99), max: times[times.length - 1] ?? null,
    nodes: perNode.map((t, n) => ({ p50: quantile(t, 0.5), p99: quantile(t, 0.99), source: m[n]('cairn_room_loads_total', 'source="l3"') > 0 ? 'l3' : 'store' })),
    storeLoads: sum('cairn_room_loads_total', 'source="store"'), l3Loads: sum('cairn_room_loads_total', 'source="l3"'),
    waits: Object.fromEntries(['snapshot', 'lease_gone', 'timeout'].map((o) => [o, sum('cairn_l3_waits_total', `outcome="${o}"`)])),
    puts: Object.fromEntries(['stored', 'kept', 'too_big', 'error'].map((r) => [r, sum('cairn_l3_puts_total', `result="${r}"`)])),
    l1: ratio('l1'), l2: ratio('l2'), l3: ratio('l3'),
  };
}

async function variant(l3, seed, warmDoc) {
  const run = `storm_${l3}_${process.pid}`;
  process.env.CAIRN_L3 = l3;
  process.env.CAIRN_SNAPSHOT_MIN_UPDATES = args['snapshot-every'];
  const server = await startServer('cairn-pg', { run, nodes: 2, log });
  try {
    log(`L3 ${l3}: seeding ${ANCHORS} anchors through node 1`);
    await seedDoc(server, seed);
    log(`L3 ${l3}: restarting both nodes (cold doc)`);
    await server.restart();
    await flushL3(`bench:${run}:`); // cold in Redis too, should a snapshot have been shared while seeding
    log(`L3 ${l3}: ${CLIENTS} clients (${FRESH} fresh) join at once`);
    const r = await storm(server, warmDoc);
    log(`L3 ${l3}: ${JSON.stringify(r)}`);
    return r;
  } finally {
    await server.stop();
    delete process.env.CAIRN_L3;
    delete process.env.CAIRN_SNAPSHOT_MIN_UPDATES;
  }
}

if (!(await postgresUp())) {
  console.error('join-storm: Postgres is not reachable (BENCH_DATABASE_URL); nothing measured');
  process.exit(1);
}
const seed = anchorSeed(TMP_DIR, ANCHORS);
const warmDoc = new Y.Doc();
for (const u of seed.updates) Y.applyUpdate(warmDoc, u);
const results = {};
for (const l3 of ['on', 'off']) if (!args.only || args.only === l3) results[l3] = await variant(l3, seed, warmDoc);

const ms = (v) => (v === null ? '–' : `${Math.round(v)} ms`);
const pct = (r) => (r.ratio === null ? '–' : `${(100 * r.ratio).toFixed(1)}% (${r.hit}/${r.hit + r.miss})`);
const rows = Object.entries(results).map(([l3, r]) =>
  `| ${l3} | ${r.storeLoads} | ${r.l3Loads} | ${r.synced}/${CLIENTS}${r.failed ? ` (${r.failed} failed)` : ''} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${pct(r.l1)} | ${pct(r.l2)} | ${pct(r.l3)} |`);
const nodeRows = Object.entries(results).flatMap(([l3, r]) => r.nodes.map((n, i) => `| ${l3} | ${i + 1} | ${n.source === 'l3' ? 'Redis snapshot + rows after it' : 'Postgres'} | ${ms(n.p50)} | ${ms(n.p99)} |`));
const table = [
  `Join storm: ${CLIENTS} clients (${FRESH} with an empty replica, ${CLIENTS - FRESH} holding the doc) join a cold ${ANCHORS.toLocaleString('en')}-anchor doc (${(seed.bytes / 1e6).toFixed(1)} MB of updates in ${seed.updates.length} rows; Postgres snapshots every ${args['snapshot-every']} versions) spread over 2 nodes`,
  '',
  '| L3 | Postgres loads | L3 loads | synced | p50 to synced | p99 to synced | max | L1 hit | L2 hit | L3 hit |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  'Per node (each serves half the clients):',
  '',
  '| L3 | node | loaded from | p50 to synced | p99 to synced |',
  '|---|---|---|---|---|',
  ...nodeRows,
].join('\n');
console.log(table);
const notes = `
How it runs (bench/README.md "Join storm"): both variants in one invocation, L3 on first; each seeds the doc
through node 1, restarts both nodes and empties the run's L3 keys, so the doc is cold in every node and in
Redis. "Postgres loads" is \`cairn_room_loads_total{source="store"}\` summed over both nodes (a room built
from the Store's snapshot and log); "L3 loads" a room built from the Redis snapshot plus the Postgres rows
after it. Time to synced: from the storm's start (every socket
opened in one loop) to the client's sync step 2. The fresh clients' 20 MB each dominate the traffic
(2 GB through loopback); receivers count the bytes and never decode them.

Hit ratios: L1 is the share of syncs that sent at most 4 KiB (the ${CLIENTS - FRESH} clients holding the doc),
L2 the room lookups a node served from memory (all but its first), L3 the room loads served from Redis
(the one node that loaded from Postgres counts a miss, by definition: with 2 nodes and 1 doc the best L3
ratio is 1/2). What the target asks for is the Postgres load count: one per doc, not one per node.
`;
writeFileSync(`${BENCH_DIR}results/join-storm.md`, `# Join storm (bench/join-storm.mjs)\n\n${table}\n${notes}\nMachine load (/proc/loadavg) at the end: ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}; the machine is shared (2 cores, other engineers' runs), so compare the two variants of one run.\n`);
