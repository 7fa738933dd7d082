/**
 * S4 while a node shuts down: a request that arrives after close() began (a load balancer's health probe,
 * a REST call on a kept-alive connection) gets 503 with the catalog body SHUTTING_DOWN, not Fastify's own
 * body and not a 200 from a node that is going away.
 */
import { describe, expect, it } from 'vitest';
import { buildServer, createMemoryBus, createMemoryStore } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';

describe('requests during shutdown', () => {
  it('S4: a request that arrives once close() began gets 503 SHUTTING_DOWN with a catalog body', async () => {
    const server = await buildServer({ store: createMemoryStore(), bus: createMemoryBus(), verify: testVerify });
    const closed = server.close();
    const res = await server.app.inject({ method: 'GET', url: '/healthz', headers: { host: '127.0.0.1' } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: { code: 'SHUTTING_DOWN', message: 'the server is shutting down', retryable: true } });
    await closed;
  });
});
