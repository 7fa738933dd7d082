/**
 * The SnapshotCache seam: L3 of DESIGN.md section 7, a compacted snapshot per hot doc shared by every node,
 * so a node that never loaded a doc serves its joins without replaying it from the Store. Two
 * implementations (Redis via `ioredis`, in-process) run one contract suite, test/contract/snapshot-cache.contract.ts.
 *
 * The cache is an optimization, never the record: a snapshot is only trusted after the load checked it
 * against the Store (same epoch, the Store's head at or past its version; room/shared-loads.ts), and every
 * failure of the cache (down, slow, evicted) turns into a Store load. Keys carry the tenant.
 *
 * The load lease lets one node per doc load from the Store while the others wait for its snapshot:
 *
 *   get ── hit ─► check against the Store ─► room
 *      └─ miss ─► lease ── taken ─► Store load ─► put ─► release
 *                      └─ held elsewhere ─► probe until cached (get) or the lease is gone / the wait ends ─► Store load
 */
import type { YClientOwners } from '../store/store.js';

export interface CachedSnapshot {
  /** The snapshot holds every update of the doc with version ≤ this. */
  version: number;
  /** Store.epoch() of the database the state came from (L3): another epoch's snapshot is never used. */
  epoch: string;
  state: Uint8Array;
  /** The Yjs client owners as of `version` (room/yclient-owners.ts), since the rows before it are not replayed. */
  owners: YClientOwners;
}

/** stored: it is the cached snapshot now; kept: the cache holds a newer one of the same epoch; too_big: over the size cap. */
export type PutResult = 'stored' | 'kept' | 'too_big';

export interface SnapshotLease {
  /** Extends the lease to `ttlMs` from now if it is still this holder's; false if it expired (and may be another's). */
  renew(ttlMs: number): Promise<boolean>;
  /** Gives the lease back if it is still this holder's (it may have expired and been taken); never rejects. */
  release(): Promise<void>;
}

export interface SnapshotCache {
  readonly kind: 'redis' | 'memory';
  /** The cached snapshot of the doc, if any; reading it renews its time to live. */
  get(tenant: string, doc: string): Promise<CachedSnapshot | null>;
  /**
   * Caches the snapshot unless the cache holds a newer one of the same epoch, or its state is over the
   * size cap (then nothing is cached for the doc). A snapshot of another epoch is replaced.
   */
  put(tenant: string, doc: string, snapshot: CachedSnapshot): Promise<PutResult>;
  /** Forgets the doc's snapshot (a deleted doc). */
  delete(tenant: string, doc: string): Promise<void>;
  /** Forgets the snapshot of every doc of the space (a deleted space). */
  deleteSpace(tenant: string, space: string): Promise<void>;
  /**
   * The doc's load lease for `ttlMs`, or null when another holder has it (only one node loads from the
   * Store). A holder renews it while it loads, so it expires `ttlMs` after the holder died.
   */
  lease(tenant: string, doc: string, ttlMs: number): Promise<SnapshotLease | null>;
  /** What a node waiting for another's load checks: is a snapshot cached, is the lease still held. */
  probe(tenant: string, doc: string): Promise<{ cached: boolean; leased: boolean }>;
  /** Resolves if the cache can serve now. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
