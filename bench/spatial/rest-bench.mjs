// The REST read model half of issue 4's spatial benchmark: a real server process on Postgres and Redis,
// N anchors written as Yjs updates into cell docs through the native protocol, then the same bbox / near /
// cell queries over HTTP (keep-alive), timed from the client (median and p95 of repeated requests).
//
//   node bench/spatial/rest-bench.mjs [--quick] [--out bench/results/spatial-rest.md]
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import * as Y from 'yjs';
import WebSocket from 'ws';
import pg from 'pg';
import { PROTOCOL_VERSION, cellDocId, cellOf, decodeFrame, encodeFrame, localToGeodetic, metaDocId, putAnchor, toBytes, writeSpaceMeta } from '@cairn/shared';
import { prng } from './prng.mjs';

const quick = process.argv.includes('--quick');
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? process.argv[outArg + 1] : 'bench/results/spatial-rest.md';
const SIZES = quick ? [10_000] : [10_000, 100_000];
const REQUESTS = quick ? 100 : 300;
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const ORIGIN_GEO = { lat: 48.8584, lon: 2.2945, alt: 35 };
const PRECISION = 7;
const HALF = 180;
const CHUNK = 1500; // anchors per pushed update: stays well under the 1 MiB frame limit

const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function startServer(schema) {
  const port = await freePort();
  const child = spawn(process.execPath, ['packages/server/dist/main.js'], {
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: PG_URL, CAIRN_PG_SCHEMA: schema, REDIS_URL: 'redis://127.0.0.1:6379', CAIRN_REDIS_PREFIX: `${schema}:`,
      // The bench measures the query path, not the per-token rate limit (S7) it would hit in a second.
      CAIRN_REST_RATE_PER_TOKEN: '1000000000' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return { port, child }; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/sync`);
    ws.binaryType = 'arraybuffer';
    const waiters = [];
    ws.on('message', (d) => { const f = decodeFrame(toBytes(d)); for (const w of [...waiters]) if (w.test(f)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(f); } });
    ws.on('open', () => {
      ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: `bench-${Date.now()}`, token: '' }));
      resolve({ ws, wait: (test) => new Promise((res) => waiters.push({ test, resolve: res })) });
    });
    ws.on('error', reject);
  });
}

async function measure(n) {
  const schema = `bench_rest_${process.pid}_${n}`;
  const { port, child } = await startServer(schema);
  const c = await connect(port);
  const rnd = prng(n);
  let seq = 0;
  const send = (doc, update) => c.ws.send(encodeFrame({ type: 'push', doc, seq: ++seq, update }));
  const meta = new Y.Doc();
  meta.on('update', (u) => send(metaDocId('bench'), u));
  writeSpaceMeta(meta, { origin: ORIGIN_GEO, precision: PRECISION });
  const byCell = new Map();
  const pts = [];
  for (let i = 0; i < n; i++) {
    const p = [(rnd.next() * 2 - 1) * HALF, rnd.next() * 3, (rnd.next() * 2 - 1) * HALF];
    pts.push(p);
    const g = localToGeodetic(ORIGIN_GEO, p);
    const cell = cellOf(g.lat, g.lon, PRECISION);
    if (!byCell.has(cell)) byCell.set(cell, []);
    byCell.get(cell).push(i);
  }
  const tSeed = performance.now();
  for (const [cell, ids] of byCell) {
    const doc = new Y.Doc();
    doc.on('update', (u) => send(cellDocId('bench', cell), u));
    for (let k = 0; k < ids.length; k += CHUNK) {
      doc.transact(() => { for (const i of ids.slice(k, k + CHUNK)) putAnchor(doc, { id: `a-${i}`, pose: { p: pts[i], q: [0, 0, 0, 1], hlc: '000000000001-000000-seed' }, created: { by: 'bench', at: '2026-01-01' }, props: { n: i } }); });
    }
  }
  const last = seq;
  await c.wait((f) => f.type === 'ack' && f.seq === last);
  const ackedMs = performance.now() - tSeed;
  // The read model follows commits asynchronously: wait until it caught up with every doc.
  const db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  for (;;) {
    const { rows } = await db.query(`SELECT count(*)::int AS behind FROM "${schema}".cairn_docs d LEFT JOIN "${schema}".cairn_readmodel_progress p USING (tenant, doc) WHERE d.head_version > coalesce(p.applied_version, 0)`);
    if (rows[0].behind === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const caughtUpMs = performance.now() - tSeed;
  const { rows: [{ count }] } = await db.query(`SELECT count(*)::int AS count FROM "${schema}".cairn_anchors`);
  const base = `http://127.0.0.1:${port}/v1/spaces/bench/anchors`;
  const q = prng(n + 7);
  const time = async (url) => {
    const ts = [];
    for (let i = 0; i < REQUESTS; i++) {
      const u = url(i);
      const t = performance.now();
      const res = await fetch(u);
      const body = await res.json();
      if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
      ts.push(performance.now() - t);
    }
    return { p50: pct(ts, 0.5), p95: pct(ts, 0.95) };
  };
  const geo = () => localToGeodetic(ORIGIN_GEO, [(q.next() * 2 - 1) * HALF, 0, (q.next() * 2 - 1) * HALF]);
  const bbox = await time(() => { const g = geo(); const d = 0.0001; return `${base}?bbox=${g.lat - d},${g.lon - d},${g.lat + d},${g.lon + d}`; });
  const near = await time(() => { const g = geo(); return `${base}?near=${g.lat},${g.lon}&radius=10`; });
  const cells = [...byCell.keys()];
  const cellQ = await time((i) => `${base}?cell=${cells[i % cells.length]}&limit=100`);
  c.ws.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.end();
  return { n, stored: count, ackedMs, caughtUpMs, bbox, near, cellQ };
}

const rows = [];
for (const n of SIZES) {
  const r = await measure(n);
  rows.push(r);
  console.log(JSON.stringify(r));
}
const f = (x) => x.toFixed(2);
let md = `# Spatial REST read model (issue 4)\n\nOne server process on Postgres + Redis (durable ack on), ${REQUESTS} sequential HTTP requests per query `;
md += `(keep-alive), timed at the client: p50 / p95 in ms, HTTP and JSON included. Seeding pushes the anchors as Yjs updates of `;
md += `${CHUNK} anchors each through the native protocol; "read model caught up" is when every cell doc's applied version equals its head.\n\n`;
md += `| anchors | acked | read model caught up | bbox ~22 m | near 10 m | cell (limit 100) |\n|---|---|---|---|---|---|\n`;
for (const r of rows) md += `| ${r.n.toLocaleString('en')} (${r.stored.toLocaleString('en')} rows) | ${(r.ackedMs / 1000).toFixed(1)} s | ${(r.caughtUpMs / 1000).toFixed(1)} s | ${f(r.bbox.p50)} / ${f(r.bbox.p95)} | ${f(r.near.p50)} / ${f(r.near.p95)} | ${f(r.cellQ.p50)} / ${f(r.cellQ.p95)} |\n`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, md);
console.log(md);
