/**
 * L3: the database's epoch, one random id that names its history. A restore to an earlier point (an
 * import, a pg_dump restore or PITR followed by `cairn-server new-epoch`) gives it a new one, and every
 * welcome carries it (protocol 4): a replica that saw another epoch pushes again what the server lacks. A
 * database migrated from scratch gets a fresh one here, so importing into an empty deployment is a new
 * epoch even before the import sets one.
 *
 * One row (id = 1), no tenant column: it is the deployment's, not a tenant's, so row-level security does
 * not apply and the tenant-scoped app role reads it as is.
 */
import type { Migration } from './migration.js';

export const epoch: Migration = {
  id: 10,
  name: 'epoch',
  statements: [
    `CREATE TABLE cairn_epoch (
      id         integer     PRIMARY KEY CHECK (id = 1),
      epoch      text        NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now()
    )`,
    `INSERT INTO cairn_epoch (id, epoch) VALUES (1, gen_random_uuid()::text)`,
  ],
};
