/**
 * S5 in the database: every Cairn table with a tenant column gets row-level security, ENABLEd and FORCEd
 * (FORCE binds the tables' owner too; only superusers and BYPASSRLS roles skip it), and two policies:
 *
 * - cairn_tenant: a row is visible and writable when its tenant is the transaction's cairn.tenant, which
 *   the store sets with SET LOCAL for every per-tenant statement (store/sql-client.ts forTenant). Unset,
 *   the setting reads as NULL and no row matches: a connection that forgot to set it sees nothing.
 * - cairn_all_tenants: cairn.tenant = '*' sees every tenant. Only the connections of the cross-tenant
 *   paths start with it (the group commit's one statement batches several tenants, read-model catch-up,
 *   migrations, the quarantine CLI; docs/DECISIONS.md has why they are not split per tenant).
 *
 * It also gives cairn_docs a count of its committed update bytes, which the commit keeps (store/sql-commit.ts)
 * and tenant quotas sum per tenant (commit/tenant-quotas.ts) without scanning the log; rows already in the
 * log are counted here.
 *
 * The tables are found from the catalog rather than listed, so the tenant tables of earlier migrations
 * (audit included) are all covered; test/contract/store-row-security.test.ts fails on any cairn_ table
 * with a tenant column that a later migration leaves without them.
 */
import type { Migration } from './migration.js';

export const rowSecurity: Migration = {
  id: 7,
  name: 'row-security-and-usage',
  statements: [
    `ALTER TABLE cairn_docs ADD COLUMN bytes bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0)`,
    `UPDATE cairn_docs d SET bytes = u.bytes
       FROM (SELECT tenant, doc, sum(octet_length(bytes)) AS bytes FROM cairn_updates GROUP BY tenant, doc) u
      WHERE u.tenant = d.tenant AND u.doc = d.doc`,
    `DO $$
     DECLARE t text;
     BEGIN
       FOR t IN
         SELECT c.table_name FROM information_schema.columns c
           JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
          WHERE c.table_schema = current_schema() AND c.column_name = 'tenant'
            AND c.table_name LIKE 'cairn\\_%' AND tb.table_type = 'BASE TABLE'
          ORDER BY c.table_name
       LOOP
         EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
         EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
         EXECUTE format($p$CREATE POLICY cairn_tenant ON %I
                          USING (tenant = current_setting('cairn.tenant', true))
                          WITH CHECK (tenant = current_setting('cairn.tenant', true))$p$, t);
         EXECUTE format($p$CREATE POLICY cairn_all_tenants ON %I
                          USING (current_setting('cairn.tenant', true) = '*')
                          WITH CHECK (current_setting('cairn.tenant', true) = '*')$p$, t);
       END LOOP;
     END $$`,
  ],
};
