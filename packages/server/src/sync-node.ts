/**
 * The sync core of one server node, with no HTTP: rooms, group commit, fan-out and sessions wired to the
 * Store and Bus seams. buildServer() puts Fastify and ws in front of it; simulations drive it directly
 * through in-memory sockets.
 */
import { DEFAULT_LIMITS, newClientId, type SessionAcceptor, type SessionHandle, type SessionSocket } from '@cairn/shared';
import type { Bus } from './bus/bus.js';
import type { Store } from './store/store.js';
import type { Principal } from './auth/principal.js';
import { createClientBinding } from './auth/client-binding.js';
import { createCommitPath } from './commit/commit-path.js';
import { createGroupCommit } from './commit/group-commit.js';
import { createTenantQuotas, type QuotaLimits } from './commit/tenant-quotas.js';
import { createFanout } from './fanout/fanout.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { createRooms, type Rooms } from './room/rooms.js';
import type { LiveSession, SessionContext, SessionLimits } from './session/context.js';
import type { Logger } from './log/logger.js';
import { createNativeSession } from './session/native-session.js';
import { createYWebsocketSession } from './session/y-websocket-session.js';
import { guardSession } from './session/socket-guard.js';
import { createRateLimitedLog } from './log/rate-limited-log.js';
import { reportTurnEndErrors } from './turn-end.js';
import { createReadModelUpdater, type ReadModelUpdater } from './readmodel/updater.js';
import { createReverter, type RevertRecord, type Reverter } from './history/reverter.js';
import { createAuditLog, type AuditLog, type AuditLogOptions } from './audit/audit-log.js';
import { auditCommits } from './audit/audited-commits.js';
import { createAuditRetention } from './audit/audit-retention.js';
import { createPurger, type Purger } from './purge/purger.js';
import { PURGE_SUBJECT } from './purge/purge-update.js';
import { createDeletions, type Deletions } from './deletion/deletions.js';
import { createDocPurger, type DocPurger } from './deletion/doc-purger.js';
import { createCompaction, type Compaction } from './compact/compaction.js';
import { createEpochCache } from './session/epoch-cache.js';
import type { SnapshotCache } from './cache/snapshot-cache.js';
import { createSharedLoads } from './cache/shared-loads.js';

export interface SyncNodeOptions {
  store: Store;
  bus: Bus;
  verify: (token: string) => Promise<Principal>;
  nodeId?: string;
  limits?: Partial<SessionLimits>;
  log?: Logger;
  metrics?: Metrics;
  maxIdleRooms?: number;
  /** Versions after a doc's snapshot before a room writes a new one (default 1,000; room/room.ts). */
  snapshotMinUpdates?: number;
  /** Per-tenant quotas (commit/tenant-quotas.ts); none by default. */
  quotas?: QuotaLimits;
  /** Room loads running at once on this node (default 5: half the default Postgres pool) and waiting (default 1000, then OVERLOADED). */
  maxConcurrentLoads?: number;
  maxQueuedLoads?: number;
  maxBatch?: number;
  /** Commit batches at the Store at once (commit/group-commit.ts; default 1). */
  commitsInFlight?: number;
  /** Pushes that may wait for a commit before more are refused with OVERLOADED (default: no count bound). */
  maxQueuedCommits?: number;
  /** Update bytes that may wait for a commit before more pushes are refused with OVERLOADED (default 64 MiB). */
  maxQueuedCommitBytes?: number;
  /** L2, L4: told of every revert once it committed (history/reverter.ts); a throw is logged, never undoes it. */
  onRevert?: (record: RevertRecord) => void;
  /** L4: the audit log's batching (audit/audit-log.ts) and, if set, days audit rows are kept (else forever). */
  audit?: Partial<Pick<AuditLogOptions, 'flushMs' | 'maxBatch' | 'maxQueued' | 'closeTimeoutMs'>> & { retentionDays?: number };
  /**
   * The purge of expired and deleted anchors (purge/purger.ts): days of grace (default 30) and of keeping
   * tombstones (default 365, 0: forever), and seconds between passes (absent or 0: only `node.purger.pass()`).
   */
  purge?: { graceDays?: number; keepDays?: number; intervalS?: number };
  /** L2: days a deleted doc or space can be restored before its hard purge (CAIRN_DELETE_GRACE_DAYS). Default 30. */
  deleteGraceDays?: number;
  /**
   * L2: how often this node purges deletions past their grace. Default 0: never here (tests and embedders
   * run `node.docPurger.run()`); `cairn-server` passes one hour (start-node.ts).
   */
  purgeIntervalMs?: number;
  /** The history window (compact/): log rows older than `days` are trimmed every `intervalMs`. Absent: never. */
  compaction?: { days: number; intervalMs: number };
  /** L3 (DESIGN.md section 7): the snapshot cache the nodes share, and its load lease; absent: no L3. */
  cache?: SnapshotCache;
  cacheLeaseMs?: number;
}

