/**
 * L4: the audit trail (audit/audit-event.ts describes a row). Written in batches by each node's audit log
 * (audit/audit-log.ts), never inside a commit transaction; read newest first by the admin endpoint, whose
 * filters (tenant, subject, action, time range) each have an index ending in (at, id), the keyset the pages
 * follow. `at` is written with millisecond precision, the cursor's. Retention deletes by `at`.
 *
 * `tenant` and `subject` are NULL when nothing trustworthy names them (a token that did not verify).
 */
import type { Migration } from './migration.js';

export const audit: Migration = {
  id: 6,
  name: 'audit',
  statements: [
    `CREATE TABLE cairn_audit (
      id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at        timestamptz NOT NULL,
      tenant    text,
      subject   text,
      client_id text,
      node      text        NOT NULL,
      action    text        NOT NULL,
      space     text,
      doc       text,
      outcome   text        NOT NULL,
      count     integer     NOT NULL DEFAULT 1 CHECK (count > 0),
      detail    jsonb       NOT NULL DEFAULT '{}'
    )`,
    `CREATE INDEX cairn_audit_at ON cairn_audit (at, id)`,
    `CREATE INDEX cairn_audit_tenant ON cairn_audit (tenant, at, id)`,
    `CREATE INDEX cairn_audit_subject ON cairn_audit (tenant, subject, at, id)`,
    `CREATE INDEX cairn_audit_action ON cairn_audit (tenant, action, at, id)`,
  ],
};
