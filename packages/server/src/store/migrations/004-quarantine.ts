/**
 * C4: log rows that failed to apply on load (room/room.ts), set aside so their doc still loads. A record
 * keeps the original bytes; dropping it (the operator's quarantine CLI) replaces the log row's bytes with
 * an empty update and stamps dropped_at, so the version stays taken (C2) and the evidence stays here.
 */
import type { Migration } from './migration.js';

export const quarantine: Migration = {
  id: 4,
  name: 'quarantine',
  statements: [
    `CREATE TABLE cairn_quarantine (
      tenant         text        NOT NULL,
      doc            text        NOT NULL,
      version        bigint      NOT NULL CHECK (version > 0),
      reason         text        NOT NULL,
      bytes          bytea       NOT NULL,
      quarantined_at timestamptz NOT NULL DEFAULT now(),
      dropped_at     timestamptz,
      PRIMARY KEY (tenant, doc, version)
    )`,
  ],
};
