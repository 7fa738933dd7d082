/**
 * A2 on `/y/:room`: one write of a socket is in flight at a time, and what the provider sends meanwhile goes
 * to the Store as ONE merged update when it settles (y-websocket-session.ts). A stock provider streams each
 * edit without waiting, and each extends its client's last one: written one by one, each had to wait for the
 * one before to commit, so a client's edits committed one batch at a time and a slow moment became a backlog
 * that never drained. These tests hold the commits of a real Postgres Store to make the stream pile up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { WebsocketProvider } from 'y-websocket';
import { buildServer, createMemoryBus, createPgStore, type CairnServer } from '@cairn/server';
import { controllableStore, testVerify } from '../support/memory-node.js';
import { isolatedEnv, PG_URL } from '../support/server-process.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

/** An in-process server on the real Postgres whose commits the test can hold, in a schema of its own. */
async function heldServer(name: string, quotas?: { bytes: number }) {
  const iso = isolatedEnv(name);
  const pg = createPgStore({ connectionString: PG_URL, schema: iso.schema });
  await pg.migrate();
  const ctl = controllableStore(pg);
  const server = await buildServer({ store: ctl.store, bus: createMemoryBus(), verify: testVerify, defaultSpace: 'default', ...(quotas ? { quotas } : {}) });
  const base = (await server.listen({ port: 0 })).replace('http', 'ws');
  return { server, ctl, base, async close() {
    await server.close();
    await iso.drop();
  } };
}

let held: Awaited<ReturnType<typeof heldServer>>;
let server: CairnServer;
let ctl: ReturnType<typeof controllableStore>;
let base: string;

beforeAll(async () => {
  held = await heldServer('it_y_merged_writes');
  ({ server, ctl, base } = held);
}, 60_000);

afterAll(async () => {
  await held?.close();
});

function provider(room: string, doc: Y.Doc): WebsocketProvider {
  return new WebsocketProvider(`${base}/y`, room, doc, { WebSocketPolyfill: WebSocket as never, params: { token: 'writer' }, disableBc: true });
}

/** A raw /y socket, open, and the close codes it gets. */
async function rawSocket(url: string): Promise<{ ws: WebSocket; closes: number[] }> {
  const ws = new WebSocket(url);
  const closes: number[] = [];
  ws.on('close', (code) => closes.push(code));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  return { ws, closes };
}

/** A y-protocols sync update message, as a provider sends one. */
function updateMessage(update: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 0);
  encoding.writeVarUint(enc, 2);
  encoding.writeVarUint8Array(enc, update);
  return encoding.toUint8Array(enc);
}

async function rowsOf(doc: string) {
  return ctl.store.loadUpdates('t1', doc, 0);
}

