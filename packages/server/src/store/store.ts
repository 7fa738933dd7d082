/**
 * The Store seam: where committed updates live. Three implementations (postgres via `pg`, PGlite, memory)
 * run the same contract suite, test/contract/store.contract.ts.
 *
 * Rows are keyed by tenant everywhere (S5). A doc's versions run 1, 2, 3, … with no gaps and no reuse (C2);
 * (tenant, clientId, seq) is unique (C1).
 *
 * Implementations throw CairnError (AssertionError only for a bug): BAD_REQUEST when a call carries input
 * the schema refuses (e.g. a negative or fractional seq; never retryable), STORE_UNAVAILABLE for anything
 * else (the database is down or failed; retryable). The driver's error is the `cause`, never part of the message (S4).
 * Factories: createPgStore (pg-store.ts), createPgliteStore (pglite-store.ts), createMemoryStore
 * (memory-store.ts); the SQL is shared by the first two (sql-store.ts, sql-commit.ts, migrations/).
 */
import type { AnchorStore } from '../readmodel/anchor-store.js';
import type { AuditPage, AuditQuery, AuditRow } from '../audit/audit-event.js';

export interface CommitRequest {
  tenant: string;
  /** `space/name`, already validated. */
  doc: string;
  clientId: string;
  seq: number;
  /** Who wrote it (the token's subject, or `anonymous` in dev mode). */
  actor: string;
  update: Uint8Array;
}

export type CommitOutcome =
  /** Stored now, as this version of its doc. */
  | { kind: 'committed'; version: number }
  /**
   * (tenant, clientId, seq) was already stored, earlier or earlier in this batch; nothing new was written.
   * `version` is 0 when compaction trimmed that row (the version went with it).
   */
  | { kind: 'duplicate'; version: number };

export interface UpdateRecord {
  version: number;
  update: Uint8Array;
  /** The CommitRequest's actor: who wrote it (room/yclient-owners.ts derives Yjs client owners from it). */
  actor: string;
}

/** Yjs clientID → the subject that first wrote structs with it in a doc (room/yclient-owners.ts). */
export type YClientOwners = ReadonlyMap<number, string>;

export interface DocSnapshot {
  /** The snapshot holds every update with version ≤ this. */
  version: number;
  state: Uint8Array;
  /**
   * The owners of the Yjs clients as of `version`, since the log rows before it are not replayed. Absent
   * in a snapshot written before owners were kept: its clients' owners are unknown (docs/DECISIONS.md).
   */
  owners?: YClientOwners;
}

/** One row of a doc's log without its bytes: what a history listing shows (L1). */
export interface ChangeRecord {
  version: number;
  /** When the row was committed, to the millisecond (what `versionAt` compares with). */
  committedAt: Date;
  actor: string;
  clientId: string;
  seq: number;
  /** Size of the update in bytes. */
  size: number;
}

/** C4: a log row that failed to apply on load, set aside so its doc still loads (room/room.ts). */
export interface QuarantineRecord {
  tenant: string;
  doc: string;
  version: number;
  /** Why it did not apply (the apply error's message). */
  reason: string;
  /** Size in bytes of the original update, which the record keeps. */
  size: number;
  quarantinedAt: Date;
  /** When an operator dropped it (its log row now holds an empty update), else null. */
  droppedAt: Date | null;
}

/**
 * L2: a deleted doc, or a whole deleted space (`doc` null). While neither restored nor purged, the doc (every
 * doc of the space) is refused with DOC_DELETED; once purged its rows are gone and the record stays as the
 * tombstone that keeps refusing the name (deletion/, docs/DECISIONS.md).
 */
export interface DeletionRecord {
  tenant: string;
  space: string;
  /** `space/name`, or null for the whole space. */
  doc: string | null;
  deletedAt: Date;
  /** The deleter's token subject. */
  deletedBy: string;
  /** When the hard purge may run: deletedAt plus the grace period. */
  purgeAfter: Date;
  restoredAt: Date | null;
  restoredBy: string | null;
  purgedAt: Date | null;
}

/**
 * Where a doc's trimmed history ends (compact/, migration 8): the log holds no rows with version ≤
 * `version`; the doc at `version` is `state`. Reads of versions ≥ `version`, or of times ≥ `at`, are
 * answered from it (L1 inside the window); older ones fail with HISTORY_TRIMMED.
 */
export interface HistoryFloor {
  version: number;
  /** The newest commit time among the trimmed rows (ms): a time at or after it maps to a version ≥ `version`. */
  at: Date;
  state: Uint8Array;
  /** The Yjs client owners as of `version` (room/yclient-owners.ts), which the trimmed rows no longer tell. */
  owners: YClientOwners;
  /** Rows and update bytes trimmed from the doc so far. */
  rowsTrimmed: number;
  bytesTrimmed: number;
}

/** The doc as of `version`, which becomes its history floor (compact/compact-doc.ts computes it). */
export interface TrimRequest {
  version: number;
  state: Uint8Array;
  owners: YClientOwners;
}

