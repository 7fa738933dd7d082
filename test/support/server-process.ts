/**
 * Real server processes for integration tests: `node packages/server/dist/main.js` with its environment,
 * on a free port, against the real Postgres and Redis of this machine (each test file gets its own
 * Postgres schema and Redis prefix, dropped afterwards). `kill('SIGKILL')` is a real kill -9.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const PG_URL = process.env.CAIRN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.CAIRN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SECRET = 'integration-test-secret-0123456789abcdef';
const MAIN = fileURLToPath(new URL('../../packages/server/dist/main.js', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

export interface ServerProcess {
  readonly port: number;
  readonly url: string;
  readonly wsUrl: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Status of a GET over https, verifying the server against `ca` (no global fetch option takes a CA). */
function httpsStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * `ca`: the server serves TLS (CAIRN_TLS_CERT/KEY in `env`) with a certificate this CA signed
 * (test-certificates.ts); `url` and `wsUrl` are then https:// and wss://, and readiness is checked over https.
 */
export async function startServer(env: Record<string, string>, opts: { port?: number; readyTimeoutMs?: number; ca?: string } = {}): Promise<ServerProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const port = opts.port ?? (await freePort());
  let out = '';
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const tls = opts.ca !== undefined;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  let dead = false;
  void exited.then(() => (dead = true));
  for (;;) {
    if (dead) throw new Error(`server exited before it was ready:\n${out}`);
    try {
      const status = tls ? await httpsStatus(`${url}/readyz`, opts.ca!) : (await fetch(`${url}/readyz`)).status;
      if (status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url,
    wsUrl: `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    child,
    output: () => out,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A private schema and Redis prefix for one test file, and the env that points a server at them. */
export function isolatedEnv(name: string) {
  const schema = uniqueName(name).toLowerCase();
  const prefix = `${schema}:`;
  return {
    schema,
    prefix,
    env: {
      DATABASE_URL: PG_URL,
      CAIRN_PG_SCHEMA: schema,
      REDIS_URL,
      CAIRN_REDIS_PREFIX: prefix,
      CAIRN_AUTH_SECRET: SECRET,
    },
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}