describe('y-websocket writes merged while one commits', () => {
  it('A2: 200 edits sent while the first commits are stored as 2 rows and reach the other provider as 2 messages, every edit intact', async () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const pa = provider('stream', a);
    const pb = provider('stream', b);
    let messagesToB = 0;
    b.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin === pb) messagesToB++;
    });
    try {
      await until(() => pa.synced && pb.synced, 'both providers synced');
      const release = ctl.hold();
      const map = a.getMap('m');
      map.set('k0', 0); // its write reaches the held Store
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 1; i < 200; i++) map.set(`k${i}`, i); // one message each, all while the first commits
      await new Promise((r) => setTimeout(r, 200));
      release();
      const want = map.toJSON();
      await until(() => JSON.stringify(b.getMap('m').toJSON()) === JSON.stringify(want), 'the other provider to hold every edit');
      const rows = await rowsOf('default/stream');
      expect(mapOf(...rows.map((r) => r.update))).toEqual(want);
      expect(rows.length).toBe(2);
      expect(messagesToB).toBe(2);
    } finally {
      pa.destroy();
      pb.destroy();
    }
  });

  it('C3: a merge holding an update that does not decode and one that references clocks never written stores the good ones, refuses the rest, and keeps the socket', async () => {
    const { ws, closes } = await rawSocket(`${base}/y/mixed?token=writer`);
    const gap = new Y.Doc();
    gap.clientID = 777;
    const gapUpdates: Uint8Array[] = [];
    gap.on('update', (u: Uint8Array) => gapUpdates.push(u));
    for (let i = 0; i < 6; i++) gap.getMap('m').set(`g${i}`, i);
    const before = await server.metrics.registry.getSingleMetricAsString('cairn_rejected_frames_total');
    const invalidBefore = Number(/code="INVALID_UPDATE"\} (\d+)/.exec(before)?.[1] ?? 0);
    const release = ctl.hold();
    ws.send(updateMessage(mapUpdate('first', 1)));
    await new Promise((r) => setTimeout(r, 100));
    ws.send(updateMessage(mapUpdate('second', 2)));
    ws.send(updateMessage(gapUpdates[5]!)); // clock 5 of a client with no clocks 0-4: it can never apply
    ws.send(updateMessage(mapUpdate('third', 3)));
    ws.send(updateMessage(new Uint8Array([1, 1, 0xff, 0xff, 0xff]))); // does not decode
    await new Promise((r) => setTimeout(r, 200));
    release();
    await until(async () => Object.keys(mapOf(...(await rowsOf('default/mixed')).map((r) => r.update))).length === 3, 'the three good edits stored');
    expect(mapOf(...(await rowsOf('default/mixed')).map((r) => r.update))).toEqual({ first: 1, second: 2, third: 3 });
    const after = await server.metrics.registry.getSingleMetricAsString('cairn_rejected_frames_total');
    expect(Number(/code="INVALID_UPDATE"\} (\d+)/.exec(after)?.[1] ?? 0) - invalidBefore).toBe(2);
    expect(closes).toEqual([]);
    ws.close();
  });
});

describe('y-websocket writes merged, at a byte quota', () => {
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  /** Each key set by a Yjs client of its own, all ids of one varint length: updates of one size, none depending on another. */
  const updates = keys.map((k, i) => {
    const d = new Y.Doc();
    d.clientID = 1000 + i;
    let u: Uint8Array = new Uint8Array();
    d.on('update', (x: Uint8Array) => (u = x));
    d.getMap('m').set(k, k);
    return u;
  });
  const size = updates[0]!.byteLength;
  // Room for three updates alone, not for the five after the first merged into one.
  const QUOTA = size * 3 + 5;
  let quota: Awaited<ReturnType<typeof heldServer>>;
  let quotaServer: CairnServer;
  let qctl: ReturnType<typeof controllableStore>;
  let qbase: string;

  beforeAll(async () => {
    quota = await heldServer('it_y_merged_quota', { bytes: QUOTA });
    ({ server: quotaServer, ctl: qctl, base: qbase } = quota);
  }, 60_000);

  afterAll(async () => {
    await quota?.close();
  });

  it('BYTE_QUOTA_EXCEEDED: a merge over the quota is written update by update, so the ones that fit are stored, as they were before merging', async () => {
    const { ws, closes } = await rawSocket(`${qbase}/y/quota?token=writer`);
    expect(updates.every((u) => u.byteLength === size)).toBe(true);
    const release = qctl.hold();
    ws.send(updateMessage(updates[0]!));
    await new Promise((r) => setTimeout(r, 100));
    for (const u of updates.slice(1)) ws.send(updateMessage(u));
    await new Promise((r) => setTimeout(r, 200));
    release();
    await until(async () => /code="BYTE_QUOTA_EXCEEDED"\} [1-9]/.test(await quotaServer.metrics.registry.getSingleMetricAsString('cairn_rejected_frames_total')), 'a refusal at the quota');
    await until(async () => qctl.store.loadUpdates('t1', 'default/quota', 0).then((rows) => rows.length >= 3), 'the updates that fit stored');
    const stored = Object.keys(mapOf(...(await qctl.store.loadUpdates('t1', 'default/quota', 0)).map((r) => r.update)));
    expect(stored).toEqual(keys.slice(0, 3));
    expect(closes).toEqual([]);
    ws.close();
  });
});