export interface SyncNode {
  readonly nodeId: string;
  readonly rooms: Rooms;
  readonly metrics: Metrics;
  readonly limits: SessionLimits;
  /** Keeps the anchor read model up to date from this node's commits. */
  readonly readModel: ReadModelUpdater;
  /** L2: reverts of docs, spaces and anchors, committed through this node's commit path. */
  readonly reverter: Reverter;
  /** Issue 13: purges expired anchors and old tombstones from cell docs, on a timer or on `pass(now)`. */
  readonly purger: Purger;
  /** Compaction of the log below the history window, if configured (compact/compaction.ts). */
  readonly compaction: Compaction | null;
  /** L4: records audit events (`audit.record({ action: 'revert', ... })`); written in batches off the commit path. */
  readonly audit: AuditLog;
  /** L2: deletes and restores of docs and spaces, and the check every room load and REST read makes. */
  readonly deletions: Deletions;
  /** L2: the hard purge of deleted docs and spaces past their grace period (on a timer; `run()` for one pass now). */
  readonly docPurger: DocPurger;
  acceptNative: SessionAcceptor;
  acceptY(socket: SessionSocket, target: { principal: Principal; doc: string; space: string }): SessionHandle;
  readonly sessions: number;
  /**
   * Graceful stop: refuse new pushes, finish in-flight commits and send their acks, then close every
   * session (SHUTTING_DOWN, retryable) and release the rooms. Store and Bus stay open (the caller owns them).
   */
  shutdown(): Promise<void>;
}

const silentLog: Logger = { info() {}, warn() {}, error() {} };

