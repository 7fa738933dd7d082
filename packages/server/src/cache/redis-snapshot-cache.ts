/**
 * The SnapshotCache on Redis (ioredis 5), shared by every node of a deployment. One connection of its own
 * (the bus' subscriber cannot send commands, and a 20 MB value must not queue behind fan-out publishes).
 *
 * Keys, under the deployment's prefix (CAIRN_REDIS_PREFIX, the bus' own), with the tenant in every key:
 *   <prefix>l3:<tenant>:<doc>        a hash: v (version), e (epoch), s (state bytes), o (owners, store/snapshot-owners.ts)
 *   <prefix>l3-lease:<tenant>:<doc>  the load lease: a random token, SET NX PX
 * The tenant is URI-encoded, so it holds no ':' and no tenant's keys are a prefix of another's.
 *
 * As the bus does, the connection never queues a command while it is down (`enableOfflineQueue: false`) and
 * every command has a timeout: a dead or slow Redis makes a lookup fail fast, and the load goes to the Store.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { decodeSnapshotOwners, encodeSnapshotOwners } from '../store/snapshot-owners.js';
import { reconnectDelayMs } from '../bus/redis-bus.js';
import type { CachedSnapshot, PutResult, SnapshotCache } from './snapshot-cache.js';

export interface RedisSnapshotCacheOptions {
  url: string;
  /** Prepended to every key; the bus' prefix (CAIRN_REDIS_PREFIX). Default `cairn:`. */
  prefix?: string;
  /** How long a snapshot stays after its last put or get (CAIRN_L3_TTL_S). Default one hour. */
  ttlMs?: number;
  /** States larger than this are not cached (CAIRN_L3_MAX_BYTES). Default 64 MiB. */
  maxBytes?: number;
  /**
   * A command without a reply after this long rejects, and the load goes to the Store. Default 2000: a
   * 20 MB value takes ~50 ms on one host; a black-holed Redis must not hold a join for long.
   */
  commandTimeoutMs?: number;
  connectionName?: string;
  onError?: (err: unknown) => void;
}

// Newer-wins within an epoch, in one step: two nodes putting the same doc at once keep the newer state.
const PUT = `
local cur = redis.call('HMGET', KEYS[1], 'v', 'e')
if cur[1] and cur[2] == ARGV[2] and tonumber(cur[1]) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'e', ARGV[2], 's', ARGV[3], 'o', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

type CacheRedis = Redis & {
  cairnL3Put(key: string, version: string, epoch: string, state: Buffer, owners: Buffer, ttlMs: string): Promise<number>;
  cairnL3Release(key: string, token: string): Promise<number>;
  cairnL3Renew(key: string, token: string, ttlMs: string): Promise<number>;
};

/** Redis glob metacharacters in a key part matched literally by SCAN MATCH. */
const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** Connects; rejects (and leaves nothing open) if Redis cannot be reached at start. */
export async function createRedisSnapshotCache(opts: RedisSnapshotCacheOptions): Promise<SnapshotCache> {
  const prefix = opts.prefix ?? 'cairn:';
  const ttlMs = opts.ttlMs ?? 3_600_000;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: opts.commandTimeoutMs ?? 2000,
    connectionName: opts.connectionName ?? 'cairn:l3',
    enableAutoPipelining: true,
    retryStrategy: reconnectDelayMs,
  }) as CacheRedis;
  redis.on('error', opts.onError ?? (() => undefined));
  redis.defineCommand('cairnL3Put', { numberOfKeys: 1, lua: PUT });
  redis.defineCommand('cairnL3Release', { numberOfKeys: 1, lua: RELEASE });
  redis.defineCommand('cairnL3Renew', { numberOfKeys: 1, lua: RENEW });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error('cannot connect to Redis', { cause: err });
  }
  const part = (tenant: string) => encodeURIComponent(tenant);
  const key = (tenant: string, doc: string) => `${prefix}l3:${part(tenant)}:${doc}`;
  const leaseKey = (tenant: string, doc: string) => `${prefix}l3-lease:${part(tenant)}:${doc}`;

  return {
    kind: 'redis',
    async get(tenant, doc) {
      const k = key(tenant, doc);
      const [[v, e, s, o]] = await Promise.all([redis.hmgetBuffer(k, 'v', 'e', 's', 'o'), redis.pexpire(k, ttlMs)]);
      if (!v || !e || !s || !o) return null;
      const snapshot: CachedSnapshot = {
        version: Number(v.toString()),
        epoch: e.toString(),
        // A copy as a plain Uint8Array: the parser's Buffer may be a view into a larger chunk it keeps.
        state: new Uint8Array(s),
        owners: decodeSnapshotOwners(o),
      };
      return snapshot;
    },
    async put(tenant, doc, snapshot): Promise<PutResult> {
      const k = key(tenant, doc);
      if (snapshot.state.byteLength > maxBytes) {
        await redis.del(k); // an older, smaller state of the doc must not outlive the one that no longer fits
        return 'too_big';
      }
      const stored = await redis.cairnL3Put(k, String(snapshot.version), snapshot.epoch, buf(snapshot.state), buf(encodeSnapshotOwners(snapshot.owners)), String(ttlMs));
      return stored === 1 ? 'stored' : 'kept';
    },
    async delete(tenant, doc) {
      await redis.del(key(tenant, doc));
    },
    async deleteSpace(tenant, space) {
      // Rare (a space delete): a SCAN over the keyspace, in batches, never a KEYS that blocks Redis.
      const match = `${globEscape(`${prefix}l3:${part(tenant)}:${space}/`)}*`;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    },
    async lease(tenant, doc, leaseMs) {
      const k = leaseKey(tenant, doc);
      const token = randomUUID();
      if ((await redis.set(k, token, 'PX', leaseMs, 'NX')) !== 'OK') return null;
      return {
        async renew(ms) {
          return (await redis.cairnL3Renew(k, token, String(ms))) === 1;
        },
        async release() {
          await redis.cairnL3Release(k, token).catch(() => undefined); // it expires by itself
        },
      };
    },
    async probe(tenant, doc) {
      const [cached, leased] = await Promise.all([redis.exists(key(tenant, doc)), redis.exists(leaseKey(tenant, doc))]);
      return { cached: cached === 1, leased: leased === 1 };
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      if (redis.status === 'end') return;
      const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
      await Promise.race([ended, new Promise((r) => setTimeout(r, 1000).unref())]);
    },
  };
}
