/**
 * S8 on the client: the server ends a session whose token expired (close 4021, after a TOKEN_EXPIRED reject
 * of any push that arrived too late). The client reconnects at once, asks the token function again, and the
 * outbox is resent on the new session: nothing is dead-lettered, nothing is lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient } from '@cairn/client';
import { CairnError, closeCodeFor, rejectFrame } from '@cairn/shared';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, createManualTimers, settle, until } from './support/client-harness.js';

const DOC = 'site/notes';
const clients: CairnClient[] = [];
const track = (c: CairnClient) => (clients.push(c), c);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

/** Any backoff draw is the largest: a retry at delay 0 can only be the at-once reconnect. */
const highRandom = () => 0.999;

describe('a session closed for an expired token is resumed with a fresh one', () => {
  it('S8: TOKEN_EXPIRED reconnects at once, calls token() again, and resends the un-acked pushes', async () => {
    const tokens: string[] = [];
    const server = createFakeServer({
      hello: (h) => (tokens.push(h.token), null),
      push: (_f, session) => (session.id === 1 ? 'hold' : 'ack'),
    });
    const timers = createManualTimers();
    let n = 0;
    const client = track(clientOn(server, { persistence: 'memory', timers, random: highRandom, token: () => Promise.resolve(`token-${++n}`) }));
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    const doc = await client.open(DOC);
    doc.getMap('m').set('k', 1);
    await until(() => server.sessions[0]?.frames.some((f) => f.type === 'push') === true, 'the push reached session 1');
    expect(client.status.pending).toBe(1);

    // What the real session does past exp: the late push is refused as retryable, then the close.
    const first = server.sessions[0]!;
    first.send(rejectFrame('TOKEN_EXPIRED', { seq: 1, doc: DOC }));
    first.close(closeCodeFor('TOKEN_EXPIRED'), 'TOKEN_EXPIRED');
    await until(() => client.status.state === 'offline', 'the client saw the close');
    await settle();
    expect(timers.pending()).toEqual([0]);

    timers.advance(0);
    await until(() => client.status.state === 'synced', 'synced on the new session');
    expect(tokens).toEqual(['token-1', 'token-2']);
    expect(server.sessions[1]!.frames.filter((f) => f.type === 'push').map((f) => (f as { seq: number }).seq)).toEqual([1]);
    expect(server.doc(DOC).getMap('m').toJSON()).toEqual({ k: 1 });
    expect(client.status.pending).toBe(0);
    expect(await client.deadLetters.list()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('S8: a TOKEN_EXPIRED close before any welcome backs off as usual (no reconnect loop without a session)', async () => {
    const server = createFakeServer({ hello: () => 'TOKEN_EXPIRED' });
    const timers = createManualTimers();
    const client = track(clientOn(server, { persistence: 'memory', timers, random: highRandom, token: () => 'stale' }));
    await until(() => server.connections === 1 && client.status.state === 'offline', 'refused');
    await settle();
    expect(timers.pending()).toEqual([249]);
  });

  it('S8: when the fresh token is refused, UNAUTHENTICATED stays fatal', async () => {
    const server = createFakeServer({ hello: (h) => (h.token === 'token-1' ? null : 'UNAUTHENTICATED') });
    const timers = createManualTimers();
    let n = 0;
    const client = track(clientOn(server, { persistence: 'memory', timers, random: highRandom, token: () => `token-${++n}` }));
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    await until(() => client.status.state === 'synced', 'first session');
    server.sessions[0]!.close(closeCodeFor('TOKEN_EXPIRED'), 'TOKEN_EXPIRED');
    await until(() => client.status.state === 'offline', 'closed');
    timers.advance(0);
    await until(() => errors.length === 1, 'the refusal');
    expect(errors[0]).toBeInstanceOf(CairnError);
    expect((errors[0] as CairnError).code).toBe('UNAUTHENTICATED');
    await settle();
    expect(client.status.state).toBe('offline');
    expect(timers.pending()).toEqual([]);
    expect(server.connections).toBe(2);
  });
});
