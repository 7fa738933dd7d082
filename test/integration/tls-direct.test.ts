/**
 * Direct TLS: `cairn-server start` with CAIRN_TLS_CERT / CAIRN_TLS_KEY on the real Postgres and Redis
 * serves https and wss on its one port, with a certificate this test makes (test-certificates.ts) and every
 * client verifying it against the test's CA. A certificate rotated on disk is picked up on SIGHUP without
 * dropping open sockets; a bad TLS setting stops the start with one line and exit 1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { issueToken } from '@cairn/server';
import { isolatedEnv, SECRET } from '../support/server-process.js';
import { createTestCa, type TestCa } from '../support/test-certificates.js';
import { nodeClient } from '../support/node-client.js';
import { connectRaw } from '../support/raw-client.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until, untilValue } from '../support/until.js';

const BIN = fileURLToPath(new URL('../../packages/server/dist/cli/bin.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../../packages/server/dist/main.js', import.meta.url));

interface Started {
  readonly child: ChildProcess;
  readonly line: string;
  readonly url: string;
  readonly wsUrl: string;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function spawnNode(script: string, env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function startTls(env: Record<string, string>): Promise<Started> {
  const { child, output, exited } = spawnNode(BIN, env);
  const line = await untilValue(
    () => output().split('\n').find((l) => l.startsWith('cairn-server listening on ')),
    (l) => l !== undefined || child.exitCode !== null,
    'the startup summary',
    60_000,
  );
  if (line === undefined) throw new Error(`server exited before it listened:\n${output()}`);
  const url = /listening on (\S+)/.exec(line)![1]!;
  return { child, line, url, wsUrl: url.replace(/^https/, 'wss'), output, exited };
}

/** A GET over https that verifies the server against `ca` (undefined: Node's default trust store). */
function httpsGet(url: string, ca: string | undefined): Promise<{ status: number; headers: Record<string, unknown>; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    // agent false: a fresh handshake each time, so a reloaded certificate shows at once.
    const req = request(url, { ...(ca !== undefined ? { ca } : {}), agent: false }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, fingerprint }));
    });
    req.on('error', reject);
    req.end();
  });
}

let ca: TestCa;
const iso = isolatedEnv('it_tls');
let files: { certFile: string; keyFile: string };
let server: Started;
let token: string;

beforeAll(async () => {
  ca = createTestCa();
  // The files the server is pointed at; rotation copies other certificates over them.
  const first = ca.issue('first');
  files = { certFile: join(ca.dir, 'live.pem'), keyFile: join(ca.dir, 'live.key') };
  copyFileSync(first.certFile, files.certFile);
  copyFileSync(first.keyFile, files.keyFile);
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'tls', spaces: { '*': 'rw' } });
  server = await startTls({ ...iso.env, CAIRN_TLS_CERT: files.certFile, CAIRN_TLS_KEY: files.keyFile, CAIRN_HSTS_MAX_AGE: '600' });
}, 90_000);

afterAll(async () => {
  server?.child.kill('SIGKILL');
  await iso.drop();
  ca?.remove();
});

