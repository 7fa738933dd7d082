/**
 * The history window end to end in one process (buildServer with a 30-day window, memory Store on a clock
 * that committed three rows 40 days ago and two now): the node's first compaction pass trims the old rows,
 * counts them (metrics) and audits the trim (L4); the history routes answer inside the window and refuse
 * below it with 410 HISTORY_TRIMMED naming the oldest readable version (L1).
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { buildServer, createMemoryBus, createMemoryStore } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';
import { textEdits } from '../support/yjs-updates.js';
import { createHistoryReads } from '../../packages/client/src/history/history-reads.js';

const DAY = 86_400_000;
const DOC = 'site/cell/u09tunq';


async function setup() {
  let clock = Date.now() - 40 * DAY;
  const store = createMemoryStore({ now: () => clock });
  const tenant = (await testVerify('writer')).tenant;
  const updates = textEdits(['a', 'b', 'c', 'd', 'e']);
  const pushOf = (seq: number) => ({ tenant, doc: DOC, clientId: 'writer-0001', seq, actor: 'w', update: updates[seq]! });
  await store.commitBatch([0, 1, 2].map(pushOf));
  const old = clock;
  clock = Date.now();
  await store.commitBatch([3, 4].map(pushOf));
  const server = await buildServer({ store, bus: createMemoryBus(), verify: testVerify, compaction: { days: 30, intervalMs: 3_600_000 } });
  // The node ran a pass at start; a run waits for it (and finds nothing more to trim).
  expect(await server.node.compaction!.run()).toEqual({ docs: 0, rows: 0, bytes: 0, failed: 0 });
  const call = (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) =>
    server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload: payload as object } : {}) });
  return { server, store, tenant, call, old, pushOf };
}

const text = (update: string) => {
  const d = new Y.Doc();
  Y.applyUpdate(d, Buffer.from(update, 'base64'));
  return d.getText('t').toString();
};

describe('history window over HTTP', () => {
  it('L1: below the floor a doc read, a changes cursor, a revert target and a space read are 410 HISTORY_TRIMMED; at and above it they answer', async () => {
    const { server, call, old } = await setup();
    const below = await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq?at=2', 'reader');
    expect(below.statusCode).toBe(410);
    expect(below.json()).toMatchObject({ error: { code: 'HISTORY_TRIMMED', retryable: false } });
    expect(below.json().error.message).toMatch(/oldest readable version is 3, committed by /);
    const at3 = await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq?at=3', 'reader');
    expect([at3.statusCode, text(at3.json().update)]).toEqual([200, 'abc']);
    expect(text((await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq?at=4', 'reader')).json().update)).toBe('abcd');
    // By time: before the newest trimmed row's commit, refused; from it on, answered.
    expect((await call('GET', `/v1/spaces/site/docs/cell%2Fu09tunq?at=${new Date(old - 1).toISOString()}`, 'reader')).statusCode).toBe(410);
    expect((await call('GET', `/v1/spaces/site/docs/cell%2Fu09tunq?at=${new Date(old).toISOString()}`, 'reader')).json()).toMatchObject({ version: 3 });
    expect((await call('GET', `/v1/spaces/site/anchors?cell=u&at=${new Date(old - DAY).toISOString()}`, 'reader')).statusCode).toBe(410);
    expect((await call('GET', `/v1/spaces/site/anchors?cell=u&at=${new Date().toISOString()}`, 'reader')).statusCode).toBe(200);
    // The listing starts above the floor and says where it is; a cursor below it is refused.
    const listing = (await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq/changes', 'reader')).json();
    expect(listing.changes.map((c: { version: number }) => c.version)).toEqual([4, 5]);
    expect(listing.floor).toEqual({ version: 3, at: new Date(old).toISOString() });
    expect((await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq/changes?cursor=1', 'reader')).statusCode).toBe(410);
    expect((await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq/changes?cursor=3', 'reader')).json().changes).toHaveLength(2);
    // Revert targets: below the floor refused, at it reverted.
    expect((await call('POST', '/v1/spaces/site/docs/cell%2Fu09tunq/revert', 'writer', { at: '2' })).statusCode).toBe(410);
    const revert = await call('POST', '/v1/spaces/site/docs/cell%2Fu09tunq/revert', 'writer', { at: '3' });
    expect(revert.statusCode).toBe(200);
    await server.close();
  });

  it("L1: the client's openAt and anchorsAt reject with HISTORY_TRIMMED below the floor and read at it", async () => {
    const { server, old } = await setup();
    // The client's own fetch path, answered by the server's routes in process.
    const fetch = (async (url: URL) => {
      const res = await server.app.inject({ method: 'GET', url: url.pathname + url.search, headers: { authorization: 'Bearer reader' } });
      return new Response(res.body, { status: res.statusCode, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof globalThis.fetch;
    const reads = createHistoryReads({ url: 'ws://cairn.test/v1/sync', token: async () => 'reader', fetch });
    await expect(reads.openAt(DOC, { version: 1 })).rejects.toMatchObject({ code: 'HISTORY_TRIMMED', message: expect.stringMatching(/oldest readable version is 3/) });
    await expect(reads.openAt(DOC, { at: new Date(old - 1) })).rejects.toMatchObject({ code: 'HISTORY_TRIMMED' });
    await expect(reads.anchorsAt('site', new Date(old - DAY), { cell: 'u' })).rejects.toMatchObject({ code: 'HISTORY_TRIMMED' });
    const at3 = await reads.openAt(DOC, { version: 3 });
    expect(at3.doc.getText('t').toString()).toBe('abc');
    await server.close();
  });

  it('L4, metrics: the trim leaves one audit row with its counts, the counters and tenant usage show it, resends stay duplicates (C1)', async () => {
    const { server, store, tenant, pushOf } = await setup();
    await server.node.audit.flush();
    const rows = (await store.queryAudit({ tenant, limit: 100 })).rows.filter((r) => r.action === 'trim');
    expect(rows.map((r) => [r.doc, r.space, r.detail['rows'], r.detail['floor'], r.detail['days']])).toEqual([[DOC, 'site', 3, 3, 30]]);
    const metrics = (await server.app.inject('/metrics')).body;
    expect(metrics).toMatch(/^cairn_history_rows_trimmed_total 3$/m);
    const trimmedBytes = Number(/^cairn_history_bytes_trimmed_total (\d+)$/m.exec(metrics)?.[1]);
    expect(trimmedBytes).toBe(rows[0]!.detail['bytes']);
    expect((await store.tenantUsage(tenant)).bytes).toBe([3, 4].reduce((n, s) => n + pushOf(s).update.byteLength, 0));
    expect((await store.commitBatch([0, 1, 2, 3, 4].map(pushOf))).map((o) => o.kind)).toEqual(Array(5).fill('duplicate'));
    await server.close();
  });
});
