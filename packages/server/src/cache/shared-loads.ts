/**
 * Room loads through L3 (DESIGN.md section 7): what a room starts from when this node does not hold the doc.
 *
 *   find ─► get ── hit, same epoch ─────────────────────────────► { cached }  ─► check ─► snapshot + rows after it
 *        │     └─ other epoch: discarded ─┐                                          └─ Store head below it, rows
 *        └─ miss ─► lease ── taken ───────┴──────────────────────► { lease }       trimmed: null ─► Store load
 *                        └─ held elsewhere ─► probe every pollMs ─ cached ─► get (as above)
 *                                                                └ lease gone, or waitMs over ─► { } ─► Store load
 *
 * A Store load then `share`s its state (and each snapshot the room writes later), and releases the lease,
 * so the nodes waiting on it take the snapshot instead of loading too: one Store load per doc, not per
 * node. Every error of the cache is a miss (L3 is an optimization, never a dependency of correctness); a
 * wait never outlasts `waitMs`.
 *
 * Safety (M1, L3): a cached state at version v plus the Store's rows after v equals the Store's replay only
 * if the Store still has the history the state came from. So a snapshot is used only when its epoch is the
 * Store's (a restore or an import gets a new epoch) and the Store's head is at or past v (a restore to an
 * earlier point, before its new epoch, can leave Redis with a future Postgres no longer has). Deleted docs
 * are refused by every load before it starts (rooms.ts `refuse`), and their snapshots are forgotten.
 */
import type { DocSnapshot, Store, UpdateRecord } from '../store/store.js';
import { isCairnError } from '@cairn/shared';
import type { CachedSnapshot, PutResult, SnapshotCache, SnapshotLease } from './snapshot-cache.js';

export interface SharedLoadsObserver {
  /** A cached snapshot that was not used: another epoch, ahead of the Store's head, or rows after it trimmed. */
  discarded(reason: 'epoch' | 'ahead' | 'trimmed'): void;
  /** How a wait for another node's load ended. */
  waited(outcome: 'snapshot' | 'lease_gone' | 'timeout'): void;
  put(result: PutResult | 'error'): void;
}

export interface SharedLoadsOptions {
  cache: SnapshotCache;
  store: Pick<Store, 'headVersion' | 'epoch' | 'loadUpdates'>;
  /**
   * How long a node's load lease lasts without renewal (CAIRN_L3_LEASE_MS; default 30 s): the holder renews
   * it every third of that while it loads, so a dead holder blocks the others at most this long. Renewal
   * is a timer on the loader's event loop, which a big doc's apply blocks for seconds on a busy machine
   * (bench/join-storm.mjs, 100k anchors at load average 10: a 10 s lease expired mid-load and both nodes
   * loaded from Postgres), hence a lease far longer than a load should take.
   */
  leaseMs?: number;
  /** Longest wait for another node's load, even a live one, before loading from the Store (default 2 × leaseMs). */
  waitMs?: number;
  /** Between probes while waiting (default 25 ms). */
  pollMs?: number;
  observer?: SharedLoadsObserver;
  onError?: (err: unknown) => void;
}

/** Where a room load starts: a cached snapshot to check, or the Store (with the lease if this node holds it). */
export interface Found {
  cached: CachedSnapshot | null;
  lease: SnapshotLease | null;
  /** The Store's epoch before the load: the epoch of every snapshot this room shares. */
  epoch: string;
}

export interface SharedLoads {
  find(tenant: string, doc: string, signal?: AbortSignal): Promise<Found>;
  /** The cached snapshot and the Store's rows after it, or null if the snapshot must not be used (see the header). */
  check(tenant: string, doc: string, cached: CachedSnapshot): Promise<{ snapshot: DocSnapshot; rows: UpdateRecord[] } | null>;
  /** Puts the room's state in the cache, off the caller's path; never rejects. */
  share(tenant: string, doc: string, epoch: string, snapshot: DocSnapshot): Promise<void>;
  /** A deleted doc or space: its snapshots go (every node hears the delete and does this; it is idempotent). */
  forget(tenant: string, space: string, doc: string | null): void;
}

