/**
 * The two roles of a row-security deployment (docs/OPERATIONS.md "Database roles"), made on the test
 * Postgres: an owner that runs migrations and a tenant-scoped app role, neither superuser nor BYPASSRLS.
 * Roles are cluster-wide, so they are created once and kept; each test file owns a schema of its own.
 */
import { PG_URL, withPgClient } from '../contract/store-pg-schema.js';

export const OWNER_ROLE = 'cairn_test_owner';
export const APP_ROLE = 'cairn_test_app';

/** PG_URL with another user (the test server trusts local connections). */
export function urlAs(role: string): string {
  const url = new URL(PG_URL);
  url.username = role;
  url.password = '';
  return url.toString();
}

/** Creates the roles if missing and a schema the owner owns, as the test's superuser. */
export async function prepareRoles(schema: string): Promise<void> {
  await withPgClient(async (client) => {
    for (const role of [OWNER_ROLE, APP_ROLE]) {
      // Two test files creating a role at once: the loser's duplicate_object is the answer it wanted.
      await client.query(`DO $$ BEGIN
        CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    }
    // The owner's migrate() creates its schema if missing (CREATE SCHEMA IF NOT EXISTS checks the right first).
    await client.query(`GRANT CREATE ON DATABASE "${new URL(PG_URL).pathname.slice(1)}" TO ${OWNER_ROLE}`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}" AUTHORIZATION ${OWNER_ROLE}`);
  });
}
