export { buildServer, type ServerDeps, type CairnServer } from './build-server.js';
export { createSyncNode, type SyncNode, type SyncNodeOptions } from './sync-node.js';
export { readConfig, type ServerConfig } from './config.js';
export type { Store, CommitRequest, CommitOutcome, UpdateRecord, DocSnapshot, TenantUsage } from './store/store.js';
export type { QuotaLimits } from './commit/tenant-quotas.js';
export { createMemoryStore } from './store/memory-store.js';
export { createPgStore, type PgStoreOptions } from './store/pg-store.js';
export { createPgliteStore, type PgliteStore, type PgliteStoreOptions } from './store/pglite-store.js';
export type { Bus, BusHandler } from './bus/bus.js';
export { createMemoryBus, createMemoryBusHub, type MemoryBusHub, type MemoryBusHubOptions } from './bus/memory-bus.js';
export { createRedisBus, type RedisBusOptions } from './bus/redis-bus.js';
export type { SnapshotCache, CachedSnapshot, PutResult, SnapshotLease } from './cache/snapshot-cache.js';
export { createMemorySnapshotCache, type MemorySnapshotCacheOptions } from './cache/memory-snapshot-cache.js';
export { createRedisSnapshotCache, type RedisSnapshotCacheOptions } from './cache/redis-snapshot-cache.js';
export type { Principal, SpaceAccess } from './auth/principal.js';
export { canRead, canWrite } from './auth/access.js';
export { createTokenVerifier, issueToken, type TokenVerifier, type IssueTokenOptions } from './auth/tokens.js';
export type { SessionLimits } from './session/context.js';
// The anchor read model (readmodel/).
export type {
  AnchorStore, AnchorRecord, AnchorQuery, CellChange, MetaChange, ApplyOutcome, QueryOptions, PurgeCandidate, PurgeCutoffs, PurgeCursor,
} from './readmodel/anchor-store.js';
export { createReadModelUpdater, type ReadModelUpdater, type ReadModelOptions, type ReadModelObserver } from './readmodel/updater.js';
export { anchorRoutes, type AnchorRoutesOptions } from './http/anchors-routes.js';
export { historyRoutes, type HistoryRoutesOptions } from './http/history-routes.js';
export { registerRestLimits, DEFAULT_REST_LIMITS, type RestLimiter, type RestLimitSettings, type RestCost } from './http/rest-limits.js';
export type { Reverter, RevertRecord, RevertedDoc } from './history/reverter.js';
export type { Purger, PurgeRecord, PurgeSummary } from './purge/purger.js';
export type { HistoryTarget } from './history/history-target.js';
export type { ChangeRecord } from './store/store.js';
export type { MemoryStoreOptions } from './store/memory-store.js';
// L4: the audit trail (node.audit.record for new stages; Store.queryAudit behind GET /v1/admin/audit).
export { AUDIT_ACTIONS, type AuditAction, type AuditOutcome, type AuditEvent, type AuditRow, type AuditRecord, type AuditQuery, type AuditPage, type AuditCursor } from './audit/audit-event.js';
export type { AuditLog, AuditLogOptions, AuditObserver } from './audit/audit-log.js';
export { auditRoutes, type AuditRoutesOptions } from './http/audit-routes.js';
export { createAdminCheck, type AdminScope, type AdminCheckOptions } from './auth/admin.js';
// Types the exported signatures above name, so an app can spell them.
export type { AllowedHosts } from './http/host-allowlist.js';
export type { TlsFiles } from './http/tls-files.js';
export type { BusErrorReporter } from './bus/handler-registry.js';
export type { BusFilter, BusScheduler } from './bus/memory-bus.js';
export type { Logger } from './log/logger.js';
export { createMetrics, type Metrics } from './metrics/metrics.js';
export type { QuarantineRecord, YClientOwners } from './store/store.js';
// L2: deleting docs and spaces (deletion/; node.deletions, node.docPurger, REST in http/deletion-routes.ts).
export type { DeletionRecord } from './store/store.js';
export type { Deletions } from './deletion/deletions.js';
export type { DocPurger, DocPurgeReport } from './deletion/doc-purger.js';
