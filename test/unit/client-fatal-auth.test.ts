import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient } from '@cairn/client';
import { CairnError } from '@cairn/shared';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, createManualTimers, settle, until } from './support/client-harness.js';

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

describe('a rejection no retry can fix stops the reconnects', () => {
  it.each(['UNAUTHENTICATED', 'PROTOCOL_VERSION'] as const)('O4: %s at hello is surfaced once and never retried by itself', async (code) => {
    const server = createFakeServer({ hello: () => code });
    const timers = createManualTimers();
    const client = clientOn(server, { persistence: 'memory', timers, token: 'expired' });
    clients.push(client);
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    const synced = client.whenSynced();
    synced.catch(() => undefined);

    await expect(synced).rejects.toMatchObject({ code });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CairnError);
    expect((errors[0] as CairnError).code).toBe(code);
    expect(client.status.state).toBe('offline');
    await settle();
    expect(timers.pending()).toEqual([]); // no retry scheduled, no heartbeat left running
    timers.advance(10 * 60_000);
    await settle();
    expect(server.connections).toBe(1);

    // The app fixes the cause (a new token) and asks to go online again.
    server.options.hello = () => null;
    client.goOnline();
    await until(() => client.status.state === 'synced', 'connected after goOnline');
    expect(server.connections).toBe(2);
  });

  it('O4: a token function is asked again before every connect', async () => {
    const tokens: string[] = [];
    const server = createFakeServer({ hello: (h) => (tokens.push(h.token), h.token === 'fresh-2' ? null : 'UNAUTHENTICATED') });
    let n = 0;
    const client = clientOn(server, { persistence: 'memory', token: async () => `fresh-${++n}` });
    clients.push(client);
    client.on('error', () => undefined);
    await until(() => client.status.state === 'offline' && server.connections === 1, 'refused');
    client.goOnline();
    await client.whenSynced();
    expect(tokens).toEqual(['fresh-1', 'fresh-2']);
  });
});
