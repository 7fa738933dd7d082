/**
 * The Store on a real Postgres through a `pg` pool: many nodes share one database. Pass `schema` to keep
 * Cairn's tables in a schema of their own (tests use one per run); every pooled connection starts with its
 * search_path set to it.
 *
 * Two ways to connect (docs/OPERATIONS.md "Database roles"):
 * - one URL (the default): its role owns the tables and runs migrate(); every statement sees all tenants
 *   (the connections start with cairn.tenant = '*', so a non-superuser owner passes FORCE ROW LEVEL
 *   SECURITY).
 * - `ownerConnectionString` set: migrate() runs on it (the owner), then grants the app role of
 *   `connectionString` (e.g. cairn_app: not the owner, no BYPASSRLS) what it needs. The store then keeps
 *   two pools on the app role: a tenant pool whose connections see no rows until a transaction sets
 *   cairn.tenant (forTenant), and a system pool for the cross-tenant paths (sql-client.ts) whose
 *   connections start with cairn.tenant = '*', so the group commit stays ONE statement (sql-commit.ts).
 */
import pg from 'pg';
import { CairnError } from '@cairn/shared';
import { createSqlStore } from './sql-store.js';
import { runMigrations } from './migrate.js';
import { ALL_TENANTS, rowText, setLocalTenantSql, type SqlClient, type SqlParam, type SqlQueryable } from './sql-client.js';
import type { Store } from './store.js';

export interface PgStoreOptions {
  connectionString: string;
  /** Lowercase identifier; created by migrate() if missing. Default: the server's search_path. */
  schema?: string;
  /** Connections in each pool. Default 10. */
  poolSize?: number;
  /** The tables' owner, for migrate() only; makes `connectionString` a tenant-scoped app role (see above). */
  ownerConnectionString?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function createPgStore(options: PgStoreOptions): Store {
  const { connectionString, schema, poolSize = 10, ownerConnectionString } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new CairnError('BAD_REQUEST', `schema must match ${String(SCHEMA_NAME)}`);
  }
  const system = openPool(connectionString, poolSize, schema, true);
  const tenants = ownerConnectionString === undefined ? null : openPool(connectionString, poolSize, schema, false);
  const client = pgClient(system, tenants);
  const base = createSqlStore(client, schema === undefined ? { kind: 'postgres' } : { kind: 'postgres', schema });
  if (ownerConnectionString === undefined) return base;
  return {
    ...base,
    migrate: () => migrateAsOwner(ownerConnectionString, schema, system),
  };
}

function openPool(connectionString: string, max: number, schema: string | undefined, allTenants: boolean): pg.Pool {
  const settings = [
    ...(schema === undefined ? [] : [`-c search_path=${schema}`]),
    ...(allTenants ? [`-c cairn.tenant=${ALL_TENANTS}`] : []),
  ];
  const pool = new pg.Pool({
    connectionString,
    max,
    // A dead database must fail ping() (/readyz) and commits quickly rather than queue them forever.
    connectionTimeoutMillis: 5_000,
    ...(settings.length === 0 ? {} : { options: settings.join(' ') }),
  });
  // An idle connection that dies emits 'error' on the pool; unhandled, that would kill the process. The
  // pool drops the connection, and the next query that needs the database reports the problem.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs the migrations as the owner, then grants the app role (whoever `app` connects as) its rights. */
async function migrateAsOwner(ownerConnectionString: string, schema: string | undefined, app: pg.Pool): Promise<void> {
  const [row] = (await app.query('SELECT current_user AS role')).rows as Record<string, unknown>[];
  const appRole = rowText(row ?? {}, 'role');
  const owner = openPool(ownerConnectionString, 1, schema, true);
  try {
    await runMigrations(pgClient(owner, null), { ...(schema === undefined ? {} : { schema }), grantTo: appRole });
  } finally {
    await owner.end();
  }
}

async function inTransaction<T>(pool: pg.Pool, begin: string, fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
  const conn = await pool.connect();
  let broken: Error | undefined;
  try {
    await conn.query(begin);
    const result = await fn({ query: (text, params) => run(conn, text, params) });
    await conn.query('COMMIT');
    return result;
  } catch (err) {
    // If even ROLLBACK fails the connection is unusable: destroy it instead of returning it to the pool.
    await conn.query('ROLLBACK').catch((rollbackErr: unknown) => {
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    });
    throw err;
  } finally {
    conn.release(broken);
  }
}

async function run(q: pg.Pool | pg.PoolClient, text: string, params: readonly SqlParam[] = []): Promise<Record<string, unknown>[]> {
  return (await q.query(text, params as unknown[])).rows as Record<string, unknown>[];
}

function pgClient(system: pg.Pool, tenants: pg.Pool | null): SqlClient {
  const plain: SqlQueryable = { query: (text, params) => run(system, text, params) };
  return {
    query: plain.query,
    transaction: (fn) => inTransaction(system, 'BEGIN', fn),
    // BEGIN and SET LOCAL travel as one simple-protocol message: a scoped read costs BEGIN…COMMIT, one
    // round trip more than the bare statement plus the COMMIT.
    forTenant: (tenant, fn) => (tenants === null ? fn(plain) : inTransaction(tenants, `BEGIN; ${setLocalTenantSql(tenant)}`, fn)),
    close: async () => {
      await Promise.all([system.end(), tenants?.end()]);
    },
  };
}