export function createSyncNode(opts: SyncNodeOptions): SyncNode {
  const nodeId = opts.nodeId ?? `node-${newClientId().slice(0, 12)}`;
  const limits: SessionLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  // Sockets can make the node log (failed loads, bad frames): repeated lines are held back, not written 30,000 times.
  const log = createRateLimitedLog(opts.log ?? silentLog);
  const metrics = opts.metrics ?? createMetrics();
  const onError = (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'background error');
  const stopReportingTurnEnd = reportTurnEndErrors((err) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'turn-end step failed (a bug); the node goes on'));
  const fanout = createFanout({ bus: opts.bus, nodeId, observer: metrics.fanoutObserver, onError });
  // C4: a quarantined row is counted and logged once, by the node that recorded it.
  const roomsObserver: typeof metrics.roomsObserver = {
    ...metrics.roomsObserver,
    quarantined(tenant, doc, version, reason) {
      metrics.roomsObserver.quarantined?.(tenant, doc, version, reason);
      log.warn({ tenant, doc, version, reason }, 'update quarantined: it does not apply, its doc loads without it (npm run quarantine -- list)');
    },
  };
  const shared = opts.cache ? createSharedLoads({
    cache: opts.cache, store: opts.store, observer: metrics.sharedLoadsObserver, onError,
    ...(opts.cacheLeaseMs !== undefined ? { leaseMs: opts.cacheLeaseMs } : {}),
  }) : null;
  // L2: every room load asks the deletion record first (a node that missed a delete's bus message still refuses).
  const rooms: Rooms = createRooms({
    store: opts.store, fanout, observer: roomsObserver, onError, refuse: (tenant, doc) => deletions.check(tenant, doc),
    ...(shared ? { shared } : {}),
    poseLimits: { timeoutMs: limits.presenceTimeoutMs, limits: { maxPresenceAppStateBytes: limits.maxPresenceAppStateBytes, maxPresenceDepth: limits.maxPresenceDepth } },
    ...(opts.maxIdleRooms !== undefined ? { maxIdle: opts.maxIdleRooms } : {}),
    ...(opts.snapshotMinUpdates !== undefined ? { snapshotMinUpdates: opts.snapshotMinUpdates } : {}),
    ...(opts.maxConcurrentLoads !== undefined ? { maxConcurrentLoads: opts.maxConcurrentLoads } : {}),
    ...(opts.maxQueuedLoads !== undefined ? { maxQueuedLoads: opts.maxQueuedLoads } : {}),
  });
  const group = createGroupCommit({ store: opts.store, observer: metrics.commitObserver, ...(opts.maxBatch ? { maxBatch: opts.maxBatch } : {}), ...(opts.commitsInFlight ? { maxInFlight: opts.commitsInFlight } : {}), ...(opts.maxQueuedCommits ? { maxQueued: opts.maxQueuedCommits } : {}), ...(opts.maxQueuedCommitBytes ? { maxQueuedBytes: opts.maxQueuedCommitBytes } : {}) });
  const { retentionDays, ...auditOptions } = opts.audit ?? {};
  const audit = createAuditLog({ sink: (rows) => opts.store.appendAudit(rows), node: nodeId, observer: {
    ...metrics.auditObserver,
    failed: (err) => {
      metrics.auditObserver.failed?.(err);
      log.limited('warn', 'audit', { err: err instanceof Error ? err.message : String(err) }, 'audit batch not written');
    },
  }, ...auditOptions });
  const retention = retentionDays ? createAuditRetention({ store: opts.store, days: retentionDays, log, expired: (n) => metrics.auditExpired.inc(n) }) : null;
  const compaction = opts.compaction && opts.compaction.days > 0
    ? createCompaction({ store: opts.store, days: opts.compaction.days, intervalMs: opts.compaction.intervalMs, log, audit: (e) => audit.record(e), trimmed: metrics.trimmed })
    : null;
  const readModel = createReadModelUpdater({ store: opts.store, observer: metrics.readModelObserver, log, quiet: () => commit.quiet() });
  const quotas = createTenantQuotas({ store: opts.store, limits: opts.quotas ?? {} });
  const commit = createCommitPath({ group: auditCommits(group, audit), rooms, fanout, metrics, readModel, quotas, ...(opts.maxQueuedCommitBytes ? { maxWaitingBytes: opts.maxQueuedCommitBytes } : {}) });
  const reverter = createReverter({
    store: opts.store, commit,
    onRevert(record) {
      // L2, L4: a committed revert leaves its audit row, with what it changed.
      audit.record({
        action: 'revert', tenant: record.tenant, subject: record.actor, clientId: record.clientId, space: record.space,
        ...(record.scope === 'doc' ? { doc: record.target } : {}),
        detail: { scope: record.scope, target: record.target, to: record.to, docs: record.docs.length },
      });
      try {
        opts.onRevert?.(record);
      } catch (err) {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'onRevert hook failed; the revert is committed');
      }
    },
  });
  const purger = createPurger({
    store: opts.store, commit, log,
    graceDays: opts.purge?.graceDays ?? 30,
    keepDays: opts.purge?.keepDays ?? 365,
    ...(opts.purge?.intervalS ? { intervalS: opts.purge.intervalS } : {}),
    onPurge(record) {
      // L2, L4: each committed purge leaves its audit row and counts its anchors.
      const counts = Object.fromEntries(Object.entries(record.purged).map(([reason, ids]) => [reason, ids.length]));
      for (const [reason, n] of Object.entries(counts)) if (n > 0) metrics.anchorsPurged.inc({ reason }, n);
      audit.record({
        action: 'purge', tenant: record.tenant, subject: PURGE_SUBJECT, clientId: record.clientId, space: record.space, doc: record.doc,
        detail: { version: record.version, bytes: record.bytes, ...counts },
      });
    },
  });
  const deletions = createDeletions({
    store: opts.store, bus: opts.bus, nodeId, graceDays: opts.deleteGraceDays ?? 30, audit, log,
    retire(tenant, space, doc) {
      rooms.retire(tenant, space, doc);
      readModel.forget(tenant, space, doc);
      shared?.forget(tenant, space, doc);
    },
    held: () => rooms.docs(),
  });
  const following = deletions.start().catch(onError);
  const docPurger = createDocPurger({
    store: opts.store, audit, log, onPurged: (record) => deletions.purged(record),
    intervalMs: opts.purgeIntervalMs ?? 0,
  });
  let stopping = false;
  const live = new Set<SessionHandle & LiveSession>();

  const clients = createClientBinding({ store: opts.store });
  const epochs = createEpochCache(opts.store);
  const ctx: SessionContext = {
    nodeId, limits, verify: opts.verify, clients, rooms, commit, quotas, metrics, log, audit, epoch: () => epochs.current(), shuttingDown: () => stopping,
  };

  function track(session: SessionHandle & LiveSession, socket: SessionSocket, endpoint: string): SessionHandle {
    live.add(session);
    return guardSession({
      receive: (data) => session.receive(data),
      closed(code, reason) {
        live.delete(session);
        session.closed(code, reason);
      },
    }, socket, { log, count: () => metrics.rejected.inc({ code: 'INTERNAL' }), endpoint });
  }

  // Heartbeat (O4, server side): a native socket silent for 3 heartbeat intervals is closed.
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const s of live) if (s.lastActivity && now - s.lastActivity() > 3 * limits.heartbeatMs) s.expire?.();
  }, limits.heartbeatMs);
  sweep.unref?.();

  return {
    nodeId,
    rooms,
    metrics,
    limits,
    readModel,
    reverter,
    purger,
    compaction,
    audit,
    deletions,
    docPurger,
    acceptNative: (socket) => track(createNativeSession(ctx, socket), socket, 'native'),
    acceptY: (socket, target) => track(createYWebsocketSession(ctx, socket, target), socket, 'y-websocket'),
    get sessions() {
      return live.size;
    },
    async shutdown() {
      stopping = true;
      clearInterval(sweep);
      await purger.stop();
      await group.close();
      // Let the acks of the last batch (sent on a microtask) go out before the sockets close.
      await new Promise((r) => setTimeout(r, 0));
      for (const s of [...live]) s.shutdown();
      live.clear();
      await docPurger.stop();
      await following;
      await deletions.close();
      await rooms.close();
      // Finish read model runs of the last commits before the caller closes the Store.
      await readModel.close();
      // L4: the last rows (the final writes and disconnects) before the caller closes the Store.
      await retention?.stop();
      await compaction?.stop();
      await audit.close();
      stopReportingTurnEnd();
    },
  };
}
