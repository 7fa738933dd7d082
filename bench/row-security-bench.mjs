// What row-level security costs the Store (S5, migration 7): the same commitBatch and per-tenant reads on
// one schema through the owner's one URL (no scoping) and through the tenant-scoped app role (scoped reads
// run BEGIN; SET LOCAL cairn.tenant … COMMIT; the group commit stays one statement on a connection that
// starts with cairn.tenant = '*', and pays the policies' checks). Modes alternate round by round so both
// see the same machine; medians over rounds, and their ratio.
//
//   node bench/row-security-bench.mjs [--rounds 7] [--app-role cairn_test_app]
//
// Needs the build (packages/server/dist), Postgres at BENCH_DATABASE_URL (default the test database) as a
// superuser, and an app role that can log in (created if missing). Writes bench/results/row-security.md.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(opt('rounds', '7'));
const APP_ROLE = opt('app-role', 'cairn_test_app');
const URL_OWNER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const urlAs = (role) => Object.assign(new URL(URL_OWNER), { username: role, password: '' }).toString();
const { createPgStore } = await import(fileURLToPath(new URL('../packages/server/dist/store/pg-store.js', import.meta.url)));

const schema = `bench_rls_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: URL_OWNER });
await admin.connect();
await admin.query(`DO $$ BEGIN CREATE ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);

const owner = createPgStore({ connectionString: URL_OWNER, schema, poolSize: 4 });
const app = createPgStore({ connectionString: urlAs(APP_ROLE), ownerConnectionString: URL_OWNER, schema, poolSize: 4 });
await app.migrate();
const modes = { 'owner, one URL': owner, 'app role, row security': app };

const TENANTS = ['t0', 't1', 't2', 't3'];
const update = new Uint8Array(55).fill(7);
let seq = 0;
const batchOf = (size) =>
  Array.from({ length: size }, (_, i) => ({ tenant: TENANTS[i % TENANTS.length], doc: `bench/d${i % 40}`, clientId: `c${i % 40}`, seq: ++seq, actor: 'a', update }));

async function timeIt(n, fn) {
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return (performance.now() - t) / n;
}

const cases = [
  ['commitBatch, 1 push (ms)', (s) => timeIt(40, () => s.commitBatch(batchOf(1)))],
  ['commitBatch, 128 pushes of 4 tenants (ms)', (s) => timeIt(10, () => s.commitBatch(batchOf(128)))],
  ['headVersion (ms)', (s) => timeIt(100, (i) => s.headVersion(TENANTS[i % 4], `bench/d${i % 40}`))],
  ['loadUpdates, last 20 versions (ms)', (s) => timeIt(50, async (i) => {
    const head = await s.headVersion(TENANTS[i % 4], `bench/d${i % 40}`);
    return s.loadUpdates(TENANTS[i % 4], `bench/d${i % 40}`, Math.max(0, head - 20));
  })],
];

const samples = new Map();
try {
  for (const s of Object.values(modes)) await s.commitBatch(batchOf(512)); // warm both pools and caches
  for (let r = 0; r < ROUNDS; r++) {
    for (const [mode, store] of r % 2 === 0 ? Object.entries(modes) : Object.entries(modes).reverse()) {
      for (const [name, run] of cases) {
        const key = `${name}|${mode}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push(await run(store));
      }
    }
  }
} finally {
  await Promise.all([owner.close(), app.close()]);
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const [ownerMode, appMode] = Object.keys(modes);
const rows = cases.map(([name]) => {
  const o = median(samples.get(`${name}|${ownerMode}`));
  const a = median(samples.get(`${name}|${appMode}`));
  return `| ${name} | ${o.toFixed(2)} | ${a.toFixed(2)} | ${(a / o).toFixed(2)}× |`;
});
const { loadavg, cpus } = await import('node:os');
const out = [
  '# Row-level security: what it costs the Store',
  '',
  `${new Date().toISOString()}, ${ROUNDS} alternating rounds, medians. Machine: ${cpus().length} cores, load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}.`,
  'Reproduce: `node bench/row-security-bench.mjs` (after `npm run build`). Pose-sized updates (55 bytes), 40 docs per tenant.',
  '',
  `| per call | ${ownerMode} | ${appMode} | app / owner |`,
  '|---|---:|---:|---:|',
  ...rows,
  '',
].join('\n');
writeFileSync(fileURLToPath(new URL('./results/row-security.md', import.meta.url)), out);
console.log(out);
