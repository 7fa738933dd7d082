/**
 * Starting a node from its config: open the Store and Bus it names (embedded defaults otherwise), build the
 * server, listen, shut down gracefully on SIGTERM/SIGINT, and with TLS re-read the certificate on SIGHUP.
 * Shared by `npm start` (main.ts) and `cairn-server start` (cli/bin.ts), so the two start the same node
 * from the same environment.
 */
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { isCairnError } from '@cairn/shared';
import { readConfig, type ServerConfig } from './config.js';
import { readTlsFiles, type TlsMaterial } from './http/tls-files.js';
import { buildServer, type CairnServer } from './build-server.js';
import { createPgStore } from './store/pg-store.js';
import { createPgliteStore } from './store/pglite-store.js';
import { createMemoryBus } from './bus/memory-bus.js';
import { createRedisBus } from './bus/redis-bus.js';
import { createRedisSnapshotCache } from './cache/redis-snapshot-cache.js';
import { createTokenVerifier } from './auth/tokens.js';
import type { Store } from './store/store.js';
import type { Bus } from './bus/bus.js';

export interface StartedNode {
  readonly server: CairnServer;
  readonly store: Store;
  readonly bus: Bus;
  /** The address `listen` reported, e.g. http://127.0.0.1:8787 (the real port when PORT=0). */
  readonly address: string;
}

export interface NodeSetup {
  readonly config: ServerConfig;
  /** The certificate and key CAIRN_TLS_CERT / CAIRN_TLS_KEY name, read and checked; null for plain http. */
  readonly tls: TlsMaterial | null;
  /** Wraps the Store the config names before the node uses it (tracing, or a benchmark's variant). */
  readonly wrapStore?: (store: Store) => Store;
}

/**
 * The environment into a config, with the TLS files read. A setting the server refuses (CairnError) is
 * the operator's to fix: one line on stderr naming it, exit 1, no stack trace. Any other throw is a bug.
 */
export async function setupFromEnvironment(env: NodeJS.ProcessEnv): Promise<NodeSetup> {
  try {
    const config = readConfig(env);
    return { config, tls: config.tls ? await readTlsFiles(config.tls) : null };
  } catch (err) {
    if (!isCairnError(err)) throw err;
    console.error(`cairn-server: ${err.message}`);
    process.exit(1);
  }
}

export async function startNode({ config, tls, wrapStore }: NodeSetup): Promise<StartedNode> {
  const configured: Store = config.databaseUrl
    ? createPgStore({ connectionString: config.databaseUrl, poolSize: config.pgPoolSize, ...(config.pgSchema ? { schema: config.pgSchema } : {}), ...(config.migrateUrl ? { ownerConnectionString: config.migrateUrl } : {}) })
    : await createPgliteStore({ dataDir: config.dataDir });
  const store = wrapStore ? wrapStore(configured) : configured;
  await store.migrate();
  const bus = config.redisUrl ? await createRedisBus({ url: config.redisUrl, prefix: config.redisPrefix }) : createMemoryBus();
  // L3 only with Redis: a single node's rooms are already its hot docs in memory (L2); an in-process cache
  // would hold the same states twice and save no Store load.
  const cache = config.redisUrl && config.l3.enabled
    ? await createRedisSnapshotCache({ url: config.redisUrl, prefix: config.redisPrefix, ttlMs: config.l3.ttlS * 1000, maxBytes: config.l3.maxBytes })
    : null;
  const verifier = createTokenVerifier(config.authSecret ? { secret: config.authSecret } : {});
  const demoDir = fileURLToPath(new URL('../../../demo/dist', import.meta.url));
  const staticDir = config.staticDir ?? (existsSync(demoDir) ? demoDir : null);

  const server = await buildServer({
    store,
    bus,
    verify: (token) => verifier.verify(token),
    allowedOrigins: config.allowedOrigins,
    // S2: in dev mode a page from this machine (an app on its own dev server) connects without an entry.
    loopbackOrigins: verifier.devMode,
    // S8: dev mode serves loopback names only (anonymous read+write must not reach a DNS-rebinding page);
    // with a secret every socket and REST call needs a token, so an unset list serves any Host.
    allowedHosts: config.allowedHosts ?? (config.authSecret ? '*' : []),
    logger: { level: config.logLevel },
    limits: { maxPreAuthBytes: config.maxPreAuthBytes },
    maxConnections: config.maxConnections,
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    // Room loads take at most half the pool, so commits always find connections (S7).
    maxConcurrentLoads: Math.max(1, Math.floor(config.pgPoolSize / 2)),
    // PGlite is one backend that runs one statement at a time: a second batch would only wait in its queue.
    commitsInFlight: store.kind === 'postgres' ? config.commitsInFlight : 1,
    snapshotMinUpdates: config.snapshotMinUpdates,
    ...(cache ? { cache, cacheLeaseMs: config.l3.leaseMs } : {}),
    ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    ...(config.auditRetentionDays > 0 ? { audit: { retentionDays: config.auditRetentionDays } } : {}),
    ...(config.historyDays > 0 ? { compaction: { days: config.historyDays, intervalMs: config.compactIntervalS * 1000 } } : {}),
    quotas: config.quotas,
    restLimits: config.restLimits,
    purge: config.purge,
    deleteGraceDays: config.deleteGraceDays,
    purgeIntervalMs: 3_600_000,
    ...(tls ? { tls } : {}),
    ...(config.hstsMaxAge !== null ? { hstsMaxAge: config.hstsMaxAge } : {}),
    ...(config.nodeId ? { nodeId: config.nodeId } : {}),
    ...(staticDir ? { staticDir } : {}),
  });
  const log = server.app.log;
  if (verifier.devMode) log.warn('CAIRN_AUTH_SECRET is unset: dev mode, every socket is anonymous with read+write on every space');
  if (config.allowedHosts === null && config.authSecret) log.warn('CAIRN_ALLOWED_HOSTS is unset: requests for any Host are served; set it to the public host names');
  if (tls) logCertificate(log, tls, 'TLS certificate');
  log.info({ store: store.kind, bus: bus.kind, l3: cache ? cache.kind : 'off', nodeId: server.node.nodeId }, 'cairn starting');
  const address = await server.listen({ port: config.port, host: config.host });

  // S6: a promise that rejects with nobody listening is a bug, and is logged as one; it must not take the
  // node, and every socket on it, down with it (Node's default for an unhandled rejection is to exit).
  process.on('unhandledRejection', (err: unknown) => log.error({ err }, 'unhandled rejection (a bug); the node goes on'));

  const tlsFiles = config.tls;
  if (tlsFiles) {
    // Rotation without a restart (which would drop every socket): new handshakes get the files' current
    // certificate, open sockets keep theirs. A bad file leaves the certificate in use and says why.
    process.on('SIGHUP', () => {
      readTlsFiles(tlsFiles).then(
        (next) => {
          server.reloadTls(next);
          logCertificate(log, next, 'TLS certificate reloaded');
        },
        (err: unknown) => log.error({ err: (err as Error).message }, 'TLS reload failed; the previous certificate stays in use'),
      );
    });
  }

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down: finishing in-flight commits');
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return { server, store, bus, address };
}

function logCertificate(log: CairnServer['app']['log'], tls: TlsMaterial, msg: string): void {
  const line = { subject: tls.subject, validTo: tls.validTo };
  if (tls.expired) log.warn(line, `${msg}: it has EXPIRED, clients will refuse it`);
  else log.info(line, msg);
}
