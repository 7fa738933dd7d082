/**
 * The composition root of a server node: Fastify in front of the sync core. It only wires; behaviour lives
 * in the stages (session/, commit/, room/, fanout/) and the plugins (http/).
 */
import type { Server as TlsServer } from 'node:tls';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Bus } from './bus/bus.js';
import type { Store } from './store/store.js';
import type { SnapshotCache } from './cache/snapshot-cache.js';
import type { Principal } from './auth/principal.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { createSyncNode, type SyncNode } from './sync-node.js';
import type { QuotaLimits } from './commit/tenant-quotas.js';
import type { SessionLimits } from './session/context.js';
import { clientErrorHandler, createFrameworkErrorHandler, errorBody, registerErrorHandling } from './http/errors.js';
import { createHostCheck, createHostRefusal, registerHostCheck, type AllowedHosts } from './http/host-allowlist.js';
import { registerHealth } from './http/health.js';
import { registerRequestLog } from './http/request-log.js';
import { registerWebSockets } from './http/websocket.js';
import { registerHome } from './http/home.js';
import { registerHsts } from './http/hsts.js';
import { anchorRoutes } from './http/anchors-routes.js';
import { historyRoutes } from './http/history-routes.js';
import { spaceAnchorsAt } from './history/space-anchors-at.js';
import type { RevertRecord } from './history/reverter.js';
import { auditRoutes } from './http/audit-routes.js';
import { registerRestLimits, type RestLimitSettings } from './http/rest-limits.js';
import { deletionRoutes } from './http/deletion-routes.js';
import { createAdminCheck } from './auth/admin.js';
import type { SyncNodeOptions } from './sync-node.js';

export interface ServerDeps {
  store: Store;
  bus: Bus;
  /** Verifies a token into a principal; see auth/tokens.ts for the HS256 verifier and dev mode. */
  verify: (token: string) => Promise<Principal>;
  /** Origins allowed to open sockets besides the server's own; '*' for any (S2). */
  allowedOrigins?: readonly string[] | '*';
  /** Dev mode (no auth secret): loopback origins (localhost, *.localhost, 127.0.0.0/8, [::1]) pass too (S2). Default false. */
  loopbackOrigins?: boolean;
  /** Hosts served besides loopback names, for HTTP and upgrades; '*' for any (S8). Default: loopback only. */
  allowedHosts?: AllowedHosts;
  limits?: Partial<SessionLimits>;
  nodeId?: string;
  /** Fastify logger option: false (default) or pino options / instance. */
  logger?: boolean | object;
  /** The space `/y/:room` docs live in. */
  defaultSpace?: string;
  /** A folder to serve at / (the demo page build); a plain status page otherwise. */
  staticDir?: string;
  maxIdleRooms?: number;
  /** Versions after a doc's snapshot before a room writes a new one (default 1,000; room/room.ts). */
  snapshotMinUpdates?: number;
  /** Per-tenant quotas on docs, stored update bytes and open sockets (commit/tenant-quotas.ts). Default: none. */
  quotas?: QuotaLimits;
  /** S7 on the REST API: requests per minute per address and per principal, history replays at once (http/rest-limits.ts). */
  restLimits?: Partial<RestLimitSettings>;
  /** Room loads running at once (default 5; main.ts passes half the Postgres pool) and waiting (default 1000). */
  maxConcurrentLoads?: number;
  maxQueuedLoads?: number;
  /** Sockets on both endpoints, in total (default 10,000) and per remote address (default 256); past them, 503. */
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  /** Load shedding (OVERLOADED): pushes and update bytes that may wait for a commit (default: no count bound, 64 MiB). */
  maxQueuedCommits?: number;
  /** Commit batches at the Store at once (commit/group-commit.ts; default 1). */
  commitsInFlight?: number;
  maxQueuedCommitBytes?: number;
  /** PEM certificate chain and key (http/tls-files.ts): the port speaks https and wss; plain http/ws without. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** Seconds of Strict-Transport-Security on every answer; only with `tls` (http/hsts.ts). Default: no header. */
  hstsMaxAge?: number;
  /** L2, L4: told of every revert (doc, space, anchor) once it committed, with what it did (history/reverter.ts). */
  onRevert?: (record: RevertRecord) => void;
  /** CAIRN_ADMIN_TOKEN: the operator's bearer token for the admin endpoints, every tenant (auth/admin.ts). */
  adminToken?: string;
  /** L4: the audit log's batching and retention (sync-node.ts). */
  audit?: SyncNodeOptions['audit'];
  /** The purge of expired and deleted anchors (purge/purger.ts); see SyncNodeOptions. */
  purge?: SyncNodeOptions['purge'];
  /** L2: days a deleted doc or space stays restorable (default 30), and how often this node purges (default never). */
  deleteGraceDays?: number;
  purgeIntervalMs?: number;
  /** The history window and its schedule (compact/compaction.ts); absent: the log is never trimmed. */
  compaction?: SyncNodeOptions['compaction'];
  /** L3: the snapshot cache shared by the nodes (cache/; closed with the Store and Bus), and its load lease in ms. */
  cache?: SnapshotCache;
  cacheLeaseMs?: number;
}

