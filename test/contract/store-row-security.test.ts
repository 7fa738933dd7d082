/**
 * S5 in Postgres itself: the Store on a tenant-scoped app role (not the owner, no BYPASSRLS) with row-level
 * security FORCEd by migration 7. The whole Store contract runs on it, and raw SQL as the app role shows
 * that a statement which forgets its tenant filter still sees only the transaction's tenant.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPgStore } from '../../packages/server/src/store/pg-store.js';
import type { Store } from '../../packages/server/src/store/store.js';
import { describeStoreContract } from './store.contract.js';
import { describeQuarantineContract } from './store-quarantine.contract.js';
import { describeHistoryContract } from './store-history.contract.js';
import { describeDeletionsContract } from './store-deletions.contract.js';
import { dropSchema, uniqueSchema, withPgClient } from './store-pg-schema.js';
import { APP_ROLE, OWNER_ROLE, prepareRoles, urlAs } from '../support/pg-roles.js';
import { push } from './store-fixtures.js';

const schema = uniqueSchema('rls');
const appStore = (poolSize = 4): Store =>
  createPgStore({ connectionString: urlAs(APP_ROLE), ownerConnectionString: urlAs(OWNER_ROLE), schema, poolSize });

beforeAll(async () => {
  await prepareRoles(schema);
});

afterAll(async () => {
  await dropSchema(schema);
});

describeStoreContract('postgres, app role under row-level security', async () => appStore(8));
describeQuarantineContract('postgres, app role under row-level security', async () => appStore());
describeHistoryContract('postgres, app role under row-level security', async () => appStore());
describeDeletionsContract('postgres, app role under row-level security', async () => appStore());

/** One row per tenant table; the test's superuser writes them (superusers skip row-level security). */
const SEED: Record<string, (t: string) => string> = {
  cairn_docs: (t) => `INSERT INTO cairn_docs (tenant, doc, head_version) VALUES ('${t}', 's/seed', 1)`,
  cairn_updates: (t) => `INSERT INTO cairn_updates (tenant, doc, version, client_id, seq, actor, bytes) VALUES ('${t}', 's/seed', 1, 'seed', 0, 'a', '\\x00')`,
  cairn_snapshots: (t) => `INSERT INTO cairn_snapshots (tenant, doc, version, state) VALUES ('${t}', 's/seed', 1, '\\x00')`,
  cairn_client_owners: (t) => `INSERT INTO cairn_client_owners (tenant, client_id, subject) VALUES ('${t}', 'seed', 'a')`,
  cairn_quarantine: (t) => `INSERT INTO cairn_quarantine (tenant, doc, version, reason, bytes) VALUES ('${t}', 's/seed', 1, 'seed', '\\x00')`,
  cairn_anchor_entries: (t) => `INSERT INTO cairn_anchor_entries (tenant, space, cell, id, entry) VALUES ('${t}', 's', 'u0', 'seed', '{}')`,
  cairn_anchors: (t) =>
    `INSERT INTO cairn_anchors (tenant, space, id, cell, x, y, z, qx, qy, qz, qw, hlc, created_by, created_at) VALUES ('${t}', 's', 'seed', 'u0', 0, 0, 0, 0, 0, 0, 1, 'h', 'a', 'now')`,
  cairn_spaces: (t) => `INSERT INTO cairn_spaces (tenant, space) VALUES ('${t}', 's')`,
  cairn_readmodel_progress: (t) => `INSERT INTO cairn_readmodel_progress (tenant, doc, applied_version) VALUES ('${t}', 's/seed', 1)`,
  cairn_deletions: (t) => `INSERT INTO cairn_deletions (tenant, space, doc, deleted_by, purge_after) VALUES ('${t}', 's', 's/seed', 'a', now())`,
  cairn_audit: (t) => `INSERT INTO cairn_audit (at, tenant, node, action, outcome) VALUES (now(), '${t}', 'seed', 'connect', 'ok')`,
  cairn_history_floors: (t) =>
    `INSERT INTO cairn_history_floors (tenant, doc, version, floor_at, state, owners, rows_trimmed, bytes_trimmed) VALUES ('${t}', 's/seed-floor', 1, now(), '\\x00', '\\x00', 1, 1)`,
  cairn_trimmed_seqs: (t) => `INSERT INTO cairn_trimmed_seqs (tenant, client_id, lo, hi) VALUES ('${t}', 'seed', 0, 0)`,
};

/** Runs fn on one connection as the app role, in one transaction with cairn.tenant set (null: not set). */
async function asApp<T>(tenant: string | null, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlAs(APP_ROLE), options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query('BEGIN');
    if (tenant !== null) await client.query(`SELECT set_config('cairn.tenant', $1, true)`, [tenant]);
    return await fn(client);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}

