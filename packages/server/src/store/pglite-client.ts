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
import fs, { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PGlite } from '@electric-sql/pglite';
import { assert, CairnError } from '@cairn/shared';
import type { SqlClient, SqlParam, SqlQueryable } from './sql-client.js';

/** Postgres settings for the embedded database, as `-c name=value` startup options (they win over postgresql.conf). */
export const EMBEDDED_SETTINGS = {
  shared_buffers: '16MB',
  wal_buffers: '1MB',
  temp_buffers: '1MB',
  // One backend in single-user mode: the lock and process tables need not be sized for 100 connections.
  max_connections: '8',
  // A commit returns after its WAL is on disk (see syncToDisk). Postgres must call fsync(), not
  // fdatasync(): PGlite's WASM runtime answers fdatasync itself, without reaching the file.
  fsync: 'on',
  wal_sync_method: 'fsync',
} as const;

const settings = (): string[] => Object.entries(EMBEDDED_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]);

/** PGlite's startup options without `-F` (fsync off): the ack means durable (A1), across a power loss too. */
function startParams(defaults: readonly string[]): string[] {
  return [...defaults.filter((p) => p !== '-F'), ...settings()];
}

interface NodeFsStream {
  nfd: number;
}

/**
 * PGlite's Node file system (Emscripten's NODEFS) writes through to the folder's files but has no fsync:
 * Postgres' fsync() of the WAL at COMMIT reaches nothing, and a commit would sit in the OS page cache, lost
 * with a power loss or a kernel crash. This gives it one, as fdatasync(2): the data and the size, which is
 * what Postgres' own default for the WAL (wal_sync_method=fdatasync) asks of Linux, without a journal
 * commit for timestamps. Measured in a probe on the bench machine (200 one-row commits, twice): fsync(2)
 * 5.5-6.6 ms per commit, fdatasync(2) 1.7-3.1 ms; paid by the database thread, one per commit batch (A2).
 */
function syncToDisk(db: PGlite): void {
  const mod = db.Module as unknown as { NODEFS?: { stream_ops: { fsync?: (stream: NodeFsStream) => number } } };
  assert(mod.NODEFS !== undefined, 'PGlite exposes its Node file system (Module.NODEFS)');
  mod.NODEFS.stream_ops.fsync = (stream) => {
    fs.fdatasyncSync(stream.nfd);
    return 0;
  };
}

export async function openPglite(dataDir: string): Promise<PGlite> {
  // Loaded on demand: a server on a real Postgres never pays for the WASM module.
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dataDir, { startParams: startParams(PGlite.defaultStartParams) });
  // From here on; Postgres' startup (and any recovery) ran before it, and its WAL is still in the folder.
  if (dataDir !== 'memory://') syncToDisk(db);
  return db;
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
  // The same startup options as openPglite (startParams), without loading PGlite into this process.
  const script = `const { PGlite } = require(${JSON.stringify(pglite)});
    const startParams = [...PGlite.defaultStartParams.filter((p) => p !== '-F'), ...JSON.parse(process.argv[2])];
    PGlite.create(process.argv[1], { startParams })
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
