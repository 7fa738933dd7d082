/**
 * The purge (purge/purger.ts) finds what is due in the read model (readmodel/sql-purge-candidates.ts), every
 * pass, over every tenant. Each of its reasons starts from one of these partial indexes, so a pass reads
 * the few due rows, not every anchor: expiries (cairn_anchors), tombstone times and forwarding clocks
 * (cairn_anchor_entries, jsonb paths of readCell's CellEntry). Text keys are COLLATE "C", as the query
 * compares them. No new table: nothing here needs row-level security.
 */
import type { Migration } from './migration.js';

export const purgeIndexes: Migration = {
  id: 11,
  name: 'purge-indexes',
  statements: [
    `CREATE INDEX cairn_anchors_expires ON cairn_anchors (expires_at) WHERE expires_at IS NOT NULL`,
    `CREATE INDEX cairn_anchor_entries_deleted ON cairn_anchor_entries (((entry->'deleted'->>'at') COLLATE "C"))
      WHERE jsonb_typeof(entry->'deleted') = 'object'`,
    `CREATE INDEX cairn_anchor_entries_moved ON cairn_anchor_entries (((entry->'movedTo'->>'hlc') COLLATE "C"))
      WHERE jsonb_typeof(entry->'movedTo') = 'object'`,
  ],
};
