import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient } from '@cairn/client';
import { closeCodeFor } from '@cairn/shared';
import { createFakeServer, type FakeServer } from './support/fake-server.js';
import { clientOn, createManualTimers, settle, until, type ManualTimers } from './support/client-harness.js';

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

async function connected(server: FakeServer, timers: ManualTimers, heartbeatMs?: number) {
  // random() = 0.5: the first retry waits 125 ms (half of the 250 ms base).
  const client = clientOn(server, { persistence: 'memory', timers, random: () => 0.5, ...(heartbeatMs ? { heartbeatMs } : {}) });
  clients.push(client);
  await client.open('space-a/notes');
  await client.whenSynced();
  return client;
}

const pings = (server: FakeServer, session = 0) => server.sessions[session]!.frames.filter((f) => f.type === 'ping').length;

describe('a heartbeat detects a dead socket within two intervals', () => {
  it('O4: a server that goes silent is dropped exactly two intervals after its last frame, then the client reconnects', async () => {
    const server = createFakeServer({ heartbeatMs: 1000, answerPings: false });
    const timers = createManualTimers();
    const client = await connected(server, timers);

    timers.advance(1000);
    await settle();
    expect(pings(server)).toBe(1);
    timers.advance(999);
    await settle();
    expect(server.sessions[0]!.closed).toBeNull();
    expect(client.status.state).toBe('synced');

    timers.advance(1);
    await until(() => server.sessions[0]!.closed !== null, 'the client closed the silent socket');
    expect(server.sessions[0]!.closed).toMatchObject({ code: closeCodeFor('HEARTBEAT_TIMEOUT'), by: 'client' });
    expect(client.status.state).toBe('offline');

    expect(timers.pending()).toEqual([125]);
    timers.advance(125);
    await until(() => server.sessions.length === 2 && client.status.state === 'synced', 'reconnected');
  });

  it('O4: a server that answers pings keeps the socket open indefinitely', async () => {
    const server = createFakeServer({ heartbeatMs: 1000 });
    const timers = createManualTimers();
    await connected(server, timers);
    for (let i = 0; i < 20; i++) {
      timers.advance(1000);
      await settle();
    }
    expect(pings(server)).toBe(20);
    expect(server.sessions).toHaveLength(1);
    expect(server.sessions[0]!.closed).toBeNull();
  });

  it('O4: the heartbeatMs option overrides the interval the server announces', async () => {
    const server = createFakeServer({ heartbeatMs: 1000, answerPings: false });
    const timers = createManualTimers();
    await connected(server, timers, 250);
    timers.advance(250);
    await settle();
    expect(pings(server)).toBe(1);
    timers.advance(250);
    await until(() => server.sessions[0]!.closed !== null, 'closed after 2 × 250 ms of silence');
    expect(timers.now).toBe(500);
  });

  it('O4: a handshake that never completes is abandoned after two intervals', async () => {
    const timers = createManualTimers();
    const silent = createFakeServer();
    const socket = (url: string) => {
      const s = silent.connect(url);
      s.send = () => undefined; // the hello is lost on the way: no welcome ever comes
      return s;
    };
    const client = clientOn(silent, { persistence: 'memory', timers, random: () => 0, heartbeatMs: 1000, socket });
    clients.push(client);
    await until(() => client.status.state === 'connecting' && silent.connections === 1, 'connecting');
    await settle();
    timers.advance(1999);
    await settle();
    expect(client.status.state).toBe('connecting');
    timers.advance(1);
    await until(() => silent.connections === 2, 'a new attempt after the handshake timed out');
  });
});