export function createSharedLoads(opts: SharedLoadsOptions): SharedLoads {
  const { cache, store, observer } = opts;
  const leaseMs = opts.leaseMs ?? 30_000;
  const waitMs = opts.waitMs ?? 2 * leaseMs;
  const pollMs = opts.pollMs ?? 25;
  const report = (err: unknown) => opts.onError?.(err);
  /** A cache call that fails is a miss. */
  const soft = <T>(p: Promise<T>, fallback: T): Promise<T> => p.catch((err: unknown) => (report(err), fallback));

  async function cachedOf(tenant: string, doc: string, epoch: string): Promise<CachedSnapshot | null> {
    const cached = await soft(cache.get(tenant, doc), null);
    if (cached && cached.epoch !== epoch) {
      observer?.discarded('epoch');
      return null;
    }
    return cached;
  }

  async function wait(tenant: string, doc: string, epoch: string, signal: AbortSignal | undefined): Promise<CachedSnapshot | null> {
    const until = performance.now() + waitMs;
    while (performance.now() < until) {
      await sleep(pollMs, signal);
      const p = await soft(cache.probe(tenant, doc), { cached: false, leased: false });
      if (p.cached) {
        observer?.waited('snapshot');
        return cachedOf(tenant, doc, epoch);
      }
      if (!p.leased) {
        observer?.waited('lease_gone'); // the holder failed, died, or its doc is over the size cap
        return null;
      }
    }
    observer?.waited('timeout');
    return null;
  }

  /** The lease, renewed every third of leaseMs until released: a slow load (a busy node, a big doc) keeps it. */
  function renewed(lease: SnapshotLease): SnapshotLease {
    const timer = setInterval(() => {
      lease.renew(leaseMs).then((held) => {
        if (!held) clearInterval(timer); // expired (a stall longer than leaseMs): the waiters load themselves
      }, report);
    }, Math.max(1, Math.floor(leaseMs / 3)));
    timer.unref?.();
    return {
      renew: (ms) => lease.renew(ms),
      release() {
        clearInterval(timer);
        return lease.release();
      },
    };
  }

  return {
    async find(tenant, doc, signal) {
      const failed = Symbol('failed');
      const [epoch, first] = await Promise.all([store.epoch(), soft<CachedSnapshot | null | typeof failed>(cache.get(tenant, doc), failed)]);
      // The cache failed (down, or slower than its command timeout): straight to the Store, no lease, no
      // wait, so an outage costs a join at most one command timeout.
      if (first === failed) return { cached: null, lease: null, epoch };
      let cached = first;
      if (cached && cached.epoch !== epoch) {
        observer?.discarded('epoch');
        cached = null;
      }
      if (cached) return { cached, lease: null, epoch };
      const lease = await soft<SnapshotLease | null | typeof failed>(cache.lease(tenant, doc, leaseMs), failed);
      if (lease === failed) return { cached: null, lease: null, epoch };
      if (lease) return { cached: null, lease: renewed(lease), epoch };
      return { cached: await wait(tenant, doc, epoch, signal), lease: null, epoch };
    },
    async check(tenant, doc, cached) {
      let rows: UpdateRecord[];
      let head: number;
      let epoch: string;
      try {
        [head, epoch, rows] = await Promise.all([store.headVersion(tenant, doc), store.epoch(), store.loadUpdates(tenant, doc, cached.version)]);
      } catch (err) {
        if (!isCairnError(err) || err.code !== 'HISTORY_TRIMMED') throw err;
        observer?.discarded('trimmed'); // compaction trimmed rows right after it: start from the Store's own snapshot
        return null;
      }
      if (epoch !== cached.epoch) {
        observer?.discarded('epoch');
        return null;
      }
      if (head < cached.version) {
        observer?.discarded('ahead');
        return null;
      }
      return { snapshot: { version: cached.version, state: cached.state, owners: cached.owners }, rows };
    },
    async share(tenant, doc, epoch, snapshot) {
      try {
        observer?.put(await cache.put(tenant, doc, { version: snapshot.version, epoch, state: snapshot.state, owners: snapshot.owners ?? new Map() }));
      } catch (err) {
        observer?.put('error');
        report(err);
      }
    },
    forget(tenant, space, doc) {
      void (doc === null ? cache.deleteSpace(tenant, space) : cache.delete(tenant, doc)).catch(report);
    },
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
