/**
 * S3/S7 on `/y/:room`: a stock y-websocket `WebsocketProvider` that sends 12,000 updates as fast as it can
 * meets the same token bucket as native pushes (maxPushesPerSecond, burst 2x). Past it the socket closes
 * with RATE_LIMITED (4011), so most of the burst is never stored one row per update; the provider
 * reconnects, resyncs its state, and every edit ends up on the server: nothing is lost.
 * In-process server on the real Postgres, with a low rate so the bound does not depend on machine speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { closeCodeFor } from '@cairn/shared';
import { buildServer, createMemoryBus, createPgStore, type CairnServer, type Store } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';
import { isolatedEnv, PG_URL } from '../support/server-process.js';
import { mapOf } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const iso = isolatedEnv('it_y_rate_limit');
const RATE = 200; // pushes per second; burst 400
const UPDATES = 12_000;
let server: CairnServer;
let store: Store;
let base: string;

beforeAll(async () => {
  store = createPgStore({ connectionString: PG_URL, schema: iso.schema });
  await store.migrate();
  server = await buildServer({ store, bus: createMemoryBus(), verify: testVerify, defaultSpace: 'default', limits: { maxPushesPerSecond: RATE } });
  base = (await server.listen({ port: 0 })).replace('http', 'ws');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await iso.drop();
});

describe('y-websocket push rate limit', () => {
  it('S3: 12,000 fast updates from a stock provider: closed with RATE_LIMITED, far fewer rows stored, nothing lost after its resync', async () => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${base}/y`, 'flood', doc, { WebSocketPolyfill: WebSocket as never, params: { token: 'writer' }, disableBc: true });
    const closes: number[] = [];
    provider.on('connection-close', (event) => {
      if (event) closes.push(event.code);
    });
    try {
      await until(() => provider.synced, 'provider synced');
      const map = doc.getMap('m');
      for (let i = 0; i < UPDATES; i++) map.set(`k${i}`, i); // one update message each
      await until(() => closes.length > 0, 'the server to close the flooding socket');
      expect(closes[0]).toBe(closeCodeFor('RATE_LIMITED'));

      const want = map.toJSON();
      await until(async () => {
        const rows = await store.loadUpdates('t1', 'default/flood', 0);
        return Object.keys(mapOf(...rows.map((r) => r.update))).length === UPDATES;
      }, 'every edit on the server after the resync', 20_000);
      const rows = await store.loadUpdates('t1', 'default/flood', 0);
      expect(mapOf(...rows.map((r) => r.update))).toEqual(want);
      // Without the limit each of the 12,000 updates is a row; with it the burst and its refill, then the resync.
      expect(rows.length).toBeLessThan(UPDATES / 4);
      await expect(server.metrics.registry.getSingleMetricAsString('cairn_rejected_frames_total')).resolves.toMatch(/code="RATE_LIMITED"\} [1-9]/);
    } finally {
      provider.destroy();
      doc.destroy();
    }
  });
});
