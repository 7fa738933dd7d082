/**
 * S7 on the REST API (http/rest-limits.ts), in one process (buildServer, memory Store, Fastify's inject):
 * refused tokens past an address's budget are answered 429 with no audit row while valid tokens from the
 * same address still pass, the per-principal budgets are separate for
 * queries and history, one principal's flood leaves another's budget whole, and the node's history replay
 * slots refuse one more replay with OVERLOADED while the others are held.
 */
import { describe, expect, it } from 'vitest';
import { buildServer, createMemoryBus, createMemoryStore, type Store } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';

const DOC = '/v1/spaces/site/docs/cell%2Fu09tunq';

async function setup(restLimits: Record<string, number>, store: Store = createMemoryStore()) {
  const server = await buildServer({ store, bus: createMemoryBus(), verify: testVerify, restLimits });
  const call = (url: string, token: string | null, ip = '10.0.0.1') =>
    server.app.inject({ method: 'GET', url, remoteAddress: ip, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { server, call };
}

async function statuses(n: number, send: () => Promise<{ statusCode: number }>) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send()).statusCode);
  return out;
}

describe('REST rate limits (S7)', () => {
  it('S7, L4: refused tokens past an address\'s budget are 429 RATE_LIMITED with Retry-After and no audit row; valid tokens from it still pass', async () => {
    const inner = createMemoryStore();
    // Open after the server closes (which flushes its audit log), to read the rows back.
    const store: Store = { ...inner, kind: inner.kind, close: async () => {} };
    const { server, call } = await setup({ refusalsPerAddress: 3 }, store);
    // Valid requests from the address spend nothing of it.
    expect(await statuses(5, () => call('/v1/spaces/site/anchors?cell=u09tunq', 'writer'))).toEqual([200, 200, 200, 200, 200]);
    const codes = await statuses(5, () => call('/v1/spaces/site/anchors?cell=u09tunq', 'no-such-token'));
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    expect((await call('/v1/admin/audit', 'no-such-token')).statusCode).toBe(429);
    // Users behind the same proxy or NAT are not locked out by the flood.
    expect((await call('/v1/spaces/site/anchors?cell=u09tunq', 'writer')).statusCode).toBe(200);
    const refused = await call('/v1/spaces/site/anchors?cell=u09tunq', 'no-such-token');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED', retryable: true } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another address is untouched.
    expect((await call('/v1/spaces/site/anchors?cell=u09tunq', 'no-such-token', '10.0.0.2')).statusCode).toBe(401);
    await server.close(); // flushes the audit log
    const refusals = await store.queryAudit({ action: 'auth.refused', limit: 100 });
    // Three from 10.0.0.1 within its budget, one from 10.0.0.2 (equal events of a flush window share a row).
    expect(refusals.rows.reduce((n, r) => n + r.count, 0)).toBe(4);
  });

  it('S7: history requests spend their own, smaller budget per principal; queries and other principals keep theirs', async () => {
    const { server, call } = await setup({ historyPerPrincipal: 2, perPrincipal: 100 });
    // Three addresses: the budget follows the token, not the address.
    expect((await call(`${DOC}/changes`, 'writer', '10.0.0.1')).statusCode).toBe(200);
    expect((await call(`${DOC}/changes`, 'writer', '10.0.0.2')).statusCode).toBe(200);
    const third = await call('/v1/spaces/site/anchors?cell=u09tunq&at=2026-01-01T00:00:00Z', 'writer', '10.0.0.3');
    expect([third.statusCode, third.json().error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(third.json().error.message).toMatch(/2 history requests for this token per minute/);
    // The same principal's plain queries, and another principal's history reads, still pass.
    expect((await call('/v1/spaces/site/anchors?cell=u09tunq', 'writer')).statusCode).toBe(200);
    expect((await call(`${DOC}/changes`, 'reader')).statusCode).toBe(200);
    await server.close();
  });

  it('S7: a flood of queries from one principal is refused at its budget, not before', async () => {
    const { server, call } = await setup({ perPrincipal: 5 });
    const codes = await statuses(7, () => call('/v1/spaces/site/anchors?cell=u09tunq', 'reader'));
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    await server.close();
  });

  it('S7: with every history slot replaying, one more history request is 503 OVERLOADED at once; a slot freed is usable again', async () => {
    const inner = createMemoryStore();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered = 0;
    const store: Store = {
      ...inner,
      kind: inner.kind,
      async listChanges(...args) {
        entered++;
        await held;
        return inner.listChanges(...args);
      },
    };
    const { server, call } = await setup({ historyInFlight: 2 }, store);
    const slow = [call(`${DOC}/changes`, 'writer'), call(`${DOC}/changes`, 'reader')];
    while (entered < 2) await new Promise((r) => setTimeout(r, 5));
    const refused = await call(`${DOC}/changes`, 'writer', '10.0.0.9');
    expect([refused.statusCode, refused.json().error.code, refused.headers['retry-after']]).toEqual([503, 'OVERLOADED', '1']);
    // A plain query takes no slot.
    expect((await call('/v1/spaces/site/anchors?cell=u09tunq', 'writer')).statusCode).toBe(200);
    release();
    expect((await Promise.all(slow)).map((r) => r.statusCode)).toEqual([200, 200]);
    expect((await call(`${DOC}/changes`, 'writer')).statusCode).toBe(200);
    await server.close();
  });
});
