/**
 * Applies pending migrations at boot. Everything runs in one transaction that first takes a transaction
 * advisory lock, so two nodes booting at once take turns: the second finds the first's work recorded and
 * does nothing. A failing migration rolls back whole, the record included, and the next boot retries it.
 */
import { MIGRATIONS } from './migrations/list.js';
import type { SqlClient } from './sql-client.js';
import { ALL_TENANTS, rowInt, rowText, type SqlQueryable } from './sql-client.js';

export interface MigrateOptions {
  /** Created if missing; must already be the connection's search_path (the pg adapter sets it). */
  schema?: string;
  /**
   * A tenant-scoped app role (not the owner) to grant what the server needs on every Cairn table, after the
   * migrations: re-granted on each boot, so tables a later migration adds are covered too.
   */
  grantTo?: string;
}

/** Stores on different schemas of one database do not wait for each other. */
function lockName(schema: string | undefined): string {
  return `cairn.migrate:${schema ?? ''}`;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export async function runMigrations(client: SqlClient, options: MigrateOptions = {}): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName(options.schema)]);
    // Row-level security (migration 7) is FORCEd, so it binds the owner too: a migration sees every tenant.
    await tx.query(`SELECT set_config('cairn.tenant', $1, true)`, [ALL_TENANTS]);
    // Under the lock: two nodes racing on CREATE SCHEMA IF NOT EXISTS can otherwise both try to create it.
    if (options.schema !== undefined) await tx.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS cairn_migrations (
      id         integer     PRIMARY KEY,
      name       text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = new Set((await tx.query('SELECT id FROM cairn_migrations')).map((row) => rowInt(row, 'id')));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.id)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO cairn_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
    }
    if (options.grantTo !== undefined) await grantAppRole(tx, options.grantTo);
  });
}

/**
 * The app role reads and writes rows and nothing else: no DDL, no TRUNCATE, not the owner, so FORCE ROW
 * LEVEL SECURITY and the policies of migration 7 always apply to it. cairn_migrations is the owner's.
 */
async function grantAppRole(tx: SqlQueryable, role: string): Promise<void> {
  const [schema] = await tx.query('SELECT current_schema() AS name');
  const name = quoteIdent(rowText(schema ?? {}, 'name'));
  const grantee = quoteIdent(role);
  await tx.query(`GRANT USAGE ON SCHEMA ${name} TO ${grantee}`);
  const tables = await tx.query(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_name LIKE 'cairn\\_%' AND table_name <> 'cairn_migrations' AND table_type = 'BASE TABLE'`,
  );
  for (const row of tables) {
    await tx.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${quoteIdent(rowText(row, 'table_name'))} TO ${grantee}`);
  }
}
