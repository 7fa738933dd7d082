/**
 * S4 below the routes: what the router or node:http refuses before any handler runs (a path whose
 * percent-encoding does not decode, on HTTP and on a `/y/` upgrade; a path segment over maxParamLength;
 * headers over node's size limit; a request that is not HTTP) answers with the catalog body
 * `{ error: { code, message, retryable } }`, a 4xx status, and no error log line with a stack.
 * Raw TCP requests, since fetch() would refuse to send most of them.
 */
import { connect } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, createMemoryBus, createMemoryStore, type CairnServer } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';

let server: CairnServer;
let port = 0;
let staticDir = '';
const logLines: string[] = [];

beforeAll(async () => {
  staticDir = await mkdtemp(join(tmpdir(), 'cairn-static-'));
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>demo</title>');
  server = await buildServer({
    store: createMemoryStore(),
    bus: createMemoryBus(),
    verify: testVerify,
    staticDir,
    logger: { level: 'info', stream: { write: (line: string) => logLines.push(line) } },
  });
  port = Number(new URL(await server.listen({ port: 0 })).port);
});

afterAll(async () => {
  await server?.close();
  await rm(staticDir, { recursive: true, force: true });
});

/** Sends raw bytes and reads the answer until the server closes the connection. */
function raw(request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let out = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0);
      resolve({ status, body: out.slice(out.indexOf('\r\n\r\n') + 4) });
    });
  });
}

const host = () => `Host: 127.0.0.1:${port}\r\n`;
const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\n${host()}${extra}Connection: close\r\n\r\n`;
const upgrade = (path: string) =>
  `GET ${path} HTTP/1.1\r\n${host()}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

function expectCatalogBody(what: string, res: { status: number; body: string }, status: number): void {
  expect([what, res.status]).toEqual([what, status]);
  expect([what, JSON.parse(res.body)]).toEqual([what, { error: { code: 'BAD_REQUEST', message: expect.stringMatching(/^the request is not valid/), retryable: false } }]);
}

describe('router-level errors answer with the catalog body', () => {
  it('S4: a malformed percent-encoding is 400 BAD_REQUEST on /y/, REST and static paths, with no error log line', async () => {
    const before = logLines.length;
    expectCatalogBody('/y upgrade', await raw(upgrade('/y/%E0%A4%A?token=writer')), 400);
    expectCatalogBody('REST', await raw(get('/v1/spaces/%E0%A4%A/anchors?cell=u', 'Authorization: Bearer writer\r\n')), 400);
    expectCatalogBody('static', await raw(get('/%E0%A4%A')), 400);
    // Encoded once more, the router decodes it to a literal '%' the static route must not decode again.
    const literal = await raw(get('/%25E0%25A4%25A'));
    expect(literal.status).toBe(404);
    expect(JSON.parse(literal.body)).toMatchObject({ error: { code: 'NOT_FOUND', retryable: false } });
    const errors = logLines.slice(before).filter((l) => (JSON.parse(l) as { level: number }).level >= 50 || l.includes('"stack"'));
    expect(errors).toEqual([]);
  });

  it('S4: a path segment over maxParamLength is 414, oversized headers 431, a request that is not HTTP 400: all catalog bodies', async () => {
    // Without a static folder (its catch-all route would answer 404 for any path).
    const plain = await buildServer({ store: createMemoryStore(), bus: createMemoryBus(), verify: testVerify });
    const long = await plain.app.inject({ url: `/v1/spaces/${'s'.repeat(300)}/anchors?cell=u`, headers: { authorization: 'Bearer writer' } });
    await plain.close();
    expectCatalogBody('long segment', { status: long.statusCode, body: long.body }, 414);
    expectCatalogBody('big header', await raw(get('/healthz', `X-Big: ${'a'.repeat(20_000)}\r\n`)), 431);
    expectCatalogBody('long URL', await raw(get(`/${'a'.repeat(20_000)}`)), 431);
    expectCatalogBody('not HTTP', await raw('HELLO THERE\r\n\r\n'), 400);
  });

  it('S4: a space name of 128 characters is still routed (maxParamLength covers the pattern the route allows)', async () => {
    const res = await raw(get(`/v1/spaces/${'s'.repeat(128)}/anchors?cell=u`, 'Authorization: Bearer writer\r\n'));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ anchors: [] });
  });
});
