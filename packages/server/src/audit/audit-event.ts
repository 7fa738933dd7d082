/**
 * What the audit trail (L4) records and how it is read back. A node queues events (audit/audit-log.ts) and
 * writes them to the Store in batches as rows of cairn_audit (store/migrations/006-audit.ts); the admin
 * endpoint (http/audit-routes.ts) pages through them.
 *
 * One row may stand for several equal events of one flush window (`count`): a client that pushes 50
 * updates a second to one doc leaves one `write` row a second with the count and the version range, not
 * 50 rows (docs/DECISIONS.md says why).
 */

/**
 * The actions Cairn records. `delete`, `revert`, `purge` and `history.read` are written by the stages that
 * own them, through `node.audit.record(...)`; the column is plain text, so a new action needs no migration.
 */
export const AUDIT_ACTIONS = [
  /** A socket's hello (native) or upgrade (`/y`) was accepted; outcome CLIENT_ID_TAKEN when C5 refused it. */
  'connect',
  /** A token did not verify (UNAUTHENTICATED), or a session's token expired (TOKEN_EXPIRED, S8). */
  'auth.refused',
  /** An upgrade refused for its Origin (S2) or Host (S8) before any token was read. */
  'upgrade.refused',
  /** A doc operation refused by the space grants (S1): FORBIDDEN or READ_ONLY, with `detail.op`. */
  'access.denied',
  /** Committed pushes of one principal, client and doc in one flush window: `detail.fromVersion/toVersion`. */
  'write',
  /** L2: a doc or space soft-deleted (deletion/deletions.ts); `detail.purgeAfter`. */
  'delete',
  /** L2: a soft deletion ended within its grace period. */
  'restore',
  'revert',
  /** L2: a deleted doc or space's rows removed for good (deletion/doc-purger.ts); `detail.docs`, `detail.rows`. */
  'purge',
  /** Compaction trimmed a doc's log below its history window (compact/): `detail.rows/bytes/floor/before`. */
  'trim',
  'history.read',
  /** A REST query on the anchor read model (`detail.query`, `detail.results`). */
  'rest.query',
  /** An operator dropped a quarantined log row (C4). */
  'quarantine.drop',
  /** Someone read the audit trail itself. */
  'audit.query',
  /** L3: an operator exported a tenant or space (`detail.docs/rows`), imported one, or set a new epoch. */
  'export',
  'import',
  'epoch.new',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** `ok`, or the catalog code of the refusal (UNAUTHENTICATED, FORBIDDEN, READ_ONLY, ...). */
export type AuditOutcome = string;

/** What a stage hands `audit.record()`: who, what, where, how it ended. The node adds `at` and its id. */
export interface AuditEvent {
  action: AuditAction;
  /** Null when nothing trustworthy says which tenant (a token that did not verify). */
  tenant?: string | null;
  subject?: string | null;
  clientId?: string | null;
  space?: string | null;
  /** The doc id `space/name`. */
  doc?: string | null;
  /** Default `ok`. */
  outcome?: AuditOutcome;
  /** Small JSON: what else identifies the event (endpoint, op, query, address). */
  detail?: Readonly<Record<string, unknown>>;
}

/** One row as written. */
export interface AuditRow {
  /** The first event the row stands for (ms precision). */
  at: Date;
  tenant: string | null;
  subject: string | null;
  clientId: string | null;
  /** The node that saw the events (`cli` for an operator command). */
  node: string;
  action: string;
  space: string | null;
  doc: string | null;
  outcome: AuditOutcome;
  /** Equal events of one flush window this row stands for, ≥ 1. */
  count: number;
  detail: Readonly<Record<string, unknown>>;
}

/** One row as read back. */
export interface AuditRecord extends AuditRow {
  id: number;
}

/** The admin filters; every one is optional. Newest first. */
export interface AuditQuery {
  tenant?: string;
  subject?: string;
  action?: string;
  /** Rows with `since ≤ at < until`. */
  since?: Date;
  until?: Date;
  /** Where the previous page ended (AuditPage.next). */
  after?: AuditCursor;
  /** Rows per page, 1-1000. */
  limit: number;
}

/** The (at, id) of the last row of a page: the next page holds the rows strictly older. */
export interface AuditCursor {
  at: Date;
  id: number;
}

export interface AuditPage {
  rows: AuditRecord[];
  /** Null when this page holds the last row. */
  next: AuditCursor | null;
}
