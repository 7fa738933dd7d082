/**
 * Request logging (OPERATIONS.md, LOG_LEVEL; no SPEC rule) against real server processes: an HTTP request
 * leaves one line at debug and none at info (Fastify's two info lines per request are off), and the probes
 * a load balancer and Prometheus poll (/healthz, /metrics) leave none even at debug (http/request-log.ts).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

const iso = isolatedEnv('it_request_log');
let info: ServerProcess;
let debug: ServerProcess;

beforeAll(async () => {
  [info, debug] = await Promise.all([startServer({ ...iso.env, LOG_LEVEL: 'info' }), startServer({ ...iso.env, LOG_LEVEL: 'debug' })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([info?.kill('SIGKILL'), debug?.kill('SIGKILL')]);
  await iso.drop();
});

/** Sends the requests, then one refused upgrade from a tagged Origin to a server; returns the log lines they left. */
async function linesAfter(server: ServerProcess, tag: string): Promise<string[]> {
  const start = server.output().length;
  for (const path of ['/healthz', '/metrics', '/v1/spaces/demo/anchors?token=secret-in-query']) {
    const res = await fetch(`${server.url}${path}`);
    await res.arrayBuffer();
  }
  // A refused upgrade logs at warn at every level: once it is in the output, so is every line before it.
  await new Promise<void>((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: server.port,
      path: '/v1/sync',
      agent: false,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', origin: `https://${tag}.example` },
    });
    req.on('response', (r) => r.resume().on('end', resolve));
    req.on('error', reject);
    req.end();
  });
  await until(() => server.output().slice(start).includes(`${tag}.example`), 'the warn line');
  return server.output().slice(start).split('\n').filter((l) => l.trim() !== '' && !l.includes('upgrade refused'));
}

describe('request logging', () => {
  it('LOG_LEVEL (OPERATIONS.md): at LOG_LEVEL=info, requests to /healthz, /metrics and /v1/... leave no line', async () => {
    const lines = await linesAfter(info, 'info-marker');
    expect(lines).toEqual([]);
  });

  it('LOG_LEVEL (OPERATIONS.md): at LOG_LEVEL=debug, one line per request with method, url, status and time; the probes none; no query string', async () => {
    const lines = await linesAfter(debug, 'debug-marker');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { msg: string; method: string; url: string; status: number; ms: number };
    expect(line).toMatchObject({ msg: 'request', method: 'GET', url: '/v1/spaces/demo/anchors', status: 401 });
    expect(typeof line.ms).toBe('number');
    expect(lines[0]).not.toContain('secret-in-query');
    expect(debug.output()).not.toContain('incoming request');
    expect(debug.output()).not.toContain('request completed');
  });
});