describe('direct TLS', () => {
  it('§8: the startup line names https and the native wss URL', () => {
    expect(server.line).toMatch(/^cairn-server listening on https:\/\/127\.0\.0\.1:\d+ \(node /);
    expect(server.line).toContain(`native: ${server.wsUrl}/v1/sync`);
    expect(server.wsUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
  });

  it('§9: /healthz answers over https, verified against the test CA, with HSTS as configured; unverified it is refused', async () => {
    const res = await httpsGet(`${server.url}/healthz`, ca.caPem);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ ok: true });
    expect(res.headers['strict-transport-security']).toBe('max-age=600');
    expect(res.fingerprint).toBe(ca.fingerprint(files.certFile));
    // Without the CA the certificate does not verify: the check above is a real verification.
    await expect(httpsGet(`${server.url}/healthz`, undefined)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('A1: a Cairn client syncs over wss: its edit is acked (outbox empty) and reaches a second client', async () => {
    const writer = nodeClient(server, token, { ca: ca.caPem });
    const reader = nodeClient(server, token, { ca: ca.caPem });
    const doc = await writer.open('site/tls-notes');
    const seen = await reader.open('site/tls-notes');
    doc.getMap('m').set('over', 'wss');
    await writer.flush();
    await writer.whenSynced();
    expect(writer.status.pending).toBe(0);
    await until(() => seen.getMap('m').get('over') === 'wss', 'the second client to see the edit');
    await writer.destroy();
    await reader.destroy();
  });

  it('S2: over wss the page of the node itself (https origin) opens a socket, a foreign https origin gets 403; GET /v1/sync probes over https', async () => {
    const upgrade = (origin: string) =>
      new Promise<number | 'open'>((resolve, reject) => {
        const ws = new WebSocket(`${server.wsUrl}/v1/sync`, { ca: ca.caPem, origin });
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', reject);
      });
    expect(await upgrade(server.url)).toBe('open');
    expect(await upgrade('https://evil.example')).toBe(403);
    const probe = await httpsGet(`${server.url}/v1/sync`, ca.caPem);
    expect(probe.status).toBe(426);
    expect(JSON.parse(probe.body)).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('§4: plain http and ws to the TLS port fail at once and the node goes on serving https', async () => {
    const port = new URL(server.url).port;
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/sync`);
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('error', () => resolve('error'));
    });
    expect(outcome).toBe('error');
    expect((await httpsGet(`${server.url}/healthz`, ca.caPem)).status).toBe(200);
  });

  it('§8: SIGHUP serves a rotated certificate to new handshakes; an open wss socket stays and is still acked; a bad file keeps the old one', async () => {
    const raw = await connectRaw((u) => new WebSocket(u, { ca: ca.caPem }) as unknown as ClientSocket, `${server.wsUrl}/v1/sync`);
    raw.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'tls-rotate-0001', token });
    await raw.next('welcome');
    raw.send({ type: 'push', doc: 'site/rotate', seq: 1, update: mapUpdate('before', 1) });
    await raw.next('ack', (f) => f.seq === 1);

    const next = ca.issue('second', '127.0.0.1');
    copyFileSync(next.certFile, files.certFile);
    copyFileSync(next.keyFile, files.keyFile);
    server.child.kill('SIGHUP');
    const rotated = ca.fingerprint(next.certFile);
    await untilValue(async () => (await httpsGet(`${server.url}/healthz`, ca.caPem)).fingerprint, (f) => f === rotated, 'the rotated certificate');

    expect(raw.isClosed()).toBe(false);
    raw.send({ type: 'push', doc: 'site/rotate', seq: 2, update: mapUpdate('after', 2) });
    await raw.next('ack', (f) => f.seq === 2);

    writeFileSync(files.keyFile, 'not a key\n');
    server.child.kill('SIGHUP');
    await until(() => server.output().includes('TLS reload failed'), 'the reload failure in the log');
    expect(server.output()).toContain(`CAIRN_TLS_KEY=${files.keyFile} holds no PEM private key`);
    expect((await httpsGet(`${server.url}/healthz`, ca.caPem)).fingerprint).toBe(rotated);
    expect(server.child.exitCode).toBeNull();
    raw.close();
  });

  it('§8: SIGTERM still shuts a TLS node down gracefully (exit 0)', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});

describe('bad TLS settings stop the start with one line, exit 1', () => {
  /** Runs the server until it exits; a server that starts despite the setting is killed and fails the test. */
  async function refused(script: string, env: Record<string, string>): Promise<string> {
    const run = spawnNode(script, { CAIRN_DATA_DIR: 'memory://', ...env });
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
    const code = await run.exited;
    clearTimeout(timer);
    expect(code, run.output()).toBe(1);
    // One line naming the problem, no stack trace.
    expect(run.output().trim().split('\n')).toHaveLength(1);
    expect(run.output()).not.toMatch(/\n\s+at /);
    return run.output();
  }

  it('§8: CAIRN_TLS_CERT without CAIRN_TLS_KEY (and the reverse) names the missing variable', async () => {
    const leaf = ca.issue('config');
    expect(await refused(BIN, { CAIRN_TLS_CERT: leaf.certFile })).toMatch(/^cairn-server: .*CAIRN_TLS_CERT is set but CAIRN_TLS_KEY is not/);
    expect(await refused(MAIN, { CAIRN_TLS_KEY: leaf.keyFile })).toMatch(/^cairn-server: .*CAIRN_TLS_KEY is set but CAIRN_TLS_CERT is not/);
  }, 60_000);

  it('§8: an unreadable file, a file that is not PEM and a key of another certificate are each named', async () => {
    const a = ca.issue('mismatch-a');
    const b = ca.issue('mismatch-b');
    const missing = join(ca.dir, 'no-such.pem');
    expect(await refused(BIN, { CAIRN_TLS_CERT: missing, CAIRN_TLS_KEY: a.keyFile })).toContain(`CAIRN_TLS_CERT=${missing} cannot be read (ENOENT)`);
    const garbage = join(ca.dir, 'garbage.pem');
    writeFileSync(garbage, 'hello\n');
    expect(await refused(MAIN, { CAIRN_TLS_CERT: garbage, CAIRN_TLS_KEY: a.keyFile })).toContain(`CAIRN_TLS_CERT=${garbage} holds no PEM certificate`);
    expect(await refused(BIN, { CAIRN_TLS_CERT: a.certFile, CAIRN_TLS_KEY: b.keyFile })).toContain(`CAIRN_TLS_KEY=${b.keyFile} does not fit CAIRN_TLS_CERT=${a.certFile}`);
    expect(await refused(BIN, { CAIRN_HSTS_MAX_AGE: '600' })).toContain('CAIRN_HSTS_MAX_AGE needs CAIRN_TLS_CERT and CAIRN_TLS_KEY');
  }, 60_000);
});
