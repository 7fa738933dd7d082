/**
 * Presence payloads that y-protocols cannot take (a state that is not JSON, one too deep to encode again,
 * one too large, too many entries) against a real server process: the sender's socket gets
 * INVALID_PRESENCE (code 29) and a close 4029, nothing is applied or relayed, and the process and the other
 * sockets go on (S6). Before the check, a read-only token's non-JSON state threw inside the socket's message
 * handler and the process exited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as encoding from 'lib0/encoding';
import { PROTOCOL_VERSION, closeCodeFor, type ClientSocket } from '@cairn/shared';
import { issueToken } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const iso = isolatedEnv('it_invalid_presence');
let server: ServerProcess;
let writer: string;
let reader: string;
let exits = 0;

/** An awareness update (y-protocols encoding) with the given raw state strings, which need not be JSON. */
function awareness(entries: Array<[clientID: number, clock: number, state: string]>): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, entries.length);
  for (const [id, clock, state] of entries) {
    encoding.writeVarUint(enc, id);
    encoding.writeVarUint(enc, clock);
    encoding.writeVarString(enc, state);
  }
  return encoding.toUint8Array(enc);
}

/** A `/y` awareness message (type 1) carrying the update. */
function yAwareness(update: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 1);
  encoding.writeVarUint8Array(enc, update);
  return encoding.toUint8Array(enc);
}

async function subscribed(token: string, clientId: string, doc: string): Promise<RawClient> {
  const c = await connectRaw((u) => new WebSocket(`${server.wsUrl}${u}`) as unknown as ClientSocket, '/v1/sync');
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token });
  c.send({ type: 'sub', doc, stateVector: new Uint8Array() });
  await c.next('sync');
  return c;
}

function openY(room: string, token: string): Promise<{ ws: WebSocket; messages: Uint8Array[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${server.wsUrl}/y/${room}?token=${token}`);
  const messages: Uint8Array[] = [];
  ws.on('message', (d: Buffer) => messages.push(new Uint8Array(d)));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ ws, messages, closed }));
    ws.on('error', reject);
  });
}

/** The node still serves: /healthz answers and a push is acked and reaches a subscriber. */
async function stillServing(doc: string): Promise<void> {
  expect(exits).toBe(0);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const watcher = await subscribed(writer, `watch-${Math.random().toString(36).slice(2, 10)}`, doc);
  const good = await subscribed(writer, `good-${Math.random().toString(36).slice(2, 10)}`, doc);
  good.send({ type: 'push', doc, seq: 1, update: mapUpdate('ok', 1) });
  await good.next('ack');
  await watcher.next('update');
  watcher.close();
  good.close();
}

beforeAll(async () => {
  writer = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'w', spaces: { '*': 'rw' } });
  reader = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'r', spaces: { '*': 'r' } });
  server = await startServer(iso.env);
  server.child.once('exit', () => exits++);
}, 60_000);

afterAll(async () => {
  await server?.kill('SIGKILL');
  await iso.drop();
});

describe('invalid presence payloads', () => {
  it('S6: a read-only token sending a presence state that is not JSON gets INVALID_PRESENCE; the node stays up', async () => {
    const peer = await subscribed(writer, 'peer-notjson-1', 'site/p-notjson');
    const c = await subscribed(reader, 'ro-notjson-01', 'site/p-notjson');
    c.send({ type: 'presence', doc: 'site/p-notjson', payload: awareness([[7, 1, '{not json']]) });
    expect(await c.next('reject')).toMatchObject({ code: 'INVALID_PRESENCE', doc: 'site/p-notjson' });
    expect((await c.closed).code).toBe(closeCodeFor('INVALID_PRESENCE'));
    expect(peer.frames.some((f) => f.type === 'presence')).toBe(false);
    peer.close();
    await stillServing('site/after-notjson');
  });

  it('S6: a state nested too deep to encode again is refused before it reaches the room', async () => {
    const peer = await subscribed(writer, 'peer-deep-001', 'site/p-deep');
    const c = await subscribed(reader, 'ro-deep-00001', 'site/p-deep');
    c.send({ type: 'presence', doc: 'site/p-deep', payload: awareness([[8, 1, '['.repeat(20_000) + ']'.repeat(20_000)]]) });
    expect(await c.next('reject')).toMatchObject({ code: 'INVALID_PRESENCE' });
    expect((await c.closed).code).toBe(closeCodeFor('INVALID_PRESENCE'));
    // A joiner gets the room's current awareness encoded: it would throw if the deep state were in it.
    const joiner = await subscribed(writer, 'joiner-deep-1', 'site/p-deep');
    joiner.close();
    peer.close();
    await stillServing('site/after-deep');
  });

  it('S6: too large a state, or too many entries, is INVALID_PRESENCE; a valid one still relays', async () => {
    const peer = await subscribed(writer, 'peer-size-001', 'site/p-size');
    const big = await subscribed(writer, 'big-state-001', 'site/p-size');
    big.send({ type: 'presence', doc: 'site/p-size', payload: awareness([[9, 1, JSON.stringify({ blob: 'x'.repeat(5000) })]]) });
    expect(await big.next('reject')).toMatchObject({ code: 'INVALID_PRESENCE' });
    const many = await subscribed(writer, 'many-entries1', 'site/p-size');
    many.send({ type: 'presence', doc: 'site/p-size', payload: awareness(Array.from({ length: 100 }, (_, i) => [1000 + i, 1, 'null'] as [number, number, string])) });
    expect(await many.next('reject')).toMatchObject({ code: 'INVALID_PRESENCE' });
    const ok = await subscribed(writer, 'ok-presence-1', 'site/p-size');
    ok.send({ type: 'presence', doc: 'site/p-size', payload: awareness([[10, 1, '{"name":"ok"}']]) });
    await peer.next('presence');
    for (const c of [peer, big, many, ok]) c.close();
    await stillServing('site/after-size');
  });

  it('S6: on /y, a deep awareness state is dropped with a close 4029 and later joiners are served', async () => {
    const bad = await openY('p-ydeep', reader);
    bad.ws.send(yAwareness(awareness([[11, 1, '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)]])));
    expect(await bad.closed).toBe(closeCodeFor('INVALID_PRESENCE'));
    // The join answer includes the room's awareness: it must still encode.
    const joiner = await openY('p-ydeep', writer);
    await until(() => joiner.messages.length > 0, 'the joiner to get sync step 1');
    joiner.ws.close();
    const notJson = await openY('p-ydeep', reader);
    notJson.ws.send(yAwareness(awareness([[12, 1, 'undefined']])));
    expect(await notJson.closed).toBe(closeCodeFor('INVALID_PRESENCE'));
    await stillServing('site/after-ydeep');
  });
});