export interface CairnServer {
  readonly app: FastifyInstance;
  readonly node: SyncNode;
  readonly metrics: Metrics;
  listen(opts: { port: number; host?: string }): Promise<string>;
  /** Presents this certificate to new TLS handshakes; open sockets keep theirs. Throws without `tls`. */
  reloadTls(tls: { cert: Buffer | string; key: Buffer | string }): void;
  /** Graceful: refuse new sockets, finish in-flight commits and acks, close sockets, then the Store and Bus. */
  close(opts?: { seams?: boolean }): Promise<void>;
}

export async function buildServer(deps: ServerDeps): Promise<CairnServer> {
  const metrics = createMetrics({ defaultMetrics: true });
  const hostAllowed = createHostCheck(deps.allowedHosts ?? []);
  const hostRefusal = createHostRefusal(hostAllowed, () => metrics.rejected.inc({ code: 'HOST_NOT_ALLOWED' }));
  const app = Fastify({
    // An https server differs from http only in the handshake: the upgrade listener (http/websocket.ts),
    // inject() and close() are the same, so everything below is unaware of TLS.
    ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key } } : {}),
    logger: deps.logger ?? false,
    // One line per request at debug instead of two at info (http/request-log.ts). Through a LogController:
    // Fastify 5.12's top-level `disableRequestLogging` prints a deprecation warning (FSTDEP023) at every start.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Requests that arrive while the node shuts down get a catalog body (S4) from the hook below, not Fastify's own.
    return503OnClosing: false,
    // Space names may be 128 characters (anchors-routes.ts); longer segments are 414 with a catalog body.
    routerOptions: { maxParamLength: 256 },
    frameworkErrors: createFrameworkErrorHandler(hostRefusal),
    clientErrorHandler,
  });
  const log = app.log as FastifyBaseLogger;
  const node = createSyncNode({
    store: deps.store,
    bus: deps.bus,
    verify: deps.verify,
    metrics,
    log: { info: (o, m) => log.info(o, m), warn: (o, m) => log.warn(o, m), error: (o, m) => log.error(o, m) },
    ...(deps.nodeId ? { nodeId: deps.nodeId } : {}),
    ...(deps.limits ? { limits: deps.limits } : {}),
    ...(deps.maxIdleRooms !== undefined ? { maxIdleRooms: deps.maxIdleRooms } : {}),
    ...(deps.snapshotMinUpdates !== undefined ? { snapshotMinUpdates: deps.snapshotMinUpdates } : {}),
    ...(deps.quotas !== undefined ? { quotas: deps.quotas } : {}),
    ...(deps.maxConcurrentLoads !== undefined ? { maxConcurrentLoads: deps.maxConcurrentLoads } : {}),
    ...(deps.maxQueuedLoads !== undefined ? { maxQueuedLoads: deps.maxQueuedLoads } : {}),
    ...(deps.maxQueuedCommits !== undefined ? { maxQueuedCommits: deps.maxQueuedCommits } : {}),
    ...(deps.commitsInFlight !== undefined ? { commitsInFlight: deps.commitsInFlight } : {}),
    ...(deps.maxQueuedCommitBytes !== undefined ? { maxQueuedCommitBytes: deps.maxQueuedCommitBytes } : {}),
    ...(deps.onRevert ? { onRevert: deps.onRevert } : {}),
    ...(deps.audit ? { audit: deps.audit } : {}),
    ...(deps.purge ? { purge: deps.purge } : {}),
    ...(deps.deleteGraceDays !== undefined ? { deleteGraceDays: deps.deleteGraceDays } : {}),
    ...(deps.purgeIntervalMs !== undefined ? { purgeIntervalMs: deps.purgeIntervalMs } : {}),
    ...(deps.compaction ? { compaction: deps.compaction } : {}),
    ...(deps.cache ? { cache: deps.cache } : {}),
    ...(deps.cacheLeaseMs !== undefined ? { cacheLeaseMs: deps.cacheLeaseMs } : {}),
  });
  let closing: Promise<void> | null = null;
  registerHostCheck(app, hostRefusal);
  registerRequestLog(app);
  registerErrorHandling(app);
  if (deps.hstsMaxAge !== undefined) {
    if (!deps.tls) throw new Error('hstsMaxAge needs tls: browsers ignore HSTS received over http');
    registerHsts(app, deps.hstsMaxAge);
  }
  app.addHook('onRequest', async (_req, reply) => {
    if (closing) return reply.code(503).header('connection', 'close').send(errorBody('SHUTTING_DOWN'));
  });
  registerHealth(app, { store: deps.store, bus: deps.bus, registry: metrics.registry, nodeId: node.nodeId });
  const restLimits = await registerRestLimits(app, deps.restLimits);
  // REST queries on the anchor read model (readmodel/).
  await app.register(anchorRoutes, {
    anchors: deps.store.anchors, verify: deps.verify, audit: node.audit, limits: restLimits, deletedCells: (tenant, space) => node.deletions.deletedCells(tenant, space),
    anchorsAt: (tenant, space, at, query, options) => spaceAnchorsAt(deps.store, tenant, space, at, query, options),
  });
  // L1, L2: history reads and reverts from the log (history/).
  await app.register(historyRoutes, { store: deps.store, reverter: node.reverter, verify: deps.verify, audit: node.audit, limits: restLimits, deletions: node.deletions });
  // L2: deleting and restoring docs and spaces (deletion/).
  await app.register(deletionRoutes, { deletions: node.deletions, verify: deps.verify, audit: node.audit, limits: restLimits });
  // L4: the audit trail, for the operator and tenant admins.
  await app.register(auditRoutes, { store: deps.store, admin: createAdminCheck({ verify: deps.verify, adminToken: deps.adminToken ?? null }), audit: node.audit, limits: restLimits });
  await registerHome(app, { ...(deps.staticDir ? { staticDir: deps.staticDir } : {}), nodeId: node.nodeId });
  const sockets = registerWebSockets(app, {
    node,
    verify: deps.verify,
    origins: { allowed: deps.allowedOrigins ?? [], loopback: deps.loopbackOrigins ?? false },
    hostAllowed,
    defaultSpace: deps.defaultSpace ?? 'default',
    ...(deps.maxConnections !== undefined ? { maxConnections: deps.maxConnections } : {}),
    ...(deps.maxConnectionsPerAddress !== undefined ? { maxConnectionsPerAddress: deps.maxConnectionsPerAddress } : {}),
  });
  await app.ready();

  return {
    app,
    node,
    metrics,
    async listen({ port, host = '127.0.0.1' }) {
      return app.listen({ port, host });
    },
    reloadTls(tls) {
      if (!deps.tls) throw new Error('reloadTls: this server was built without tls');
      (app.server as unknown as TlsServer).setSecureContext({ cert: tls.cert, key: tls.key });
    },
    close({ seams = true } = {}) {
      closing ??= (async () => {
        sockets.stopAccepting();
        await node.shutdown();
        await sockets.close();
        await app.close();
        if (seams) await Promise.allSettled([deps.bus.close(), deps.store.close(), deps.cache?.close()]);
      })();
      return closing;
    },
  };
}
