/**
 * `GET /v1/spaces/:space/anchors` reads its numbers as plain decimals and knows its parameters: a hex,
 * exponent, blank-padded or empty number and an unknown parameter are 400 BAD_REQUEST with the catalog body,
 * not coerced to another number or dropped (readmodel/query-params.ts). Through Fastify, so the route's
 * schema coercion is part of what is checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, createMemoryBus, createMemoryStore, type CairnServer } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';

let server: CairnServer;

beforeAll(async () => {
  server = await buildServer({ store: createMemoryStore(), bus: createMemoryBus(), verify: testVerify });
});

afterAll(async () => {
  await server.close();
});

async function get(query: string) {
  const res = await server.app.inject({ url: `/v1/spaces/site/anchors?${query}`, headers: { authorization: 'Bearer writer' } });
  return { status: res.statusCode, body: res.json() as { anchors?: unknown[]; error?: { code: string; message: string; retryable: boolean } } };
}

describe('REST query strings are read strictly', () => {
  it('S4: numbers that are not plain decimals are 400 BAD_REQUEST, in limit, radius, bbox and near', async () => {
    const bad = [
      'cell=u&limit=0x10', 'cell=u&limit=1e3', 'cell=u&limit=%205', 'cell=u&limit=', 'cell=u&limit=5%20', 'cell=u&limit=Infinity',
      'near=48.85,2.35&radius=0x10', 'near=48.85,2.35&radius=1e3', 'near=48.85,2.35&radius=%2010', 'near=48.85,2.35&radius=',
      'near=48.85,2.35&radius=.5', 'bbox=0x10,2,49,3', 'bbox=48,%202,49,3', 'bbox=4.8e1,2,49,3', 'near=48.85,0x2&radius=10',
    ];
    for (const q of bad) {
      const res = await get(q);
      expect([q, res.status, res.body.error?.code, res.body.error?.retryable]).toEqual([q, 400, 'BAD_REQUEST', false]);
      expect(res.body.anchors).toBeUndefined();
    }
  });

  it('S4: plain decimals with a sign or a fraction are accepted (a raw + in a query string is a blank: %2B)', async () => {
    for (const q of ['cell=u&limit=16', 'cell=u&limit=%2B16', 'near=48.85,2.35&radius=10.5', 'near=%2B48.85,-2.35&radius=%2B10', 'bbox=-48,-2.5,49,3.25']) {
      const res = await get(q);
      expect([q, res.status]).toEqual([q, 200]);
      expect(res.body.anchors).toEqual([]);
    }
  });

  it('S4: an unknown query parameter is 400 BAD_REQUEST naming it, not dropped', async () => {
    for (const [q, name] of [['cell=u&foo=1', 'foo'], ['cell=u&Limit=5', 'Limit'], ['bbox=48,2,49,3&radius_m=5', 'radius_m']] as const) {
      const res = await get(q);
      expect([q, res.status, res.body.error?.code]).toEqual([q, 400, 'BAD_REQUEST']);
      expect(res.body.error?.message).toContain(`"${name}"`);
    }
  });
});
