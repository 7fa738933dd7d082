/**
 * A private Postgres schema per test file and run, so Store suites never see each other's rows, and a way
 * to drop it afterwards.
 */
import pg from 'pg';

export const PG_URL = process.env.CAIRN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function uniqueSchema(label: string): string {
  return `cairn_test_${label}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
}

/** Runs fn with a plain client outside any store (for inspecting or racing a store). */
export async function withPgClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await withPgClient((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
