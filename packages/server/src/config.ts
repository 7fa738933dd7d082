/**
 * Reads the environment (DESIGN.md section 8) into explicit options. Nothing else in the server reads
 * process.env.
 */
import type { QuotaLimits } from './commit/tenant-quotas.js';
import type { RestLimitSettings } from './http/rest-limits.js';
import { CairnError } from '@cairn/shared';
import { isHostEntry } from './http/host-allowlist.js';
import { settingDefault, type SettingName } from './settings.js';
import type { TlsFiles } from './http/tls-files.js';
import { MIN_ADMIN_TOKEN_LENGTH } from './auth/admin.js';

export interface ServerConfig {
  port: number;
  host: string;
  databaseUrl: string | null;
  /** The owner's URL for migrations; set, DATABASE_URL's role is tenant-scoped (store/pg-store.ts). */
  migrateUrl: string | null;
  pgSchema: string | null;
  dataDir: string;
  redisUrl: string | null;
  redisPrefix: string;
  authSecret: string | null;
  /** CAIRN_TLS_CERT + CAIRN_TLS_KEY: the port speaks https/wss; null (neither set): http/ws. */
  tls: TlsFiles | null;
  /** CAIRN_HSTS_MAX_AGE: seconds of Strict-Transport-Security on https responses; null: no header. */
  hstsMaxAge: number | null;
  allowedOrigins: string[] | '*';
  /** CAIRN_ALLOWED_HOSTS (S8); null when unset: loopback only in dev mode, any host with a secret. */
  allowedHosts: string[] | '*' | null;
  nodeId: string | null;
  logLevel: string;
  staticDir: string | null;
  /** Postgres connections per node (CAIRN_PG_POOL_SIZE, default 10); room loads get half of them. */
  pgPoolSize: number;
  /** Commit batches at the Store at once (CAIRN_COMMITS_IN_FLIGHT, default 1; commit/group-commit.ts). */
  commitsInFlight: number;
  /** Sockets per node, in total and per remote address (S7). */
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Bytes a native socket may send before its hello is answered (S3). */
  maxPreAuthBytes: number;
  /** Versions after a doc's snapshot before a room writes a new one (CAIRN_SNAPSHOT_MIN_UPDATES, default 1,000; room/room.ts). */
  snapshotMinUpdates: number;
  /** CAIRN_ADMIN_TOKEN (auth/admin.ts); null: only tokens with the `adm` claim reach the admin endpoints. */
  adminToken: string | null;
  /** CAIRN_AUDIT_RETENTION_DAYS (audit/audit-retention.ts); 0: audit rows are kept forever. */
  auditRetentionDays: number;
  /** The purge (purge/purger.ts): seconds between passes (CAIRN_PURGE_INTERVAL_S, 0: off), grace and tombstone days. */
  purge: { intervalS: number; graceDays: number; keepDays: number };
  /** CAIRN_DELETE_GRACE_DAYS (deletion/): days a deleted doc or space stays restorable before its purge. */
  deleteGraceDays: number;
  /** CAIRN_HISTORY_DAYS (compact/); 0: the log is never trimmed. */
  historyDays: number;
  /** CAIRN_COMPACT_INTERVAL_S: seconds between compaction passes when historyDays > 0. */
  compactIntervalS: number;
  /** Per-tenant quotas; a limit left unset is absent. */
  quotas: QuotaLimits;
  /** S7 on the REST API (http/rest-limits.ts). */
  restLimits: RestLimitSettings;
  /**
   * L3, the snapshot cache in Redis (cache/): CAIRN_L3 (on unless `off`; only with REDIS_URL), seconds a
   * snapshot stays unread (CAIRN_L3_TTL_S), the largest state cached (CAIRN_L3_MAX_BYTES) and the load lease (CAIRN_L3_LEASE_MS).
   */
  l3: { enabled: boolean; ttlS: number; maxBytes: number; leaseMs: number };
}

/** A positive integer from the environment, its default (settings.ts) when unset or empty; anything else refuses to start. */
function positiveInt(env: NodeJS.ProcessEnv, name: SettingName): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return Number(settingDefault(name));
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new CairnError('BAD_REQUEST', `${name}=${raw} is not a positive integer`);
  return n;
}

/** A limit that is off unless set: then a positive integer, like positiveInt's. */
function optionalLimit<K extends keyof QuotaLimits>(name: SettingName, raw: string | undefined, key: K): Partial<Record<K, number>> {
  if (raw === undefined || raw === '') return {};
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new CairnError('BAD_REQUEST', `${name}=${raw} is not a positive integer`);
  return { [key]: n } as Partial<Record<K, number>>;
}

