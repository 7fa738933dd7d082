/**
 * S5 on the embedded PGlite: it supports roles and row-level security, so migration 7 installs the same
 * policies there. The server's one role is a superuser, which they never bind (OPERATIONS.md "Database
 * roles"); a non-superuser role set with SET ROLE is bound by them, as on Postgres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteStore } from '../../packages/server/src/store/pglite-store.js';
import { push } from './store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-pglite-rls-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('S5: row-level security on PGlite', () => {
  it('S5: migration 7 forces row security on every tenant table; a non-superuser role sees only the tenant it sets', async () => {
    const store = await createPgliteStore({ dataDir: dir });
    await store.migrate();
    await store.commitBatch([push('a', 's/doc', 'c', 0), push('b', 's/doc', 'c', 0)]);
    // The store's own role is the superuser: it reads both tenants without setting one.
    expect([await store.headVersion('a', 's/doc'), await store.headVersion('b', 's/doc')]).toEqual([1, 1]);
    await store.close();

    const db = await PGlite.create(dir);
    try {
      const flags = await db.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
        `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
          WHERE c.relkind = 'r' AND c.relname LIKE 'cairn\\_%' AND EXISTS (
            SELECT 1 FROM information_schema.columns k WHERE k.table_name = c.relname AND k.column_name = 'tenant')
          ORDER BY 1`);
      expect(flags.rows.length).toBeGreaterThanOrEqual(9);
      expect(flags.rows.every((r) => r.relrowsecurity && r.relforcerowsecurity)).toBe(true);
      await db.exec(`CREATE ROLE app NOLOGIN; GRANT SELECT, INSERT ON cairn_updates TO app; SET ROLE app`);
      await db.query(`SELECT set_config('cairn.tenant', 'a', false)`);
      expect((await db.query(`SELECT DISTINCT tenant FROM cairn_updates`)).rows).toEqual([{ tenant: 'a' }]);
      await expect(db.query(`INSERT INTO cairn_updates (tenant, doc, version, client_id, seq, actor, bytes) VALUES ('b', 's/x', 1, 'x', 0, 'x', '\\x00')`))
        .rejects.toThrow(/row-level security/);
    } finally {
      await db.close();
    }
  });
});