export interface TrimResult {
  /** Rows and update bytes this call deleted (0 if the floor was already at or past the version). */
  rows: number;
  bytes: number;
  /** The doc's floor after the call. */
  floor: number;
}

/** A doc whose oldest kept row was committed before a time: compaction may trim it (listTrimmable). */
export interface DocRef {
  tenant: string;
  doc: string;
}

/** One log row whole, as an export carries it and an import writes it back (admin/export-format.ts, L3). */
export interface LogRow {
  version: number;
  clientId: string;
  seq: number;
  actor: string;
  /** When it was committed, to the millisecond; an import keeps it, so history by time (L1) reads the same. */
  committedAt: Date;
  update: Uint8Array;
}

/** What `importRows` did to its doc. */
export interface ImportOutcome {
  /** Rows written now (0: every row was stored already, the import is a repeat). */
  added: number;
  /** With `replace`: the version from which the stored log differed and was replaced; null if it did not. */
  replacedFrom: number | null;
}

/** What a tenant has stored, for its quotas (commit/tenant-quotas.ts). */
export interface TenantUsage {
  /** Docs with at least one committed update. */
  docs: number;
  /** Update bytes in its log: committed minus trimmed (compaction); snapshots and floors not counted. */
  bytes: number;
}

export interface Store {
  readonly kind: 'postgres' | 'pglite' | 'memory';
  /** Applies pending versioned migrations; safe to run twice and from two processes at once. */
  migrate(): Promise<void>;
  /**
   * Commits the whole batch in ONE transaction (A2) and returns one outcome per request, in order.
   * Within a doc, versions follow request order. If it throws, nothing of the batch was stored.
   */
  commitBatch(requests: readonly CommitRequest[]): Promise<CommitOutcome[]>;
  /**
   * Updates of a doc with `after < version ≤ upTo` (upTo omitted: to the head), in version order. Throws
   * HISTORY_TRIMMED if some of them were trimmed (`after` below the history floor): a caller never gets a
   * silently shorter list; it starts from the snapshot or the floor's state instead.
   */
  loadUpdates(tenant: string, doc: string, after: number, upTo?: number): Promise<UpdateRecord[]>;
  /** The doc's latest committed version, 0 if it has none. */
  headVersion(tenant: string, doc: string): Promise<number>;
  /** The newest snapshot of the doc, if any. */
  loadSnapshot(tenant: string, doc: string): Promise<DocSnapshot | null>;
  /** Stores a snapshot unless a newer one is already stored. Updates are kept (only compaction trims them, trimHistory). */
  saveSnapshot(tenant: string, doc: string, snapshot: DocSnapshot): Promise<void>;
  /**
   * Binds the clientId to `subject` unless it is bound already (first claim wins, C5), and returns the
   * subject it is bound to: `subject` itself when the claim won or repeats the owner's. Durable and the
   * same answer on every node; two concurrent claims of one id get the same owner.
   */
  claimClient(tenant: string, clientId: string, subject: string): Promise<string>;
  /**
   * C4: records that the log row (tenant, doc, version) does not apply, with a copy of its bytes. True if
   * it is newly recorded; false if it was already, or there is no such row.
   */
  quarantine(tenant: string, doc: string, version: number, reason: string): Promise<boolean>;
  /** Quarantined rows of every tenant, of one tenant, or of one doc, in (tenant, doc, version) order. */
  listQuarantined(tenant?: string, doc?: string): Promise<QuarantineRecord[]>;
  /**
   * Replaces a quarantined row's update with an empty update: the version stays taken (C2) and every load
   * applies it as a no-op; the original bytes stay in the quarantine record. True if dropped now, false if
   * it is not quarantined or was dropped before.
   */
  dropQuarantined(tenant: string, doc: string, version: number): Promise<boolean>;
  /**
   * L1: the doc's log rows with `after < version` (rows at or below the history floor are gone), at most `limit` of them, in version order (the version
   * is the paging cursor).
   */
  listChanges(tenant: string, doc: string, after: number, limit: number): Promise<ChangeRecord[]>;
  /**
   * L1: the doc as of a time is the longest prefix of its log committed at or before `at` (compared to the
   * millisecond): the version before the first row committed after `at`, else the head. 0 if none was.
   * HISTORY_TRIMMED if `at` is before the history floor's time (the answer is a trimmed version).
   */
  versionAt(tenant: string, doc: string, at: Date): Promise<number>;
  /** The doc's history floor (compaction trimmed the rows at or below it), or null if nothing was trimmed. */
  loadHistoryFloor(tenant: string, doc: string): Promise<HistoryFloor | null>;
  /**
   * L3: gives an empty doc (no rows, no floor) an exported history floor: its head becomes the floor's
   * version, so the export's rows after it continue the head (importRows). False, and nothing written, when
   * the doc already holds rows or a floor: it keeps its own history, and importRows checks the rows after.
   */
  importFloor(tenant: string, doc: string, floor: HistoryFloor): Promise<boolean>;
  /**
   * Deletes the doc's log rows with version ≤ `base.version` in ONE transaction that also records their
   * seqs for C1 (a resent push of a trimmed row is still a duplicate), takes their bytes off the tenant's
   * usage, and makes `base` the doc's floor. A no-op if the floor is already at or past it. Safe to run
   * from two nodes at once: trims of one tenant take turns (a transaction-scoped lock), and a second trim
   * of the same rows finds them gone. BAD_REQUEST if `base.version` is past the head.
   */
  trimHistory(tenant: string, doc: string, base: TrimRequest): Promise<TrimResult>;
  /**
   * Docs whose oldest kept row was committed before `before`, in (tenant, doc) order after `after`, at most
   * `limit`; of one tenant if given (cross-tenant otherwise: the compaction schedule and CLI).
   */
  listTrimmable(query: { before: Date; limit: number; tenant?: string; after?: DocRef }): Promise<DocRef[]>;
  /** The docs of a space that have committed rows (`space/…`), in code point order. */
  listDocs(tenant: string, space: string): Promise<string[]>;
  /**
   * L4: appends audit rows in ONE statement, in order (ids follow it). Called by the node's audit log
   * (audit/audit-log.ts) off the commit path, never inside a commit.
   */
  appendAudit(rows: readonly AuditRow[]): Promise<void>;
  /** Audit rows matching every given filter, newest first by (at, id), one page. */
  queryAudit(query: AuditQuery): Promise<AuditPage>;
  /** Deletes up to `limit` audit rows with `at < before`, oldest first; returns how many (retention). */
  deleteAuditBefore(before: Date, limit: number): Promise<number>;
  /**
   * The tenant's docs and committed update bytes. Cheap (a per-doc counter the commit keeps, not a scan of
   * the log), but still a query: quotas cache it per tenant and add what this node commits.
   */
  tenantUsage(tenant: string): Promise<TenantUsage>;
  /**
   * L2: records the deletion of the doc (or of the whole space, `doc` null), to be purged `graceMs` after it
   * (both times from the store's clock), unless one is in force already, and returns the record in force:
   * the new one, or the earlier one (deleting twice changes nothing).
   */
  markDeleted(tenant: string, space: string, doc: string | null, by: string, graceMs: number): Promise<DeletionRecord>;
  /**
   * L2: ends the doc's (space's) soft deletion; the record stays, stamped. Null if there is none to end:
   * nothing deleted, or already purged (a purge is final).
   */
  restoreDeleted(tenant: string, space: string, doc: string | null, by: string): Promise<DeletionRecord | null>;
  /** The record that refuses the doc, its own or its space's (not restored; purged or not), else null. */
  deletionOf(tenant: string, doc: string): Promise<DeletionRecord | null>;
  /** The records in force in a space (not restored), the space's own first, then by doc. */
  listDeletions(tenant: string, space: string): Promise<DeletionRecord[]>;
  /** Records of every tenant due for their purge (not restored, not purged, purgeAfter ≤ now), oldest first. */
  dueDeletions(now: Date, limit: number): Promise<DeletionRecord[]>;
  /**
   * L2: removes every row of the doc in ONE transaction: its log, head counter, snapshot, quarantine rows,
   * read-model rows (a cell doc's anchors and entries, a meta doc's space row, its progress), and the
   * clientId bindings of replicas that wrote to it and have no rows left in the tenant's log. Audit rows
   * and the deletion record stay. Returns the number of log rows removed.
   */
  purgeDoc(tenant: string, doc: string): Promise<number>;
  /** Stamps the record purged (once its docs are); false if it was restored or purged meanwhile. */
  markPurged(tenant: string, space: string, doc: string | null): Promise<boolean>;
  /** Every doc of the tenant that has committed rows, in code point order (export of a whole tenant). */
  listTenantDocs(tenant: string): Promise<string[]>;
  /** The doc's log rows with `after < version`, at most `limit`, in version order, bytes included (export). */
  exportRows(tenant: string, doc: string, after: number, limit: number): Promise<LogRow[]>;
  /**
   * Writes exported rows back, in ONE transaction (L3). `rows` are consecutive versions of one doc. A row
   * at a version the doc already holds must be that row (same clientId, seq, actor and bytes): then it is
   * skipped, so an import repeated, or into the deployment it came from, changes nothing (C1). A row that
   * differs throws IMPORT_CONFLICT, unless `replace`: then the doc's rows from that version on, its snapshot
   * and its read-model progress are deleted and the import's rows written instead. Rows past the head are
   * appended at their own versions, which must continue the head (C2: else BAD_REQUEST). A row whose
   * (clientId, seq) the tenant holds at another doc or version also throws IMPORT_CONFLICT.
   */
  importRows(tenant: string, doc: string, rows: readonly LogRow[], options: { replace: boolean }): Promise<ImportOutcome>;
  /**
   * L3: the id of the database's history, sent in every welcome. Created with the schema (migration 10);
   * a restore to an earlier point is marked by `newEpoch`.
   */
  epoch(): Promise<string>;
  /** Gives the database a new random epoch and returns it (after an import or a restore). */
  newEpoch(): Promise<string>;
  /** The anchor read model: merged anchors of cell docs, kept by readmodel/updater.ts. */
  readonly anchors: AnchorStore;
  /** Resolves if the store can serve queries now (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
