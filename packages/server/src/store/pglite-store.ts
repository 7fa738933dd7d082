/**
 * The Store on embedded Postgres (PGlite, WASM): the default when DATABASE_URL is unset. One process owns
 * the data folder; a restart on the same folder finds everything committed before. `memory://` keeps the
 * data in memory only.
 */
import type { PGlite } from '@electric-sql/pglite';
import { createSqlStore } from './sql-store.js';
import type { SqlClient, SqlParam, SqlQueryable } from './sql-client.js';
import type { Store } from './store.js';

export interface PgliteStoreOptions {
  /** A folder (created if missing) or `memory://`. */
  dataDir: string;
}

export async function createPgliteStore(options: PgliteStoreOptions): Promise<Store> {
  // Loaded on demand: a server on a real Postgres never pays for the WASM module.
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(options.dataDir);
  return createSqlStore(pgliteClient(db), { kind: 'pglite' });
}

function pgliteClient(db: PGlite): SqlClient {
  const args = (params: readonly SqlParam[] | undefined): unknown[] => (params ? [...params] : []);
  let closed: Promise<void> | null = null;
  const query: SqlQueryable['query'] = async (text, params) => (await db.query<Record<string, unknown>>(text, args(params))).rows;
  return {
    query,
    // PGlite runs one transaction at a time and rolls back when fn rejects.
    transaction: (fn) =>
      db.transaction((tx) => fn({ query: async (text, params) => (await tx.query<Record<string, unknown>>(text, args(params))).rows })),
    // One role, a superuser, which row-level security never binds: there is no tenant-scoped role to use.
    forTenant: (_tenant, fn) => fn({ query }),
    close() {
      closed ??= db.close();
      return closed;
    },
  };
}
