#!/usr/bin/env node
/**
 * C4, the operator's side of the quarantine: list the log rows that did not apply, and drop one (its row
 * becomes an empty update, its version stays, the original bytes stay in the quarantine record).
 *
 *   npm run quarantine -- list [tenant] [doc]
 *   npm run quarantine -- drop <tenant> <doc> <version>
 *
 * It opens the same Store as the server: DATABASE_URL (and CAIRN_PG_SCHEMA) if set, else the embedded
 * PGlite in CAIRN_DATA_DIR (default ./.cairn-data; stop the server first, PGlite has one owner). A room that
 * holds the doc keeps its state; the next load of the doc applies the empty row.
 */
import { readConfig } from '../config.js';
import { createPgStore } from '../store/pg-store.js';
import { createPgliteStore } from '../store/pglite-store.js';
import type { Store } from '../store/store.js';
import { runQuarantineCli } from './quarantine-command.js';

const config = readConfig(process.env);
const store: Store = config.databaseUrl
  ? createPgStore({ connectionString: config.databaseUrl, ...(config.pgSchema ? { schema: config.pgSchema } : {}) })
  : await createPgliteStore({ dataDir: config.dataDir });
try {
  await store.migrate();
  process.exitCode = await runQuarantineCli(process.argv.slice(2), store, (text) => console.log(text));
} finally {
  await store.close();
}
