/**
 * Compaction trims the log (compact/, docs/DECISIONS.md "History window"). Two tables keep what the
 * deleted rows were needed for:
 *
 * - cairn_history_floors: per doc, the version F below which rows are gone, the doc's state at F and its
 *   Yjs client owners at F (so owner checks and history reads still start somewhere), the newest commit
 *   time among the trimmed rows (`floor_at`: a read at or after it is answerable), and running counts of
 *   what was trimmed. History reads in the window are this base plus the rows after F (L1).
 * - cairn_trimmed_seqs: C1 without the rows. Closed ranges [lo, hi] of one replica's seqs, each seq in a
 *   range stored once (trimmed, or still in the log of some doc). A push whose seq falls in a range is a
 *   duplicate. Ranges never cover a seq that was not stored (store/seq-ranges.ts), so a push that was
 *   refused or never arrived is never acked as a duplicate. The primary key's (tenant, client_id, lo) is
 *   the lookup the commit does per push.
 *
 * Both get the row security of migration 7 (FORCE, the tenant and all-tenants policies).
 */
import type { Migration } from './migration.js';

const TABLES = ['cairn_history_floors', 'cairn_trimmed_seqs'] as const;

export const historyFloor: Migration = {
  id: 8,
  name: 'history-floor',
  statements: [
    `CREATE TABLE cairn_history_floors (
      tenant        text        NOT NULL,
      doc           text        NOT NULL,
      version       bigint      NOT NULL CHECK (version > 0),
      floor_at      timestamptz NOT NULL,
      state         bytea       NOT NULL,
      owners        bytea       NOT NULL,
      rows_trimmed  bigint      NOT NULL CHECK (rows_trimmed >= 0),
      bytes_trimmed bigint      NOT NULL CHECK (bytes_trimmed >= 0),
      trimmed_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, doc)
    )`,
    `CREATE TABLE cairn_trimmed_seqs (
      tenant    text   NOT NULL,
      client_id text   NOT NULL,
      lo        bigint NOT NULL CHECK (lo >= 0),
      hi        bigint NOT NULL,
      CHECK (hi >= lo),
      PRIMARY KEY (tenant, client_id, lo)
    )`,
    ...TABLES.flatMap((t) => [
      `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`,
      `CREATE POLICY cairn_tenant ON ${t} USING (tenant = current_setting('cairn.tenant', true)) WITH CHECK (tenant = current_setting('cairn.tenant', true))`,
      `CREATE POLICY cairn_all_tenants ON ${t} USING (current_setting('cairn.tenant', true) = '*') WITH CHECK (current_setting('cairn.tenant', true) = '*')`,
    ]),
  ],
};
