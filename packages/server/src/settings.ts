/**
 * The one table of environment settings (DESIGN.md section 8): config.ts reads its defaults from here and
 * `cairn-server --help` prints it, so the help text and what the server does cannot drift apart
 * (docs/OPERATIONS.md "Configuration" has the long form of each meaning).
 */

export interface Setting {
  readonly env: string;
  /** The default as an operator reads it; for numeric settings also the value config.ts uses. */
  readonly default: string;
  readonly meaning: string;
}

export const SETTINGS = [
  { env: 'PORT', default: '8787', meaning: 'TCP port for HTTP and both WebSocket endpoints (0: a free port)' },
  { env: 'HOST', default: '127.0.0.1 (0.0.0.0 with CAIRN_AUTH_SECRET)', meaning: 'interface to listen on' },
  { env: 'DATABASE_URL', default: 'unset: embedded Postgres (PGlite)', meaning: 'Postgres connection string; needed for more than one node' },
  { env: 'CAIRN_MIGRATE_URL', default: "unset: DATABASE_URL's role owns the tables", meaning: 'the tables owner, for migrations only; DATABASE_URL is then a tenant-scoped app role under row-level security (S5)' },
  { env: 'CAIRN_PG_SCHEMA', default: 'unset: search_path', meaning: "schema for Cairn's tables (with DATABASE_URL)" },
  { env: 'CAIRN_PG_POOL_SIZE', default: '10', meaning: 'Postgres connections per node; room loads use at most half' },
  { env: 'CAIRN_COMMITS_IN_FLIGHT', default: '1', meaning: 'commit batches at the database at once (group commit); 1: one at a time' },
  { env: 'CAIRN_DATA_DIR', default: './.cairn-data', meaning: 'PGlite data folder when DATABASE_URL is unset (memory:// for none)' },
  { env: 'REDIS_URL', default: 'unset: in-process bus (one node)', meaning: 'Redis for fan-out between nodes' },
  { env: 'CAIRN_L3', default: 'on (with REDIS_URL)', meaning: 'off: no snapshot cache in Redis; every node loads cold docs from Postgres itself' },
  { env: 'CAIRN_L3_TTL_S', default: '3600', meaning: 'seconds a doc snapshot stays in Redis after its last read or write' },
  { env: 'CAIRN_L3_MAX_BYTES', default: '67108864', meaning: 'largest doc state cached in Redis (64 MiB); larger docs always load from Postgres' },
  { env: 'CAIRN_L3_LEASE_MS', default: '30000', meaning: "a node's lease on loading a cold doc from Postgres (renewed while it loads); others wait for its snapshot, at most twice this" },
  { env: 'CAIRN_REDIS_PREFIX', default: 'cairn:', meaning: 'prefix of every Redis channel; the same on all nodes of a deployment' },
  { env: 'CAIRN_AUTH_SECRET', default: 'unset: dev mode (no auth)', meaning: 'HS256 key for tokens, at least 32 characters' },
  { env: 'CAIRN_TLS_CERT', default: 'unset: plain http/ws', meaning: 'PEM certificate chain file; with CAIRN_TLS_KEY the port speaks https/wss (SIGHUP re-reads both)' },
  { env: 'CAIRN_TLS_KEY', default: 'unset: plain http/ws', meaning: 'PEM private key file (unencrypted) of CAIRN_TLS_CERT; set both or neither' },
  { env: 'CAIRN_HSTS_MAX_AGE', default: 'unset: no Strict-Transport-Security header', meaning: 'seconds of HSTS sent on every https response (only with CAIRN_TLS_CERT)' },
  { env: 'CAIRN_ALLOWED_ORIGINS', default: "the server's own origin", meaning: 'comma-separated browser origins allowed to open sockets, or *' },
  { env: 'CAIRN_ALLOWED_HOSTS', default: 'loopback (any host with CAIRN_AUTH_SECRET)', meaning: 'comma-separated host or host:port names served, or * (S8)' },
  { env: 'CAIRN_NODE_ID', default: 'node-<random> per start', meaning: "this node's id, unique in a deployment" },
  { env: 'LOG_LEVEL', default: 'info', meaning: 'pino level; logs are JSON lines on stdout' },
  { env: 'CAIRN_STATIC_DIR', default: 'demo/dist if built', meaning: 'folder served at /' },
  { env: 'CAIRN_MAX_CONNECTIONS', default: '10000', meaning: 'open sockets per node (S7)' },
  { env: 'CAIRN_MAX_CONNECTIONS_PER_ADDRESS', default: '256', meaning: 'open sockets per remote address (S7)' },
  { env: 'CAIRN_PRE_AUTH_BYTES', default: '65536', meaning: 'bytes a socket may send before its hello is answered (S3)' },
  { env: 'CAIRN_ADMIN_TOKEN', default: 'unset: only tokens with the adm claim', meaning: 'bearer token of the operator for GET /v1/admin/audit (every tenant), at least 32 characters' },
  { env: 'CAIRN_AUDIT_RETENTION_DAYS', default: '90', meaning: 'days audit rows are kept (deleted hourly in batches); 0: kept forever' },
  { env: 'CAIRN_DELETE_GRACE_DAYS', default: '30', meaning: 'days a deleted doc or space can be restored before its hard purge (purged hourly; 0: at the next pass)' },
  { env: 'CAIRN_QUOTA_DOCS', default: 'unset: no limit', meaning: 'docs per tenant; a push that would create one more is refused (DOC_QUOTA_EXCEEDED)' },
  { env: 'CAIRN_QUOTA_BYTES', default: 'unset: no limit', meaning: 'committed update bytes per tenant; a push past it is refused (BYTE_QUOTA_EXCEEDED)' },
  { env: 'CAIRN_QUOTA_CONNECTIONS', default: 'unset: no limit', meaning: 'open sockets per tenant on each node; one more is refused (CONNECTION_QUOTA_EXCEEDED)' },
  { env: 'CAIRN_REST_AUTH_FAILURES_PER_ADDRESS', default: '600', meaning: 'refused REST tokens per minute per remote address; past it the address gets 429 RATE_LIMITED before its token is checked (S7)' },
  { env: 'CAIRN_REST_RATE_PER_TOKEN', default: '6000', meaning: 'anchor queries per minute per principal (S7; 429 RATE_LIMITED past it)' },
  { env: 'CAIRN_HISTORY_RATE_PER_TOKEN', default: '120', meaning: 'history reads, change listings and reverts per minute per principal (S7)' },
  { env: 'CAIRN_HISTORY_IN_FLIGHT', default: '4', meaning: 'history requests replaying the log at once on a node; one more gets 503 OVERLOADED' },
  { env: 'CAIRN_PURGE_INTERVAL_S', default: '3600', meaning: 'seconds between purge passes of expired and deleted anchors (purge/purger.ts); 0: no purge' },
  { env: 'CAIRN_TOMBSTONE_GRACE_DAYS', default: '30', meaning: 'days after expiry or delete before an anchor is purged down to its tombstone' },
  { env: 'CAIRN_TOMBSTONE_KEEP_DAYS', default: '365', meaning: 'days a tombstone is kept before it is purged too (at least the grace); 0: kept forever' },
  { env: 'CAIRN_SNAPSHOT_MIN_UPDATES', default: '1000', meaning: "versions after a doc's snapshot before a new one is written" },
  { env: 'CAIRN_HISTORY_DAYS', default: '0', meaning: 'days of history each doc keeps: log rows older are trimmed (reads before them: HISTORY_TRIMMED); 0: kept forever' },
  { env: 'CAIRN_COMPACT_INTERVAL_S', default: '3600', meaning: 'seconds between compaction passes on each node (with CAIRN_HISTORY_DAYS > 0)' },
] as const satisfies readonly Setting[];

export type SettingName = (typeof SETTINGS)[number]['env'];

/** The default of a setting as text (config.ts turns the numeric ones into numbers). */
export function settingDefault(env: SettingName): string {
  return SETTINGS.find((s) => s.env === env)!.default;
}
