/**
 * `npm start` with no environment: embedded Postgres (PGlite) in a data folder, the in-process bus, dev
 * mode. A stock y-websocket client syncs through /y/<room>, and a restart on the same folder keeps the data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { startServer } from '../support/server-process.js';
import { until } from '../support/until.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cairn-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));


describe('the embedded defaults', () => {
  it('§8: PGlite + in-process bus serve y-websocket clients, and data survives a restart', async () => {
    const first = await startServer({ CAIRN_DATA_DIR: dataDir }, { readyTimeoutMs: 60_000 });
    const health = await (await fetch(`${first.url}/readyz`)).json();
    expect(health).toMatchObject({ ok: true, store: { kind: 'pglite' }, bus: { kind: 'memory' } });
    expect(first.output()).toMatch(/dev mode/);
    const doc = new Y.Doc();
    const p = new WebsocketProvider(`${first.wsUrl}/y`, 'notes', doc, { WebSocketPolyfill: WebSocket as never, disableBc: true });
    await until(() => p.synced, 'provider synced');
    doc.getText('t').insert(0, 'kept across restarts');
    // y-websocket has no acks: wait until the server has it (a second provider sees it).
    const check = new Y.Doc();
    const q = new WebsocketProvider(`${first.wsUrl}/y`, 'notes', check, { WebSocketPolyfill: WebSocket as never, disableBc: true });
    await until(() => check.getText('t').toString() === 'kept across restarts', 'second provider to see the text');
    p.destroy();
    q.destroy();
    expect((await first.kill('SIGTERM')).code).toBe(0);

    const second = await startServer({ CAIRN_DATA_DIR: dataDir }, { readyTimeoutMs: 60_000 });
    const fresh = new Y.Doc();
    const r = new WebsocketProvider(`${second.wsUrl}/y`, 'notes', fresh, { WebSocketPolyfill: WebSocket as never, disableBc: true });
    await until(() => r.synced && fresh.getText('t').toString() === 'kept across restarts', 'restarted server to serve the text');
    r.destroy();
    expect((await second.kill('SIGTERM')).code).toBe(0);
  }, 120_000);
});
