/**
 * The operator commands' Store: the one the environment names, as the server's: DATABASE_URL (and
 * CAIRN_PG_SCHEMA) if set, else the embedded PGlite in CAIRN_DATA_DIR (stop the server first, PGlite has one
 * owner). Migrated, handed to `fn`, closed after.
 */
import { readConfig } from '../config.js';
import { createPgStore } from '../store/pg-store.js';
import { createPgliteStore } from '../store/pglite-store.js';
import type { Store } from '../store/store.js';

export async function withEnvStore<T>(env: NodeJS.ProcessEnv, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = readConfig(env);
  const store: Store = config.databaseUrl
    ? createPgStore({ connectionString: config.databaseUrl, ...(config.pgSchema ? { schema: config.pgSchema } : {}), ...(config.migrateUrl ? { ownerConnectionString: config.migrateUrl } : {}) })
    : await createPgliteStore({ dataDir: config.dataDir });
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}
