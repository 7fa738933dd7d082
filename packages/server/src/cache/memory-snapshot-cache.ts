/**
 * The SnapshotCache in process memory, for several sync nodes in one process (tests, simulations): they
 * share one instance as they share a memory bus hub. A single node gets nothing from it (its rooms are
 * already the L2 cache in the same memory), which is why `cairn-server` without REDIS_URL runs with no L3.
 *
 * Time to live and the size cap behave as on Redis; close() does nothing (the other nodes still use it); bytes are shared with the caller, never modified.
 */
import { randomUUID } from 'node:crypto';
import type { CachedSnapshot, SnapshotCache } from './snapshot-cache.js';

export interface MemorySnapshotCacheOptions {
  /** How long a snapshot stays after its last put or get. Default one hour. */
  ttlMs?: number;
  /** States larger than this are not cached. Default 64 MiB. */
  maxBytes?: number;
  now?: () => number;
}

export function createMemorySnapshotCache(opts: MemorySnapshotCacheOptions = {}): SnapshotCache {
  const ttlMs = opts.ttlMs ?? 3_600_000;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const now = opts.now ?? (() => Date.now());
  const snapshots = new Map<string, { snapshot: CachedSnapshot; until: number }>();
  const leases = new Map<string, { token: string; until: number }>();
  const key = (tenant: string, doc: string) => `${tenant}\u0000${doc}`;

  function live<T extends { until: number }>(map: Map<string, T>, k: string): T | undefined {
    const e = map.get(k);
    if (e && e.until <= now()) map.delete(k);
    return e && e.until > now() ? e : undefined;
  }
  const done = () => Promise.resolve();

  return {
    kind: 'memory',
    async get(tenant, doc) {
      const e = live(snapshots, key(tenant, doc));
      if (!e) return null;
      e.until = now() + ttlMs;
      return e.snapshot;
    },
    async put(tenant, doc, snapshot) {
      const k = key(tenant, doc);
      if (snapshot.state.byteLength > maxBytes) {
        snapshots.delete(k); // an older, smaller state of the doc must not outlive the one that no longer fits
        return 'too_big';
      }
      const cur = live(snapshots, k);
      if (cur && cur.snapshot.epoch === snapshot.epoch && cur.snapshot.version > snapshot.version) return 'kept';
      snapshots.set(k, { snapshot, until: now() + ttlMs });
      return 'stored';
    },
    async delete(tenant, doc) {
      snapshots.delete(key(tenant, doc));
    },
    async deleteSpace(tenant, space) {
      const prefix = key(tenant, `${space}/`);
      for (const k of [...snapshots.keys()]) if (k.startsWith(prefix)) snapshots.delete(k);
    },
    async lease(tenant, doc, leaseMs) {
      const k = key(tenant, doc);
      if (live(leases, k)) return null;
      const token = randomUUID();
      leases.set(k, { token, until: now() + leaseMs });
      const mine = () => {
        const l = live(leases, k);
        return l?.token === token ? l : undefined;
      };
      return {
        async renew(ms) {
          const l = mine();
          if (l) l.until = now() + ms;
          return l !== undefined;
        },
        async release() {
          if (mine()) leases.delete(k);
        },
      };
    },
    async probe(tenant, doc) {
      const k = key(tenant, doc);
      return { cached: live(snapshots, k) !== undefined, leased: live(leases, k) !== undefined };
    },
    ping: done,
    // Shared by the nodes of the process: one node closing must not empty it for the others.
    close: done,
  };
}
