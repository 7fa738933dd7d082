/**
 * O4: a server URL that is not an absolute ws:// or wss:// URL throws INVALID_URL when the client is
 * created, instead of being resolved against the page and failing every connect with close 1006.
 */
import { describe, expect, it } from 'vitest';
import { createCairnClient, type CairnClientOptions } from '@cairn/client';
import { CairnError } from '@cairn/shared';
import { createFakeServer } from './support/fake-server.js';
import { freshIndexedDB } from './support/client-harness.js';

const options = (url: string, extra: Partial<CairnClientOptions> = {}): CairnClientOptions => ({
  url,
  persistence: 'memory',
  broadcastChannel: null,
  networkEvents: null,
  probe: null,
  ...freshIndexedDB(),
  ...extra,
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return null;
}

describe('the server URL is checked at once', () => {
  it.each([
    'localhost:8787/v1/sync', // parses as the scheme "localhost:"
    '/v1/sync',
    'v1/sync',
    '//cairn.example.com/v1/sync',
    'http://localhost:8787/v1/sync',
    'https://cairn.example.com/v1/sync',
    'ws://cairn.example.com/v1/sync#fragment',
    '',
  ])('O4: %j throws CairnError INVALID_URL synchronously', (url) => {
    const err = thrown(() => createCairnClient(options(url)));
    expect(err).toBeInstanceOf(CairnError);
    expect((err as CairnError).code).toBe('INVALID_URL');
    expect((err as CairnError).retryable).toBe(false);
  });

  it('O4: mem:// is the in-memory socket pair, accepted only with a custom socket factory', async () => {
    expect((thrown(() => createCairnClient(options('mem://test'))) as CairnError).code).toBe('INVALID_URL');
    const client = createCairnClient(options('mem://test', { socket: createFakeServer().connect }));
    expect(client.status.state).toBe('offline');
    await client.destroy();
  });

  it.each(['ws://127.0.0.1:8787/v1/sync', 'wss://cairn.example.com/v1/sync?tenant=acme'])('O4: %j is accepted', async (url) => {
    const server = createFakeServer();
    const client = createCairnClient(options(url, { socket: server.connect }));
    await client.whenSynced();
    expect(server.connections).toBe(1);
    await client.destroy();
  });
});
