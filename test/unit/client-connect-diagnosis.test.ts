/**
 * O4: a socket that fails its handshake says only "1006"; the connection asks a probe why, tells the app
 * each diagnosis once per streak of failures, keeps retrying what time can fix (UNREACHABLE) and stops on
 * what only a deployment can fix (NOT_FOUND, ORIGIN_NOT_ALLOWED) until goOnline().
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient, Probe } from '@cairn/client';
import { CairnError, SocketState, type ClientSocket, type ErrorCode } from '@cairn/shared';
import { createFakeServer, type FakeServer } from './support/fake-server.js';
import { clientOn, createManualTimers, seededRandom, settle, testSeed, until, type ManualTimers } from './support/client-harness.js';

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

/** A socket whose handshake fails: it never opens and closes with 1006, as a browser reports any refusal. */
function failedHandshake(): ClientSocket {
  const socket: ClientSocket = {
    readyState: SocketState.CONNECTING,
    binaryType: 'arraybuffer',
    send() {
      throw new Error('not open');
    },
    close() {},
    onopen: null, onmessage: null, onclose: null, onerror: null,
  };
  queueMicrotask(() => {
    socket.onerror?.({} as Event);
    socket.onclose?.({ code: 1006, reason: '', wasClean: false } as CloseEvent);
  });
  return socket;
}

interface Rig {
  server: FakeServer;
  timers: ManualTimers;
  client: CairnClient;
  errors: CairnError[];
  /** Sockets the client asked for. */
  attempts(): number;
  probes(): number;
  /** While true every handshake fails. */
  failing: boolean;
  answer: ErrorCode | null;
}

function rig(opts: { probe?: Probe } = {}): Rig {
  const server = createFakeServer();
  const timers = createManualTimers();
  let attempts = 0;
  let probes = 0;
  const r = {
    server,
    timers,
    errors: [] as CairnError[],
    attempts: () => attempts,
    probes: () => probes,
    failing: true,
    answer: null as ErrorCode | null,
  } as Rig;
  r.client = clientOn(server, {
    url: 'ws://cairn.test/v1/sync',
    persistence: 'memory',
    timers,
    random: seededRandom(testSeed('diagnosis backoff')),
    socket: (url) => (attempts++, r.failing ? failedHandshake() : server.connect(url)),
    probe: opts.probe ?? ((url) => (probes++, expect(url).toBe('ws://cairn.test/v1/sync'), Promise.resolve(r.answer))),
  });
  r.client.on('error', (e) => r.errors.push(e as CairnError));
  clients.push(r.client);
  return r;
}

/** Waits for the failed attempt `n` to be over and its retry scheduled, then runs the retry. */
async function failAndRetry(r: Rig, n: number): Promise<void> {
  await until(() => r.attempts() === n && r.client.status.state === 'offline' && r.timers.pending().length === 1, `attempt ${n} failed`);
  await settle();
  r.timers.advance(r.timers.pending()[0]!);
}

describe('a handshake that fails is diagnosed', () => {
  it('O4: UNREACHABLE is told once per streak while the backoff retries go on; a new streak is told again', async () => {
    const r = rig();
    r.answer = 'UNREACHABLE';
    for (let n = 1; n <= 6; n++) await failAndRetry(r, n);
    expect(r.probes()).toBe(6);
    expect(r.errors.map((e) => [e.constructor, e.code])).toEqual([[CairnError, 'UNREACHABLE']]);

    // The server is back: the streak ends with a welcome.
    r.failing = false;
    await until(() => r.client.status.state === 'synced', 'connected');
    expect(r.probes()).toBe(6); // the attempt that opened is not probed

    // It goes away again: the cut socket had opened (no probe); the attempts after it start a new streak.
    r.failing = true;
    r.server.cutAll();
    await failAndRetry(r, 7);
    await failAndRetry(r, 8);
    await failAndRetry(r, 9);
    expect(r.probes()).toBe(2 + 6);
    expect(r.errors.map((e) => e.code)).toEqual(['UNREACHABLE', 'UNREACHABLE']);
  });

  it.each(['NOT_FOUND', 'ORIGIN_NOT_ALLOWED'] as const)('O4: %s is told once and stops the retries until goOnline()', async (code) => {
    const r = rig();
    r.answer = code;
    const synced = r.client.whenSynced();
    synced.catch(() => undefined);
    await expect(synced).rejects.toMatchObject({ code });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toBeInstanceOf(CairnError);
    expect(r.errors[0]!.code).toBe(code);
    expect(r.client.status.state).toBe('offline');
    await settle();
    expect(r.timers.pending()).toEqual([]);
    r.timers.advance(10 * 60_000);
    await settle();
    expect(r.attempts()).toBe(1);

    // The deployment is fixed; the app asks to go online.
    r.failing = false;
    r.client.goOnline();
    await until(() => r.client.status.state === 'synced', 'connected after goOnline');
    expect(r.errors).toHaveLength(1);
  });

  it('O4: a diagnosis that arrives after the streak ended (a welcome came first) is dropped', async () => {
    let answer!: (code: ErrorCode | null) => void;
    const r = rig({ probe: () => new Promise((resolve) => (answer = resolve)) });
    await failAndRetry(r, 1);
    r.failing = false;
    await until(() => r.client.status.state === 'synced', 'connected');
    answer('NOT_FOUND');
    await settle();
    expect(r.errors).toEqual([]);
    expect(r.client.status.state).toBe('synced');
  });

  it('O4: a socket that opened and then dropped (a server going down) is not probed', async () => {
    const r = rig();
    r.failing = false;
    r.server.options.down = true;
    await failAndRetry(r, 1);
    await failAndRetry(r, 2);
    expect(r.probes()).toBe(0);
    expect(r.errors).toEqual([]);
  });
});
