/**
 * The update log and its per-doc version counter.
 *
 * - cairn_docs.head_version is the counter C2 rests on: commitBatch bumps it with one upsert per doc, and
 *   that upsert's row lock is what makes two nodes committing to one doc take turns.
 * - cairn_updates is the record (the log is never compacted; snapshots only shorten replays). Its unique
 *   (tenant, client_id, seq) is C1; a race between two nodes on it surfaces as 23505 and is retried.
 * - cairn_snapshots holds one compacted state per doc, the newest one written.
 */
import type { Migration } from './migration.js';

export const init: Migration = {
  id: 1,
  name: 'init',
  statements: [
    `CREATE TABLE cairn_docs (
      tenant       text        NOT NULL,
      doc          text        NOT NULL,
      head_version bigint      NOT NULL CHECK (head_version >= 0),
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, doc)
    )`,
    `CREATE TABLE cairn_updates (
      tenant       text        NOT NULL,
      doc          text        NOT NULL,
      version      bigint      NOT NULL CONSTRAINT cairn_updates_version_check CHECK (version > 0),
      client_id    text        NOT NULL,
      seq          bigint      NOT NULL CONSTRAINT cairn_updates_seq_check CHECK (seq >= 0),
      actor        text        NOT NULL,
      bytes        bytea       NOT NULL,
      committed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, doc, version),
      CONSTRAINT cairn_updates_client_seq_key UNIQUE (tenant, client_id, seq)
    )`,
    `CREATE TABLE cairn_snapshots (
      tenant     text        NOT NULL,
      doc        text        NOT NULL,
      version    bigint      NOT NULL CHECK (version >= 0),
      state      bytea       NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, doc)
    )`,
  ],
};
