/**
 * Who owns a clientId (C5): cairn_client_owners binds (tenant, client_id) to the principal subject whose
 * hello claimed it first. Dedup is on (tenant, client_id, seq) (C1), so without this a principal who took
 * another's clientId could pre-claim its next seqs and have that user's pushes acked as duplicates, never
 * stored. A row is written once (INSERT … ON CONFLICT DO NOTHING) and never updated, so every node that
 * reads it gets the same owner.
 *
 * Replicas that synced before this table existed keep their ids: each clientId already in the log is bound
 * to the actor of its lowest seq (the (tenant, client_id, seq) unique index gives that order without a
 * sort). Server-made `/y` ids (`yws-…`) are never claimed by a hello, so they are left out.
 */
import type { Migration } from './migration.js';

export const clientOwners: Migration = {
  id: 3,
  name: 'client-owners',
  statements: [
    `CREATE TABLE cairn_client_owners (
      tenant     text        NOT NULL,
      client_id  text        NOT NULL,
      subject    text        NOT NULL,
      claimed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, client_id)
    )`,
    `INSERT INTO cairn_client_owners (tenant, client_id, subject)
     SELECT DISTINCT ON (tenant, client_id) tenant, client_id, actor
       FROM cairn_updates
      WHERE client_id NOT LIKE 'yws-%'
      ORDER BY tenant, client_id, seq`,
  ],
};