/** Both TLS files or neither: one alone would silently serve plain http to clients that expect https. */
function tlsFiles(env: NodeJS.ProcessEnv): TlsFiles | null {
  const certFile = env.CAIRN_TLS_CERT || null;
  const keyFile = env.CAIRN_TLS_KEY || null;
  if (certFile && keyFile) return { certFile, keyFile };
  if (certFile) throw new CairnError('BAD_REQUEST', 'CAIRN_TLS_CERT is set but CAIRN_TLS_KEY is not: set both for https/wss, or neither for http/ws');
  if (keyFile) throw new CairnError('BAD_REQUEST', 'CAIRN_TLS_KEY is set but CAIRN_TLS_CERT is not: set both for https/wss, or neither for http/ws');
  return null;
}

function hstsMaxAge(env: NodeJS.ProcessEnv, tls: TlsFiles | null): number | null {
  const raw = env.CAIRN_HSTS_MAX_AGE;
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new CairnError('BAD_REQUEST', `CAIRN_HSTS_MAX_AGE=${raw} is not a number of seconds`);
  // Browsers ignore HSTS received over http; behind a TLS proxy, the proxy sends it.
  if (!tls) throw new CairnError('BAD_REQUEST', 'CAIRN_HSTS_MAX_AGE needs CAIRN_TLS_CERT and CAIRN_TLS_KEY (behind a TLS proxy, let the proxy send HSTS)');
  return n;
}

function daysOrForever(raw: string | undefined, name: 'CAIRN_AUDIT_RETENTION_DAYS' | 'CAIRN_HISTORY_DAYS'): number {
  if (raw === undefined || raw === '') return Number(settingDefault(name));
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new CairnError('BAD_REQUEST', `${name}=${raw} is not a number of days (0: keep forever)`);
  return n;
}

/** A whole number ≥ 0 from the environment (0 has a meaning of its own), its default when unset or empty. */
function wholeNumber(name: SettingName, raw: string | undefined, unit: string): number {
  if (raw === undefined || raw === '') return Number(settingDefault(name));
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new CairnError('BAD_REQUEST', `${name}=${raw} is not a number of ${unit}`);
  return n;
}

function purge(env: NodeJS.ProcessEnv): ServerConfig['purge'] {
  const graceDays = wholeNumber('CAIRN_TOMBSTONE_GRACE_DAYS', env.CAIRN_TOMBSTONE_GRACE_DAYS, 'days');
  const keepDays = wholeNumber('CAIRN_TOMBSTONE_KEEP_DAYS', env.CAIRN_TOMBSTONE_KEEP_DAYS, 'days (0: keep forever)');
  // A tombstone that went before the grace ended would let an offline replica's edit show a deleted anchor again.
  if (keepDays !== 0 && keepDays < graceDays) {
    throw new CairnError('BAD_REQUEST', `CAIRN_TOMBSTONE_KEEP_DAYS=${keepDays} is shorter than CAIRN_TOMBSTONE_GRACE_DAYS=${graceDays}`);
  }
  return { intervalS: wholeNumber('CAIRN_PURGE_INTERVAL_S', env.CAIRN_PURGE_INTERVAL_S, 'seconds (0: no purge)'), graceDays, keepDays };
}

function deleteGraceDays(env: NodeJS.ProcessEnv): number {
  const raw = env.CAIRN_DELETE_GRACE_DAYS;
  if (raw === undefined || raw === '') return Number(settingDefault('CAIRN_DELETE_GRACE_DAYS'));
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 36_500) throw new CairnError('BAD_REQUEST', `CAIRN_DELETE_GRACE_DAYS=${raw} is not a number of days (0…36500)`);
  return n;
}

function adminToken(env: NodeJS.ProcessEnv): string | null {
  const token = env.CAIRN_ADMIN_TOKEN || null;
  if (token !== null && (token.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(token))) {
    throw new CairnError('BAD_REQUEST', `CAIRN_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters with no spaces`);
  }
  return token;
}

