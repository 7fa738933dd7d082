import { describe, expect, it } from 'vitest';
import { buildServer, createMemoryBus, createMemoryStore, type Store } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';

describe('health, readiness and metrics (DESIGN §9)', () => {
  it('/healthz answers while the process is up; /readyz checks the Store and the Bus', async () => {
    const server = await buildServer({ store: createMemoryStore(), bus: createMemoryBus(), verify: testVerify });
    expect((await server.app.inject('/healthz')).statusCode).toBe(200);
    const ready = await server.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ok: true, store: { kind: 'memory', ok: true }, bus: { kind: 'memory', ok: true } });
    await server.close();
  });

  it('S4: a dead Store makes /readyz 503 without leaking the internal error', async () => {
    const inner = createMemoryStore();
    const store: Store = { ...inner, ping: () => Promise.reject(new Error('password authentication failed for user "cairn" at 10.0.0.7')) };
    const server = await buildServer({ store, bus: createMemoryBus(), verify: testVerify });
    const res = await server.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.body).not.toMatch(/password|10\.0\.0\.7/);
    expect(res.json()).toMatchObject({ ok: false, store: { ok: false } });
    await server.close();
  });

  it('§9: /metrics exposes commit, ack, connection, doc, cache and rejection metrics in Prometheus text', async () => {
    const server = await buildServer({ store: createMemoryStore(), bus: createMemoryBus(), verify: testVerify });
    const res = await server.app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    for (const name of ['cairn_commit_seconds', 'cairn_commit_batch_size', 'cairn_ack_seconds', 'cairn_connections', 'cairn_docs_open', 'cairn_rejected_frames_total', 'cairn_cache_lookups_total', 'cairn_fanout_published_total']) {
      expect(res.body).toContain(`# TYPE ${name} `);
    }
    await server.close();
  });
});
