import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient } from '@cairn/client';
import { backoffDelay, DEFAULT_BACKOFF } from '../../packages/client/src/socket/backoff.js';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, createManualTimers, seededRandom, testSeed, until } from './support/client-harness.js';

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

describe('reconnects back off exponentially with full jitter, capped at 30 s', () => {
  it('O4: backoffDelay draws uniformly below min(cap, base·2^attempt)', () => {
    const seed = testSeed('backoffDelay');
    const random = seededRandom(seed);
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(30_000, 250 * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, random);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
    // The bounds, with the random source at its extremes.
    expect(backoffDelay(0, () => 0.999999)).toBe(249);
    expect(backoffDelay(3, () => 0.999999)).toBe(1999);
    expect(backoffDelay(7, () => 0.999999)).toBe(29_999);
    expect(backoffDelay(1000, () => 0.999999)).toBe(29_999);
    expect(backoffDelay(5, () => 0)).toBe(0);
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 250, capMs: 30_000 });
  });

  it('O4: a client facing a dead server waits the jittered, growing, capped delays, and resets after a welcome', async () => {
    const seed = testSeed('reconnect schedule');
    const server = createFakeServer({ down: true });
    const timers = createManualTimers();
    const client = createClientOn(server, timers, seededRandom(seed));
    const expected = seededRandom(seed);
    const delays: number[] = [];

    for (let attempt = 0; attempt < 12; attempt++) {
      await until(() => server.connections === attempt + 1 && client.status.state === 'offline', `attempt ${attempt + 1} failed`);
      const pending = timers.pending();
      expect(pending).toHaveLength(1); // the retry timer alone: the dead attempt's heartbeat is gone
      const delay = pending[0]!;
      expect(delay).toBe(Math.floor(expected() * Math.min(30_000, 250 * 2 ** attempt)));
      delays.push(delay);
      timers.advance(delay);
    }
    expect(delays.every((d) => d < 30_000)).toBe(true);

    // The server comes back: the next attempt is welcomed and the attempt counter starts over.
    server.options.down = false;
    await until(() => server.connections === 13 && client.status.state === 'synced', 'connected');
    server.cutAll();
    await until(() => client.status.state === 'offline' && timers.pending().length === 1, 'dropped');
    expect(timers.pending()[0]).toBe(Math.floor(expected() * 250));
  });
});

function createClientOn(server: ReturnType<typeof createFakeServer>, timers: ReturnType<typeof createManualTimers>, random: () => number) {
  const client = clientOn(server, { persistence: 'memory', timers, random });
  clients.push(client);
  return client;
}
