/**
 * C4's operator command on the Store the environment names (the same as the server's): DATABASE_URL (and
 * CAIRN_PG_SCHEMA) if set, else the embedded PGlite in CAIRN_DATA_DIR (stop the server first, PGlite has one
 * owner). Shared by `npm run quarantine` (quarantine-cli.ts) and `cairn-server quarantine` (cli/bin.ts).
 */
import { readConfig } from '../config.js';
import { createPgStore } from '../store/pg-store.js';
import { createPgliteStore } from '../store/pglite-store.js';
import type { Store } from '../store/store.js';
import { runQuarantineCli } from './quarantine-command.js';

export async function runQuarantine(args: readonly string[], env: NodeJS.ProcessEnv, out: (text: string) => void): Promise<number> {
  const config = readConfig(env);
  const store: Store = config.databaseUrl
    ? createPgStore({ connectionString: config.databaseUrl, ...(config.pgSchema ? { schema: config.pgSchema } : {}), ...(config.migrateUrl ? { ownerConnectionString: config.migrateUrl } : {}) })
    : await createPgliteStore({ dataDir: config.dataDir });
  try {
    await store.migrate();
    return await runQuarantineCli(args, store, out);
  } finally {
    await store.close();
  }
}
