/**
 * Issue 12: the compiled `cairn-server` bin (packages/server/dist/cli/bin.js) as `npx @cairn/server` runs
 * it. `token` mints a token the server's own verifier accepts; `start` on the real Postgres and Redis prints
 * one startup summary line and the node answers /healthz at the address it names.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '@cairn/server';
import { isolatedEnv, SECRET } from '../support/server-process.js';
import { untilValue } from '../support/until.js';

const BIN = fileURLToPath(new URL('../../packages/server/dist/cli/bin.js', import.meta.url));
const run = promisify(execFile);
const baseEnv = { PATH: process.env.PATH ?? '' };

async function bin(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...baseEnv, ...env } });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

describe('cairn-server token', () => {
  it('S1: token --space site-42 --rw --sub u1 is accepted by the verifier with exactly that grant', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await bin(['token', '--space', 'site-42', '--rw', '--sub', 'u1', '--ttl', '120'], { CAIRN_AUTH_SECRET: SECRET });
    expect(res).toMatchObject({ code: 0, err: '' });
    const principal = await createTokenVerifier({ secret: SECRET }).verify(res.out.trim());
    expect(principal).toMatchObject({ tenant: 'default', subject: 'u1', spaces: { 'site-42': 'rw' } });
    expect(principal.expiresAt! / 1000).toBeGreaterThanOrEqual(before + 120);
    expect(principal.expiresAt! / 1000).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 120);
  });

  it('S1: --ro (the default) grants read only, and another secret does not verify it', async () => {
    const res = await bin(['token', '--space', 'site-42'], { CAIRN_AUTH_SECRET: SECRET });
    expect(res.code).toBe(0);
    expect(await createTokenVerifier({ secret: SECRET }).verify(res.out.trim())).toMatchObject({ spaces: { 'site-42': 'r' } });
    await expect(createTokenVerifier({ secret: `${SECRET}-other` }).verify(res.out.trim())).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('L4: --admin adds the adm claim: the token is an admin of its tenant; without it, no admin', async () => {
    const verifier = createTokenVerifier({ secret: SECRET });
    const admin = await bin(['token', '--space', '*', '--tenant', 'acme', '--sub', 'boss', '--admin'], { CAIRN_AUTH_SECRET: SECRET });
    expect(admin.code).toBe(0);
    expect(await verifier.verify(admin.out.trim())).toMatchObject({ tenant: 'acme', subject: 'boss', admin: true });
    const plain = await bin(['token', '--space', '*'], { CAIRN_AUTH_SECRET: SECRET });
    expect((await verifier.verify(plain.out.trim())).admin).toBeUndefined();
  });

  it('S1: without CAIRN_AUTH_SECRET it explains dev mode needs no token and exits 1 with nothing on stdout', async () => {
    const res = await bin(['token', '--space', 'site-42', '--rw'], {});
    expect(res.code).toBe(1);
    expect(res.out).toBe('');
    expect(res.err).toMatch(/CAIRN_AUTH_SECRET is unset.*dev mode and needs no token/);
  });

  it('§8: an unknown flag is a usage error: message on stderr, exit 2', async () => {
    const res = await bin(['token', '--space', 'a', '--superuser'], { CAIRN_AUTH_SECRET: SECRET });
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/Unknown option '--superuser'/);
    expect((await bin(['--bogus'], {})).code).toBe(2);
  });
});

describe('cairn-server quarantine', () => {
  const iso = isolatedEnv('cliq');
  afterAll(() => iso.drop());

  it('C4: quarantine list runs on the Store the environment names; a wrong subcommand prints its usage, exit 2', async () => {
    const env = { DATABASE_URL: iso.env.DATABASE_URL, CAIRN_PG_SCHEMA: iso.schema };
    expect(await bin(['quarantine', 'list'], env)).toMatchObject({ code: 0, out: 'no quarantined updates\n' });
    const wrong = await bin(['quarantine', 'purge'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.out).toMatch(/^usage: quarantine list/);
  });

  it('L4: audit reads the trail on the same Store, newest first, and its own read is the next row; a bad flag exits 2', async () => {
    const env = { DATABASE_URL: iso.env.DATABASE_URL, CAIRN_PG_SCHEMA: iso.schema };
    expect(await bin(['audit', '--action', 'audit.query'], env)).toMatchObject({ code: 0, out: 'no audit rows\n' });
    const second = await bin(['audit', '--action', 'audit.query'], env);
    expect(second.code).toBe(0);
    expect(second.out.split('\n')[1]).toMatch(/^\S+Z\t-\t-\t-\tcli\taudit\.query\t-\tok\t1\t\{"by":"cli"/);
    const wrong = await bin(['audit', '--tenant'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.out).toMatch(/usage: audit/);
  });

  it('L1: compact runs a pass on the same Store; with no history window set it says so, exit 2', async () => {
    const env = { DATABASE_URL: iso.env.DATABASE_URL, CAIRN_PG_SCHEMA: iso.schema };
    const none = await bin(['compact'], env);
    expect(none.code).toBe(2);
    expect(none.out).toMatch(/CAIRN_HISTORY_DAYS is 0/);
    expect(await bin(['compact', '--tenant', 'acme'], { ...env, CAIRN_HISTORY_DAYS: '30' }))
      .toMatchObject({ code: 0, out: 'trimmed 0 rows (0 B) from 0 docs, history window 30 days\n' });
  });
});

describe('cairn-server start', () => {
  const iso = isolatedEnv('clibin');
  afterAll(() => iso.drop());

  it('§8: PORT=0 on Postgres + Redis prints one summary (address, store, bus, auth) and /healthz answers there', async () => {
    const child = spawn(process.execPath, [BIN], {
      env: { ...baseEnv, ...iso.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const line = await untilValue(
        () => out.split('\n').find((l) => l.startsWith('cairn-server listening on ')),
        (l) => l !== undefined || child.exitCode !== null,
        'the startup summary',
        60_000,
      );
      expect(line, out).toBeDefined();
      expect(out.split('\n').filter((l) => l.startsWith('cairn-server listening on '))).toHaveLength(1);
      expect(line).toContain(`store: Postgres 127.0.0.1:5432/test, schema ${iso.schema}`);
      expect(line).toContain(`bus: Redis 127.0.0.1:6379, prefix ${iso.prefix}`);
      expect(line).toContain('auth: on');
      expect(out).not.toContain(SECRET);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line!)![1]!;
      expect(url).not.toMatch(/:0$/);
      const health = await (await fetch(`${url}/healthz`)).json();
      expect(health).toMatchObject({ ok: true });
      expect(line).toContain(`(node ${(health as { nodeId: string }).nodeId})`);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);
});
