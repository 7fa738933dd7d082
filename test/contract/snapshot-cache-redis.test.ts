import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisSnapshotCache } from '../../packages/server/src/cache/redis-snapshot-cache.js';
import { describeSnapshotCacheContract } from './snapshot-cache.contract.js';
import { startTcpProxy } from './bus-tcp-proxy.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const REDIS_URL = `redis://${REDIS.host}:${REDIS.port}`;
/** Unique per run, so parallel test files and earlier runs never share a key. */
const RUN = `cairn-test-l3-${process.pid}-${randomBytes(4).toString('hex')}`;
let runs = 0;

let admin: Redis;
beforeAll(async () => {
  admin = new Redis(REDIS_URL, { lazyConnect: true });
  await admin.connect();
});
afterAll(async () => {
  const keys = await admin.keys(`${RUN}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

describeSnapshotCacheContract('redis', async (opts) => {
  const prefix = `${RUN}:${++runs}:`;
  const a = await createRedisSnapshotCache({ url: REDIS_URL, prefix, ...opts });
  const b = await createRedisSnapshotCache({ url: REDIS_URL, prefix, ...opts });
  return { a, b, dispose: async () => { await Promise.all([a.close(), b.close()]); } };
});

describe('redis snapshot cache', () => {
  const snapshot = { version: 1, epoch: 'e', state: new Uint8Array([1]), owners: new Map<number, string>() };

  it('S5: keys carry the deployment prefix and the tenant; another prefix sees nothing', async () => {
    const prefix = `${RUN}:keys:`;
    const a = await createRedisSnapshotCache({ url: REDIS_URL, prefix });
    const other = await createRedisSnapshotCache({ url: REDIS_URL, prefix: `${RUN}:other:` });
    try {
      await a.put('acme corp', 'space/doc', snapshot);
      expect(await admin.keys(`${prefix}*`)).toEqual([`${prefix}l3:acme%20corp:space/doc`]);
      expect(await other.get('acme corp', 'space/doc')).toBeNull();
    } finally {
      await Promise.all([a.close(), other.close()]);
    }
  });

  it('L3: with Redis unreachable every call rejects at once instead of queueing (the load goes to the Store)', async () => {
    const proxy = await startTcpProxy(REDIS);
    const cache = await createRedisSnapshotCache({ url: proxy.url, prefix: `${RUN}:down:`, commandTimeoutMs: 1000 });
    try {
      await cache.put('t', 's/d', snapshot);
      proxy.cut();
      await new Promise((r) => setTimeout(r, 50));
      const started = performance.now();
      await expect(cache.get('t', 's/d')).rejects.toThrow();
      await expect(cache.lease('t', 's/d', 1000)).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(2500);
    } finally {
      await cache.close();
      await proxy.close();
    }
  });
});
