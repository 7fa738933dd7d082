// The servers a run compares, each started as its own process with the same node flags, and how a load
// generator reaches it. Cairn runs from its build (packages/server/dist/main.js) with the env its config
// reads: real Postgres + Redis (a private schema and key prefix per run, dropped afterwards), or the
// embedded defaults (PGlite in a temp dir, in-process bus).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { sleep } from './stats.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
export const BENCH_DIR = here('../');
export const TMP_DIR = here('../.tmp/');
const CAIRN_MAIN = here('../../packages/server/dist/main.js');
const NODE_FLAGS = ['--expose-gc', '--import', here('../servers/gc-on-signal.mjs')];

export const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/**
 * Set (a role name that can log in, e.g. cairn_app): cairn-pg connects as that tenant-scoped role under
 * row-level security, with PG_URL as CAIRN_MIGRATE_URL (the owner). Unset: one URL, the owner.
 */
const APP_ROLE = process.env.BENCH_APP_ROLE || null;
/** True when the bench's Postgres answers within 3 s (the cairn-pg server is skipped, and said so, when not). */
export async function postgresUp() {
  try {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** Creates a role that can log in, is no superuser and does not bypass row security, unless it exists. */
async function ensureLoginRole(role) {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DO $$ BEGIN CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  } finally {
    await c.end();
  }
}

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** id → how to start it and how clients reach it. `protocol` is the y-websocket framing its clients use. */
export const SERVERS = {
  'y-websocket': { label: 'y-websocket server', protocol: 'y', peer: true, script: here('../servers/y-websocket-server.mjs') },
  hocuspocus: { label: 'Hocuspocus', protocol: 'hocus', peer: true, script: here('../servers/hocuspocus-server.mjs') },
  'cairn-pg': { label: 'Cairn (Postgres + Redis, durable ack)', protocol: 'y', cairn: true, script: CAIRN_MAIN },
  'cairn-embedded': { label: 'Cairn (embedded: PGlite, in-process bus)', protocol: 'y', cairn: true, script: CAIRN_MAIN },
  // Not a peer: the floor of a bare ws relay, for the idle-connection and fan-out workloads only.
  'ws-floor': { label: 'bare ws server (floor)', protocol: 'y', floor: true, script: here('../servers/ws-floor-server.mjs') },
  // Variants of cairn-pg that price one piece (bench/lifecycle-cost.mjs); not in `npm run bench`'s default set.
  'cairn-pg-no-audit': { label: 'Cairn (Postgres + Redis), audit rows not written', protocol: 'y', cairn: true, pg: true, variant: true, script: here('../servers/cairn-audit-unwritten.mjs') },
  'cairn-pg-rls': { label: 'Cairn (Postgres + Redis) as the app role under row security', protocol: 'y', cairn: true, pg: true, appRole: 'cairn_bench_app', variant: true, script: CAIRN_MAIN },
};
SERVERS['cairn-pg'].pg = true;

/** The servers `npm run bench` compares when none are named: every one but the variants. */
export const DEFAULT_SERVERS = Object.keys(SERVERS).filter((id) => !SERVERS[id].variant);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitHttp(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before listening`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      await res.arrayBuffer();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`server on ${port} did not listen within ${timeoutMs} ms`);
}

/**
 * Starts one server. `run` names the run (schema, key prefix, data dir); `extraFlags` adds node flags
 * (e.g. --cpu-prof for profiling). `nodes` > 1 (cairn-pg only) starts that many Cairn processes on the same
 * Postgres schema and Redis prefix, a cluster whose nodes meet on the Redis bus; the target then lists
 * every node's pid and native URL.
 */
export async function startServer(id, { run, extraFlags = [], log = () => {}, nodes = 1 }) {
  const def = SERVERS[id];
  if (!def) throw new Error(`unknown server ${id}`);
  if (nodes > 1 && !def.pg) throw new Error(`${id} runs as one process only`);
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  for (const k of ['DATABASE_URL', 'CAIRN_PG_SCHEMA', 'REDIS_URL', 'CAIRN_REDIS_PREFIX', 'CAIRN_DATA_DIR', 'CAIRN_AUTH_SECRET', 'YPERSISTENCE', 'CAIRN_MIGRATE_URL']) delete env[k];
  const schema = `bench_${run}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const redisPrefix = `bench:${run}:`;
  const dataDir = `${TMP_DIR}pglite-${run}`;
  // Every load generator's socket comes from 127.0.0.1: lift Cairn's per-address cap (default 256) for runs.
  if (def.cairn) Object.assign(env, { CAIRN_MAX_CONNECTIONS: '100000', CAIRN_MAX_CONNECTIONS_PER_ADDRESS: '100000' });
  if (def.pg) Object.assign(env, { DATABASE_URL: PG_URL, CAIRN_PG_SCHEMA: schema, REDIS_URL, CAIRN_REDIS_PREFIX: redisPrefix });
  const role = def.appRole ?? (def.pg ? APP_ROLE : null);
  if (role) {
    await ensureLoginRole(role);
    Object.assign(env, { DATABASE_URL: urlAs(role), CAIRN_MIGRATE_URL: PG_URL });
  }
  if (id === 'cairn-embedded') {
    mkdirSync(dataDir, { recursive: true });
    env.CAIRN_DATA_DIR = dataDir;
  }
  let stderr = '';
  const spawnNode = async (nodePort) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, ...extraFlags, def.script], { env: { ...env, PORT: String(nodePort) }, cwd: TMP_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', () => {});
    child.stderr.on('data', (d) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitHttp(nodePort, child, 60_000);
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${id}: ${err.message}\n${stderr}`);
    }
    log(`${id} listening on ${nodePort} (pid ${child.pid})`);
    return { child, exited, port: nodePort };
  };
  const procs = [await spawnNode(port)];
  try {
    for (let n = 1; n < nodes; n++) procs.push(await spawnNode(await freePort()));
  } catch (err) {
    for (const p of procs) p.child.kill('SIGKILL');
    throw err;
  }
  const child = procs[0].child;
  const base = `ws://127.0.0.1:${port}`;
  return {
    id,
    ...def,
    pid: child.pid,
    port,
    /** What a load generator needs: the pid to read, and the URL a y-websocket client opens for a room. */
    target: {
      id,
      pid: child.pid,
      protocol: def.protocol,
      cairn: Boolean(def.cairn),
      yUrlTemplate: def.cairn ? `${base}/y/{room}` : def.protocol === 'hocus' ? `${base}/` : `${base}/{room}`,
      nativeUrl: def.cairn ? `${base}/v1/sync` : null,
      /** Cairn's Prometheus text (its refusal and drop counters, read before and after each fan-out phase). */
      metricsUrl: def.cairn ? `http://127.0.0.1:${port}/metrics` : null,
      services: def.pg ? ['postgres', 'redis-server'] : [],
      ...(nodes > 1 ? { pids: procs.map((p) => p.child.pid), nativeUrls: procs.map((p) => `ws://127.0.0.1:${p.port}/v1/sync`) } : {}),
    },
    stderr: () => stderr,
    /** Stops every node (SIGTERM) and starts it again on its port, same schema and prefix: every doc is cold. */
    async restart() {
      for (let i = 0; i < procs.length; i++) {
        const { child: c, exited, port: p } = procs[i];
        if (c.exitCode === null) {
          c.kill('SIGTERM');
          await exited;
        }
        procs[i] = await spawnNode(p);
      }
    },
    /** Every node's HTTP port (the first is `port`). */
    ports: () => procs.map((p) => p.port),
    async stop() {
      for (const { child: c, exited } of procs) {
        if (c.exitCode !== null) continue;
        c.kill('SIGTERM');
        const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (id === 'cairn-pg') await dropPgAndRedis(schema, redisPrefix).catch((err) => log(`cleanup failed: ${err.message}`));
      if (id === 'cairn-embedded') rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function urlAs(role) {
  const url = new URL(PG_URL);
  url.username = role;
  url.password = '';
  return url.toString();
}

async function dropPgAndRedis(schema, prefix) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