export function readConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const port = Number(env.PORT ?? settingDefault('PORT'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CairnError('BAD_REQUEST', `PORT=${env.PORT} is not a port`);
  const authSecret = env.CAIRN_AUTH_SECRET || null;
  if (authSecret !== null && authSecret.length < 32) throw new CairnError('BAD_REQUEST', 'CAIRN_AUTH_SECRET must be at least 32 characters');
  const origins = env.CAIRN_ALLOWED_ORIGINS?.trim();
  const hosts = env.CAIRN_ALLOWED_HOSTS?.trim();
  const hostList = hosts && hosts !== '*' ? hosts.split(',').map((h) => h.trim()).filter(Boolean) : [];
  const badHost = hostList.find((h) => !isHostEntry(h));
  if (badHost !== undefined) throw new CairnError('BAD_REQUEST', `CAIRN_ALLOWED_HOSTS: "${badHost}" is not a host or host:port`);
  const tls = tlsFiles(env);
  return {
    port,
    // Dev mode (no secret) accepts anonymous writers, so it listens on loopback unless told otherwise.
    host: env.HOST ?? (authSecret ? '0.0.0.0' : '127.0.0.1'),
    databaseUrl: env.DATABASE_URL || null,
    migrateUrl: migrateUrl(env),
    pgSchema: env.CAIRN_PG_SCHEMA || null,
    dataDir: env.CAIRN_DATA_DIR || settingDefault('CAIRN_DATA_DIR'),
    redisUrl: env.REDIS_URL || null,
    redisPrefix: env.CAIRN_REDIS_PREFIX || settingDefault('CAIRN_REDIS_PREFIX'),
    authSecret,
    tls,
    hstsMaxAge: hstsMaxAge(env, tls),
    allowedOrigins: origins === '*' ? '*' : origins ? origins.split(',').map((o) => o.trim()).filter(Boolean) : [],
    allowedHosts: hosts === '*' ? '*' : hostList.length > 0 ? hostList : null,
    nodeId: env.CAIRN_NODE_ID || null,
    logLevel: env.LOG_LEVEL || settingDefault('LOG_LEVEL'),
    staticDir: env.CAIRN_STATIC_DIR || null,
    pgPoolSize: positiveInt(env, 'CAIRN_PG_POOL_SIZE'),
    commitsInFlight: positiveInt(env, 'CAIRN_COMMITS_IN_FLIGHT'),
    maxConnections: positiveInt(env, 'CAIRN_MAX_CONNECTIONS'),
    maxConnectionsPerAddress: positiveInt(env, 'CAIRN_MAX_CONNECTIONS_PER_ADDRESS'),
    maxPreAuthBytes: positiveInt(env, 'CAIRN_PRE_AUTH_BYTES'),
    snapshotMinUpdates: positiveInt(env, 'CAIRN_SNAPSHOT_MIN_UPDATES'),
    adminToken: adminToken(env),
    auditRetentionDays: daysOrForever(env.CAIRN_AUDIT_RETENTION_DAYS, 'CAIRN_AUDIT_RETENTION_DAYS'),
    historyDays: daysOrForever(env.CAIRN_HISTORY_DAYS, 'CAIRN_HISTORY_DAYS'),
    compactIntervalS: positiveInt(env, 'CAIRN_COMPACT_INTERVAL_S'),
    purge: purge(env),
    deleteGraceDays: deleteGraceDays(env),
    quotas: {
      ...optionalLimit('CAIRN_QUOTA_DOCS', env.CAIRN_QUOTA_DOCS, 'docs'),
      ...optionalLimit('CAIRN_QUOTA_BYTES', env.CAIRN_QUOTA_BYTES, 'bytes'),
      ...optionalLimit('CAIRN_QUOTA_CONNECTIONS', env.CAIRN_QUOTA_CONNECTIONS, 'connections'),
    },
    l3: l3(env),
    restLimits: {
      refusalsPerAddress: positiveInt(env, 'CAIRN_REST_AUTH_FAILURES_PER_ADDRESS'),
      perPrincipal: positiveInt(env, 'CAIRN_REST_RATE_PER_TOKEN'),
      historyPerPrincipal: positiveInt(env, 'CAIRN_HISTORY_RATE_PER_TOKEN'),
      historyInFlight: positiveInt(env, 'CAIRN_HISTORY_IN_FLIGHT'),
    },
  };
}

function l3(env: NodeJS.ProcessEnv): ServerConfig['l3'] {
  const raw = env.CAIRN_L3?.trim().toLowerCase();
  if (raw !== undefined && raw !== '' && raw !== 'on' && raw !== 'off') throw new CairnError('BAD_REQUEST', `CAIRN_L3=${env.CAIRN_L3} is not on or off`);
  return {
    enabled: raw !== 'off',
    ttlS: positiveInt(env, 'CAIRN_L3_TTL_S'),
    maxBytes: positiveInt(env, 'CAIRN_L3_MAX_BYTES'),
    leaseMs: positiveInt(env, 'CAIRN_L3_LEASE_MS'),
  };
}

function migrateUrl(env: NodeJS.ProcessEnv): string | null {
  const url = env.CAIRN_MIGRATE_URL || null;
  if (url !== null && !env.DATABASE_URL) throw new CairnError('BAD_REQUEST', 'CAIRN_MIGRATE_URL needs DATABASE_URL (the app role)');
  return url;
}
