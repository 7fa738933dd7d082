/**
 * O4: the default probe reads the server's answer to a plain GET of the socket URL (http/sync-probe.ts on
 * the server) and turns it into a diagnosis. fetch is injected; the real server answers in
 * test/integration/connect-diagnosis.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createHttpProbe } from '../../packages/client/src/socket/probe.js';
import { ErrorCodes, type ErrorCode } from '@cairn/shared';

const catalog = (status: number, code: ErrorCode) =>
  new Response(JSON.stringify({ error: { code, message: ErrorCodes[code].message, retryable: ErrorCodes[code].retryable } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
const page = (status: number) => new Response('<!doctype html><title>hello</title>', { status, headers: { 'content-type': 'text/html' } });

function probeAnswering(answer: () => Response | Promise<Response>) {
  const asked: { url: string; headers: Record<string, string> }[] = [];
  const probe = createHttpProbe({
    headers: { origin: 'https://app.example' },
    fetch: (input, init) => {
      asked.push({ url: String(input), headers: init?.headers as Record<string, string> });
      return Promise.resolve(answer());
    },
  });
  return { probe, asked };
}

describe('the HTTP probe', () => {
  it('O4: fetches the same URL with the http(s) scheme and the given headers', async () => {
    const { probe, asked } = probeAnswering(() => catalog(426, 'BAD_REQUEST'));
    await probe('ws://127.0.0.1:8787/v1/sync');
    await probe('wss://cairn.example.com/base/v1/sync?x=1');
    expect(asked.map((a) => a.url)).toEqual(['http://127.0.0.1:8787/v1/sync', 'https://cairn.example.com/base/v1/sync?x=1']);
    expect(asked[0]!.headers).toEqual({ origin: 'https://app.example' });
    // No http equivalent (the in-memory socket pair): nothing to ask.
    expect(await probe('mem://test')).toBeNull();
    expect(asked).toHaveLength(2);
  });

  it.each([
    ['426 upgrade required (the endpoint is fine)', () => catalog(426, 'BAD_REQUEST'), null],
    ['403 ORIGIN_NOT_ALLOWED', () => catalog(403, 'ORIGIN_NOT_ALLOWED'), 'ORIGIN_NOT_ALLOWED'],
    ['404 NOT_FOUND', () => catalog(404, 'NOT_FOUND'), 'NOT_FOUND'],
    ['503 SHUTTING_DOWN', () => catalog(503, 'SHUTTING_DOWN'), 'SHUTTING_DOWN'],
    ['a 404 page of some other server', () => page(404), 'NOT_FOUND'],
    ['a 200 page (not a sync endpoint)', () => page(200), 'NOT_FOUND'],
    ['a proxy 502 (upstream down)', () => page(502), 'UNREACHABLE'],
    ['a 500 page', () => page(500), null],
    ['fetch failing (refused, DNS, TLS)', () => Promise.reject(new TypeError('fetch failed')), 'UNREACHABLE'],
  ] as const)('O4: %s → %s', async (_what, answer, expected) => {
    const { probe } = probeAnswering(answer);
    expect(await probe('ws://cairn.test/v1/sync')).toBe(expected);
  });
});
