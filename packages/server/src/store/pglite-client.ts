/**
 * Opening PGlite (embedded Postgres, WASM) and adapting it to the SqlClient the shared SQL is written
 * against. PGlite runs inside the store's worker thread (pglite-worker.ts), never on the event loop.
 *
 * Memory: PGlite's initdb sets shared_buffers = 128MB, sized for a database that is the app's whole data;
 * with it one instance held ~200 MB of WASM memory. Postgres reads through the OS page cache anyway, so
 * small buffers cost little here. initdb itself runs a second instance (~630 MB while it runs), which is why
 * a first start creates the folder in a child process (initDataDir). Measured figures: docs/DECISIONS.md.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PGlite } from '@electric-sql/pglite';
import { CairnError } from '@cairn/shared';
import type { SqlClient, SqlParam } from './sql-client.js';

/** Postgres settings for the embedded database, as `-c name=value` startup options (they win over postgresql.conf). */
export const EMBEDDED_SETTINGS = {
  shared_buffers: '16MB',
  wal_buffers: '1MB',
  temp_buffers: '1MB',
  // One backend in single-user mode: the lock and process tables need not be sized for 100 connections.
  max_connections: '8',
} as const;

const settings = (): string[] => Object.entries(EMBEDDED_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]);

export async function openPglite(dataDir: string): Promise<PGlite> {
  // Loaded on demand: a server on a real Postgres never pays for the WASM module.
  const { PGlite } = await import('@electric-sql/pglite');
  return PGlite.create(dataDir, { startParams: [...PGlite.defaultStartParams, ...settings()] });
}

/**
 * Creates the database in an empty (or missing) folder, in a child process that exits when done: initdb
 * runs a second PGlite instance, and memory a thread has used stays in this process's RSS after the thread
 * ends (measured: a server started on an empty folder that way sat at 355 MB idle, against 238 MB when it opened
 * an existing folder), while a process gives all of it back. No-op if the folder holds a database.
 */
export async function initDataDir(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = `const { PGlite } = require(${JSON.stringify(pglite)});
    PGlite.create(process.argv[1], { startParams: [...PGlite.defaultStartParams, ...JSON.parse(process.argv[2])] })
      .then((db) => db.close())
      .catch((err) => { console.error(err); process.exit(1); });`;
  try {
    await promisify(execFile)(process.execPath, ['-e', script, dataDir, JSON.stringify(settings())], { timeout: 120_000 });
  } catch (err) {
    throw new CairnError('STORE_UNAVAILABLE', `the embedded database could not be created in ${dataDir}`, { cause: err });
  }
}

export function pgliteClient(db: PGlite): SqlClient {
  const args = (params: readonly SqlParam[] | undefined): unknown[] => (params ? [...params] : []);
  let closed: Promise<void> | null = null;
  return {
    query: async (text, params) => (await db.query<Record<string, unknown>>(text, args(params))).rows,
    // PGlite runs one transaction at a time and rolls back when fn rejects.
    transaction: (fn) =>
      db.transaction((tx) => fn({ query: async (text, params) => (await tx.query<Record<string, unknown>>(text, args(params))).rows })),
    close() {
      closed ??= db.close();
      return closed;
    },
  };
}
