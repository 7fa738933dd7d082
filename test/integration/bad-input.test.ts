/**
 * Bad input against a real server process on Postgres, over real sockets: each gets its coded error or
 * refusal, nothing of it is stored, and the server keeps serving everyone else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as encoding from 'lib0/encoding';
import { PROTOCOL_VERSION, closeCodeFor, encodeFrame, type ClientSocket } from '@cairn/shared';
import { createPgStore, issueToken, type Store } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { isolatedEnv, PG_URL, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { mapUpdate } from '../support/yjs-updates.js';

const iso = isolatedEnv('it_bad_input');
let server: ServerProcess;
let store: Store;
let writer: string;
let reader: string;

const connect = () => connectRaw((u) => new WebSocket(`${server.wsUrl}${u}`) as unknown as ClientSocket, '/v1/sync');

async function hello(token: string, clientId: string): Promise<RawClient> {
  const c = await connect();
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token });
  return c;
}

/** The server still serves: a good writer's push is acked and stored. */
async function stillServing(doc: string): Promise<void> {
  const good = await hello(writer, `good-${Math.random().toString(36).slice(2, 10)}`);
  await good.next('welcome');
  const before = await store.headVersion('acme', doc);
  good.send({ type: 'push', doc, seq: 1, update: mapUpdate('ok', 1) });
  await good.next('ack');
  expect(await store.headVersion('acme', doc)).toBe(before + 1);
  good.close();
}

beforeAll(async () => {
  writer = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'w', spaces: { '*': 'rw' } });
  reader = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'r', spaces: { '*': 'r' } });
  server = await startServer(iso.env);
  store = createPgStore({ connectionString: PG_URL, schema: iso.schema });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await server?.kill('SIGKILL');
  await iso.drop();
});

describe('bad input over real sockets', () => {
  it('C3/S3: malformed frames get MALFORMED_FRAME and a close; nothing is stored', async () => {
    const c = await hello(writer, 'malformed-001');
    await c.next('welcome');
    c.sendBytes(encodeFrame({ type: 'push', doc: 'site/bad', seq: 1, update: mapUpdate('k', 1) }).slice(0, 9));
    expect(await c.next('reject')).toMatchObject({ code: 'MALFORMED_FRAME' });
    expect((await c.closed).code).toBe(closeCodeFor('MALFORMED_FRAME'));
    expect(await store.headVersion('acme', 'site/bad')).toBe(0);
    await stillServing('site/after-malformed');
  });

  it('C3: an update that is not a Yjs update gets INVALID_UPDATE and is never stored', async () => {
    const c = await hello(writer, 'garbage-0001');
    await c.next('welcome');
    c.send({ type: 'push', doc: 'site/garbage', seq: 1, update: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) });
    expect(await c.next('reject')).toMatchObject({ code: 'INVALID_UPDATE', seq: 1 });
    expect(await store.headVersion('acme', 'site/garbage')).toBe(0);
    await stillServing('site/after-garbage');
  });

  it('S3: a frame over the 1 MiB default maxPayload is refused with a code and not stored', async () => {
    const c = await hello(writer, 'oversize-001');
    await c.next('welcome');
    c.send({ type: 'push', doc: 'site/big', seq: 1, update: mapUpdate('blob', 'x'.repeat(1024 * 1024 + 10)) });
    const { code } = await c.closed;
    expect(code).toBe(closeCodeFor('FRAME_TOO_LARGE'));
    expect(c.frames.find((f) => f.type === 'reject')).toMatchObject({ code: 'FRAME_TOO_LARGE' });
    expect(await store.headVersion('acme', 'site/big')).toBe(0);
    await stillServing('site/after-big');
  });

  it('§4: a wrong protocol version gets PROTOCOL_VERSION and a close', async () => {
    const c = await connect();
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, 0);
    encoding.writeVarUint(enc, 99);
    c.sendBytes(encoding.toUint8Array(enc));
    expect(await c.next('reject')).toMatchObject({ code: 'PROTOCOL_VERSION' });
    expect((await c.closed).code).toBe(closeCodeFor('PROTOCOL_VERSION'));
    await stillServing('site/after-version');
  });

  it('S1: a forged or expired token gets UNAUTHENTICATED and a close', async () => {
    const forged = await issueToken({ secret: 'another-secret-0123456789abcdef0123', tenant: 'acme', subject: 'x', spaces: { '*': 'rw' } });
    const expired = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'x', spaces: { '*': 'rw' }, expiresInSec: -10 });
    for (const token of [forged, expired, 'not-a-jwt']) {
      const c = await hello(token, 'badtoken-001');
      expect(await c.next('reject')).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect((await c.closed).code).toBe(closeCodeFor('UNAUTHENTICATED'));
    }
    await stillServing('site/after-token');
  });

  it('S1: a read-only token cannot write; nothing is stored or broadcast', async () => {
    const watcher = await hello(writer, 'watcher-0001');
    watcher.send({ type: 'sub', doc: 'site/ro', stateVector: new Uint8Array() });
    await watcher.next('sync');
    const c = await hello(reader, 'readonly-001');
    c.send({ type: 'sub', doc: 'site/ro', stateVector: new Uint8Array() });
    expect((await c.next('sync')).writable).toBe(false);
    c.send({ type: 'push', doc: 'site/ro', seq: 1, update: mapUpdate('nope', 1) });
    expect(await c.next('reject')).toMatchObject({ code: 'READ_ONLY', seq: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(await store.headVersion('acme', 'site/ro')).toBe(0);
    expect(watcher.frames.some((f) => f.type === 'update')).toBe(false);
    watcher.close();
    c.close();
  });

  it('S2: a foreign Origin is refused before the handshake on both endpoints', async () => {
    for (const path of ['/v1/sync', `/y/room?token=${writer}`]) {
      const status = await new Promise<number>((resolve, reject) => {
        const sock = new WebSocket(`${server.wsUrl}${path}`, { origin: 'https://evil.example' });
        sock.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        sock.on('open', () => reject(new Error('a foreign origin was let in')));
        sock.on('error', () => undefined);
      });
      expect(status).toBe(403);
    }
    await stillServing('site/after-origin');
  });

  it('S4: an error body never carries internal messages', async () => {
    const res = await fetch(`${server.url}/no/such/route`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such route', retryable: false } });
  });
});