describe('S5: row-level security on a tenant-scoped role (postgres)', () => {
  let store: Store;
  let tables: string[];

  beforeAll(async () => {
    store = appStore();
    await store.migrate();
    tables = await withPgClient(async (client) => {
      const { rows } = await client.query<{ table_name: string }>(
        `SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
          WHERE c.table_schema = $1 AND c.column_name = 'tenant' AND t.table_type = 'BASE TABLE' ORDER BY 1`, [schema]);
      await client.query(`SET search_path = "${schema}"`);
      for (const tenant of ['rls-a', 'rls-b']) for (const seed of Object.values(SEED)) await client.query(seed(tenant));
      return rows.map((r) => r.table_name);
    });
  });

  afterAll(async () => {
    await store.close();
  });

  it('S5: every cairn_ table with a tenant column has row security ENABLEd and FORCEd, with both policies', async () => {
    // A new tenant table must be seeded below too, so the isolation test covers it.
    expect(tables).toEqual(Object.keys(SEED).sort());
    const { rows } = await withPgClient((client) => client.query<{ relname: string; enabled: boolean; forced: boolean; policies: string[] }>(
      `SELECT c.relname, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              array(SELECT polname::text FROM pg_policy p WHERE p.polrelid = c.oid ORDER BY 1) AS policies
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = ANY($2) ORDER BY 1`, [schema, tables]));
    expect(rows).toEqual(tables.map((relname) => ({ relname, enabled: true, forced: true, policies: ['cairn_all_tenants', 'cairn_tenant'] })));
  });

  it('S5: the app role is not the owner and cannot bypass row security', async () => {
    const { rows } = await withPgClient((client) => client.query(
      `SELECT r.rolsuper, r.rolbypassrls, (SELECT count(*)::int FROM pg_tables WHERE schemaname = $1 AND tableowner = r.rolname) AS owned
         FROM pg_roles r WHERE r.rolname = $2`, [schema, APP_ROLE]));
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, owned: 0 }]);
    const owner = await withPgClient((client) => client.query(`SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = $1`, [schema]));
    expect(owner.rows).toEqual([{ tableowner: OWNER_ROLE }]);
  });

  it('S5: with tenant A set, a SELECT that forgets its tenant filter sees only A, on every tenant table', async () => {
    for (const table of tables) {
      const all = await withPgClient((c) => c.query(`SELECT DISTINCT tenant FROM "${schema}".${table} WHERE tenant LIKE 'rls-%' ORDER BY 1`));
      expect(all.rows, `${table} holds both tenants' seed rows`).toEqual([{ tenant: 'rls-a' }, { tenant: 'rls-b' }]);
      const seen = await asApp('rls-a', (c) => c.query(`SELECT DISTINCT tenant FROM ${table}`));
      expect(seen.rows, table).toEqual([{ tenant: 'rls-a' }]);
    }
  });

  it('S5: with no tenant set, the app role sees no row at all', async () => {
    for (const table of tables) {
      const seen = await asApp(null, (c) => c.query(`SELECT count(*)::int AS n FROM ${table}`));
      expect(seen.rows, table).toEqual([{ n: 0 }]);
    }
  });

  it("S5: with tenant A set, an INSERT of B's row and an UPDATE moving a row to B are refused", async () => {
    for (const table of tables) {
      const insert = asApp('rls-a', (c) => c.query(SEED[table]!('rls-b2')));
      await expect(insert, table).rejects.toMatchObject({ code: '42501' });
    }
    const move = asApp('rls-a', (c) => c.query(`UPDATE cairn_docs SET tenant = 'rls-b' WHERE doc = 's/seed'`));
    await expect(move).rejects.toMatchObject({ code: '42501' });
    const other = await asApp('rls-a', (c) => c.query(`UPDATE cairn_docs SET head_version = 99 WHERE tenant = 'rls-b'`));
    expect(other.rowCount).toBe(0);
  });

  it("S5: the Store's per-tenant reads on the app role answer for their tenant only", async () => {
    expect(await store.headVersion('rls-a', 's/seed')).toBe(1);
    expect((await store.loadUpdates('rls-b', 's/seed', 0)).map((u) => u.version)).toEqual([1]);
    expect((await store.listQuarantined('rls-a')).map((q) => q.tenant)).toEqual(['rls-a']);
    // The operator's listing is cross-tenant by design.
    const everyTenant = new Set((await store.listQuarantined()).map((q) => q.tenant));
    expect(everyTenant.has('rls-a') && everyTenant.has('rls-b')).toBe(true);
    await expect(store.headVersion('*', 's/seed')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('A2/S5: one group-commit batch mixing three tenants commits in one statement on the app role', async () => {
    const batch = ['rls-a', 'rls-b', 'rls-c'].flatMap((t) => [push(t, 's/mixed', 'mix', 0), push(t, 's/mixed', 'mix', 1)]);
    // Every statement of any pool goes through a pg.Client: one call is one round trip, no BEGIN/SET/COMMIT.
    const statements = vi.spyOn(pg.Client.prototype, 'query');
    const outcomes = await store.commitBatch(batch);
    expect(statements.mock.calls.length).toBe(1);
    statements.mockRestore();
    expect(outcomes).toEqual([1, 2, 1, 2, 1, 2].map((version) => ({ kind: 'committed', version })));
    const seenByA = await asApp('rls-a', (c) => c.query(`SELECT tenant, version FROM cairn_updates WHERE doc = 's/mixed' ORDER BY version`));
    expect(seenByA.rows.map((r: { tenant: string; version: string }) => [r.tenant, Number(r.version)])).toEqual([['rls-a', 1], ['rls-a', 2]]);
    expect((await store.commitBatch(batch)).every((o) => o.kind === 'duplicate')).toBe(true);
  });
});
