/**
 * Who owns each Yjs client of a doc (room/yclient-owners.ts) is derived from the log: the actor of the
 * first row that wrote structs with it. A room that loads a snapshot does not replay the rows before it,
 * so the snapshot carries the owners as of its version (store/snapshot-owners.ts encodes them). NULL in
 * snapshots written before this column: their clients' owners are unknown, and the first writer after the
 * upgrade claims each one (docs/DECISIONS.md).
 */
import type { Migration } from './migration.js';

export const snapshotOwners: Migration = {
  id: 5,
  name: 'snapshot-owners',
  statements: [`ALTER TABLE cairn_snapshots ADD COLUMN owners bytea`],
};
