/**
 * The Store on a real Postgres through a `pg` pool: many nodes share one database. Pass `schema` to keep
 * Cairn's tables in a schema of their own (tests use one per run); every pooled connection starts with its
 * search_path set to it.
 */
import pg from 'pg';
import { CairnError } from '@cairn/shared';
import { createSqlStore } from './sql-store.js';
import type { SqlClient, SqlParam, SqlQueryable } from './sql-client.js';
import type { Store } from './store.js';

export interface PgStoreOptions {
  connectionString: string;
  /** Lowercase identifier; created by migrate() if missing. Default: the server's search_path. */
  schema?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function createPgStore(options: PgStoreOptions): Store {
  const { connectionString, schema, poolSize = 10 } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new CairnError('BAD_REQUEST', `schema must match ${String(SCHEMA_NAME)}`);
  }
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    // A dead database must fail ping() (/readyz) and commits quickly rather than queue them forever.
    connectionTimeoutMillis: 5_000,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection that dies emits 'error' on the pool; unhandled, that would kill the process. The
  // pool drops the connection, and the next query that needs the database reports the problem.
  pool.on('error', () => undefined);
  return createSqlStore(pgClient(pool), schema === undefined ? { kind: 'postgres' } : { kind: 'postgres', schema });
}

function pgClient(pool: pg.Pool): SqlClient {
  const run = async (q: pg.Pool | pg.PoolClient, text: string, params: readonly SqlParam[] = []) =>
    (await q.query(text, params as unknown[])).rows as Record<string, unknown>[];
  return {
    query: (text, params) => run(pool, text, params),
    async transaction(fn) {
      const conn = await pool.connect();
      let broken: Error | undefined;
      try {
        await conn.query('BEGIN');
        const tx: SqlQueryable = { query: (text, params) => run(conn, text, params) };
        const result = await fn(tx);
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
    },
    close: () => pool.end(),
  };
}
