/**
 * L2: deletions of a doc or of a whole space. A row is the durable record every node checks when it loads
 * a room (so a node that missed the bus message still refuses the doc) and the purge schedule reads:
 *
 * - `doc` is the deleted doc (`space/name`), or '' when the whole space is deleted (a primary key cannot
 *   hold NULL, and '' is never a doc id).
 * - `purge_after` is deleted_at plus the grace period (CAIRN_DELETE_GRACE_DAYS) the deleter had.
 * - A record is active while restored_at and purged_at are both NULL; at most one active record per
 *   (tenant, space, doc), the partial unique index. A restored record stays as history; a purged one stays
 *   as the tombstone that keeps refusing the name (docs/DECISIONS.md: a purged doc is not re-created).
 *
 * Row-level security like migration 7 gives every tenant table (the catalog loop there ran before this
 * table existed, so it is repeated here for this one table).
 */
import type { Migration } from './migration.js';

export const deletions: Migration = {
  id: 9,
  name: 'deletions',
  statements: [
    `CREATE TABLE cairn_deletions (
      id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tenant      text        NOT NULL,
      space       text        NOT NULL,
      doc         text        NOT NULL,
      deleted_at  timestamptz NOT NULL DEFAULT now(),
      deleted_by  text        NOT NULL,
      purge_after timestamptz NOT NULL,
      restored_at timestamptz,
      restored_by text,
      purged_at   timestamptz,
      CHECK (doc = '' OR starts_with(doc, space || '/')),
      CHECK (restored_at IS NULL OR purged_at IS NULL)
    )`,
    `CREATE UNIQUE INDEX cairn_deletions_active ON cairn_deletions (tenant, space, doc) WHERE restored_at IS NULL`,
    `CREATE INDEX cairn_deletions_due ON cairn_deletions (purge_after) WHERE restored_at IS NULL AND purged_at IS NULL`,
    `ALTER TABLE cairn_deletions ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE cairn_deletions FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY cairn_tenant ON cairn_deletions
       USING (tenant = current_setting('cairn.tenant', true))
       WITH CHECK (tenant = current_setting('cairn.tenant', true))`,
    `CREATE POLICY cairn_all_tenants ON cairn_deletions
       USING (current_setting('cairn.tenant', true) = '*')
       WITH CHECK (current_setting('cairn.tenant', true) = '*')`,
  ],
};
